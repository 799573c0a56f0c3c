//! One integration test binary (each file under tests/ would otherwise link
//! all of wgpu again): one module per area.

mod it;
