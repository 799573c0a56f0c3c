//! Throughput of exact enumeration and sampling per family and backend, at
//! several sizes, and the per-evaluation overhead of small evaluations
//! (criterion). Run: `cargo bench --bench exact`. Throughput is reported in
//! profiles/s (exact), samples/s (sampling) and evaluations/s (overhead).
//! Memory is not criterion's: `memory` prints the peak heap of one exact
//! evaluation per size, counted by the library's counting allocator (the one the binary installs).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use unitsum_gpu::{Backend, Evaluator, Game, Method, Options};

/// The counting allocator (`unitsum-gpu bench` installs the same).
use unitsum_gpu::internals::heap;

/// The cases `unitsum-gpu bench` times.
use unitsum_gpu::internals::cases::uniform_split;

#[global_allocator]
static HEAP: heap::CountingAllocator = heap::CountingAllocator;

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
    if !evaluator.adapters().is_empty() {
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

/// Peak heap of one exact CPU evaluation per size: it must not grow with k^n.
fn memory(_: &mut Criterion) {
    let mut evaluator = Evaluator::new();
    let options = Options {
        backend: Backend::Cpu,
        method: Method::Exact,
        ..Default::default()
    };
    for n in [10, 12, 14] {
        let problem = uniform_split(n, 4, Game::Plurality);
        let start = heap::start_measuring();
        let run = evaluator.evaluate(&problem, &options).unwrap();
        let peak = heap::peak_since(start).expect("the counting allocator is installed");
        println!(
            "memory: exact plurality n={n} k=4 on the CPU ({} profiles): peak heap {:.0} kB",
            run.profiles.unwrap_or(0),
            peak as f64 / 1e3
        );
    }
}

criterion_group!(benches, exact, sample, overhead, memory);
criterion_main!(benches);
