//! Best response against the others' given policies by one pass over the
//! coalition's count vectors (docs/THEORY.md, "Guarantees at scale"):
//! against the dense LP over the whole payoff matrix on small symmetric and
//! role games (the value, the copy's and the informed copy's), its `counts`
//! policy evaluated against the given policies, a perturbed policy of the
//! others that moves the value, and sizes where the dense LP refuses.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use unitsum_gpu::internals::{best_response_dense, random_game, random_marginals};
use unitsum_gpu::{
    Backend, BestResponse, Coalition, Evaluator, Game, Method, Options, Policy, Problem,
};

/// The symmetric families.
const FAMILIES: [&str; 4] = ["plurality", "proportional", "congestion", "anonymous"];

/// What `policy` gets in its worst state against the others' given
/// policies, by the evaluator (the counts method, CPU).
fn evaluated(evaluator: &mut Evaluator, problem: &Problem, policy: &Policy) -> f64 {
    let options = Options {
        backend: Backend::Cpu,
        method: Method::Counts,
        ..Default::default()
    };
    evaluator
        .evaluate(&problem.with_policy(0, policy.clone()).unwrap(), &options)
        .unwrap()
        .min_over_states(0)
}

/// Both answers agree: the value within `tolerance` (1e-12 with one state:
/// both are the max over count vectors; the certified gap, 1e-9, with
/// two), the copy's values within 1e-12; the one pass's policy gets its
/// value when evaluated.
fn agree(
    evaluator: &mut Evaluator,
    problem: &Problem,
    name: &str,
    one: &BestResponse,
    dense: &BestResponse,
) {
    let tolerance = if problem.states() == 1 { 1e-12 } else { 1e-9 };
    assert!(
        (one.value - dense.value).abs() <= tolerance,
        "{name}: one pass {} ≠ dense {}",
        one.value,
        dense.value
    );
    assert!(matches!(one.policy, Policy::Counts { .. }), "{name}");
    let got = evaluated(evaluator, problem, &one.policy);
    assert!((got - one.value).abs() <= 1e-9, "{name}: evaluated {got}");
    for (a, b) in [
        (one.copy_value, dense.copy_value),
        (one.informed_copy_value, dense.informed_copy_value),
    ] {
        match (a, b) {
            (Some(a), Some(b)) => assert!((a - b).abs() <= 1e-12, "{name}: copy {a} ≠ {b}"),
            (None, None) => {}
            other => panic!("{name}: {other:?}"),
        }
    }
}

/// Symmetric games: random families, states, sizes and the others'
/// policies of every kind (`random_problem`'s), against the dense LP.
fn one_pass_best_response_equals_the_dense_lp_in_symmetric_games() {
    let mut evaluator = Evaluator::new();
    let mut rng = StdRng::seed_from_u64(2911);
    let mut copies = 0;
    for family in FAMILIES {
        for seed in 0..6 {
            let plain = super::common::random_problem(2911 + seed, family, "uniform");
            let (n, k) = (plain.players(), plain.actions());
            let states = rng.random_range(1..=2);
            let game = random_game(&mut rng, family, n, k, states).unwrap();
            let problem = Problem::new(n, k, game, plain.coalitions().to_vec()).unwrap();
            let name = format!("{family}/seed {seed} n={n} k={k} S={states}");
            let one = evaluator.best_response(&problem, 0, Backend::Cpu).unwrap();
            let dense = best_response_dense(&mut evaluator, &problem, 0, Backend::Cpu).unwrap();
            agree(&mut evaluator, &problem, &name, &one, &dense);
            copies += usize::from(one.informed_copy_value.is_some());
        }
    }
    assert!(copies >= 8, "{copies} informed copies compared");
}

/// A random role game of `family` over `roles`.
fn role_game(rng: &mut StdRng, family: &str, roles: &[usize], k: usize, states: usize) -> Game {
    let rows = roles.iter().max().unwrap() + 1;
    let params: Vec<Vec<Vec<f64>>> = (0..states)
        .map(|_| {
            (0..rows)
                .map(|_| (0..k).map(|_| rng.random_range(0.1..2.0)).collect())
                .collect()
        })
        .collect();
    match family {
        "proportional" => Game::RoleProportional {
            roles: roles.to_vec(),
            weights: params,
        },
        _ => Game::RoleCongestion {
            roles: roles.to_vec(),
            values: params,
        },
    }
}

/// Role games: two or three roles, the coalition a random group at least
/// as large as the others' (so that copy runs), the others independent.
fn one_pass_best_response_equals_the_dense_lp_in_role_games() {
    let mut evaluator = Evaluator::new();
    let mut rng = StdRng::seed_from_u64(2913);
    for family in ["proportional", "congestion"] {
        for case in 0..8 {
            let k = rng.random_range(2..=3);
            let n: usize = rng.random_range(4..=if k == 2 { 8 } else { 6 });
            let distinct = rng.random_range(2..=3);
            let mut roles: Vec<usize> = (0..n).map(|_| rng.random_range(0..distinct)).collect();
            roles[0] = 0;
            roles[n - 1] = 1;
            let states = rng.random_range(1..=2);
            let game = role_game(&mut rng, family, &roles, k, states);
            let s = rng.random_range(n.div_ceil(2)..n);
            let marginals = random_marginals(&mut rng, n - s, k);
            let problem = Problem::new_with_roles(
                n,
                k,
                Some(roles),
                game,
                vec![
                    Coalition::new((0..s).collect(), Policy::Uniform),
                    Coalition::new((s..n).collect(), Policy::Independent { marginals }),
                ],
            )
            .unwrap();
            let name = format!("{family} case {case} n={n} k={k} s={s} S={states}");
            let one = evaluator.best_response(&problem, 0, Backend::Cpu).unwrap();
            let dense = best_response_dense(&mut evaluator, &problem, 0, Backend::Cpu).unwrap();
            agree(&mut evaluator, &problem, &name, &one, &dense);
            assert!(one.copy_value.is_some(), "{name}: copy runs");
        }
    }
}

/// The others' marginals perturbed move the best response (in most cases;
/// the comparison above can fail).
fn a_perturbed_given_policy_moves_the_best_response() {
    let mut evaluator = Evaluator::new();
    let mut rng = StdRng::seed_from_u64(2915);
    let mut moved = 0;
    for case in 0..10 {
        let (n, k, s) = (7, 3, 3);
        let game = random_game(&mut rng, "proportional", n, k, 1).unwrap();
        let marginals = random_marginals(&mut rng, n - s, k);
        let with = |marginals: Vec<Vec<f64>>| {
            Problem::new(
                n,
                k,
                game.clone(),
                vec![
                    Coalition::new((0..s).collect(), Policy::Uniform),
                    Coalition::new((s..n).collect(), Policy::Independent { marginals }),
                ],
            )
            .unwrap()
        };
        let mut shifted = marginals.clone();
        shifted[0] = vec![1.0, 0.0, 0.0];
        let a = evaluator
            .best_response(&with(marginals), 0, Backend::Cpu)
            .unwrap();
        let b = evaluator
            .best_response(&with(shifted), 0, Backend::Cpu)
            .unwrap();
        moved += usize::from((a.value - b.value).abs() > 1e-9);
        assert!(a.value > 0.0, "case {case}");
    }
    assert!(moved >= 8, "{moved} of 10 moved");
}

/// 400 players against 600 playing their marginals (k = 2: the dense LP
/// runs, and agrees within 1e-12), and 40 against 360 at k = 3 (the dense
/// LP refuses its 5.6·10^7 entries): the policy reproduces its value.
fn best_response_at_scale_by_one_pass() {
    let mut evaluator = Evaluator::new();
    let mut rng = StdRng::seed_from_u64(2917);
    for (n, k, s) in [(1000, 2, 400), (400, 3, 40)] {
        let game = random_game(&mut rng, "proportional", n, k, 1).unwrap();
        let marginals = random_marginals(&mut rng, n - s, k);
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
        let b = evaluator.best_response(&problem, 0, Backend::Cpu).unwrap();
        let got = evaluated(&mut evaluator, &problem, &b.policy);
        assert!(
            (got - b.value).abs() <= 1e-9,
            "n={n}: evaluated {got}, value {}",
            b.value
        );
        // Copy needs the coalition at least as large as the others: none here.
        assert!(b.copy_value.is_none());
        match best_response_dense(&mut evaluator, &problem, 0, Backend::Cpu) {
            Ok(dense) => {
                assert_eq!(k, 2);
                assert!(
                    (dense.value - b.value).abs() <= 1e-12,
                    "n={n}: {}",
                    dense.value
                );
            }
            Err(e) => {
                assert_eq!(k, 3);
                assert!(e.to_string().contains("entries"), "{e}");
            }
        }
    }
}

super::trials!(
    cpu: [
        one_pass_best_response_equals_the_dense_lp_in_symmetric_games,
        one_pass_best_response_equals_the_dense_lp_in_role_games,
        a_perturbed_given_policy_moves_the_best_response,
        best_response_at_scale_by_one_pass,
    ],
    gpu: [],
);
