//! The one seam between the model and the backends: every evaluation, the
//! guarantee's payoff matrices included, picks its backend and method here.

use std::time::Instant;

mod kernels;

pub(crate) use kernels::Kernels;

use crate::counts::direct::CountsPlan;
use crate::counts::route::{pair_cost, CountsAlgorithm, Route};
use crate::error::{Error, Result};
use crate::gpu::GpuContext;
use crate::memory::DEFAULT_MEMORY_LIMIT;
use crate::model::game::GPU_RANGE;
use crate::model::problem::Problem;
use crate::plan::{FlatPlan, Plan};
use crate::watch::{human_duration, Cancel, NoticeFn, ProgressFn, Watch, NOTICE_AFTER_SECONDS};

/// Where to evaluate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Backend {
    /// A hardware GPU (discrete, integrated or virtual) when one exists, else
    /// the CPU. A software adapter (lavapipe) is skipped, with a note: it is
    /// slower than the CPU backend and computes in f32. Falls back to the CPU,
    /// with a note, whenever the GPU refuses a job as too large.
    #[default]
    Auto,
    /// The f64 reference on all CPU cores.
    Cpu,
    /// The WGSL kernels through wgpu, on the preferred adapter (software ones too).
    Gpu,
    /// The CPU and the GPU, compared: the result is the CPU's, with the GPU's
    /// in [`Evaluation::cross_check`].
    Both,
}

/// How to evaluate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Method {
    /// The cheapest exact method within its limits ([`AUTO_EXACT_MAX_PROFILES`]
    /// profiles, [`Options::auto_max_pairs`] count pairs), else sample.
    #[default]
    Auto,
    /// Enumerate the product of the policies' supports.
    Exact,
    /// Monte Carlo with [`Options::samples`] samples keyed by [`Options::seed`].
    Sample,
    /// Exact, over count vectors (symmetric families only): polynomial in n.
    Counts,
}

/// The backend that produced an [`Evaluation`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum BackendUsed {
    /// The f64 reference.
    Cpu,
    /// The WGSL kernels.
    Gpu,
}

/// The method that produced an [`Evaluation`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum MethodUsed {
    /// Enumeration of the product of the policies' supports.
    Exact,
    /// The count-vector method.
    Counts,
    /// Monte Carlo.
    Sample,
}

impl std::fmt::Display for BackendUsed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BackendUsed::Cpu => "cpu",
            BackendUsed::Gpu => "gpu",
        })
    }
}

impl std::fmt::Display for MethodUsed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MethodUsed::Exact => "exact",
            MethodUsed::Counts => "counts",
            MethodUsed::Sample => "sample",
        })
    }
}

/// `Method::Auto` uses the counts method up to this many pairs of count
/// vectors (a few seconds on two CPU cores); exact methods beyond it are
/// left for an explicit method.
pub const AUTO_COUNTS_MAX_PAIRS: u64 = 10_000_000_000;

/// `Method::Auto` enumerates up to this many profiles (about a second on
/// two CPU cores) and samples beyond.
pub const AUTO_EXACT_MAX_PROFILES: u64 = 100_000_000;

/// Samples when none are given.
pub const DEFAULT_SAMPLES: u64 = 1_000_000;

/// Largest `max |GPU − CPU|` that [`Backend::Both`] accepts by default (the
/// GPU's shares are f32).
pub const DEFAULT_TOLERANCE: f64 = 1e-5;

/// The method an evaluation runs, with what it precomputed.
pub(crate) enum Chosen {
    Exact,
    Sample,
    /// The route and its estimated cost in floating-point operations.
    Counts(Route, f64),
}

impl Chosen {
    fn used(&self) -> MethodUsed {
        match self {
            Chosen::Exact => MethodUsed::Exact,
            Chosen::Sample => MethodUsed::Sample,
            Chosen::Counts(..) => MethodUsed::Counts,
        }
    }
}

/// What to evaluate with.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
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
    /// With [`Backend::Both`]: the largest `max |GPU − CPU|` that agrees.
    pub tolerance: f64,
    /// How the counts method sums (the GPU sums pairs directly, or runs the
    /// streamed pass's kernel where [`CountsAlgorithm::Stream`] is the route).
    pub counts: CountsAlgorithm,
    /// Bytes a job may take ([`DEFAULT_MEMORY_LIMIT`] by default): larger
    /// jobs are refused before they start (so are jobs beyond the memory
    /// the machine has available).
    pub memory_limit: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            backend: Backend::Auto,
            method: Method::Auto,
            samples: DEFAULT_SAMPLES,
            seed: 0,
            auto_max_pairs: AUTO_COUNTS_MAX_PAIRS,
            tolerance: DEFAULT_TOLERANCE,
            counts: CountsAlgorithm::Auto,
            memory_limit: DEFAULT_MEMORY_LIMIT,
        }
    }
}

/// The GPU's result beside the CPU's, from [`Backend::Both`].
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CrossCheck {
    /// The GPU's evaluation.
    pub gpu: Box<Evaluation>,
    /// `max_{j,x} |GPU − CPU|` (infinite when either side is not finite).
    pub max_abs_difference: f64,
    /// The tolerance it was held to.
    pub tolerance: f64,
    /// Whether `max_abs_difference ≤ tolerance`.
    pub agree: bool,
}

/// The expected coalition shares `r_j(x)` and how they were obtained.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Evaluation {
    /// `shares[j][x] = r_j(x)`.
    pub shares: Vec<Vec<f64>>,
    /// The backend that computed `shares`.
    pub backend: BackendUsed,
    /// The adapter (GPU) or the thread count (CPU) that produced the result.
    pub adapter: String,
    /// The method that computed `shares`.
    pub method: MethodUsed,
    /// Profiles in the product of the policies' supports (`None` beyond 2^63).
    pub profiles: Option<u64>,
    /// Counts method: pairs of count vectors summed (Σ_j |P_j| · |Q_j|), or
    /// that the direct sum would sum when the FFT ran instead (an upper bound).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count_pairs: Option<u64>,
    /// Counts method: the algorithm that summed (the GPU's is always `direct`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counts_algorithm: Option<CountsAlgorithm>,
    /// Counts method by FFT: an a-posteriori bound on `|r_j(x) − exact|` from
    /// the transform's rounding, for the same share tables.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rounding_bound: Option<f64>,
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
    /// Counts method on the CPU: the cost model's estimate of `seconds`,
    /// made before the job started (what a long job's notice says).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_seconds: Option<f64>,
    /// `max_x |Σ_j r_j(x) - 1|`: the unit-sum identity's residual.
    pub unit_sum_error: f64,
    /// Shares that came out a rounding-level hair outside [0, 1] (within the
    /// backend's result tolerance) and were clamped into it.
    #[serde(skip_serializing_if = "is_zero")]
    pub clamped: usize,
    /// Remarks for the user: what `auto` chose and why, fallbacks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// With [`Backend::Both`]: the GPU's result and how it compares.
    #[serde(skip)]
    pub cross_check: Option<CrossCheck>,
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

    /// `max_{j,x} |self - other|`, infinite when any share of either is not
    /// finite (a NaN must never compare as agreement).
    pub fn max_abs_difference(&self, other: &Evaluation) -> f64 {
        max_abs_difference(self.shares.iter().flatten(), other.shares.iter().flatten())
    }

    /// Whether the backends agree (true without a cross-check).
    pub fn agrees(&self) -> bool {
        self.cross_check.as_ref().is_none_or(|c| c.agree)
    }
}

/// What [`Backend::Auto`] found, decided once per evaluator.
#[derive(Clone, Debug)]
enum AutoGpu {
    /// A hardware adapter, opened.
    Hardware,
    /// No GPU to use: the note says why.
    Cpu(String),
}

/// The backend one run goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    Cpu,
    Gpu,
}

/// Evaluates problems, keeping the GPU device and pipelines between calls
/// (sweeps run thousands of small evaluations). Every analysis of the crate
/// is a method here: [`Evaluator::evaluate`], [`Evaluator::check`],
/// [`Evaluator::security_value`], [`Evaluator::best_response`],
/// [`Evaluator::power_curve`], [`Evaluator::sweep_point`] and
/// [`Evaluator::adapters`].
///
/// ```
/// use unitsum_gpu::{Backend, Evaluator, Options, Problem};
/// let problem = Problem::from_json(r#"{ "players": 3, "actions": 2,
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
    auto: Option<AutoGpu>,
    progress: Option<ProgressFn>,
    notice: Option<NoticeFn>,
    cancel: Option<Cancel>,
    /// The CPU's kernels (the twins: no state).
    cpu: crate::cpu::CpuCounts,
    /// The leave-one-out route's last share tables.
    shares: crate::counts::leave_one_out::ShareCache,
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

    /// Report progress of long evaluations to `progress` (items done, in all).
    pub fn set_progress(&mut self, progress: Option<ProgressFn>) {
        self.progress = progress;
    }

    /// Tell `notice` before a job that is estimated to take long starts
    /// (over [`NOTICE_AFTER_SECONDS`]): what runs and roughly how long, from
    /// the cost model, so that no long job starts silently.
    pub fn set_notice(&mut self, notice: Option<NoticeFn>) {
        self.notice = notice;
    }

    /// Pass `text` to the notice callback when the job it describes is
    /// estimated to take more than [`NOTICE_AFTER_SECONDS`].
    pub(crate) fn notify(&self, seconds: f64, text: impl FnOnce() -> String) {
        if let Some(notice) = &self.notice {
            if seconds > NOTICE_AFTER_SECONDS {
                notice(&text());
            }
        }
    }

    /// Stop evaluations when `cancel` is cancelled (they return [`Error::Cancelled`]).
    pub fn set_cancel(&mut self, cancel: Option<Cancel>) {
        self.cancel = cancel;
    }

    /// The adapters wgpu sees, in preference order; the first is the one
    /// [`Backend::Gpu`] uses.
    pub fn adapters(&self) -> Vec<crate::gpu::Adapter> {
        crate::gpu::list_adapters()
    }

    /// The GPU context, opened on first call.
    /// The kernels of `side`, for analyses (the GPU opened on first use).
    pub(crate) fn kernels(&mut self, side: Side) -> Result<&mut dyn Kernels> {
        Ok(match side {
            Side::Cpu => &mut self.cpu,
            Side::Gpu => self.gpu()?,
        })
    }

    pub(crate) fn gpu(&mut self) -> Result<&mut GpuContext> {
        if self.gpu.is_none() {
            self.gpu = Some(GpuContext::new()?);
        }
        Ok(self.gpu.as_mut().expect("just opened"))
    }

    pub(crate) fn watch(&self) -> (Option<ProgressFn>, Option<Cancel>) {
        (self.progress.clone(), self.cancel.clone())
    }

    /// Whether [`Backend::Auto`] has a hardware GPU; else the note that says why not.
    fn auto_gpu(&mut self) -> std::result::Result<(), String> {
        if self.auto.is_none() {
            let decision = match crate::gpu::list_adapters().first() {
                None => AutoGpu::Cpu("backend auto: no GPU adapter, using the CPU".into()),
                Some(a) if a.software => AutoGpu::Cpu(format!(
                    "backend auto: skipped the software adapter {} (slower than the CPU \
                     backend, f32 shares), using the CPU; ask for the GPU backend to use it",
                    a.name
                )),
                Some(_) => match self.gpu() {
                    Ok(_) => AutoGpu::Hardware,
                    Err(e) => AutoGpu::Cpu(format!("backend auto: using the CPU: {e}")),
                },
            };
            self.auto = Some(decision);
        }
        match self.auto.as_ref().expect("decided") {
            AutoGpu::Hardware => Ok(()),
            AutoGpu::Cpu(note) => Err(note.clone()),
        }
    }

    /// Run `work` on the backend `backend` asks for: `Both` runs both and
    /// returns the CPU's with the GPU's beside it; `Auto` runs on a hardware
    /// GPU when there is one and falls back to the CPU, with a note, when the
    /// GPU refuses the job as too large. `work` returns its result.
    pub(crate) fn on_backend<T>(
        &mut self,
        backend: Backend,
        notes: &mut Vec<String>,
        mut work: impl FnMut(&mut Evaluator, Side) -> Result<T>,
    ) -> Result<(T, Option<T>)> {
        match backend {
            Backend::Cpu => Ok((work(self, Side::Cpu)?, None)),
            Backend::Gpu => Ok((work(self, Side::Gpu)?, None)),
            Backend::Both => {
                let cpu = work(self, Side::Cpu)?;
                let gpu = work(self, Side::Gpu)?;
                Ok((cpu, Some(gpu)))
            }
            Backend::Auto => match self.auto_gpu() {
                Err(note) => {
                    notes.push(note);
                    Ok((work(self, Side::Cpu)?, None))
                }
                Ok(()) => match work(self, Side::Gpu) {
                    Err(e @ Error::TooLarge { .. }) => {
                        notes.push(format!("backend auto: using the CPU: {e}"));
                        Ok((work(self, Side::Cpu)?, None))
                    }
                    other => Ok((other?, None)),
                },
            },
        }
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
            Method::Exact => match flat.exact_profiles() {
                Ok(_) => Ok(Chosen::Exact),
                // Name the route that answers: exact over count vectors
                // where the game is symmetric and it fits, else sampling.
                Err(Error::TooLarge { message, .. })
                    if Route::new(problem, plan, options.counts, options.memory_limit).is_ok() =>
                {
                    Err(Error::too_large(message, crate::error::Remedy::Counts))
                }
                Err(e) => Err(e),
            },
            Method::Sample => Ok(Chosen::Sample),
            Method::Counts => {
                let (route, cost) =
                    Route::new(problem, plan, options.counts, options.memory_limit)?;
                Ok(Chosen::Counts(route, cost))
            }
            Method::Auto => {
                let m = problem.coalitions().len() as u64;
                let enumeration = flat
                    .profiles
                    .filter(|&p| p <= AUTO_EXACT_MAX_PROFILES)
                    .map(|p| p.saturating_mul(m));
                // Costs in floating-point operations, roughly; the counts
                // method within `auto_max_pairs` pairs' worth of work.
                let per_pair = pair_cost(problem);
                let budget = options.auto_max_pairs as f64 * per_pair;
                // The GPU sums pairs directly: where it takes part, so does
                // the direct sum's cost (the FFT only when asked for).
                let algorithm = match (options.backend, options.counts) {
                    (Backend::Gpu | Backend::Both, CountsAlgorithm::Auto) => {
                        CountsAlgorithm::Direct
                    }
                    (_, algorithm) => algorithm,
                };
                let counts = if problem.game().has_counts() && enumeration.is_none_or(|e| e > 1000)
                {
                    Route::new(problem, plan, algorithm, options.memory_limit)
                        .ok()
                        .filter(|(_, cost)| *cost <= budget)
                } else {
                    None
                };
                Ok(match (enumeration, counts) {
                    (Some(e), Some((_, cost))) if e as f64 * per_pair <= cost => Chosen::Exact,
                    (_, Some((route, cost))) => {
                        // The route and its estimate follow in `announce`'s note.
                        notes.push(format!(
                            "method auto: counts{}",
                            match flat.profiles {
                                Some(p) => format!(", cheaper than enumerating {p} profiles"),
                                None => String::new(),
                            }
                        ));
                        Chosen::Counts(route, cost)
                    }
                    (Some(_), None) => Chosen::Exact,
                    (None, None) => {
                        self.advise_cpu_counts(problem, plan, options, algorithm);
                        notes.push(format!(
                            "method auto: sampling, exact enumeration would need 10^{:.1} profiles (> 10^8){}",
                            flat.log10_profiles,
                            if problem.game().has_counts() {
                                " and the counts method more work than its limit or more memory than allowed"
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

    /// Before the GPU samples a symmetric game whose direct pair sum is out
    /// of reach, say which CPU route would answer it exactly.
    fn advise_cpu_counts(
        &self,
        problem: &Problem,
        plan: &Plan,
        options: &Options,
        algorithm: CountsAlgorithm,
    ) {
        if algorithm == options.counts || !problem.game().has_counts() {
            return;
        }
        let Ok((route, cost)) = Route::new(problem, plan, options.counts, options.memory_limit)
        else {
            return;
        };
        if let Some(notice) = &self.notice {
            notice(&format!(
                "the GPU sums count pairs directly, beyond its limit here, so it samples; the \
                 CPU's counts method by {} answers exactly in roughly {} (backend cpu)",
                route.describe(),
                human_duration(route.estimated_seconds(cost))
            ));
        }
    }

    /// Evaluate `r_j(x)` for every coalition and state.
    pub fn evaluate(&mut self, problem: &Problem, options: &Options) -> Result<Evaluation> {
        let started = Instant::now();
        let plan = Plan::new(problem);
        let flat = FlatPlan::new(problem, &plan)?;
        let mut notes = Vec::new();
        let chosen = self.choose(problem, &plan, &flat, options, &mut notes)?;
        self.announce(&chosen, &mut notes);
        if matches!(chosen, Chosen::Sample) && options.samples < 2 {
            return Err(Error::usage(
                "samples",
                "needs at least 2 samples for an error bar",
            ));
        }
        if options.backend == Backend::Both
            && !(options.tolerance.is_finite() && options.tolerance >= 0.0)
        {
            return Err(Error::usage("tolerance", "must be a finite number ≥ 0"));
        }
        let (progress, cancel) = self.watch();
        let watch = Watch::new(progress.as_deref(), cancel.as_ref());
        let planned = started.elapsed().as_secs_f64();
        let job = Job {
            problem,
            plan: &plan,
            flat: &flat,
            options,
            chosen: &chosen,
        };
        let (first, second) = self.on_backend(options.backend, &mut notes, |evaluator, side| {
            let begun = Instant::now();
            let mut run = match side {
                Side::Gpu => evaluator.run_gpu(&job, watch)?,
                Side::Cpu => evaluator.run_cpu(&job, watch)?,
            };
            run.seconds = planned + begun.elapsed().as_secs_f64();
            Ok(run)
        })?;
        let mut result = job.evaluation(first, notes.clone());
        result.verify()?;
        if let Some(second) = second {
            let mut gpu = job.evaluation(second, notes);
            gpu.verify()?;
            let d = result.max_abs_difference(&gpu);
            result.cross_check = Some(CrossCheck {
                gpu: Box::new(gpu),
                max_abs_difference: d,
                tolerance: options.tolerance,
                agree: d <= options.tolerance,
            });
        }
        Ok(result)
    }

    /// Note the counts route's estimate, and tell the notice callback when
    /// the job is estimated to take long.
    fn announce(&self, chosen: &Chosen, notes: &mut Vec<String>) {
        let Chosen::Counts(route, cost) = chosen else {
            return;
        };
        let seconds = route.estimated_seconds(*cost);
        notes.push(format!(
            "counts: {}, estimated {cost:.1e} operations (roughly {} on the CPU)",
            route.describe(),
            human_duration(seconds)
        ));
        self.notify(seconds, || {
            format!(
                "counts method by {}: about {cost:.1e} operations, roughly {} on the CPU; \
                 progress follows, and it can be cancelled",
                route.describe(),
                human_duration(seconds)
            )
        });
    }
}

impl Job<'_> {
    /// The evaluation of one backend's run (not yet verified), with the
    /// evaluation's `notes` before the run's own.
    fn evaluation(&self, run: Run, mut notes: Vec<String>) -> Evaluation {
        let Job {
            problem,
            flat,
            options,
            chosen,
            ..
        } = *self;
        let sample = matches!(chosen, Chosen::Sample);
        notes.extend(run.notes);
        let (shares, stderr) = shares_from_sums(problem, &run.sums, sample, options.samples);
        let unit_sum_error = unit_sum_error(&shares, problem.states());
        Evaluation {
            shares,
            backend: run.side.into(),
            adapter: run.adapter,
            method: chosen.used(),
            count_pairs: match chosen {
                Chosen::Counts(route, _) => run.count_pairs.or(route.pairs()),
                _ => None,
            },
            rounding_bound: run.rounding_bound,
            counts_algorithm: run.counts_algorithm,
            profiles: flat.profiles,
            samples: sample.then_some(options.samples),
            seed: sample.then_some(options.seed),
            stderr,
            seconds: run.seconds,
            // The cost model times the CPU's routes; the GPU's direct sum
            // has no estimate of its own.
            estimated_seconds: match (chosen, run.side) {
                (Chosen::Counts(route, cost), Side::Cpu) => Some(route.estimated_seconds(*cost)),
                _ => None,
            },
            unit_sum_error,
            clamped: 0,
            notes,
            cross_check: None,
        }
    }
}

/// `max_x |Σ_j r_j(x) − 1|`, infinite when a share is not finite (a NaN
/// must not read as an error of 0).
pub(crate) fn unit_sum_error(shares: &[Vec<f64>], states: usize) -> f64 {
    (0..states)
        .map(|x| {
            let e = (shares.iter().map(|r| r[x]).sum::<f64>() - 1.0).abs();
            if e.is_finite() {
                e
            } else {
                f64::INFINITY
            }
        })
        .fold(0.0, f64::max)
}

/// How far a result of the CPU's f64 arithmetic may be from unit sum and
/// from [0, 1] (rounding only: exact sums stay near 1e-15, sampled ones too,
/// since every sample is unit-sum).
const CPU_RESULT_TOLERANCE: f64 = 1e-9;
/// The same for the GPU's f32 shares (relative rounding 6e-8 per share,
/// accumulated over the work; the cross-check against the CPU is the finer test).
const GPU_RESULT_TOLERANCE: f64 = 1e-4;

impl Evaluation {
    /// Refuse a result that is not a valid answer: a share that is not
    /// finite or not in [0, 1], an error bar that is not finite, or shares
    /// whose sum over the coalitions is not 1, each within the rounding of
    /// the backend that computed it. A route's own error bound never widens
    /// this check. Shares within that rounding of [0, 1] are clamped into it
    /// and counted in [`Evaluation::clamped`], so that every share returned
    /// is in [0, 1].
    pub(crate) fn verify(&mut self) -> Result<()> {
        let tolerance = match self.backend {
            BackendUsed::Gpu => GPU_RESULT_TOLERANCE,
            BackendUsed::Cpu => CPU_RESULT_TOLERANCE,
        };
        let refuse = |what: String| {
            Err(Error::InvalidResult(format!(
                "the {} backend's result {what} (beyond its rounding tolerance {tolerance:.0e}); \
                 it is not printed",
                self.backend
            )))
        };
        for (j, row) in self.shares.iter().enumerate() {
            for (x, &r) in row.iter().enumerate() {
                if !(r.is_finite() && (-tolerance..=1.0 + tolerance).contains(&r)) {
                    return refuse(format!("gives coalition {j} the share {r} in state {x}"));
                }
            }
        }
        if let Some(stderr) = &self.stderr {
            if let Some(e) = stderr.iter().flatten().find(|e| !e.is_finite()) {
                return refuse(format!("has the standard error {e}"));
            }
        }
        if self.unit_sum_error > tolerance {
            return refuse(format!("misses unit sum by {:.1e}", self.unit_sum_error));
        }
        for r in self.shares.iter_mut().flatten() {
            if !(0.0..=1.0).contains(r) {
                *r = r.clamp(0.0, 1.0);
                self.clamped += 1;
            }
        }
        if self.clamped > 0 {
            self.unit_sum_error = unit_sum_error(&self.shares, self.shares[0].len());
            if self.unit_sum_error > tolerance {
                return refuse(format!(
                    "misses unit sum by {:.1e} once clamped into [0, 1]",
                    self.unit_sum_error
                ));
            }
        }
        Ok(())
    }
}

/// Whether a count is zero (to leave it out of the JSON).
fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One backend's run of an evaluation.
struct Run {
    side: Side,
    sums: Vec<f64>,
    adapter: String,
    seconds: f64,
    rounding_bound: Option<f64>,
    counts_algorithm: Option<CountsAlgorithm>,
    /// The direct sum's pairs, when it ran.
    count_pairs: Option<u64>,
    notes: Vec<String>,
}

/// What one backend's run of an evaluation works from.
struct Job<'a> {
    problem: &'a Problem,
    plan: &'a Plan,
    flat: &'a FlatPlan,
    options: &'a Options,
    chosen: &'a Chosen,
}

impl Evaluator {
    /// The evaluation's run on the GPU.
    fn run_gpu(&mut self, job: &Job<'_>, watch: Watch<'_>) -> Result<Run> {
        let Job {
            problem,
            plan,
            flat,
            options,
            chosen,
        } = *job;
        problem
            .game()
            .check_range(GPU_RANGE, "the GPU's f32 arithmetic")?;
        // The kernels' fixed sizes first: a refusal needs no device.
        // Accumulators per thread: Σy and Σy² per slot when sampling, a slot
        // each when enumerating, a state each in one coalition's pair sum.
        let accumulators = match chosen {
            Chosen::Sample => 2 * flat.config.slots,
            Chosen::Exact => flat.config.slots,
            Chosen::Counts(..) => flat.config.states,
        };
        GpuContext::check_limits(flat, accumulators)?;
        let mut notes = Vec::new();
        if let Chosen::Counts(Route::Stream(stream), _) = chosen {
            // Beyond the kernel's limits, `gpu|both` sum the pairs directly
            // on the GPU (as before the kernel); auto takes the CPU's stream.
            match self.run_gpu_stream(flat, stream, watch) {
                Err(Error::TooLarge { message, .. }) if options.backend != Backend::Auto => {
                    notes.push(format!(
                        "counts: {message}; the GPU sums the pairs directly"
                    ));
                }
                other => return other,
            }
        }
        if let Chosen::Counts(
            route @ (Route::Fft(..) | Route::LeaveOneOut(_) | Route::Stream(_)),
            _,
        ) = chosen
        {
            // The GPU sums pairs directly (the stream has its kernel, above):
            // auto leaves the others to the CPU.
            if options.backend == Backend::Auto {
                return Err(Error::too_large(
                    format!("the counts method's {} run on the CPU", route.describe()),
                    crate::error::Remedy::CpuBackend,
                ));
            }
            crate::memory::check(
                "the counts method's direct pair sum",
                crate::counts::direct::DirectEstimate::new(problem, plan).bytes,
                options.memory_limit,
                crate::error::Remedy::CpuBackend,
            )?;
        }
        let gpu = self.gpu()?;
        let mut count_pairs = None;
        let sums = match chosen {
            Chosen::Sample => gpu.sample(flat, options.samples, options.seed, watch)?,
            Chosen::Exact => gpu.enumerate(flat, watch)?,
            Chosen::Counts(..) => {
                let counts = CountsPlan::build(problem, plan, watch)?;
                count_pairs = Some(counts.pairs());
                crate::counts::driver::run(gpu, flat, &counts, watch)?
            }
        };
        Ok(Run {
            side: Side::Gpu,
            sums,
            adapter: gpu.adapter_name(),
            seconds: 0.0,
            rounding_bound: None,
            counts_algorithm: count_pairs.map(|_| CountsAlgorithm::Direct),
            count_pairs,
            notes,
        })
    }

    /// The streamed pass on the GPU: its own kernel (f64; refused as too
    /// large without SHADER_F64 or beyond its limits).
    fn run_gpu_stream(
        &mut self,
        flat: &FlatPlan,
        stream: &crate::counts::stream::StreamPlan,
        watch: Watch<'_>,
    ) -> Result<Run> {
        let gpu = self.gpu()?;
        let sums = gpu.stream_counts(flat, &stream.kernel_input(), watch)?;
        Ok(Run {
            side: Side::Gpu,
            sums,
            adapter: gpu.adapter_name(),
            seconds: 0.0,
            rounding_bound: None,
            counts_algorithm: Some(CountsAlgorithm::Stream),
            count_pairs: None,
            notes: Vec::new(),
        })
    }

    /// The evaluation's run on the CPU.
    fn run_cpu(&mut self, job: &Job<'_>, watch: Watch<'_>) -> Result<Run> {
        let Job {
            problem,
            plan,
            flat,
            options,
            chosen,
        } = *job;
        let mut run = Run {
            side: Side::Cpu,
            sums: Vec::new(),
            adapter: cpu_name(),
            seconds: 0.0,
            rounding_bound: None,
            counts_algorithm: None,
            count_pairs: None,
            notes: Vec::new(),
        };
        run.sums = match chosen {
            Chosen::Sample => crate::cpu::sample(flat, options.samples, options.seed, watch)?,
            Chosen::Exact => crate::cpu::exact(flat, watch)?,
            Chosen::Counts(route, _) => {
                let counts = crate::counts::route::run_cpu(
                    route,
                    &crate::counts::route::Job {
                        problem,
                        plan,
                        flat,
                        options: crate::counts::route::CountsOptions {
                            algorithm: options.counts,
                            max_pairs: options.auto_max_pairs,
                            memory_limit: options.memory_limit,
                        },
                    },
                    watch,
                    &mut run.notes,
                    &mut self.shares,
                )?;
                run.rounding_bound = counts.bound;
                run.counts_algorithm = Some(counts.algorithm);
                run.count_pairs = counts.pairs;
                counts.sums
            }
        };
        Ok(run)
    }
}

/// The shares (and standard errors when sampled) from the backends' sums per
/// slot `j * states + x` (sampling: Σy per slot, then Σy² per slot).
#[allow(
    clippy::type_complexity,
    reason = "the two tables an evaluation returns"
)]
fn shares_from_sums(
    problem: &Problem,
    sums: &[f64],
    sample: bool,
    samples: u64,
) -> (Vec<Vec<f64>>, Option<Vec<Vec<f64>>>) {
    let states = problem.states();
    let slots = problem.coalitions().len() * states;
    let per_coalition = |f: &dyn Fn(usize) -> f64| -> Vec<Vec<f64>> {
        (0..problem.coalitions().len())
            .map(|j| (0..states).map(|x| f(j * states + x)).collect())
            .collect()
    };
    if sample {
        let n = samples as f64;
        let shares = per_coalition(&|slot| sums[slot] / n);
        let stderr = per_coalition(&|slot| {
            // Var = (Σy² − (Σy)²/N)/(N−1); rounding can make it a hair negative.
            let (sum, squares) = (sums[slot], sums[slots + slot]);
            ((squares - sum * sum / n) / (n - 1.0)).max(0.0).sqrt() / n.sqrt()
        });
        (shares, Some(stderr))
    } else {
        (per_coalition(&|slot| sums[slot]), None)
    }
}

/// `max |a − b|` over pairs, infinite when any difference is not finite: a
/// NaN or an infinity on either side never passes for agreement.
pub(crate) fn max_abs_difference<'a>(
    a: impl IntoIterator<Item = &'a f64>,
    b: impl IntoIterator<Item = &'a f64>,
) -> f64 {
    a.into_iter()
        .zip(b)
        .map(|(a, b)| {
            let d = (a - b).abs();
            if d.is_finite() {
                d
            } else {
                f64::INFINITY
            }
        })
        .fold(0.0, f64::max)
}

fn cpu_name() -> String {
    format!("cpu ({} threads, f64)", rayon::current_num_threads())
}

/// Evaluate with a fresh [`Evaluator`] (opens the GPU each call; keep an
/// `Evaluator` to evaluate many problems).
pub fn evaluate(problem: &Problem, options: &Options) -> Result<Evaluation> {
    Evaluator::new().evaluate(problem, options)
}

impl From<Side> for BackendUsed {
    fn from(side: Side) -> Self {
        match side {
            Side::Cpu => BackendUsed::Cpu,
            Side::Gpu => BackendUsed::Gpu,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Coalition, Game, Policy};

    /// 3 coalitions × 50 states = 150 accumulators, beyond the kernels' 128.
    fn too_many_slots() -> Problem {
        let weights = (0..50).map(|x| vec![1.0, 1.0 + x as f64]).collect();
        Problem::new(
            3,
            2,
            Game::Proportional { weights },
            (0..3)
                .map(|i| Coalition::new(vec![i], Policy::Uniform))
                .collect(),
        )
        .unwrap()
    }

    /// `Auto` with a hardware GPU runs on the CPU, with a note, when the GPU
    /// refuses the job as too large (no device is opened for the refusal).
    #[test]
    fn auto_falls_back_to_the_cpu_when_the_gpu_refuses_a_job() {
        let mut evaluator = Evaluator::new();
        evaluator.auto = Some(AutoGpu::Hardware);
        let problem = too_many_slots();
        let run = evaluator.evaluate(&problem, &Options::default()).unwrap();
        assert_eq!(run.backend, BackendUsed::Cpu);
        assert!(
            run.notes.iter().any(|n| n.contains("accumulators")),
            "{:?}",
            run.notes
        );
        // The GPU backend itself refuses, as too large (exit 2), before any work.
        let refused = evaluator.evaluate(
            &problem,
            &Options {
                backend: Backend::Gpu,
                ..Default::default()
            },
        );
        assert!(
            matches!(refused, Err(Error::TooLarge { .. })),
            "{refused:?}"
        );
    }

    /// `Auto` without a hardware GPU says why it used the CPU.
    #[test]
    fn auto_on_the_cpu_says_why() {
        let mut evaluator = Evaluator::new();
        evaluator.auto = Some(AutoGpu::Cpu("backend auto: no GPU adapter".into()));
        let run = evaluator
            .evaluate(&too_many_slots(), &Options::default())
            .unwrap();
        assert_eq!(run.backend, BackendUsed::Cpu);
        assert_eq!(run.notes, vec!["backend auto: no GPU adapter".to_string()]);
    }

    /// An evaluator moves to another thread (a binding can release its
    /// interpreter's lock while one runs) and so do its results.
    #[test]
    fn evaluators_and_results_are_send() {
        fn send<T: Send>() {}
        send::<Evaluator>();
        send::<Evaluation>();
        send::<Error>();
    }

    /// A cancelled evaluation stops with `Cancelled`, on every CPU method.
    #[test]
    fn a_cancelled_evaluation_returns_cancelled() {
        let cancel = Cancel::new();
        cancel.cancel();
        let mut evaluator = Evaluator::new();
        evaluator.set_cancel(Some(cancel));
        for method in [Method::Exact, Method::Sample, Method::Counts] {
            let r = evaluator.evaluate(
                &too_many_slots(),
                &Options {
                    backend: Backend::Cpu,
                    method,
                    ..Default::default()
                },
            );
            assert!(matches!(r, Err(Error::Cancelled)), "{method:?}: {r:?}");
        }
    }
}
