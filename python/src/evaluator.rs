//! `unitsum_gpu.Evaluator`: the core's `Evaluator` behind the GIL-free,
//! interruptible calls Python makes.
//!
//! Threads: the GPU is one device, so calls that may use it (`gpu`, `both`,
//! `auto` where a hardware adapter exists) take turns on one core evaluator
//! that keeps the device and its pipelines. CPU calls take an evaluator of
//! their own from a pool, so CPU work from several Python threads runs in
//! parallel. The GIL is released while Rust computes.
//!
//! Ctrl-C: Python runs its signal handlers on the main thread, between
//! bytecodes, so it cannot see a Ctrl-C while Rust computes. A call from the
//! main thread therefore installs its own SIGINT handler (`interrupt.rs`)
//! for the call's duration: it sets the call's cancel flag, which the core
//! checks between chunks of work; when the call returns, Python's handler is
//! back and the signal is raised again for it, so Python raises
//! KeyboardInterrupt (or runs the user's handler) as usual. Calls from other
//! threads are not interrupted: Python delivers Ctrl-C to the main thread.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use numpy::ndarray::{Array2, Array3};
use numpy::{PyArray1, PyArray2, PyArray3};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use unitsum_gpu::{
    Backend, Choice, CountsAlgorithm, CurveOptions, Error, Evaluation, Evaluator, Game,
    GuaranteeOptions, Method, Options, Result, SecurityValue,
};

use crate::args::{
    integer, number, optional_flag, optional_integer, optional_number, optional_text, text,
};
use crate::convert::{to_json, to_py, IntoPyErr};
use crate::errors::{guarded, internal};
use crate::problem::PyProblem;

/// The core evaluators of one Python `Evaluator`.
#[derive(Default)]
pub(crate) struct Pool {
    /// The one that opens the GPU (calls that may use it take turns).
    gpu: Mutex<Evaluator>,
    /// Idle CPU evaluators (each keeps its own caches).
    cpu: Mutex<Vec<Evaluator>>,
    /// Whether `auto` will use the GPU: a hardware adapter comes first.
    hardware: OnceLock<bool>,
}

impl Pool {
    fn auto_uses_gpu(&self) -> bool {
        *self.hardware.get_or_init(|| {
            Evaluator::new()
                .adapters()
                .first()
                .is_some_and(|a| !a.software)
        })
    }

    /// Run `work` on an evaluator for `backend`, with the GIL released and
    /// Ctrl-C watched (module docs).
    pub(crate) fn run<T: Send>(
        &self,
        py: Python<'_>,
        backend: Backend,
        work: impl FnOnce(&mut Evaluator) -> Result<T> + Send,
    ) -> PyResult<T> {
        self.run_watched(py, backend, true, work)
    }

    /// [`Pool::run`], with Ctrl-C watched only when `may_be_long`: a call
    /// on the CPU that is sure to end within milliseconds keeps Python's own
    /// handler (a Ctrl-C during it raises as soon as it returns), which saves
    /// the two `sigaction` calls that are a third of a small call's cost.
    pub(crate) fn run_watched<T: Send>(
        &self,
        py: Python<'_>,
        backend: Backend,
        may_be_long: bool,
        work: impl FnOnce(&mut Evaluator) -> Result<T> + Send,
    ) -> PyResult<T> {
        let on_gpu = match backend {
            Backend::Cpu => false,
            Backend::Auto => self.auto_uses_gpu(),
            _ => true,
        };
        let main = (may_be_long || on_gpu) && on_main_thread(py)?;
        let result = py.detach(|| {
            if on_gpu {
                let mut evaluator = self.gpu.lock().unwrap_or_else(PoisonError::into_inner);
                interruptible(&mut evaluator, main, work)
            } else {
                let taken = self
                    .cpu
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .pop();
                let mut evaluator = taken.unwrap_or_default();
                let result = interruptible(&mut evaluator, main, work);
                self.cpu
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(evaluator);
                result
            }
        });
        // A Ctrl-C that Python saw meanwhile (a quick call's, or a notebook's
        // interrupt_main) raises now, before any result is built.
        py.check_signals()?;
        result
    }
}

fn on_main_thread(py: Python<'_>) -> PyResult<bool> {
    static MAIN: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let main = match MAIN.get() {
        Some(&ident) => ident,
        None => {
            let threading = py.import("threading")?;
            let ident: u64 = threading
                .call_method0("main_thread")?
                .getattr("ident")?
                .extract()?;
            *MAIN.get_or_init(|| ident)
        }
    };
    // SAFETY: a plain query of the calling thread's identifier (the GIL is held).
    let current = unsafe { pyo3::ffi::PyThread_get_thread_ident() } as u64;
    Ok(current == main)
}

fn panicked(payload: Box<dyn std::any::Any + Send>) -> PyErr {
    internal(crate::errors::panic_message(&*payload))
}

/// Profiles (or samples) that the CPU gets through within about a
/// millisecond: a call no larger is not worth watching for Ctrl-C.
const QUICK_WORK: f64 = 1e5;

/// Whether evaluating `problem` with `options` is sure to be quick: at most
/// [`QUICK_WORK`] profiles in all (k^n bounds every exact method) and, when
/// it may sample, as few samples.
fn is_quick(problem: &unitsum_gpu::Problem, options: &Options) -> bool {
    let profiles = (problem.actions() as f64).powi(problem.players() as i32);
    let samples_ok = options.method != Method::Sample || (options.samples as f64) <= QUICK_WORK;
    profiles <= QUICK_WORK && samples_ok
}

/// `work` on `evaluator`, cancelled on Ctrl-C when `main` (module docs).
fn interruptible<T: Send>(
    evaluator: &mut Evaluator,
    main: bool,
    work: impl FnOnce(&mut Evaluator) -> Result<T> + Send,
) -> PyResult<T> {
    let watch = if main {
        crate::interrupt::Watch::install()
    } else {
        None
    };
    evaluator.set_cancel(watch.as_ref().map(crate::interrupt::Watch::cancel));
    // A job estimated to take long says so before it starts, on Python's
    // stderr (where a notebook shows it).
    evaluator.set_notice(Some(Arc::new(|text: &str| {
        Python::attach(|py| {
            if let Ok(stderr) = py.import("sys").and_then(|sys| sys.getattr("stderr")) {
                let _ = stderr.call_method1("write", (format!("unitsum_gpu: note: {text}\n"),));
            }
        })
    })));
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| work(&mut *evaluator)));
    // The cancel flag belongs to this call only.
    evaluator.set_cancel(None);
    if let Some(watch) = watch {
        if watch.finish() {
            // Python's handler is back and has seen the signal: let it raise.
            Python::attach(|py| py.check_signals())?;
        }
    }
    outcome.map_err(panicked)?.map_err(IntoPyErr::into_pyerr)
}

/// A keyword argument's value, a string, as one of the core's named
/// values: the library's names and its message for a wrong one.
pub(crate) fn choice<T: Choice>(option: &str, value: &Bound<'_, PyAny>) -> PyResult<T> {
    named(&text(value, option)?)
}

/// [`choice`] of a string already converted.
fn named<T: Choice>(value: &str) -> PyResult<T> {
    T::parse_name(value).map_err(IntoPyErr::into_pyerr)
}

/// The guarantee options of the keyword arguments.
fn guarantee_options(
    backend: Backend,
    solver: &str,
    spy: Option<bool>,
    max_iterations: Option<usize>,
    max_seconds: Option<f64>,
) -> PyResult<GuaranteeOptions> {
    // The library validates the caps (naming the keyword).
    let defaults = GuaranteeOptions::default();
    Ok(GuaranteeOptions {
        backend,
        solver: named(solver)?,
        spy,
        max_iterations: max_iterations.unwrap_or(defaults.max_iterations),
        max_seconds: max_seconds.unwrap_or(defaults.max_seconds),
    })
}

/// The name serde gives a core enum (`cpu`, `counts`, ...).
pub(crate) fn name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// `rows × columns` numbers as a float64 array of that shape: one copy into
/// a buffer that numpy then owns, one array object (no reshaped view).
fn matrix<'py>(py: Python<'py>, rows: &[Vec<f64>]) -> PyResult<Bound<'py, PyAny>> {
    let columns = rows.first().map_or(0, Vec::len);
    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
    let array = Array2::from_shape_vec((rows.len(), columns), flat).map_err(internal)?;
    Ok(PyArray2::from_owned_array(py, array).into_any())
}

/// An evaluation as the dict the Python `Evaluation` is built from.
fn evaluation<'py>(py: Python<'py>, run: &Evaluation) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(intern!(py, "shares"), matrix(py, &run.shares)?)?;
    match &run.stderr {
        Some(se) => {
            d.set_item(intern!(py, "stderr"), matrix(py, se)?)?;
            let (c, s) = (run.shares.len(), run.shares.first().map_or(0, Vec::len));
            let mut bounds = Vec::with_capacity(2 * c * s);
            for j in 0..c {
                for x in 0..s {
                    let (lo, hi) = run.interval95(j, x);
                    bounds.extend([lo, hi]);
                }
            }
            d.set_item(
                "interval95",
                PyArray3::from_owned_array(
                    py,
                    Array3::from_shape_vec((c, s, 2), bounds).map_err(internal)?,
                ),
            )?;
        }
        None => {
            d.set_item(intern!(py, "stderr"), py.None())?;
            d.set_item(intern!(py, "interval95"), py.None())?;
        }
    }
    d.set_item(intern!(py, "backend"), name(&run.backend))?;
    d.set_item(intern!(py, "adapter"), &run.adapter)?;
    d.set_item(intern!(py, "method"), name(&run.method))?;
    let work = run
        .samples
        .or(run.count_pairs)
        .or(run.profiles)
        .unwrap_or(0);
    d.set_item(intern!(py, "work"), work)?;
    d.set_item(intern!(py, "profiles"), run.profiles)?;
    d.set_item(intern!(py, "count_pairs"), run.count_pairs)?;
    d.set_item(
        intern!(py, "counts_algorithm"),
        run.counts_algorithm.as_ref().map(name),
    )?;
    d.set_item(intern!(py, "rounding_bound"), run.rounding_bound)?;
    d.set_item(intern!(py, "samples"), run.samples)?;
    d.set_item(intern!(py, "seed"), run.seed)?;
    d.set_item(intern!(py, "seconds"), run.seconds)?;
    d.set_item(intern!(py, "estimated_seconds"), run.estimated_seconds)?;
    d.set_item(intern!(py, "unit_sum_error"), run.unit_sum_error)?;
    d.set_item(intern!(py, "clamped"), run.clamped)?;
    d.set_item(intern!(py, "notes"), PyList::new(py, &run.notes)?)?;
    match &run.cross_check {
        Some(check) => {
            let c = PyDict::new(py);
            c.set_item(intern!(py, "gpu"), evaluation(py, &check.gpu)?)?;
            c.set_item(intern!(py, "max_abs_difference"), check.max_abs_difference)?;
            c.set_item(intern!(py, "tolerance"), check.tolerance)?;
            c.set_item(intern!(py, "agree"), check.agree)?;
            d.set_item(intern!(py, "cross_check"), c)?;
        }
        None => d.set_item(intern!(py, "cross_check"), py.None())?,
    }
    Ok(d)
}

/// A security value's fields into `d`.
fn security(d: &Bound<'_, PyDict>, v: &SecurityValue) -> PyResult<()> {
    let py = d.py();
    d.set_item("value", v.value)?;
    d.set_item("lower", v.lower)?;
    d.set_item("upper", v.upper)?;
    d.set_item("solver", v.solver.to_string())?;
    d.set_item("iterations", v.iterations)?;
    d.set_item("stopped", &v.stopped)?;
    d.set_item("policy", to_py(py, &v.policy.to_value())?)?;
    let mix = serde_json::to_value(&v.reply_mix).map_err(internal)?;
    d.set_item("reply_mix", to_py(py, &mix)?)?;
    d.set_item("worst_reply", &v.worst_reply)?;
    d.set_item("worst_state", v.worst_state)?;
    d.set_item("check", v.check)?;
    d.set_item("check_error", v.check_error())?;
    d.set_item("strategies", v.strategies)?;
    d.set_item("replies", v.replies)?;
    d.set_item("basis", v.basis.to_string())?;
    d.set_item("max_gpu_cpu", v.max_gpu_cpu)?;
    d.set_item("spy_value", v.spy_value)?;
    d.set_item("notes", &v.notes)
}

/// The evaluator: keeps the GPU device and pipelines between calls (see
/// the module docs for threads and Ctrl-C).
#[pyclass(frozen, name = "Evaluator", module = "unitsum_gpu._native")]
#[derive(Default)]
pub(crate) struct PyEvaluator {
    pub(crate) pool: Arc<Pool>,
}

#[pymethods]
impl PyEvaluator {
    #[new]
    fn new() -> Self {
        PyEvaluator::default()
    }

    /// r_j(x) of every coalition and state, as a dict of the Evaluation's fields.
    #[pyo3(signature = (problem, backend, method, samples, seed, tolerance, counts, memory_limit_gib))]
    #[allow(clippy::too_many_arguments)]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        problem: &Bound<'py, PyProblem>,
        backend: &Bound<'py, PyAny>,
        method: &Bound<'py, PyAny>,
        samples: Option<&Bound<'py, PyAny>>,
        seed: Option<&Bound<'py, PyAny>>,
        tolerance: Option<&Bound<'py, PyAny>>,
        counts: Option<&Bound<'py, PyAny>>,
        memory_limit_gib: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyDict>> {
        guarded(|| {
            let backend: Backend = choice("backend", backend)?;
            let method: Method = choice("method", method)?;
            let samples: Option<u64> = optional_integer(samples, "samples")?;
            let seed: Option<u64> = optional_integer(seed, "seed")?;
            let tolerance = optional_number(tolerance, "tolerance")?;
            let counts = optional_text(counts, "counts")?;
            let memory_limit_gib = number(memory_limit_gib, "memory_limit_gib")?;
            let exact = matches!(method, Method::Exact | Method::Counts);
            let refuse =
                |option: &str, message: &str| Err(Error::usage(option, message).into_pyerr());
            if exact && samples.is_some() {
                return refuse(
                    "samples",
                    "is for sampling; exact and counts draw no samples",
                );
            }
            if exact && seed.is_some() {
                return refuse("seed", "is for sampling; exact and counts draw no samples");
            }
            if counts.is_some() && matches!(method, Method::Exact | Method::Sample) {
                return refuse(
                    "counts",
                    "is for the counts method (method=\"counts\" or \"auto\")",
                );
            }
            if let Some(t) = tolerance {
                if backend != Backend::Both {
                    return refuse(
                        "tolerance",
                        "is for backend=\"both\" (the GPU against the CPU)",
                    );
                }
                if !(t.is_finite() && t >= 0.0) {
                    return refuse("tolerance", &format!("{t}: must be a finite number ≥ 0"));
                }
            }
            let counts: CountsAlgorithm = match counts {
                Some(c) => named(&c)?,
                None => CountsAlgorithm::Auto,
            };
            let options = Options {
                backend,
                method,
                samples: samples.unwrap_or(unitsum_gpu::DEFAULT_SAMPLES),
                seed: seed.unwrap_or(0),
                tolerance: tolerance.unwrap_or(unitsum_gpu::DEFAULT_TOLERANCE),
                counts,
                memory_limit: unitsum_gpu::memory_limit_from_gib(
                    memory_limit_gib,
                    "memory_limit_gib",
                )
                .map_err(IntoPyErr::into_pyerr)?,
                ..Default::default()
            };
            let problem = &problem.get().problem;
            let may_be_long = !is_quick(problem, &options);
            let run = self
                .pool
                .run_watched(py, backend, may_be_long, |e| e.evaluate(problem, &options))?;
            if let Some(check) = run.cross_check.as_ref().filter(|c| !c.agree) {
                return Err(Error::Disagree {
                    difference: check.max_abs_difference,
                    tolerance: check.tolerance,
                }
                .into_pyerr());
            }
            evaluation(py, &run)
        })
    }

    /// The security value (`against="worst"`) or the best response to the
    /// others' given policies (`against="given"`), as a dict.
    #[pyo3(signature = (problem, coalition, against, backend, solver, spy, max_iterations, max_seconds))]
    #[allow(clippy::too_many_arguments)]
    fn security_value<'py>(
        &self,
        py: Python<'py>,
        problem: &Bound<'py, PyProblem>,
        coalition: &Bound<'py, PyAny>,
        against: &Bound<'py, PyAny>,
        backend: &Bound<'py, PyAny>,
        solver: &Bound<'py, PyAny>,
        spy: Option<&Bound<'py, PyAny>>,
        max_iterations: Option<&Bound<'py, PyAny>>,
        max_seconds: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        guarded(|| {
            let coalition: usize = integer(coalition, "coalition")?;
            let against = text(against, "against")?;
            let backend: Backend = choice("backend", backend)?;
            let solver = text(solver, "solver")?;
            let spy = optional_flag(spy, "spy")?;
            let max_iterations = optional_integer(max_iterations, "max_iterations")?;
            let max_seconds = optional_number(max_seconds, "max_seconds")?;
            let options = guarantee_options(backend, &solver, spy, max_iterations, max_seconds)?;
            let problem = &problem.get().problem;
            let d = PyDict::new(py);
            d.set_item("coalition", coalition)?;
            d.set_item("against", &against)?;
            match against.as_str() {
                "worst" => {
                    let v = self.pool.run(py, backend, |e| {
                        e.security_value_with(problem, coalition, &options)
                    })?;
                    security(&d, &v)?;
                }
                "given" => {
                    let refuse = |option: &str| {
                        Err(
                            Error::usage(option, "is for the security value (against=\"worst\")")
                                .into_pyerr(),
                        )
                    };
                    if solver != "auto" {
                        return refuse("solver");
                    }
                    if spy.is_some() {
                        return refuse("spy");
                    }
                    if max_iterations.is_some() {
                        return refuse("max_iterations");
                    }
                    if max_seconds.is_some() {
                        return refuse("max_seconds");
                    }
                    let b = self.pool.run(py, backend, |e| {
                        e.best_response(problem, coalition, backend)
                    })?;
                    d.set_item("value", b.value)?;
                    d.set_item("policy", to_py(py, &b.policy.to_value())?)?;
                    d.set_item("copy_value", b.copy_value)?;
                    d.set_item("informed_copy_value", b.informed_copy_value)?;
                    d.set_item("notes", &b.notes)?;
                }
                other => {
                    return Err(Error::usage(
                        "against",
                        format!("{other:?}: expected \"worst\" or \"given\""),
                    )
                    .into_pyerr())
                }
            }
            Ok(d)
        })
    }

    /// v(s) of a family's game at the given sizes (all, s = 1..n−1, by
    /// default), as a dict of columns.
    #[pyo3(signature = (family, players, actions, params, states, seed, backend, sizes, solver, spy, max_iterations, max_seconds))]
    #[allow(clippy::too_many_arguments)]
    fn power_curve<'py>(
        &self,
        py: Python<'py>,
        family: &Bound<'py, PyAny>,
        players: &Bound<'py, PyAny>,
        actions: &Bound<'py, PyAny>,
        params: Option<&Bound<'py, PyAny>>,
        states: Option<&Bound<'py, PyAny>>,
        seed: Option<&Bound<'py, PyAny>>,
        backend: &Bound<'py, PyAny>,
        sizes: Option<&Bound<'py, PyAny>>,
        solver: &Bound<'py, PyAny>,
        spy: Option<&Bound<'py, PyAny>>,
        max_iterations: Option<&Bound<'py, PyAny>>,
        max_seconds: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        guarded(|| {
            let (game, players, actions) =
                family_game(family, players, actions, params, states, seed)?;
            let backend: Backend = choice("backend", backend)?;
            let spy = optional_flag(spy, "spy")?;
            let max_iterations = optional_integer(max_iterations, "max_iterations")?;
            let max_seconds = optional_number(max_seconds, "max_seconds")?;
            let solver = text(solver, "solver")?;
            let guarantee = guarantee_options(backend, &solver, spy, max_iterations, max_seconds)?;
            let sizes = match sizes {
                None => None,
                Some(s) => Some(crate::sweep::values(s, "sizes")?),
            };
            let options = CurveOptions { guarantee, sizes };
            let points = self.pool.run(py, backend, |e| {
                e.power_curve_with(game, players, actions, &options, &mut |_| Ok(()))
            })?;
            let d = PyDict::new(py);
            let column = |f: &dyn Fn(&unitsum_gpu::CurvePoint) -> f64| {
                PyArray1::from_vec(py, points.iter().map(f).collect())
            };
            let sizes: Vec<i64> = points.iter().map(|p| p.size as i64).collect();
            d.set_item("size", PyArray1::from_vec(py, sizes))?;
            d.set_item("value", column(&|p| p.value))?;
            d.set_item("upper", column(&|p| p.upper.unwrap_or(f64::NAN)))?;
            d.set_item("spy", column(&|p| p.spy.unwrap_or(f64::NAN)))?;
            d.set_item("fraction", column(&|p| p.fraction))?;
            d.set_item("theorem1", column(&|p| p.theorem1.unwrap_or(f64::NAN)))?;
            d.set_item("theorem2", column(&|p| p.theorem2.unwrap_or(f64::NAN)))?;
            let strategies: Vec<i64> = points.iter().map(|p| p.strategies as i64).collect();
            d.set_item("strategies", PyArray1::from_vec(py, strategies))?;
            let constraints: Vec<i64> = points.iter().map(|p| p.constraints as i64).collect();
            d.set_item("constraints", PyArray1::from_vec(py, constraints))?;
            let solvers: Vec<String> = points.iter().map(|p| p.solver.to_string()).collect();
            d.set_item("solver", PyList::new(py, solvers)?)?;
            Ok(d)
        })
    }

    /// The characteristic function of `problem`'s game, or of a family's
    /// (when `problem` is None), with its Shapley and Banzhaf values, core
    /// and checks: a dict (`crate::power`).
    #[pyo3(signature = (problem, family, players, actions, params, states, seed, backend, solver, max_iterations, max_seconds))]
    #[allow(clippy::too_many_arguments)]
    fn power<'py>(
        &self,
        py: Python<'py>,
        problem: Option<&Bound<'py, PyProblem>>,
        family: &Bound<'py, PyAny>,
        players: &Bound<'py, PyAny>,
        actions: &Bound<'py, PyAny>,
        params: Option<&Bound<'py, PyAny>>,
        states: Option<&Bound<'py, PyAny>>,
        seed: Option<&Bound<'py, PyAny>>,
        backend: &Bound<'py, PyAny>,
        solver: &Bound<'py, PyAny>,
        max_iterations: Option<&Bound<'py, PyAny>>,
        max_seconds: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        guarded(|| {
            let backend: Backend = choice("backend", backend)?;
            let max_iterations = optional_integer(max_iterations, "max_iterations")?;
            let max_seconds = optional_number(max_seconds, "max_seconds")?;
            let solver = text(solver, "solver")?;
            let guarantee =
                guarantee_options(backend, &solver, Some(false), max_iterations, max_seconds)?;
            let problem = match problem {
                Some(p) => p.get().problem.clone(),
                None => {
                    let (game, players, actions) =
                        family_game(family, players, actions, params, states, seed)?;
                    unitsum_gpu::family_problem(game, players, actions)
                        .map_err(IntoPyErr::into_pyerr)?
                }
            };
            let options = unitsum_gpu::PowerOptions {
                guarantee,
                known: Vec::new(),
            };
            let power = self.pool.run(py, backend, |e| {
                e.power(&problem, &options, &mut |_| Ok(()))
            })?;
            crate::power::power_dict(py, &power)
        })
    }

    /// Is the game unit-sum, non-negative and symmetric (in canonical
    /// actions under `translate`, or the spec's translated copy)? A dict.
    #[pyo3(signature = (problem, samples, seed, translate=None))]
    fn check<'py>(
        &self,
        py: Python<'py>,
        problem: &Bound<'py, PyProblem>,
        samples: &Bound<'py, PyAny>,
        seed: &Bound<'py, PyAny>,
        translate: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        // The samples' range and the check's cost are the library's rules.
        let (samples, seed): (u64, u64) = (integer(samples, "samples")?, integer(seed, "seed")?);
        let problem = &problem.get().problem;
        // As the CLI: the spec's translated copy, unless one is given.
        let translate: Option<Vec<Vec<usize>>> = match translate {
            Some(rows) => Some(
                rows.try_iter()
                    .map_err(|_| refuse_translate())?
                    .map(|row| {
                        row?.try_iter()
                            .map_err(|_| refuse_translate())?
                            .map(|a| integer::<usize>(&a?, "translate"))
                            .collect::<PyResult<Vec<usize>>>()
                    })
                    .collect::<PyResult<Vec<Vec<usize>>>>()?,
            ),
            None => None,
        };
        let report = self.pool.run(py, Backend::Cpu, |e| {
            e.check_spec(problem, samples, seed, translate.as_deref())
        })?;
        let mut value = serde_json::to_value(&report).unwrap_or_default();
        value["passed"] = serde_json::Value::Bool(report.passed());
        to_py(py, &value)
    }

    /// The adapters wgpu sees, in preference order (the first is the GPU
    /// backend's), as dicts.
    fn devices<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guarded(|| {
            let adapters = py.detach(|| Evaluator::new().adapters());
            to_py(py, &serde_json::to_value(&adapters).unwrap_or_default())
        })
    }
}

/// A family's game from the keyword arguments (`power_curve`, `power`):
/// the game, players and actions; `params` a dict, the rules in the
/// library.
fn family_game(
    family: &Bound<'_, PyAny>,
    players: &Bound<'_, PyAny>,
    actions: &Bound<'_, PyAny>,
    params: Option<&Bound<'_, PyAny>>,
    states: Option<&Bound<'_, PyAny>>,
    seed: Option<&Bound<'_, PyAny>>,
) -> PyResult<(Game, usize, usize)> {
    let family = text(family, "family")?;
    let (players, actions) = (integer(players, "players")?, integer(actions, "actions")?);
    let states: Option<usize> = optional_integer(states, "states")?;
    let seed: Option<u64> = optional_integer(seed, "seed")?;
    let params = match params {
        Some(p) if p.is_instance_of::<PyDict>() => Some(to_json(p)?),
        Some(_) => {
            return Err(
                Error::usage("params", "expected a dict of the family's parameters").into_pyerr(),
            )
        }
        None => None,
    };
    let game = unitsum_gpu::curve_game(&family, params.as_ref(), players, actions, states, seed)
        .map_err(IntoPyErr::into_pyerr)?;
    Ok((game, players, actions))
}

/// A `translate` that is not a list of lists of actions.
fn refuse_translate() -> PyErr {
    Error::usage("translate", "expected a list of action lists, one per role").into_pyerr()
}
