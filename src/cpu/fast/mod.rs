//! The CPU's fast paths: the same sums as the plain twins of the kernels,
//! computed another way, each tested against its twin. [`ShareMemo`] and
//! [`enumerate_with`] speed up exact enumeration, [`sample_lanes`] draws 16
//! samples at a time ([`lanes`]: portable and AVX2 builds),
//! [`count_pairs_split`] sums the counts method's pairs with the rank of
//! N + M split into per-vector linear parts and fewer lookups.

mod lanes;
mod memo;
mod pair_sum;
mod sample_lanes;

pub use memo::{enumerate_with, ShareMemo};
pub use pair_sum::{count_pairs_split, PairSumQ};
pub use sample_lanes::sample_lanes;
