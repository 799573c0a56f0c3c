//! The counts method against enumeration and sampling, its kernels against
//! their mirrors, the theorems at n in the hundreds, and `check`.

use super::common::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use unitsum_gpu::{
    Backend, BackendUsed, Coalition, Error, Evaluation, Evaluator, Game, Method, MethodUsed,
    Options, Policy, Problem,
};

/// Counts vs enumeration, both f64 on the CPU: different summation orders only.
const COUNTS_TOLERANCE: f64 = 1e-12;
/// A theorem's bound at n in the hundreds, up to rounding: the counts method
/// adds ~10^7 products of probabilities (worst case 10^7 × 1.1e-16 ≈ 1e-9;
/// Theorem 2 holds with equality when the copies are exact, so this shows).
const LARGE_N_ROUNDING: f64 = 1e-10;

fn run(problem: &Problem, backend: Backend, method: Method) -> Evaluation {
    unitsum_gpu::evaluate(
        problem,
        &Options {
            backend,
            method,
            samples: 200_000,
            seed: 3,
            ..Default::default()
        },
    )
    .unwrap()
}

const SYMMETRIC: [&str; 4] = ["plurality", "proportional", "congestion", "anonymous"];

fn symmetric_problems(per_pair: u64) -> Vec<(String, Problem)> {
    let mut out = Vec::new();
    for (f, family) in SYMMETRIC.iter().enumerate() {
        for (p, kind) in KINDS.iter().enumerate() {
            for s in 0..per_pair {
                let seed = 50_000 + 1000 * f as u64 + 100 * p as u64 + s;
                out.push((
                    format!("{family}/{kind}/seed {seed}"),
                    random_problem(seed, family, kind),
                ));
            }
        }
    }
    out
}

fn counts_equal_enumeration_on_every_symmetric_family_and_policy_kind() {
    let problems = symmetric_problems(5);
    assert_eq!(problems.len(), 4 * 8 * 5);
    for (name, problem) in &problems {
        let exact = cpu(problem);
        let counts = unitsum_gpu::evaluate(
            problem,
            &Options {
                backend: Backend::Cpu,
                method: Method::Counts,
                counts: unitsum_gpu::CountsAlgorithm::Direct,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(counts.method, MethodUsed::Counts);
        assert_close(name, &counts.shares, &exact.shares, COUNTS_TOLERANCE);
    }
}

fn gpu_counts_equal_cpu_counts(gpu: &mut Evaluator) {
    for (name, problem) in symmetric_problems(2) {
        let c = run(&problem, Backend::Cpu, Method::Counts);
        let options = Options {
            backend: Backend::Gpu,
            method: Method::Counts,
            ..Default::default()
        };
        let g = gpu.evaluate(&problem, &options).unwrap();
        assert_eq!(
            (g.backend, g.method),
            (BackendUsed::Gpu, MethodUsed::Counts)
        );
        assert_close(&name, &g.shares, &c.shares, GPU_TOLERANCE);
    }
}

fn counts_refuse_table_games() {
    let problem = random_problem(3, "table", "uniform");
    let options = Options {
        backend: Backend::Cpu,
        method: Method::Counts,
        ..Default::default()
    };
    match unitsum_gpu::evaluate(&problem, &options) {
        Err(Error::Spec { path, message }) => {
            assert_eq!(path, "game.family");
            assert!(message.contains("symmetric"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

fn marginals(rng: &mut StdRng, count: usize, k: usize) -> Vec<Vec<f64>> {
    (0..count)
        .map(|_| {
            let w: Vec<f64> = (0..k).map(|_| rng.random_range(0.1..1.0)).collect();
            let t: f64 = w.iter().sum();
            w.iter().map(|v| v / t).collect()
        })
        .collect()
}

fn counts_agree_with_sampling_at_large_n() {
    let mut rng = StdRng::seed_from_u64(9);
    for family in SYMMETRIC {
        let (n, k) = (120, 3);
        let game = random_game(&mut rng, family, n, k);
        let problem = Problem::new(
            n,
            k,
            game,
            vec![
                Coalition::new((0..40).collect(), Policy::Common { dist: None }),
                Coalition::new(
                    (40..80).collect(),
                    Policy::Independent {
                        marginals: marginals(&mut rng, 40, k),
                    },
                ),
                Coalition::new((80..120).collect(), Policy::copy(vec![1], 0)),
            ],
        )
        .unwrap();
        let counts = run(&problem, Backend::Cpu, Method::Counts);
        let sampled = run(&problem, Backend::Cpu, Method::Sample);
        let se = sampled.stderr.as_ref().unwrap();
        for j in 0..3 {
            for x in 0..problem.states() {
                let d = (counts.shares[j][x] - sampled.shares[j][x]).abs();
                assert!(
                    d <= 5.0 * se[j][x] + 1e-12,
                    "{family}: r_{j}({x}) counts {} sample {} ± {}",
                    counts.shares[j][x],
                    sampled.shares[j][x],
                    se[j][x]
                );
            }
        }
        assert_identities(family, &counts.shares, 1e-10);
    }
}

fn theorem1_at_n_in_the_hundreds() {
    let mut rng = StdRng::seed_from_u64(10);
    for (n, k) in [(101, 3), (301, 3), (200, 4)] {
        let s = n / 2 + 1;
        for opponent in [
            Policy::Uniform,
            Policy::Pure {
                actions: vec![0; n - s],
            },
            Policy::Common { dist: None },
            Policy::Independent {
                marginals: marginals(&mut rng, n - s, k),
            },
        ] {
            let problem = Problem::new(
                n,
                k,
                Game::Plurality,
                vec![
                    Coalition::new((0..s).collect(), Policy::Common { dist: None }),
                    Coalition::new((s..n).collect(), opponent),
                ],
            )
            .unwrap();
            let r = run(&problem, Backend::Cpu, Method::Counts);
            assert!(
                r.shares[0][0] >= 1.0 - 1.0 / k as f64 - LARGE_N_ROUNDING,
                "n={n} k={k}: {}",
                r.shares[0][0]
            );
        }
    }
}

fn theorem2_at_n_in_the_hundreds() {
    let mut rng = StdRng::seed_from_u64(11);
    for family in SYMMETRIC {
        for (n, m2) in [(150, 50), (200, 66), (120, 60)] {
            let k = 3;
            let game = random_game(&mut rng, family, n, k);
            let m1 = n - m2;
            let q = m1 / m2;
            let problem = Problem::new(
                n,
                k,
                game,
                vec![
                    Coalition::new((0..m1).collect(), Policy::copy(vec![1], 1)),
                    Coalition::new(
                        (m1..n).collect(),
                        Policy::Independent {
                            marginals: marginals(&mut rng, m2, k),
                        },
                    ),
                ],
            )
            .unwrap();
            let r = run(&problem, Backend::Cpu, Method::Counts);
            let bound = q as f64 / (q + 1) as f64;
            for (x, &v) in r.shares[0].iter().enumerate() {
                assert!(
                    v >= bound - LARGE_N_ROUNDING,
                    "{family} n={n} m2={m2} x={x}: {v} < {bound}"
                );
            }
        }
    }
}

fn auto_picks_counts_for_large_symmetric_games_and_says_so() {
    let mut rng = StdRng::seed_from_u64(12);
    let n = 60;
    let problem = Problem::new(
        n,
        3,
        Game::Plurality,
        vec![
            Coalition::new((0..31).collect(), Policy::Common { dist: None }),
            Coalition::new(
                (31..n).collect(),
                Policy::Independent {
                    marginals: marginals(&mut rng, 29, 3),
                },
            ),
        ],
    )
    .unwrap();
    let r = run(&problem, Backend::Cpu, Method::Auto);
    assert_eq!(r.method, MethodUsed::Counts);
    assert!(
        r.notes.iter().any(|n| n.contains("counts")),
        "{:?}",
        r.notes
    );
    // A small game is enumerated.
    let small = random_problem(1, "plurality", "uniform");
    assert_eq!(
        run(&small, Backend::Cpu, Method::Auto).method,
        MethodUsed::Exact
    );
}

fn check_finds_the_planted_asymmetry_and_passes_symmetric_families() {
    for (name, problem) in symmetric_problems(1) {
        let report = unitsum_gpu::Evaluator::new()
            .check(&problem, 2000, 1)
            .unwrap();
        assert!(report.passed(), "{name}: {:?}", report.violation);
        assert_eq!(report.coverage, "every profile");
    }
    // A symmetric table (plurality written out) passes; moving one unit of
    // share from player 0 to player 1 in one profile breaks symmetry only.
    let (n, k): (usize, usize) = (3, 2);
    let plurality = Game::Plurality;
    let mut shares: Vec<Vec<f64>> = (0..k * k * k)
        .map(|index| {
            let profile: Vec<usize> = (0..n).map(|i| (index / k.pow(i as u32)) % k).collect();
            plurality.player_shares(0, &profile, k)
        })
        .collect();
    let make = |shares: Vec<Vec<f64>>| {
        Problem::new(
            n,
            k,
            Game::Table {
                shares: vec![shares],
            },
            vec![Coalition::new(vec![0, 1, 2], Policy::Uniform)],
        )
        .unwrap()
    };
    assert!(unitsum_gpu::Evaluator::new()
        .check(&make(shares.clone()), 100, 1)
        .unwrap()
        .passed());
    // Profile 6 = (0, 1, 1): players 1 and 2 share the plurality. Give player 1 everything.
    shares[6] = vec![0.0, 1.0, 0.0];
    let report = unitsum_gpu::Evaluator::new()
        .check(&make(shares), 100, 1)
        .unwrap();
    let v = report.violation.expect("the asymmetry is found");
    assert_eq!(v.property, unitsum_gpu::Property::Symmetry);
    assert!(
        v.profile == vec![0, 1, 1] || v.profile == vec![1, 0, 1] || v.profile == vec![1, 1, 0],
        "{v:?}"
    );
}

/// The pair sum keeps one accumulator per state (one coalition at a time), so
/// the GPU takes counts problems whose coalitions × states (here 12 × 12 = 144)
/// are beyond enumeration's 128 accumulators.
fn gpu_counts_take_more_slots_than_enumeration(gpu: &mut Evaluator) {
    let n = 12;
    let weights = (0..12).map(|x| vec![1.0, 2.0 + x as f64, 3.0]).collect();
    let problem = Problem::new(
        n,
        3,
        Game::Proportional { weights },
        (0..n)
            .map(|i| Coalition::new(vec![i], Policy::Uniform))
            .collect(),
    )
    .unwrap();
    let counts = |backend| Options {
        backend,
        method: Method::Counts,
        ..Default::default()
    };
    let c = run(&problem, Backend::Cpu, Method::Counts);
    let g = gpu.evaluate(&problem, &counts(Backend::Gpu)).unwrap();
    assert_close(
        "12 singletons, 12 states",
        &g.shares,
        &c.shares,
        GPU_TOLERANCE,
    );
    // Enumeration refuses the same problem on the GPU, as too large.
    let exact = gpu.evaluate(
        &problem,
        &Options {
            method: Method::Exact,
            ..counts(Backend::Gpu)
        },
    );
    assert!(matches!(exact, Err(Error::TooLarge { .. })), "{exact:?}");
}

/// The direct pair sum with `algorithm` forced (or another counts algorithm).
fn counts_with(
    evaluator: &mut Evaluator,
    problem: &Problem,
    backend: Backend,
    algorithm: unitsum_gpu::CountsAlgorithm,
) -> Evaluation {
    evaluator
        .evaluate(
            problem,
            &Options {
                backend,
                method: Method::Counts,
                counts: algorithm,
                ..Default::default()
            },
        )
        .unwrap()
}

/// Two roles of unequal sizes (`small` and `large` players, role 0 first),
/// k = 3, role proportional with rows `rows` (one state): coalition 0 is
/// three role-0 and two role-1 players on independent marginals, coalition 1
/// the rest on a common draw and uniform players.
fn unequal_roles(small: usize, large: usize, rows: [[f64; 3]; 2]) -> Problem {
    let n = small + large;
    let roles: Vec<usize> = (0..n).map(|i| usize::from(i >= small)).collect();
    let weights = vec![rows.iter().map(|r| r.to_vec()).collect()];
    let mut rng = StdRng::seed_from_u64(28);
    let members = [0, 1, 2, small, small + 1];
    let marginals = (0..members.len())
        .map(|_| {
            let w: Vec<f64> = (0..3).map(|_| rng.random_range(0.1..1.0)).collect();
            let t: f64 = w.iter().sum();
            w.iter().map(|x| x / t).collect()
        })
        .collect();
    let rest: Vec<usize> = (0..n).filter(|i| !members.contains(i)).collect();
    let (common, uniform) = rest.split_at(rest.len() / 2);
    Problem::new_with_roles(
        n,
        3,
        Some(roles.clone()),
        Game::RoleProportional { roles, weights },
        vec![
            Coalition::new(members.to_vec(), Policy::Independent { marginals }),
            Coalition::new(
                common.to_vec(),
                Policy::Common {
                    dist: Some(vec![0.5, 0.3, 0.2]),
                },
            ),
            Coalition::new(uniform.to_vec(), Policy::Uniform),
        ],
    )
    .unwrap()
}

const ROWS: [[f64; 3]; 2] = [[3.0, 1.0, 0.5], [0.7, 2.0, 1.3]];

/// Role games whose roles have different sizes, each role block ranked on
/// its own simplex: at 3 + 5 players the direct sum equals enumeration
/// (1e-12), and a weight moved by 1e-6 moves it beyond that (the check can
/// fail); at 3 + 40 players (3^43 profiles) it agrees with sampling within 6σ.
fn direct_sum_on_unequal_roles_equals_enumeration_and_sampling() {
    let mut evaluator = Evaluator::new();
    let direct = unitsum_gpu::CountsAlgorithm::Direct;
    let small = unequal_roles(3, 5, ROWS);
    let counts = counts_with(&mut evaluator, &small, Backend::Cpu, direct);
    assert_eq!(counts.method, MethodUsed::Counts);
    let exact = cpu(&small);
    assert_close(
        "3 + 5 players",
        &counts.shares,
        &exact.shares,
        COUNTS_TOLERANCE,
    );
    assert_identities("3 + 5 players", &counts.shares, COUNTS_TOLERANCE);
    let mut moved = ROWS;
    moved[1][2] += 1e-6;
    let perturbed = counts_with(
        &mut evaluator,
        &unequal_roles(3, 5, moved),
        Backend::Cpu,
        direct,
    );
    let d = (perturbed.shares[0][0] - exact.shares[0][0]).abs();
    assert!(
        d > 10.0 * COUNTS_TOLERANCE,
        "a moved weight changed r_0 by {d:e} only"
    );
    let large = unequal_roles(3, 40, ROWS);
    let counts = counts_with(&mut evaluator, &large, Backend::Cpu, direct);
    assert_identities("3 + 40 players", &counts.shares, COUNTS_TOLERANCE);
    let sampled = run(&large, Backend::Cpu, Method::Sample);
    let errors = sampled.stderr.as_ref().unwrap();
    for j in 0..3 {
        let off = (sampled.shares[j][0] - counts.shares[j][0]).abs();
        assert!(
            off <= 6.0 * errors[j][0],
            "coalition {j}: off by {off:e}, error {:e}",
            errors[j][0]
        );
    }
}

/// Two roles of 20 players at k = 4, role proportional with identical rows
/// `[w, w]`, or with two different rows: one player of role 0 on a marginal
/// against the other 39 uniform.
fn two_roles_of_20(rows: [[f64; 4]; 2]) -> Problem {
    let n = 40;
    let roles: Vec<usize> = (0..n).map(|i| i % 2).collect();
    let weights = vec![rows.iter().map(|r| r.to_vec()).collect()];
    Problem::new_with_roles(
        n,
        4,
        Some(roles.clone()),
        Game::RoleProportional { roles, weights },
        vec![
            Coalition::new(
                vec![0],
                Policy::Independent {
                    marginals: vec![vec![0.4, 0.3, 0.2, 0.1]],
                },
            ),
            Coalition::new((1..n).collect(), Policy::Uniform),
        ],
    )
    .unwrap()
}

/// Two roles × 20 players at k = 4: 21^6 = 8.6·10^7 cube cells, refused
/// before the count space became the product of simplices (1771² rows now).
/// With identical role rows it equals the context-free family of 40
/// players by leave-one-out (another algorithm, one block; 1e-11); with
/// different rows it differs from it and agrees with sampling (6σ); the
/// GPU's direct sum equals the CPU's.
fn two_roles_of_20_at_k4_are_exact_and_the_gpu_agrees(gpu: &mut Evaluator) {
    let direct = unitsum_gpu::CountsAlgorithm::Direct;
    let w = [3.0, 1.0, 0.5, 2.0];
    let same = two_roles_of_20([w, w]);
    let plain = Problem::new(
        40,
        4,
        Game::Proportional {
            weights: vec![w.to_vec()],
        },
        same.coalitions().to_vec(),
    )
    .unwrap();
    let loo = counts_with(
        gpu,
        &plain,
        Backend::Cpu,
        unitsum_gpu::CountsAlgorithm::LeaveOneOut,
    );
    let counts = counts_with(gpu, &same, Backend::Cpu, direct);
    assert_close("identical role rows", &counts.shares, &loo.shares, 1e-11);
    let on_gpu = counts_with(gpu, &same, Backend::Gpu, direct);
    assert_eq!(on_gpu.backend, BackendUsed::Gpu);
    assert_close(
        "GPU, identical rows",
        &on_gpu.shares,
        &counts.shares,
        GPU_TOLERANCE,
    );
    let different = two_roles_of_20([w, [0.5, 2.0, 4.0, 1.0]]);
    let counts = counts_with(gpu, &different, Backend::Cpu, direct);
    let d = (counts.shares[0][0] - loo.shares[0][0]).abs();
    assert!(d > 1e-6, "the role rows changed r_0 by {d:e} only");
    assert_identities("different role rows", &counts.shares, COUNTS_TOLERANCE);
    let on_gpu = counts_with(gpu, &different, Backend::Gpu, direct);
    assert_close(
        "GPU, different rows",
        &on_gpu.shares,
        &counts.shares,
        GPU_TOLERANCE,
    );
    let sampled = run(&different, Backend::Cpu, Method::Sample);
    let error = sampled.stderr.as_ref().unwrap()[0][0];
    let off = (sampled.shares[0][0] - counts.shares[0][0]).abs();
    assert!(
        off <= 6.0 * error,
        "sampling off by {off:e}, error {error:e}"
    );
}

/// n = 80 at k = 5: 81^4 cube cells, beyond the old limit of 2^25
/// (C(84, 4) rows now); two players on marginals against 78 uniform ones,
/// proportional. The direct sum equals leave-one-out and the stream (1e-11)
/// on the CPU, and the GPU's direct sum equals the CPU's.
fn n80_at_k5_direct_sum_equals_leave_one_out_and_the_gpu_agrees(gpu: &mut Evaluator) {
    let n = 80;
    let problem = Problem::new(
        n,
        5,
        Game::Proportional {
            weights: vec![vec![3.0, 1.0, 0.5, 2.0, 1.5]],
        },
        vec![
            Coalition::new(
                vec![0, 1],
                Policy::Independent {
                    marginals: vec![
                        vec![0.4, 0.3, 0.2, 0.05, 0.05],
                        vec![0.1, 0.1, 0.1, 0.1, 0.6],
                    ],
                },
            ),
            Coalition::new((2..n).collect(), Policy::Uniform),
        ],
    )
    .unwrap();
    use unitsum_gpu::CountsAlgorithm::{Direct, LeaveOneOut, Stream};
    let direct = counts_with(gpu, &problem, Backend::Cpu, Direct);
    assert_identities("n = 80", &direct.shares, 1e-11);
    for other in [LeaveOneOut, Stream] {
        let o = counts_with(gpu, &problem, Backend::Cpu, other);
        assert_close(&format!("{other:?}"), &direct.shares, &o.shares, 1e-11);
    }
    let on_gpu = counts_with(gpu, &problem, Backend::Gpu, Direct);
    assert_eq!(on_gpu.backend, BackendUsed::Gpu);
    assert_close("GPU n = 80", &on_gpu.shares, &direct.shares, GPU_TOLERANCE);
}

super::trials! {
    cpu: [counts_equal_enumeration_on_every_symmetric_family_and_policy_kind, counts_refuse_table_games, counts_agree_with_sampling_at_large_n, theorem1_at_n_in_the_hundreds, theorem2_at_n_in_the_hundreds, auto_picks_counts_for_large_symmetric_games_and_says_so, check_finds_the_planted_asymmetry_and_passes_symmetric_families, direct_sum_on_unequal_roles_equals_enumeration_and_sampling],
    gpu: [gpu_counts_equal_cpu_counts, gpu_counts_take_more_slots_than_enumeration, two_roles_of_20_at_k4_are_exact_and_the_gpu_agrees, n80_at_k5_direct_sum_equals_leave_one_out_and_the_gpu_agrees],
}
