//! Guarantees at scale: the double oracle against the dense LP, its two
//! certificates recomputed from the printed JSON by an independent payoff
//! (`Game::player_shares`), the `counts` policy fed back to `eval`, the spy
//! value's order, and the theorems at n = 1000.

use super::common::binary;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use unitsum_gpu::internals::{random_game, CountVectors};
use unitsum_gpu::{
    Backend, Coalition, CurveOptions, Evaluator, Game, GuaranteeOptions, Policy, Problem, Solver,
};

/// The symmetric families.
const FAMILIES: [&str; 4] = ["plurality", "proportional", "congestion", "anonymous"];

/// The first `s` players against the other `n − s`, everyone uniform.
fn split(game: Game, n: usize, k: usize, s: usize) -> Problem {
    Problem::new(
        n,
        k,
        game,
        vec![
            Coalition::new((0..s).collect(), Policy::Uniform),
            Coalition::new((s..n).collect(), Policy::Uniform),
        ],
    )
    .unwrap()
}

fn solver(solver: Solver) -> GuaranteeOptions {
    GuaranteeOptions {
        solver,
        spy: Some(true),
        ..Default::default()
    }
}

fn double_oracle_equals_the_dense_lp_on_every_symmetric_family() {
    let mut rng = StdRng::seed_from_u64(41);
    let mut evaluator = Evaluator::new();
    let mut cases = 0;
    for family in FAMILIES {
        for states in [1, 2] {
            for (n, k) in [(9, 2), (8, 3), (6, 4)] {
                let game = random_game(&mut rng, family, n, k, states).unwrap();
                for s in 1..n {
                    let problem = split(game.clone(), n, k, s);
                    let dense = evaluator
                        .security_value_with(&problem, 0, &solver(Solver::Dense))
                        .unwrap();
                    let oracle = evaluator
                        .security_value_with(&problem, 0, &solver(Solver::DoubleOracle))
                        .unwrap();
                    let name = format!("{family} S={states} n={n} k={k} s={s}");
                    assert_eq!(oracle.solver, Solver::DoubleOracle, "{name}");
                    assert!(
                        (oracle.value - dense.value).abs() <= 1e-9,
                        "{name}: double oracle {} ≠ dense {}",
                        oracle.value,
                        dense.value
                    );
                    let upper = oracle.upper.unwrap();
                    assert!(upper - oracle.lower <= unitsum_gpu::GAP, "{name}: gap");
                    assert!(oracle.lower <= upper + 1e-12, "{name}: bounds crossed");
                    assert!(oracle.check_error().unwrap() <= 1e-9, "{name}: check");
                    assert!(oracle.stopped.is_none(), "{name}: {:?}", oracle.stopped);
                    // The spy value by pruned search equals the dense matrix's maxmin.
                    let (a, b) = (dense.spy_value.unwrap(), oracle.spy_value.unwrap());
                    assert!((a - b).abs() <= 1e-12, "{name}: spy {a} ≠ {b}");
                    assert!(b <= oracle.value + 1e-12, "{name}: spy above v");
                    cases += 1;
                }
            }
        }
    }
    assert_eq!(cases, 4 * 2 * (8 + 7 + 5));
}

/// `f_x(N, M)` from the game's definition: the first s players on the
/// actions of `n` (in order), the rest on those of `m`.
fn payoff(game: &Game, k: usize, x: usize, n: &[usize], m: &[usize]) -> f64 {
    let profile: Vec<usize> = n
        .iter()
        .chain(m)
        .enumerate()
        .flat_map(|(b, &c)| std::iter::repeat_n(b % k, c))
        .collect();
    let s: usize = n.iter().sum();
    game.player_shares(x, &profile, k)[..s].iter().sum()
}

fn every_count_vector(total: usize, k: usize) -> Vec<Vec<usize>> {
    let mut walk = CountVectors::new(total as u32, k);
    let mut out = Vec::new();
    while let Some(v) = walk.next_vector() {
        out.push(v.iter().map(|&c| c as usize).collect());
    }
    out
}

fn counts_of(v: &Value) -> Vec<usize> {
    super::common::json_u64s(v)
        .into_iter()
        .map(|c| c as usize)
        .collect()
}

/// The lower bound of a policy (count vector, p) over every (x, M).
fn lower_of(game: &Game, k: usize, m: usize, policy: &[(Vec<usize>, f64)]) -> f64 {
    let mut lowest = f64::INFINITY;
    for x in 0..game.states() {
        for reply in every_count_vector(m, k) {
            let v: f64 = policy
                .iter()
                .map(|(n, p)| p * payoff(game, k, x, n, &reply))
                .sum();
            lowest = lowest.min(v);
        }
    }
    lowest
}

fn the_certificates_recompute_from_the_printed_json() {
    let (n, k, s) = (24, 3, 13);
    let mut rng = StdRng::seed_from_u64(43);
    for family in ["plurality", "proportional", "anonymous"] {
        let game = random_game(&mut rng, family, n, k, 2).unwrap();
        let problem = split(game.clone(), n, k, s);
        let path = std::env::temp_dir().join(format!(
            "unitsum-double-oracle-{}-{family}.json",
            std::process::id()
        ));
        std::fs::write(&path, problem.to_json()).unwrap();
        let spec = path.to_str().unwrap();
        let (code, out, err) = binary(&[
            "guarantee",
            spec,
            "--solver",
            "double-oracle",
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        let (lower, upper) = (v["lower"].as_f64().unwrap(), v["upper"].as_f64().unwrap());
        assert!(upper - lower <= 1e-9, "{family}: gap {}", upper - lower);
        assert_eq!(v["value"].as_f64().unwrap(), lower);
        assert_eq!(v["policy"]["kind"], "counts");
        let policy: Vec<(Vec<usize>, f64)> = v["policy"]["support"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (counts_of(&e["counts"]), e["p"].as_f64().unwrap()))
            .collect();
        let mix: Vec<(usize, Vec<usize>, f64)> = v["reply_mix"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let x = e["state"].as_u64().unwrap() as usize;
                (x, counts_of(&e["counts"]), e["p"].as_f64().unwrap())
            })
            .collect();
        // The lower bound: the policy against every (state, count vector).
        let recomputed = lower_of(&game, k, n - s, &policy);
        assert!(
            (recomputed - lower).abs() <= 1e-12,
            "{family}: lower {lower}, recomputed {recomputed}"
        );
        // The upper bound: every count vector of the coalition against the mix.
        let best = every_count_vector(s, k)
            .iter()
            .map(|strategy| {
                mix.iter()
                    .map(|(x, m, p)| p * payoff(&game, k, *x, strategy, m))
                    .sum::<f64>()
            })
            .fold(f64::NEG_INFINITY, f64::max);
        assert!(
            (best - upper).abs() <= 1e-12,
            "{family}: upper {upper}, recomputed {best}"
        );
        // A perturbed certificate fails the recomputation: half the first
        // entry's probability moved onto a count vector outside the support.
        let outside = every_count_vector(s, k)
            .into_iter()
            .find(|c| policy.iter().all(|(d, _)| d != c))
            .unwrap();
        let mut perturbed = policy.clone();
        let moved = perturbed[0].1 / 2.0;
        perturbed[0].1 -= moved;
        perturbed.push((outside, moved));
        let changed = lower_of(&game, k, n - s, &perturbed);
        assert!(
            (changed - lower).abs() > 1e-9,
            "{family}: a perturbed policy still gives {changed}"
        );
        // The counts policy fed back to `eval` against the worst reply in
        // its state reproduces the lower bound.
        let worst = super::common::json_u64s(&v["worst_reply"]);
        let mut doc: Value = serde_json::from_str(&problem.to_json()).unwrap();
        doc["coalitions"][0]["policy"] = v["policy"].clone();
        doc["coalitions"][1]["policy"] = serde_json::json!({ "kind": "pure", "actions": worst });
        std::fs::write(&path, doc.to_string()).unwrap();
        let (code, out, err) = binary(&["eval", spec, "--backend", "cpu", "--format", "json"]);
        assert_eq!(code, 0, "{err}");
        let e: Value = serde_json::from_str(&out).unwrap();
        let x = v["worst_state"].as_u64().unwrap() as usize;
        let r = e["shares"][0][x].as_f64().unwrap();
        assert!(
            (r - lower).abs() <= 1e-9,
            "{family}: eval {r}, lower {lower}"
        );
        let _ = std::fs::remove_file(&path);
    }
}

fn spy_value_at_most_security_value_at_most_best_response() {
    let mut rng = StdRng::seed_from_u64(47);
    let mut evaluator = Evaluator::new();
    for family in FAMILIES {
        for _ in 0..3 {
            let k = rng.random_range(2..=3);
            let n: usize = rng.random_range(5..=9);
            // At least as many as the others, so that copy is available.
            let s = rng.random_range(n.div_ceil(2)..n);
            let states = rng.random_range(1..=2);
            let game = random_game(&mut rng, family, n, k, states).unwrap();
            let marginals = unitsum_gpu::internals::random_marginals(&mut rng, n - s, k);
            let problem = Problem::new(
                n,
                k,
                game,
                vec![
                    Coalition::new((0..s).collect(), Policy::Uniform),
                    Coalition::new((s..n).collect(), Policy::Independent { marginals }),
                ],
            )
            .unwrap();
            let name = format!("{family} n={n} k={k} s={s}");
            let v = evaluator
                .security_value_with(&problem, 0, &solver(Solver::Auto))
                .unwrap();
            let b = evaluator.best_response(&problem, 0, Backend::Cpu).unwrap();
            let spy = v.spy_value.unwrap();
            assert!(spy <= v.value + 1e-12, "{name}: spy {spy} > v {}", v.value);
            assert!(
                v.value <= b.value + 1e-9,
                "{name}: v {} > best response {}",
                v.value,
                b.value
            );
            let (copy, informed) = (b.copy_value.unwrap(), b.informed_copy_value.unwrap());
            assert!(
                informed <= copy + 1e-12,
                "{name}: informed copy {informed} > copy {copy}"
            );
            assert!(informed >= 0.0, "{name}");
        }
    }
}

fn curves_at_n_1000_meet_both_theorems() {
    let mut evaluator = Evaluator::new();
    let (n, k) = (1000, 3);
    let sizes = vec![100, 334, 501, 600, 667, 750, 900];
    let options = CurveOptions {
        guarantee: GuaranteeOptions {
            spy: Some(false),
            ..Default::default()
        },
        sizes: Some(sizes.clone()),
    };
    let mut rng = StdRng::seed_from_u64(53);
    for game in [
        Game::Plurality,
        random_game(&mut rng, "proportional", n, k, 1).unwrap(),
    ] {
        let family = game.family();
        let mut points = Vec::new();
        evaluator
            .power_curve_with(game, n, k, &options, &mut |p| {
                points.push(p.clone());
                Ok(())
            })
            .unwrap();
        assert_eq!(points.iter().map(|p| p.size).collect::<Vec<_>>(), sizes);
        for p in &points {
            let name = format!("{family} s={}", p.size);
            assert_eq!(p.solver, Solver::DoubleOracle, "{name}");
            assert!(p.upper.unwrap() - p.value <= 1e-9, "{name}: gap");
            if let Some(b) = p.theorem1 {
                assert!(p.value >= b - 1e-9, "{name}: v = {} < 1 − 1/k", p.value);
            }
            if let Some(b) = p.theorem2 {
                assert!(
                    p.value >= b - 1e-9,
                    "{name}: v = {} < q/(q+1) = {b}",
                    p.value
                );
            }
        }
        assert!(points.windows(2).all(|w| w[1].value >= w[0].value - 1e-9));
        // Theorem 1's bound is strict in the plurality game at s = 501: the
        // majority's common uniform action gets at least 2/3.
        if family == "plurality" {
            assert!(points[2].theorem1.is_some() && points[1].theorem1.is_none());
        }
    }
}

fn counts_policies_equal_their_joint_form() {
    // In a table game (not symmetric) a counts policy is the joint policy
    // that spreads each count vector's probability over its arrangements.
    let mut rng = StdRng::seed_from_u64(59);
    let mut evaluator = Evaluator::new();
    for _ in 0..5 {
        let (n, k) = (5, 2);
        let game = random_game(&mut rng, "table", n, k, 2).unwrap();
        let support = vec![(vec![2, 1], 0.25), (vec![0, 3], 0.75)];
        let mut joint = Vec::new();
        for (counts, p) in &support {
            let arrangements: Vec<Vec<usize>> = (0..k.pow(3))
                .map(|i| (0..3).map(|d| (i / k.pow(d)) % k).collect::<Vec<usize>>())
                .filter(|a| a.iter().filter(|&&b| b == 1).count() == counts[1])
                .collect();
            let each = p / arrangements.len() as f64;
            joint.extend(arrangements.into_iter().map(|a| (a, each)));
        }
        let with = |policy: Policy| {
            Problem::new(
                n,
                k,
                game.clone(),
                vec![
                    Coalition::new(vec![0, 2, 4], policy),
                    Coalition::new(vec![1, 3], Policy::Uniform),
                ],
            )
            .unwrap()
        };
        let options = unitsum_gpu::Options {
            backend: Backend::Cpu,
            method: unitsum_gpu::Method::Exact,
            ..Default::default()
        };
        let a = evaluator
            .evaluate(&with(Policy::Counts { support }), &options)
            .unwrap();
        let b = evaluator
            .evaluate(&with(Policy::Joint { support: joint }), &options)
            .unwrap();
        assert!(
            a.max_abs_difference(&b) <= 1e-14,
            "{:?} {:?}",
            a.shares,
            b.shares
        );
    }
}

fn guarantee_flags_for_the_double_oracle() {
    let run = |args: &[&str]| {
        let all: Vec<&str> = std::iter::once("guarantee")
            .chain(args.iter().copied())
            .collect();
        binary(&all)
    };
    for (args, flag) in [
        (
            vec!["examples/table.json", "--solver", "double-oracle"],
            "solver",
        ),
        (vec!["examples/theorem1.json", "--sizes", "1"], "sizes"),
        (
            vec!["examples/theorem1.json", "--max-iterations", "0"],
            "max-iterations",
        ),
        (
            vec!["examples/theorem1.json", "--max-seconds", "-1"],
            "max-seconds",
        ),
        (
            vec!["examples/theorem1.json", "--against", "given", "--spy"],
            "spy",
        ),
        (
            vec!["--curve", "--players", "10", "--sizes", "0,3"],
            "sizes",
        ),
        (vec!["--curve", "--players", "10", "--sizes", "10"], "sizes"),
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(&format!("--{flag}")), "{args:?}: {err}");
    }
    // A cap that stops the double oracle prints both bounds and says so.
    let (code, out, err) = run(&[
        "--curve",
        "--players",
        "60",
        "--sizes",
        "20",
        "--solver",
        "double-oracle",
        "--max-iterations",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("cap of 1 rounds"), "{err}");
    let row: Value = serde_json::from_str(out.trim()).unwrap();
    assert!(row["upper"].as_f64().unwrap() > row["value"].as_f64().unwrap() + 1e-9);
}

fn the_share_table_matches_the_gpu(gpu: &mut Evaluator) {
    let mut rng = StdRng::seed_from_u64(61);
    for family in FAMILIES {
        let game = random_game(&mut rng, family, 30, 3, 2).unwrap();
        let problem = split(game, 30, 3, 17);
        let options = GuaranteeOptions {
            backend: Backend::Both,
            solver: Solver::DoubleOracle,
            ..Default::default()
        };
        let v = gpu.security_value_with(&problem, 0, &options).unwrap();
        let d = v.max_gpu_cpu.expect("compared");
        assert!(
            d <= unitsum_gpu::internals::PAYOFF_TOLERANCE,
            "{family}: {d}"
        );
        assert!(v.upper.unwrap() - v.lower <= 1e-9, "{family}");
    }
}

super::trials! {
    cpu: [double_oracle_equals_the_dense_lp_on_every_symmetric_family, the_certificates_recompute_from_the_printed_json, spy_value_at_most_security_value_at_most_best_response, curves_at_n_1000_meet_both_theorems, counts_policies_equal_their_joint_form, guarantee_flags_for_the_double_oracle],
    gpu: [the_share_table_matches_the_gpu],
}
