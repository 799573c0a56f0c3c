//! The integration tests, one module per area. Each module ends with a
//! `trials!` list of its tests: `cpu` ones take no argument, `gpu` ones the
//! shared GPU evaluator. A test function missing from its list is dead code,
//! which `cargo clippy --all-targets -D warnings` refuses.

/// The module's `trials()`: its tests as libtest-mimic trials.
macro_rules! trials {
    (cpu: [$($cpu:ident),* $(,)?], gpu: [$($gpu:ident),* $(,)?] $(,)?) => {
        pub fn trials() -> Vec<libtest_mimic::Trial> {
            let module = module_path!().rsplit("::").next().unwrap_or("");
            vec![
                $($crate::it::harness::cpu(module, stringify!($cpu), $cpu),)*
                $($crate::it::harness::gpu(module, stringify!($gpu), $gpu),)*
            ]
        }
    };
}
pub(crate) use trials;

pub mod best_response;
pub mod cli;
pub mod common;
pub mod contexts;
pub mod counts;
pub mod double_oracle;
pub mod errors;
pub mod files;
pub mod gpu;
pub mod gpu_passes;
pub mod guarantee;
pub mod hand;
pub mod hardening;
pub mod harness;
pub mod power;
pub mod probes;
pub mod properties;
pub mod readme;
pub mod reference;
pub mod resume;
pub mod role_counts;
pub mod role_oracle;
pub mod sampling;
pub mod scale;
pub mod stream_counts;
pub mod sweep;
pub mod theorems;
pub mod trust;

/// Every test of every module.
pub fn all_trials() -> Vec<libtest_mimic::Trial> {
    let modules: [Vec<libtest_mimic::Trial>; 26] = [
        best_response::trials(),
        cli::trials(),
        contexts::trials(),
        counts::trials(),
        double_oracle::trials(),
        errors::trials(),
        files::trials(),
        gpu::trials(),
        gpu_passes::trials(),
        guarantee::trials(),
        hardening::trials(),
        hand::trials(),
        power::trials(),
        probes::trials(),
        properties::trials(),
        readme::trials(),
        reference::trials(),
        resume::trials(),
        role_counts::trials(),
        role_oracle::trials(),
        sampling::trials(),
        scale::trials(),
        stream_counts::trials(),
        sweep::trials(),
        theorems::trials(),
        trust::trials(),
    ];
    modules.into_iter().flatten().collect()
}
