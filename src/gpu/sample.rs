//! Host side of `shaders/sample.wgsl`: Monte Carlo on the GPU.

use super::enumerate::{iterations_at_start, iterations_per_evaluation};
use super::run::Job;
use super::{GpuContext, Kernel};
use crate::error::Result;
use crate::plan::FlatPlan;

impl GpuContext {
    /// Draw `samples` profiles (Philox keyed by `seed`): Σ y per slot, then
    /// Σ y² per slot, in f64.
    pub(crate) fn sample(
        &mut self,
        flat: &FlatPlan,
        samples: u64,
        seed: u64,
        watch: crate::watch::Watch<'_>,
    ) -> Result<Vec<f64>> {
        let accumulators = 2 * flat.config.slots;
        Self::check_limits(flat, accumulators)?;
        let parts = flat.radices.len() as u64;
        let players_in_parts: u64 = (0..flat.radices.len())
            .map(|p| u64::from(flat.part(p).players))
            .sum();
        let widest = flat.radices.iter().copied().max().unwrap_or(1);
        let search = u64::from(32 - widest.leading_zeros()) + 1;
        let (config, data) = self.plan_buffers(flat)?;
        self.run(
            &config,
            &data,
            Job {
                kernel: Kernel::Sample,
                items: samples,
                accumulators,
                // Philox (10 rounds per 4 parts), a threshold search per part,
                // every part's players, the base reset and the shares.
                iterations_per_item: parts.div_ceil(4) * 10
                    + parts * (search + 1)
                    + players_in_parts
                    + u64::from(flat.config.actions) * u64::from(flat.config.coalitions + 1)
                    + iterations_per_evaluation(flat),
                iterations_at_start: iterations_at_start(flat, accumulators),
                seed,
                digits: None,
                watch,
            },
        )
    }
}
