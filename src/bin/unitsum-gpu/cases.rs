//! The benchmarks' cases, shared by `unitsum-gpu bench` and the criterion
//! bench `benches/exact.rs` (which includes this file).

use unitsum_gpu::{Coalition, Game, Policy, Problem};

/// The benchmarks' standard case: a majority of ⌊n/2⌋+1 players against the
/// rest, everyone independently uniform.
pub fn uniform_split(n: usize, k: usize, game: Game) -> Problem {
    let s = n / 2 + 1;
    Problem::new(
        n,
        k,
        game,
        vec![
            Coalition::new((0..s).collect(), Policy::Uniform),
            Coalition::new((s..n).collect(), Policy::Uniform),
        ],
    )
    .expect("valid bench problem")
}
