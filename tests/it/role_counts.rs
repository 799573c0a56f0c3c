//! Leave-one-out per role (src/counts/roles.rs): role-dependent games
//! against enumeration on small games, against the direct sum over the
//! role-count cube at medium size, against sampling at the largest sizes;
//! a perturbed marginal of one role must make each comparison fail; parts
//! that span roles are refused by the route (exit 2) and left to the
//! direct sum by `auto`.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::common::*;
use unitsum_gpu::internals::cases::role_coalitions;
use unitsum_gpu::internals::distribution;
use unitsum_gpu::{
    Backend, Coalition, CountsAlgorithm, Error, Evaluation, Game, Method, Options, Policy, Problem,
};

/// The role-indexed families.
const ROLE_FAMILIES: [&str; 2] = ["proportional", "congestion"];

fn counts(problem: &Problem, algorithm: CountsAlgorithm) -> Result<Evaluation, Error> {
    unitsum_gpu::evaluate(
        problem,
        &Options {
            backend: Backend::Cpu,
            method: Method::Counts,
            counts: algorithm,
            ..Default::default()
        },
    )
}

fn leave_one_out(problem: &Problem) -> Evaluation {
    let run = counts(problem, CountsAlgorithm::LeaveOneOut).expect("leave-one-out per role");
    assert_eq!(run.counts_algorithm, Some(CountsAlgorithm::LeaveOneOut));
    run
}

/// A small random role game of `family`: 2 or 3 roles, n = 4 to 7, k = 2
/// or 3, 1 or 2 states; coalition 0 independent (two marginals in turn, so
/// that identical players merge), coalition 1 uniform, coalition 2 fixed
/// players and a `common` block of role-0 players (a part of several
/// players within one role).
fn small_role_problem(seed: u64, family: &str) -> Problem {
    let mut rng = StdRng::seed_from_u64(seed);
    let k = rng.random_range(2..=3);
    let n = rng.random_range(4..=if k == 2 { 7 } else { 6 });
    let distinct = rng.random_range(2..=3);
    let mut roles: Vec<usize> = (0..n).map(|_| rng.random_range(0..distinct)).collect();
    roles[0] = 0;
    roles[1] = 0;
    roles[n - 1] = 1;
    let states = rng.random_range(1..=2);
    let params: Vec<Vec<Vec<f64>>> = (0..states)
        .map(|_| {
            (0..distinct)
                .map(|_| (0..k).map(|_| rng.random_range(0.1..2.0)).collect())
                .collect()
        })
        .collect();
    let game = match family {
        "congestion" => Game::RoleCongestion {
            roles: roles.clone(),
            values: params,
        },
        _ => Game::RoleProportional {
            roles: roles.clone(),
            weights: params,
        },
    };
    let pool = [distribution(&mut rng, k), distribution(&mut rng, k)];
    // Players 0 and 1 (role 0) play one common action; the rest split.
    let rest: Vec<usize> = (2..n).collect();
    let cut = rest.len().div_ceil(2);
    let (independent, others) = rest.split_at(cut);
    let (uniform, fixed) = others.split_at(others.len().div_ceil(2));
    let mut coalitions = vec![
        Coalition::new(
            independent.to_vec(),
            Policy::Independent {
                marginals: (0..independent.len())
                    .map(|i| pool[i % 2].clone())
                    .collect(),
            },
        ),
        Coalition::new(vec![0, 1], Policy::Common { dist: None }),
    ];
    if !uniform.is_empty() {
        coalitions.push(Coalition::new(uniform.to_vec(), Policy::Uniform));
    }
    if !fixed.is_empty() {
        let actions = (0..fixed.len()).map(|_| rng.random_range(0..k)).collect();
        coalitions.push(Coalition::new(fixed.to_vec(), Policy::Pure { actions }));
    }
    Problem::new_with_roles(n, k, Some(roles), game, coalitions).expect("valid")
}

fn role_leave_one_out_equals_enumeration() {
    for family in ROLE_FAMILIES {
        for seed in 0..12 {
            let problem = small_role_problem(900 + seed, family);
            let name = format!("{family}/seed {seed}");
            let exact = cpu(&problem);
            let loo = leave_one_out(&problem);
            assert_close(&name, &loo.shares, &exact.shares, CPU_ORACLE_TOLERANCE);
            assert_identities(&name, &loo.shares, CPU_ORACLE_TOLERANCE);
        }
    }
}

/// `problem` with coalition `j`'s marginal of every member of role `role`
/// moved by `delta` from action 0 to action 1.
fn perturbed(problem: &Problem, j: usize, role: usize, delta: f64) -> Problem {
    let mut coalitions = problem.coalitions().to_vec();
    let Policy::Independent { marginals } = &mut coalitions[j].policy else {
        panic!("independent")
    };
    for (m, &i) in marginals.iter_mut().zip(&problem.coalitions()[j].members) {
        if problem.roles()[i] == role {
            m[0] -= delta;
            m[1] += delta;
        }
    }
    Problem::new_with_roles(
        problem.players(),
        problem.actions(),
        Some(problem.roles().to_vec()),
        problem.game().clone(),
        coalitions,
    )
    .unwrap()
}

fn role_leave_one_out_equals_the_direct_sum_at_medium_size() {
    for (per_role, k) in [(vec![12, 12], 3), (vec![6, 6, 6], 3), (vec![7, 7], 4)] {
        for family in ["proportional", "congestion", "plurality"] {
            let problem = role_coalitions(&per_role, k, family).unwrap();
            let name = format!("{family} {per_role:?} k={k}");
            let direct = counts(&problem, CountsAlgorithm::Direct).unwrap();
            let loo = leave_one_out(&problem);
            assert_close(&name, &loo.shares, &direct.shares, 1e-11);
            assert_identities(&name, &loo.shares, 1e-11);
            // One role's marginal moved by 0.01: the comparison fails.
            let moved = leave_one_out(&perturbed(&problem, 0, 1, 0.01));
            let d = (moved.shares[0][0] - direct.shares[0][0]).abs();
            assert!(
                d > 1e-6,
                "{name}: a perturbed role-1 marginal moved r_0 by {d:e}"
            );
        }
    }
}

fn role_leave_one_out_at_scale_agrees_with_sampling() {
    for (per_role, k, family) in [
        (vec![100, 100], 3, "proportional"),
        (vec![30, 30, 30], 3, "congestion"),
    ] {
        let problem = role_coalitions(&per_role, k, family).unwrap();
        let name = format!("{family} {per_role:?} k={k}");
        // Auto takes leave-one-out per role (the direct sum would visit
        // pairs of 26.5 million count vectors).
        let exact = counts(&problem, CountsAlgorithm::Auto).unwrap();
        assert_eq!(
            exact.counts_algorithm,
            Some(CountsAlgorithm::LeaveOneOut),
            "{name}"
        );
        assert_identities(&name, &exact.shares, 1e-11);
        let sample = |problem: &Problem| {
            unitsum_gpu::evaluate(
                problem,
                &Options {
                    backend: Backend::Cpu,
                    method: Method::Sample,
                    samples: 200_000,
                    ..Default::default()
                },
            )
            .unwrap()
        };
        let sampled = sample(&problem);
        let error = sampled.stderr.as_ref().unwrap()[0][0];
        let off = (sampled.shares[0][0] - exact.shares[0][0]).abs();
        assert!(
            off <= 6.0 * error,
            "{name}: sampling off by {off:e}, σ {error:e}"
        );
        // A perturbed role marginal moves the value far beyond 6σ.
        let moved = leave_one_out(&perturbed(&problem, 0, 1, 0.04));
        let d = (moved.shares[0][0] - exact.shares[0][0]).abs();
        assert!(d > 6.0 * error, "{name}: perturbed by {d:e}, σ {error:e}");
    }
}

/// A `common` block over members of two roles couples the roles' counts:
/// leave-one-out refuses it as bad input naming the roles, `auto` sums
/// it directly; the FFT and the stream are not built per role.
fn parts_spanning_roles_are_left_to_the_direct_sum() {
    let plain = role_coalitions(&[3, 3], 3, "proportional").unwrap();
    let mut coalitions = plain.coalitions().to_vec();
    coalitions[0].policy = Policy::Common { dist: None };
    let problem = Problem::new_with_roles(
        6,
        3,
        Some(plain.roles().to_vec()),
        plain.game().clone(),
        coalitions,
    )
    .unwrap();
    let refused = counts(&problem, CountsAlgorithm::LeaveOneOut).unwrap_err();
    assert!(refused.is_bad_input(), "{refused}");
    assert!(refused.to_string().contains("roles"), "{refused}");
    let auto = counts(&problem, CountsAlgorithm::Auto).unwrap();
    assert_eq!(auto.counts_algorithm, Some(CountsAlgorithm::Direct));
    assert_close(
        "auto",
        &auto.shares,
        &cpu(&problem).shares,
        CPU_ORACLE_TOLERANCE,
    );
    for algorithm in [CountsAlgorithm::Fft, CountsAlgorithm::Stream] {
        let e = counts(&plain, algorithm).unwrap_err();
        assert!(
            e.is_bad_input() && e.to_string().contains("per role"),
            "{e}"
        );
    }
}

super::trials!(
    cpu: [
        role_leave_one_out_equals_enumeration,
        role_leave_one_out_equals_the_direct_sum_at_medium_size,
        role_leave_one_out_at_scale_agrees_with_sampling,
        parts_spanning_roles_are_left_to_the_direct_sum,
    ],
    gpu: [],
);
