//! How a test runs: a CPU test on its own; a GPU test with the shared GPU
//! evaluator, or, on a machine without an adapter, reported as ignored (its
//! name says why) so that the summary counts it. CI sets
//! UNITSUM_REQUIRE_GPU=1: there a missing adapter fails every GPU test.

use libtest_mimic::Trial;
use unitsum_gpu::Evaluator;

/// A test that needs no GPU.
pub fn cpu(module: &str, name: &str, test: fn()) -> Trial {
    Trial::test(format!("{module}::{name}"), move || {
        test();
        Ok(())
    })
}

/// A test that needs the GPU.
pub fn gpu(module: &str, name: &str, test: fn(&mut Evaluator)) -> Trial {
    let required = std::env::var("UNITSUM_REQUIRE_GPU").is_ok_and(|v| v == "1");
    let available = super::common::gpu().is_some();
    Trial::test(format!("{module}::{name}"), move || {
        let Some(mut evaluator) = super::common::gpu() else {
            return Err("UNITSUM_REQUIRE_GPU=1 but this machine has no GPU adapter".into());
        };
        test(&mut evaluator);
        Ok(())
    })
    .with_kind(if available { "gpu" } else { "gpu: no adapter" })
    .with_ignored_flag(!available && !required)
}
