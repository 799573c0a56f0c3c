//! The CPU backend: the reference in f64. [`exact`] runs the Rust mirror of
//! the enumeration kernel on every core; [`oracle`] computes `r_j(x)` straight
//! from THEORY.md's formula over all k^n profiles, for tests.

pub mod enumerate;
pub mod oracle;

use rayon::prelude::*;

use crate::plan::FlatPlan;

/// Profiles per CPU task: large enough to amortise the walker's start, small
/// enough to balance the cores.
const MIN_CHUNK: u64 = 1 << 14;

/// Sums per slot over all profiles of the plan, on all cores. Chunks are
/// fixed by the profile count and added in order, so the result does not
/// depend on the number of threads.
pub fn exact(flat: &FlatPlan) -> Vec<f64> {
    let chunk = MIN_CHUNK.max(flat.profiles.div_ceil(1024));
    let chunks = flat.profiles.div_ceil(chunk);
    let partials: Vec<Vec<f64>> = (0..chunks)
        .into_par_iter()
        .map(|c| {
            let start = c * chunk;
            enumerate::enumerate(flat, start, chunk.min(flat.profiles - start))
        })
        .collect();
    let mut sums = vec![0.0; flat.config.slots as usize];
    for partial in partials {
        for (s, v) in sums.iter_mut().zip(partial) {
            *s += v;
        }
    }
    sums
}
