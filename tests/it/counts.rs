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

super::trials! {
    cpu: [counts_equal_enumeration_on_every_symmetric_family_and_policy_kind, counts_refuse_table_games, counts_agree_with_sampling_at_large_n, theorem1_at_n_in_the_hundreds, theorem2_at_n_in_the_hundreds, auto_picks_counts_for_large_symmetric_games_and_says_so, check_finds_the_planted_asymmetry_and_passes_symmetric_families],
    gpu: [gpu_counts_equal_cpu_counts, gpu_counts_take_more_slots_than_enumeration],
}
