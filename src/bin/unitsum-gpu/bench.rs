//! `unitsum-gpu bench`: the throughput figures of the README measured on the
//! user's own machine, per backend and adapter. Each case is run once to warm
//! up (device, pipelines, caches) and then timed.

use std::time::Instant;

use unitsum_gpu::{
    Backend, BackendUsed, Coalition, Evaluator, Game, Method, Options, Policy, Problem, Result,
};

use unitsum_gpu::internals::cases::{
    deviation, role_coalitions, singletons, three_coalitions, two_policies, uniform_split,
};
use unitsum_gpu::internals::heap;

/// One measured figure.
#[derive(Clone, Debug, serde::Serialize)]
struct BenchRow {
    /// What was evaluated.
    pub case: String,
    /// The method timed (`exact`, `counts`, `sample`, or `double-oracle`
    /// for a certified security value).
    pub method: String,
    /// The backend timed.
    pub backend: BackendUsed,
    /// The adapter or CPU thread count.
    pub adapter: String,
    /// Profiles, samples, count pairs or evaluations timed.
    pub work: u64,
    /// Wall-clock seconds of the timed run.
    pub seconds: f64,
    /// The cost model's estimate of `seconds` (counts at scale), what a long
    /// job's notice would have said before it started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_seconds: Option<f64>,
    /// `work / seconds`, in the unit of `unit`.
    pub rate: f64,
    /// `profiles/s`, `samples/s`, `pairs/s` or `ms/evaluation` (then `rate` is ms).
    pub unit: &'static str,
    /// The most heap the timed run held at once beyond what was held before
    /// it, where the program counts heap bytes
    /// (`unitsum_gpu::internals::heap`).
    pub peak_heap_bytes: Option<u64>,
}

/// `unitsum-gpu bench`.
#[derive(clap::Args)]
pub struct BenchArgs {
    /// Smaller sizes (a few seconds in all).
    #[arg(long)]
    quick: bool,
    /// Output format (table or json).
    #[arg(long, value_enum, default_value_t = crate::ReportFormatArg::Table)]
    format: crate::ReportFormatArg,
    /// Only the counts method at scale (the README's "Counts at scale"
    /// table): deviation payoffs, two coalitions with different policies
    /// and n singletons, exact; then certified security values by double
    /// oracle.
    #[arg(long)]
    scale: bool,
    /// With --scale: the backend that runs the rows (the GPU sums count
    /// pairs directly, runs the streamed pass and the double oracle's
    /// passes; rows beyond its limits are skipped, with the reason on stderr).
    #[arg(long, value_parser = crate::named::named::<Backend>(), default_value_t = Backend::Cpu)]
    backend: Backend,
}

/// Run the benchmark and print its rows as they complete.
pub fn run_command(args: BenchArgs) -> crate::Outcome {
    if !args.scale && args.backend != Backend::Cpu {
        return Err(unitsum_gpu::Error::usage(
            "backend",
            "is for --scale; bench without it times every backend with an adapter",
        )
        .into());
    }
    let json = args.format == crate::ReportFormatArg::Json;
    if cfg!(debug_assertions) {
        eprintln!(
            "warning: this is a debug build (debug assertions and overflow checks on): \
             its figures are not representative; build with --release \
             (cargo run --release -- bench, or cargo install --path .)"
        );
    }
    if !json {
        crate::emit(&format!(
            "{:<74} {:<7} {:>14} {:>10} {:>14} {:<14} {:>10} {:>16}  adapter\n",
            "case", "backend", "work", "seconds", "rate", "", "peak heap", "estimate (×)"
        ))?;
    }
    let mut failed = None;
    let mut print = |r: &BenchRow| {
        if json || failed.is_some() {
            return;
        }
        let heap = r.peak_heap_bytes.map_or("n/a".into(), |b| match b {
            0..1_000_000 => format!("{:.0} kB", b as f64 / 1e3),
            _ => format!("{:.1} MB", b as f64 / 1e6),
        });
        // The estimate and how many times the actual time it is.
        let estimate = r
            .estimated_seconds
            .map_or("n/a".into(), |e| format!("{e:.3} ({:.2})", e / r.seconds));
        if let Err(e) = crate::emit(&format!(
            "{:<74} {:<7} {:>14} {:>10.4} {:>14.4e} {:<14} {:>10} {:>16}  {}\n",
            r.case, r.backend, r.work, r.seconds, r.rate, r.unit, heap, estimate, r.adapter
        )) {
            failed = Some(e);
        }
    };
    let rows = if args.scale {
        run_scale(args.quick, args.backend, &mut print)?
    } else {
        run(args.quick, &mut print)?
    };
    if let Some(e) = failed {
        return Err(e);
    }
    if json {
        crate::emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&rows).expect("serialisable")
        ))?;
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// A case of the throughput benchmark: its label, the method timed and the
/// problem.
type Case = (String, Method, Problem);

/// Run the benchmark; `quick` uses smaller sizes (a few seconds in all).
/// Backends without an adapter are skipped.
fn run(quick: bool, progress: &mut dyn FnMut(&BenchRow)) -> Result<Vec<BenchRow>> {
    let mut evaluator = Evaluator::new();
    // The GPU backend is timed on whatever adapter it would use, software
    // ones included: the point is to measure it.
    let mut backends = vec![Backend::Cpu];
    if !evaluator.adapters().is_empty() {
        backends.push(Backend::Gpu);
    }
    let mut cases = throughput_cases(quick)?;
    // The throughput issue's CPU target: 2.7×10^8 profiles (seconds here, a
    // minute on lavapipe), so the CPU only and without a warm-up run.
    let long_case = (!quick).then(|| {
        (
            "plurality n=14 k=4 uniform".to_string(),
            Method::Exact,
            uniform_split(14, 4, Game::Plurality),
        )
    });
    let long_from = cases.len();
    cases.extend(long_case);
    let mut rows = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let long = i >= long_from;
        let backends = if long { &[Backend::Cpu][..] } else { &backends };
        for &backend in backends {
            let row = time_case(&mut evaluator, case, backend, quick, long)?;
            progress(&row);
            rows.push(row);
        }
    }
    let repeats = if quick { 50 } else { 300 };
    for &backend in &backends {
        let row = time_overhead(&mut evaluator, backend, repeats)?;
        progress(&row);
        rows.push(row);
    }
    Ok(rows)
}

/// The throughput cases every backend times: exact enumeration of each
/// family, sampling, and the counts method's pair sum.
fn throughput_cases(quick: bool) -> Result<Vec<Case>> {
    let n_exact = if quick { 10 } else { 12 };
    let weights = vec![vec![1.0, 2.0, 3.0, 4.0]];
    let n = if quick { 100 } else { 200 };
    Ok(vec![
        (
            format!("plurality n={n_exact} k=4 uniform"),
            Method::Exact,
            uniform_split(n_exact, 4, Game::Plurality),
        ),
        (
            format!("proportional n={n_exact} k=4 uniform"),
            Method::Exact,
            uniform_split(
                n_exact,
                4,
                Game::Proportional {
                    weights: weights.clone(),
                },
            ),
        ),
        (
            format!("congestion n={n_exact} k=4 uniform"),
            Method::Exact,
            uniform_split(n_exact, 4, Game::Congestion { values: weights }),
        ),
        (
            "plurality n=50 k=4 uniform".into(),
            Method::Sample,
            uniform_split(50, 4, Game::Plurality),
        ),
        (
            format!("plurality n={n} k=3 majority common vs random marginals"),
            Method::Counts,
            common_against_marginals(n)?,
        ),
    ])
}

/// Plurality, k = 3: a majority of ⌊n/2⌋+1 on a common uniform action
/// against the rest, each on a random marginal from a fixed stream.
fn common_against_marginals(n: usize) -> Result<Problem> {
    use rand::Rng;
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(1);
    let marginals = (0..n - n / 2 - 1)
        .map(|_| {
            let raw: Vec<f64> = (0..3).map(|_| rng.random_range(0.05..1.0)).collect();
            let total: f64 = raw.iter().sum();
            raw.iter().map(|r| r / total).collect()
        })
        .collect();
    Problem::new(
        n,
        3,
        Game::Plurality,
        vec![
            Coalition::new((0..n / 2 + 1).collect(), Policy::Common { dist: None }),
            Coalition::new((n / 2 + 1..n).collect(), Policy::Independent { marginals }),
        ],
    )
}

/// Time one case on one backend, after a warm-up run unless it is `long`.
fn time_case(
    evaluator: &mut Evaluator,
    (case, method, problem): &Case,
    backend: Backend,
    quick: bool,
    long: bool,
) -> Result<BenchRow> {
    // Samples per backend: the CPU draws 2×10^7 in about a second here,
    // long enough for a steady figure; lavapipe draws 10^6 per second.
    let samples = match (quick, backend) {
        (true, _) => 200_000,
        (false, Backend::Cpu) => 20_000_000,
        (false, _) => 2_000_000,
    };
    let options = Options {
        backend,
        method: *method,
        samples,
        // The counts row measures pairs per second: the pair sum
        // (`bench --scale` times the other algorithms).
        counts: unitsum_gpu::CountsAlgorithm::Direct,
        ..Default::default()
    };
    if !long {
        evaluator.evaluate(
            problem,
            &Options {
                samples: samples.min(10_000),
                ..options
            },
        )?;
    }
    let heap = heap::start_measuring();
    let started = Instant::now();
    let run = evaluator.evaluate(problem, &options)?;
    let seconds = started.elapsed().as_secs_f64();
    let peak_heap_bytes = heap::peak_since(heap).map(|b| b as u64);
    let (work, unit) = match method {
        Method::Sample => (samples, "samples/s"),
        Method::Counts => (run.count_pairs.unwrap_or(0), "pairs/s"),
        _ => (run.profiles.unwrap_or(0), "profiles/s"),
    };
    Ok(BenchRow {
        case: case.clone(),
        method: run.method.to_string(),
        backend: run.backend,
        adapter: run.adapter,
        work,
        seconds,
        rate: work as f64 / seconds,
        unit,
        peak_heap_bytes,
        estimated_seconds: None,
    })
}

/// Small evaluations, as in sweeps: device and pipelines reused. 81
/// profiles cost microseconds, so the time of `repeats` evaluations is the
/// per-evaluation overhead.
fn time_overhead(evaluator: &mut Evaluator, backend: Backend, repeats: u64) -> Result<BenchRow> {
    let small = uniform_split(4, 3, Game::Plurality);
    let options = Options {
        backend,
        method: Method::Exact,
        ..Default::default()
    };
    let warm = evaluator.evaluate(&small, &options)?;
    let heap = heap::start_measuring();
    let started = Instant::now();
    for _ in 0..repeats {
        evaluator.evaluate(&small, &options)?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let peak_heap_bytes = heap::peak_since(heap).map(|b| b as u64);
    Ok(BenchRow {
        case: "overhead: plurality n=4 k=3 (81 profiles)".into(),
        method: warm.method.to_string(),
        backend: warm.backend,
        adapter: warm.adapter,
        work: repeats,
        seconds,
        rate: 1000.0 * seconds / repeats as f64,
        unit: "ms/evaluation",
        peak_heap_bytes,
        estimated_seconds: None,
    })
}

/// The (n, k) of `run_scale`'s deviation-payoff rows and two-policy rows.
#[allow(clippy::type_complexity, reason = "two lists of sizes")]
fn scale_sizes(quick: bool) -> (&'static [(usize, usize)], &'static [(usize, usize)]) {
    if quick {
        (&[(200, 3), (40, 4)], &[(200, 3), (40, 4)])
    } else {
        (
            &[
                (1000, 3),
                (128, 4),
                (384, 4),
                (60, 5),
                (1000, 4),
                (200, 5),
                (50, 8),
            ],
            &[
                (1000, 3),
                (128, 4),
                (200, 4),
                (60, 5),
                (384, 4),
                (30, 6),
                (200, 5),
            ],
        )
    }
}

/// `run_scale`'s role games (leave-one-out per role): two coalitions mixing
/// roles, different marginals per role, role-indexed parameters.
fn role_cases(quick: bool) -> Result<Vec<(String, Vec<Problem>)>> {
    let roles: &[(&[usize], usize)] = if quick {
        &[(&[20, 20], 3)]
    } else {
        &[(&[100, 100], 3), (&[30, 30, 30], 3), (&[30, 30], 4)]
    };
    let mut cases = Vec::new();
    for &(per_role, k) in roles {
        for family in ["proportional", "congestion"] {
            let n: usize = per_role.iter().sum();
            cases.push((
                format!(
                    "two coalitions mixing {} roles of {}, {family} by role: n={n} k={k}",
                    per_role.len(),
                    per_role[0]
                ),
                vec![role_coalitions(per_role, k, family)?],
            ));
        }
    }
    Ok(cases)
}

/// The counts method at scale on `backend`: each row one timed call (or k
/// calls, for deviation payoffs), exact, with the peak heap.
fn run_scale(
    quick: bool,
    backend: Backend,
    progress: &mut dyn FnMut(&BenchRow),
) -> Result<Vec<BenchRow>> {
    let mut evaluator = Evaluator::new();
    let options = Options {
        backend,
        method: Method::Counts,
        ..Default::default()
    };
    let mut rows = Vec::new();
    let mut time = |case: String, problems: Vec<Problem>| -> Result<BenchRow> {
        let heap = heap::start_measuring();
        let started = Instant::now();
        let mut last = None;
        let mut estimate = Some(0.0);
        for problem in &problems {
            let run = evaluator.evaluate(problem, &options)?;
            // The library has checked the result (finite, in [0, 1],
            // unit-sum within the backend's rounding) before returning it.
            estimate = estimate.zip(run.estimated_seconds).map(|(a, b)| a + b);
            last = Some(run);
        }
        let seconds = started.elapsed().as_secs_f64();
        let run = last.expect("at least one problem");
        let algorithm = run
            .counts_algorithm
            .map_or_else(|| "direct".to_string(), |a| a.to_string());
        Ok(BenchRow {
            case: format!("{case} [{algorithm}]"),
            method: run.method.to_string(),
            backend: run.backend,
            adapter: run.adapter,
            work: problems.len() as u64,
            seconds,
            rate: 1000.0 * seconds / problems.len() as f64,
            unit: "ms/evaluation",
            peak_heap_bytes: heap::peak_since(heap).map(|b| b as u64),
            estimated_seconds: estimate,
        })
    };
    let (deviations, pairs) = scale_sizes(quick);
    let mut cases: Vec<(String, Vec<Problem>)> = Vec::new();
    for &(n, k) in deviations {
        let problems = (0..k)
            .map(|b| deviation(n, k, b))
            .collect::<Result<Vec<_>>>()?;
        cases.push((
            format!("deviation payoffs, all {k} actions: n={n} k={k}"),
            problems,
        ));
    }
    for &(n, k) in pairs {
        for (family, other) in [("plurality", "independent"), ("proportional", "common")] {
            cases.push((
                format!("two policies, {family}, indep. vs {other}: n={n} k={k}"),
                vec![two_policies(n, k, family, other)?],
            ));
        }
    }
    let n = if quick { 40 } else { 200 };
    cases.push((
        format!("{n} singletons, random marginals: n={n} k=4"),
        vec![singletons(n, 4)?],
    ));
    if !quick {
        cases.push((
            "three coalitions, proportional, indep. (3 marginals) / common / uniform: n=500 k=4"
                .into(),
            vec![three_coalitions(500, 4)?],
        ));
    }
    cases.extend(role_cases(quick)?);
    for (case, problems) in cases {
        // A row the backend refuses as too large (the GPU's direct sum) is
        // skipped, said, and the rest still run.
        let row = match time(case.clone(), problems) {
            Err(e @ unitsum_gpu::Error::TooLarge { .. }) => {
                eprintln!("skipped: {case}: {e}");
                continue;
            }
            other => other?,
        };
        progress(&row);
        rows.push(row);
    }
    rows.extend(run_guarantees(&mut evaluator, quick, backend, progress)?);
    Ok(rows)
}

/// `run_scale`'s security-value rows; a row the backend refuses as too
/// large is skipped and said, as there.
fn run_guarantees(
    evaluator: &mut Evaluator,
    quick: bool,
    backend: Backend,
    progress: &mut dyn FnMut(&BenchRow),
) -> Result<Vec<BenchRow>> {
    let mut rows = Vec::new();
    for &(n, k, s) in guarantee_sizes(quick) {
        let case = format!("security value, plurality, double oracle: n={n} k={k} s={s}");
        match time_guarantee(evaluator, backend, n, k, s, &case) {
            Err(e @ unitsum_gpu::Error::TooLarge { .. }) => eprintln!("skipped: {case}: {e}"),
            row => {
                let row = row?;
                progress(&row);
                rows.push(row);
            }
        }
    }
    Ok(rows)
}

/// The (n, k, coalition size) of `run_scale`'s security-value rows: those
/// `../shared/device/gpu-check.sh` runs as `guarantee --curve`.
fn guarantee_sizes(quick: bool) -> &'static [(usize, usize, usize)] {
    if quick {
        &[(60, 3, 31), (30, 4, 16)]
    } else {
        &[(1000, 3, 501), (400, 4, 201)]
    }
}

/// One security value by double oracle (gap ≤ 1e-9) on `backend`: both
/// passes on the GPU with `gpu`, timed with its peak heap.
fn time_guarantee(
    evaluator: &mut Evaluator,
    backend: Backend,
    n: usize,
    k: usize,
    s: usize,
    case: &str,
) -> Result<BenchRow> {
    let problem = Problem::new(
        n,
        k,
        Game::Plurality,
        vec![
            Coalition::new((0..s).collect(), Policy::Uniform),
            Coalition::new((s..n).collect(), Policy::Uniform),
        ],
    )?;
    let options = unitsum_gpu::GuaranteeOptions {
        backend,
        solver: unitsum_gpu::Solver::DoubleOracle,
        spy: Some(false),
        ..Default::default()
    };
    let heap = heap::start_measuring();
    let started = Instant::now();
    let v = evaluator.security_value_with(&problem, 0, &options)?;
    let seconds = started.elapsed().as_secs_f64();
    let on_gpu = v
        .notes
        .iter()
        .any(|note| note.contains("passes on the GPU"));
    let adapter = if on_gpu {
        unitsum_gpu::internals::gpu(evaluator)?.adapter_name()
    } else {
        format!("cpu ({} threads, f64)", rayon::current_num_threads())
    };
    Ok(BenchRow {
        case: format!("{case} [gap {:.0e}]", v.upper.unwrap_or(v.lower) - v.lower),
        method: "double-oracle".into(),
        backend: if on_gpu {
            BackendUsed::Gpu
        } else {
            BackendUsed::Cpu
        },
        adapter,
        work: 1,
        seconds,
        rate: 1000.0 * seconds,
        unit: "ms/evaluation",
        peak_heap_bytes: heap::peak_since(heap).map(|b| b as u64),
        estimated_seconds: None,
    })
}
