//! The CPU backend: the reference in f64. Each `shaders/X.wgsl` that computes
//! something has its twin here in `X.rs`, shaped like the kernel, with the
//! same function names ([`oracle`] computes `r_j(x)` straight from the
//! formula of docs/THEORY.md, for tests). The fast paths, which compute the
//! same sums in another order, live apart in [`fast`]. [`exact()`],
//! [`sample()`] and [`CpuCounts`] run them on every core.

pub(crate) mod best_response;
pub(crate) mod count_pairs;
pub(crate) mod count_shares;
pub(crate) mod counts_layout;
pub(crate) mod digits;
pub(crate) mod enumerate;
pub(crate) mod families;
pub(crate) mod fast;
pub(crate) mod oracle;
pub(crate) mod payoff_counts;
pub(crate) mod payoff_profiles;
pub(crate) mod philox;
pub(crate) mod profile;
pub(crate) mod sample;
pub(crate) mod simplex;
pub(crate) mod stream_counts;

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::counts::direct::CountsFlat;
use crate::counts::driver::CountKernels;
use crate::error::Result;
use crate::plan::FlatPlan;
use crate::watch::Watch;

/// Items per CPU task at least: large enough to amortise a walker's start,
/// small enough to balance the cores.
pub(crate) const MIN_CHUNK: u64 = 1 << 14;

/// Run `work(first, count)` over `items` in fixed chunks on every core and add
/// the chunks' results in order, so that the sum does not depend on the
/// number of threads (bit-identical run to run). Chunks not yet started when
/// the evaluation is cancelled are skipped, and the result is `Cancelled`.
fn chunked(
    items: u64,
    width: usize,
    watch: Watch<'_>,
    work: impl Fn(u64, u64) -> Vec<f64> + Sync,
) -> Result<Vec<f64>> {
    chunked_by(
        items,
        MIN_CHUNK.max(items.div_ceil(WAVE)).min(MAX_CHUNK),
        width,
        watch,
        work,
    )
}

/// Chunks evaluated in parallel before their partial sums are added up (in
/// chunk order, so the sums do not depend on the thread count).
const WAVE: u64 = 4096;
/// Items per chunk at most, so that even astronomically long work reports
/// its progress (and checks for cancellation) every fraction of a second.
const MAX_CHUNK: u64 = 1 << 22;

/// Items per chunk of a pair sum at most (each item up to 4096 iterations).
const MAX_PAIR_CHUNK: u64 = 1 << 10;

/// [`chunked`] with a given chunk length (tests split small runs).
pub fn chunked_by(
    items: u64,
    chunk: u64,
    width: usize,
    watch: Watch<'_>,
    work: impl Fn(u64, u64) -> Vec<f64> + Sync,
) -> Result<Vec<f64>> {
    let chunk = chunk.max(1);
    let chunks = items.div_ceil(chunk);
    let done = AtomicU64::new(0);
    let mut sums = vec![0.0; width];
    let mut next = 0;
    while next < chunks {
        let wave = (chunks - next).min(WAVE);
        let partials: Vec<Vec<f64>> = (next..next + wave)
            .into_par_iter()
            .map(|c| {
                if watch.cancelled() {
                    return Vec::new();
                }
                let first = c * chunk;
                let count = chunk.min(items - first);
                let partial = work(first, count);
                let finished = done.fetch_add(count, Ordering::Relaxed) + count;
                watch.report(finished, items);
                partial
            })
            .collect();
        watch.check()?;
        for partial in partials {
            for (s, v) in sums.iter_mut().zip(partial) {
                *s += v;
            }
        }
        next += wave;
    }
    Ok(sums)
}

/// Sums per slot `j * states + x` over all profiles of the plan.
pub fn exact(flat: &FlatPlan, watch: Watch<'_>) -> Result<Vec<f64>> {
    let profiles = flat.exact_profiles()?;
    let memo = fast::ShareMemo::new(flat, profiles);
    chunked(
        profiles,
        flat.config.slots as usize,
        watch,
        |first, count| fast::enumerate_with(flat, memo.as_ref(), first, count),
    )
}

/// Σ y per slot then Σ y² per slot over `samples` Philox samples keyed by `seed`.
pub fn sample(flat: &FlatPlan, samples: u64, seed: u64, watch: Watch<'_>) -> Result<Vec<f64>> {
    chunked(
        samples,
        2 * flat.config.slots as usize,
        watch,
        |first, count| fast::sample_lanes(flat, seed, first, count),
    )
}

/// The CPU's kernels: the twins, in f64 (the counts method's and, through
/// [`crate::evaluator::Kernels`], the analyses').
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CpuCounts;

impl CountKernels for CpuCounts {
    type Loaded = CountsFlat;

    fn load(
        &mut self,
        flat: &FlatPlan,
        vectors: &[u32],
        mut layout: CountsFlat,
    ) -> Result<CountsFlat> {
        // In place: a second copy of the table would be the method's peak.
        count_shares::fill_count_shares(flat, vectors, layout.shares_mut());
        Ok(layout)
    }

    fn items(layout: &CountsFlat, j: usize) -> u64 {
        layout.items(j)
    }

    fn pair_sum(&mut self, layout: &CountsFlat, j: usize, watch: Watch<'_>) -> Result<Vec<f64>> {
        let config = &layout.configs[j];
        let items = layout.items(j);
        // The twin's sum with the rank split (fewer lookups per pair).
        let q = fast::PairSumQ::new(config, &layout.words);
        // An item of the pair sum is up to 4096 iterations, not one
        // profile: smaller chunks, so that progress and Ctrl-C come every
        // fraction of a second even at 10^13 pairs.
        chunked_by(
            items,
            items.div_ceil(WAVE).clamp(1, MAX_PAIR_CHUNK),
            config.states as usize,
            watch,
            |first, count| {
                fast::count_pairs_split(config, &layout.words, &layout.reals, &q, first, count)
            },
        )
    }

    fn payoff(&mut self, layout: &CountsFlat) -> Result<Vec<f64>> {
        Ok(payoff_counts::payoff_counts(
            &layout.configs[0],
            &layout.words,
            &layout.reals,
        ))
    }
}
