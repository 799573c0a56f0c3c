//! Twin of `shaders/counts_layout.wgsl` (keep in sync): how the counts
//! method's kernels read a count vector back from its cube index.

use crate::counts::direct::CountsConfig;

/// Twin of `decode_cell`: the count vector of cube index `cell` whose role
/// blocks sum to the totals at `words[config.p_totals..]` (block 0 and
/// within it c_0 most significant, each block's last count implied).
pub fn decode_cell(config: &CountsConfig, words: &[u32], cell: u32, counts: &mut [u32]) {
    let k = (config.actions / config.blocks) as usize;
    let mut rest = cell;
    for r in (0..config.blocks as usize).rev() {
        let block = &mut counts[r * k..][..k];
        let mut used = 0;
        for c in block[..k - 1].iter_mut().rev() {
            *c = rest % config.radix;
            rest /= config.radix;
            used += *c;
        }
        block[k - 1] = words[config.p_totals as usize + r] - used;
    }
}
