//! Best response against the others' given policies by one pass over the
//! coalition's count vectors (docs/THEORY.md, "Guarantees at scale"):
//! against the dense LP over the whole payoff matrix on small symmetric and
//! role games (the value, the copy's and the informed copy's), its `counts`
//! policy evaluated against the given policies, a perturbed policy of the
//! others that moves the value, and sizes where the dense LP refuses.

use super::common::role_game;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use unitsum_gpu::internals::{
    best_response_by, best_response_dense, random_game, random_marginals, GivenRoute,
};
use unitsum_gpu::{Backend, BestResponse, Coalition, Evaluator, Method, Options, Policy, Problem};

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

/// The correlation route's answer is the pass's: the same value to the
/// bit, the same policy and copy values, no round handed back to the pass.
fn same_by_both_routes(evaluator: &mut Evaluator, problem: &Problem, name: &str) {
    let pass = best_response_by(evaluator, problem, 0, GivenRoute::Pass).unwrap();
    let fft = best_response_by(evaluator, problem, 0, GivenRoute::Correlation).unwrap();
    assert_eq!(
        (pass.route.as_str(), fft.route.as_str()),
        ("pass", "correlation")
    );
    assert_eq!(
        fft.value.to_bits(),
        pass.value.to_bits(),
        "{name}: {} ≠ {}",
        fft.value,
        pass.value
    );
    assert_eq!(fft.policy, pass.policy, "{name}");
    assert_eq!(fft.copy_value, pass.copy_value, "{name}");
    assert_eq!(fft.informed_copy_value, pass.informed_copy_value, "{name}");
    assert!(
        fft.notes
            .iter()
            .any(|n| n.contains("; 0 rounds with too many")),
        "{name}: {:?}",
        fft.notes
    );
}

/// Symmetric games of every family the guarantee takes, k = 2..4, one or
/// two states, the others in one or two coalitions of random kinds.
fn correlation_route_equals_the_pass_in_symmetric_games() {
    let mut evaluator = Evaluator::new();
    let mut rng = StdRng::seed_from_u64(2931);
    let kinds = [
        "pure",
        "uniform",
        "independent",
        "common",
        "joint",
        "counts",
    ];
    for family in FAMILIES {
        for k in 2..=4 {
            for case in 0..3 {
                let n: usize = rng.random_range(6..=[24, 16, 11][k - 2]);
                let s = rng.random_range(1..n);
                let cut = rng.random_range(s..=n);
                let mut coalitions = vec![Coalition::new((0..s).collect(), Policy::Uniform)];
                for members in [(s..cut).collect::<Vec<usize>>(), (cut..n).collect()] {
                    if !members.is_empty() {
                        let kind = kinds[rng.random_range(0..kinds.len())];
                        let policy = super::common::random_policy(&mut rng, kind, &members, k, &[]);
                        coalitions.push(Coalition::new(members, policy));
                    }
                }
                let states = rng.random_range(1..=2);
                let game = random_game(&mut rng, family, n, k, states).unwrap();
                let problem = Problem::new(n, k, game, coalitions).unwrap();
                let name = format!("{family} k={k} case {case} n={n} s={s} S={states}");
                same_by_both_routes(&mut evaluator, &problem, &name);
            }
        }
    }
}

/// A wide distribution of the others' count vectors: 60 players on their
/// own random marginals against a coalition of 30, k = 3, one and two
/// states; the policy gets its value when evaluated.
fn correlation_route_equals_the_pass_against_a_wide_distribution() {
    let mut evaluator = Evaluator::new();
    let mut rng = StdRng::seed_from_u64(2933);
    for states in 1..=2 {
        let (n, k, s) = (90, 3, 30);
        let game = random_game(&mut rng, "proportional", n, k, states).unwrap();
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
        same_by_both_routes(&mut evaluator, &problem, &format!("wide S={states}"));
        let b = best_response_by(&mut evaluator, &problem, 0, GivenRoute::Correlation).unwrap();
        let got = evaluated(&mut evaluator, &problem, &b.policy);
        assert!(
            (got - b.value).abs() <= 1e-9,
            "S={states}: evaluated {got}, value {}",
            b.value
        );
    }
}

/// Role games have no single grid: the correlation route refuses them
/// (exit 2, naming the route), `auto` runs the pass there.
fn correlation_route_refuses_role_games() {
    let mut rng = StdRng::seed_from_u64(2935);
    let roles = vec![0, 0, 1, 1, 0];
    let game = role_game(&mut rng, "proportional", &roles, 2, 1);
    let problem = Problem::new_with_roles(
        5,
        2,
        Some(roles),
        game,
        vec![
            Coalition::new(vec![0, 2], Policy::Uniform),
            Coalition::new(vec![1, 3, 4], Policy::Uniform),
        ],
    )
    .unwrap();
    let mut evaluator = Evaluator::new();
    let e = best_response_by(&mut evaluator, &problem, 0, GivenRoute::Correlation).unwrap_err();
    assert!(e.to_string().contains("route"), "{e}");
    let b = best_response_by(&mut evaluator, &problem, 0, GivenRoute::Auto).unwrap();
    assert_eq!(b.route, "pass");
}

super::trials!(
    cpu: [
        one_pass_best_response_equals_the_dense_lp_in_symmetric_games,
        one_pass_best_response_equals_the_dense_lp_in_role_games,
        a_perturbed_given_policy_moves_the_best_response,
        best_response_at_scale_by_one_pass,
        correlation_route_equals_the_pass_in_symmetric_games,
        correlation_route_equals_the_pass_against_a_wide_distribution,
        correlation_route_refuses_role_games,
    ],
    gpu: [],
);
