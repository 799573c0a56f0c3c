//! Twin of `shaders/simplex.wgsl` (keep in sync): the walk over a simplex of
//! count vectors in rank order that the kernels cut into threads (each
//! thread unranks its first vector, then advances) is
//! [`crate::guarantee::Simplex`]'s `unrank` and `advance`, the same
//! combinatorial number system from the same binomials C(a, b) at
//! `a * positions + b`. The twins of the kernels that compose the piece
//! (best_response.rs, stream_counts.rs) walk with it.

pub(crate) use crate::guarantee::Simplex;

/// The binomials the piece reads, `C(a, b)` at `a * positions + b` for
/// `a < total + positions` and `b < positions`, saturated to u32: the
/// entries a walk reads are at most the simplex's length, which the
/// kernels keep below 2^32.
pub(crate) fn simplex_binomials(total: u32, positions: usize) -> Vec<u32> {
    let rows = u64::from(total) + positions as u64;
    (0..rows)
        .flat_map(|a| {
            (0..positions as u64).map(move |b| {
                u32::try_from(crate::counts::vectors::binomial(a, b)).unwrap_or(u32::MAX)
            })
        })
        .collect()
}
