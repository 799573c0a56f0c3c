//! The counts method on the specs in benches/specs/counts-*.json (criterion).
//! Run: `cargo bench --bench counts`.

use criterion::{criterion_group, criterion_main, Criterion};
use unitsum_gpu::{Backend, Evaluator, Method, Options};

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

criterion_group!(benches, counts);
criterion_main!(benches);
