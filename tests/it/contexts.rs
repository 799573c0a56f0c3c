//! Contexts (docs/THEORY.md, "Contexts"): role-dependent families against
//! the oracle and the GPU, copying by role and translated, and Theorem 2's
//! bound where it applies and where it fails.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::common::*;
use unitsum_gpu::internals::{oracle, Plan};
use unitsum_gpu::{
    Backend, Basis, Coalition, CopyMatch, Error, Evaluation, Evaluator, Game, Method, MethodUsed,
    Options, Policy, Problem,
};

/// Role-dependent families and context-free ones that take roles as metadata.
const ROLE_FAMILIES: [&str; 4] = ["proportional", "congestion", "plurality", "table"];

/// A random role-indexed game: `roles` distinct roles, 1 to 2 states.
fn random_role_game(rng: &mut StdRng, family: &str, roles: &[usize], k: usize) -> Game {
    let rows = roles.iter().max().unwrap() + 1;
    let states = rng.random_range(1..=2);
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
        "congestion" => Game::RoleCongestion {
            roles: roles.to_vec(),
            values: params,
        },
        other => random_game(rng, other, roles.len(), k),
    }
}

/// A random problem of [`random_problem`]'s shape with random roles (two
/// or three of them) and a role game of `family`; a copy matches by role or
/// translates half the time.
fn random_role_problem(seed: u64, family: &str, kind: &str) -> Problem {
    let plain = random_problem(seed, "plurality", kind);
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
    let (n, k) = (plain.players(), plain.actions());
    let distinct = rng.random_range(2..=3);
    let mut roles: Vec<usize> = (0..n).map(|_| rng.random_range(0..distinct)).collect();
    roles[0] = 0;
    roles[n - 1] = 1;
    let game = random_role_game(&mut rng, family, &roles, k);
    let mut coalitions = plain.coalitions().to_vec();
    // Half the `counts` policies count per role (their own stream, so that
    // the other draws stay as they were).
    let mut counts_rng = StdRng::seed_from_u64(seed ^ 0xc0de);
    for c in &mut coalitions {
        if matches!(c.policy, Policy::Counts { .. }) && counts_rng.random_bool(0.5) {
            c.policy = per_role_counts_policy(&mut counts_rng, &c.members, &roles, k);
        }
    }
    if let Policy::Copy {
        of, rest_action, ..
    } = coalitions[0].policy.clone()
    {
        let by = if rng.random_bool(0.5) {
            CopyMatch::Role
        } else {
            CopyMatch::Order
        };
        let translate = rng.random_bool(0.5).then(|| {
            (0..distinct)
                .map(|_| {
                    let mut sigma: Vec<usize> = (0..k).collect();
                    for i in (1..k).rev() {
                        sigma.swap(i, rng.random_range(0..=i));
                    }
                    sigma
                })
                .collect()
        });
        coalitions[0].policy = Policy::Copy {
            of,
            rest_action,
            by,
            translate,
        };
    }
    let build =
        |coalitions| Problem::new_with_roles(n, k, Some(roles.clone()), game.clone(), coalitions);
    build(coalitions.clone())
        .or_else(|_| {
            // A role match without a run: copy by position instead.
            if let Policy::Copy { by, .. } = &mut coalitions[0].policy {
                *by = CopyMatch::Order;
            }
            build(coalitions)
        })
        .expect("random role problems are valid")
}

/// A `counts` policy over per-role count vectors of `members`: 1 to 4
/// random joint actions' counts, random weights.
fn per_role_counts_policy(
    rng: &mut StdRng,
    members: &[usize],
    roles: &[usize],
    k: usize,
) -> Policy {
    let mut present = roles.to_vec();
    present.sort_unstable();
    present.dedup();
    let mut vectors: Vec<Vec<usize>> = Vec::new();
    for _ in 0..rng.random_range(1..=4) {
        let mut counts = vec![0; present.len() * k];
        for &i in members {
            let block = present.binary_search(&roles[i]).unwrap();
            counts[block * k + rng.random_range(0..k)] += 1;
        }
        if !vectors.contains(&counts) {
            vectors.push(counts);
        }
    }
    let p = unitsum_gpu::internals::distribution(rng, vectors.len());
    Policy::Counts {
        support: vectors.into_iter().zip(p).collect(),
    }
}

/// Whether a coalition of `problem` counts per role.
fn has_per_role_counts(problem: &Problem) -> bool {
    problem.coalitions().iter().any(|c| match &c.policy {
        Policy::Counts { support } => support[0].0.len() > problem.actions(),
        _ => false,
    })
}

fn all_role_problems(per_pair: u64) -> Vec<(String, Problem)> {
    let mut out = Vec::new();
    for (f, family) in ROLE_FAMILIES.iter().enumerate() {
        for (p, kind) in KINDS.iter().enumerate() {
            for s in 0..per_pair {
                let seed = 7000 + 1000 * f as u64 + 100 * p as u64 + s;
                out.push((
                    format!("roles {family}/{kind}/seed {seed}"),
                    random_role_problem(seed, family, kind),
                ));
            }
        }
    }
    out
}

fn options(backend: Backend, method: Method) -> Options {
    Options {
        backend,
        method,
        ..Default::default()
    }
}

fn role_games_equal_the_oracle_on_every_family_and_policy_kind() {
    let problems = all_role_problems(4);
    let mut copies_by_role = 0;
    let mut translated = 0;
    let mut per_role = 0;
    for (name, problem) in &problems {
        per_role += usize::from(has_per_role_counts(problem));
        if let Policy::Copy { by, translate, .. } = &problem.coalitions()[0].policy {
            copies_by_role += usize::from(*by == CopyMatch::Role);
            translated += usize::from(translate.is_some());
        }
        let expected = oracle(problem).expect("small");
        let exact = cpu(problem);
        assert_close(name, &exact.shares, &expected, CPU_ORACLE_TOLERANCE);
        assert_identities(name, &exact.shares, CPU_ORACLE_TOLERANCE);
        // Auto: enumeration, or per-role counts where profiles are many.
        let auto = unitsum_gpu::evaluate(problem, &options(Backend::Cpu, Method::Auto)).unwrap();
        assert_close(name, &auto.shares, &expected, CPU_ORACLE_TOLERANCE);
    }
    assert!(
        copies_by_role >= 3 && translated >= 3 && per_role >= 6,
        "{copies_by_role} {translated} {per_role}"
    );
}

fn gpu_role_games_equal_the_cpu(gpu: &mut Evaluator) {
    for (name, problem) in &all_role_problems(2) {
        let c = cpu(problem);
        let g = gpu
            .evaluate(problem, &options(Backend::Gpu, Method::Exact))
            .unwrap();
        assert_close(name, &g.shares, &c.shares, GPU_TOLERANCE);
        assert_identities(name, &g.shares, GPU_TOLERANCE);
    }
}

fn gpu_role_games_sample_the_exact_value(gpu: &mut Evaluator) {
    for (name, problem) in all_role_problems(1).iter().step_by(3) {
        let exact = cpu(problem);
        for backend in [Backend::Cpu, Backend::Gpu] {
            let sampled = gpu
                .evaluate(
                    problem,
                    &Options {
                        samples: 200_000,
                        ..options(backend, Method::Sample)
                    },
                )
                .unwrap();
            let errors = sampled.stderr.as_ref().expect("error bars");
            for j in 0..exact.shares.len() {
                for x in 0..exact.shares[j].len() {
                    let d = (sampled.shares[j][x] - exact.shares[j][x]).abs();
                    assert!(
                        d <= 6.0 * errors[j][x] + 1e-6,
                        "{name} {backend:?}: r_{j}({x}) off by {d:e}, {} errors",
                        d / errors[j][x]
                    );
                }
            }
        }
    }
}

/// Shares of a pure profile (coalition j = player j).
fn pure_shares(game: Game, roles: &[usize], profile: &[usize], k: usize) -> Vec<f64> {
    let n = profile.len();
    let coalitions = (0..n)
        .map(|i| {
            Coalition::new(
                vec![i],
                Policy::Pure {
                    actions: vec![profile[i]],
                },
            )
        })
        .collect();
    let problem = Problem::new_with_roles(n, k, Some(roles.to_vec()), game, coalitions).unwrap();
    cpu(&problem).shares.iter().map(|r| r[0]).collect()
}

fn role_shares_match_hand_worked_cases() {
    let roles = [0, 1];
    let rows = vec![vec![vec![2.0, 1.0], vec![1.0, 2.0]]];
    let proportional = Game::RoleProportional {
        roles: roles.to_vec(),
        weights: rows.clone(),
    };
    let congestion = Game::RoleCongestion {
        roles: roles.to_vec(),
        values: rows,
    };
    let close = |a: Vec<f64>, b: [f64; 2]| {
        assert!(
            (a[0] - b[0]).abs() < 1e-15 && (a[1] - b[1]).abs() < 1e-15,
            "{a:?} vs {b:?}"
        )
    };
    // Both on 0: weights 2 (role 0) and 1 (role 1).
    close(
        pure_shares(proportional.clone(), &roles, &[0, 0], 2),
        [2.0 / 3.0, 1.0 / 3.0],
    );
    // Each on its role's best action: 2 and 2.
    close(pure_shares(proportional, &roles, &[0, 1], 2), [0.5, 0.5]);
    // Both on 0 split the mean value: (2/2) and (1/2) over 3/2.
    close(
        pure_shares(congestion.clone(), &roles, &[0, 0], 2),
        [2.0 / 3.0, 1.0 / 3.0],
    );
    // Player 0 on 1 (value 1), player 1 on 0 (value 1): even.
    close(pure_shares(congestion, &roles, &[1, 0], 2), [0.5, 0.5]);
}

fn one_role_reduces_to_the_context_free_family() {
    let mut rng = StdRng::seed_from_u64(3);
    for family in ["proportional", "congestion"] {
        for role in [0, 2] {
            let (n, k) = (5, 3);
            let roles = vec![role; n];
            let game = random_role_game(&mut rng, family, &roles, k);
            let rows: Vec<Vec<f64>> = match &game {
                Game::RoleProportional { weights: p, .. }
                | Game::RoleCongestion { values: p, .. } => {
                    p.iter().map(|state| state[role].clone()).collect()
                }
                _ => unreachable!(),
            };
            let plain = if family == "proportional" {
                Game::Proportional { weights: rows }
            } else {
                Game::Congestion { values: rows }
            };
            let base = everyone_uniform(n, k, plain.clone());
            let with_roles =
                Problem::new_with_roles(n, k, Some(roles), game, base.coalitions().to_vec())
                    .unwrap();
            assert_eq!(
                with_roles.game(),
                &plain,
                "{family}: reduced to the plain family"
            );
            assert!(with_roles.game().is_symmetric());
            assert_eq!(cpu(&with_roles).shares, cpu(&base).shares, "{family}");
        }
    }
}

fn identical_role_rows_equal_the_context_free_family() {
    // Two roles with the same parameters: the role kernels over (role,
    // action) cells must give the context-free shares.
    let mut rng = StdRng::seed_from_u64(4);
    for family in ["proportional", "congestion"] {
        for seed in 0..6 {
            let plain_problem = random_problem(seed, family, KINDS[seed as usize % 6]);
            let (n, k) = (plain_problem.players(), plain_problem.actions());
            let rows: Vec<Vec<f64>> = match plain_problem.game() {
                Game::Proportional { weights } => weights.clone(),
                Game::Congestion { values } => values.clone(),
                _ => unreachable!(),
            };
            let doubled: Vec<Vec<Vec<f64>>> = rows
                .iter()
                .map(|row| vec![row.clone(), row.clone()])
                .collect();
            let roles: Vec<usize> = (0..n)
                .map(|i| usize::from(i == 0 || rng.random_bool(0.5)) * usize::from(i != n - 1))
                .collect();
            let game = if family == "proportional" {
                Game::RoleProportional {
                    roles: roles.clone(),
                    weights: doubled,
                }
            } else {
                Game::RoleCongestion {
                    roles: roles.clone(),
                    values: doubled,
                }
            };
            let problem = Problem::new_with_roles(
                n,
                k,
                Some(roles),
                game,
                plain_problem.coalitions().to_vec(),
            )
            .unwrap();
            assert!(
                !problem.game().is_symmetric(),
                "two roles stay role-dependent"
            );
            let name = format!("{family} seed {seed}");
            assert_close(
                &name,
                &cpu(&problem).shares,
                &cpu(&plain_problem).shares,
                1e-12,
            );
        }
    }
}

/// Players 0..4 with roles [0, 0, 1, 1]; coalition 0 = {0, 1, 2, 3} copies
/// coalition 1 = {4, 5} (roles 1, 0) playing pure [1, 0].
fn copy_problem(by: CopyMatch, translate: Option<Vec<Vec<usize>>>) -> Result<Problem, Error> {
    Problem::new_with_roles(
        6,
        2,
        Some(vec![0, 0, 1, 1, 1, 0]),
        Game::Plurality,
        vec![
            Coalition::new(
                vec![0, 1, 2, 3],
                Policy::Copy {
                    of: vec![1],
                    rest_action: 0,
                    by,
                    translate,
                },
            ),
            Coalition::new(
                vec![4, 5],
                Policy::Pure {
                    actions: vec![1, 0],
                },
            ),
        ],
    )
}

fn copies_match_by_role_and_translate_as_worked_by_hand() {
    // By role: group role 0 = [5], role 1 = [4]; copier role 0 = [0, 1],
    // role 1 = [2, 3]; two runs: 5 → 0, 4 → 2, then 5 → 1, 4 → 3.
    let by_role = Plan::new(&copy_problem(CopyMatch::Role, None).unwrap());
    assert_eq!(by_role.base[..4], [0, 0, 1, 1]);
    // By order: 0 ← 4, 1 ← 5, 2 ← 4, 3 ← 5.
    let by_order = Plan::new(&copy_problem(CopyMatch::Order, None).unwrap());
    assert_eq!(by_order.base[..4], [1, 0, 1, 0]);
    // Translated with σ_0 = id, σ_1 = swap: player 0 (role 0) copies 4
    // (role 1) who played 1 = σ_1(0), so plays σ_0(0) = 0; player 3 (role 1)
    // copies 5 (role 0) who played 0, so plays σ_1(0) = 1.
    let sigma = vec![vec![0, 1], vec![1, 0]];
    let translated = Plan::new(&copy_problem(CopyMatch::Order, Some(sigma.clone())).unwrap());
    assert_eq!(translated.base[..4], [0, 0, 1, 1]);
    // By role, a translation is the identity.
    let both = Plan::new(&copy_problem(CopyMatch::Role, Some(sigma)).unwrap());
    assert_eq!(both.base[..4], [0, 0, 1, 1]);
    // The oracle reads the copies the same way.
    for problem in [
        copy_problem(CopyMatch::Role, None).unwrap(),
        copy_problem(CopyMatch::Order, Some(vec![vec![0, 1], vec![1, 0]])).unwrap(),
    ] {
        assert_close(
            "copy",
            &cpu(&problem).shares,
            &oracle(&problem).unwrap(),
            1e-15,
        );
    }
}

fn a_role_match_without_a_run_is_refused() {
    let problem = Problem::new_with_roles(
        4,
        2,
        Some(vec![0, 0, 0, 1]),
        Game::Plurality,
        vec![
            Coalition::new(
                vec![0, 1],
                Policy::Copy {
                    of: vec![1],
                    rest_action: 0,
                    by: CopyMatch::Role,
                    translate: None,
                },
            ),
            Coalition::new(vec![2, 3], Policy::Uniform),
        ],
    );
    match problem {
        Err(Error::Spec { path, message }) => {
            assert_eq!(path, "coalitions[0].policy.match");
            assert!(message.contains("role 1"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

/// Theorem 2 with contexts: coalition 0 copies coalition 1 by role in a
/// role-symmetric game; q = min over the group's roles of ⌊copiers_r / group_r⌋.
fn role_matched_copies_reach_q_over_q_plus_1_on_every_family() {
    let mut checked = 0;
    let mut exact_equalities = 0;
    for family in ["proportional", "congestion", "plurality", "anonymous"] {
        for seed in 0..12u64 {
            let mut rng = StdRng::seed_from_u64(seed + 100);
            let k: usize = rng.random_range(2..=3);
            // Group: g_0 + g_1 players; copier c_r ≥ g_r of each role.
            let g = [rng.random_range(1..=2), 1];
            let q = rng.random_range(1..=2);
            let leftover = [rng.random_range(0..=1), rng.random_range(0..=1)];
            let c = [q * g[0] + leftover[0], q * g[1] + leftover[1]];
            let n = c[0] + c[1] + g[0] + g[1];
            if k.pow(n as u32) > 5000 {
                continue;
            }
            // Players: the copier's role 0 then role 1, then the group's, shuffled roles by id.
            let mut roles = Vec::new();
            roles.extend(std::iter::repeat_n(0, c[0]));
            roles.extend(std::iter::repeat_n(1, c[1]));
            roles.extend(std::iter::repeat_n(1, g[1]));
            roles.extend(std::iter::repeat_n(0, g[0]));
            let copier: Vec<usize> = (0..c[0] + c[1]).collect();
            let group: Vec<usize> = (c[0] + c[1]..n).collect();
            let game = match family {
                "proportional" | "congestion" => random_role_game(&mut rng, family, &roles, k),
                other => random_game(&mut rng, other, n, k),
            };
            let opponents = ["uniform", "independent", "joint", "counts", "common"];
            for kind in opponents {
                let policy = random_policy(&mut rng, kind, &group, k, &[]);
                let problem = Problem::new_with_roles(
                    n,
                    k,
                    Some(roles.clone()),
                    game.clone(),
                    vec![
                        Coalition::new(
                            copier.clone(),
                            Policy::Copy {
                                of: vec![1],
                                rest_action: rng.random_range(0..k),
                                by: CopyMatch::Role,
                                translate: None,
                            },
                        ),
                        Coalition::new(group.clone(), policy),
                    ],
                )
                .unwrap();
                let bound = q as f64 / (q + 1) as f64;
                let r = cpu(&problem).shares;
                for (x, &value) in r[0].iter().enumerate() {
                    let name = format!("{family} seed {seed} {kind} x={x}: n={n} q={q}");
                    assert!(value >= bound - 1e-12, "{name}: {value} < {bound}");
                    if leftover == [0, 0] {
                        assert!((value - bound).abs() < 1e-12, "{name}: {value} ≠ {bound}");
                        exact_equalities += 1;
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(
        checked >= 200 && exact_equalities >= 20,
        "{checked} {exact_equalities}"
    );
}

/// The README's worked example: two locations, fishing (0) and farming (1);
/// fishing pays 3 at location A (role 0) and 1 at B (role 1), farming the
/// reverse. Players 0 and 1 are at A and copy player 2 at B: q = 2, bound 2/3.
fn two_locations(by: CopyMatch, translate: Option<Vec<Vec<usize>>>, opponent: usize) -> f64 {
    let roles = vec![0, 0, 1];
    let problem = Problem::new_with_roles(
        3,
        2,
        Some(roles.clone()),
        Game::RoleProportional {
            roles,
            weights: vec![vec![vec![3.0, 1.0], vec![1.0, 3.0]]],
        },
        vec![
            Coalition::new(
                vec![0, 1],
                Policy::Copy {
                    of: vec![1],
                    rest_action: 0,
                    by,
                    translate,
                },
            ),
            Coalition::new(
                vec![2],
                Policy::Pure {
                    actions: vec![opponent],
                },
            ),
        ],
    )
    .unwrap();
    cpu(&problem).shares[0][0]
}

fn order_copying_fails_across_contexts_and_translation_restores_the_bound() {
    // Copied by position, the farmer at B makes the copiers farm at A: 2/5.
    assert!((two_locations(CopyMatch::Order, None, 1) - 0.4).abs() < 1e-15);
    assert!((two_locations(CopyMatch::Order, None, 0) - 6.0 / 7.0).abs() < 1e-15);
    // Read as "use the local best resource" (σ_A = id, σ_B = swap), the copy
    // gets exactly 2/3 whatever player 2 does: the game is symmetric in
    // canonical actions.
    let sigma = Some(vec![vec![0, 1], vec![1, 0]]);
    for opponent in [0, 1] {
        let value = two_locations(CopyMatch::Order, sigma.clone(), opponent);
        assert!((value - 2.0 / 3.0).abs() < 1e-15, "{value}");
    }
    // The identity translation is the plain copy, which falls short.
    let identity = Some(vec![vec![0, 1], vec![0, 1]]);
    assert!((two_locations(CopyMatch::Order, identity, 1) - 0.4).abs() < 1e-15);
}

fn translated_copies_restore_the_bound_in_a_table_game_built_symmetric() {
    // A table game with roles [0, 0, 1, 1] built from a symmetric game over
    // canonical actions: s_i(a) = f_i(canonical profile), canonical
    // c_i = σ_{r_i}⁻¹(a_i), σ_0 = id, σ_1 = reversed.
    let (n, k): (usize, usize) = (4, 3);
    let roles = vec![0, 0, 1, 1];
    let sigma: Vec<Vec<usize>> = vec![vec![0, 1, 2], vec![2, 1, 0]];
    let mut rng = StdRng::seed_from_u64(9);
    // Canonical action 0 pays most.
    let symmetric = Game::Proportional {
        weights: vec![vec![4.0, 2.0, 1.0]],
    };
    let mut rows = Vec::new();
    for index in 0..k.pow(n as u32) {
        let profile: Vec<usize> = (0..n).map(|i| (index / k.pow(i as u32)) % k).collect();
        let canonical: Vec<usize> = profile
            .iter()
            .zip(&roles)
            .map(|(&a, &r)| sigma[r].iter().position(|&b| b == a).unwrap())
            .collect();
        rows.push(symmetric.player_shares(0, &canonical, k));
    }
    let game = Game::Table { shares: vec![rows] };
    let copy = |translate: Option<Vec<Vec<usize>>>, kind: &str, rng: &mut StdRng| {
        // Copier {0, 2, 3} (roles 0, 1, 1) copies {1} (role 0): q = 3.
        let policy = random_policy(rng, kind, &[1], k, &[]);
        let problem = Problem::new_with_roles(
            n,
            k,
            Some(roles.clone()),
            game.clone(),
            vec![
                Coalition::new(
                    vec![0, 2, 3],
                    Policy::Copy {
                        of: vec![1],
                        rest_action: 0,
                        by: CopyMatch::Order,
                        translate,
                    },
                ),
                Coalition::new(vec![1], policy),
            ],
        )
        .unwrap();
        cpu(&problem).shares[0][0]
    };
    for kind in ["pure", "independent", "uniform", "joint", "pure", "common"] {
        let translated = copy(Some(sigma.clone()), kind, &mut rng.clone());
        assert!((translated - 0.75).abs() < 1e-12, "{kind}: {translated}");
        rng.random::<u64>();
    }
    // Player 1 on canonical 0: untranslated, players 2 and 3 play raw 0,
    // canonical 2 (weight 1): 4 + 1 + 1 of 10.
    let pure = |rng: &mut StdRng| copy(None, "pure", rng);
    let mut seeded = StdRng::seed_from_u64(0);
    let mut lowest: f64 = 1.0;
    for _ in 0..20 {
        lowest = lowest.min(pure(&mut seeded));
    }
    assert!(
        (lowest - 0.6).abs() < 1e-12,
        "untranslated copies fall to {lowest}"
    );
}

fn too_many_role_cells_are_refused() {
    let roles: Vec<usize> = (0..9).collect();
    let result = Problem::new_with_roles(
        9,
        2,
        Some(roles.clone()),
        Game::RoleProportional {
            roles,
            weights: vec![vec![vec![1.0, 2.0]; 9]],
        },
        vec![Coalition::new((0..9).collect(), Policy::Uniform)],
    );
    assert!(matches!(result, Err(Error::TooLarge { .. })), "{result:?}");
}

fn the_role_base_spec_is_valid_and_round_trips() {
    // The base of the role cases in tests/data/bad-specs.jsonl.
    let spec = serde_json::json!({"players":4,"actions":2,"roles":[0,0,1,1],
        "game":{"family":"proportional","weights":[[[2.0,1.0],[1.0,2.0]]]},
        "coalitions":[{"members":[0,1],"policy":{"kind":"copy","of":1,"match":"order",
            "translate":[[0,1],[1,0]]}},{"members":[2,3],"policy":{"kind":"uniform"}}]});
    let problem = Problem::from_value(&spec).unwrap();
    assert_eq!(problem.roles(), &[0, 0, 1, 1]);
    assert_eq!(Problem::from_value(&problem.to_value()).unwrap(), problem);
    assert_eq!(problem.to_value()["roles"], spec["roles"]);
    // Role-indexed parameters in a game object without roles are refused.
    let game = serde_json::json!({"family":"congestion","values":[[[2.0,1.0],[1.0,2.0]]]});
    match Game::from_value(&game) {
        Err(Error::Spec { path, .. }) => assert_eq!(path, "game.values"),
        other => panic!("{other:?}"),
    }
}

fn check_reports_the_symmetry_a_game_has() {
    use unitsum_gpu::{Property, Symmetry};
    let evaluator = Evaluator::new();
    // A role game: symmetric within roles only; its roles declare no more.
    let problem = Problem::load("examples/contexts.json").unwrap();
    let report = evaluator.check(&problem, 100, 0).unwrap();
    assert_eq!((report.symmetry, report.roles), (Symmetry::Role, 2));
    assert!(report.passed(), "{:?}", report.violation);
    assert_eq!(
        report.asymmetry.as_ref().unwrap().property,
        Property::Symmetry
    );
    // Under "local best resource" it is symmetric in canonical actions;
    // under the identity it is not.
    let sigma = vec![vec![0, 1], vec![1, 0]];
    let translated = evaluator
        .check_translated(&problem, 100, 0, &sigma)
        .unwrap();
    assert_eq!(translated.canonical, Some(true));
    assert!(translated.passed());
    let identity = vec![vec![0, 1], vec![0, 1]];
    let plain = evaluator
        .check_translated(&problem, 100, 0, &identity)
        .unwrap();
    assert_eq!(plain.canonical, Some(false));
    assert_eq!(
        plain.violation.unwrap().property,
        Property::CanonicalSymmetry
    );
    assert!(evaluator
        .check_translated(&problem, 100, 0, &[vec![0, 1]])
        .is_err());
    // A table game built symmetric in roles, then one profile's shares of
    // two same-role players swapped: no symmetry, and the profile is named.
    let roles = vec![0, 1, 0];
    let source = Game::RoleProportional {
        roles: roles.clone(),
        weights: vec![vec![vec![1.0, 2.0], vec![3.0, 1.0]]],
    };
    let mut rows: Vec<Vec<f64>> = (0..8)
        .map(|index| {
            let profile: Vec<usize> = (0..3).map(|i| (index >> i) & 1).collect();
            source.player_shares(0, &profile, 2)
        })
        .collect();
    let table = |rows: Vec<Vec<f64>>| {
        Problem::new_with_roles(
            3,
            2,
            Some(roles.clone()),
            Game::Table { shares: vec![rows] },
            vec![Coalition::new(vec![0, 1, 2], Policy::Uniform)],
        )
        .unwrap()
    };
    let intact = evaluator.check(&table(rows.clone()), 100, 0).unwrap();
    assert_eq!(intact.symmetry, Symmetry::Role);
    assert!(intact.passed());
    rows[1].swap(0, 2); // profile [1, 0, 0]: players 0 and 2 share role 0
    let broken = evaluator.check(&table(rows), 100, 0).unwrap();
    assert_eq!(broken.symmetry, Symmetry::None);
    let v = broken.violation.expect("role symmetry fails");
    assert_eq!(v.property, Property::RoleSymmetry);
    assert!(
        v.profile == [1, 0, 0] || v.profile == [0, 0, 1],
        "{:?}",
        v.profile
    );
}

fn check_cli_reports_symmetry_and_exit_codes() {
    let (code, out, _) = binary(&["check", "examples/contexts.json"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("symmetry: role-symmetric (2 roles)"), "{out}");
    assert!(
        out.contains("symmetric in canonical actions under [[0, 1], [1, 0]]: yes"),
        "{out}"
    );
    let (code, out, _) = binary(&[
        "check",
        "examples/contexts.json",
        "--translate",
        "[[0,1],[0,1]]",
    ]);
    assert_eq!(code, 1, "{out}");
    let (code, _, err) = binary(&["check", "examples/contexts.json", "--translate", "[[0,1]]"]);
    assert_eq!(code, 2);
    assert!(err.contains("--translate"), "{err}");
    let (code, _, err) = binary(&["check", "examples/contexts.json", "--translate", "fish"]);
    assert_eq!(code, 2);
    assert!(err.contains("--translate"), "{err}");
    let (code, out, _) = binary(&["check", "examples/contexts.json", "--format", "json"]);
    assert_eq!(code, 0);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["symmetry"], "role");
    assert_eq!(report["canonical"], true);
}

/// Per-role counts (the product of per-role simplices) of every role family and policy
/// kind on `backend`; table games are refused by the counts method.
fn per_role_counts(
    evaluator: &mut Evaluator,
    backend: Backend,
) -> Vec<(String, Evaluation, Evaluation)> {
    let mut out = Vec::new();
    for (name, problem) in all_role_problems(3) {
        let counts = evaluator.evaluate(&problem, &options(backend, Method::Counts));
        if matches!(problem.game(), Game::Table { .. }) {
            let err = counts.expect_err("a table game has no counts").to_string();
            assert!(err.contains("game.family"), "{name}: {err}");
            continue;
        }
        out.push((name, cpu(&problem), counts.unwrap()));
    }
    out
}

fn per_role_counts_equal_enumeration_on_every_family_and_policy_kind() {
    let results = per_role_counts(&mut Evaluator::new(), Backend::Cpu);
    assert!(results.len() >= 3 * 3 * KINDS.len(), "{}", results.len());
    for (name, exact, counts) in &results {
        assert_eq!(counts.method, MethodUsed::Counts, "{name}");
        assert_close(name, &counts.shares, &exact.shares, CPU_ORACLE_TOLERANCE);
    }
}

fn gpu_per_role_counts_equal_the_cpu(gpu: &mut Evaluator) {
    for (name, exact, counts) in &per_role_counts(gpu, Backend::Gpu) {
        assert_eq!(counts.backend, unitsum_gpu::BackendUsed::Gpu, "{name}");
        assert_close(name, &counts.shares, &exact.shares, GPU_TOLERANCE);
        assert_identities(name, &counts.shares, GPU_TOLERANCE);
    }
}

/// n = 384 in two alternating roles: 192 players on a common action
/// against 192 uniform ones, role proportional with `rows`.
fn two_role_problem_at_scale(rows: [[f64; 2]; 2]) -> Problem {
    let n = 384;
    let roles: Vec<usize> = (0..n).map(|i| i % 2).collect();
    let weights = vec![rows.iter().map(|r| r.to_vec()).collect()];
    Problem::new_with_roles(
        n,
        2,
        Some(roles.clone()),
        Game::RoleProportional { roles, weights },
        vec![
            Coalition::new(
                (0..192).collect(),
                Policy::Common {
                    dist: Some(vec![0.3, 0.7]),
                },
            ),
            Coalition::new((192..n).collect(), Policy::Uniform),
        ],
    )
    .unwrap()
}

/// At n = 384, where enumeration is out of reach: with identical role rows
/// per-role counts equal the context-free family's own counts method (one
/// block, another algorithm), and with different rows they differ from it
/// and agree with sampling.
fn per_role_counts_at_scale_check_against_the_context_free_family(gpu: &mut Evaluator) {
    let plain = {
        let same = two_role_problem_at_scale([[3.0, 1.0], [3.0, 1.0]]);
        Problem::new(
            384,
            2,
            Game::Proportional {
                weights: vec![vec![3.0, 1.0]],
            },
            same.coalitions().to_vec(),
        )
        .unwrap()
    };
    let reference = unitsum_gpu::evaluate(&plain, &options(Backend::Cpu, Method::Counts)).unwrap();
    for (rows, equal) in [
        ([[3.0, 1.0], [3.0, 1.0]], true),
        ([[3.0, 1.0], [1.0, 3.0]], false),
    ] {
        let problem = two_role_problem_at_scale(rows);
        for backend in [Backend::Cpu, Backend::Gpu] {
            let name = format!("rows {rows:?} on {backend:?}");
            // Auto takes the counts method: 10^115 profiles.
            let counts = gpu
                .evaluate(&problem, &options(backend, Method::Auto))
                .unwrap();
            assert_eq!(counts.method, MethodUsed::Counts, "{name}");
            let tolerance = if backend == Backend::Cpu {
                CPU_ORACLE_TOLERANCE
            } else {
                GPU_TOLERANCE
            };
            assert_identities(&name, &counts.shares, tolerance);
            let d = (counts.shares[0][0] - reference.shares[0][0]).abs();
            if equal {
                assert!(d <= tolerance, "{name}: {d:e} from the context-free family");
            } else {
                assert!(d > 1e-3, "{name}: the role rows changed nothing ({d:e})");
                let sampled = unitsum_gpu::evaluate(
                    &problem,
                    &Options {
                        samples: 400_000,
                        ..options(Backend::Cpu, Method::Sample)
                    },
                )
                .unwrap();
                let error = sampled.stderr.as_ref().unwrap()[0][0];
                let off = (sampled.shares[0][0] - counts.shares[0][0]).abs();
                assert!(
                    off <= 6.0 * error,
                    "{name}: sampling off by {off:e}, error {error:e}"
                );
            }
        }
    }
}

/// The same game as a table of every profile's shares (player 0's action
/// the fastest digit): no structure left, so its guarantee LP runs over
/// joint actions.
fn tabulated(problem: &Problem) -> Problem {
    let (n, k) = (problem.players(), problem.actions());
    let game = problem.game();
    let shares = (0..game.states())
        .map(|x| {
            (0..k.pow(n as u32))
                .map(|index| {
                    let profile: Vec<usize> =
                        (0..n).map(|i| (index / k.pow(i as u32)) % k).collect();
                    game.player_shares(x, &profile, k)
                })
                .collect()
        })
        .collect();
    Problem::new_with_roles(
        n,
        k,
        Some(problem.roles().to_vec()),
        Game::Table { shares },
        problem.coalitions().to_vec(),
    )
    .unwrap()
}

/// A random role game of `family` with n = 4 to 5 players in two or three
/// roles and k = 2 to 3 actions: coalition 0 a random group, the others
/// split in one or two uniform coalitions.
fn random_guarantee_problem(seed: u64, family: &str) -> Problem {
    let mut rng = StdRng::seed_from_u64(seed);
    let (n, k) = (rng.random_range(4..=5), rng.random_range(2..=3));
    let mut roles: Vec<usize> = (0..n).map(|_| rng.random_range(0..3)).collect();
    roles[0] = 0;
    roles[n - 1] = 1;
    let game = random_role_game(&mut rng, family, &roles, k);
    let mut players: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        players.swap(i, rng.random_range(0..=i));
    }
    let size = rng.random_range(1..n);
    let (mine, rest) = players.split_at(size);
    let mut coalitions = vec![Coalition::new(mine.to_vec(), Policy::Uniform)];
    let cut = if rest.len() > 1 && rng.random_bool(0.5) {
        rng.random_range(1..rest.len())
    } else {
        rest.len()
    };
    coalitions.push(Coalition::new(rest[..cut].to_vec(), Policy::Uniform));
    if cut < rest.len() {
        coalitions.push(Coalition::new(rest[cut..].to_vec(), Policy::Uniform));
    }
    Problem::new_with_roles(n, k, Some(roles), game, coalitions).unwrap()
}

/// Strategies of the per-role LP: Π over roles of C(m_r + k − 1, k − 1).
fn per_role_strategies(problem: &Problem, members: &[usize]) -> usize {
    let k = problem.actions() as u64;
    let mut present = problem.roles().to_vec();
    present.sort_unstable();
    present.dedup();
    present
        .iter()
        .map(|&r| {
            let m = members.iter().filter(|&&i| problem.roles()[i] == r).count() as u64;
            // C(m + k − 1, k − 1), exactly.
            (1..k).fold(1u64, |c, i| c * (m + i) / i) as usize
        })
        .product()
}

fn role_guarantees_over_per_role_counts_equal_the_joint_action_lp() {
    let mut evaluator = Evaluator::new();
    let mut perturbed_differs = 0;
    let mut checked = 0;
    let mut copies = 0;
    for family in ["proportional", "congestion"] {
        for seed in 0..12 {
            let problem = random_guarantee_problem(8100 + seed, family);
            let name = format!("{family}/seed {seed}");
            let roles = evaluator.security_value(&problem, 0, Backend::Cpu).unwrap();
            let joint = evaluator
                .security_value(&tabulated(&problem), 0, Backend::Cpu)
                .unwrap();
            assert_eq!(roles.basis, Basis::RoleCountVectors, "{name}");
            assert_eq!(joint.basis, Basis::JointActions, "{name}");
            let members = &problem.coalitions()[0].members;
            assert_eq!(
                roles.strategies,
                per_role_strategies(&problem, members),
                "{name}"
            );
            assert!(roles.strategies <= joint.strategies, "{name}");
            assert!(
                (roles.value - joint.value).abs() < 1e-9,
                "{name}: per-role counts {} vs joint actions {}",
                roles.value,
                joint.value
            );
            // The independent check: the printed policy against every reply.
            assert!(roles.check_error().unwrap() < 1e-9, "{name}");
            // The best response to the others' given policies, and the copy's.
            let given = evaluator.best_response(&problem, 0, Backend::Cpu).unwrap();
            let given_joint = evaluator
                .best_response(&tabulated(&problem), 0, Backend::Cpu)
                .unwrap();
            assert!((given.value - given_joint.value).abs() < 1e-9, "{name}");
            for (a, b) in [
                (given.copy_value, given_joint.copy_value),
                (given.informed_copy_value, given_joint.informed_copy_value),
            ] {
                match (a, b) {
                    (Some(a), Some(b)) => {
                        assert!((a - b).abs() < 1e-9, "{name}: {a} vs {b}");
                        copies += 1;
                    }
                    (None, None) => {}
                    other => panic!("{name}: {other:?}"),
                }
            }
            assert!(
                roles.value >= -1e-12 && roles.value <= 1.0 + 1e-12,
                "{name}"
            );
            checked += 1;
            // Another game (role 1's row reversed) must move the value in
            // many cases (not all: a coalition may guarantee as much in
            // both), so the comparison can fail.
            let other = match problem.game().clone() {
                Game::RoleProportional { roles, mut weights } => {
                    weights.iter_mut().for_each(|w| w[1].reverse());
                    Game::RoleProportional { roles, weights }
                }
                Game::RoleCongestion { roles, mut values } => {
                    values.iter_mut().for_each(|v| v[1].reverse());
                    Game::RoleCongestion { roles, values }
                }
                other => panic!("{other:?}"),
            };
            let moved = Problem::new_with_roles(
                problem.players(),
                problem.actions(),
                Some(problem.roles().to_vec()),
                other,
                problem.coalitions().to_vec(),
            )
            .unwrap();
            let v = evaluator.security_value(&moved, 0, Backend::Cpu).unwrap();
            perturbed_differs += usize::from((v.value - joint.value).abs() > 1e-6);
        }
    }
    assert_eq!(checked, 24);
    assert!(copies >= 8, "{copies} copy values compared");
    assert!(perturbed_differs >= 8, "{perturbed_differs} of 24");
}

fn gpu_role_guarantees_equal_the_cpu(gpu: &mut Evaluator) {
    for family in ["proportional", "congestion"] {
        for seed in 0..4 {
            let problem = random_guarantee_problem(8200 + seed, family);
            let name = format!("{family}/seed {seed}");
            let cpu = gpu.security_value(&problem, 0, Backend::Cpu).unwrap();
            let both = gpu.security_value(&problem, 0, Backend::Both).unwrap();
            let d = both.max_gpu_cpu.expect("both backends");
            assert!(
                d <= unitsum_gpu::internals::PAYOFF_TOLERANCE,
                "{name}: {d:e}"
            );
            assert!((both.value - cpu.value).abs() < 1e-9, "{name}");
            assert_eq!(both.basis, Basis::RoleCountVectors, "{name}");
        }
    }
}

/// Every arrangement of `counts` over `len` members (a multiset's
/// permutations), built here independently of the library.
fn arrangements_of(counts: &[usize]) -> Vec<Vec<usize>> {
    let left: usize = counts.iter().sum();
    if left == 0 {
        return vec![vec![]];
    }
    let mut all = Vec::new();
    for a in 0..counts.len() {
        if counts[a] > 0 {
            let mut rest = counts.to_vec();
            rest[a] -= 1;
            for tail in arrangements_of(&rest) {
                all.push([vec![a], tail].concat());
            }
        }
    }
    all
}

/// A plain `counts` policy over members of two roles in a role-dependent
/// game is split over the roles by the multivariate hypergeometric law:
/// the same as the `joint` policy that lists every arrangement, on both
/// role families; at 30 + 30 members (5.6e12 arrangements, refused before)
/// it is exact, unit-sum and within 6 standard errors of sampling.
fn plain_counts_over_roles_split_by_the_hypergeometric_law() {
    let support = [(vec![2, 2, 1], 0.6), (vec![4, 0, 1], 0.4)];
    for family in ["proportional", "congestion"] {
        let mut rng = StdRng::seed_from_u64(29);
        let roles: Vec<usize> = (0..8).map(|i| i % 2).collect();
        let game = random_role_game(&mut rng, family, &roles, 3);
        let problem = |policy: Policy| {
            Problem::new_with_roles(
                8,
                3,
                Some(roles.clone()),
                game.clone(),
                vec![
                    Coalition::new((0..5).collect(), policy),
                    Coalition::new((5..8).collect(), Policy::Uniform),
                ],
            )
            .unwrap()
        };
        let joint: Vec<(Vec<usize>, f64)> = support
            .iter()
            .flat_map(|(c, p)| {
                let all = arrangements_of(c);
                let each = p / all.len() as f64;
                all.into_iter().map(move |a| (a, each))
            })
            .collect();
        let exact = |problem: &Problem| {
            Evaluator::new()
                .evaluate(problem, &options(Backend::Cpu, Method::Exact))
                .unwrap()
                .shares
        };
        let split = exact(&problem(Policy::Counts {
            support: support.to_vec(),
        }));
        let listed = exact(&problem(Policy::Joint {
            support: joint.clone(),
        }));
        assert_close(family, &split, &listed, 1e-12);
        // Moving one arrangement's probability to another must show.
        let mut perturbed = joint.clone();
        perturbed[0].1 += 0.01;
        perturbed[1].1 -= 0.01;
        let moved = exact(&problem(Policy::Joint { support: perturbed }));
        assert!(split
            .iter()
            .flatten()
            .zip(moved.iter().flatten())
            .any(|(a, b)| (a - b).abs() > 1e-6));
    }
    let big = Problem::load("benches/specs/roles-counts-split-n60-r2-k3.json").unwrap();
    let mut evaluator = Evaluator::new();
    let exact = evaluator
        .evaluate(&big, &options(Backend::Cpu, Method::Exact))
        .unwrap();
    assert!(exact.profiles.unwrap() < 10_000, "{:?}", exact.profiles);
    assert!(exact.unit_sum_error < 1e-12);
    let sampled = evaluator
        .evaluate(&big, &options(Backend::Cpu, Method::Sample))
        .unwrap();
    let stderr = sampled.stderr.as_ref().unwrap();
    for j in 0..2 {
        let d = (exact.shares[j][0] - sampled.shares[j][0]).abs();
        assert!(
            d <= 6.0 * stderr[j][0],
            "coalition {j}: {d} vs {}",
            stderr[j][0]
        );
    }
}

super::trials!(
    cpu: [
        plain_counts_over_roles_split_by_the_hypergeometric_law,
        per_role_counts_equal_enumeration_on_every_family_and_policy_kind,
        role_games_equal_the_oracle_on_every_family_and_policy_kind,
        role_shares_match_hand_worked_cases,
        one_role_reduces_to_the_context_free_family,
        identical_role_rows_equal_the_context_free_family,
        copies_match_by_role_and_translate_as_worked_by_hand,
        a_role_match_without_a_run_is_refused,
        role_matched_copies_reach_q_over_q_plus_1_on_every_family,
        order_copying_fails_across_contexts_and_translation_restores_the_bound,
        translated_copies_restore_the_bound_in_a_table_game_built_symmetric,
        too_many_role_cells_are_refused,
        the_role_base_spec_is_valid_and_round_trips,
        check_reports_the_symmetry_a_game_has,
        check_cli_reports_symmetry_and_exit_codes,
        role_guarantees_over_per_role_counts_equal_the_joint_action_lp,
    ],
    gpu: [
        gpu_role_games_equal_the_cpu,
        gpu_role_games_sample_the_exact_value,
        gpu_per_role_counts_equal_the_cpu,
        per_role_counts_at_scale_check_against_the_context_free_family,
        gpu_role_guarantees_equal_the_cpu,
    ],
);
