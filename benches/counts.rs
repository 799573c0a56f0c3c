//! The counts method on the specs in benches/specs/counts-*.json (criterion).
//! Run: `cargo bench --bench counts`.

use criterion::{criterion_group, criterion_main, Criterion};
use unitsum_gpu::{Backend, Evaluator, Method, Options};

/// The cases `unitsum-gpu bench --scale` times.
use unitsum_gpu::internals::cases;

fn counts(c: &mut Criterion) {
    let mut evaluator = Evaluator::new();
    let gpu_available = !evaluator.adapters().is_empty();
    let mut group = c.benchmark_group("counts");
    group.sample_size(10);
    for name in [
        "counts-plurality-n40-k4-singletons",
        "counts-plurality-n200-k3-majority",
        "counts-plurality-n1000-k3-majority",
        "counts-proportional-n100-k4",
    ] {
        let path = format!("benches/specs/{name}.json");
        let problem = unitsum_gpu::Problem::load(std::path::Path::new(&path)).expect("bench spec");
        let mut backends = vec![("cpu", Backend::Cpu)];
        if gpu_available {
            backends.push(("gpu", Backend::Gpu));
        }
        for (label, backend) in backends {
            let options = Options {
                backend,
                method: Method::Counts,
                ..Default::default()
            };
            group.bench_function(format!("{name}/{label}"), |b| {
                b.iter(|| evaluator.evaluate(&problem, &options).expect("evaluates"))
            });
        }
    }
    group.finish();
}

/// The counts method at scale on the CPU (the README's "Counts at scale").
fn at_scale(c: &mut Criterion) {
    let mut evaluator = Evaluator::new();
    let options = Options {
        backend: Backend::Cpu,
        method: Method::Counts,
        ..Default::default()
    };
    let mut group = c.benchmark_group("counts-at-scale");
    group.sample_size(10);
    let deviations: Vec<_> = (0..3)
        .map(|b| cases::deviation(1000, 3, b).expect("valid"))
        .collect();
    group.bench_function("deviation-payoffs-n1000-k3-all-actions", |b| {
        b.iter(|| {
            for problem in &deviations {
                evaluator.evaluate(problem, &options).expect("evaluates");
            }
        })
    });
    for (name, problem) in [
        (
            "two-policies-plurality-n1000-k3",
            cases::two_policies(1000, 3, "plurality", "independent"),
        ),
        (
            "two-policies-proportional-common-n128-k4",
            cases::two_policies(128, 4, "proportional", "common"),
        ),
        ("singletons-n100-k4", cases::singletons(100, 4)),
    ] {
        let problem = problem.expect("valid");
        group.bench_function(name, |b| {
            b.iter(|| evaluator.evaluate(&problem, &options).expect("evaluates"))
        });
    }
    group.finish();
}

criterion_group!(benches, counts, at_scale);
criterion_main!(benches);
