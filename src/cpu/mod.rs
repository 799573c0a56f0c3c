//! The CPU backend: the reference in f64. [`exact()`], [`sample()`] and [`counts()`] run the
//! Rust mirrors of the kernels on every core; [`oracle`] computes `r_j(x)`
//! straight from THEORY.md's formula over all k^n profiles, for tests.

pub mod count_pairs;
pub mod count_shares;
pub mod enumerate;
mod lanes;
pub mod oracle;
pub mod payoff;
pub mod profile;
pub mod sample;

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::error::Result;
use crate::plan::FlatPlan;
use crate::symmetric::{CountsFlat, CountsPlan};

/// Items per CPU task at least: large enough to amortise a walker's start,
/// small enough to balance the cores.
const MIN_CHUNK: u64 = 1 << 14;

/// A progress callback: (items done, items in all). Called from worker threads.
pub type Progress<'a> = Option<&'a (dyn Fn(u64, u64) + Sync + Send)>;

/// Run `work(first, count)` over `items` in fixed chunks on every core and add
/// the chunks' results in order, so that the sum does not depend on the
/// number of threads (bit-identical run to run).
fn chunked(
    items: u64,
    width: usize,
    progress: Progress<'_>,
    work: impl Fn(u64, u64) -> Vec<f64> + Sync,
) -> Vec<f64> {
    let chunk = MIN_CHUNK.max(items.div_ceil(4096));
    let chunks = items.div_ceil(chunk);
    let done = AtomicU64::new(0);
    let partials: Vec<Vec<f64>> = (0..chunks)
        .into_par_iter()
        .map(|c| {
            let first = c * chunk;
            let count = chunk.min(items - first);
            let partial = work(first, count);
            let finished = done.fetch_add(count, Ordering::Relaxed) + count;
            if let Some(report) = progress {
                report(finished, items);
            }
            partial
        })
        .collect();
    let mut sums = vec![0.0; width];
    for partial in partials {
        for (s, v) in sums.iter_mut().zip(partial) {
            *s += v;
        }
    }
    sums
}

/// Sums per slot `j * states + x` over all profiles of the plan.
pub fn exact(flat: &FlatPlan, progress: Progress<'_>) -> Result<Vec<f64>> {
    let profiles = flat.exact_profiles()?;
    let memo = enumerate::ShareMemo::new(flat, profiles);
    Ok(chunked(
        profiles,
        flat.config.slots as usize,
        progress,
        |first, count| enumerate::enumerate_with(flat, memo.as_ref(), first, count),
    ))
}

/// `r_j(x)` by the counts method: sums per slot `j * states + x`.
pub fn counts(flat: &FlatPlan, counts: &CountsPlan, progress: Progress<'_>) -> Result<Vec<f64>> {
    let states = flat.config.states as usize;
    let vectors = crate::symmetric::all_count_vectors(&counts.space);
    let mut layout = CountsFlat::new(counts, states, &vectors)?;
    layout.set_shares(&count_shares::count_shares(flat, &vectors));
    let total: u64 = (0..layout.configs.len()).map(|j| layout.items(j)).sum();
    let mut done = 0;
    let mut sums = Vec::with_capacity(layout.configs.len() * states);
    for (j, config) in layout.configs.iter().enumerate() {
        let items = layout.items(j);
        let report = |d: u64, _: u64| {
            if let Some(p) = progress {
                p(done + d, total);
            }
        };
        sums.extend(chunked(items, states, Some(&report), |first, count| {
            count_pairs::count_pairs(config, &layout.words, &layout.reals, first, count)
        }));
        done += items;
    }
    Ok(sums)
}

/// Σ y per slot then Σ y² per slot over `samples` Philox samples keyed by `seed`.
pub fn sample(flat: &FlatPlan, samples: u64, seed: u64, progress: Progress<'_>) -> Vec<f64> {
    chunked(
        samples,
        2 * flat.config.slots as usize,
        progress,
        |first, count| sample::sample(flat, seed, first, count),
    )
}
