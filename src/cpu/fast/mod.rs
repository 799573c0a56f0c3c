//! The CPU's fast paths: the same sums as the plain twins of the kernels,
//! computed another way, each tested against its twin. [`ShareMemo`] and
//! [`enumerate_with`] speed up exact enumeration, [`sample_lanes`] draws 16
//! samples at a time ([`lanes`]: portable and AVX2 builds).

mod lanes;
mod memo;
mod sample_lanes;

pub use memo::{enumerate_with, ShareMemo};
pub use sample_lanes::sample_lanes;
