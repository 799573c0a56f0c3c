//! Twin of `shaders/count_pairs.wgsl` (keep in sync), in f64: one coalition's pair
//! sum `Σ_N P(N) Σ_M Q(M) Σ_b N_b h_b(x, N + M)`, item by item (an item is one
//! P entry against one chunk of Q entries).

use super::counts_layout::{decode_counts, rank_bases, rank_of_sum};
use crate::counts::direct::CountsConfig;

/// Twin of the `count_pairs` kernel for one thread: the sums per state over
/// items `first .. first + count`.
pub fn count_pairs(
    c: &CountsConfig,
    words: &[u32],
    reals: &[f64],
    first: u64,
    count: u64,
) -> Vec<f64> {
    let k = c.actions as usize;
    let digits = c.digits() as usize;
    let states = c.states as usize;
    let rows = c.rows as usize;
    let q_sums = &words[c.q_sums as usize..][..c.q_entries as usize * digits];
    let q_probs = &reals[c.q_prob as usize..][..c.q_entries as usize];
    let shares = &reals[c.shares as usize..][..states * rows * k];
    let mut acc = vec![0.0; states];
    let mut counts = [0u32; crate::model::limits::MAX_ACTIONS];
    let mut n = [0.0f64; crate::model::limits::MAX_ACTIONS];
    for item in first..first + count {
        let item = item as u32;
        let a = item / c.chunks;
        let chunk = item % c.chunks;
        let p = reals[(c.p_prob + a) as usize];
        let at = c.p_sums as usize + a as usize * digits;
        decode_counts(c, words, at, &mut counts);
        let bases = rank_bases(c, words, at);
        for (f, &c) in n.iter_mut().zip(&counts[..k]) {
            *f = f64::from(c);
        }
        let start = (chunk * c.chunk) as usize;
        let end = ((chunk + 1) * c.chunk).min(c.q_entries) as usize;
        for (q, &prob) in (start..end).zip(&q_probs[start..end]) {
            let m = &q_sums[q * digits..][..digits];
            let r = rank_of_sum(&bases[..digits], words, m) as usize;
            let w = p * prob;
            for (x, a) in acc.iter_mut().enumerate() {
                let h = &shares[(x * rows + r) * k..][..k];
                let total: f64 = n[..k].iter().zip(h).map(|(n, h)| n * h).sum();
                *a += w * total;
            }
        }
    }
    acc
}
