//! Embedding the evaluator: build a game in code, evaluate it on the CPU
//! and (when an adapter exists) on the GPU, and read r_j(x).
//!
//! Run: `cargo run --example embed`

use unitsum_gpu::{Backend, Coalition, Evaluator, Game, Options, Policy, Problem};

fn main() -> Result<(), unitsum_gpu::Error> {
    // Theorem 2: 6 players copy a 2-player coalition in a proportional game
    // with two states; they secure at least q/(q+1) = 3/4 in each state.
    let game = Game::Proportional {
        weights: vec![vec![1.0, 2.0, 4.0], vec![4.0, 1.0, 1.0]],
    };
    let problem = Problem::new(
        8,
        3,
        game,
        vec![
            Coalition::new((0..6).collect(), Policy::copy(vec![1], 0)),
            Coalition::new(
                vec![6, 7],
                Policy::Joint {
                    support: vec![(vec![2, 2], 0.5), (vec![0, 1], 0.5)],
                },
            ),
        ],
    )?;

    // One evaluator keeps the GPU device and pipelines for every later call.
    let mut evaluator = Evaluator::new();
    let cpu = evaluator.evaluate(
        &problem,
        &Options {
            backend: Backend::Cpu,
            ..Default::default()
        },
    )?;
    for (x, r) in cpu.shares[0].iter().enumerate() {
        println!("state {x}: the copiers get {r:.6} (bound 0.75)");
    }
    match evaluator.evaluate(
        &problem,
        &Options {
            backend: Backend::Gpu,
            ..Default::default()
        },
    ) {
        Ok(gpu) => println!(
            "GPU ({}) agrees within {:.1e}",
            gpu.adapter,
            gpu.max_abs_difference(&cpu)
        ),
        Err(e) => println!("no GPU check: {e}"),
    }
    Ok(())
}
