//! Host side of `shaders/enumerate.wgsl`: buffers, the dispatch schedule, the
//! profile-count check and the f64 sum of the workgroups' partials.

use bytemuck::{Pod, Zeroable};

use super::{shaders, GpuContext};
use crate::error::{Error, Result};
use crate::plan::{family_id, FlatPlan, PART_INFO_STRIDE};

const WORKGROUP_SIZE: u64 = 64;
/// Kernel array sizes (must be kept in sync with the constants in enumerate.wgsl).
const MAX_PARTS: usize = 64;
const MAX_SLOTS: u32 = 64;
const MAX_COALITION_COUNTS: u32 = 256;
/// Loop iterations one invocation may run. lavapipe silently stops every
/// invocation's loops after 65535 iterations in total; half of it leaves room
/// for the estimate below being rough.
const LOOP_BUDGET: u64 = 32_768;

/// Profiles per thread at least (when the loop budget allows): a thread's
/// start (decoding digits, counting the base profile) costs about as much.
const MIN_PROFILES_PER_THREAD: u64 = 64;

/// How work is cut into threads, dispatches and submits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// Workgroups per dispatch at most: bounds the partials buffer and keeps
    /// each dispatch short on GPUs with a watchdog.
    pub max_workgroups: u64,
    /// Dispatches per submit (and per readback).
    pub dispatches_per_submit: u64,
    /// Profiles per thread at most (below the loop budget's own bound).
    pub max_profiles_per_thread: u64,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            max_workgroups: 4096,
            dispatches_per_submit: 16,
            // 4096 × 64 threads × 16383 profiles < 2^32: the kernel's u32 offsets.
            max_profiles_per_thread: 16_383,
        }
    }
}

/// Must be kept in sync with `Dispatch` in shaders/enumerate.wgsl.
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct DispatchParams {
    digits: [u32; MAX_PARTS],
    profiles: u32,
    profiles_per_thread: u32,
    counter: u32,
    partial_base: u32,
}

pub(super) struct EnumeratePipeline {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
}

/// The result of one GPU enumeration.
#[derive(Clone, Debug)]
pub struct GpuEnumeration {
    /// Sums per slot `j * states + x`.
    pub sums: Vec<f64>,
    /// Profiles the kernel reported processing (checked against the plan).
    pub profiles: u64,
    /// Dispatches issued.
    pub dispatches: u64,
}

/// Upper bound on the loop iterations of one profile (enumerate.wgsl):
/// shares and coalition totals per state, plus an amortised odometer step.
fn iterations_per_profile(flat: &FlatPlan, max_part: u64) -> u64 {
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
    s * (3 * k + 2 + m * (k + 1)) + anonymous + 4 * (max_part + 2) + 4
}

impl GpuContext {
    fn enumerate_pipeline(&mut self) -> Result<&EnumeratePipeline> {
        if self.enumerate.is_none() {
            use wgpu::BufferBindingType as B;
            let storage = |read_only| B::Storage { read_only };
            let layout = self.layout(
                "enumerate",
                &[
                    (0, B::Uniform, false),
                    (1, B::Uniform, true),
                    (2, storage(true), false),
                    (3, storage(true), false),
                    (4, storage(false), false),
                    (5, storage(false), false),
                ],
            );
            let acc = if self.shader_f64 { "f64" } else { "f32" };
            let source = format!(
                "alias acc_t = {acc};\n{}\n{}\n{}",
                shaders::FAMILIES,
                shaders::DIGITS,
                shaders::ENUMERATE
            );
            let pipeline = self.pipeline("enumerate", &source, "enumerate", &layout)?;
            self.enumerate = Some(EnumeratePipeline { layout, pipeline });
        }
        Ok(self.enumerate.as_ref().expect("just built"))
    }

    /// Check a plan against the kernel's fixed sizes; the error says which limit.
    pub fn check_limits(flat: &FlatPlan) -> Result<()> {
        let c = &flat.config;
        let refuse = |what: String| {
            Err(Error::TooLarge(format!(
                "{what}: beyond the GPU kernel's limits (README, \"Limits\"); use --backend cpu"
            )))
        };
        if c.slots > MAX_SLOTS {
            return refuse(format!(
                "{} coalitions × {} states = {} accumulators > {MAX_SLOTS}",
                c.coalitions, c.states, c.slots
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
        if flat.radices.len() > MAX_PARTS {
            return refuse(format!("{} random parts > {MAX_PARTS}", flat.radices.len()));
        }
        if flat.radices.iter().any(|&r| r >= 1 << 31) {
            return refuse("a policy with 2^31 outcomes or more".into());
        }
        let init = Self::init_iterations(flat);
        if init + iterations_per_profile(flat, Self::max_part(flat)) > LOOP_BUDGET {
            return refuse(format!(
                "one profile needs about {} loop iterations (states × coalitions × actions too large for one GPU thread's budget of {LOOP_BUDGET})",
                init + iterations_per_profile(flat, Self::max_part(flat))
            ));
        }
        Ok(())
    }

    fn max_part(flat: &FlatPlan) -> u64 {
        (0..flat.radices.len())
            .map(|p| {
                u64::from(flat.words[flat.config.part_info as usize + p * PART_INFO_STRIDE + 2])
            })
            .max()
            .unwrap_or(0)
    }

    fn init_iterations(flat: &FlatPlan) -> u64 {
        let c = &flat.config;
        let parts = flat.radices.len() as u64;
        parts * (Self::max_part(flat) + 3)
            + u64::from(c.actions) * u64::from(c.coalitions + 1)
            + 8 * u64::from(c.slots)
            + 64
    }

    /// Enumerate the plan on the GPU: the sums per slot, in f64.
    pub fn enumerate(&mut self, flat: &FlatPlan) -> Result<GpuEnumeration> {
        Self::check_limits(flat)?;
        let slots = u64::from(flat.config.slots);
        let acc_bytes: u64 = if self.shader_f64 { 8 } else { 4 };
        let per_profile = iterations_per_profile(flat, Self::max_part(flat));
        let limits = Schedule::default();
        let schedule = self.schedule;
        let budget = ((LOOP_BUDGET - Self::init_iterations(flat)) / per_profile).clamp(
            1,
            schedule
                .max_profiles_per_thread
                .clamp(1, limits.max_profiles_per_thread),
        );
        let max_threads = schedule.max_workgroups.clamp(1, limits.max_workgroups) * WORKGROUP_SIZE;
        // Each thread walks at least MIN_PROFILES_PER_THREAD profiles (its start
        // costs about as much as that many steps), more when the dispatch is full.
        let per_thread = flat
            .profiles
            .div_ceil(max_threads)
            .max(MIN_PROFILES_PER_THREAD)
            .clamp(1, budget);
        let per_dispatch = max_threads * per_thread;

        let alignment = u64::from(self.limits.min_uniform_buffer_offset_alignment);
        let params_stride =
            (std::mem::size_of::<DispatchParams>() as u64).next_multiple_of(alignment);
        let partials_per_dispatch = (max_threads / WORKGROUP_SIZE) * slots;
        let batch = schedule
            .dispatches_per_submit
            .max(1)
            .min(flat.profiles.div_ceil(per_dispatch))
            .max(1);
        let partials_bytes = batch * partials_per_dispatch * acc_bytes;
        if partials_bytes > self.limits.max_storage_buffer_binding_size {
            return Err(Error::TooLarge(format!(
                "the partial sums need {partials_bytes} bytes, beyond this adapter's storage binding limit"
            )));
        }

        let (config, words, reals) = self.plan_buffers(flat)?;
        let params = self.buffer(
            "dispatch params",
            params_stride * batch,
            wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        );
        let partials = self.buffer(
            "partials",
            partials_bytes,
            wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
        );
        let processed = self.buffer(
            "processed",
            4 * batch,
            wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_SRC
                | wgpu::BufferUsages::COPY_DST,
        );
        self.enumerate_pipeline()?;
        let pipeline = self.enumerate.as_ref().expect("built above");
        let bind_group = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("enumerate"),
            layout: &pipeline.layout,
            entries: &[
                super::entire(0, &config),
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                        buffer: &params,
                        offset: 0,
                        size: wgpu::BufferSize::new(std::mem::size_of::<DispatchParams>() as u64),
                    }),
                },
                super::entire(2, &words),
                super::entire(3, &reals),
                super::entire(4, &partials),
                super::entire(5, &processed),
            ],
        });
        let pipeline = &pipeline.pipeline;

        let mut sums = vec![0.0f64; slots as usize];
        let mut done: u64 = 0;
        let mut dispatches = 0;
        while done < flat.profiles {
            // One batch: up to DISPATCHES_PER_SUBMIT dispatches, then one readback.
            let mut batch_params = vec![0u8; (params_stride * batch) as usize];
            let mut workgroups = Vec::new();
            let mut expected = 0u64;
            let mut start = done;
            for d in 0..batch {
                if start >= flat.profiles {
                    break;
                }
                let count = per_dispatch.min(flat.profiles - start);
                let mut digits = [0u32; MAX_PARTS];
                for (p, digit) in flat.digits(start).into_iter().enumerate() {
                    digits[p] = digit;
                }
                let p = DispatchParams {
                    digits,
                    profiles: count as u32,
                    profiles_per_thread: per_thread as u32,
                    counter: d as u32,
                    partial_base: (d * partials_per_dispatch) as u32,
                };
                let at = (d * params_stride) as usize;
                batch_params[at..at + std::mem::size_of::<DispatchParams>()]
                    .copy_from_slice(bytemuck::bytes_of(&p));
                workgroups.push(count.div_ceil(per_thread * WORKGROUP_SIZE) as u32);
                expected += count;
                start += count;
            }
            self.queue.write_buffer(&params, 0, &batch_params);
            let mut encoder = self
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                    label: Some("enumerate"),
                });
            encoder.clear_buffer(&processed, 0, None);
            {
                let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                    label: Some("enumerate"),
                    timestamp_writes: None,
                });
                pass.set_pipeline(pipeline);
                for (d, &groups) in workgroups.iter().enumerate() {
                    pass.set_bind_group(0, &bind_group, &[(d as u64 * params_stride) as u32]);
                    pass.dispatch_workgroups(groups, 1, 1);
                }
            }
            let bytes = self.read_back(
                encoder,
                &[(&partials, partials_bytes), (&processed, 4 * batch)],
            )?;
            let counted: u64 = bytemuck::cast_slice::<u8, u32>(&bytes[1])[..workgroups.len()]
                .iter()
                .map(|&c| u64::from(c))
                .sum();
            if counted != expected {
                return Err(Error::GpuCheckFailed {
                    expected,
                    got: counted,
                });
            }
            for (d, &groups) in workgroups.iter().enumerate() {
                let base = d as u64 * partials_per_dispatch;
                for g in 0..u64::from(groups) {
                    for s in 0..slots {
                        let at = (base + g * slots + s) as usize;
                        sums[s as usize] += if self.shader_f64 {
                            bytemuck::pod_read_unaligned::<f64>(&bytes[0][at * 8..at * 8 + 8])
                        } else {
                            f64::from(bytemuck::pod_read_unaligned::<f32>(
                                &bytes[0][at * 4..at * 4 + 4],
                            ))
                        };
                    }
                }
            }
            dispatches += workgroups.len() as u64;
            done = start;
        }
        Ok(GpuEnumeration {
            sums,
            profiles: done,
            dispatches,
        })
    }
}
