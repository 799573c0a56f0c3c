//! The evaluation entry point: one function that dispatches on backend and
//! method, and the result type every front end (CLI, sweeps, embedders) reads.

use std::time::Instant;

use crate::error::{Error, Result};
use crate::gpu::GpuContext;
use crate::plan::{FlatPlan, Plan};
use crate::problem::Problem;
use crate::symmetric::CountsPlan;

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
    /// Exact when the product of the policies' supports is at most
    /// [`AUTO_EXACT_MAX_PROFILES`], else sample.
    #[default]
    Auto,
    /// Enumerate the product of the policies' supports.
    Exact,
    /// Monte Carlo with [`Options::samples`] samples keyed by [`Options::seed`].
    Sample,
    /// Exact, over count vectors (symmetric families only): polynomial in n.
    Counts,
}

/// `Method::Auto` uses the counts method up to this many pairs of count
/// vectors (a few seconds on two CPU cores); exact methods beyond it are
/// left for an explicit `--method`.
pub const AUTO_COUNTS_MAX_PAIRS: u64 = 10_000_000_000;

/// The method an evaluation runs, with what it precomputed.
enum Chosen {
    Exact,
    Sample,
    Counts(CountsPlan),
}

impl Chosen {
    fn name(&self) -> &'static str {
        match self {
            Chosen::Exact => "exact",
            Chosen::Sample => "sample",
            Chosen::Counts(_) => "counts",
        }
    }
}

/// `Method::Auto` enumerates up to this many profiles (about a second on
/// two CPU cores) and samples beyond.
pub const AUTO_EXACT_MAX_PROFILES: u64 = 100_000_000;

/// Samples when none are given.
pub const DEFAULT_SAMPLES: u64 = 1_000_000;

/// What to evaluate with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Backend.
    pub backend: Backend,
    /// Method.
    pub method: Method,
    /// Samples (sampling only).
    pub samples: u64,
    /// Seed of the random stream (sampling only): the same seed draws the
    /// same profiles on both backends.
    pub seed: u64,
    /// `Method::Auto` uses the counts method up to this many pairs of count
    /// vectors ([`AUTO_COUNTS_MAX_PAIRS`] by default; sweeps use less).
    pub auto_max_pairs: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            backend: Backend::Auto,
            method: Method::Auto,
            samples: DEFAULT_SAMPLES,
            seed: 0,
            auto_max_pairs: AUTO_COUNTS_MAX_PAIRS,
        }
    }
}

/// A progress callback: (items done, items in all); called from worker threads.
pub type ProgressFn = std::sync::Arc<dyn Fn(u64, u64) + Send + Sync>;

/// The expected coalition shares `r_j(x)` and how they were obtained.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Evaluation {
    /// `shares[j][x] = r_j(x)`.
    pub shares: Vec<Vec<f64>>,
    /// `"cpu"` or `"gpu"`.
    pub backend: &'static str,
    /// The adapter (GPU) or the thread count (CPU) that produced the result.
    pub adapter: String,
    /// `"exact"`, `"counts"` or `"sample"`.
    pub method: &'static str,
    /// Profiles in the product of the policies' supports (`None` beyond 2^63).
    pub profiles: Option<u64>,
    /// Counts method: pairs of count vectors summed (Σ_j |P_j| · |Q_j|).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count_pairs: Option<u64>,
    /// Sampling: samples drawn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub samples: Option<u64>,
    /// Sampling: the seed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Sampling: the standard error of each estimate, `stderr[j][x]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stderr: Option<Vec<Vec<f64>>>,
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

    /// The 95% interval `estimate ± 1.96 stderr` of `r_j(x)` (a point for exact results).
    pub fn interval95(&self, j: usize, x: usize) -> (f64, f64) {
        let r = self.shares[j][x];
        let half = self.stderr.as_ref().map_or(0.0, |se| 1.96 * se[j][x]);
        (r - half, r + half)
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
#[derive(Default)]
pub struct Evaluator {
    gpu: Option<GpuContext>,
    progress: Option<ProgressFn>,
}

impl std::fmt::Debug for Evaluator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evaluator").field("gpu", &self.gpu).finish()
    }
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

    /// Report progress of long evaluations to `progress` (items done, in all).
    pub fn set_progress(&mut self, progress: Option<ProgressFn>) {
        self.progress = progress;
    }

    /// The method to run: the requested one, or for `auto` the cheapest exact
    /// method within its limits (work ≈ profiles × coalitions for enumeration,
    /// pairs for counts), else sampling; `notes` says what auto picked.
    fn choose(
        &self,
        problem: &Problem,
        plan: &Plan,
        flat: &FlatPlan,
        options: &Options,
        notes: &mut Vec<String>,
    ) -> Result<Chosen> {
        match options.method {
            Method::Exact => Ok(Chosen::Exact),
            Method::Sample => Ok(Chosen::Sample),
            Method::Counts => Ok(Chosen::Counts(CountsPlan::new(problem, plan)?)),
            Method::Auto => {
                let m = problem.coalitions().len() as u64;
                let enumeration = flat
                    .profiles
                    .filter(|&p| p <= AUTO_EXACT_MAX_PROFILES)
                    .map(|p| p.saturating_mul(m));
                // The counts method's distributions are cheap next to its pair sum.
                let counts =
                    if problem.game().is_symmetric() && enumeration.is_none_or(|e| e > 1000) {
                        CountsPlan::new(problem, plan)
                            .ok()
                            .filter(|c| c.pairs() <= options.auto_max_pairs)
                    } else {
                        None
                    };
                Ok(match (enumeration, counts) {
                    (Some(e), Some(c)) if e <= c.pairs() => Chosen::Exact,
                    (_, Some(c)) => {
                        notes.push(format!(
                            "method auto: counts ({} pairs of count vectors{})",
                            c.pairs(),
                            match flat.profiles {
                                Some(p) => format!(" instead of {p} profiles"),
                                None => String::new(),
                            }
                        ));
                        Chosen::Counts(c)
                    }
                    (Some(_), None) => Chosen::Exact,
                    (None, None) => {
                        notes.push(format!(
                            "method auto: sampling, exact enumeration would need 10^{:.1} profiles (> 10^8){}",
                            flat.log10_profiles,
                            if problem.game().is_symmetric() {
                                " and the counts method more pairs than its limit"

                            } else {
                                ""
                            }
                        ));
                        Chosen::Sample
                    }
                })
            }
        }
    }

    /// Evaluate `r_j(x)` for every coalition and state.
    pub fn evaluate(&mut self, problem: &Problem, options: &Options) -> Result<Evaluation> {
        let started = Instant::now();
        let plan = Plan::new(problem);
        let flat = FlatPlan::new(problem, &plan)?;
        let mut notes = Vec::new();
        let chosen = self.choose(problem, &plan, &flat, options, &mut notes)?;
        let sample = matches!(chosen, Chosen::Sample);
        if sample && options.samples < 2 {
            return Err(Error::spec(
                "--samples",
                "needs at least 2 samples for an error bar",
            ));
        }
        let slots = flat.config.slots;
        let accumulators = if sample { 2 * slots } else { slots };
        let use_gpu = match options.backend {
            Backend::Cpu => false,
            Backend::Gpu => true,
            Backend::Auto => match self
                .gpu()
                .and_then(|_| GpuContext::check_limits(&flat, accumulators))
            {
                Ok(()) => true,
                Err(e @ (Error::NoAdapter(_) | Error::TooLarge(_) | Error::Gpu(_))) => {
                    notes.push(format!("using the CPU backend: {e}"));
                    false
                }
                Err(e) => return Err(e),
            },
        };
        let progress = self.progress.clone();
        let progress = progress.as_deref();
        let (sums, backend, adapter) = if use_gpu {
            let gpu = self.gpu()?;
            let sums = match &chosen {
                Chosen::Sample => gpu.sample(&flat, options.samples, options.seed, progress)?,
                Chosen::Exact => gpu.enumerate(&flat, progress)?,
                Chosen::Counts(counts) => gpu.counts(&flat, counts, progress)?,
            };
            (sums, "gpu", gpu.adapter_name())
        } else {
            let sums = match &chosen {
                Chosen::Sample => {
                    crate::cpu::sample(&flat, options.samples, options.seed, progress)
                }
                Chosen::Exact => crate::cpu::exact(&flat, progress)?,
                Chosen::Counts(counts) => crate::cpu::counts(&flat, counts, progress)?,
            };
            (sums, "cpu", cpu_name())
        };
        let states = problem.states();
        let per_coalition = |values: &[f64], f: &dyn Fn(f64, usize) -> f64| -> Vec<Vec<f64>> {
            (0..problem.coalitions().len())
                .map(|j| {
                    (0..states)
                        .map(|x| f(values[j * states + x], j * states + x))
                        .collect()
                })
                .collect()
        };
        let (shares, stderr) = if sample {
            let n = options.samples as f64;
            let shares = per_coalition(&sums, &|sum, _| sum / n);
            let stderr = per_coalition(&sums, &|sum, slot| {
                // Var = (Σy² − (Σy)²/N)/(N−1); rounding can make it a hair negative.
                let squares = sums[slots as usize + slot];
                ((squares - sum * sum / n) / (n - 1.0)).max(0.0).sqrt() / n.sqrt()
            });
            (shares, Some(stderr))
        } else {
            (per_coalition(&sums, &|sum, _| sum), None)
        };
        let unit_sum_error = (0..states)
            .map(|x| (shares.iter().map(|r| r[x]).sum::<f64>() - 1.0).abs())
            .fold(0.0, f64::max);
        Ok(Evaluation {
            shares,
            backend,
            adapter,
            method: chosen.name(),
            count_pairs: match &chosen {
                Chosen::Counts(counts) => Some(counts.pairs()),
                _ => None,
            },
            profiles: flat.profiles,
            samples: sample.then_some(options.samples),
            seed: sample.then_some(options.seed),
            stderr,
            seconds: started.elapsed().as_secs_f64(),
            unit_sum_error,
            note: (!notes.is_empty()).then(|| notes.join("; ")),
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
