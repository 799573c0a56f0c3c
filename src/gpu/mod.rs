//! The GPU backend: every wgpu call of the crate lives under this module, so
//! that the next wgpu upgrade touches one place. A [`GpuContext`] (adapter,
//! device, pipelines) is built once and reused for every evaluation.

pub(crate) mod best_response;
mod counts;
mod enumerate;
mod payoff;
pub(crate) mod probe;
mod run;
mod sample;
mod stream_counts;

use std::sync::{Arc, Mutex};

use crate::error::{Error, Remedy, Result};

pub use run::Schedule;

/// The WGSL pieces, composed by concatenation (module-scope declarations in
/// WGSL are order-independent).
pub(crate) mod shaders {
    pub const FAMILIES: &str = include_str!("../../shaders/families.wgsl");
    pub const PROFILE: &str = include_str!("../../shaders/profile.wgsl");
    pub const DISPATCH: &str = include_str!("../../shaders/dispatch.wgsl");
    pub const PHILOX: &str = include_str!("../../shaders/philox.wgsl");
    pub const SAMPLE: &str = include_str!("../../shaders/sample.wgsl");
    pub const COUNT_SHARES: &str = include_str!("../../shaders/count_shares.wgsl");
    pub const COUNTS_LAYOUT: &str = include_str!("../../shaders/counts_layout.wgsl");
    pub const COUNT_PAIRS: &str = include_str!("../../shaders/count_pairs.wgsl");
    pub const PAYOFF: &str = include_str!("../../shaders/payoff.wgsl");
    pub const PAYOFF_COUNTS: &str = include_str!("../../shaders/payoff_counts.wgsl");
    pub const PAYOFF_PROFILES: &str = include_str!("../../shaders/payoff_profiles.wgsl");
    pub const DIGITS: &str = include_str!("../../shaders/digits.wgsl");
    pub const ENUMERATE: &str = include_str!("../../shaders/enumerate.wgsl");
    pub const PROBE: &str = include_str!("../../shaders/probe.wgsl");
    pub const BEST_RESPONSE: &str = include_str!("../../shaders/best_response.wgsl");
    pub const SIMPLEX: &str = include_str!("../../shaders/simplex.wgsl");
    pub const STREAM_COUNTS: &str = include_str!("../../shaders/stream_counts.wgsl");
}

/// The kernels that run over many dispatches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Kernel {
    /// shaders/enumerate.wgsl
    Enumerate,
    /// shaders/sample.wgsl
    Sample,
    /// shaders/count_pairs.wgsl
    CountPairs,
    /// shaders/count_shares.wgsl (one dispatch, its own bindings)
    CountShares,
    /// payoff_counts in shaders/payoff_counts.wgsl (one dispatch)
    PayoffCounts,
    /// payoff_profiles in shaders/payoff_profiles.wgsl (one dispatch)
    PayoffProfiles,
    /// shaders/best_response.wgsl, its reals in f64 (`true`) or f32
    BestResponse(bool),
    /// shaders/stream_counts.wgsl (f64 only)
    StreamCounts,
}

impl Kernel {
    fn name(self) -> &'static str {
        match self {
            Kernel::Enumerate => "enumerate",
            Kernel::Sample => "sample",
            Kernel::CountPairs => "count_pairs",
            Kernel::CountShares => "count_shares",
            Kernel::PayoffCounts => "payoff_counts",
            Kernel::PayoffProfiles => "payoff_profiles",
            Kernel::BestResponse(_) => "best_response",
            Kernel::StreamCounts => "stream_counts",
        }
    }

    /// What one item of the kernel is, for messages.
    fn item(self) -> &'static str {
        match self {
            Kernel::Enumerate => "profile",
            Kernel::Sample => "sample",
            Kernel::CountPairs => "pair of count vectors",
            Kernel::CountShares => "count vector",
            Kernel::PayoffCounts | Kernel::PayoffProfiles => "payoff entry",
            Kernel::BestResponse(_) | Kernel::StreamCounts => "count vector",
        }
    }

    /// The kernel's WGSL: its own file composed with the shared pieces.
    fn source(self, accumulator: &str) -> String {
        use shaders::*;
        let pieces: &[&str] = match self {
            Kernel::Enumerate => &[FAMILIES, PROFILE, DIGITS, DISPATCH, ENUMERATE],
            Kernel::Sample => &[FAMILIES, PROFILE, PHILOX, DISPATCH, SAMPLE],
            Kernel::CountPairs => &[COUNTS_LAYOUT, DISPATCH, COUNT_PAIRS],
            Kernel::CountShares => return compose(&[FAMILIES, COUNT_SHARES]),
            Kernel::PayoffCounts => return compose(&[COUNTS_LAYOUT, PAYOFF, PAYOFF_COUNTS]),
            Kernel::PayoffProfiles => {
                return compose(&[FAMILIES, PROFILE, PAYOFF, PAYOFF_PROFILES])
            }
            Kernel::BestResponse(f64) => {
                let real = if f64 { "f64" } else { "f32" };
                return compose_real(real, &[FAMILIES, SIMPLEX, BEST_RESPONSE]);
            }
            // The host runs it only with SHADER_F64 (no f32 variant).
            Kernel::StreamCounts => {
                let pieces = [FAMILIES, SIMPLEX, DISPATCH, STREAM_COUNTS];
                return format!("alias acc_t = f64;\n{}", compose_real("f64", &pieces));
            }
        };
        format!("alias acc_t = {accumulator};\n{}", compose(pieces))
    }
}

/// What the user is told when no adapter exists.
pub(crate) const NO_ADAPTER_HINT: &str =
    "no Vulkan, Metal, DX12 or GL adapter was found. On Debian/Ubuntu \
install a software Vulkan driver with `apt-get install mesa-vulkan-drivers libvulkan1` (lavapipe), \
or use the CPU backend";

/// WGSL pieces composed into one module, after the constants they share
/// with the host (src/model/limits.rs), with f32 reals.
pub(crate) fn compose(pieces: &[&str]) -> String {
    compose_real("f32", pieces)
}

/// [`compose`] with the reals and shares of `shaders/families.wgsl` in
/// `real` (`f32` or `f64`).
pub(crate) fn compose_real(real: &str, pieces: &[&str]) -> String {
    format!(
        "alias real_t = {real};\n{}\n{}",
        crate::model::limits::wgsl_constants(),
        pieces.join("\n")
    )
}

/// A kernel's data on the device: integers at binding 2, reals (f32) at 3.
pub(crate) struct KernelData {
    words: wgpu::Buffer,
    reals: wgpu::Buffer,
}

fn entire(binding: u32, buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: buffer.as_entire_binding(),
    }
}

fn instance() -> wgpu::Instance {
    wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env())
}

/// Give the graphics stack a runtime directory when the environment has
/// none: with `XDG_RUNTIME_DIR` unset or not a directory, the Vulkan and GL
/// loaders print `error: XDG_RUNTIME_DIR is invalid or not set in the
/// environment.` on every adapter query of a successful run, which reads as
/// a failure. This points the variable at a private directory (mode 0700,
/// per user, under the temporary directory) that they are content with.
///
/// It sets an environment variable, which is only sound before any other
/// thread starts: the binary calls it first thing in `main`, the Python
/// module when it is imported. Elsewhere (embedding the library), set the
/// variable yourself or call this before spawning threads.
pub fn ensure_runtime_dir() {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
        let usable = |dir: &std::path::Path| {
            std::fs::metadata(dir).is_ok_and(|m| m.is_dir() && m.permissions().mode() & 0o077 == 0)
        };
        if std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|d| std::path::Path::new(&d).is_dir()) {
            return;
        }
        let uid = std::fs::metadata("/proc/self").map_or(0, |m| m.uid());
        let dir = std::env::temp_dir().join(format!("unitsum-gpu-runtime-{uid}"));
        let _ = std::fs::DirBuilder::new().mode(0o700).create(&dir);
        if usable(&dir) && std::fs::metadata(&dir).is_ok_and(|m| m.uid() == uid) {
            // Sound only before other threads exist: see the doc above.
            std::env::set_var("XDG_RUNTIME_DIR", &dir);
        }
    }
}

/// One adapter as wgpu lists it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Adapter {
    /// Adapter name, e.g. `llvmpipe (LLVM 15.0.6, 256 bits)`.
    pub name: String,
    /// Graphics API backend (Vulkan, Gl, …).
    pub api: String,
    /// DiscreteGpu, IntegratedGpu, VirtualGpu, Cpu or Other.
    pub device_type: String,
    /// Whether it is a software renderer (device type Cpu), which
    /// [`crate::Backend::Auto`] skips.
    pub software: bool,
    /// Driver name and version.
    pub driver: String,
    /// Whether f64 shader arithmetic is supported (accumulators in f64).
    pub shader_f64: bool,
    /// Whether this is the adapter [`crate::Backend::Gpu`] uses.
    pub selected: bool,
}

/// Preference order: real GPUs first, then software; Vulkan/Metal/DX12
/// before GL (lavapipe's GL twin is slower and lacks f64).
fn rank(info: &wgpu::AdapterInfo) -> (u8, u8) {
    let device = match info.device_type {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Cpu => 3,
        _ => 4,
    };
    let backend = u8::from(info.backend == wgpu::Backend::Gl);
    (device, backend)
}

/// Why no adapter is there: `WGPU_ADAPTER_NAME` matches none of those that
/// exist, or none exist at all.
fn no_adapter_message(instance: &wgpu::Instance) -> String {
    if let Ok(wanted) = std::env::var("WGPU_ADAPTER_NAME") {
        let all = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()));
        if !all.is_empty() {
            let names: Vec<String> = all
                .iter()
                .map(|a| format!("{} [{:?}]", a.get_info().name, a.get_info().backend))
                .collect();
            return format!(
                "WGPU_ADAPTER_NAME={wanted:?} matches none of the adapters there are ({}); \
                 unset it or give part of one of these names",
                names.join(", ")
            );
        }
    }
    NO_ADAPTER_HINT.to_string()
}

/// The adapters in preference order, filtered by `WGPU_ADAPTER_NAME` when set.
fn ordered_adapters(instance: &wgpu::Instance) -> Vec<wgpu::Adapter> {
    let mut adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()));
    if let Ok(wanted) = std::env::var("WGPU_ADAPTER_NAME") {
        let wanted = wanted.to_lowercase();
        adapters.retain(|a| a.get_info().name.to_lowercase().contains(&wanted));
    }
    adapters.sort_by_key(|a| rank(&a.get_info()));
    adapters
}

/// List the adapters wgpu sees, marking the one the GPU backend would use.
pub(crate) fn list_adapters() -> Vec<Adapter> {
    let instance = instance();
    ordered_adapters(&instance)
        .iter()
        .enumerate()
        .map(|(index, a)| {
            let info = a.get_info();
            Adapter {
                name: info.name.clone(),
                api: format!("{:?}", info.backend),
                device_type: format!("{:?}", info.device_type),
                software: info.device_type == wgpu::DeviceType::Cpu,
                driver: format!("{} {}", info.driver, info.driver_info)
                    .trim()
                    .to_string(),
                shader_f64: a.features().contains(wgpu::Features::SHADER_F64),
                selected: index == 0,
            }
        })
        .collect()
}

/// A device with its queue and the errors it reported, reused across evaluations.
pub struct GpuContext {
    device: wgpu::Device,
    queue: wgpu::Queue,
    info: wgpu::AdapterInfo,
    limits: wgpu::Limits,
    shader_f64: bool,
    /// Whether the double oracle's passes run in f64 (SHADER_F64, unless a
    /// test asked for f32).
    pass_f64: bool,
    errors: Arc<Mutex<Vec<String>>>,
    kernels: std::collections::HashMap<Kernel, (wgpu::BindGroupLayout, wgpu::ComputePipeline)>,
    schedule: Schedule,
}

impl std::fmt::Debug for GpuContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpuContext")
            .field("adapter", &self.info.name)
            .field("shader_f64", &self.shader_f64)
            .finish()
    }
}

impl GpuContext {
    /// Open the preferred adapter (see [`list_adapters`]).
    pub fn new() -> Result<GpuContext> {
        let instance = instance();
        let adapter = ordered_adapters(&instance)
            .into_iter()
            .next()
            .ok_or_else(|| Error::NoAdapter(no_adapter_message(&instance)))?;
        let info = adapter.get_info();
        let shader_f64 = adapter.features().contains(wgpu::Features::SHADER_F64);
        let features = if shader_f64 {
            wgpu::Features::SHADER_F64
        } else {
            wgpu::Features::empty()
        };
        // Ask for what the adapter has: buffer sizes and workgroup counts are
        // then checked against the real limits, not the defaults.
        let limits = adapter.limits();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("unitsum-gpu"),
            required_features: features,
            required_limits: limits.clone(),
            ..Default::default()
        }))
        .map_err(|e| Error::Gpu(format!("cannot open {}: {e}", info.name)))?;
        let errors = Arc::new(Mutex::new(Vec::new()));
        let sink = errors.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            sink.lock().expect("error sink").push(e.to_string());
        }));
        let lost = errors.clone();
        device.set_device_lost_callback(move |reason, message| {
            lost.lock()
                .expect("error sink")
                .push(format!("device lost ({reason:?}): {message}"));
        });
        Ok(GpuContext {
            device,
            queue,
            info,
            limits,
            shader_f64,
            pass_f64: shader_f64,
            errors,
            kernels: Default::default(),
            schedule: Schedule::default(),
        })
    }

    /// `name (backend, device type)` of the adapter in use.
    pub fn adapter_name(&self) -> String {
        format!(
            "{} ({:?}, {:?})",
            self.info.name, self.info.backend, self.info.device_type
        )
    }

    /// Change how work is cut into dispatches (tests use tiny schedules to
    /// exercise many dispatches and submits on small problems).
    pub fn set_schedule(&mut self, schedule: Schedule) {
        self.schedule = schedule;
    }

    /// Whether accumulators are f64 (else f32).
    pub fn shader_f64(&self) -> bool {
        self.shader_f64
    }

    /// Run the double oracle's passes in f32 even with SHADER_F64 (tests of
    /// the f32 kernel and its error bound on an adapter that has f64), or
    /// back in f64 where the adapter has it.
    pub fn set_pass_f64(&mut self, f64: bool) {
        self.pass_f64 = f64 && self.shader_f64;
    }

    /// Fail with the first error the device reported since the last check.
    pub(super) fn check_errors(&self) -> Result<()> {
        let mut errors = self.errors.lock().expect("error sink");
        if errors.is_empty() {
            Ok(())
        } else {
            let all = errors.join("; ");
            errors.clear();
            Err(Error::Gpu(all))
        }
    }

    /// A kernel's layout and pipeline, compiled on first use.
    fn kernel(&mut self, kernel: Kernel) -> Result<(wgpu::BindGroupLayout, wgpu::ComputePipeline)> {
        if let Some(built) = self.kernels.get(&kernel) {
            return Ok(built.clone());
        }
        use wgpu::BufferBindingType as B;
        let storage = |read_only| B::Storage { read_only };
        // Kernels run over many dispatches bind the dispatch parameters at 1
        // and write partials at 4; count_shares reads count vectors at 4.
        let single = matches!(
            kernel,
            Kernel::CountShares | Kernel::PayoffCounts | Kernel::PayoffProfiles
        );
        let layout = if single {
            self.layout(
                kernel.name(),
                &[
                    (0, B::Uniform, false),
                    (2, storage(true), false),
                    (3, storage(true), false),
                    (4, storage(true), false),
                    (5, storage(false), false),
                ],
            )
        } else {
            self.layout(
                kernel.name(),
                &[
                    (0, B::Uniform, false),
                    (1, B::Uniform, true),
                    (2, storage(true), false),
                    (3, storage(true), false),
                    (4, storage(false), false),
                    (5, storage(false), false),
                ],
            )
        };

        let source = kernel.source(if self.shader_f64 { "f64" } else { "f32" });
        let pipeline = self.pipeline(kernel.name(), &source, kernel.name(), &layout)?;
        self.kernels
            .insert(kernel, (layout.clone(), pipeline.clone()));
        Ok((layout, pipeline))
    }

    /// Compile composed WGSL into a compute pipeline inside an error scope.
    fn pipeline(
        &self,
        label: &str,
        source: &str,
        entry: &str,
        layout: &wgpu::BindGroupLayout,
    ) -> Result<wgpu::ComputePipeline> {
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let module = self
            .device
            .create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(label),
                source: wgpu::ShaderSource::Wgsl(source.into()),
            });
        let pipeline_layout = self
            .device
            .create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some(label),
                bind_group_layouts: &[Some(layout)],
                ..Default::default()
            });
        let pipeline = self
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(label),
                layout: Some(&pipeline_layout),
                module: &module,
                entry_point: Some(entry),
                compilation_options: Default::default(),
                cache: None,
            });
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(Error::Gpu(format!("kernel {label} does not compile: {e}")));
        }
        self.check_errors()?;
        Ok(pipeline)
    }

    /// A bind group layout of compute-visible buffers: `(binding, type)`.
    fn layout(
        &self,
        label: &str,
        entries: &[(u32, wgpu::BufferBindingType, bool)],
    ) -> wgpu::BindGroupLayout {
        let entries: Vec<wgpu::BindGroupLayoutEntry> = entries
            .iter()
            .map(|&(binding, ty, dynamic)| wgpu::BindGroupLayoutEntry {
                binding,
                visibility: wgpu::ShaderStages::COMPUTE,
                ty: wgpu::BindingType::Buffer {
                    ty,
                    has_dynamic_offset: dynamic,
                    min_binding_size: None,
                },
                count: None,
            })
            .collect();
        self.device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some(label),
                entries: &entries,
            })
    }

    fn buffer(&self, label: &str, size: u64, usage: wgpu::BufferUsages) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: size.max(16).next_multiple_of(4),
            usage,
            mapped_at_creation: false,
        })
    }

    /// The buffers every kernel binds at 0 (config), 2 (words) and 3 (reals, in f32).
    fn plan_buffers(&self, flat: &crate::plan::FlatPlan) -> Result<(wgpu::Buffer, KernelData)> {
        Ok((
            self.uniform(&flat.config),
            self.upload(&flat.words, &flat.reals)?,
        ))
    }

    /// A uniform buffer holding a kernel's config struct (binding 0).
    fn uniform<C: bytemuck::Pod>(&self, config: &C) -> wgpu::Buffer {
        self.buffer_with(
            "config",
            std::slice::from_ref(config),
            wgpu::BufferUsages::UNIFORM,
        )
    }

    /// Upload a kernel's integer and real data (the reals as f32).
    fn upload(&self, words: &[u32], reals: &[f64]) -> Result<KernelData> {
        let reals: Vec<f32> = reals.iter().map(|&r| r as f32).collect();
        let storage = wgpu::BufferUsages::STORAGE;
        let bytes = 4 * words.len().max(reals.len()) as u64;
        let limit = self.limits.max_storage_buffer_binding_size;
        if bytes > limit {
            return Err(Error::too_large(format!(
                "the game's tables need {bytes} bytes, beyond this adapter's storage binding limit of {limit}"
            ), Remedy::CpuBackend));
        }
        Ok(KernelData {
            words: self.buffer_with("words", words, storage),
            reals: self.buffer_with("reals", &reals, storage),
        })
    }

    /// Upload a kernel's integer data and its reals in the kernel's
    /// `real_t`: f64 when `f64`, else f32 (best_response.wgsl).
    fn upload_reals(&self, words: &[u32], reals: &[f64], f64: bool) -> Result<KernelData> {
        if !f64 {
            return self.upload(words, reals);
        }
        let storage = wgpu::BufferUsages::STORAGE;
        let bytes = (4 * words.len() as u64).max(8 * reals.len() as u64);
        let limit = self.limits.max_storage_buffer_binding_size;
        if bytes > limit {
            return Err(Error::too_large(format!(
                "the game's tables need {bytes} bytes, beyond this adapter's storage binding limit of {limit}"
            ), Remedy::CpuBackend));
        }
        Ok(KernelData {
            words: self.buffer_with("words", words, storage),
            reals: self.buffer_with("reals", reals, storage),
        })
    }

    /// A buffer holding `data` (padded so that it is never empty).
    fn buffer_with<T: bytemuck::Pod>(
        &self,
        label: &str,
        data: &[T],
        usage: wgpu::BufferUsages,
    ) -> wgpu::Buffer {
        let bytes: &[u8] = bytemuck::cast_slice(data);
        let buffer = self.buffer(
            label,
            bytes.len() as u64,
            usage | wgpu::BufferUsages::COPY_DST,
        );
        if !bytes.is_empty() {
            let mut padded = bytes.to_vec();
            padded.resize(bytes.len().next_multiple_of(4), 0);
            self.queue.write_buffer(&buffer, 0, &padded);
        }
        buffer
    }

    /// Copy each `(buffer, bytes)` to a mappable buffer, submit, wait, and return the bytes.
    fn read_back(
        &self,
        mut encoder: wgpu::CommandEncoder,
        sources: &[(&wgpu::Buffer, u64)],
    ) -> Result<Vec<Vec<u8>>> {
        let total: u64 = sources
            .iter()
            .map(|(_, size)| size.next_multiple_of(8))
            .sum();
        let staging = self.buffer(
            "readback",
            total,
            wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        );
        let mut at = 0;
        for (source, size) in sources {
            encoder.copy_buffer_to_buffer(source, 0, &staging, at, size.next_multiple_of(4));
            at += size.next_multiple_of(8);
        }
        self.queue.submit([encoder.finish()]);
        let (sender, receiver) = std::sync::mpsc::channel();
        staging.map_async(wgpu::MapMode::Read, .., move |r| {
            let _ = sender.send(r);
        });
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| Error::Gpu(format!("waiting for the GPU failed: {e}")))?;
        self.check_errors()?;
        receiver
            .recv()
            .map_err(|_| Error::Gpu("readback was never mapped".into()))?
            .map_err(|e| Error::Gpu(format!("readback failed: {e}")))?;
        let view = staging
            .get_mapped_range(..)
            .map_err(|e| Error::Gpu(format!("readback failed: {e}")))?;
        let mut out = Vec::with_capacity(sources.len());
        let mut at = 0usize;
        for (_, size) in sources {
            out.push(view[at..at + *size as usize].to_vec());
            at += size.next_multiple_of(8) as usize;
        }
        drop(view);
        staging.unmap();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::{compose, shaders::*};
    use naga::TypeInner;

    /// `(member, byte offset)` of the WGSL struct `name` in `source`, and its size.
    fn wgsl_layout(source: &str, name: &str) -> (Vec<(String, u32)>, u32) {
        let module = naga::front::wgsl::parse_str(source).expect("the kernels parse");
        let (_, ty) = module
            .types
            .iter()
            .find(|(_, t)| t.name.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("no struct {name}"));
        let TypeInner::Struct { members, span } = &ty.inner else {
            panic!("{name} is not a struct")
        };
        let members = members
            .iter()
            .map(|m| (m.name.clone().unwrap_or_default(), m.offset))
            .filter(|(n, _)| !n.starts_with("pad"))
            .collect();
        (members, *span)
    }

    macro_rules! rust_layout {
        ($t:ty; $($field:ident),* $(,)?) => {
            (
                vec![$((stringify!($field).to_string(), std::mem::offset_of!($t, $field) as u32)),*],
                std::mem::size_of::<$t>() as u32,
            )
        };
    }

    /// The structs the host writes and the kernels read agree field by field
    /// (names, offsets, sizes), so that a field added on one side only fails here.
    #[test]
    fn wgsl_structs_have_the_rust_layout() {
        let with_alias = |pieces: &[&str]| format!("alias acc_t = f32;\n{}", compose(pieces));
        let enumerate = with_alias(&[FAMILIES, PROFILE, DIGITS, DISPATCH, ENUMERATE]);
        let counts = with_alias(&[COUNTS_LAYOUT, DISPATCH, COUNT_PAIRS]);
        use crate::plan::Config;
        let config = rust_layout!(Config; players, actions, states, coalitions, parts, family,
            slots, anon_rows, part_info, base_counts, base_coalition_counts, player_coalition,
            player_stride, binom, table_profiles, base_table_index, family_params, roles);
        assert_eq!(wgsl_layout(&enumerate, "Config"), config);
        use crate::counts::direct::CountsConfig;
        let counts_config = rust_layout!(CountsConfig; actions, states, table_len, rows, p_entries,
            q_entries, chunk, chunks, p_totals, p_sums, q_sums, rank_tables, p_prob, q_prob, shares,
            blocks);
        assert_eq!(wgsl_layout(&counts, "CountsConfig"), counts_config);
        use super::run::DispatchParams;
        let dispatch = rust_layout!(DispatchParams; digits, first_lo, first_hi, count,
            per_thread, counter, partial_base, seed_lo, seed_hi);
        assert_eq!(wgsl_layout(&enumerate, "Dispatch"), dispatch);
        use crate::cpu::best_response::PassParams;
        let pass = rust_layout!(PassParams; total, len, first, count, per_thread, entries,
            walks_coalition, simplex_binom, mix_counts, mix_states, mix_weights, mix_tail, floor,
            partial_base);
        for real in ["f32", "f64"] {
            let source = super::compose_real(real, &[FAMILIES, SIMPLEX, BEST_RESPONSE]);
            assert_eq!(wgsl_layout(&source, "PassParams"), pass, "{real}");
        }
    }

    /// `source` parsed and validated by naga as wgpu does before a driver
    /// sees it (f64 allowed), or naga's message.
    fn validate(source: &str) -> Result<(), String> {
        use naga::valid::{Capabilities, ValidationFlags, Validator};
        let module = naga::front::wgsl::parse_str(source).map_err(|e| e.emit_to_string(source))?;
        Validator::new(ValidationFlags::all(), Capabilities::FLOAT64)
            .validate(&module)
            .map(drop)
            .map_err(|e| e.emit_to_string(source))
    }

    /// The kernels that compose the simplex walk validate, the streamed
    /// pass's (f64) and the best-response pass's (both reals); the streamed
    /// pass without the walk's piece does not.
    #[test]
    fn the_simplex_kernels_validate() {
        use super::Kernel;
        for kernel in [
            Kernel::StreamCounts,
            Kernel::BestResponse(true),
            Kernel::BestResponse(false),
        ] {
            if let Err(e) = validate(&kernel.source("f64")) {
                panic!("{kernel:?}: {e}");
            }
        }
        let without = format!(
            "alias acc_t = f64;\n{}",
            super::compose_real("f64", &[FAMILIES, DISPATCH, STREAM_COUNTS])
        );
        assert!(validate(&without).is_err());
    }

    /// The comparison can fail: a struct with one field moved does not match.
    #[test]
    fn a_moved_field_fails_the_layout_check() {
        let moved = FAMILIES.replacen(
            "    players: u32,\n    actions: u32,",
            "    actions: u32,\n    players: u32,",
            1,
        );
        assert_ne!(moved, FAMILIES, "the edit applies");
        let source = format!("alias acc_t = f32;\n{}", compose(&[&moved, PROFILE]));
        let (members, _) = wgsl_layout(&source, "Config");
        assert_eq!(members[0].0, "actions");
        assert_ne!(
            members[0].1,
            std::mem::offset_of!(crate::plan::Config, actions) as u32
        );
    }
}
