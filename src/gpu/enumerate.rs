//! Host side of `shaders/enumerate.wgsl`: exact enumeration on the GPU.

use super::run::{Job, MAX_ACCUMULATORS, MAX_COALITION_COUNTS, MAX_PARTS};
use super::{GpuContext, Kernel};
use crate::error::{Error, Remedy, Result};
use crate::plan::{family_id, FlatPlan};

/// The largest part (players set by one outcome).
pub(super) fn max_part(flat: &FlatPlan) -> u64 {
    (0..flat.radices.len())
        .map(|p| u64::from(flat.part(p).players))
        .max()
        .unwrap_or(0)
}

/// Loop iterations to evaluate the coalition shares of one profile in every state.
pub(super) fn iterations_per_evaluation(flat: &FlatPlan) -> u64 {
    let c = &flat.config;
    let (k, m, s) = (
        u64::from(c.actions),
        u64::from(c.coalitions),
        u64::from(c.states),
    );
    let anonymous = if c.family == family_id::ANONYMOUS {
        k * (k + 2)
    } else {
        0
    };
    s * (3 * k + 2 + m * (k + 1)) + anonymous
}

/// Loop iterations to reset a thread to the base profile and reduce its accumulators.
pub(super) fn iterations_at_start(flat: &FlatPlan, accumulators: u32) -> u64 {
    let c = &flat.config;
    u64::from(c.actions) * u64::from(c.coalitions + 1) + 8 * u64::from(accumulators) + 64
}

impl GpuContext {
    /// Check a plan against the kernels' fixed sizes; the error says which limit.
    pub fn check_limits(flat: &FlatPlan, accumulators: u32) -> Result<()> {
        let c = &flat.config;
        let refuse = |what: String| {
            Err(Error::too_large(
                format!("{what}: beyond the GPU kernel's limits (README, \"Limits\")"),
                Remedy::CpuBackend,
            ))
        };
        if accumulators > MAX_ACCUMULATORS {
            return refuse(format!(
                "{} coalitions × {} states need {accumulators} accumulators > {MAX_ACCUMULATORS}",
                c.coalitions, c.states
            ));
        }
        if c.coalitions * c.actions > MAX_COALITION_COUNTS {
            return refuse(format!(
                "{} coalitions × {} actions = {} counters > {MAX_COALITION_COUNTS}",
                c.coalitions,
                c.actions,
                c.coalitions * c.actions
            ));
        }
        if flat.radices.iter().any(|&r| r >= 1 << 31) {
            return refuse("a policy with 2^31 outcomes or more".into());
        }
        Ok(())
    }

    /// Enumerate the plan on the GPU: the sums per slot `j * states + x`, in f64.
    pub(crate) fn enumerate(
        &mut self,
        flat: &FlatPlan,
        watch: crate::watch::Watch<'_>,
    ) -> Result<Vec<f64>> {
        let profiles = flat.exact_profiles()?;
        Self::check_limits(flat, flat.config.slots)?;
        if flat.radices.len() > MAX_PARTS {
            return Err(Error::too_large(
                format!(
                    "{} random parts > {MAX_PARTS} for GPU enumeration",
                    flat.radices.len()
                ),
                Remedy::CpuBackend,
            ));
        }
        let parts = flat.radices.len() as u64;
        let digits = |first: u64| flat.digits(first);
        let (config, data) = self.plan_buffers(flat)?;
        self.run(
            &config,
            &data,
            Job {
                kernel: Kernel::Enumerate,
                items: profiles,
                accumulators: flat.config.slots,
                // Shares, plus an amortised odometer step and weight update.
                iterations_per_item: iterations_per_evaluation(flat) + 4 * (max_part(flat) + 2) + 4,
                iterations_at_start: iterations_at_start(flat, flat.config.slots)
                    + parts * (max_part(flat) + 4),
                seed: 0,
                digits: Some(&digits),
                watch,
            },
        )
    }
}
