//! One integration test binary (each file under tests/ would otherwise link
//! all of wgpu again): one module per area.

#![allow(
    clippy::needless_range_loop,
    reason = "j and x index r_j(x) in several tables at once and name it in messages"
)]

mod it;
