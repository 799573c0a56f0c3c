//! Host side of `shaders/stream_counts.wgsl`: the counts method's streamed
//! pass (general group + rest form) on the GPU, in f64. The pass's data
//! ([`stream_data`]: a header, the simplex's binomials, the per-axis tables
//! `E_a[x] = exp(D_a[x])`, the rest's totals) follows the plan's words and
//! reals; the cells of the group's simplex are cut into threads, workgroups
//! and dispatches by [`GpuContext::run`] within lavapipe's loop cap, the
//! visited cells counted and checked, and the workgroups' partials added in
//! f64 in a fixed order. The sums are divided by the mass `Σ w̃` here.
//!
//! Rounding (f64, u = 2^−53): every term is ≥ 0, so each error is relative.
//! A kept cell's weight is a product of d table entries (d − 1 roundings;
//! the tables themselves are the CPU route's), the family's shares take at
//! most k + 4 roundings, `Σ_b G_b h_b` k more and the coefficient product 2;
//! each slot then adds at most `T (k + 1)` terms per cell over a thread's
//! `per_thread` cells, 6 levels of the workgroup tree and one addition per
//! partial on the host. With the factor 4 of Vulkan's division accuracy and
//! contraction (as for the best-response pass), a sum's relative error is
//! at most `ε = (4 (d + 2k + 8) + per_thread · T (k + 1) + 6 + W) u` (W the
//! workgroups), and a share `S/mass ≤ 1` is within `2ε + u` of the exact
//! value of the same tables: about 1e−12 at
//! n = 1000, k = 4 with a mixed deviator (per_thread 1024, T = 4); the
//! observed differences from the CPU route are far smaller. Cells skipped by
//! the cutoff (`w̃ < e^−80`) carry at most `cells · e^−80 / Σ w̃` of the mass
//! (the CPU route tests `Σ_a D_a < −80` instead; the two differ only on
//! cells of that size).
//!
//! The one-player rest's *lifted* pass (one pass for all k deviations) stays
//! on the CPU: the kernel sums the general form, T share evaluations per
//! cell. Adapters without SHADER_F64 are refused (no f32 variant), as
//! too large: the evaluator then sums the pairs directly on the GPU
//! (`--backend gpu|both`) or takes the CPU (`auto`).

use super::run::Job;
use super::{GpuContext, Kernel};
use crate::cpu::stream_counts::{stream_data, StreamInput};
use crate::error::{Error, Remedy, Result};
use crate::model::limits::MAX_ACCUMULATORS;
use crate::plan::{family_id, FlatPlan};
use crate::watch::Watch;

/// Loop iterations of one cell (the worst: kept) and of a thread's start,
/// for [`GpuContext::run`]'s cut (within lavapipe's loop cap).
fn iterations(flat: &FlatPlan, input: &StreamInput) -> (u64, u64) {
    let (k, states) = (
        u64::from(flat.config.actions),
        u64::from(flat.config.states),
    );
    let d = input.axes.len() as u64;
    let anonymous = if flat.config.family == family_id::ANONYMOUS {
        k * k + k
    } else {
        0
    };
    let totals = input.rest.len() as u64;
    let entries: u64 = input
        .rest
        .iter()
        .map(|t| (t.group.len() + t.rest.len()) as u64)
        .sum();
    let counted =
        3 * d + k + 2 + totals * (k + 1 + anonymous + states * (3 * k + 2)) + states * entries;
    // lavapipe's counter ran further than this count: a congestion game
    // with 10 rest totals and 3 states (estimate 468 a cell) was cut at 60
    // cells of 64 (about 1090 a cell), so three times the count is taken.
    let per_cell = 3 * counted;
    let accumulators = u64::from(flat.config.slots) + 1;
    (per_cell, 34 * d + 16 + 9 * accumulators)
}

impl GpuContext {
    /// Why this adapter cannot run the pass, before anything is allocated:
    /// no SHADER_F64, a simplex beyond the kernel's 32-bit cell index, or
    /// more accumulators than a thread holds.
    fn stream_refusal(&self, flat: &FlatPlan, input: &StreamInput) -> Result<()> {
        if !self.shader_f64 {
            return Err(Error::too_large(
                format!(
                    "the counts method's streamed pass runs on the GPU in f64 only, and {} \
                     lacks SHADER_F64",
                    self.info.name
                ),
                Remedy::CpuBackend,
            ));
        }
        let cells = input.cells();
        if cells >= u64::from(u32::MAX) {
            return Err(Error::too_large(
                format!(
                    "the streamed pass walks {cells} count vectors, beyond the kernel's 32-bit \
                     cell index"
                ),
                Remedy::CpuBackend,
            ));
        }
        if flat.config.slots + 1 > MAX_ACCUMULATORS {
            return Err(Error::too_large(
                format!(
                    "the streamed pass needs {} sums per GPU thread, beyond {MAX_ACCUMULATORS}",
                    flat.config.slots + 1
                ),
                Remedy::CpuBackend,
            ));
        }
        Ok(())
    }

    /// The pass's raw sums: per slot `j * states + x`, then the mass `Σ w̃`
    /// last (what the twin [`crate::cpu::stream_counts::stream_counts`]
    /// gives over every cell), from the words and reals `data` (those of
    /// [`stream_data`], or edited by a test).
    pub(crate) fn stream_counts_sums(
        &mut self,
        flat: &FlatPlan,
        input: &StreamInput,
        data: &crate::cpu::stream_counts::StreamData,
        watch: Watch<'_>,
    ) -> Result<Vec<f64>> {
        self.stream_refusal(flat, input)?;
        let (per_cell, at_start) = iterations(flat, input);
        let config = self.uniform(&flat.config);
        let buffers = self.upload_reals(&data.words, &data.reals, true)?;
        let header = data.header;
        let digits = move |_: u64| vec![header];
        self.run(
            &config,
            &buffers,
            Job {
                kernel: Kernel::StreamCounts,
                items: input.cells(),
                accumulators: flat.config.slots + 1,
                iterations_per_item: per_cell,
                iterations_at_start: at_start,
                seed: 0,
                digits: Some(&digits),
                watch,
            },
        )
    }

    /// `r_j(x)`'s sums per slot by the streamed pass, divided by the mass
    /// (as the CPU route's are).
    pub(crate) fn stream_counts(
        &mut self,
        flat: &FlatPlan,
        input: &StreamInput,
        watch: Watch<'_>,
    ) -> Result<Vec<f64>> {
        self.stream_refusal(flat, input)?;
        let data = stream_data(flat, input);
        let mut sums = self.stream_counts_sums(flat, input, &data, watch)?;
        let mass = sums.pop().expect("the mass is the last sum");
        if !(mass.is_finite() && mass > 0.0) {
            return Err(Error::InvalidResult(format!(
                "the GPU's streamed pass summed the weights to {mass}; nothing is printed"
            )));
        }
        Ok(sums.into_iter().map(|s| s / mass).collect())
    }
}
