//! Host side of `shaders/best_response.wgsl`: the double oracle's pass over
//! one side's simplex on the GPU, cut into dispatches within lavapipe's loop
//! cap, the processed items counted per workgroup, and the answer made
//! exact on the CPU.
//!
//! The kernel's values carry its arithmetic's error, at most
//! [`PassBound::eps`] each (f64 with SHADER_F64, else f32). Every workgroup
//! whose best comes within `2 eps` of the best of all is walked again on
//! the CPU by the twin ([`scan`]); any item outside those workgroups is
//! then provably below the recomputed best (its CPU value is under
//! `best − eps`), so the answer is the CPU's own f64 value and item, ties to
//! the lowest item, whatever the GPU's rounding. A recomputed workgroup
//! whose best differs from the GPU's by more than `eps` is refused.
//!
//! The kernel skips items as the CPU passes do (see
//! `src/cpu/best_response.rs`), with its tail table widened by `eps`
//! (twice: see [`pass_data`]), in f32 as in f64: an item it skips for its
//! thread's best is below a value the thread kept, so the argument above
//! holds for it. The host also gives a floor: the best CPU value of the
//! pass's hints (items that won earlier rounds, any item will do), lowered
//! by `4 eps`; an item skipped for it is below that item, so it cannot be
//! the answer, and a workgroup all of whose items are skipped has no best
//! and is not recomputed.

use rayon::prelude::*;

use super::run::{LOOP_BUDGET, MIN_ITEMS_PER_THREAD, WORKGROUP_SIZE};
use super::{GpuContext, Kernel};
use crate::cpu::best_response::{pass_data, scan, set_floor, Partial, PassMix, PassParams};
use crate::error::{Error, Remedy, Result};
use crate::guarantee::Simplex;
use crate::plan::{family_id, FlatPlan};
use crate::watch::Watch;

/// One pass: the walked side's simplex, its outer states (every state for
/// the others, one for the coalition), and the other side's mix.
pub(crate) struct Pass<'a> {
    /// The game.
    pub flat: &'a FlatPlan,
    /// The walked side's count vectors.
    pub simplex: &'a Simplex,
    /// Outer states walked (items are `x * len + rank`).
    pub outer: u32,
    /// Whether the coalition is walked (else the others).
    pub walks_coalition: bool,
    /// The other side's mix.
    pub mix: &'a PassMix,
    /// Items whose best CPU value is the floor (those beyond the pass's
    /// items are ignored; none: no floor).
    pub hints: &'a [u32],
}

/// The error of one GPU value: `4 (entries + 2k + 8) u Σ |w_e|`, with `u`
/// the unit roundoff of the kernel's reals. Each payoff `f ≤ 1` is a sum of
/// k products of shares that took at most k + 4 roundings (the family's
/// total, one or two divisions, the reals' rounding to f32), the pass adds
/// `entries` weighted payoffs; the factor 4 covers divisions rounded to
/// 2.5 ulp (Vulkan's f32 bound) and contraction into fused multiply-adds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PassBound {
    /// The bound on `|GPU value − CPU value|`.
    pub eps: f64,
}

impl PassBound {
    pub(crate) fn new(f64: bool, k: usize, mix: &PassMix) -> PassBound {
        let u = if f64 {
            f64::EPSILON / 2.0
        } else {
            f64::from(f32::EPSILON) / 2.0
        };
        let weight: f64 = mix.weights.iter().map(|w| w.abs()).sum();
        let terms = (mix.weights.len() + 2 * k + 8) as f64;
        PassBound {
            eps: 4.0 * terms * u * weight,
        }
    }
}

/// A dispatch's parameters and its workgroups.
type Dispatch = (PassParams, u32);

/// Every dispatch of a pass with its partials, the words and reals the
/// kernel read, and the floor's value (the best hint's CPU value).
type PassRun = (
    Vec<(Dispatch, Vec<Partial>)>,
    Vec<u32>,
    Vec<f64>,
    Option<f64>,
);

impl GpuContext {
    /// The pass's cut: items per thread within the loop budget, then each
    /// dispatch's parameters; refused when one item is beyond a thread's
    /// budget or the items beyond the kernel's u32 index.
    fn best_response_cut(&self, pass: &Pass<'_>, base: &PassParams) -> Result<Vec<Dispatch>> {
        let k = pass.simplex.actions() as u64;
        let items = u64::from(pass.outer) * pass.simplex.len();
        if items >= u64::from(u32::MAX) {
            return Err(Error::too_large(
                format!(
                    "the pass walks {items} count vectors, beyond the kernel's 32-bit item index"
                ),
                Remedy::CpuBackend,
            ));
        }
        let anonymous = if pass.flat.config.family == family_id::ANONYMOUS {
            k * k + 2 * k
        } else {
            0
        };
        let per_item = 2 * k + 2 + u64::from(base.entries) * (4 * k + 5 + anonymous);
        let at_start = 34 * k + 16;
        if at_start + per_item > LOOP_BUDGET {
            return Err(Error::too_large(
                format!(
                    "one count vector against a mix of {} entries needs about {} loop iterations, \
                     beyond one GPU thread's budget of {LOOP_BUDGET} (README, \"Limits\")",
                    base.entries,
                    at_start + per_item
                ),
                Remedy::CpuBackend,
            ));
        }
        let schedule = self.schedule;
        let limits = super::Schedule::default();
        let budget = ((LOOP_BUDGET - at_start) / per_item).clamp(
            1,
            schedule
                .max_items_per_thread
                .clamp(1, limits.max_items_per_thread),
        );
        let max_groups = schedule.max_workgroups.clamp(1, limits.max_workgroups);
        let threads = max_groups * WORKGROUP_SIZE;
        // At least MIN_ITEMS_PER_THREAD per thread, as the other kernels: a
        // thread's start (unranking, the workgroup's reduction) costs about
        // that many items, and a longer walk lets the thread's best skip more.
        let per_thread = items
            .div_ceil(threads)
            .max(MIN_ITEMS_PER_THREAD)
            .clamp(1, budget);
        let per_dispatch = threads * per_thread;
        let mut dispatches = Vec::new();
        let (mut first, mut partials) = (0, 0);
        while first < items {
            let count = per_dispatch.min(items - first);
            let groups = count.div_ceil(per_thread * WORKGROUP_SIZE);
            dispatches.push((
                PassParams {
                    first: first as u32,
                    count: count as u32,
                    per_thread: per_thread as u32,
                    partial_base: partials as u32,
                    ..*base
                },
                groups as u32,
            ));
            first += count;
            partials += groups;
        }
        Ok(dispatches)
    }

    /// Every dispatch of `pass` with its workgroups' partials as the kernel
    /// wrote them (the twin tests compare them with
    /// [`crate::cpu::best_response::best_response`]), the words and reals
    /// it read, and the floor's value.
    pub(crate) fn best_response_partials(
        &mut self,
        pass: &Pass<'_>,
        watch: &Watch<'_>,
    ) -> Result<PassRun> {
        let (base, words, reals, floor) = self.pass_inputs(pass);
        let dispatches = self.best_response_cut(pass, &base)?;
        let config = self.uniform(&pass.flat.config);
        let data = self.upload_reals(&words, &reals, self.pass_f64)?;
        let (layout, pipeline) = self.kernel(Kernel::BestResponse(self.pass_f64))?;
        let alignment = u64::from(self.limits.min_uniform_buffer_offset_alignment);
        let stride = (std::mem::size_of::<PassParams>() as u64).next_multiple_of(alignment);
        let batch = self.schedule.dispatches_per_submit.max(1) as usize;
        let value_bytes: u64 = if self.pass_f64 { 8 } else { 4 };
        let most_groups =
            dispatches.iter().map(|d| u64::from(d.1)).max().unwrap_or(1) * batch as u64;
        if most_groups * 12 > self.limits.max_storage_buffer_binding_size {
            return Err(Error::too_large(
                "the pass's partials are beyond this adapter's storage binding limit",
                Remedy::CpuBackend,
            ));
        }
        let params = self.buffer(
            "pass params",
            stride * batch as u64,
            wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        );
        let out = wgpu::BufferUsages::STORAGE
            | wgpu::BufferUsages::COPY_SRC
            | wgpu::BufferUsages::COPY_DST;
        // Poisoned (all bits set: NaN values, no item) so that a partial the
        // kernel fails to write cannot pass.
        let values = self.buffer_with(
            "pass values",
            &vec![u8::MAX; (most_groups * value_bytes) as usize],
            out,
        );
        let items = self.buffer_with("pass items", &vec![u32::MAX; 3 * most_groups as usize], out);
        let bind_group = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("best_response"),
            layout: &layout,
            entries: &[
                super::entire(0, &config),
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                        buffer: &params,
                        offset: 0,
                        size: wgpu::BufferSize::new(std::mem::size_of::<PassParams>() as u64),
                    }),
                },
                super::entire(2, &data.words),
                super::entire(3, &data.reals),
                super::entire(4, &values),
                super::entire(5, &items),
            ],
        });
        let total = dispatches.len();
        let mut out_partials = Vec::with_capacity(total);
        for chunk in dispatches.chunks(batch) {
            // Partials of this submit from 0: each dispatch's base is
            // relative to the chunk's first.
            let chunk_base = chunk[0].0.partial_base;
            let mut bytes = vec![0u8; stride as usize * chunk.len()];
            for (d, (p, _)) in chunk.iter().enumerate() {
                let local = PassParams {
                    partial_base: p.partial_base - chunk_base,
                    ..*p
                };
                bytes[d * stride as usize..][..std::mem::size_of::<PassParams>()]
                    .copy_from_slice(bytemuck::bytes_of(&local));
            }
            self.queue.write_buffer(&params, 0, &bytes);
            let groups: u64 = chunk.iter().map(|d| u64::from(d.1)).sum();
            let mut encoder = self.device.create_command_encoder(&Default::default());
            {
                let mut compute = encoder.begin_compute_pass(&Default::default());
                compute.set_pipeline(&pipeline);
                for (d, (_, g)) in chunk.iter().enumerate() {
                    compute.set_bind_group(0, &bind_group, &[(d as u64 * stride) as u32]);
                    compute.dispatch_workgroups(*g, 1, 1);
                }
            }
            let back = self.read_back(
                encoder,
                &[(&values, groups * value_bytes), (&items, groups * 12)],
            )?;
            let mut partials = self.partials(&back).into_iter();
            for &(p, g) in chunk {
                out_partials.push(((p, g), partials.by_ref().take(g as usize).collect()));
            }
            watch.report(out_partials.len() as u64, total as u64);
            watch.check()?;
        }
        Ok((out_partials, words, reals, floor))
    }

    /// The kernel's inputs ([`pass_data`], the tail widened by the pass's
    /// error bound) with the floor set from the best CPU value of the
    /// hints, and that value (`None` without hints).
    fn pass_inputs(&self, pass: &Pass<'_>) -> (PassParams, Vec<u32>, Vec<f64>, Option<f64>) {
        let bound = PassBound::new(self.pass_f64, pass.simplex.actions(), pass.mix);
        let (base, words, mut reals) = pass_data(
            pass.flat,
            pass.simplex,
            pass.walks_coalition,
            pass.mix,
            bound.eps,
        );
        let items = u64::from(pass.outer) * pass.simplex.len();
        let floor = pass
            .hints
            .iter()
            .filter(|&&h| u64::from(h) < items)
            .filter_map(|&h| scan(pass.flat, &base, &words, &reals, pass.simplex, h, 1))
            .map(|(v, _)| v)
            .reduce(f64::max);
        if let Some(value) = floor {
            set_floor(&base, &mut reals, value, bound.eps);
        }
        (base, words, reals, floor)
    }

    /// The partials of one submit from its read-back values and (item,
    /// processed, evaluated) triples.
    fn partials(&self, back: &[Vec<u8>]) -> Vec<Partial> {
        let words: &[u32] = bytemuck::cast_slice(&back[1]);
        (0..words.len() / 3)
            .map(|w| {
                let value = if self.pass_f64 {
                    bytemuck::pod_read_unaligned::<f64>(&back[0][8 * w..8 * w + 8])
                } else {
                    f64::from(bytemuck::pod_read_unaligned::<f32>(
                        &back[0][4 * w..4 * w + 4],
                    ))
                };
                Partial {
                    value,
                    item: words[3 * w],
                    done: words[3 * w + 1],
                    evaluated: words[3 * w + 2],
                }
            })
            .collect()
    }

    /// The best item of `pass` and its value, both the CPU twin's (f64, ties
    /// to the lowest item): the kernel's partials, checked (every item
    /// processed once, every value finite, a best in every workgroup unless
    /// a floor let it skip them all), and every workgroup within `2 eps` of
    /// the best recomputed on the CPU (see the module's doc).
    pub(crate) fn best_response(
        &mut self,
        pass: &Pass<'_>,
        watch: &Watch<'_>,
    ) -> Result<(f64, u32)> {
        let bound = PassBound::new(self.pass_f64, pass.simplex.actions(), pass.mix);
        let (dispatches, words, reals, floor) = self.best_response_partials(pass, watch)?;
        let groups = checked_groups(&dispatches, floor.is_some())?;
        let top = groups.iter().map(|g| g.0).fold(f64::NEG_INFINITY, f64::max);
        let base = dispatches[0].0 .0;
        // A workgroup whose CPU best is below the floor's item (or that
        // skipped every item) cannot hold the answer: that item beats it.
        let floor = floor.unwrap_or(f64::NEG_INFINITY);
        let recomputed: Vec<(f64, u32)> = groups
            .par_iter()
            .filter(|g| g.0 >= top - 2.0 * bound.eps)
            .filter_map(|&(gpu, first, count)| {
                let (cpu, item) =
                    scan(pass.flat, &base, &words, &reals, pass.simplex, first, count)
                        .filter(|b| b.0 >= floor)?;
                if (cpu - gpu).abs() > bound.eps {
                    return Some(Err(Error::InvalidResult(format!(
                        "the GPU's best of items {first}..{} is {gpu}, the CPU's {cpu}: further \
                         apart than the kernel's error bound {:.1e}; nothing is printed",
                        first + count,
                        bound.eps
                    ))));
                }
                Some(Ok((cpu, item)))
            })
            .collect::<Result<_>>()?;
        recomputed
            .into_iter()
            .reduce(|a, b| {
                if b.0 > a.0 || (b.0 == a.0 && b.1 < a.1) {
                    b
                } else {
                    a
                }
            })
            .ok_or_else(|| {
                Error::InvalidResult(
                    "the GPU's best-response pass skipped the floor's own item; nothing is \
                     printed"
                        .into(),
                )
            })
    }
}

/// (GPU value, first item, items) of every workgroup that kept a best,
/// each partial checked: every item processed once, a finite value at an
/// item of the workgroup's, or no item at all where a floor was given.
fn checked_groups(
    dispatches: &[(Dispatch, Vec<Partial>)],
    floored: bool,
) -> Result<Vec<(f64, u32, u32)>> {
    let mut groups = Vec::new();
    for ((p, g), partials) in dispatches {
        let span = p.per_thread * WORKGROUP_SIZE as u32;
        for (w, partial) in partials.iter().enumerate() {
            let offset = w as u32 * span;
            let expected = span.min(p.count - offset);
            if partial.done != expected {
                return Err(Error::GpuCheckFailed {
                    expected: u64::from(expected),
                    got: u64::from(partial.done),
                });
            }
            if floored && partial.item == u32::MAX {
                continue;
            }
            if !partial.value.is_finite() || partial.item.wrapping_sub(p.first + offset) >= expected
            {
                return Err(Error::InvalidResult(format!(
                    "the GPU's best-response pass wrote value {} at item {} for items {}..{}; \
                     nothing is printed",
                    partial.value,
                    partial.item,
                    p.first + offset,
                    p.first + offset + expected
                )));
            }
            groups.push((partial.value, p.first + offset, expected));
        }
        debug_assert_eq!(partials.len(), *g as usize);
    }
    Ok(groups)
}
