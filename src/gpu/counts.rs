//! The counts method's kernels on the GPU, for the one driver in
//! `src/counts/driver.rs`: `shaders/count_shares.wgsl` writes the share table
//! straight into the layout's real buffer on the device (it is never read
//! back), then `shaders/count_pairs.wgsl` sums each coalition's pairs and
//! `shaders/payoff_counts.wgsl` builds a payoff matrix from the same buffers.

use super::run::Job;
use super::{GpuContext, Kernel, KernelData};
use crate::counts::direct::{CountsConfig, CountsFlat};
use crate::counts::driver::CountKernels;
use crate::error::{Error, Remedy, Result};
use crate::plan::FlatPlan;
use crate::watch::Watch;

/// A counts layout on the device, its share table in place.
pub(crate) struct DeviceCounts {
    configs: Vec<CountsConfig>,
    data: KernelData,
}

impl GpuContext {
    /// The share table `h_b(x, C)` (f32) for the count vectors `vectors`
    /// (k words each), as the WGSL family functions compute it, read back
    /// (for the twin tests; the counts method keeps it on the device).
    pub fn count_shares(&mut self, flat: &FlatPlan, vectors: &[u32]) -> Result<Vec<f32>> {
        let output = self.count_shares_on_device(flat, vectors)?;
        let bytes = self.read_back(
            self.device.create_command_encoder(&Default::default()),
            &[(&output, output.size())],
        )?;
        let rows = vectors.len() / flat.config.actions as usize;
        let len = rows * (flat.config.states * flat.config.actions) as usize;
        Ok(bytemuck::cast_slice(&bytes[0])[..len].to_vec())
    }

    /// Run `count_shares`; the table stays in the returned buffer.
    fn count_shares_on_device(&mut self, flat: &FlatPlan, vectors: &[u32]) -> Result<wgpu::Buffer> {
        let (config, data) = self.plan_buffers(flat)?;
        let k = u64::from(flat.config.actions);
        let rows = vectors.len() as u64 / k;
        let out_len = rows * u64::from(flat.config.states) * k;
        self.dispatch_entries(Kernel::CountShares, &config, &data, vectors, rows, out_len)
    }
}

impl CountKernels for GpuContext {
    type Loaded = DeviceCounts;

    fn load(
        &mut self,
        flat: &FlatPlan,
        vectors: &[u32],
        layout: CountsFlat,
    ) -> Result<DeviceCounts> {
        let shares = self.count_shares_on_device(flat, vectors)?;
        // The share table sits at real offset 0 of the layout (zero there
        // until this copy); both buffers hold f32.
        let data = self.upload(&layout.words, &layout.reals)?;
        let table_bytes = 4 * layout.share_entries() as u64;
        let mut encoder = self.device.create_command_encoder(&Default::default());
        encoder.copy_buffer_to_buffer(&shares, 0, &data.reals, 0, table_bytes.next_multiple_of(4));
        self.queue.submit([encoder.finish()]);
        self.check_errors()?;
        Ok(DeviceCounts {
            configs: layout.configs,
            data,
        })
    }

    fn items(loaded: &DeviceCounts, j: usize) -> u64 {
        loaded.configs[j].items()
    }

    fn pair_sum(&mut self, loaded: &DeviceCounts, j: usize, watch: Watch<'_>) -> Result<Vec<f64>> {
        let config = &loaded.configs[j];
        let items = Self::items(loaded, j);
        if items >= 1 << 32 {
            return Err(Error::too_large(
                format!(
                    "coalition {j}'s pair sum has {items} items, beyond the kernel's 32-bit item index"
                ),
                Remedy::CpuBackend,
            ));
        }
        let states = config.states;
        let k = u64::from(config.actions);
        let config_buffer = self.uniform(config);
        self.run(
            &config_buffer,
            &loaded.data,
            Job {
                kernel: Kernel::CountPairs,
                items,
                accumulators: states,
                iterations_per_item: u64::from(config.chunk) * config.iterations_per_entry()
                    + 2 * k,
                iterations_at_start: 8 * u64::from(states) + 64,
                seed: 0,
                digits: None,
                watch,
            },
        )
    }

    fn payoff(&mut self, loaded: &DeviceCounts) -> Result<Vec<f64>> {
        let config = &loaded.configs[0];
        let entries = u64::from(config.p_entries) * u64::from(config.q_entries);
        let config_buffer = self.uniform(config);
        let out = self.run_entries(
            Kernel::PayoffCounts,
            &config_buffer,
            &loaded.data,
            &[0],
            entries,
            entries * u64::from(config.states),
        )?;
        Ok(out.into_iter().map(f64::from).collect())
    }
}
