//! Running a kernel over many items (profiles or samples): the schedule
//! (items per thread, workgroups per dispatch, dispatches per submit), the
//! per-dispatch parameters, the processed-items check and the f64 sum of the
//! workgroups' partials in a fixed order (shaders/dispatch.wgsl).

use bytemuck::{Pod, Zeroable};

use super::{GpuContext, KernelData};
use crate::error::{Error, Remedy, Result};

pub(super) use crate::model::limits::{
    MAX_ACCUMULATORS, MAX_COALITION_COUNTS, MAX_PARTS, WORKGROUP_SIZE,
};
/// Loop iterations one invocation may run. lavapipe silently stops every
/// invocation's loops after 65535 iterations in total; half of it leaves room
/// for the estimates being rough.
pub(super) const LOOP_BUDGET: u64 = 32_768;
/// Items per thread at least (when the loop budget allows): a thread's start
/// costs about as much as that many items.
pub(super) const MIN_ITEMS_PER_THREAD: u64 = 64;

/// How work is cut into threads, dispatches and submits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// Workgroups per dispatch at most: bounds the partials buffer and keeps
    /// each dispatch short on GPUs with a watchdog.
    pub max_workgroups: u64,
    /// Dispatches per submit (and per readback).
    pub dispatches_per_submit: u64,
    /// Items per thread at most (below the loop budget's own bound).
    pub max_items_per_thread: u64,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            max_workgroups: 4096,
            dispatches_per_submit: 8,
            // 4096 × 64 threads × 1024 items = 2^28 items per dispatch (well
            // below the kernels' u32 offsets): about 0.3 s on a GPU doing 10^9
            // items/s, under the ~2 s watchdogs of desktop drivers.
            max_items_per_thread: 1024,
        }
    }
}

/// Must be kept in sync with `Dispatch` in shaders/dispatch.wgsl (checked
/// by a naga reflection test).
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub(super) struct DispatchParams {
    pub digits: [u32; MAX_PARTS],
    pub first_lo: u32,
    pub first_hi: u32,
    pub count: u32,
    pub per_thread: u32,
    pub counter: u32,
    pub partial_base: u32,
    pub seed_lo: u32,
    pub seed_hi: u32,
}

/// One kernel run over `items` items.
pub(super) struct Job<'a> {
    pub kernel: super::Kernel,
    pub items: u64,
    /// Accumulators per thread (partials per workgroup).
    pub accumulators: u32,
    /// Loop iterations per item (estimate) and per thread start.
    pub iterations_per_item: u64,
    pub iterations_at_start: u64,
    pub seed: u64,
    /// Fills the digits of the dispatch's first item (enumeration), or
    /// the header offset the streamed pass reads from `digits[0]`.
    pub digits: Option<&'a dyn Fn(u64) -> Vec<u32>>,
    pub watch: crate::watch::Watch<'a>,
}

/// A job's cut into threads, dispatches and submits, and the sizes of its
/// per-dispatch parameters and partial sums.
struct Cut {
    /// Items per thread.
    per_thread: u64,
    /// Items per dispatch at most.
    per_dispatch: u64,
    /// Bytes between two dispatches' parameters (uniform offset alignment).
    params_stride: u64,
    /// Partials one dispatch writes (workgroups × accumulators).
    partials_per_dispatch: u64,
    /// Dispatches per submit.
    batch: u64,
    /// Bytes of one submit's partials.
    partials_bytes: u64,
}

/// The device objects of one job: per-dispatch parameters, partials,
/// processed-item counters and the kernel bound to them.
struct JobBuffers {
    params: wgpu::Buffer,
    partials: wgpu::Buffer,
    processed: wgpu::Buffer,
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
}

impl GpuContext {
    /// Run `job`: the sums of every accumulator over all items, in f64.
    pub(super) fn run(
        &mut self,
        config: &wgpu::Buffer,
        data: &KernelData,
        job: Job<'_>,
    ) -> Result<Vec<f64>> {
        let cut = self.cut(&job)?;
        let bound = self.bind(config, data, &job, &cut)?;
        let mut sums = vec![0.0f64; job.accumulators as usize];
        let mut done: u64 = 0;
        while done < job.items {
            // One batch: up to `batch` dispatches, then one readback.
            let (batch_params, workgroups, start) = batch_params(&job, &cut, done);
            self.queue.write_buffer(&bound.params, 0, &batch_params);
            let bytes = self.submit(&job, &cut, &bound, &workgroups)?;
            let counted: u64 = bytemuck::cast_slice::<u8, u32>(&bytes[1])[..workgroups.len()]
                .iter()
                .map(|&c| u64::from(c))
                .sum();
            if counted != start - done {
                return Err(Error::GpuCheckFailed {
                    expected: start - done,
                    got: counted,
                });
            }
            self.add_partials(&bytes[0], &workgroups, &cut, &mut sums);
            done = start;
            job.watch.report(done, job.items);
            job.watch.check()?;
        }
        Ok(sums)
    }

    /// The job's cut: items per thread within the loop budget and the
    /// schedule, workgroups per dispatch, dispatches per submit; errors when
    /// one item is beyond a thread's budget or the partials beyond a binding.
    fn cut(&self, job: &Job<'_>) -> Result<Cut> {
        if job.iterations_at_start + job.iterations_per_item > LOOP_BUDGET {
            return Err(Error::too_large(format!(
                "one {} needs about {} loop iterations, beyond one GPU thread's budget of {LOOP_BUDGET} \
                 (README, \"Limits\")",
                job.kernel.item(),
                job.iterations_at_start + job.iterations_per_item
            ), Remedy::CpuBackend));
        }
        let accumulators = u64::from(job.accumulators);
        let acc_bytes: u64 = if self.shader_f64 { 8 } else { 4 };
        let limits = Schedule::default();
        let schedule = self.schedule;
        let budget = ((LOOP_BUDGET - job.iterations_at_start) / job.iterations_per_item.max(1))
            .clamp(
                1,
                schedule
                    .max_items_per_thread
                    .clamp(1, limits.max_items_per_thread),
            );
        let max_threads = schedule.max_workgroups.clamp(1, limits.max_workgroups) * WORKGROUP_SIZE;
        let per_thread = job
            .items
            .div_ceil(max_threads)
            .max(MIN_ITEMS_PER_THREAD)
            .clamp(1, budget);
        let per_dispatch = max_threads * per_thread;

        let alignment = u64::from(self.limits.min_uniform_buffer_offset_alignment);
        let params_stride =
            (std::mem::size_of::<DispatchParams>() as u64).next_multiple_of(alignment);
        let partials_per_dispatch = (max_threads / WORKGROUP_SIZE) * accumulators;
        let batch = schedule
            .dispatches_per_submit
            .max(1)
            .min(job.items.div_ceil(per_dispatch))
            .max(1);
        let partials_bytes = batch * partials_per_dispatch * acc_bytes;
        if partials_bytes > self.limits.max_storage_buffer_binding_size {
            return Err(Error::too_large(format!(
                "the partial sums need {partials_bytes} bytes, beyond this adapter's storage binding limit"
            ), Remedy::CpuBackend));
        }
        Ok(Cut {
            per_thread,
            per_dispatch,
            params_stride,
            partials_per_dispatch,
            batch,
            partials_bytes,
        })
    }

    /// The job's buffers and the kernel's bind group over them and the
    /// kernel data; the partials start poisoned.
    fn bind(
        &mut self,
        config: &wgpu::Buffer,
        data: &KernelData,
        job: &Job<'_>,
        cut: &Cut,
    ) -> Result<JobBuffers> {
        let params = self.buffer(
            "dispatch params",
            cut.params_stride * cut.batch,
            wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        );
        // Poisoned (all bits set: NaN as f32 and f64), so that a partial the
        // kernel fails to write cannot pass for a sum.
        let partials = self.buffer_with(
            "partials",
            &vec![u8::MAX; cut.partials_bytes as usize],
            wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
        );
        let processed = self.buffer(
            "processed",
            4 * cut.batch,
            wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_SRC
                | wgpu::BufferUsages::COPY_DST,
        );
        let (layout, pipeline) = self.kernel(job.kernel)?;
        let bind_group = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(job.kernel.name()),
            layout: &layout,
            entries: &[
                super::entire(0, config),
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                        buffer: &params,
                        offset: 0,
                        size: wgpu::BufferSize::new(std::mem::size_of::<DispatchParams>() as u64),
                    }),
                },
                super::entire(2, &data.words),
                super::entire(3, &data.reals),
                super::entire(4, &partials),
                super::entire(5, &processed),
            ],
        });
        Ok(JobBuffers {
            params,
            partials,
            processed,
            pipeline,
            bind_group,
        })
    }

    /// One batch's dispatches (each at its parameters' offset), submitted
    /// with the readback of the partials and the processed-item counters.
    fn submit(
        &self,
        job: &Job<'_>,
        cut: &Cut,
        bound: &JobBuffers,
        workgroups: &[u32],
    ) -> Result<Vec<Vec<u8>>> {
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some(job.kernel.name()),
            });
        encoder.clear_buffer(&bound.processed, 0, None);
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some(job.kernel.name()),
                timestamp_writes: None,
            });
            pass.set_pipeline(&bound.pipeline);
            for (d, &groups) in workgroups.iter().enumerate() {
                pass.set_bind_group(
                    0,
                    &bound.bind_group,
                    &[(d as u64 * cut.params_stride) as u32],
                );
                pass.dispatch_workgroups(groups, 1, 1);
            }
        }
        self.read_back(
            encoder,
            &[
                (&bound.partials, cut.partials_bytes),
                (&bound.processed, 4 * cut.batch),
            ],
        )
    }

    /// Adds every workgroup's partials (f64, or f32 without shader f64) to
    /// `sums`, in a fixed order: dispatch, workgroup, accumulator.
    fn add_partials(&self, bytes: &[u8], workgroups: &[u32], cut: &Cut, sums: &mut [f64]) {
        let accumulators = sums.len() as u64;
        for (d, &groups) in workgroups.iter().enumerate() {
            let base = d as u64 * cut.partials_per_dispatch;
            for g in 0..u64::from(groups) {
                for (s, sum) in sums.iter_mut().enumerate() {
                    let at = (base + g * accumulators + s as u64) as usize;
                    *sum += if self.shader_f64 {
                        bytemuck::pod_read_unaligned::<f64>(&bytes[at * 8..at * 8 + 8])
                    } else {
                        f64::from(bytemuck::pod_read_unaligned::<f32>(
                            &bytes[at * 4..at * 4 + 4],
                        ))
                    };
                }
            }
        }
    }
}

/// One batch's parameters from item `done` on: up to `batch` dispatches of
/// `per_dispatch` items, each with its first item (and that item's digits
/// for enumeration), its counter and its partials' base. Returns the
/// parameter bytes, each dispatch's workgroups and the item after the batch.
fn batch_params(job: &Job<'_>, cut: &Cut, done: u64) -> (Vec<u8>, Vec<u32>, u64) {
    let mut batch_params = vec![0u8; (cut.params_stride * cut.batch) as usize];
    let mut workgroups = Vec::new();
    let mut start = done;
    for d in 0..cut.batch {
        if start >= job.items {
            break;
        }
        let count = cut.per_dispatch.min(job.items - start);
        let mut digits = [0u32; MAX_PARTS];
        if let Some(fill) = job.digits {
            for (p, digit) in fill(start).into_iter().enumerate() {
                digits[p] = digit;
            }
        }
        let p = DispatchParams {
            digits,
            first_lo: start as u32,
            first_hi: (start >> 32) as u32,
            count: count as u32,
            per_thread: cut.per_thread as u32,
            counter: d as u32,
            partial_base: (d * cut.partials_per_dispatch) as u32,
            seed_lo: job.seed as u32,
            seed_hi: (job.seed >> 32) as u32,
        };
        let at = (d * cut.params_stride) as usize;
        batch_params[at..at + std::mem::size_of::<DispatchParams>()]
            .copy_from_slice(bytemuck::bytes_of(&p));
        workgroups.push(count.div_ceil(cut.per_thread * WORKGROUP_SIZE) as u32);
        start += count;
    }
    (batch_params, workgroups, start)
}
