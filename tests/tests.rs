//! One integration test binary (each file under tests/ would otherwise link
//! all of wgpu again), run by libtest-mimic so that a GPU test on a machine
//! without an adapter is reported as ignored instead of passing.

#![allow(
    clippy::needless_range_loop,
    reason = "j and x index r_j(x) in several tables at once and name it in messages"
)]

mod it;

fn main() -> std::process::ExitCode {
    let arguments = libtest_mimic::Arguments::from_args();
    libtest_mimic::run(&arguments, it::all_trials()).exit_code()
}
