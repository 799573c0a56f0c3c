//! Twin of `shaders/count_pairs.wgsl` (keep in sync), in f64: one coalition's pair
//! sum `Σ_N P(N) Σ_M Q(M) Σ_b N_b h_b(x, N + M)`, item by item (an item is one
//! P entry against one chunk of Q entries).

use super::counts_layout::decode_cell;
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
    let states = c.states as usize;
    let rows = c.rows as usize;
    let q_cells = &words[c.q_cell as usize..][..c.q_entries as usize];
    let q_probs = &reals[c.q_prob as usize..][..c.q_entries as usize];
    let rank_of_cell = &words[c.rank_of_cell as usize..];
    let shares = &reals[c.shares as usize..][..states * rows * k];
    let mut acc = vec![0.0; states];
    let mut counts = [0u32; crate::model::limits::MAX_ACTIONS];
    let mut n = [0.0f64; crate::model::limits::MAX_ACTIONS];
    for item in first..first + count {
        let item = item as u32;
        let a = item / c.chunks;
        let chunk = item % c.chunks;
        let cell_n = words[(c.p_cell + a) as usize];
        let p = reals[(c.p_prob + a) as usize];
        decode_cell(c, words, cell_n, &mut counts);
        for (f, &c) in n.iter_mut().zip(&counts[..k]) {
            *f = f64::from(c);
        }
        let start = (chunk * c.chunk) as usize;
        let end = ((chunk + 1) * c.chunk).min(c.q_entries) as usize;
        for (&cell_m, &q) in q_cells[start..end].iter().zip(&q_probs[start..end]) {
            let r = rank_of_cell[(cell_n + cell_m) as usize] as usize;
            let w = p * q;
            for (x, a) in acc.iter_mut().enumerate() {
                let h = &shares[(x * rows + r) * k..][..k];
                let total: f64 = n[..k].iter().zip(h).map(|(n, h)| n * h).sum();
                *a += w * total;
            }
        }
    }
    acc
}
