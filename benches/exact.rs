//! Exact enumeration throughput per family and backend (criterion).
//! Run: `cargo bench --bench exact`. Throughput is reported in profiles/s.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use unitsum_gpu::{Backend, Coalition, Evaluator, Game, Options, Policy, Problem};

fn problems() -> Vec<(&'static str, Problem)> {
    let n = 10;
    let k = 4;
    let uniform = || {
        vec![
            Coalition::new((0..6).collect(), Policy::Uniform),
            Coalition::new((6..n).collect(), Policy::Uniform),
        ]
    };
    vec![
        (
            "plurality",
            Problem::new(n, k, Game::Plurality, uniform()).unwrap(),
        ),
        (
            "proportional",
            Problem::new(
                n,
                k,
                Game::Proportional {
                    weights: vec![vec![1.0, 2.0, 3.0, 4.0]],
                },
                uniform(),
            )
            .unwrap(),
        ),
        (
            "congestion",
            Problem::new(
                n,
                k,
                Game::Congestion {
                    values: vec![vec![1.0, 2.0, 3.0, 4.0]],
                },
                uniform(),
            )
            .unwrap(),
        ),
    ]
}

fn exact(c: &mut Criterion) {
    let mut evaluator = Evaluator::new();
    let gpu_available = evaluator.gpu().is_ok();
    let mut group = c.benchmark_group("exact n=10 k=4");
    group.sample_size(10);
    for (name, problem) in problems() {
        group.throughput(Throughput::Elements(4u64.pow(10)));
        let cpu = Options {
            backend: Backend::Cpu,
            ..Default::default()
        };
        group.bench_function(format!("{name}/cpu"), |b| {
            b.iter(|| evaluator.evaluate(&problem, &cpu).unwrap())
        });
        if gpu_available {
            let gpu = Options {
                backend: Backend::Gpu,
                ..Default::default()
            };
            group.bench_function(format!("{name}/gpu"), |b| {
                b.iter(|| evaluator.evaluate(&problem, &gpu).unwrap())
            });
        }
    }
    group.finish();
}

criterion_group!(benches, exact);
criterion_main!(benches);
