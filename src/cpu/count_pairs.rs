//! Rust mirror of `shaders/count_pairs.wgsl`, in f64: one coalition's pair
//! sum `Σ_N P(N) Σ_M Q(M) Σ_b N_b h_b(x, N + M)`, item by item (an item is one
//! P entry against one chunk of Q entries).

use crate::symmetric::CountsConfig;

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
    let mut acc = vec![0.0; c.states as usize];
    let mut n = vec![0u32; k];
    for item in first..first + count {
        let item = item as u32;
        let a = item / c.chunks;
        let chunk = item % c.chunks;
        let cell_n = words[(c.p_cell + a) as usize];
        let p = reals[(c.p_prob + a) as usize];
        // Decode N from its cube index (the last count is implied).
        let mut rest = cell_n;
        let mut used = 0;
        for count in n.iter_mut().take(k - 1) {
            *count = rest % c.radix;
            rest /= c.radix;
            used += *count;
        }
        n[k - 1] = c.p_total - used;
        let end = ((chunk + 1) * c.chunk).min(c.q_entries);
        for q in chunk * c.chunk..end {
            let r = words[(c.rank_of_cell + cell_n + words[(c.q_cell + q) as usize]) as usize];
            let w = p * reals[(c.q_prob + q) as usize];
            for (x, a) in acc.iter_mut().enumerate() {
                let h = (c.shares + (x as u32 * c.rows + r) * c.actions) as usize;
                let total: f64 = (0..k).map(|b| f64::from(n[b]) * reals[h + b]).sum();
                *a += w * total;
            }
        }
    }
    acc
}
