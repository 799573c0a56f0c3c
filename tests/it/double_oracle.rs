//! Guarantees at scale: the double oracle against the dense LP, its two
//! certificates recomputed from the printed JSON by an independent payoff
//! (`Game::player_shares`), the `counts` policy fed back to `eval`, the spy
//! value's order, and the theorems at n = 1000.

use super::common::binary;
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use unitsum_gpu::internals::{
    count_vector_rank, double_oracle_with, random_game, CountVectors, ShareSource, Simplex,
};
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
        // Shares on the fly: the kernel's shares of the certificates' count
        // vectors are compared instead of a whole table.
        let streamed =
            double_oracle_with(gpu, &problem, 0, &options, ShareSource::Streamed).unwrap();
        let d = streamed.max_gpu_cpu.expect("compared");
        assert!(
            d <= unitsum_gpu::internals::PAYOFF_TOLERANCE,
            "{family} streamed: {d}"
        );
        assert!(
            (streamed.lower - v.lower).abs() <= 1e-12,
            "{family} streamed"
        );
    }
}

/// Ranks of count vectors on the simplex: hand-worked order, the walk, the
/// round trip, and the size at n = 1000, k = 4.
fn simplex_ranks_are_a_bijection() {
    // Two players over three actions, lexicographic ascending.
    let hand: [[u32; 3]; 6] = [
        [0, 0, 2],
        [0, 1, 1],
        [0, 2, 0],
        [1, 0, 1],
        [1, 1, 0],
        [2, 0, 0],
    ];
    let simplex = Simplex::new(2, 3);
    assert_eq!(simplex.len(), 6);
    let mut v = [0; 3];
    for (r, h) in hand.iter().enumerate() {
        assert_eq!(simplex.rank(h), r as u64, "{h:?}");
        simplex.unrank(r as u64, &mut v);
        assert_eq!(&v, h);
    }
    for k in 1..=5 {
        for total in 0..=12 {
            let simplex = Simplex::new(total, k);
            let mut walk = vec![0; k];
            simplex.unrank(0, &mut walk);
            let mut seen = std::collections::HashSet::new();
            for r in 0..simplex.len() {
                let mut v = vec![0; k];
                simplex.unrank(r, &mut v);
                assert_eq!(v, walk, "k={k} total={total} r={r}");
                assert_eq!(v.iter().sum::<u32>(), total);
                assert_eq!(simplex.rank(&v), r);
                assert_eq!(count_vector_rank(&v), r);
                assert!(seen.insert(v));
                assert_eq!(simplex.advance(&mut walk), r + 1 < simplex.len());
            }
            // C(total + k − 1, k − 1) vectors, every one reached.
            let mut count = 0;
            let mut all = CountVectors::new(total, k);
            while let Some(v) = all.next_vector() {
                assert!(seen.contains(v));
                count += 1;
            }
            assert_eq!(count, simplex.len());
        }
    }
    let big = Simplex::new(1000, 4);
    assert_eq!(big.len(), 1003 * 1002 * 1001 / 6);
    assert_eq!(big.rank(&[1000, 0, 0, 0]), big.len() - 1);
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let vectors = (1usize..=6).prop_flat_map(|k| proptest::collection::vec(0u32..400, k));
    runner
        .run(&vectors, |v| {
            let simplex = Simplex::new(v.iter().sum(), v.len());
            let mut back = vec![0; v.len()];
            simplex.unrank(simplex.rank(&v), &mut back);
            prop_assert_eq!(back, v);
            Ok(())
        })
        .unwrap();
}

/// The double oracle on shares computed on the fly gives the table's
/// certificates, policy and spy value (the same f64 shares, so within
/// 1e-12 and in practice equal).
fn streamed_shares_equal_the_share_table() {
    let mut rng = StdRng::seed_from_u64(67);
    let mut evaluator = Evaluator::new();
    let options = GuaranteeOptions {
        spy: Some(true),
        ..solver(Solver::DoubleOracle)
    };
    for family in FAMILIES {
        for states in [1, 2] {
            for (n, k) in [(9, 2), (13, 3), (10, 4), (7, 5)] {
                let game = random_game(&mut rng, family, n, k, states).unwrap();
                for s in [1, n / 2, n / 2 + 1, n - 1] {
                    let problem = split(game.clone(), n, k, s);
                    let name = format!("{family} S={states} n={n} k={k} s={s}");
                    let run = |evaluator: &mut Evaluator, source| {
                        double_oracle_with(evaluator, &problem, 0, &options, source).unwrap()
                    };
                    let table = run(&mut evaluator, ShareSource::Table);
                    let streamed = run(&mut evaluator, ShareSource::Streamed);
                    agree(&name, &table, &streamed);
                }
            }
        }
    }
}

/// Two double-oracle answers agree to 1e-12: bounds, spy value, policy.
fn agree(name: &str, a: &unitsum_gpu::SecurityValue, b: &unitsum_gpu::SecurityValue) {
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-12;
    assert!(
        close(a.lower, b.lower),
        "{name}: lower {} ≠ {}",
        a.lower,
        b.lower
    );
    let (ua, ub) = (a.upper.unwrap(), b.upper.unwrap());
    assert!(close(ua, ub), "{name}: upper {ua} ≠ {ub}");
    assert!(ua - a.lower <= unitsum_gpu::GAP, "{name}: gap");
    let (sa, sb) = (a.spy_value.unwrap(), b.spy_value.unwrap());
    assert!(close(sa, sb), "{name}: spy {sa} ≠ {sb}");
    assert_eq!(a.policy, b.policy, "{name}: policy");
    assert_eq!(a.worst_reply, b.worst_reply, "{name}: worst reply");
}

/// Random symmetric games, sizes and coalitions: the streamed double oracle
/// equals the table's (proptest, shrinking to the smallest disagreement).
fn streamed_shares_equal_the_share_table_on_random_games() {
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 24,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let cases = (0usize..4, 1usize..=2, 2usize..=5, 2usize..=14, any::<u64>())
        .prop_flat_map(|(f, states, k, n, seed)| (Just((f, states, k, n, seed)), 1..n));
    runner
        .run(&cases, |((f, states, k, n, seed), s)| {
            // At most a few thousand count vectors of all n players.
            let n = n.min([0, 0, 14, 14, 10, 8][k]);
            let s = s.min(n - 1).max(1);
            let mut rng = StdRng::seed_from_u64(seed);
            let game = random_game(&mut rng, FAMILIES[f], n, k, states).unwrap();
            let problem = split(game, n, k, s);
            let mut evaluator = Evaluator::new();
            let options = GuaranteeOptions {
                spy: Some(true),
                ..solver(Solver::DoubleOracle)
            };
            let mut run =
                |source| double_oracle_with(&mut evaluator, &problem, 0, &options, source);
            let (a, b) = (
                run(ShareSource::Table).unwrap(),
                run(ShareSource::Streamed).unwrap(),
            );
            agree(
                &format!("{} S={states} n={n} k={k} s={s}", FAMILIES[f]),
                &a,
                &b,
            );
            Ok(())
        })
        .unwrap();
}

/// The certificates of the streamed double oracle recomputed from the
/// game's definition (`Game::player_shares`) on every count vector, at
/// k = 4 and 5 in every symmetric family (random anonymous games take
/// hundreds of rounds at n = 22, k = 4: smaller sizes keep this fast).
fn streamed_certificates_recompute_from_the_definition() {
    let mut rng = StdRng::seed_from_u64(71);
    let mut evaluator = Evaluator::new();
    for family in FAMILIES {
        for (n, k, s) in [(16, 4, 9), (9, 5, 4)] {
            let game = random_game(&mut rng, family, n, k, 2).unwrap();
            let problem = split(game.clone(), n, k, s);
            let v = double_oracle_with(
                &mut evaluator,
                &problem,
                0,
                &solver(Solver::DoubleOracle),
                ShareSource::Streamed,
            )
            .unwrap();
            let name = format!("{family} n={n} k={k} s={s}");
            let Policy::Counts { support } = &v.policy else {
                panic!("{name}: a counts policy")
            };
            let lower = lower_of(&game, k, n - s, support);
            assert!(
                (lower - v.lower).abs() <= 1e-12,
                "{name}: lower {} vs {lower}",
                v.lower
            );
            let upper = every_count_vector(s, k)
                .iter()
                .map(|strategy| {
                    v.reply_mix
                        .iter()
                        .map(|r| r.p * payoff(&game, k, r.state, strategy, &r.counts))
                        .sum::<f64>()
                })
                .fold(f64::NEG_INFINITY, f64::max);
            let printed = v.upper.unwrap();
            assert!(
                (upper - printed).abs() <= 1e-12,
                "{name}: upper {printed} vs {upper}"
            );
        }
    }
}

/// Plurality `h_b` from its definition: the most-played action (the first
/// of a tie) shares the unit among its players.
fn plurality_payoff(n: &[usize], m: &[usize]) -> f64 {
    let c: Vec<usize> = n.iter().zip(m).map(|(a, b)| a + b).collect();
    let top = (0..c.len()).fold(0, |t, b| if c[b] > c[t] { b } else { t });
    n[top] as f64 / c[top] as f64
}

/// `guarantee SPEC --format json` at n = 200, k = 4 (past the share table,
/// so the shares stream; the library's check against `eval` runs): both
/// certificates recomputed from the JSON by plurality's definition over
/// every count vector, and a policy moved by 1e-6 fails the recomputation.
fn streamed_certificates_recompute_from_the_json() {
    let (n, k, s) = (200, 4, 101);
    let problem = split(Game::Plurality, n, k, s);
    let path = std::env::temp_dir().join(format!("unitsum-streamed-{}.json", std::process::id()));
    std::fs::write(&path, problem.to_json()).unwrap();
    let (code, out, err) = binary(&["guarantee", path.to_str().unwrap(), "--format", "json"]);
    let _ = std::fs::remove_file(&path);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(err.contains("on the fly"), "{err}");
    let (lower, upper) = (v["lower"].as_f64().unwrap(), v["upper"].as_f64().unwrap());
    assert!(upper - lower <= 1e-9, "gap {}", upper - lower);
    let policy: Vec<(Vec<usize>, f64)> = v["policy"]["support"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (counts_of(&e["counts"]), e["p"].as_f64().unwrap()))
        .collect();
    let lower_of = |policy: &[(Vec<usize>, f64)]| {
        every_count_vector(n - s, k)
            .iter()
            .map(|m| {
                policy
                    .iter()
                    .map(|(c, p)| p * plurality_payoff(c, m))
                    .sum::<f64>()
            })
            .fold(f64::INFINITY, f64::min)
    };
    assert!((lower_of(&policy) - lower).abs() <= 1e-12, "lower {lower}");
    let mix: Vec<(Vec<usize>, f64)> = v["reply_mix"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (counts_of(&e["counts"]), e["p"].as_f64().unwrap()))
        .collect();
    let best = every_count_vector(s, k)
        .iter()
        .map(|c| {
            mix.iter()
                .map(|(m, p)| p * plurality_payoff(c, m))
                .sum::<f64>()
        })
        .fold(f64::NEG_INFINITY, f64::max);
    assert!(
        (best - upper).abs() <= 1e-12,
        "upper {upper}, recomputed {best}"
    );
    let mut moved = policy.clone();
    moved[0].1 -= 1e-6;
    moved.push((vec![s, 0, 0, 0], 1e-6));
    moved.push((vec![0, 0, 0, s], 0.0));
    assert!(
        (lower_of(&moved) - lower).abs() > 1e-12,
        "a moved policy recomputes the same"
    );
}

/// A game whose passes would walk more than 10^9 count vectors is refused
/// up front (exit 2), not started for hours.
fn passes_beyond_the_limit_are_refused() {
    let (code, out, err) = binary(&[
        "guarantee",
        "--curve",
        "--players",
        "1000",
        "--actions",
        "6",
        "--sizes",
        "501",
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("fewer players or actions"), "{err}");
}

super::trials! {
    cpu: [double_oracle_equals_the_dense_lp_on_every_symmetric_family, the_certificates_recompute_from_the_printed_json, spy_value_at_most_security_value_at_most_best_response, curves_at_n_1000_meet_both_theorems, counts_policies_equal_their_joint_form, guarantee_flags_for_the_double_oracle, simplex_ranks_are_a_bijection, streamed_shares_equal_the_share_table, streamed_shares_equal_the_share_table_on_random_games, streamed_certificates_recompute_from_the_definition, streamed_certificates_recompute_from_the_json, passes_beyond_the_limit_are_refused],
    gpu: [the_share_table_matches_the_gpu],
}
