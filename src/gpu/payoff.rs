//! Host side of the one-dispatch kernels (`count_shares`, `payoff_counts`,
//! `payoff_profiles`): one invocation per entry on a 2-D grid, bindings
//! 0 config, 2 words, 3 reals, 4 input words, 5 f32 output. The payoff
//! kernels are the guarantee LP's matrices (twins:
//! `src/cpu/payoff_counts.rs`, `src/cpu/payoff_profiles.rs`).

use super::{GpuContext, Kernel, KernelData};
use crate::error::{Error, Remedy, Result};
use crate::plan::FlatPlan;

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
        let output = self.dispatch_entries(kernel, config, data, input, entries, out_len)?;
        let bytes = self.read_back(
            self.device.create_command_encoder(&Default::default()),
            &[(&output, 4 * out_len.max(1))],
        )?;
        Ok(bytemuck::cast_slice(&bytes[0])[..out_len as usize].to_vec())
    }

    /// Submit a one-dispatch kernel over `entries` invocations; its `out_len`
    /// f32 outputs stay on the device, in the returned buffer (poisoned with
    /// NaN first, so that an entry the kernel fails to write cannot pass).
    pub(super) fn dispatch_entries(
        &mut self,
        kernel: Kernel,
        config: &wgpu::Buffer,
        data: &KernelData,
        input: &[u32],
        entries: u64,
        out_len: u64,
    ) -> Result<wgpu::Buffer> {
        let (layout, pipeline) = self.kernel(kernel)?;
        if 4 * out_len > self.limits.max_storage_buffer_binding_size || entries >= 1 << 32 {
            return Err(Error::too_large(
                format!(
                    "{}: {out_len} outputs are beyond this adapter's storage binding limit",
                    kernel.name()
                ),
                Remedy::CpuBackend,
            ));
        }
        let input = self.buffer_with("input", input, wgpu::BufferUsages::STORAGE);
        let output = self.buffer_with(
            "output",
            &vec![f32::NAN; out_len.max(1) as usize],
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
        self.queue.submit([encoder.finish()]);
        self.check_errors()?;
        Ok(output)
    }

    /// The joint-action payoff matrix of coalition `coalition` (see
    /// `crate::cpu::payoff_profiles::payoff_profiles`), as the WGSL computes it.
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
