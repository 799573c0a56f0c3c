//! Nothing wrong, nothing lost, nothing crashes: extreme magnitudes, results
//! that fail their own checks, output errors, sizes bounded before they are
//! allocated, flags refused where they do not apply, and JSON input limits.
//! Resume is in `resume.rs`.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use unitsum_gpu::{Backend, Error, Evaluator, Method, Options, Problem, Remedy};

use super::common::{assert_close, assert_identities, binary, cpu, random_problem};

/// The binary under a memory ceiling (so an allocation it should have
/// refused kills it instead of passing slowly) and a time limit: (exit code,
/// stdout, stderr).
pub fn bounded(args: &[&str], seconds: u64) -> (i32, String, String) {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 4000000; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_unitsum-gpu"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let readers = (
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = out.read_to_string(&mut s);
            s
        }),
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        }),
    );
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(seconds) {
            let _ = child.kill();
            panic!("unitsum-gpu {args:?} ran past {seconds} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (
        status.code().unwrap_or(-1),
        readers.0.join().unwrap(),
        readers.1.join().unwrap(),
    )
}

/// `problem` with every number of its game's parameters multiplied by `factor`.
fn scaled(problem: &Problem, factor: f64) -> Problem {
    fn scale(v: &mut Value, factor: f64) {
        match v {
            Value::Number(n) => *v = json!(n.as_f64().unwrap() * factor),
            Value::Array(items) => items.iter_mut().for_each(|i| scale(i, factor)),
            _ => {}
        }
    }
    let mut spec = problem.to_value();
    for key in ["weights", "values"] {
        if let Some(params) = spec["game"].get_mut(key) {
            scale(params, factor);
        }
    }
    Problem::from_value(&spec).expect("a scaled game is a valid game")
}

const FACTORS: [f64; 9] = [
    1e-300, 1e-200, 1e-100, 1e-10, 1.0, 1e10, 1e100, 1e200, 1e300,
];

fn scaled_parameters_give_the_same_shares_on_the_cpu() {
    let mut compared = 0;
    for family in ["proportional", "congestion", "anonymous"] {
        for seed in 0..6 {
            let problem = random_problem(300 + seed, family, "independent");
            for factor in FACTORS {
                let what = format!("{family} seed {seed} × {factor:e}");
                for method in [Method::Exact, Method::Counts, Method::Sample] {
                    if method == Method::Counts && problem.coalitions().len() > 2 {
                        continue;
                    }
                    let options = Options {
                        backend: Backend::Cpu,
                        method,
                        samples: 20_000,
                        ..Default::default()
                    };
                    let (base, run) = (
                        unitsum_gpu::evaluate(&problem, &options).unwrap(),
                        unitsum_gpu::evaluate(&scaled(&problem, factor), &options)
                            .unwrap_or_else(|e| panic!("{what}: {e}")),
                    );
                    assert_close(&what, &run.shares, &base.shares, 1e-12);
                    assert_identities(&what, &run.shares, 1e-12);
                    compared += 1;
                }
            }
        }
    }
    assert!(compared > 100, "only {compared} comparisons");
}

fn scaled_parameters_give_the_same_shares_on_the_gpu(gpu: &mut Evaluator) {
    for family in ["proportional", "congestion", "anonymous"] {
        for seed in 0..3 {
            let problem = random_problem(400 + seed, family, "uniform");
            let reference = cpu(&problem);
            for factor in FACTORS {
                let run = gpu
                    .evaluate(
                        &scaled(&problem, factor),
                        &Options {
                            backend: Backend::Gpu,
                            method: Method::Exact,
                            ..Default::default()
                        },
                    )
                    .unwrap();
                let what = format!("gpu {family} seed {seed} × {factor:e}");
                assert_close(&what, &run.shares, &reference.shares, 1e-5);
            }
        }
    }
}

/// Three players, two actions, everyone uniform, weights `[tiny, 1]`.
fn lopsided(tiny: f64) -> Problem {
    Problem::from_value(&json!({
        "players": 3, "actions": 2,
        "game": {"family": "proportional", "weights": [[tiny, 1.0]]},
        "coalitions": [
            {"members": [0, 1], "policy": {"kind": "uniform"}},
            {"members": [2], "policy": {"kind": "uniform"}}]
    }))
    .unwrap()
}

fn a_wide_ratio_is_exact_on_the_cpu_and_refused_by_the_gpu(gpu: &mut Evaluator) {
    let tiny = 1e-40;
    let problem = lopsided(tiny);
    // By hand: E[(w_a0 + w_a1) / (w_a0 + w_a1 + w_a2)] over the 8 profiles.
    let mut expected = 0.0;
    for profile in 0..8 {
        let w: Vec<f64> = (0..3)
            .map(|i| if profile >> i & 1 == 0 { tiny } else { 1.0 })
            .collect();
        expected += (w[0] + w[1]) / w.iter().sum::<f64>() / 8.0;
    }
    let run = cpu(&problem);
    assert!((run.shares[0][0] - expected).abs() < 1e-15, "{run:?}");
    match gpu.evaluate(
        &problem,
        &Options {
            backend: Backend::Gpu,
            ..Default::default()
        },
    ) {
        Err(Error::TooLarge { message, remedy }) => {
            assert_eq!(remedy, Remedy::CpuBackend);
            assert!(message.contains("f32"), "{message}");
            assert!(message.contains("game.weights[0]"), "{message}");
        }
        other => panic!("the GPU must refuse [1e-40, 1], got {other:?}"),
    }
    // Within the GPU's range it agrees with the CPU.
    let fine = lopsided(1e-20);
    let run = gpu
        .evaluate(
            &fine,
            &Options {
                backend: Backend::Both,
                ..Default::default()
            },
        )
        .unwrap();
    assert!(run.cross_check.unwrap().agree);
}

fn a_ratio_beyond_f64_is_refused_with_the_reason() {
    let spec = lopsided(1.0).to_value();
    for tiny in [1e-310, 1e-301] {
        let mut spec = spec.clone();
        spec["game"]["weights"][0][0] = json!(tiny);
        match Problem::from_value(&spec) {
            Err(e @ Error::TooLarge { .. }) => {
                let message = e.to_string();
                assert!(message.contains("orders of magnitude"), "{message}");
                assert!(message.contains("f64"), "{message}");
                assert!(e.is_bad_input());
            }
            other => panic!("{tiny:e}: expected a refusal, got {other:?}"),
        }
    }
    // 1e-299 is within the range and exact.
    let run = cpu(&lopsided(1e-299));
    assert_identities("1e-299", &run.shares, 1e-15);
}

fn a_result_that_fails_its_checks_is_refused() {
    let good = cpu(&random_problem(7, "proportional", "uniform"));
    unitsum_gpu::internals::verify(&mut good.clone()).expect("a true result passes");
    type Perturbation = fn(&mut unitsum_gpu::Evaluation);
    let perturbations: [(&str, Perturbation); 5] = [
        ("NaN", |e| e.shares[0][0] = f64::NAN),
        ("infinity", |e| e.shares[0][0] = f64::INFINITY),
        ("above 1", |e| e.shares[0][0] = 1.5),
        ("below 0", |e| e.shares[0][0] = -0.01),
        ("not unit-sum", |e| e.shares[0][0] *= 0.5),
    ];
    for (what, perturb) in perturbations {
        let mut bad = good.clone();
        perturb(&mut bad);
        bad.unit_sum_error = unitsum_gpu::internals::unit_sum_error(&bad.shares);
        match unitsum_gpu::internals::verify(&mut bad) {
            Err(e @ Error::InvalidResult(_)) => assert!(!e.is_bad_input(), "{what}"),
            other => panic!("{what}: expected a refusal, got {other:?}"),
        }
    }
    // A route's own error bound never widens the check: an FFT bound of 1
    // does not let a share of 1.00001 through.
    let mut wide = good.clone();
    wide.rounding_bound = Some(1.0);
    wide.shares[0][0] = 1.0 + 1e-6;
    for j in 1..wide.shares.len() {
        wide.shares[j][0] = 0.0;
    }
    wide.shares[1][0] = -1e-6;
    wide.unit_sum_error = unitsum_gpu::internals::unit_sum_error(&wide.shares);
    assert!(matches!(
        unitsum_gpu::internals::verify(&mut wide),
        Err(Error::InvalidResult(_))
    ));
    // A rounding-level hair outside [0, 1] is clamped into it and counted.
    let mut hair = good.clone();
    hair.shares[0][0] = 1.0 + 3e-14;
    hair.shares[1][0] = -3e-14;
    for j in 2..hair.shares.len() {
        hair.shares[j][0] = 0.0;
    }
    hair.unit_sum_error = unitsum_gpu::internals::unit_sum_error(&hair.shares);
    unitsum_gpu::internals::verify(&mut hair).expect("within rounding");
    assert_eq!(hair.clamped, 2);
    assert_eq!((hair.shares[0][0], hair.shares[1][0]), (1.0, 0.0));
    // A NaN never agrees with anything, nor has a unit-sum error of 0.
    let mut nan = good.clone();
    nan.shares[0][0] = f64::NAN;
    assert_eq!(good.max_abs_difference(&nan), f64::INFINITY);
    assert_eq!(
        unitsum_gpu::internals::unit_sum_error(&nan.shares),
        f64::INFINITY
    );
}

fn an_overflowing_anonymous_game_has_the_guarantee_of_its_scaled_twin() {
    let n = 4;
    let base = unitsum_gpu::Game::random("anonymous", n, 2, 1, 5).unwrap();
    let problem = Problem::new(
        n,
        2,
        base,
        vec![
            unitsum_gpu::Coalition::new(vec![0, 1, 2], unitsum_gpu::Policy::Uniform),
            unitsum_gpu::Coalition::new(vec![3], unitsum_gpu::Policy::Uniform),
        ],
    )
    .unwrap();
    let huge = scaled(&problem, 1e308);
    let mut evaluator = Evaluator::new();
    let (v, w) = (
        evaluator.security_value(&problem, 0, Backend::Cpu).unwrap(),
        evaluator.security_value(&huge, 0, Backend::Cpu).unwrap(),
    );
    assert!(
        v.value > 0.5,
        "three of four secure more than half: {}",
        v.value
    );
    assert!(
        (v.value - w.value).abs() < 1e-12,
        "{} vs {}",
        v.value,
        w.value
    );
}

fn a_closed_pipe_ends_the_program_quietly() {
    // More rows than a pipe holds, and a reader that stops after one line.
    let mut child = Command::new(env!("CARGO_BIN_EXE_unitsum-gpu"))
        .args([
            "sweep",
            "theorem1",
            "--players",
            "3..=40",
            "--actions",
            "2..=4",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.is_empty(), "a closed pipe is not an error: {err}");
}

fn a_full_disk_is_exit_1_naming_the_file() {
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    let out = Command::new(env!("CARGO_BIN_EXE_unitsum-gpu"))
        .args(["eval", "examples/theorem1.json", "--backend", "cpu"])
        .stdout(Stdio::from(full()))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot write standard output"), "{err}");
    // A sweep's rows on a full standard output; `--out` takes regular files
    // only, so `--out /dev/full` is refused before anything is written.
    let out = Command::new(env!("CARGO_BIN_EXE_unitsum-gpu"))
        .args(["sweep", "theorem1", "--players", "3..=5"])
        .stdout(Stdio::from(full()))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot write standard output"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let (code, _, err) = bounded(
        &[
            "sweep",
            "theorem1",
            "--players",
            "3..=5",
            "--out",
            "/dev/full",
        ],
        30,
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--out: /dev/full: is not a regular file"),
        "{err}"
    );
}

/// Each case: arguments, a phrase its message must hold.
#[rustfmt::skip]
const BOUNDED_SIZES: &[(&[&str], &str)] = &[
    (&["sweep", "theorem1", "--players", "0..=18446744073709551615"], "--players: lists more than"),
    (&["sweep", "theorem1", "--players", "0..=1000000000"], "--players: lists more than"),
    (&["sweep", "theorem1", "--players", "3,4,5", "--actions", "1..=99999999"], "--actions: lists more than"),
    (&["sweep", "theorem1", "--players", "5", "--opponents", "random:1000000000"], "random:R (1 ≤ R ≤ 10000)"),
    (&["sweep", "theorem2", "--players", "5", "--games", "1000000000"], "--games: 1000000000: expected 1 to 10000"),
    (&["sweep", "theorem2", "--players", "3..=5", "--actions", "2", "--games", "10000", "--opponents", "random:100"], "more than 1000000 points"),
    (&["sweep", "theorem2", "--players", "100000", "--games", "10000", "--opponents", "random:10000"], "more than 1000000 points"),
    (&["sweep", "theorem2", "--family", "plurality", "--players", "100000", "--opponents", "uniform"], "would take more than 2048 MiB"),
    (&["sweep", "theorem2", "--family", "anonymous", "--players", "200", "--actions", "4", "--games", "10000", "--opponents", "uniform"], "would take more than 2048 MiB"),
    (&["sweep", "theorem1", "--players", "99000..=100000", "--sizes", "all", "--opponents", "uniform"], "would take more than 2048 MiB"),
    (&["guarantee", "--curve", "--family", "proportional", "--states", "1000000000"], "--states: 1000000000: expected 1 to 65536"),
    (&["guarantee", "--curve", "--players", "100000"], "needs about"),
    (&["power", "--players", "1000000000"], "--players: 1000000000 players: at most 100000"),
    (&["power", "--family", "proportional", "--players", "1000000000"], "--players: 1000000000 players"),
    (&["power", "--players", "100000"], "compositions"),
    (&["eval", "/dev/zero"], "/dev/zero: (file): not valid JSON"),
    (&["sweep", "theorem1", "--players", "5", "--out", "/dev/full", "--resume"], "--resume needs a regular file"),
];

/// Each case exits 2 within 30 s, under the memory ceiling, with its phrase
/// in the message and no Rust debug formatting.
fn assert_refused(cases: &[(&[&str], &str)]) {
    for (args, phrase) in cases {
        let (code, _, err) = bounded(args, 30);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains(phrase),
            "{args:?}: expected {phrase:?} in {err}"
        );
        assert!(
            !err.contains("Some("),
            "{args:?}: debug formatting in {err}"
        );
    }
}

fn sizes_from_flags_are_bounded_before_anything_is_allocated() {
    assert_refused(BOUNDED_SIZES);
}

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("unitsum-hardening-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn sizes_in_files_are_bounded_before_anything_is_stored() {
    // A grid with a billion states.
    let grid = temp("states.json");
    std::fs::write(
        &grid,
        json!({"players": [4], "actions": [2],
               "games": [{"family": "proportional", "weights": "random", "states": 1_000_000_000u64}],
               "coalitions": [{"size": "majority", "policies": [{"kind": "uniform"}]},
                              {"size": "rest", "policies": [{"kind": "uniform"}]}]})
        .to_string(),
    )
    .unwrap();
    let (code, _, err) = bounded(&["sweep", "grid", grid.to_str().unwrap()], 30);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("games[0].states: 1000000000 states"), "{err}");
    // A table spec of zeros past the value limit: refused while it is read.
    let zeros = temp("zeros.json");
    let count = unitsum_gpu::MAX_TABLE_ENTRIES as usize + (1 << 22) + 10;
    let mut text = String::with_capacity(2 * count + 100);
    text.push_str(r#"{"players": 2, "actions": 2, "game": {"family": "table", "shares": ["#);
    for i in 0..count {
        text.push_str(if i == 0 { "0" } else { ",0" });
    }
    text.push_str("]}}");
    std::fs::write(&zeros, text).unwrap();
    let (code, _, err) = bounded(&["eval", zeros.to_str().unwrap()], 60);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("game.shares["), "{err}");
    assert!(err.contains("values"), "{err}");
    std::fs::remove_file(&zeros).unwrap();
    // A file past the size limit is refused unread (a sparse file).
    let huge = temp("huge.json");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(unitsum_gpu::MAX_INPUT_BYTES + 1)
        .unwrap();
    let (code, _, err) = bounded(&["eval", huge.to_str().unwrap()], 30);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bytes an input file may have"), "{err}");
    std::fs::remove_file(&huge).unwrap();
}

/// Each case: arguments, a phrase its message must hold.
#[rustfmt::skip]
const REFUSED_FLAGS: &[(&[&str], &str)] = &[
    (&["eval", "examples/theorem1.json", "--format", "yaml"], "possible values: table, json, csv"),
    (&["check", "examples/theorem1.json", "--format", "csv"], "possible values: table, json"),
    (&["devices", "--format", "csv"], "possible values: table, json"),
    (&["guarantee", "examples/theorem1.json", "--curve"], "--curve: draws a family's curve and takes no spec file"),
    (&["guarantee", "examples/theorem1.json", "--params", "{}"], "--params: is for --curve"),
    (&["guarantee", "examples/theorem1.json", "--players", "5"], "--players: is for --curve"),
    (&["guarantee", "--curve", "--coalition", "1"], "--coalition: is for a spec's coalition"),
    (&["guarantee", "--curve", "--family", "proportional", "--params", "{\"weights\": [[1, 2, 3]]}", "--states", "2"], "--states: is for drawn parameters"),
    (&["guarantee", "--curve", "--states", "2"], "--states: is for drawn parameters; plurality has none"),
    (&["guarantee", "--curve", "--family", "proportional", "--states", "0"], "--states: 0: expected 1 to 65536"),
    (&["guarantee", "--curve", "--players", "1"], "--players: a curve needs at least 2 players"),
    (&["guarantee", "--curve", "--family", "proportional", "--params", "{\"weights\": 1, \"weights\": 2}"], "--params: weights: appears twice"),
    (&["sweep", "theorem2", "--players", "5", "--games", "0"], "--games: 0: expected 1 to 10000"),
    (&["eval", "examples/theorem1.json", "--backend", "both", "--tolerance", "-1"], "--tolerance: -1: must be a finite number ≥ 0"),
    (&["eval", "examples/theorem1.json", "--backend", "both", "--tolerance", "NaN"], "--tolerance: NaN: must be a finite number ≥ 0"),
    (&["eval", "examples/theorem1.json", "--tolerance", "0.1"], "--tolerance: is for --backend both"),
    (&["eval", "examples/theorem1.json", "--method", "exact", "--samples", "5"], "--samples: is for sampling"),
    (&["eval", "examples/theorem1.json", "--method", "sample", "--counts", "fft"], "--counts: is for the counts method"),
    (&["eval", "examples/theorem1.json", "--max-memory", "-2"], "--max-memory: must be a positive number of GiB, not -2"),
    (&["sweep", "theorem1", "--tolerance", "-1"], "--tolerance: -1: must be a finite number ≥ 0"),
    (&["sweep", "theorem1", "--players", "9..=5"], "--players: \"9..=5\" is empty"),
    (&["sweep", "theorem1", "--players", "3..=9..0"], "--players: \"3..=9..0\": the step must be at least 1"),
    (&["check", "examples/big-plurality.json", "--samples", "0"], "--samples: 0: expected 1 to 1000000000"),
    (&["check", "examples/big-plurality.json", "--samples", "18446744073709551615"], "--samples: 18446744073709551615: expected 1 to 1000000000"),
];

fn flags_are_refused_where_they_do_not_apply_with_the_flag_named() {
    assert_refused(REFUSED_FLAGS);
}

fn a_gpu_name_that_matches_nothing_says_so(_gpu: &mut Evaluator) {
    // Adapters exist (this is a GPU test), none of them is called this.
    let out = Command::new(env!("CARGO_BIN_EXE_unitsum-gpu"))
        .args(["eval", "examples/theorem1.json", "--backend", "gpu"])
        .env("WGPU_ADAPTER_NAME", "no-such-adapter-anywhere")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("matches none of the adapters there are"),
        "{err}"
    );
    assert!(!err.contains("apt-get"), "adapters exist: {err}");
}

fn json_input_takes_a_bom_and_refuses_duplicates_and_deep_nesting() {
    let spec = std::fs::read("examples/theorem1.json").unwrap();
    let bom = temp("bom.json");
    std::fs::write(&bom, [&b"\xEF\xBB\xBF"[..], &spec].concat()).unwrap();
    let (code, _, err) = binary(&["eval", bom.to_str().unwrap(), "--backend", "cpu"]);
    assert_eq!(code, 0, "{err}");
    let text = String::from_utf8(spec).unwrap();
    let duplicate = text.replacen("\"players\": 7,", "\"players\": 7, \"players\": 5,", 1);
    assert_ne!(duplicate, text);
    match Problem::from_json(&duplicate) {
        Err(Error::Spec { path, message }) => {
            assert_eq!(path, "players");
            assert!(message.contains("twice"), "{message}");
        }
        other => panic!("a duplicate key must be refused, got {other:?}"),
    }
    let nested = text.replacen(
        "\"kind\": \"uniform\"",
        &format!(
            "\"kind\": \"uniform\", \"x\": {}1{}",
            "[".repeat(100),
            "]".repeat(100)
        ),
        1,
    );
    match Problem::from_json(&nested) {
        Err(Error::Spec { path, message }) => {
            assert!(path.starts_with("coalitions[1].policy.x[0]"), "{path}");
            assert_eq!(message, "nested deeper than 64 arrays and objects");
        }
        other => panic!("deep nesting must be refused, got {other:?}"),
    }
    // Nesting within the limit is ordinary JSON (the extra key is ignored).
    let fine = text.replacen(
        "\"kind\": \"uniform\"",
        "\"kind\": \"uniform\", \"x\": [[[[[[1]]]]]]",
        1,
    );
    assert!(Problem::from_json(&fine).is_ok());
}

/// Values a mutated flag takes: all invalid or small.
const FLAG_VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "NaN",
    "inf",
    "",
    "x",
    "3..=1",
    "2..=3..0",
    "99999999999999999999999",
    "1e309",
    "random:0",
    "random:99999999",
    "5",
    "2..=3",
    "uniform,worst",
    "0/0",
    "3/2",
];

fn randomly_mutated_flags_never_panic_nor_run_away() {
    let bases: &[&[&str]] = &[
        &[
            "eval",
            "examples/theorem1.json",
            "--backend",
            "cpu",
            "--samples",
            "1000",
            "--seed",
            "3",
            "--max-memory",
            "1",
        ],
        &[
            "sweep",
            "theorem1",
            "--players",
            "3..=5",
            "--actions",
            "2",
            "--opponents",
            "uniform",
            "--samples",
            "1000",
            "--shard",
            "0/2",
        ],
        &[
            "sweep",
            "theorem2",
            "--players",
            "4",
            "--actions",
            "2",
            "--games",
            "1",
            "--opponents",
            "pure",
            "--family",
            "plurality",
        ],
        &[
            "guarantee",
            "--curve",
            "--players",
            "4",
            "--actions",
            "2",
            "--family",
            "proportional",
            "--states",
            "2",
            "--seed",
            "1",
        ],
        &[
            "check",
            "examples/theorem1.json",
            "--samples",
            "100",
            "--seed",
            "2",
        ],
    ];
    let mut rng = StdRng::seed_from_u64(17);
    let mut accepted = 0;
    for _ in 0..60 {
        let base = bases[rng.random_range(0..bases.len())];
        let mut args: Vec<&str> = base.to_vec();
        let values: Vec<usize> = (1..args.len())
            .filter(|&i| args[i - 1].starts_with("--"))
            .collect();
        for _ in 0..rng.random_range(1..=2) {
            let i = values[rng.random_range(0..values.len())];
            args[i] = FLAG_VALUES[rng.random_range(0..FLAG_VALUES.len())];
        }
        let (code, out, err) = bounded(&args, 60);
        assert!([0, 1, 2].contains(&code), "{args:?}: exit {code}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        if code == 0 {
            accepted += 1;
            assert!(
                !out.contains("NaN") && !out.contains("null,"),
                "{args:?}: {out}"
            );
        } else {
            assert!(
                err.contains("error"),
                "{args:?}: exit {code} without a word"
            );
        }
    }
    assert!(accepted > 0, "no mutation ran: the test checks nothing");
}

fn randomly_mutated_grid_files_never_panic_the_binary() {
    let original: Value =
        serde_json::from_str(&std::fs::read_to_string("examples/grids/copy-grid.json").unwrap())
            .unwrap();
    let mut rng = StdRng::seed_from_u64(41);
    let file = temp("mutated-grid.json");
    let mut codes = [0; 3];
    for _ in 0..40 {
        let mut v = original.clone();
        for _ in 0..rng.random_range(1..=3) {
            super::errors::mutate(&mut rng, &mut v, 0);
        }
        // The example's axes keep runs short; mutations that enlarge them
        // must be refused, not run.
        std::fs::write(&file, v.to_string()).unwrap();
        let (code, _, err) = bounded(&["sweep", "grid", file.to_str().unwrap()], 60);
        assert!([0, 1, 2].contains(&code), "exit {code}: {err}\n{v}");
        assert!(!err.contains("panicked"), "{err}\n{v}");
        codes[code as usize] += 1;
    }
    assert!(codes[2] > 0, "no mutated grid was refused: {codes:?}");
}

super::trials! {
    cpu: [
        scaled_parameters_give_the_same_shares_on_the_cpu,
        a_ratio_beyond_f64_is_refused_with_the_reason,
        a_result_that_fails_its_checks_is_refused,
        an_overflowing_anonymous_game_has_the_guarantee_of_its_scaled_twin,
        a_closed_pipe_ends_the_program_quietly,
        a_full_disk_is_exit_1_naming_the_file,
        sizes_from_flags_are_bounded_before_anything_is_allocated,
        sizes_in_files_are_bounded_before_anything_is_stored,
        flags_are_refused_where_they_do_not_apply_with_the_flag_named,
        json_input_takes_a_bom_and_refuses_duplicates_and_deep_nesting,
        randomly_mutated_flags_never_panic_nor_run_away,
        randomly_mutated_grid_files_never_panic_the_binary,
    ],
    gpu: [
        scaled_parameters_give_the_same_shares_on_the_gpu,
        a_wide_ratio_is_exact_on_the_cpu_and_refused_by_the_gpu,
        a_gpu_name_that_matches_nothing_says_so,
    ],
}
