//! `unitsum-gpu sweep`: both presets with every opponent kind, resume,
//! shards, a planted counterexample, plots and bad grids.

use std::collections::HashSet;

use unitsum_gpu::sweep::{Row, Shard};

/// The library's row reader (CSV and JSON lines), the one `--resume` uses.
use unitsum_gpu::sweep::rows::read_rows;

fn sweep(args: &[&str]) -> (i32, String, String) {
    let all: Vec<&str> = std::iter::once("sweep")
        .chain(args.iter().copied())
        .collect();
    super::common::binary(&all)
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("unitsum-sweep-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn rows(path: &std::path::Path) -> Vec<Row> {
    read_rows(path).unwrap()
}

fn backend() -> &'static str {
    if super::common::gpu().is_some() {
        "both"
    } else {
        "cpu"
    }
}

const EVERY_OPPONENT: &str = "uniform,pure,common,random:2,worst";

fn theorem1_small_grid_every_opponent_holds_and_backends_agree() {
    let dir = temp_dir("t1");
    let out = dir.join("t1.jsonl");
    let (code, _, err) = sweep(&[
        "theorem1",
        "--players",
        "3..=7",
        "--actions",
        "2..=3",
        "--sizes",
        "all",
        "--opponents",
        EVERY_OPPONENT,
        "--backend",
        backend(),
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let rows = rows(&out);
    // n = 3..7 with every strict majority below n, 2 action counts, 6 opponents.
    let sizes: usize = (3..=7).map(|n: usize| n - (n / 2 + 1)).sum();
    assert_eq!(rows.len(), sizes * 2 * 6);
    for r in &rows {
        assert_eq!(r.holds, Some(true), "{}", r.point);
        assert!(
            r.min_shares[0] >= 1.0 - 1.0 / r.actions as f64 - 1e-5,
            "{}",
            r.point
        );
        if backend() == "both" {
            assert_eq!(r.agree, Some(true), "{}: {:?}", r.point, r.max_gpu_cpu);
        }
    }
    let worst: Vec<&Row> = rows.iter().filter(|r| r.opponent == "worst").collect();
    assert!(worst
        .iter()
        .all(|r| r.evaluations > 1 && r.worst_actions.is_some()));
}

fn theorem2_small_grid_every_opponent_holds_and_backends_agree() {
    let dir = temp_dir("t2");
    let out = dir.join("t2.csv");
    let (code, _, err) = sweep(&[
        "theorem2",
        "--players",
        "3..=6",
        "--actions",
        "2..=3",
        "--games",
        "1",
        "--opponents",
        EVERY_OPPONENT,
        "--backend",
        backend(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let rows = rows(&out);
    let m2: usize = (3..=6).map(|n: usize| n / 2).sum();
    assert_eq!(rows.len(), 4 * m2 * 2 * 6);
    for r in &rows {
        assert_eq!(r.holds, Some(true), "{}", r.point);
        let q = r.sizes[0] / r.sizes[1];
        assert_eq!(r.bound, Some(q as f64 / (q + 1) as f64));
        if backend() == "both" {
            assert_eq!(r.agree, Some(true), "{}", r.point);
        }
    }
}

fn large_n_presets_run_with_the_counts_method() {
    let (code, out, err) = sweep(&[
        "theorem1",
        "--players",
        "101..=301..100",
        "--actions",
        "3",
        "--opponents",
        "uniform,common,random:1",
    ]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(lines.len(), 3 * 3);
    assert!(lines.iter().any(|l| l.contains(",counts,")), "{out}");
    let (code, _, err) = sweep(&[
        "theorem2",
        "--players",
        "50..=100..50",
        "--actions",
        "2",
        "--family",
        "plurality,congestion",
        "--games",
        "1",
        "--opponents",
        "uniform",
    ]);
    assert_eq!(code, 0, "{err}");
}

fn resume_skips_finished_points_and_survives_a_cut_line() {
    let dir = temp_dir("resume");
    let full = dir.join("full.csv");
    let args = |out: &std::path::Path| -> Vec<String> {
        [
            "theorem1",
            "--players",
            "3..=6",
            "--actions",
            "2..=3",
            "--out",
            out.to_str().unwrap(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let a = args(&full);
    assert_eq!(
        sweep(&a.iter().map(String::as_str).collect::<Vec<_>>()).0,
        0
    );
    let all = rows(&full);
    // A crash after 5 rows, in the middle of the sixth.
    let text = std::fs::read_to_string(&full).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let cut = dir.join("cut.csv");
    std::fs::write(
        &cut,
        format!("{}\n{}", lines[..6].join("\n"), &lines[6][..20]),
    )
    .unwrap();
    // The sweep's identity goes with its rows.
    std::fs::copy(
        dir.join("full.csv.sweep.json"),
        dir.join("cut.csv.sweep.json"),
    )
    .unwrap();
    let mut b = args(&cut);
    b.push("--resume".into());
    let (code, _, err) = sweep(&b.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{err}");
    let resumed = rows(&cut);
    let keys: Vec<&str> = resumed.iter().map(|r| r.point.as_str()).collect();
    let unique: HashSet<&str> = keys.iter().copied().collect();
    assert_eq!(keys.len(), unique.len(), "a point twice");
    let expected: HashSet<&str> = all.iter().map(|r| r.point.as_str()).collect();
    assert_eq!(unique, expected);
    // Resuming a finished file runs nothing and changes nothing.
    let before = std::fs::read_to_string(&cut).unwrap();
    assert_eq!(
        sweep(&b.iter().map(String::as_str).collect::<Vec<_>>()).0,
        0
    );
    assert_eq!(std::fs::read_to_string(&cut).unwrap(), before);
}

fn shards_partition_the_grid() {
    let dir = temp_dir("shards");
    let mut union = Vec::new();
    for i in 0..3 {
        let out = dir.join(format!("shard{i}.jsonl"));
        let shard = format!("{i}/3");
        let (code, _, err) = sweep(&[
            "theorem2",
            "--players",
            "3..=5",
            "--actions",
            "2",
            "--games",
            "1",
            "--format",
            "json",
            "--shard",
            &shard,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        union.extend(rows(&out).into_iter().map(|r| r.point));
    }
    let (code, out, _) = sweep(&[
        "theorem2",
        "--players",
        "3..=5",
        "--actions",
        "2",
        "--games",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let full: Vec<String> = out
        .lines()
        .map(|l| serde_json::from_str::<Row>(l).unwrap().point)
        .collect();
    let unique: HashSet<&String> = union.iter().collect();
    assert_eq!(unique.len(), union.len(), "a point in two shards");
    assert_eq!(unique, full.iter().collect::<HashSet<_>>());
    assert_eq!(sweep(&["theorem2", "--shard", "3/3"]).0, 2);
}

fn a_planted_counterexample_fails_and_is_saved_as_a_spec_that_reproduces_it() {
    let dir = temp_dir("planted");
    // A table game (not symmetric) that pays everything to player 2 whatever
    // is played: copying player 2 cannot protect the pair.
    let shares: Vec<Vec<f64>> = (0..8).map(|_| vec![0.0, 0.0, 1.0]).collect();
    let grid = serde_json::json!({
        "name": "planted", "players": [3], "actions": [2],
        "games": [ { "family": "table", "shares": [shares] } ],
        "coalitions": [
            { "size": 2, "policies": [ { "kind": "copy", "of": 1 } ] },
            { "size": "rest", "policies": [ { "kind": "uniform" }, { "kind": "worst" } ] } ],
        "bound": "theorem2" });
    let file = dir.join("grid.json");
    std::fs::write(&file, grid.to_string()).unwrap();
    let failures = dir.join("failures");
    let (code, _, err) = sweep(&[
        "grid",
        file.to_str().unwrap(),
        "--save-failures",
        failures.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("counterexample"), "{err}");
    let saved: Vec<_> = std::fs::read_dir(&failures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(saved.len(), 2);
    for spec in saved {
        let (_, out, _) = super::common::binary(&[
            "eval",
            spec.to_str().unwrap(),
            "--backend",
            "cpu",
            "--format",
            "json",
        ]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert!(
            v["shares"][0][0].as_f64().unwrap() < 0.5,
            "{spec:?} does not reproduce the failure"
        );
    }
}

fn plots_are_svg_with_titles() {
    let dir = temp_dir("plots");
    for preset in ["theorem1", "theorem2"] {
        let plot = dir.join(format!("{preset}.svg"));
        let (code, _, err) = sweep(&[
            preset,
            "--players",
            "3..=6",
            "--actions",
            "2..=3",
            "--plot",
            plot.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        let svg = std::fs::read_to_string(&plot).unwrap();
        assert!(
            svg.starts_with("<svg")
                && svg.contains(if preset == "theorem1" {
                    "Theorem 1"
                } else {
                    "Theorem 2"
                })
        );
        assert!(
            svg.contains("players n") || svg.contains("fraction"),
            "axis labels"
        );
    }
}

fn bad_sweep_input_exits_2_with_a_message() {
    let dir = temp_dir("bad");
    let file = dir.join("grid.json");
    std::fs::write(
        &file,
        r#"{ "players": [4], "actions": [2], "games": [ { "family": "plurality" } ],
        "coalitions": [ { "size": "majority", "policies": [ { "kind": "common" } ] },
                        { "size": 5, "policies": [ { "kind": "uniform" } ] } ] }"#,
    )
    .unwrap();
    let (code, _, err) = sweep(&["grid", file.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("grid.json") && err.contains("partition"),
        "{err}"
    );
    assert_eq!(sweep(&["theorem1", "--players", "3..=x"]).0, 2);
    assert_eq!(sweep(&["theorem1", "--opponents", "nasty"]).0, 2);
    let (code, _, err) = sweep(&[
        "theorem1",
        "--players",
        "41",
        "--opponents",
        "worst",
        "--actions",
        "6",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("worst"), "{err}");
    assert_eq!(sweep(&["theorem1", "--resume"]).0, 2);
    assert_eq!(
        sweep(&["theorem1", "--players", "5", "--actions", "0"]).0,
        2
    );
    assert_eq!(
        sweep(&["theorem2", "--players", "5", "--actions", "17"]).0,
        2
    );
    let (code, _, err) = sweep(&[
        "theorem2",
        "--family",
        "anonymous",
        "--players",
        "1000",
        "--actions",
        "4",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("needs more than"), "{err}");
    let (code, _, _) = sweep(&[
        "grid",
        "examples/grids/copy-grid.json",
        "--plot",
        dir.join("x.svg").to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "plots are for presets");
}

fn the_example_grid_runs() {
    let (code, out, err) = sweep(&[
        "grid",
        "examples/grids/copy-grid.json",
        "--backend",
        backend(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1 + 3 * 2 * 4 * 4);
}

fn randomly_mutated_grids_never_panic() {
    use rand::{Rng, SeedableRng};
    let original: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("examples/grids/copy-grid.json").unwrap())
            .unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(31);
    let mut accepted = 0;
    for _ in 0..300 {
        let mut v = original.clone();
        for _ in 0..rng.random_range(1..=3) {
            super::errors::mutate(&mut rng, &mut v, 0);
        }
        // Sizes from a mutation can be huge (4294967297 players): only parse
        // grids whose axes stay small, the rest must fail cleanly or be skipped.
        let small = |key: &str| {
            v.get(key)
                .and_then(|a| a.as_array())
                .is_some_and(|a| a.iter().all(|x| x.as_u64().is_some_and(|n| n <= 12)))
        };
        if !(small("players") && small("actions")) {
            // Too large or malformed: an error, never a panic or a huge allocation.
            if v["players"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x.as_u64().is_some_and(|n| n > 100_000)))
            {
                assert!(unitsum_gpu::sweep::grid(&v, Shard::ALL).is_err());
            }
            continue;
        }
        if let Ok(points) = unitsum_gpu::sweep::grid(&v, Shard::ALL) {
            accepted += 1;
            assert!(points.iter().all(|p| p.problem.players() <= 12));
        }
    }
    assert!(
        accepted > 0,
        "no mutated grid was accepted: the test checks nothing"
    );
}

fn a_point_error_keeps_its_kind() {
    use unitsum_gpu::sweep::{theorem1, OpponentKind, Sizes, SweepOptions};
    use unitsum_gpu::{Error, Method};
    let points = theorem1(
        &[5],
        &[3],
        Sizes::Majority,
        &[OpponentKind::Uniform],
        0,
        Shard::ALL,
    )
    .unwrap();
    assert!(!points.is_empty());
    let mut evaluator = unitsum_gpu::Evaluator::new();
    let options = SweepOptions {
        method: Method::Sample,
        samples: 1,
        ..Default::default()
    };
    match evaluator.sweep_point(&points[0], &options) {
        Err(Error::Usage { option, .. }) => assert_eq!(option, "samples"),
        other => panic!("expected a usage error, got {other:?}"),
    }
    // A hand-built `worst` point without a coalition 1 is refused, not a panic.
    let mut lone = points[0].clone();
    lone.opponent = unitsum_gpu::sweep::Opponent::Worst;
    lone.problem = lone
        .problem
        .with_coalitions(vec![unitsum_gpu::Coalition::new(
            (0..5).collect(),
            unitsum_gpu::Policy::Uniform,
        )])
        .unwrap();
    assert!(matches!(
        evaluator.validate_point(&lone),
        Err(Error::Spec { .. })
    ));
    assert!(evaluator
        .sweep_point(&lone, &SweepOptions::default())
        .is_err());
    // And a point that runs gives a row that holds.
    let row = evaluator
        .sweep_point(&points[0], &SweepOptions::default())
        .unwrap();
    assert_eq!(row.holds, Some(true), "{row:?}");
}

/// The `contexts` preset at n = 3..4, k = 2: role-matched copies and
/// translated copies in the proportional family hold their bound on every
/// row; copies by position (no bound applies) fall below ⌊m1/m2⌋'s on some.
fn contexts_sweep_holds_where_a_bound_applies_and_order_copies_fail() {
    let dir = temp_dir("contexts");
    let (csv, svg) = (dir.join("contexts.csv"), dir.join("contexts.svg"));
    let (code, _, err) = sweep(&[
        "contexts",
        "--players",
        "3..=4",
        "--actions",
        "2",
        "--backend",
        backend(),
        "--out",
        csv.to_str().unwrap(),
        "--plot",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let plot = std::fs::read_to_string(&svg).unwrap();
    assert!(
        plot.starts_with("<svg") && plot.contains("contexts"),
        "{}",
        &plot[..80.min(plot.len())]
    );
    let rows = rows(&csv);
    // Below ⌊m1/m2⌋'s bound by more than the GPU's f32 rounding (the
    // translated copies reach it with equality).
    let below = |r: &Row| {
        let q = r.sizes[0] / r.sizes[1];
        r.min_shares[0] < q as f64 / (q + 1) as f64 - 1e-6
    };
    let mut counted = std::collections::HashMap::new();
    for r in &rows {
        *counted
            .entry((r.sweep.as_str(), r.family.as_str()))
            .or_insert(0) += 1;
        let translated_proportional =
            r.sweep == "contexts/translated" && r.family == "proportional";
        if r.sweep == "contexts/role" || translated_proportional {
            assert_eq!(r.holds, Some(true), "{}", r.point);
        } else {
            assert_eq!(r.bound, None, "{}: no bound applies", r.point);
        }
        if backend() == "both" {
            assert_eq!(r.agree, Some(true), "{}: {:?}", r.point, r.max_gpu_cpu);
        }
    }
    assert_eq!(counted.len(), 6, "{counted:?}");
    for family in ["proportional", "congestion"] {
        let fails = rows
            .iter()
            .filter(|r| r.sweep == "contexts/order" && r.family == family && below(r))
            .count();
        assert!(
            fails >= 10,
            "{family}: {fails} order copies below the bound"
        );
    }
    // Translated proportional copies never fall below ⌊m1/m2⌋'s bound.
    assert!(!rows
        .iter()
        .any(|r| r.sweep == "contexts/translated" && r.family == "proportional" && below(r)));
}

/// Each preset and the example grid, built shard by shard, give exactly the
/// points of the whole sweep whose index is the shard's, the same problems
/// and bounds (a shard skips the others without drawing them).
fn a_shard_builds_the_points_of_the_whole_sweep_it_owns() {
    use unitsum_gpu::sweep::{contexts, grid_file, parse_opponents, theorem1, theorem2, Point};
    type Build = Box<dyn Fn(Shard) -> Vec<Point>>;
    let opponents = parse_opponents("uniform,random:3,worst").unwrap();
    let families = |list: &str| list.split(',').map(String::from).collect::<Vec<_>>();
    let builds: Vec<(&str, Build)> = vec![
        ("theorem1", {
            let o = opponents.clone();
            Box::new(move |s| {
                theorem1(
                    &[3, 5, 8],
                    &[2, 3],
                    unitsum_gpu::sweep::Sizes::All,
                    &o,
                    4,
                    s,
                )
                .unwrap()
            })
        }),
        ("theorem2", {
            let (o, f) = (
                opponents.clone(),
                families("plurality,proportional,congestion,anonymous"),
            );
            Box::new(move |s| theorem2(&f, &[3, 4, 6], &[2, 3], 2, &o, 5, s).unwrap())
        }),
        ("contexts", {
            let (o, f) = (opponents.clone(), families("proportional,congestion"));
            Box::new(move |s| contexts(&f, &[3, 4, 5], &[2, 3], 2, &o, 6, s).unwrap())
        }),
        (
            "grid",
            Box::new(|s| grid_file("examples/grids/copy-grid.json", s).unwrap()),
        ),
    ];
    let describe = |p: &Point| {
        format!(
            "{} {} {} {:?} {:?} {}",
            p.key,
            p.opponent_label,
            p.game,
            p.opponent,
            p.bound,
            p.problem.to_json()
        )
    };
    for (name, build) in &builds {
        let whole: Vec<String> = build(Shard::ALL).iter().map(describe).collect();
        assert!(whole.len() > 20, "{name}: {} points", whole.len());
        for count in [2, 3, 7, whole.len() + 5] {
            let mut seen = 0;
            for index in 0..count {
                let part: Vec<String> = build(Shard::new(index, count).unwrap())
                    .iter()
                    .map(describe)
                    .collect();
                let expected: Vec<String> = whole
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i % count == index)
                    .map(|(_, p)| p.clone())
                    .collect();
                assert_eq!(part, expected, "{name}: shard {index}/{count}");
                seen += part.len();
            }
            assert_eq!(seen, whole.len(), "{name}: {count} shards");
        }
    }
}

/// The point limit counts the points of the shard: a sweep of 1000100
/// points is refused whole and runs as a shard of 11 points; a shard of a
/// sweep three times as large is refused naming the shard; the whole sweep
/// has a limit of its own.
fn point_limits_count_the_points_of_the_shard() {
    let large = [
        "theorem1",
        "--players",
        "3..=102",
        "--actions",
        "2",
        "--opponents",
        "uniform,random:10000",
    ];
    let (code, _, err) = sweep(&large);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("the sweep has more than 1000000 points"),
        "{err}"
    );
    let (code, out, err) = sweep(&[&large[..], &["--shard", "7/100000"]].concat());
    assert_eq!(code, 0, "{err}");
    let keys: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(keys.len(), 11, "{out}");
    // Point 7 is n = 3's random#6 (after uniform and random#0..5).
    assert_eq!(keys[0], "theorem1 n=3 k=2 s=2 opponent=random#6", "{out}");
    let larger = [
        "theorem1",
        "--players",
        "3..=22",
        "--actions",
        "2..=16",
        "--opponents",
        "uniform,random:10000",
        "--shard",
        "0/3",
    ];
    let (code, _, err) = sweep(&larger);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("shard 0/3 of the sweep has more than 1000000 points"),
        "{err}"
    );
    // Beyond the whole sweep's limit, no shard count helps.
    let (code, _, err) = sweep(&[
        "contexts",
        "--players",
        "400",
        "--opponents",
        "random:10000",
        "--shard",
        "0/1000000",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("more than 1000000000 points in all"), "{err}");
}

/// A sampling sweep needs enough samples for a standard error: two are
/// refused by name, and the minimum is the fewest with which 5 standard
/// errors at the largest variance outweigh what a standard error cannot see.
fn a_sampling_sweep_refuses_too_few_samples() {
    use unitsum_gpu::sweep::{sampling_allowance, MIN_SWEEP_SAMPLES};
    for samples in ["2", "138"] {
        let (code, _, err) = sweep(&[
            "theorem1",
            "--players",
            "3..=5",
            "--actions",
            "2",
            "--method",
            "sample",
            "--samples",
            samples,
        ]);
        assert_eq!(code, 2, "{samples}: {err}");
        assert!(err.contains("--samples"), "{err}");
        assert!(err.contains("at least 139 samples"), "{err}");
    }
    let outweighs = |s: u64| 5.0 * 0.5 / (s as f64).sqrt() >= sampling_allowance(0.0, s, 1);
    let first = (2..10_000).find(|&s| outweighs(s)).unwrap();
    assert_eq!(first, MIN_SWEEP_SAMPLES);
    assert!((MIN_SWEEP_SAMPLES..100_000).all(outweighs));
    // Its variance term is the README's 5 standard errors.
    let term = sampling_allowance(0.01, 1001, 1) - sampling_allowance(0.0, 1001, 1);
    assert!((term - 0.05).abs() < 1e-12, "{term}");
    // At the minimum, the range term can still tell a share of 0.2 from a
    // bound of 1/2.
    assert!(sampling_allowance(0.0, MIN_SWEEP_SAMPLES, 1) < 0.3);
}

/// A two-player table game where player 1 rarely (p = 0.002) plays the
/// action that pays coalition 0 everything: r_0 = low (1 − p) + p.
fn rare_event_point(low: f64) -> (unitsum_gpu::sweep::Point, unitsum_gpu::Problem) {
    use unitsum_gpu::sweep::{Bound, Opponent, Point};
    let spec = serde_json::json!({
        "players": 2, "actions": 2,
        "game": { "family": "table", "shares": [[
            [low, 1.0 - low], [0.5, 0.5], [1.0, 0.0], [0.5, 0.5] ]] },
        "coalitions": [
            { "members": [0], "policy": { "kind": "pure", "actions": [0] } },
            { "members": [1], "policy": { "kind": "independent", "marginals": [[0.998, 0.002]] } } ] });
    let problem = unitsum_gpu::Problem::from_json(&spec.to_string()).unwrap();
    let point = Point {
        key: format!("rare low={low}"),
        sweep: "rare".into(),
        opponent_label: "rare".into(),
        game: 0,
        problem: problem.clone(),
        opponent: Opponent::Given,
        bound: Some(Bound::Theorem2 { copies: 1 }),
    };
    (point, problem)
}

/// Sampled draws that all fell on the common profile have a standard error
/// of 0 and an estimate below the bound: no counterexample, since a rare
/// profile the draws missed can make up the deficit (and does: the exact
/// share holds the bound). A deficit the samples resolve still fails.
fn a_sampled_point_with_zero_standard_error_is_no_false_counterexample() {
    use unitsum_gpu::sweep::{SweepOptions, MIN_SWEEP_SAMPLES};
    use unitsum_gpu::{Method, Options};
    let mut evaluator = unitsum_gpu::Evaluator::new();
    let (point, problem) = rare_event_point(0.499);
    let exact = evaluator
        .evaluate(
            &problem,
            &Options {
                method: Method::Exact,
                ..Options::default()
            },
        )
        .unwrap();
    assert!((exact.shares[0][0] - (0.499 * 0.998 + 0.002)).abs() < 1e-12);
    assert!(exact.shares[0][0] >= 0.5, "the bound holds exactly");
    let options = |seed| SweepOptions {
        method: Method::Sample,
        samples: MIN_SWEEP_SAMPLES,
        seed,
        ..SweepOptions::default()
    };
    // A seed whose draws all miss the rare profile (about 3 in 4 do).
    let seed = (0..40)
        .find(|&seed| {
            let o = options(seed);
            let run = evaluator
                .evaluate(
                    &problem,
                    &Options {
                        method: Method::Sample,
                        samples: o.samples,
                        seed,
                        ..Options::default()
                    },
                )
                .unwrap();
            run.stderr.as_ref().unwrap()[0][0] == 0.0
        })
        .expect("some seed draws only the common profile");
    let row = evaluator.sweep_point(&point, &options(seed)).unwrap();
    assert!((row.min_shares[0] - 0.499).abs() < 1e-12, "{row:?}");
    assert!(row.margin.unwrap() < 0.0, "{row:?}");
    assert_eq!(row.holds, Some(true), "a false counterexample: {row:?}");
    // A real deficit (r_0 = 0.3014 against 1/2), resolved by enough samples.
    let (point, _) = rare_event_point(0.3);
    let row = evaluator
        .sweep_point(
            &point,
            &SweepOptions {
                method: Method::Sample,
                ..SweepOptions::default()
            },
        )
        .unwrap();
    assert_eq!(row.holds, Some(false), "{row:?}");
}

super::trials! {
    cpu: [a_point_error_keeps_its_kind, theorem1_small_grid_every_opponent_holds_and_backends_agree, theorem2_small_grid_every_opponent_holds_and_backends_agree, large_n_presets_run_with_the_counts_method, resume_skips_finished_points_and_survives_a_cut_line, shards_partition_the_grid, a_planted_counterexample_fails_and_is_saved_as_a_spec_that_reproduces_it, plots_are_svg_with_titles, bad_sweep_input_exits_2_with_a_message, the_example_grid_runs, randomly_mutated_grids_never_panic, contexts_sweep_holds_where_a_bound_applies_and_order_copies_fail, a_shard_builds_the_points_of_the_whole_sweep_it_owns, point_limits_count_the_points_of_the_shard, a_sampling_sweep_refuses_too_few_samples, a_sampled_point_with_zero_standard_error_is_no_false_counterexample],
    gpu: [],
}
