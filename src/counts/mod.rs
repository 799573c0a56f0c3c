//! The counts method in symmetric and role-symmetric games: count vectors
//! (`vectors`), the count space, its keys and ranks (`space`), the route that picks an algorithm (`route`), the driver of
//! the direct pair sum on either backend (`driver`, `direct`), the FFT
//! (`fft`), leave-one-out distributions (`leave_one_out`, per role `roles`) and the part types
//! the fast algorithms share (`part_types`).

pub(crate) mod direct;
pub(crate) mod driver;
pub(crate) mod fft;
pub(crate) mod leave_one_out;
pub(crate) mod part_types;
pub(crate) mod roles;
pub(crate) mod route;
pub(crate) mod space;
pub(crate) mod stream;
pub(crate) mod vectors;
