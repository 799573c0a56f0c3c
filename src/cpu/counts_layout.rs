//! Twin of `shaders/counts_layout.wgsl` (keep in sync): how the counts
//! method's kernels read a count vector back from its cube index.

use crate::symmetric::CountsConfig;

/// Twin of `decode_cell`: the count vector of cube index `cell` whose entries
/// sum to `config.p_total` (c_0 most significant, the last count implied).
pub fn decode_cell(config: &CountsConfig, cell: u32, counts: &mut [u32]) {
    let k = config.actions as usize;
    let mut rest = cell;
    let mut used = 0;
    for c in counts[..k - 1].iter_mut().rev() {
        *c = rest % config.radix;
        rest /= config.radix;
        used += *c;
    }
    counts[k - 1] = config.p_total - used;
}
