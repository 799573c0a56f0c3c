//! Twin of `shaders/count_shares.wgsl` (keep in sync): the share table `h_b(x, C)`
//! for every count vector C of all n players, from the family twins.

use rayon::prelude::*;

use crate::cpu::families::{action_shares, anonymous_ranks};
use crate::plan::FlatPlan;

/// Count vectors per parallel task.
const CHUNK: usize = 4096;

/// `table[(x * rows + r) * k + b] = h_b(x, C_r)` for the count vectors
/// `vectors` (k words each, rank order).
pub fn count_shares(flat: &FlatPlan, vectors: &[u32]) -> Vec<f64> {
    let mut table = vec![0.0; flat.config.states as usize * vectors.len()];
    fill_count_shares(flat, vectors, &mut table);
    table
}

/// [`count_shares`] written into `table` (`states × rows × k` reals), so
/// that the counts method fills its layout's share region in place instead
/// of holding the table twice.
pub(crate) fn fill_count_shares(flat: &FlatPlan, vectors: &[u32], table: &mut [f64]) {
    let k = flat.config.actions as usize;
    let rows = vectors.len() / k;
    for (x, state) in table.chunks_mut(rows * k).enumerate() {
        state
            .par_chunks_mut(CHUNK * k)
            .zip(vectors.par_chunks(CHUNK * k))
            .for_each(|(out, counts)| {
                let mut others_rank = vec![0; k];
                for (h, c) in out.chunks_mut(k).zip(counts.chunks(k)) {
                    anonymous_ranks(flat, c, &mut others_rank);
                    action_shares(flat, x as u32, c, &others_rank, h);
                }
            });
    }
}
