//! Host side of the counts method's kernels: `shaders/count_shares.wgsl`
//! (the share table) and `shaders/count_pairs.wgsl` (each coalition's pair sum).

use super::run::Job;
use super::{GpuContext, Kernel};
use crate::error::{Error, Result};
use crate::plan::FlatPlan;
use crate::symmetric::{all_count_vectors, CountsFlat, CountsPlan};

impl GpuContext {
    /// The share table `h_b(x, C)` (f32) for the count vectors `vectors`
    /// (k words each), as the WGSL family functions compute it.
    pub fn count_shares(&mut self, flat: &FlatPlan, vectors: &[u32]) -> Result<Vec<f32>> {
        let (config, data) = self.plan_buffers(flat)?;
        let k = flat.config.actions as u64;
        let rows = vectors.len() as u64 / k;
        let out_len = rows * u64::from(flat.config.states) * k;
        self.run_entries(Kernel::CountShares, &config, &data, vectors, rows, out_len)
    }

    /// `r_j(x)` by the counts method: sums per slot `j * states + x`.
    pub fn counts(
        &mut self,
        flat: &FlatPlan,
        counts: &CountsPlan,
        progress: Option<&(dyn Fn(u64, u64) + Sync + Send)>,
    ) -> Result<Vec<f64>> {
        let states = flat.config.states;
        Self::check_limits(flat, states)?;
        let vectors = all_count_vectors(&counts.space);
        let mut layout = CountsFlat::new(counts, states as usize, &vectors)?;
        let shares: Vec<f64> = self
            .count_shares(flat, &vectors)?
            .into_iter()
            .map(f64::from)
            .collect();
        layout.set_shares(&shares);
        let data = self.upload(&layout.words, &layout.reals)?;
        let total: u64 = (0..layout.configs.len()).map(|j| layout.items(j)).sum();
        let k = u64::from(flat.config.actions);
        let mut done = 0;
        let mut sums = Vec::with_capacity(layout.configs.len() * states as usize);
        for (j, config) in layout.configs.iter().enumerate() {
            let items = layout.items(j);
            if items >= 1 << 32 {
                return Err(Error::TooLarge(format!(
                    "coalition {j}'s pair sum has {items} items, beyond the kernel's 32-bit item index; use --backend cpu"
                )));
            }
            let report = |d: u64, _: u64| {
                if let Some(p) = progress {
                    p(done + d, total);
                }
            };
            let config_buffer = self.uniform(config);
            sums.extend(self.run(
                &config_buffer,
                &data,
                Job {
                    kernel: Kernel::CountPairs,
                    items,
                    accumulators: states,
                    iterations_per_item: u64::from(config.chunk)
                        * (u64::from(states) * (k + 2) + 2)
                        + k,
                    iterations_at_start: 8 * u64::from(states) + 64,
                    seed: 0,
                    digits: None,
                    progress: Some(&report),
                },
            )?);
            done += items;
        }
        Ok(sums)
    }
}
