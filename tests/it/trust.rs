//! No wrong number at scale (issue 25): the fast counts routes trusted only
//! within a bound that means something, shares always in [0, 1], refusals
//! before memory runs out, long jobs announced, the right message, the LP at
//! extreme coefficients. Each case ends with a number checked against an
//! independent route or a clear refusal with its exit code.

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use unitsum_gpu::{
    Backend, Cancel, CountsAlgorithm, Error, Evaluation, Evaluator, GuaranteeOptions, Method,
    Options, Problem, Solver,
};

use super::common::binary;
use unitsum_gpu::internals::{best_response_by, GivenRoute};

/// A proportional game of `n` players over `weights.len()` actions, split
/// into coalitions of the given sizes with the given policies.
fn proportional(n: usize, weights: Vec<f64>, parts: &[(usize, Value)]) -> Problem {
    let mut next = 0;
    let coalitions: Vec<Value> = parts
        .iter()
        .map(|(size, policy)| {
            let members: Vec<usize> = (next..next + size).collect();
            next += size;
            json!({ "members": members, "policy": policy })
        })
        .collect();
    assert_eq!(next, n);
    Problem::from_value(&json!({
        "players": n, "actions": weights.len(),
        "game": { "family": "proportional", "weights": [weights] },
        "coalitions": coalitions }))
    .unwrap()
}

fn counts(algorithm: CountsAlgorithm) -> Options {
    Options {
        backend: Backend::Cpu,
        method: Method::Counts,
        counts: algorithm,
        ..Default::default()
    }
}

/// Every share in [0, 1], each state unit-sum within 1e-9.
fn assert_valid(what: &str, e: &Evaluation) {
    for row in &e.shares {
        for &r in row {
            assert!((0.0..=1.0).contains(&r), "{what}: share {r}");
        }
    }
    assert!(e.unit_sum_error <= 1e-9, "{what}: {}", e.unit_sum_error);
}

fn assert_agree(what: &str, a: &Evaluation, b: &Evaluation, tolerance: f64) {
    let d = a.max_abs_difference(b);
    assert!(d <= tolerance, "{what}: differ by {d:e}");
}

/// The worst case: n = 1000, k = 3, a weight of 1e-30 (or 1e-100,
/// 1e-15): the FFT (auto's pick) once printed shares of -1.5e10 with exit
/// 0. It transformed shares of unoccupied actions, w_max / (n w_min); now
/// it zeroes them, and equals leave-one-out to 1e-12.
fn the_fft_ignores_the_shares_of_unoccupied_actions() {
    for tiny in [1e-15, 1e-30, 1e-100] {
        let problem = proportional(
            1000,
            vec![1.0, 1.0, tiny],
            &[
                (400, json!({ "kind": "uniform" })),
                (
                    300,
                    json!({ "kind": "independent", "marginal": [0.2, 0.3, 0.5] }),
                ),
                (300, json!({ "kind": "common" })),
            ],
        );
        let what = format!("weight {tiny:e}");
        let auto = unitsum_gpu::evaluate(&problem, &Options::default()).unwrap();
        let fft = unitsum_gpu::evaluate(&problem, &counts(CountsAlgorithm::Fft)).unwrap();
        let loo = unitsum_gpu::evaluate(&problem, &counts(CountsAlgorithm::LeaveOneOut)).unwrap();
        assert!(fft.rounding_bound.unwrap() <= unitsum_gpu::FFT_ROUNDING_LIMIT);
        for e in [&auto, &fft, &loo] {
            assert_valid(&what, e);
        }
        assert_agree(&what, &fft, &loo, 1e-12);
        assert_agree(&what, &auto, &loo, 1e-12);
    }
    // Small games, where the direct sum is cheap: the FFT printed 1e66 to 1e83.
    for n in [3, 5, 9] {
        let problem = proportional(
            n,
            vec![1.0, 1e-30, 1e-100],
            &[
                (n / 2, json!({ "kind": "uniform" })),
                (
                    n - n / 2,
                    json!({ "kind": "independent", "marginal": [0.2, 0.3, 0.5] }),
                ),
            ],
        );
        let fft = unitsum_gpu::evaluate(&problem, &counts(CountsAlgorithm::Fft)).unwrap();
        let direct = unitsum_gpu::evaluate(&problem, &counts(CountsAlgorithm::Direct)).unwrap();
        assert_valid(&format!("n = {n}"), &fft);
        assert_agree(&format!("n = {n}"), &fft, &direct, 1e-12);
    }
}

/// A ratio of 1e200: the FFT's bound was NaN (inf × 0), read as small, and
/// the default eval exited 1 with no remedy. Now it answers, as
/// leave-one-out does.
fn a_ratio_of_1e200_is_answered() {
    let problem = proportional(
        300,
        vec![1.0, 1.0, 1e-200],
        &[
            (150, json!({ "kind": "uniform" })),
            (150, json!({ "kind": "common" })),
        ],
    );
    let auto = unitsum_gpu::evaluate(&problem, &Options::default()).unwrap();
    let fft = unitsum_gpu::evaluate(&problem, &counts(CountsAlgorithm::Fft)).unwrap();
    let loo = unitsum_gpu::evaluate(&problem, &counts(CountsAlgorithm::LeaveOneOut)).unwrap();
    for e in [&auto, &fft, &loo] {
        assert_valid("1e-200", e);
    }
    assert_agree("auto", &auto, &loo, 1e-12);
    assert_agree("fft", &fft, &loo, 1e-12);
}

/// A deviation payoff at n = 3000, k = 3: the FFT's bound (1.1e-10) passes
/// 1e-10. Asked for, it is refused with exit 1 naming leave-one-out; auto
/// takes leave-one-out, and so does the CLI.
fn an_fft_beyond_its_bound_is_refused_and_auto_takes_another_route() {
    let n = 3000;
    let others: Vec<usize> = (1..n).collect();
    let spec = json!({
        "players": n, "actions": 3, "game": { "family": "plurality" },
        "coalitions": [
            { "members": [0], "policy": { "kind": "pure", "actions": [0] } },
            { "members": others, "policy": { "kind": "uniform" } } ] });
    let problem = Problem::from_value(&spec).unwrap();
    match unitsum_gpu::evaluate(&problem, &counts(CountsAlgorithm::Fft)) {
        Err(e @ Error::InvalidResult(_)) => {
            assert!(e.to_string().contains("leave-one-out"), "{e}");
            assert!(!e.is_bad_input());
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let auto = unitsum_gpu::evaluate(&problem, &counts(CountsAlgorithm::Auto)).unwrap();
    assert_ne!(auto.counts_algorithm, Some(CountsAlgorithm::Fft));
    assert_valid("auto", &auto);
    let dir = std::env::temp_dir().join(format!("unitsum-trust-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("deviation.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    let path = path.to_str().unwrap();
    let (code, _, stderr) = binary(&[
        "eval",
        path,
        "--method",
        "counts",
        "--counts",
        "fft",
        "--backend",
        "cpu",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("leave-one-out") && stderr.contains("not printed"),
        "{stderr}"
    );
}

/// Shares a rounding-level hair outside [0, 1] (1.0000000000000302 from the
/// FFT at k = 2, n = 3000; -3.2e-14 from leave-one-out) are clamped into it,
/// on every route, and counted.
fn printed_shares_are_in_0_1_on_every_route() {
    let n = 3000;
    for k in [2, 3] {
        for weights in [vec![1.0; k], (1..=k).map(|a| a as f64 * 1e-3).collect()] {
            let problem = proportional(
                n,
                weights,
                &[
                    (1, json!({ "kind": "pure", "actions": [0] })),
                    (n - 1, json!({ "kind": "uniform" })),
                ],
            );
            for algorithm in [CountsAlgorithm::Auto, CountsAlgorithm::LeaveOneOut] {
                let e = unitsum_gpu::evaluate(&problem, &counts(algorithm)).unwrap();
                assert_valid(&format!("k = {k}, {algorithm}"), &e);
            }
        }
    }
}

/// `--counts fft` at k = 5, n = 150 needs about 4.9 GiB: under an
/// address-space limit of 3.8 GiB it is refused (exit 2), not killed by a
/// failed allocation.
fn the_address_space_limit_is_respected() {
    let n = 150;
    let spec = json!({
        "players": n, "actions": 5, "game": { "family": "plurality" },
        "coalitions": [
            { "members": (0..75).collect::<Vec<_>>(), "policy": { "kind": "uniform" } },
            { "members": (75..n).collect::<Vec<_>>(), "policy": { "kind": "common" } } ] });
    let dir = std::env::temp_dir().join(format!("unitsum-trust-as-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("k5.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v 4000000 && exec '{}' eval '{}' --method counts --counts fft --backend cpu",
            env!("CARGO_BIN_EXE_unitsum-gpu"),
            path.display()
        ))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("address-space"), "{stderr}");
}

/// The notice before a long job: said once, before the work, with the
/// estimate; the job can still be cancelled at once.
fn a_long_job_is_announced_before_it_starts() {
    let n = 5000;
    let problem = Problem::from_value(&json!({
        "players": n, "actions": 3, "game": { "family": "plurality" },
        "coalitions": [
            { "members": (0..2500).collect::<Vec<_>>(), "policy": { "kind": "uniform" } },
            { "members": (2500..n).collect::<Vec<_>>(),
              "policy": { "kind": "independent", "marginal": [0.2, 0.3, 0.5] } } ] }))
    .unwrap();
    let said: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut evaluator = Evaluator::new();
    let sink = said.clone();
    evaluator.set_notice(Some(Arc::new(move |text: &str| {
        sink.lock().unwrap().push(text.to_string())
    })));
    let cancel = Cancel::new();
    cancel.cancel();
    evaluator.set_cancel(Some(cancel));
    let started = std::time::Instant::now();
    let outcome = evaluator.evaluate(&problem, &counts(CountsAlgorithm::Direct));
    assert!(matches!(outcome, Err(Error::Cancelled)), "{outcome:?}");
    assert!(started.elapsed().as_secs_f64() < 5.0, "cancelled late");
    let said = said.lock().unwrap();
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].contains("operations") && said[0].contains("hours"),
        "{said:?}"
    );
    // A short job says nothing.
    let small = proportional(
        6,
        vec![1.0, 2.0],
        &[
            (3, json!({ "kind": "uniform" })),
            (3, json!({ "kind": "common" })),
        ],
    );
    let mut quiet = Evaluator::new();
    let heard: Arc<Mutex<usize>> = Arc::default();
    let count = heard.clone();
    quiet.set_notice(Some(Arc::new(move |_: &str| *count.lock().unwrap() += 1)));
    quiet.evaluate(&small, &Options::default()).unwrap();
    assert_eq!(*heard.lock().unwrap(), 0);
}

/// `check` is bounded before it starts (3000 players at the default 20 000
/// samples took 293 s, silent): refused with the samples that fit; the
/// documented maximum on the 200-player example too.
fn check_is_bounded_before_it_starts() {
    let n = 3000;
    let problem = Problem::from_value(&json!({
        "players": n, "actions": 3, "game": { "family": "plurality" },
        "coalitions": [ { "members": (0..n).collect::<Vec<_>>(), "policy": { "kind": "uniform" } } ] }))
    .unwrap();
    match Evaluator::new().check(&problem, 20_000, 0) {
        Err(Error::Usage { option, message }) => {
            assert_eq!(option, "samples");
            assert!(message.contains("fit"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let (code, _, stderr) = binary(&[
        "check",
        "examples/big-plurality.json",
        "--samples",
        "1000000000",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("--samples") && stderr.contains("fit"),
        "{stderr}"
    );
    // What fits runs.
    let (code, _, stderr) = binary(&["check", "examples/big-plurality.json", "--samples", "2000"]);
    assert_eq!(code, 0, "{stderr}");
}

/// A copy's `translate` rows cover the roles it copies (eval accepts it);
/// `check` needs one per role and blames the spec path, not a flag.
fn check_blames_the_spec_path_of_a_translation() {
    let spec = json!({
        "players": 4, "actions": 2, "roles": [0, 0, 1, 2],
        "game": { "family": "proportional",
                  "weights": [[[3.0, 1.0], [1.0, 3.0], [2.0, 2.0]]] },
        "coalitions": [
            { "members": [0, 1], "policy": { "kind": "copy", "of": 1, "translate": [[0, 1], [1, 0]] } },
            { "members": [2], "policy": { "kind": "pure", "actions": [1] } },
            { "members": [3], "policy": { "kind": "pure", "actions": [1] } } ] });
    let dir = std::env::temp_dir().join(format!("unitsum-trust-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("partial-translation.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    let path = path.to_str().unwrap();
    let (code, _, stderr) = binary(&["eval", path, "--backend", "cpu"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = binary(&["check", path]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("coalitions[0].policy.translate"),
        "{stderr}"
    );
    assert!(!stderr.contains("--translate:"), "{stderr}");
    // Given on the command line with a row per role, it runs.
    let (code, _, stderr) = binary(&["check", path, "--translate", "[[0,1],[1,0],[0,1]]"]);
    assert!(code == 0 || code == 1, "{stderr}");
}

/// Theorem 2 holds for symmetric games: a random table game below its
/// bound is no counterexample (exit 0, the bound not checked, said so).
fn a_curve_of_a_table_game_checks_no_theorem_2() {
    // Each point's theorem2 column of a 4-player, 2-action curve of `family`.
    let curve = |family: &str| {
        let (code, stdout, stderr) = binary(&[
            "guarantee",
            "--curve",
            "--family",
            family,
            "--players",
            "4",
            "--actions",
            "2",
            "--format",
            "json",
            "--backend",
            "cpu",
        ]);
        assert_eq!(code, 0, "{family}: {stderr}");
        let bounds: Vec<Value> = stdout
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["theorem2"].clone())
            .collect();
        (bounds, stderr)
    };
    let (bounds, stderr) = curve("table");
    assert!(
        stderr.contains("Theorem 2") && stderr.contains("symmetric"),
        "{stderr}"
    );
    assert!(
        !bounds.is_empty() && bounds.iter().all(Value::is_null),
        "{bounds:?}"
    );
    // A symmetric family keeps its bound.
    let (bounds, _) = curve("plurality");
    assert!(bounds.iter().any(|b| !b.is_null()), "{bounds:?}");
}

/// Proportional weights with a ratio of 1e30 or more at n = 40: microlp
/// gave up ("coefficient range") or returned a value its own policy did not
/// get. The LP now solves on floored entries and certifies on the
/// originals: the dense LP and the double oracle agree to 1e-9.
fn the_lp_solves_extreme_weights() {
    let cases: [(Vec<Vec<f64>>, &[usize]); 4] = [
        (
            vec![vec![1.0, 1e-30, 3.0], vec![2.0, 1.0, 1e-30]],
            &[20, 20],
        ),
        (
            vec![vec![1.0, 1e-30, 3.0], vec![2.0, 1.0, 1e-30]],
            &[13, 14, 13],
        ),
        (vec![vec![1e-40, 1e-10, 1.0]], &[20, 20]),
        (vec![vec![1e-40, 1e-10, 1.0]], &[13, 14, 13]),
    ];
    for (weights, sizes) in cases {
        let mut next = 0;
        let coalitions: Vec<Value> = sizes
            .iter()
            .map(|&s| {
                next += s;
                json!({ "members": (next - s..next).collect::<Vec<_>>(), "policy": { "kind": "uniform" } })
            })
            .collect();
        let problem = Problem::from_value(&json!({
            "players": 40, "actions": 3,
            "game": { "family": "proportional", "weights": weights },
            "coalitions": coalitions }))
        .unwrap();
        let solve = |solver| {
            let options = GuaranteeOptions {
                solver,
                ..Default::default()
            };
            Evaluator::new()
                .security_value_with(&problem, 0, &options)
                .unwrap_or_else(|e| panic!("{weights:?} {sizes:?} {solver:?}: {e}"))
        };
        let dense = solve(Solver::Dense);
        let oracle = solve(Solver::DoubleOracle);
        let what = format!("{weights:?} {sizes:?}");
        assert!(
            (dense.value - oracle.value).abs() <= 1e-9,
            "{what}: {} vs {}",
            dense.value,
            oracle.value
        );
        assert!(
            oracle.lower <= dense.value + 1e-9 && dense.value <= oracle.upper.unwrap() + 1e-9,
            "{what}"
        );
        assert!((0.0..=1.0).contains(&dense.value), "{what}");
    }
}

/// A successful run prints no `error:` line, with `XDG_RUNTIME_DIR` unset
/// too (the loaders complained twice per adapter query): the binary gives
/// them a private runtime directory before any thread starts.
fn a_successful_run_prints_no_error_line() {
    for backend in ["auto", "cpu"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_unitsum-gpu"))
            .args(["eval", "examples/theorem1.json", "--backend", backend])
            .env_remove("XDG_RUNTIME_DIR")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert!(!stderr.contains("error:"), "{backend}: {stderr}");
    }
}

/// The same with the GPU backend, where the loader is certainly asked.
fn a_successful_gpu_run_prints_no_error_line(_: &mut Evaluator) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_unitsum-gpu"))
        .args(["eval", "examples/theorem1.json", "--backend", "gpu"])
        .env_remove("XDG_RUNTIME_DIR")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("error:"), "{stderr}");
}

/// A refusal names the route that answers: exact enumeration of a
/// symmetric 1000-player game is out of reach, and the counts method (not
/// sampling) answers it exactly.
fn a_refusal_names_the_counts_method_where_it_answers() {
    let n = 1000;
    let problem = proportional(
        n,
        vec![1.0, 2.0, 3.0],
        &[
            (500, json!({ "kind": "uniform" })),
            (500, json!({ "kind": "common" })),
        ],
    );
    let exact = Options {
        backend: Backend::Cpu,
        method: Method::Exact,
        ..Default::default()
    };
    match unitsum_gpu::evaluate(&problem, &exact) {
        Err(Error::TooLarge { remedy, .. }) => assert_eq!(remedy, unitsum_gpu::Remedy::Counts),
        other => panic!("expected a refusal, got {other:?}"),
    }
    unitsum_gpu::evaluate(&problem, &counts(CountsAlgorithm::Auto)).unwrap();
    let dir = std::env::temp_dir().join(format!("unitsum-trust-remedy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.json");
    std::fs::write(&path, problem.to_json()).unwrap();
    let (code, _, stderr) = binary(&[
        "eval",
        path.to_str().unwrap(),
        "--method",
        "exact",
        "--backend",
        "cpu",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--method counts"), "{stderr}");
}

/// `--backend gpu` on a symmetric game whose direct pair sum is beyond the
/// limit samples; before it does, it says which CPU route answers exactly.
fn the_gpu_says_which_cpu_route_answers_before_it_samples(gpu: &mut Evaluator) {
    let problem = proportional(
        1000,
        vec![1.0, 1.0, 2.0],
        &[
            (400, json!({ "kind": "uniform" })),
            (
                300,
                json!({ "kind": "independent", "marginal": [0.2, 0.3, 0.5] }),
            ),
            (300, json!({ "kind": "common" })),
        ],
    );
    let said: Arc<Mutex<Vec<String>>> = Arc::default();
    let cancel = Cancel::new();
    let (sink, stop) = (said.clone(), cancel.clone());
    gpu.set_notice(Some(Arc::new(move |text: &str| {
        sink.lock().unwrap().push(text.to_string());
        stop.cancel(); // the advice is what is tested, not the sampling
    })));
    gpu.set_cancel(Some(cancel));
    let options = Options {
        backend: Backend::Gpu,
        ..Default::default()
    };
    let outcome = gpu.evaluate(&problem, &options);
    gpu.set_notice(None);
    gpu.set_cancel(None);
    assert!(matches!(outcome, Err(Error::Cancelled)), "{outcome:?}");
    let said = said.lock().unwrap();
    assert!(
        said.iter().any(|t| t.contains("answers exactly")),
        "{said:?}"
    );
}

/// A dense LP that floors near-tied payoffs only brackets v (found by a
/// hostile run: it printed v = 0.416666655556 with a spy value above it,
/// while a policy worth 0.416666659375 exists). `auto` certifies it by the
/// double oracle instead, and a bracket wider than the gap is printed as
/// `v ≥` with both ends, never as `v =`.
fn a_floored_lp_is_a_bracket_not_a_value() {
    let dir = std::env::temp_dir().join(format!("unitsum-trust-floor-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("near-tied.json");
    let w = |a: f64, b: f64, c: f64| json!([a, b, c]);
    let (e3, e6) = (1.000_000_03, 1.000_000_06);
    std::fs::write(
        &spec,
        json!({"players": 12, "actions": 3,
            "game": {"family": "proportional",
                "weights": [w(1.0, e3, e6), w(e6, 1.0, e3), w(e3, e6, 1.0)]},
            "coalitions": [{"members": "0..5", "policy": {"kind": "uniform"}},
                {"members": "5..12", "policy": {"kind": "uniform"}}]})
        .to_string(),
    )
    .unwrap();
    let path = spec.to_str().unwrap();
    let value = |out: &str| -> Value { serde_json::from_str(out).unwrap() };
    let (code, out, err) = binary(&["guarantee", path, "--solver", "dense", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let dense = value(&out);
    let (lower, upper) = (
        dense["lower"].as_f64().unwrap(),
        dense["upper"].as_f64().unwrap(),
    );
    assert!(upper - lower > 1e-9, "the LP floored: {dense}");
    let (code, table, err) = binary(&["guarantee", path, "--solver", "dense"]);
    assert_eq!(code, 0, "{err}");
    assert!(table.contains("security value v ≥ "), "{table}");
    assert!(table.contains("bracketed by the LP"), "{table}");
    let (code, out, err) = binary(&["guarantee", path, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let auto = value(&out);
    assert_eq!(auto["solver"], "double-oracle", "{auto}");
    let auto_lower = auto["lower"].as_f64().unwrap();
    let auto_upper = auto["upper"].as_f64().unwrap();
    assert!(auto_upper - auto_lower < upper - lower, "{auto} vs {dense}");
    // Both brackets hold v: they must overlap, and the spy value (a pure
    // policy's guarantee) is below every upper end.
    assert!(
        auto_lower <= upper && lower <= auto_upper,
        "{auto} vs {dense}"
    );
    let spy = auto["spy_value"].as_f64().unwrap();
    assert!(spy <= auto_upper + 1e-12 && spy <= upper + 1e-12, "{auto}");
    assert!(err.contains("the dense LP only bracketed v"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

/// A best response against given policies whose passes may take minutes
/// says so before it starts (a hostile run waited 273 s in silence), and
/// can be cancelled; by default that run now takes the correlations.
fn a_long_best_response_is_announced_before_it_starts() {
    let problem = Problem::from_value(&json!({
        "players": 1000, "actions": 3, "game": { "family": "plurality" },
        "coalitions": [
            { "members": "0..400", "policy": { "kind": "uniform" } },
            { "members": "400..1000",
              "policy": { "kind": "independent", "marginal": [0.34, 0.33, 0.33] } } ] }))
    .unwrap();
    let said: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut evaluator = Evaluator::new();
    let sink = said.clone();
    evaluator.set_notice(Some(Arc::new(move |text: &str| {
        sink.lock().unwrap().push(text.to_string())
    })));
    let cancel = Cancel::new();
    cancel.cancel();
    evaluator.set_cancel(Some(cancel));
    let outcome = best_response_by(&mut evaluator, &problem, 0, GivenRoute::Pass);
    assert!(matches!(outcome, Err(Error::Cancelled)), "{outcome:?}");
    {
        let said = said.lock().unwrap();
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(
            said[0].contains("best response") && said[0].contains("4.4e10"),
            "{said:?}"
        );
    }
    // `auto` takes the correlations here (well under a second): nothing
    // to announce, and cancelled all the same.
    let outcome = evaluator.best_response(&problem, 0, Backend::Cpu);
    assert!(matches!(outcome, Err(Error::Cancelled)), "{outcome:?}");
    assert_eq!(said.lock().unwrap().len(), 1);
}

/// Others who copy the coalition would follow its best response, so a best
/// response against their given policies is refused (a hostile run got
/// 0.667 from copiers frozen at the spec's play, where following them gives
/// 0.5); the copier itself, copied by nobody, may ask.
fn a_best_response_is_refused_when_others_copy_the_coalition() {
    let problem = Problem::from_value(&json!({"players": 6, "actions": 2,
        "game": {"family": "plurality"}, "coalitions": [
            {"members": [0, 1], "policy": {"kind": "pure", "actions": [1, 0]}},
            {"members": [2, 3], "policy": {"kind": "copy", "of": 0}},
            {"members": [4, 5], "policy": {"kind": "uniform"}}]}))
    .unwrap();
    let mut evaluator = Evaluator::new();
    let refused = evaluator.best_response(&problem, 0, Backend::Cpu);
    assert!(
        matches!(&refused, Err(e @ Error::Usage { .. }) if e.to_string().contains("coalition 1 copies coalition 0")),
        "{refused:?}"
    );
    for j in [1, 2] {
        let b = evaluator.best_response(&problem, j, Backend::Cpu).unwrap();
        assert!((0.0..=1.0).contains(&b.value), "{b:?}");
    }
    let (code, _, err) = binary(&[
        "guarantee",
        "examples/theorem2-proportional.json",
        "--against",
        "given",
        "--coalition",
        "1",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--against") && err.contains("copies coalition 1"),
        "{err}"
    );
}

super::trials! {
    cpu: [
        a_refusal_names_the_counts_method_where_it_answers,
        a_successful_run_prints_no_error_line,
        the_fft_ignores_the_shares_of_unoccupied_actions,
        a_ratio_of_1e200_is_answered,
        an_fft_beyond_its_bound_is_refused_and_auto_takes_another_route,
        printed_shares_are_in_0_1_on_every_route,
        the_address_space_limit_is_respected,
        a_long_job_is_announced_before_it_starts,
        check_is_bounded_before_it_starts,
        check_blames_the_spec_path_of_a_translation,
        a_curve_of_a_table_game_checks_no_theorem_2,
        the_lp_solves_extreme_weights,
        a_floored_lp_is_a_bracket_not_a_value,
        a_long_best_response_is_announced_before_it_starts,
        a_best_response_is_refused_when_others_copy_the_coalition,
    ],
    gpu: [
        a_successful_gpu_run_prints_no_error_line,
        the_gpu_says_which_cpu_route_answers_before_it_samples,
    ],
}
