//! The guarantee LP: theorem bounds on the curve, hand-worked matrix games,
//! a brute-force grid, the payoff kernels against their mirrors, and the
//! printed policy fed back to `eval`.

use super::common::binary;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use unitsum_gpu::internals::payoff_matrix;
use unitsum_gpu::{Backend, Coalition, Evaluator, Game, Policy, Problem};

/// LP values are simplex vertices in f64: exact up to rounding.
const LP_TOLERANCE: f64 = 1e-9;

fn one_state_curves_reach_theorem2_and_plurality_majorities_theorem1() {
    let mut rng = StdRng::seed_from_u64(21);
    let mut evaluator = Evaluator::new();
    for family in ["plurality", "proportional", "congestion", "anonymous"] {
        for (n, k) in [(5, 2), (7, 3), (8, 2)] {
            let game = unitsum_gpu::internals::random_game(&mut rng, family, n, k, 1).unwrap();
            let points = evaluator.power_curve(game, n, k, Backend::Cpu).unwrap();
            assert_eq!(points.len(), n - 1);
            for p in &points {
                if let Some(b) = p.theorem2 {
                    assert!(
                        p.value >= b - LP_TOLERANCE,
                        "{family} n={n} k={k} s={}: v = {} < q/(q+1) = {b}",
                        p.size,
                        p.value
                    );
                }
                if let Some(b) = p.theorem1 {
                    assert!(
                        p.value >= b - LP_TOLERANCE,
                        "{family} n={n} k={k} s={}: v = {} < 1 − 1/k",
                        p.size,
                        p.value
                    );
                }
                assert!((0.0..=1.0 + LP_TOLERANCE).contains(&p.value));
            }
            // More players can always secure at least as much.
            assert!(
                points
                    .windows(2)
                    .all(|w| w[1].value >= w[0].value - LP_TOLERANCE),
                "{family} n={n}: not monotone"
            );
        }
    }
}

/// A two-player table game, k actions each, both players uniform: profile
/// index a0 + k a1, player 0 gets `u(a0, a1)` and player 1 the rest.
fn two_player_table(k: usize, u: impl Fn(usize, usize) -> f64) -> Problem {
    let shares = (0..k * k)
        .map(|p| {
            let s = u(p % k, p / k);
            vec![s, 1.0 - s]
        })
        .collect();
    Problem::new(
        2,
        k,
        Game::Table {
            shares: vec![shares],
        },
        vec![
            Coalition::new(vec![0], Policy::Uniform),
            Coalition::new(vec![1], Policy::Uniform),
        ],
    )
    .unwrap()
}

/// [`two_player_table`] with 2 actions, from the 2×2 matrix `u[a0][a1]`.
fn two_by_two(u: [[f64; 2]; 2]) -> Problem {
    two_player_table(2, |a0, a1| u[a0][a1])
}

/// Coalition 0's security value, on the CPU.
fn secure(evaluator: &mut Evaluator, problem: &Problem) -> unitsum_gpu::SecurityValue {
    evaluator.security_value(problem, 0, Backend::Cpu).unwrap()
}

fn hand_worked_matrix_games() {
    let mut evaluator = Evaluator::new();
    // Matching pennies in unit-sum form: player 0 gets 1 on a match, 0 otherwise: v = 1/2, uniform.
    let v = secure(&mut evaluator, &two_by_two([[1.0, 0.0], [0.0, 1.0]]));
    assert!((v.value - 0.5).abs() < LP_TOLERANCE, "{}", v.value);
    // [[0.9, 0.2], [0.3, 0.6]]: no saddle point (maximin 0.3 < minimax 0.6), so
    // v = (ad − bc)/(a + d − b − c) = (0.54 − 0.06)/1.0 = 0.48, row 0 with (d − c)/1.0 = 0.3.
    let v = secure(&mut evaluator, &two_by_two([[0.9, 0.2], [0.3, 0.6]]));
    assert!((v.value - 0.48).abs() < LP_TOLERANCE, "{}", v.value);
    let Policy::Joint { support } = &v.policy else {
        panic!("{:?}", v.policy)
    };
    let p0: f64 = support
        .iter()
        .filter(|(a, _)| a == &vec![0])
        .map(|(_, p)| p)
        .sum();
    assert!((p0 - 0.3).abs() < 1e-9, "{support:?}");
    // A saddle point: [[0.7, 0.6], [0.2, 0.5]]: row 0 guarantees 0.6 (its
    // minimum) and column 1 holds every row to at most 0.6: v = 0.6.
    let v = secure(&mut evaluator, &two_by_two([[0.7, 0.6], [0.2, 0.5]]));
    assert!((v.value - 0.6).abs() < LP_TOLERANCE, "{}", v.value);
    // [[0.7, 0.6], [0.2, 0.9]]: maximin 0.6 < minimax 0.7, mixed:
    // v = (0.63 − 0.12)/(0.7 + 0.9 − 0.6 − 0.2) = 0.6375.
    let v = secure(&mut evaluator, &two_by_two([[0.7, 0.6], [0.2, 0.9]]));
    assert!((v.value - 0.6375).abs() < LP_TOLERANCE, "{}", v.value);
    // Rock-paper-scissors (win 1, tie 1/2, loss 0), 3×3: v = 1/2.
    let rps = two_player_table(3, |a0, a1| {
        if a0 == a1 {
            0.5
        } else if (a0 + 3 - a1) % 3 == 1 {
            1.0
        } else {
            0.0
        }
    });
    let v = secure(&mut evaluator, &rps);
    assert!((v.value - 0.5).abs() < LP_TOLERANCE, "{}", v.value);
}

fn lp_value_matches_a_brute_force_grid_on_random_3x3_games() {
    let mut rng = StdRng::seed_from_u64(22);
    let mut evaluator = Evaluator::new();
    for _ in 0..10 {
        let u: Vec<Vec<f64>> = (0..3)
            .map(|_| (0..3).map(|_| rng.random_range(0.0..1.0)).collect())
            .collect();
        let problem = two_player_table(3, |a0, a1| u[a0][a1]);
        let lp = secure(&mut evaluator, &problem).value;
        // Every mixed strategy on a grid of step 1/200: its worst reply.
        let steps = 200;
        let mut best = 0.0f64;
        for i in 0..=steps {
            for j in 0..=steps - i {
                let p = [
                    i as f64 / steps as f64,
                    j as f64 / steps as f64,
                    (steps - i - j) as f64 / steps as f64,
                ];
                let worst = (0..3)
                    .map(|c| (0..3).map(|r| p[r] * u[r][c]).sum::<f64>())
                    .fold(f64::INFINITY, f64::min);
                best = best.max(worst);
            }
        }
        assert!(lp >= best - LP_TOLERANCE, "LP {lp} below the grid's {best}");
        assert!(lp - best <= 0.01, "LP {lp} far above the grid's {best}");
    }
}

fn payoff_kernels_equal_their_mirrors(gpu: &mut Evaluator) {
    let (mut compared, mut refused) = (0, 0);
    for (name, problem) in super::common::all_random_problems(1) {
        // Backend::Both builds the matrix on both and fails beyond 1e-5.
        let both = payoff_matrix(gpu, &problem, 0, Backend::Both);
        match both {
            Ok(m) => {
                assert!(
                    m.max_gpu_cpu.unwrap() <= unitsum_gpu::internals::PAYOFF_TOLERANCE,
                    "{name}"
                );
                compared += 1;
            }
            Err(unitsum_gpu::Error::TooLarge { .. }) => refused += 1,
            Err(e) => panic!("{name}: {e}"),
        }
    }
    // 40 problems (5 families × 8 kinds): most fit the payoff limit.
    assert!(compared >= 25, "compared {compared}, refused {refused}");
}

fn the_printed_policy_fed_back_to_eval_reproduces_the_value() {
    for spec in [
        "examples/theorem1.json",
        "examples/table.json",
        "examples/theorem2-proportional.json",
    ] {
        let (code, out, err) = binary(&["guarantee", spec, "--format", "json"]);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let value = v["value"].as_f64().unwrap();
        assert!(v["check_error"].as_f64().unwrap() <= 1e-7);
        // The coalition plays the printed policy, the others their worst reply.
        let mut doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(spec).unwrap()).unwrap();
        let worst = super::common::json_u64s(&v["worst_reply"]);
        let coalitions = doc["coalitions"].as_array_mut().unwrap();
        let mut others: Vec<u64> = coalitions[1..]
            .iter()
            .flat_map(|c| {
                c["members"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| m.as_u64().unwrap())
            })
            .collect();
        others.sort_unstable();
        coalitions[0]["policy"] = v["policy"].clone();
        for c in coalitions[1..].iter_mut() {
            let actions: Vec<u64> = c["members"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    worst[others
                        .iter()
                        .position(|o| *o == m.as_u64().unwrap())
                        .unwrap()]
                })
                .collect();
            c["policy"] = serde_json::json!({ "kind": "pure", "actions": actions });
        }
        let path = std::env::temp_dir().join(format!(
            "unitsum-guarantee-{}-{}.json",
            std::process::id(),
            spec.replace('/', "_")
        ));
        std::fs::write(&path, doc.to_string()).unwrap();
        let (_, out, _) = binary(&[
            "eval",
            path.to_str().unwrap(),
            "--backend",
            "cpu",
            "--method",
            "exact",
            "--format",
            "json",
        ]);
        let e: serde_json::Value = serde_json::from_str(&out).unwrap();
        let min0 = e["min_over_states"][0].as_f64().unwrap();
        assert!(
            (min0 - value).abs() <= 1e-7,
            "{spec}: eval gives {min0}, the LP {value}"
        );
    }
}

fn best_response_beats_or_matches_copy() {
    let mut evaluator = Evaluator::new();
    let mut rng = StdRng::seed_from_u64(23);
    for family in ["plurality", "proportional", "congestion"] {
        let game = unitsum_gpu::internals::random_game(&mut rng, family, 7, 3, 2).unwrap();
        let problem = Problem::new(
            7,
            3,
            game,
            vec![
                Coalition::new((0..5).collect(), Policy::Uniform),
                Coalition::new(
                    vec![5, 6],
                    unitsum_gpu::internals::random_joint(&mut rng, 2, 3),
                ),
            ],
        )
        .unwrap();
        let b = evaluator.best_response(&problem, 0, Backend::Cpu).unwrap();
        let copy = b.copy_value.expect("5 players can copy 2");
        assert!(
            b.value >= copy - LP_TOLERANCE,
            "{family}: best response {} < copy {copy}",
            b.value
        );
        assert!(
            copy >= 2.0 / 3.0 - 1e-10,
            "{family}: copy {copy} below q/(q+1)"
        );
    }
}

fn guarantee_cli_errors_and_curve_output() {
    let run = |args: &[&str]| {
        let all: Vec<&str> = std::iter::once("guarantee")
            .chain(args.iter().copied())
            .collect();
        binary(&all)
    };
    assert_eq!(run(&["examples/theorem1.json", "--coalition", "5"]).0, 2);
    assert_eq!(run(&["examples/theorem1.json", "--against", "nobody"]).0, 2);
    assert_eq!(run(&[]).0, 2);
    assert_eq!(
        run(&[
            "--curve",
            "--family",
            "anonymous",
            "--players",
            "0",
            "--actions",
            "3"
        ])
        .0,
        2
    );
    assert_eq!(
        run(&[
            "--curve",
            "--family",
            "anonymous",
            "--players",
            "400",
            "--actions",
            "6"
        ])
        .0,
        2
    );
    assert_eq!(
        run(&[
            "--curve",
            "--family",
            "poker",
            "--players",
            "6",
            "--actions",
            "2"
        ])
        .0,
        2
    );
    assert_eq!(
        run(&[
            "--curve",
            "--family",
            "plurality",
            "--players",
            "6",
            "--actions",
            "2",
            "--params",
            "not json"
        ])
        .0,
        2
    );
    let (code, out, err) = run(&[
        "--curve",
        "--family",
        "plurality",
        "--players",
        "7",
        "--actions",
        "3",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 6);
    assert!(rows
        .iter()
        .all(|r| r["size"].is_u64() && r["value"].is_f64()));
}

super::trials! {
    cpu: [one_state_curves_reach_theorem2_and_plurality_majorities_theorem1, hand_worked_matrix_games, lp_value_matches_a_brute_force_grid_on_random_3x3_games, the_printed_policy_fed_back_to_eval_reproduces_the_value, best_response_beats_or_matches_copy, guarantee_cli_errors_and_curve_output],
    gpu: [payoff_kernels_equal_their_mirrors],
}
