//! What spying takes (the seed's "Spying"; docs/THEORY.md, "Guarantees at
//! scale"): when the others see the coalition's realized actions before
//! replying, the coalition can only secure the pure maxmin
//! `max_N min_{x, M} f_x(N, M)` over count vectors.
//!
//! A search with pruning: a count vector N is dropped as soon as one reply
//! holds it to the best value found so far, and each worker tries first the
//! reply that held its previous N lowest (neighbouring N share their worst
//! replies). The answer is the exact maxmin; only the work depends on the
//! order.

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use super::share_table::{ShareTable, Side};
use crate::error::Result;
use crate::watch::Watch;

/// `max_N min_{x, M} f_x(N, M)` over the count vectors of `members` and
/// `others` players.
pub(crate) fn spy_value(
    table: &ShareTable,
    members: u32,
    others: u32,
    watch: &Watch<'_>,
) -> Result<f64> {
    let k = table.space.actions;
    let coalition = Side::all(&table.space, members);
    let other_side = Side::all(&table.space, others);
    let replies = table.states() * other_side.len();
    let payoff = |a: usize, t: usize| {
        let (x, m) = (t / other_side.len(), t % other_side.len());
        table.payoff(
            x,
            coalition.vector(a, k),
            coalition.cells[a],
            other_side.cells[m],
        )
    };
    // The minimum over replies of strategy a, or `None` as soon as it is at
    // most `floor` (then a cannot raise the maximum); `hint` is tried first
    // and becomes the reply that held a lowest.
    let worst = |a: usize, floor: f64, hint: &mut usize| -> Option<f64> {
        let first = payoff(a, *hint);
        if first <= floor {
            return None;
        }
        let mut lowest = first;
        for t in 0..replies {
            let v = payoff(a, t);
            if v < lowest {
                lowest = v;
                *hint = t;
                if lowest <= floor {
                    return None;
                }
            }
        }
        Some(lowest)
    };
    // Shares are ≥ 0, so the bit patterns of the values order as the values.
    let best = AtomicU64::new(0f64.to_bits());
    let raise = |v: f64| {
        best.fetch_max(v.max(0.0).to_bits(), Ordering::Relaxed);
    };
    let floor = || f64::from_bits(best.load(Ordering::Relaxed));
    // The vertices (everyone on one action) first: a good floor early.
    let mut hint = 0;
    for a in (0..coalition.len())
        .filter(|&a| coalition.vector(a, k).iter().filter(|&&c| c > 0).count() <= 1)
    {
        if let Some(v) = worst(a, -1.0, &mut hint) {
            raise(v);
        }
    }
    let chunks = 256;
    let per_chunk = coalition.len().div_ceil(chunks);
    (0..chunks).into_par_iter().try_for_each(|c| {
        let mut hint = 0;
        for a in c * per_chunk..((c + 1) * per_chunk).min(coalition.len()) {
            if let Some(v) = worst(a, floor(), &mut hint) {
                raise(v);
            }
        }
        watch.check()
    })?;
    Ok(floor())
}
