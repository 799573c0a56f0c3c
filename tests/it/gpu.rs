//! The WGSL kernels against their Rust twins: whole evaluations on seeded
//! random problems, each shared WGSL function on the same inputs, and a
//! perturbed input that the comparison must catch.

use super::common::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use unitsum_gpu::internals::{add_to_digits, FlatPlan, Plan};
use unitsum_gpu::{
    Backend, BackendUsed, Coalition, Evaluator, Game, Method, Options, Policy, Problem,
};

fn exact_gpu() -> Options {
    Options {
        backend: Backend::Gpu,
        method: Method::Exact,
        ..Default::default()
    }
}

fn gpu_equals_cpu_on_every_family_and_policy_kind(gpu: &mut Evaluator) {
    let problems = all_random_problems(3);
    for (name, problem) in &problems {
        let c = cpu(problem);
        let g = gpu.evaluate(problem, &exact_gpu()).unwrap();
        assert_eq!(g.backend, BackendUsed::Gpu);
        assert!(!g.adapter.is_empty());
        assert_eq!(g.profiles, c.profiles, "{name}");
        assert_close(name, &g.shares, &c.shares, GPU_TOLERANCE);
        assert_identities(name, &g.shares, GPU_TOLERANCE);
    }
}

fn gpu_many_dispatches_and_submits(gpu: &mut Evaluator) {
    // 4^9 = 262144 profiles cut into dispatches of 2 workgroups × 64 threads × 5
    // profiles, 3 dispatches per submit: ~410 dispatches, ~137 readbacks.
    let problem = Problem::new(
        10,
        4,
        Game::Proportional {
            weights: vec![vec![1.0, 2.0, 3.0, 4.0], vec![4.0, 1.0, 1.0, 1.0]],
        },
        vec![
            Coalition::new(vec![0, 1, 2, 3, 4, 5], Policy::Uniform),
            Coalition::new(
                vec![6, 7, 8],
                Policy::Independent {
                    marginals: vec![vec![0.1, 0.2, 0.3, 0.4]; 3],
                },
            ),
            Coalition::new(vec![9], Policy::Pure { actions: vec![2] }),
        ],
    )
    .unwrap();
    let c = cpu(&problem);
    unitsum_gpu::internals::gpu(gpu)
        .unwrap()
        .set_schedule(unitsum_gpu::internals::Schedule {
            max_workgroups: 2,
            dispatches_per_submit: 3,
            max_items_per_thread: 5,
        });
    let g = gpu.evaluate(&problem, &exact_gpu());
    unitsum_gpu::internals::gpu(gpu)
        .unwrap()
        .set_schedule(Default::default());
    let g = g.unwrap();
    assert_eq!(g.profiles, Some(262_144));
    assert_close("many dispatches", &g.shares, &c.shares, GPU_TOLERANCE);
}

fn gpu_large_enumeration_matches_cpu(gpu: &mut Evaluator) {
    // 4^11 ≈ 4.2 million profiles: threads walk hundreds of profiles each.
    let problem = Problem::new(
        12,
        4,
        Game::Plurality,
        vec![
            Coalition::new((0..7).collect(), Policy::Common { dist: None }),
            Coalition::new((7..12).collect(), Policy::Uniform),
        ],
    )
    .unwrap();
    let c = cpu(&problem);
    let g = gpu.evaluate(&problem, &exact_gpu()).unwrap();
    assert_eq!(g.profiles, Some(4 * 4u64.pow(5)));
    assert_close("plurality n=12", &g.shares, &c.shares, GPU_TOLERANCE);
    let problem = Problem::new(
        11,
        4,
        Game::Congestion {
            values: vec![vec![1.0, 2.0, 0.5, 3.0]],
        },
        vec![Coalition::new((0..11).collect(), Policy::Uniform)],
    )
    .unwrap();
    let c = cpu(&problem);
    let g = gpu.evaluate(&problem, &exact_gpu()).unwrap();
    assert_eq!(g.profiles, Some(4u64.pow(11)));
    assert_close("congestion n=11", &g.shares, &c.shares, GPU_TOLERANCE);
}

fn a_fault_on_the_gpu_side_makes_the_cross_check_fail(gpu: &mut Evaluator) {
    let make = |weights: Vec<Vec<f64>>| {
        Problem::new(
            5,
            3,
            Game::Proportional { weights },
            vec![
                Coalition::new(vec![0, 1, 2], Policy::Common { dist: None }),
                Coalition::new(vec![3, 4], Policy::Uniform),
            ],
        )
        .unwrap()
    };
    let problem = make(vec![vec![1.0, 2.0, 3.0]]);
    let both = gpu
        .evaluate(
            &problem,
            &Options {
                backend: Backend::Both,
                method: Method::Exact,
                ..Default::default()
            },
        )
        .unwrap();
    let check = both.cross_check.clone().expect("both backends ran");
    assert!(check.agree, "difference {}", check.max_abs_difference);
    assert_eq!(check.gpu.backend, BackendUsed::Gpu);
    // The GPU reads a table with one weight moved by 3%, the CPU the true one:
    // the GPU's sums move beyond the tolerance.
    let flat = |p: &Problem| FlatPlan::new(p, &Plan::new(p)).unwrap();
    let (truth, faulty) = (flat(&problem), flat(&make(vec![vec![1.0, 2.0, 3.1]])));
    let cpu_sums = unitsum_gpu::internals::enumerate(&truth, 0, truth.profiles.unwrap());
    let gpu_sums = unitsum_gpu::internals::gpu_enumerate(gpu, &faulty).unwrap();
    let d = cpu_sums
        .iter()
        .zip(&gpu_sums)
        .map(|(c, g)| (c - g).abs())
        .fold(0.0, f64::max);
    assert!(
        d > GPU_TOLERANCE,
        "a 3% fault moved the sums by only {d:.1e}"
    );
    // A NaN from the GPU never agrees.
    let mut broken = (*check.gpu).clone();
    broken.shares[1][0] = f64::NAN;
    assert_eq!(both.max_abs_difference(&broken), f64::INFINITY);
}

fn random_counts(rng: &mut StdRng, n: u32, k: usize) -> Vec<u32> {
    let mut c = vec![0u32; k];
    for _ in 0..n {
        c[rng.random_range(0..k)] += 1;
    }
    c
}

fn wgsl_family_functions_equal_their_rust_twins(gpu: &mut Evaluator) {
    let mut rng = StdRng::seed_from_u64(5);
    for family in [
        "plurality",
        "proportional",
        "congestion",
        "anonymous",
        "table",
    ] {
        for (n, k) in [(2usize, 2usize), (5, 3), (9, 4), (7, 7)] {
            if family == "table" && n > 5 {
                continue;
            }
            let game = random_game(&mut rng, family, n, k);
            let problem = everyone_uniform(n, k, game);
            let flat = FlatPlan::new(&problem, &Plan::new(&problem)).unwrap();
            let cases: Vec<Vec<u32>> = (0..50)
                .map(|_| random_counts(&mut rng, n as u32, k))
                .collect();
            let (ranks, shares) = unitsum_gpu::internals::gpu(gpu)
                .unwrap()
                .probe_families(&flat, &cases)
                .unwrap();
            let states = problem.states();
            for (t, counts) in cases.iter().enumerate() {
                assert_eq!(
                    u64::from(ranks[t]),
                    unitsum_gpu::internals::count_vector_rank(counts),
                    "{family} rank of {counts:?}"
                );
                assert_eq!(ranks[t], unitsum_gpu::internals::family_rank(&flat, counts));
                if family == "table" {
                    continue;
                }
                let mut others_rank = vec![0; k];
                unitsum_gpu::internals::anonymous_ranks(&flat, counts, &mut others_rank);
                for x in 0..states {
                    let mut expected = vec![0.0; k];
                    unitsum_gpu::internals::action_shares(
                        &flat,
                        x as u32,
                        counts,
                        &others_rank,
                        &mut expected,
                    );
                    for b in 0..k {
                        let got = f64::from(shares[(t * states + x) * k + b]);
                        // f32 shares: a few ulps of values ≤ 1.
                        assert!((got - expected[b]).abs() <= 1e-6 * expected[b].abs().max(1e-3),
                            "{family} n={n} k={k} counts {counts:?} x={x} b={b}: wgsl {got} rust {}", expected[b]);
                    }
                }
            }
        }
    }
}

fn wgsl_digit_arithmetic_equals_its_rust_twin(gpu: &mut Evaluator) {
    let mut rng = StdRng::seed_from_u64(6);
    // Radices from the parts: uniform over 3 and 4 actions, a joint of 5 outcomes.
    let support: Vec<(Vec<usize>, f64)> = (0..5).map(|s| (vec![s % 3, (s + 1) % 3], 0.2)).collect();
    let problem = Problem::new(
        9,
        3,
        Game::Plurality,
        vec![
            Coalition::new((0..7).collect(), Policy::Uniform),
            Coalition::new(vec![7, 8], Policy::Joint { support }),
        ],
    )
    .unwrap();
    let flat = FlatPlan::new(&problem, &Plan::new(&problem)).unwrap();
    let total = flat.profiles.unwrap();
    let cases: Vec<(Vec<u32>, u32)> = (0..200)
        .map(|_| {
            let base = rng.random_range(0..total);
            let offset = rng.random_range(0..(total - base)) as u32;
            (flat.digits(base), offset)
        })
        .collect();
    let got = unitsum_gpu::internals::gpu(gpu)
        .unwrap()
        .probe_digits(&flat, &cases)
        .unwrap();
    let parts = flat.radices.len();
    for (t, (digits, offset)) in cases.iter().enumerate() {
        let mut expected = digits.clone();
        add_to_digits(&flat.radices, &mut expected, *offset);
        assert_eq!(
            &got[t * parts..(t + 1) * parts],
            expected.as_slice(),
            "case {t}"
        );
        // And the twin agrees with plain u64 arithmetic.
        let base: u64 = digits
            .iter()
            .rev()
            .zip(flat.radices.iter().rev())
            .fold(0, |acc, (&d, &r)| acc * u64::from(r) + u64::from(d));
        assert_eq!(expected, flat.digits(base + u64::from(*offset)));
    }
}

super::trials! {
    cpu: [],
    gpu: [gpu_equals_cpu_on_every_family_and_policy_kind, gpu_many_dispatches_and_submits, gpu_large_enumeration_matches_cpu, a_fault_on_the_gpu_side_makes_the_cross_check_fail, wgsl_family_functions_equal_their_rust_twins, wgsl_digit_arithmetic_equals_its_rust_twin],
}
