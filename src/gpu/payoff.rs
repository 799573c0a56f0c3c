//! Host side of the one-dispatch kernels (`count_shares`, `payoff_counts`,
//! `payoff_profiles`): one invocation per entry on a 2-D grid, bindings
//! 0 config, 2 words, 3 reals, 4 input words, 5 f32 output.

use super::{GpuContext, Kernel, KernelData};
use crate::error::{Error, Result};
use crate::plan::FlatPlan;
use crate::symmetric::{CountsConfig, CountsFlat};

impl GpuContext {
    /// Run a one-dispatch kernel over `entries` invocations; returns `out_len` f32.
    pub(super) fn run_entries(
        &mut self,
        kernel: Kernel,
        config: &wgpu::Buffer,
        data: &KernelData,
        input: &[u32],
        entries: u64,
        out_len: u64,
    ) -> Result<Vec<f32>> {
        let (layout, pipeline) = self.kernel(kernel)?;
        if 4 * out_len > self.limits.max_storage_buffer_binding_size || entries >= 1 << 32 {
            return Err(Error::TooLarge(format!(
                "{}: {out_len} outputs are beyond this adapter's storage binding limit; use --backend cpu",
                kernel.name()
            )));
        }
        let input = self.buffer_with("input", input, wgpu::BufferUsages::STORAGE);
        let output = self.buffer(
            "output",
            4 * out_len,
            wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
        );
        let bind_group = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(kernel.name()),
            layout: &layout,
            entries: &[
                super::entire(0, config),
                super::entire(2, &data.words),
                super::entire(3, &data.reals),
                super::entire(4, &input),
                super::entire(5, &output),
            ],
        });
        // 2-D grid: at most 65535 workgroups per dimension.
        let groups = entries.div_ceil(64).max(1);
        let (x, y) = (groups.min(65_535) as u32, groups.div_ceil(65_535) as u32);
        let mut encoder = self.device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &bind_group, &[]);
            pass.dispatch_workgroups(x, y, 1);
        }
        let bytes = self.read_back(encoder, &[(&output, 4 * out_len.max(1))])?;
        Ok(bytemuck::cast_slice(&bytes[0])[..out_len as usize].to_vec())
    }

    /// The count-vector payoff matrix of `layout`'s first config (see
    /// [`crate::cpu::payoff::payoff_counts`]), as the WGSL computes it.
    pub fn payoff_counts(&mut self, layout: &CountsFlat) -> Result<Vec<f32>> {
        let config: &CountsConfig = &layout.configs[0];
        let entries = u64::from(config.p_entries) * u64::from(config.q_entries);
        let config_buffer = self.uniform(config);
        let data = self.upload(&layout.words, &layout.reals)?;
        self.run_entries(
            Kernel::PayoffCounts,
            &config_buffer,
            &data,
            &[0],
            entries,
            entries * u64::from(config.states),
        )
    }

    /// The joint-action payoff matrix of coalition `coalition` (see
    /// [`crate::cpu::payoff::payoff_profiles`]), as the WGSL computes it.
    pub fn payoff_profiles(&mut self, flat: &FlatPlan, coalition: usize) -> Result<Vec<f32>> {
        let (config, data) = self.plan_buffers(flat)?;
        let entries = u64::from(flat.radices[0]) * u64::from(flat.radices[1]);
        self.run_entries(
            Kernel::PayoffProfiles,
            &config,
            &data,
            &[coalition as u32],
            entries,
            entries * u64::from(flat.config.states),
        )
    }
}
