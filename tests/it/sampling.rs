//! Monte Carlo: the generator against its published vectors, the estimates
//! against exact values, and the GPU against the CPU on the same samples.

use super::common::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use unitsum_gpu::internals::philox4x32_10;
use unitsum_gpu::internals::{FlatPlan, Plan};
use unitsum_gpu::{
    Backend, BackendUsed, Coalition, Evaluation, Evaluator, Game, Method, Options, Policy, Problem,
};

fn sampled(backend: Backend, samples: u64, seed: u64) -> Options {
    Options {
        backend,
        method: Method::Sample,
        samples,
        seed,
        ..Default::default()
    }
}

/// GPU vs CPU on the same samples: f32 shares against f64, both averaged
/// over the same profiles: relative 1e-5 (plus an absolute floor for zeros).
fn assert_same_samples(what: &str, gpu: &Evaluation, cpu: &Evaluation) {
    for (j, (g, c)) in gpu.shares.iter().zip(&cpu.shares).enumerate() {
        for (x, (g, c)) in g.iter().zip(c).enumerate() {
            let d = (g - c).abs();
            assert!(
                d <= 1e-5 * c.abs() + 1e-12,
                "{what}: r_{j}({x}) gpu {g} cpu {c}, difference {d:.3e}"
            );
        }
    }
    let (gs, cs) = (gpu.stderr.as_ref().unwrap(), cpu.stderr.as_ref().unwrap());
    for (g, c) in gs.iter().flatten().zip(cs.iter().flatten()) {
        // Σy² − (Σy)²/N in f64 leaves ~1e-8 of noise where the variance is 0.
        assert!(
            (g - c).abs() <= 1e-3 * c + 1e-7,
            "{what}: stderr gpu {g} cpu {c}"
        );
    }
}

fn thresholds_follow_the_probabilities() {
    // Outcome o has 2^32 · p_o words (up to rounding): uniform over 4 has T = 2^30, 2^31, 3·2^30.
    let outcomes: Vec<(Vec<usize>, f64)> = (0..4).map(|a| (vec![a], 0.25)).collect();
    assert_eq!(
        unitsum_gpu::internals::sampling_thresholds(&outcomes),
        vec![1 << 30, 1 << 31, 3 << 30]
    );
}

fn estimates_are_within_5_standard_errors_of_the_exact_value() {
    let problems = all_random_problems(3);
    let mut compared = 0;
    for (name, problem) in &problems {
        let exact = cpu(problem);
        for seed in [1, 2] {
            let est = unitsum_gpu::evaluate(problem, &sampled(Backend::Cpu, 20_000, seed)).unwrap();
            let se = est.stderr.as_ref().unwrap();
            assert_eq!(est.samples, Some(20_000));
            for j in 0..exact.shares.len() {
                for x in 0..exact.shares[j].len() {
                    let d = (est.shares[j][x] - exact.shares[j][x]).abs();
                    assert!(d <= 5.0 * se[j][x] + 1e-12,
                        "{name} seed {seed}: r_{j}({x}) estimate {} exact {} (|d| = {d:.2e} > 5 × {:.2e})",
                        est.shares[j][x], exact.shares[j][x], se[j][x]);
                    compared += 1;
                }
            }
        }
    }
    assert!(compared > 500);
}

fn the_same_seed_gives_bit_identical_cpu_results() {
    let problem = random_problem(9, "congestion", "blocks");
    let a = unitsum_gpu::evaluate(&problem, &sampled(Backend::Cpu, 100_000, 42)).unwrap();
    let b = unitsum_gpu::evaluate(&problem, &sampled(Backend::Cpu, 100_000, 42)).unwrap();
    let c = unitsum_gpu::evaluate(&problem, &sampled(Backend::Cpu, 100_000, 43)).unwrap();
    assert_eq!(a.shares, b.shares);
    assert_eq!(a.stderr, b.stderr);
    assert_ne!(a.shares, c.shares, "another seed must draw other samples");
}

/// Samples `first .. first + count` one at a time through the kernel's twin
/// functions, in the kernel's order: what the CPU sampler's lanes must equal.
fn one_at_a_time(flat: &FlatPlan, seed: u64, first: u64, count: u64) -> Vec<f64> {
    let c = &flat.config;
    let mut acc = vec![0.0; 2 * c.slots as usize];
    let mut profile = unitsum_gpu::internals::ProfileState::new(flat);
    for index in first..first + count {
        profile.reset_to_base();
        let mut words = [0; 4];
        for p in 0..c.parts as usize {
            if p % 4 == 0 {
                let counter = [index as u32, (index >> 32) as u32, (p / 4) as u32, 0];
                words = philox4x32_10(counter, [seed as u32, (seed >> 32) as u32]);
            }
            let o = profile.sample_outcome(p, words[p % 4]);
            profile.apply_outcome(p, o, true);
        }
        profile.profile_changed();
        unitsum_gpu::internals::accumulate_sample(&mut profile, &mut acc);
    }
    acc
}

fn cpu_lanes_add_up_to_one_sample_at_a_time() {
    let mut problems = all_random_problems(2);
    // A joint part with more outcomes than the lanes count linearly (binary
    // search), beside uniform players (runs) and an independent one.
    let mut rng = StdRng::seed_from_u64(5);
    let p = unitsum_gpu::internals::distribution(&mut rng, 40);
    let support = p
        .into_iter()
        .map(|p| ((0..4).map(|_| rng.random_range(0..3)).collect(), p))
        .collect();
    problems.push((
        "plurality, 40-outcome joint part".into(),
        Problem::new(
            9,
            3,
            Game::Plurality,
            vec![
                Coalition::new(vec![0, 1, 2, 3], Policy::Joint { support }),
                Coalition::new(vec![4, 5, 6, 7], Policy::Uniform),
                Coalition::new(
                    vec![8],
                    Policy::Independent {
                        marginals: vec![vec![0.2, 0.3, 0.5]],
                    },
                ),
            ],
        )
        .unwrap(),
    ));
    for (name, problem) in problems {
        let flat = FlatPlan::new(&problem, &Plan::new(&problem)).unwrap();
        // Counts that are not a multiple of the lanes, from an odd start.
        for (first, count) in [(0, 1), (3, 37), ((1 << 32) - 5, 21)] {
            assert_eq!(
                unitsum_gpu::internals::sample_lanes(&flat, 11, first, count),
                one_at_a_time(&flat, 11, first, count),
                "{name}: samples {first}..+{count}"
            );
        }
    }
}

fn gpu_draws_the_same_samples_as_the_cpu(gpu: &mut Evaluator) {
    for (name, problem) in all_random_problems(2) {
        let c = unitsum_gpu::evaluate(&problem, &sampled(Backend::Cpu, 5_000, 7)).unwrap();
        let g = gpu
            .evaluate(&problem, &sampled(Backend::Gpu, 5_000, 7))
            .unwrap();
        assert_eq!(g.backend, BackendUsed::Gpu);
        assert_same_samples(&name, &g, &c);
    }
}

fn sample_indices_beyond_2_pow_32_on_both_backends(gpu: &mut Evaluator) {
    // A seed far from 0 and many dispatches: the 64-bit sample index carries.
    let problem = random_problem(12, "plurality", "independent");
    let options = |backend| sampled(backend, 300_000, u64::MAX - 5);
    let c = unitsum_gpu::evaluate(&problem, &options(Backend::Cpu)).unwrap();
    unitsum_gpu::internals::gpu(gpu)
        .unwrap()
        .set_schedule(unitsum_gpu::internals::Schedule {
            max_workgroups: 3,
            dispatches_per_submit: 4,
            max_items_per_thread: 100,
        });
    let g = gpu.evaluate(&problem, &options(Backend::Gpu));
    unitsum_gpu::internals::gpu(gpu)
        .unwrap()
        .set_schedule(Default::default());
    assert_same_samples("many dispatches", &g.unwrap(), &c);
}

fn big(family: &str, rng: &mut StdRng) -> Problem {
    let (n, k) = (200, 4);
    let game = match family {
        "plurality" => Game::Plurality,
        "proportional" => Game::Proportional {
            weights: vec![vec![1.0, 2.0, 3.0, 4.0], vec![4.0, 1.0, 1.0, 1.0]],
        },
        "congestion" => Game::Congestion {
            values: vec![vec![1.0, 1.0, 1.0, 1.0], vec![5.0, 1.0, 2.0, 1.0]],
        },
        _ => random_game(rng, "anonymous", n, k),
    };
    let opponents: Vec<usize> = (101..n).collect();
    let marginals = (0..opponents.len())
        .map(|_| {
            let w: Vec<f64> = (0..k).map(|_| rng.random_range(0.1..1.0)).collect();
            let t: f64 = w.iter().sum();
            w.iter().map(|v| v / t).collect()
        })
        .collect();
    Problem::new(
        n,
        k,
        game,
        vec![
            Coalition::new((0..101).collect(), Policy::Common { dist: None }),
            Coalition::new(opponents, Policy::Independent { marginals }),
        ],
    )
    .unwrap()
}

fn large_games_200_players_a_million_samples_on_both_backends(gpu: &mut Evaluator) {
    let mut rng = StdRng::seed_from_u64(200);
    for family in ["plurality", "proportional", "congestion", "anonymous"] {
        let problem = big(family, &mut rng);
        let c = unitsum_gpu::evaluate(&problem, &sampled(Backend::Cpu, 1_000_000, 1)).unwrap();
        let g = gpu
            .evaluate(&problem, &sampled(Backend::Gpu, 1_000_000, 1))
            .unwrap();
        assert_same_samples(family, &g, &c);
        assert_identities(family, &c.shares, 1e-9);
        if family == "plurality" {
            // Theorem 1: a strict majority playing a common action gets ≥ 1 − 1/k.
            let se = c.stderr.as_ref().unwrap()[0][0];
            assert!(
                c.shares[0][0] >= 0.75 - 5.0 * se,
                "r_0 = {} ± {se}",
                c.shares[0][0]
            );
        }
    }
}

super::trials! {
    cpu: [thresholds_follow_the_probabilities, estimates_are_within_5_standard_errors_of_the_exact_value, the_same_seed_gives_bit_identical_cpu_results, cpu_lanes_add_up_to_one_sample_at_a_time],
    gpu: [sample_indices_beyond_2_pow_32_on_both_backends, gpu_draws_the_same_samples_as_the_cpu, large_games_200_players_a_million_samples_on_both_backends],
}
