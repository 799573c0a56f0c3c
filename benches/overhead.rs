//! The cost of one small evaluation from Rust (n = 4, k = 3, CPU), the
//! baseline of the Python package's per-call overhead
//! (python/benches/overhead.py times the same call from Python).
//! Run: `cargo bench --bench overhead`.

use criterion::{criterion_group, criterion_main, Criterion};
use unitsum_gpu::{Backend, Evaluator, Options, Problem};

fn overhead(c: &mut Criterion) {
    let problem = Problem::load("benches/specs/overhead-plurality-n4-k3.json").expect("bench spec");
    let options = Options {
        backend: Backend::Cpu,
        ..Default::default()
    };
    let mut evaluator = Evaluator::new();
    c.bench_function("evaluate n=4 k=3 cpu (Rust)", |b| {
        b.iter(|| evaluator.evaluate(&problem, &options).expect("evaluates"))
    });
}

criterion_group!(benches, overhead);
criterion_main!(benches);
