//! Twin of `shaders/payoff_counts.wgsl` (keep in sync), in f64: the
//! guarantee LP's payoff matrix in a symmetric game, where strategies and
//! replies are count vectors (the layout of [`crate::counts::direct::CountsFlat`]
//! with P = the coalition's count vectors, Q = the others').

use super::counts_layout::{decode_counts, rank_bases, rank_of_sum};
use crate::counts::direct::CountsConfig;

/// Twin of `payoff_counts`: `out[(x * |P| + a) * |Q| + q] = Σ_b N_a[b] h_b(x, N_a + M_q)`.
pub fn payoff_counts(c: &CountsConfig, words: &[u32], reals: &[f64]) -> Vec<f64> {
    let k = c.actions as usize;
    let digits = c.digits() as usize;
    let (p, q_entries) = (c.p_entries as usize, c.q_entries as usize);
    let mut out = vec![0.0; c.states as usize * p * q_entries];
    let mut n = vec![0u32; k];
    for a in 0..p {
        let at = c.p_sums as usize + a * digits;
        decode_counts(c, words, at, &mut n);
        let bases = rank_bases(c, words, at);
        for q in 0..q_entries {
            let m = &words[c.q_sums as usize + q * digits..][..digits];
            let r = rank_of_sum(&bases[..digits], words, m);
            for x in 0..c.states {
                let h = (c.shares + (x * c.rows + r) * c.actions) as usize;
                let total: f64 = (0..k).map(|b| f64::from(n[b]) * reals[h + b]).sum();
                out[(x as usize * p + a) * q_entries + q] = total;
            }
        }
    }
    out
}
