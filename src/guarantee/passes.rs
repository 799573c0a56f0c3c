//! The double oracle's two exact best responses, each one pass over one
//! side's simplex of count vectors (docs/THEORY.md, "Guarantees at scale"):
//! cut into chunks of ranks that run in parallel, each unranking its first
//! vector and walking on ([`Simplex::advance`]), so no list of vectors is
//! held. Payoffs come from any [`Shares`] source.
//!
//! Both passes skip a vector as soon as its partial sum proves it cannot
//! win; the value of the winner is still its full sum, in the mix's order,
//! so the certificates are the same f64 sums as without skipping.
//!
//! [`Oracles`] is the seam between the double oracle and whatever runs the
//! two passes: [`CpuPasses`] (the functions here) or the GPU's kernel
//! (`src/gpu/best_response.rs`), which must return the same [`Found`]. A
//! simplex may be the product of several role blocks
//! ([`Simplex::blocks`] > 1, per-role count vectors of a role-dependent
//! game); the functions here walk any.

use rayon::prelude::*;

use super::shares::Shares;
use super::simplex::Simplex;
use crate::error::Result;
use crate::watch::Watch;

/// Count vectors per parallel chunk (a few milliseconds of work).
const CHUNK: u64 = 1 << 13;

/// Above any payoff `f_x(N, M) ≤ 1` (a coalition's total share), with room
/// for rounding: the coalition's pass skips N when even this much on every
/// remaining reply could not lift it to the best so far.
const PAYOFF_CEILING: f64 = 1.0 + 1e-6;

/// More than one addition's rounding error on sums of at most 1.
const ROUNDING: f64 = 1e-15;

/// What the replies from the i-th on can add at most to a sum of
/// `weights[i] f_i` (weights ≥ 0, payoffs ≤ 1), with a few ulps of 1 per
/// addition for the sum's rounding: `tail[i]`, `weights.len() + 1` entries.
/// The GPU's pass reads the same table (`src/cpu/best_response.rs`).
pub(crate) fn tail(weights: &[f64]) -> Vec<f64> {
    let mut tail = vec![ROUNDING; weights.len() + 1];
    for i in (0..weights.len()).rev() {
        tail[i] = tail[i + 1] + weights[i] * PAYOFF_CEILING + ROUNDING;
    }
    tail
}

/// One pure strategy of a side, with its rank in its simplex and its key.
#[derive(Clone, Debug)]
pub(crate) struct Vector<K> {
    /// Rank in the side's simplex.
    pub rank: u64,
    /// Counts (k words).
    pub counts: Vec<u32>,
    /// The share source's key.
    pub key: K,
}

impl<K> Vector<K> {
    /// Count vector of rank `rank` of `simplex`.
    pub(crate) fn at<S: Shares<Key = K>>(shares: &S, simplex: &Simplex, rank: u64) -> Self {
        let mut counts = vec![0; simplex.actions()];
        simplex.unrank(rank, &mut counts);
        Vector {
            rank,
            key: shares.key(&counts),
            counts,
        }
    }
}

/// An oracle's answer: the best value, its vector's rank and its state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Found {
    pub value: f64,
    pub rank: u64,
    pub state: usize,
}

/// The double oracle's two best responses, each over every count vector
/// of one side's simplex against the other side's current mix: what the
/// CPU passes and the GPU kernel both implement. Each answer's value is the
/// f64 sum (in the mix's order) the certificates print, ties to the lowest
/// (state, rank).
pub(crate) trait Oracles<S: Shares> {
    /// [`worst_reply`]'s answer.
    fn worst_reply(
        &mut self,
        shares: &S,
        others: &Simplex,
        mix: &[(&Vector<S::Key>, f64)],
        watch: &Watch<'_>,
    ) -> Result<Found>;

    /// [`best_strategy`]'s answer.
    fn best_strategy(
        &mut self,
        shares: &S,
        coalition: &Simplex,
        mix: &[(usize, &Vector<S::Key>, f64)],
        watch: &Watch<'_>,
    ) -> Result<Found>;
}

/// The passes on the CPU (the functions of this module).
pub(crate) struct CpuPasses;

impl<S: Shares> Oracles<S> for CpuPasses {
    fn worst_reply(
        &mut self,
        shares: &S,
        others: &Simplex,
        mix: &[(&Vector<S::Key>, f64)],
        watch: &Watch<'_>,
    ) -> Result<Found> {
        worst_reply(shares, others, mix, watch)
    }

    fn best_strategy(
        &mut self,
        shares: &S,
        coalition: &Simplex,
        mix: &[(usize, &Vector<S::Key>, f64)],
        watch: &Watch<'_>,
    ) -> Result<Found> {
        best_strategy(shares, coalition, mix, watch)
    }
}

/// `scan(x, first rank, first vector, count)` on every state x and chunk
/// of `simplex`'s ranks, in parallel; the chunks' answers merged by `pick`
/// (which must not depend on the merge order), or `None` when every chunk
/// answers `None`. Cancellation is checked per chunk.
fn pass<T: Send>(
    simplex: &Simplex,
    states: usize,
    watch: &Watch<'_>,
    scan: impl Fn(usize, u64, &mut [u32], u64) -> Option<T> + Sync,
    pick: impl Fn(T, T) -> T + Sync,
) -> Result<Option<T>> {
    let len = simplex.len();
    let chunks = len.div_ceil(CHUNK);
    (0..states as u64 * chunks)
        .into_par_iter()
        .map(|job| {
            watch.check()?;
            let (x, start) = ((job / chunks) as usize, (job % chunks) * CHUNK);
            let mut v = vec![0; simplex.actions()];
            simplex.unrank(start, &mut v);
            Ok(scan(x, start, &mut v, CHUNK.min(len - start)))
        })
        .try_reduce(
            || None,
            |a, b| {
                Ok(match (a, b) {
                    (Some(a), Some(b)) => Some(pick(a, b)),
                    (a, b) => a.or(b),
                })
            },
        )
}

/// The others' best reply to the coalition's mix `mix` (vector,
/// probability; largest first skips most): `min_{x, M} Σ_N p_N f_x(N, M)`
/// over every state and count vector of `others`, ties to the lowest
/// (state, rank).
pub(crate) fn worst_reply<S: Shares>(
    shares: &S,
    others: &Simplex,
    mix: &[(&Vector<S::Key>, f64)],
    watch: &Watch<'_>,
) -> Result<Found> {
    let scan = |x: usize, start: u64, m: &mut [u32], count: u64| {
        let mut best: Option<Found> = None;
        for i in 0..count {
            if i > 0 {
                others.advance(m);
            }
            let key = shares.key(m);
            let bound = best.map_or(f64::INFINITY, |b| b.value);
            let mut sum = 0.0;
            for &(n, p) in mix {
                sum += p * shares.payoff(x, &n.counts, n.key, m, key);
                // Shares are ≥ 0: the full sum is at least this partial one.
                if sum > bound {
                    break;
                }
            }
            if sum < bound {
                best = Some(Found {
                    value: sum,
                    rank: start + i,
                    state: x,
                });
            }
        }
        best
    };
    let pick = |a: Found, b: Found| {
        let b_first = (b.state, b.rank) < (a.state, a.rank);
        if b.value < a.value || (b.value == a.value && b_first) {
            b
        } else {
            a
        }
    };
    Ok(pass(others, shares.states(), watch, scan, pick)?.expect("the others have a count vector"))
}

/// The coalition's best response to the others' mix `mix` ((state,
/// vector), weight; largest first skips most):
/// `max_N Σ_{(x, M)} w f_x(N, M)` over every count vector of `coalition`,
/// ties to the lowest rank.
pub(crate) fn best_strategy<S: Shares>(
    shares: &S,
    coalition: &Simplex,
    mix: &[(usize, &Vector<S::Key>, f64)],
    watch: &Watch<'_>,
) -> Result<Found> {
    let weights: Vec<f64> = mix.iter().map(|m| m.2).collect();
    let tail = tail(&weights);
    let scan = |_: usize, start: u64, n: &mut [u32], count: u64| {
        let mut best: Option<Found> = None;
        for i in 0..count {
            if i > 0 {
                coalition.advance(n);
            }
            let key = shares.key(n);
            let bound = best.map_or(f64::NEG_INFINITY, |b| b.value);
            match value_above(shares, n, key, mix, &tail, bound) {
                Some(sum) if sum > bound => {
                    best = Some(Found {
                        value: sum,
                        rank: start + i,
                        state: 0,
                    })
                }
                _ => {}
            }
        }
        best
    };
    let pick = |a: Found, b: Found| {
        if b.value > a.value || (b.value == a.value && b.rank < a.rank) {
            b
        } else {
            a
        }
    };
    Ok(pass(coalition, 1, watch, scan, pick)?.expect("the coalition has a count vector"))
}

/// Coalition vector n's value `Σ w f_x(n, M)` over `mix`, summed in its
/// order, or `None` as soon as a partial sum plus what the rest can add
/// (`tail`, from [`tail`]) is below `bound`: what [`best_strategy`] computes
/// per vector, so that a value found elsewhere is the pass's f64 bit for bit.
#[inline]
pub(crate) fn value_above<S: Shares>(
    shares: &S,
    n: &[u32],
    key: S::Key,
    mix: &[(usize, &Vector<S::Key>, f64)],
    tail: &[f64],
    bound: f64,
) -> Option<f64> {
    let mut sum = 0.0;
    for (j, &(x, m, w)) in mix.iter().enumerate() {
        sum += w * shares.payoff(x, n, key, &m.counts, m.key);
        if sum + tail[j + 1] < bound {
            return None;
        }
    }
    Some(sum)
}
