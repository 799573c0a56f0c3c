//! Throughput of exact enumeration and sampling per family and backend, at
//! several sizes, and the per-evaluation overhead of small evaluations
//! (criterion). Run: `cargo bench --bench exact`. Throughput is reported in
//! profiles/s (exact), samples/s (sampling) and evaluations/s (overhead).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use unitsum_gpu::bench::uniform_split;
use unitsum_gpu::{Backend, Evaluator, Game, Method, Options};

fn games() -> Vec<(&'static str, Game)> {
    let w = vec![vec![1.0, 2.0, 3.0, 4.0]];
    vec![
        ("plurality", Game::Plurality),
        ("proportional", Game::Proportional { weights: w.clone() }),
        ("congestion", Game::Congestion { values: w }),
    ]
}

fn backends(evaluator: &mut Evaluator) -> Vec<(&'static str, Backend)> {
    let mut out = vec![("cpu", Backend::Cpu)];
    if evaluator.gpu().is_ok() {
        out.push(("gpu", Backend::Gpu));
    }
    out
}

fn exact(c: &mut Criterion) {
    let mut evaluator = Evaluator::new();
    let backends = backends(&mut evaluator);
    let mut group = c.benchmark_group("exact k=4");
    group.sample_size(10);
    for n in [8, 10, 12] {
        for (name, game) in games() {
            let problem = uniform_split(n, 4, game);
            group.throughput(Throughput::Elements(4u64.pow(n as u32)));
            for &(label, backend) in &backends {
                let options = Options {
                    backend,
                    method: Method::Exact,
                    ..Default::default()
                };
                group.bench_function(format!("{name} n={n}/{label}"), |b| {
                    b.iter(|| evaluator.evaluate(&problem, &options).unwrap())
                });
            }
        }
    }
    group.finish();
}

fn sample(c: &mut Criterion) {
    let mut evaluator = Evaluator::new();
    let backends = backends(&mut evaluator);
    let mut group = c.benchmark_group("sample k=4");
    group.sample_size(10);
    let samples = 200_000;
    for n in [20, 50, 200] {
        for (name, game) in games() {
            let problem = uniform_split(n, 4, game);
            group.throughput(Throughput::Elements(samples));
            for &(label, backend) in &backends {
                let options = Options {
                    backend,
                    method: Method::Sample,
                    samples,
                    ..Default::default()
                };
                group.bench_function(format!("{name} n={n}/{label}"), |b| {
                    b.iter(|| evaluator.evaluate(&problem, &options).unwrap())
                });
            }
        }
    }
    group.finish();
}

fn overhead(c: &mut Criterion) {
    let mut evaluator = Evaluator::new();
    let backends = backends(&mut evaluator);
    let mut group = c.benchmark_group("small evaluation");
    // 81 profiles: the time is the per-evaluation overhead.
    let problem = uniform_split(4, 3, Game::Plurality);
    group.throughput(Throughput::Elements(1));
    for &(label, backend) in &backends {
        let options = Options {
            backend,
            method: Method::Exact,
            ..Default::default()
        };
        group.bench_function(format!("plurality n=4 k=3/{label}"), |b| {
            b.iter(|| evaluator.evaluate(&problem, &options).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, exact, sample, overhead);
criterion_main!(benches);
