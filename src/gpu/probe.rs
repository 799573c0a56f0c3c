//! Host side of `shaders/probe.wgsl`: runs the shared WGSL functions on
//! given inputs so that tests compare them with their Rust twins.

use super::{shaders, GpuContext};
use crate::error::Result;
use crate::plan::FlatPlan;

impl GpuContext {
    fn run_probe(
        &mut self,
        flat: &FlatPlan,
        entry: &str,
        input: &[u32],
        cases: u32,
        words_out: usize,
        reals_out: usize,
    ) -> Result<(Vec<u32>, Vec<f32>)> {
        use wgpu::BufferBindingType as B;
        let storage = |read_only| B::Storage { read_only };
        let layout = self.layout(
            "probe",
            &[
                (0, B::Uniform, false),
                (1, storage(false), false),
                (2, storage(true), false),
                (3, storage(true), false),
                (4, storage(true), false),
                (5, storage(false), false),
            ],
        );
        let source = super::compose(&[
            shaders::FAMILIES,
            shaders::PROFILE,
            shaders::DIGITS,
            shaders::PHILOX,
            shaders::PROBE,
        ]);
        let pipeline = self.pipeline(entry, &source, entry, &layout)?;
        let (config, data) = self.plan_buffers(flat)?;
        let input = self.buffer_with("probe in", input, wgpu::BufferUsages::STORAGE);
        let out_usage = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC;
        // Poison: a value the kernel failed to write cannot pass as correct.
        let words_out_buffer =
            self.buffer_with("probe words", &vec![u32::MAX; words_out.max(1)], out_usage);
        let reals_out_buffer =
            self.buffer_with("probe reals", &vec![f32::NAN; reals_out.max(1)], out_usage);
        let bind_group = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("probe"),
            layout: &layout,
            entries: &[
                super::entire(0, &config),
                super::entire(1, &words_out_buffer),
                super::entire(2, &data.words),
                super::entire(3, &data.reals),
                super::entire(4, &input),
                super::entire(5, &reals_out_buffer),
            ],
        });
        let mut encoder = self.device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &bind_group, &[]);
            pass.dispatch_workgroups(cases.div_ceil(64).max(1), 1, 1);
        }
        let bytes = self.read_back(
            encoder,
            &[
                (&words_out_buffer, 4 * words_out.max(1) as u64),
                (&reals_out_buffer, 4 * reals_out.max(1) as u64),
            ],
        )?;
        Ok((
            bytemuck::cast_slice(&bytes[0])[..words_out].to_vec(),
            bytemuck::cast_slice(&bytes[1])[..reals_out].to_vec(),
        ))
    }

    /// For each count vector (k entries each, summing to n): its rank, and the
    /// action shares of every state (`[case][x][b]`, symmetric families) as
    /// the WGSL functions compute them.
    pub fn probe_families(
        &mut self,
        flat: &FlatPlan,
        counts: &[Vec<u32>],
    ) -> Result<(Vec<u32>, Vec<f32>)> {
        let k = flat.config.actions as usize;
        let input: Vec<u32> = counts.iter().flatten().copied().collect();
        let cases = counts.len();
        self.run_probe(
            flat,
            "probe_families",
            &input,
            cases as u32,
            cases,
            cases * flat.config.states as usize * k,
        )
    }

    /// For each (digits, offset): the digits after the WGSL `add_to_digits`.
    pub fn probe_digits(&mut self, flat: &FlatPlan, cases: &[(Vec<u32>, u32)]) -> Result<Vec<u32>> {
        let input: Vec<u32> = cases
            .iter()
            .flat_map(|(d, o)| d.iter().copied().chain([*o]))
            .collect();
        let parts = flat.radices.len();
        let (words, _) = self.run_probe(
            flat,
            "probe_digits",
            &input,
            cases.len() as u32,
            cases.len() * parts,
            0,
        )?;
        Ok(words)
    }

    /// For each (counter, key): the WGSL `philox4x32_10` words.
    pub fn probe_philox(
        &mut self,
        flat: &FlatPlan,
        cases: &[([u32; 4], [u32; 2])],
    ) -> Result<Vec<[u32; 4]>> {
        let input: Vec<u32> = cases
            .iter()
            .flat_map(|(c, k)| c.iter().chain(k).copied())
            .collect();
        let (words, _) = self.run_probe(
            flat,
            "probe_philox",
            &input,
            cases.len() as u32,
            4 * cases.len(),
            0,
        )?;
        Ok(words.chunks(4).map(|w| [w[0], w[1], w[2], w[3]]).collect())
    }

    /// For each (part, uniform word): the WGSL `sample_outcome`.
    pub fn probe_outcomes(&mut self, flat: &FlatPlan, cases: &[(u32, u32)]) -> Result<Vec<u32>> {
        let input: Vec<u32> = cases.iter().flat_map(|&(p, r)| [p, r]).collect();
        let (words, _) = self.run_probe(
            flat,
            "probe_outcomes",
            &input,
            cases.len() as u32,
            cases.len(),
            0,
        )?;
        Ok(words)
    }
}
