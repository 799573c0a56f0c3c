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

use super::double_oracle::Explored;
use super::shares::Shares;
use super::simplex::Simplex;
use crate::error::Result;
use crate::watch::Watch;

/// Coalition count vectors per parallel chunk.
const CHUNK: u64 = 1 << 10;

/// The reply that held a worker's last N lowest: (state, counts, key).
type Hint<K> = (usize, Vec<u32>, K);

/// The minimum over the others' replies (x, M) of `f_x(N, M)`, or `None`
/// as soon as one is at most `floor` (then N cannot raise the maximum):
/// `hint` is tried first, then the replies the double oracle found, then
/// all of them; `hint` becomes the reply that held N lowest.
fn worst<S: Shares>(
    shares: &S,
    others: &Simplex,
    known: &[Hint<S::Key>],
    n: &[u32],
    floor: f64,
    hint: &mut Hint<S::Key>,
) -> Option<f64> {
    let n_key = shares.key(n);
    let mut lowest = shares.payoff(hint.0, n, n_key, &hint.1, hint.2);
    for (x, m, key) in known {
        if lowest <= floor {
            return None;
        }
        let v = shares.payoff(*x, n, n_key, m, *key);
        if v < lowest {
            lowest = v;
            *hint = (*x, m.clone(), *key);
        }
    }
    if lowest <= floor {
        return None;
    }
    let mut m = vec![0; others.actions()];
    for x in 0..shares.states() {
        others.unrank(0, &mut m);
        loop {
            let key = shares.key(&m);
            let v = shares.payoff(x, n, n_key, &m, key);
            if v < lowest {
                lowest = v;
                *hint = (x, m.clone(), key);
                if lowest <= floor {
                    return None;
                }
            }
            if !others.advance(&mut m) {
                break;
            }
        }
    }
    Some(lowest)
}

/// `max_N min_{x, M} f_x(N, M)` over the count vectors N of `coalition`
/// and M of `other_side` (per role block in a role game). `found` (the
/// double oracle's strategies and replies) only orders the search: its
/// strategies set the first floor, its replies are tried first for every N.
pub(crate) fn spy_value<S: Shares>(
    shares: &S,
    coalition: &Simplex,
    other_side: &Simplex,
    found: &Explored,
    watch: &Watch<'_>,
) -> Result<f64> {
    let k = shares.actions();
    let known: Vec<Hint<S::Key>> = found
        .1
        .iter()
        .map(|(x, m)| (*x, m.clone(), shares.key(m)))
        .collect();
    let start_hint = || {
        let mut m = vec![0; k];
        other_side.unrank(0, &mut m);
        let key = shares.key(&m);
        (0, m, key)
    };
    // Shares are ≥ 0, so the bit patterns of the values order as the values.
    let best = AtomicU64::new(0f64.to_bits());
    let raise = |v: f64| {
        best.fetch_max(v.max(0.0).to_bits(), Ordering::Relaxed);
    };
    let floor = || f64::from_bits(best.load(Ordering::Relaxed));
    // The vertices (everyone on one action) and the double oracle's
    // strategies first: a good floor early.
    let (per_block, totals) = (coalition.block_actions(), coalition.totals());
    let vertices = (0..per_block).map(|b| {
        let mut n = vec![0; k];
        for (t, &total) in totals.iter().enumerate() {
            n[t * per_block + b] = total;
        }
        n
    });
    let mut hint = start_hint();
    for n in vertices.chain(found.0.iter().cloned()) {
        if let Some(v) = worst(shares, other_side, &known, &n, floor(), &mut hint) {
            raise(v);
        }
    }
    let chunks = coalition.len().div_ceil(CHUNK);
    (0..chunks).into_par_iter().try_for_each(|c| {
        let mut hint = start_hint();
        let start = c * CHUNK;
        let mut n = vec![0; k];
        coalition.unrank(start, &mut n);
        for i in 0..CHUNK.min(coalition.len() - start) {
            if i > 0 {
                coalition.advance(&mut n);
            }
            if let Some(v) = worst(shares, other_side, &known, &n, floor(), &mut hint) {
                raise(v);
            }
        }
        watch.check()
    })?;
    Ok(floor())
}
