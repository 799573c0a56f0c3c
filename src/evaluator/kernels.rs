//! The seam's kernels: what an analysis asks a side (the CPU's f64 twins or
//! the GPU's WGSL kernels) to compute, without naming either. Analyses get
//! them from [`crate::Evaluator::kernels`]; each method is one kernel and its
//! twin, so a result from either side is the same function.

use crate::counts::direct::CountsPlan;
use crate::counts::driver::CountKernels;
use crate::error::Result;
use crate::plan::FlatPlan;

/// One side's kernels, as the analyses use them (values in f64 on both
/// sides: the GPU's f32 widened).
pub(crate) trait Kernels {
    /// `h_b(x, C)` for the count vectors `vectors` (the `count_shares` kernel).
    fn count_shares(&mut self, flat: &FlatPlan, vectors: &[u32]) -> Result<Vec<f64>>;

    /// Coalition `coalition`'s payoff for every profile of a two-part plan
    /// (the `payoff_profiles` kernel).
    fn payoff_profiles(&mut self, flat: &FlatPlan, coalition: usize) -> Result<Vec<f64>>;

    /// The payoff matrix of `counts`' first coalition over count vectors
    /// (the `payoff_counts` kernel, on the layout `count_shares` filled).
    fn payoff_counts(&mut self, flat: &FlatPlan, counts: &CountsPlan) -> Result<Vec<f64>>;
}

/// The payoff matrix over count vectors on any side's count kernels.
fn payoff_counts_on<K: CountKernels>(
    kernels: &mut K,
    flat: &FlatPlan,
    counts: &CountsPlan,
) -> Result<Vec<f64>> {
    let loaded = crate::counts::driver::load(kernels, flat, counts)?;
    kernels.payoff(&loaded)
}

impl Kernels for crate::cpu::CpuCounts {
    fn count_shares(&mut self, flat: &FlatPlan, vectors: &[u32]) -> Result<Vec<f64>> {
        Ok(crate::cpu::count_shares::count_shares(flat, vectors))
    }

    fn payoff_profiles(&mut self, flat: &FlatPlan, coalition: usize) -> Result<Vec<f64>> {
        Ok(crate::cpu::payoff_profiles::payoff_profiles(
            flat, coalition,
        ))
    }

    fn payoff_counts(&mut self, flat: &FlatPlan, counts: &CountsPlan) -> Result<Vec<f64>> {
        payoff_counts_on(self, flat, counts)
    }
}

impl Kernels for crate::gpu::GpuContext {
    fn count_shares(&mut self, flat: &FlatPlan, vectors: &[u32]) -> Result<Vec<f64>> {
        Ok(crate::gpu::GpuContext::count_shares(self, flat, vectors)?
            .into_iter()
            .map(f64::from)
            .collect())
    }

    fn payoff_profiles(&mut self, flat: &FlatPlan, coalition: usize) -> Result<Vec<f64>> {
        Ok(
            crate::gpu::GpuContext::payoff_profiles(self, flat, coalition)?
                .into_iter()
                .map(f64::from)
                .collect(),
        )
    }

    fn payoff_counts(&mut self, flat: &FlatPlan, counts: &CountsPlan) -> Result<Vec<f64>> {
        payoff_counts_on(self, flat, counts)
    }
}
