//! Twin of `shaders/counts_layout.wgsl` (keep in sync): how the counts
//! method's kernels read a count vector back from its suffix sums and rank
//! the sum of two vectors with the rank tables ([`crate::counts::space::RankTables`]).

use crate::counts::direct::CountsConfig;
use crate::model::limits::MAX_ACTIONS;

/// Twin of `decode_counts`: the count vector whose suffix sums per block
/// start at `words[at]`, each block's total at `words[config.p_totals..]`.
pub fn decode_counts(config: &CountsConfig, words: &[u32], at: usize, counts: &mut [u32]) {
    let k = (config.actions / config.blocks) as usize;
    for r in 0..config.blocks as usize {
        let sums = &words[at + r * (k - 1)..][..k - 1];
        let block = &mut counts[r * k..][..k];
        let mut above = words[config.p_totals as usize + r];
        for (c, &sum) in block.iter_mut().zip(sums) {
            *c = above - sum;
            above = sum;
        }
        block[k - 1] = above;
    }
}

/// Twin of `rank_bases`: where each rank table, shifted by N's suffix sum
/// (N's sums at `words[at]`), starts in `words`.
pub fn rank_bases(config: &CountsConfig, words: &[u32], at: usize) -> [usize; MAX_ACTIONS] {
    let mut bases = [0; MAX_ACTIONS];
    let digits = config.digits() as usize;
    for (i, base) in bases[..digits].iter_mut().enumerate() {
        *base =
            config.rank_tables as usize + i * config.table_len as usize + words[at + i] as usize;
    }
    bases
}

/// Twin of `rank_of_sum`: the rank of N + M, M's suffix sums `m`.
#[inline(always)]
pub fn rank_of_sum(bases: &[usize], words: &[u32], m: &[u32]) -> u32 {
    bases
        .iter()
        .zip(m)
        .fold(0u32, |r, (&b, &s)| r.wrapping_add(words[b + s as usize]))
}
