//! What `unitsum-gpu bench` and the criterion benches (benches/) share: the
//! cases they time and the counting allocator that measures peak heap
//! memory. Reached through `unitsum_gpu::internals`; not part of the API.

pub mod cases;
pub mod heap;
