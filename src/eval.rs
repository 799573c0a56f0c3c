//! The evaluation entry point: one function that dispatches on backend and
//! method, and the result type every front end (CLI, sweeps, embedders) reads.

use std::time::Instant;

use crate::error::{Error, Result};
use crate::gpu::GpuContext;
use crate::plan::{FlatPlan, Plan};
use crate::problem::Problem;

/// Where to evaluate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// The GPU when an adapter exists, else the CPU (with a note).
    #[default]
    Auto,
    /// The f64 reference on all CPU cores.
    Cpu,
    /// The WGSL kernels through wgpu.
    Gpu,
}

/// How to evaluate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Method {
    /// Enumerate the product of the policies' supports.
    #[default]
    Exact,
}

/// What to evaluate with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Backend.
    pub backend: Backend,
    /// Method.
    pub method: Method,
}

/// The expected coalition shares `r_j(x)` and how they were obtained.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Evaluation {
    /// `shares[j][x] = r_j(x)`.
    pub shares: Vec<Vec<f64>>,
    /// `"cpu"` or `"gpu"`.
    pub backend: &'static str,
    /// The adapter (GPU) or the thread count (CPU) that produced the result.
    pub adapter: String,
    /// `"exact"`.
    pub method: &'static str,
    /// Profiles enumerated (the product of the policies' supports).
    pub profiles: u64,
    /// Wall-clock seconds of the evaluation (plan, transfer and compute).
    pub seconds: f64,
    /// `max_x |Σ_j r_j(x) - 1|`: the unit-sum identity's residual.
    pub unit_sum_error: f64,
    /// A remark for the user (e.g. why `auto` fell back to the CPU).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Evaluation {
    /// `min_x r_j(x)`: what coalition j gets whatever the state.
    pub fn min_over_states(&self, j: usize) -> f64 {
        self.shares[j].iter().copied().fold(f64::INFINITY, f64::min)
    }

    /// `max_{j,x} |self - other|`.
    pub fn max_abs_difference(&self, other: &Evaluation) -> f64 {
        self.shares
            .iter()
            .flatten()
            .zip(other.shares.iter().flatten())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max)
    }
}

/// Evaluates problems, keeping the GPU device and pipelines between calls
/// (sweeps run thousands of small evaluations).
///
/// ```
/// use unitsum_gpu::{Backend, Evaluator, Options};
/// let problem = unitsum_gpu::parse_spec(r#"{ "players": 3, "actions": 2,
///   "game": { "family": "plurality" },
///   "coalitions": [ { "members": [0, 1], "policy": { "kind": "common" } },
///                   { "members": [2], "policy": { "kind": "uniform" } } ] }"#)?;
/// let mut evaluator = Evaluator::new();
/// let result = evaluator.evaluate(&problem, &Options { backend: Backend::Cpu, ..Default::default() })?;
/// // The pair always holds the plurality; the outsider matches it half the time
/// // and then gets 1/3: r_1 = 1/6.
/// assert!((result.shares[1][0] - 1.0 / 6.0).abs() < 1e-12);
/// # Ok::<(), unitsum_gpu::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct Evaluator {
    gpu: Option<GpuContext>,
}

impl Evaluator {
    /// An evaluator; the GPU is opened on first use.
    pub fn new() -> Self {
        Evaluator::default()
    }

    /// The GPU context, opened on first call.
    pub fn gpu(&mut self) -> Result<&mut GpuContext> {
        if self.gpu.is_none() {
            self.gpu = Some(GpuContext::new()?);
        }
        Ok(self.gpu.as_mut().expect("just opened"))
    }

    /// Evaluate `r_j(x)` for every coalition and state.
    pub fn evaluate(&mut self, problem: &Problem, options: &Options) -> Result<Evaluation> {
        let started = Instant::now();
        let Method::Exact = options.method;
        let plan = Plan::new(problem)?;
        let flat = FlatPlan::new(problem, &plan)?;
        let (sums, backend, adapter, note) = match options.backend {
            Backend::Cpu => (crate::cpu::exact(&flat), "cpu", cpu_name(), None),
            Backend::Gpu => {
                let gpu = self.gpu()?;
                let run = gpu.enumerate(&flat)?;
                (run.sums, "gpu", gpu.adapter_name(), None)
            }
            Backend::Auto => match self.gpu().and_then(|gpu| {
                GpuContext::check_limits(&flat)?;
                Ok(gpu)
            }) {
                Ok(gpu) => {
                    let run = gpu.enumerate(&flat)?;
                    (run.sums, "gpu", gpu.adapter_name(), None)
                }
                Err(e @ (Error::NoAdapter(_) | Error::TooLarge(_) | Error::Gpu(_))) => (
                    crate::cpu::exact(&flat),
                    "cpu",
                    cpu_name(),
                    Some(format!("using the CPU backend: {e}")),
                ),
                Err(e) => return Err(e),
            },
        };
        let states = problem.states();
        let shares: Vec<Vec<f64>> = (0..problem.coalitions().len())
            .map(|j| sums[j * states..(j + 1) * states].to_vec())
            .collect();
        let unit_sum_error = (0..states)
            .map(|x| (shares.iter().map(|r| r[x]).sum::<f64>() - 1.0).abs())
            .fold(0.0, f64::max);
        Ok(Evaluation {
            shares,
            backend,
            adapter,
            method: "exact",
            profiles: flat.profiles,
            seconds: started.elapsed().as_secs_f64(),
            unit_sum_error,
            note,
        })
    }
}

fn cpu_name() -> String {
    format!("cpu ({} threads, f64)", rayon::current_num_threads())
}

/// Evaluate with a fresh [`Evaluator`] (opens the GPU each call; keep an
/// `Evaluator` to evaluate many problems).
pub fn evaluate(problem: &Problem, options: &Options) -> Result<Evaluation> {
    Evaluator::new().evaluate(problem, options)
}
