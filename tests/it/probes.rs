//! The twin probes: each WGSL function shared between kernels (family
//! shares and count-vector ranks, digit arithmetic, Philox, the outcome
//! search) and the share-table kernel, run on the GPU on the same inputs as
//! its Rust twin, with the results compared.

use super::common::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use unitsum_gpu::internals::{add_to_digits, all_count_vectors, philox4x32_10, CountSpace};
use unitsum_gpu::internals::{FlatPlan, Plan};
use unitsum_gpu::{Coalition, Evaluator, Game, Policy, Problem};

/// The symmetric families (those with a share table).
const SYMMETRIC: [&str; 4] = ["plurality", "proportional", "congestion", "anonymous"];

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

fn philox_matches_known_answers_on_the_gpu(gpu: &mut Evaluator) {
    let problem = random_problem(1, "plurality", "uniform");
    let flat = FlatPlan::new(&problem, &Plan::new(&problem)).unwrap();
    let mut cases = vec![
        ([0u32; 4], [0u32; 2]),
        ([u32::MAX; 4], [u32::MAX; 2]),
        (
            [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
            [0xa4093822, 0x299f31d0],
        ),
    ];
    let known = [
        [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
        [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
        [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
    ];
    let mut rng = StdRng::seed_from_u64(3);
    for _ in 0..200 {
        cases.push((
            std::array::from_fn(|_| rng.random()),
            std::array::from_fn(|_| rng.random()),
        ));
    }
    let words = unitsum_gpu::internals::gpu(gpu)
        .unwrap()
        .probe_philox(&flat, &cases)
        .unwrap();
    for (t, (counter, key)) in cases.iter().enumerate() {
        assert_eq!(words[t], philox4x32_10(*counter, *key), "case {t}");
        if t < known.len() {
            assert_eq!(words[t], known[t], "known-answer vector {t}");
        }
    }
}

fn sample_outcome_matches_its_twin_on_the_gpu(gpu: &mut Evaluator) {
    let mut rng = StdRng::seed_from_u64(4);
    for seed in 0..20 {
        let problem = random_problem(seed, "proportional", "joint");
        let flat = FlatPlan::new(&problem, &Plan::new(&problem)).unwrap();
        let parts = flat.radices.len() as u32;
        if parts == 0 {
            continue;
        }
        let mut cases = Vec::new();
        for p in 0..parts {
            // Every threshold and its neighbours, the ends, and random words.
            let first = flat.part(p as usize).first_threshold as usize;
            for &t in &flat.words[first..first + flat.radices[p as usize] as usize - 1] {
                cases.extend([(p, t.wrapping_sub(1)), (p, t), (p, t.wrapping_add(1))]);
            }
            cases.extend([(p, 0), (p, u32::MAX)]);
            cases.extend((0..20).map(|_| (p, rng.random())));
        }
        let got = unitsum_gpu::internals::gpu(gpu)
            .unwrap()
            .probe_outcomes(&flat, &cases)
            .unwrap();
        let state = unitsum_gpu::internals::ProfileState::new(&flat);
        for (t, &(p, r)) in cases.iter().enumerate() {
            let expected = state.sample_outcome(p as usize, r);
            assert!(expected < flat.radices[p as usize]);
            assert_eq!(got[t], expected, "part {p} word {r:#x}");
        }
    }
}

fn wgsl_share_table_equals_its_rust_twin(gpu: &mut Evaluator) {
    let mut rng = StdRng::seed_from_u64(8);
    for family in SYMMETRIC {
        for (n, k) in [(3, 2), (9, 3), (20, 4), (6, 7)] {
            let game = random_game(&mut rng, family, n, k);
            let problem = everyone_uniform(n, k, game);
            let flat = FlatPlan::new(&problem, &Plan::new(&problem)).unwrap();
            let vectors = all_count_vectors(&CountSpace::new(n, k).unwrap());
            let cpu = unitsum_gpu::internals::count_shares(&flat, &vectors);
            let gpu_table = unitsum_gpu::internals::gpu(gpu)
                .unwrap()
                .count_shares(&flat, &vectors)
                .unwrap();
            assert_eq!(cpu.len(), gpu_table.len());
            for (i, (c, g)) in cpu.iter().zip(&gpu_table).enumerate() {
                assert!(
                    (c - f64::from(*g)).abs() <= 1e-6 * c.abs().max(1e-3),
                    "{family} n={n} k={k} entry {i}: cpu {c} gpu {g}"
                );
            }
        }
    }
}

/// Every WGSL file that computes something has its Rust twin of the same
/// stem in src/cpu/, and the two name each other with a "keep in sync" note.
fn every_kernel_has_a_twin_that_names_it() {
    // Host-side plumbing and the test-only probe compute nothing of the model.
    let exempt = ["dispatch", "payoff", "probe"];
    let mut twins = 0;
    for entry in std::fs::read_dir("shaders").unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
        if exempt.contains(&stem.as_str()) {
            continue;
        }
        // Comments as prose: markers dropped, lines joined.
        let prose = |text: String| {
            text.replace("//!", " ")
                .replace("///", " ")
                .replace("//", " ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        let wgsl = prose(std::fs::read_to_string(&path).unwrap());
        let twin = format!("src/cpu/{stem}.rs");
        let rust = prose(
            std::fs::read_to_string(&twin).unwrap_or_else(|_| panic!("{stem}.wgsl has no {twin}")),
        );
        assert!(wgsl.contains(&twin), "{stem}.wgsl does not name {twin}");
        assert!(
            wgsl.contains("keep in sync"),
            "{stem}.wgsl has no sync note"
        );
        let shader = format!("shaders/{stem}.wgsl");
        assert!(rust.contains(&shader), "{twin} does not name {shader}");
        assert!(rust.contains("keep in sync"), "{twin} has no sync note");
        twins += 1;
    }
    assert!(twins >= 11, "only {twins} kernels with twins");
}

super::trials! {
    cpu: [every_kernel_has_a_twin_that_names_it],
    gpu: [wgsl_family_functions_equal_their_rust_twins, wgsl_digit_arithmetic_equals_its_rust_twin, philox_matches_known_answers_on_the_gpu, sample_outcome_matches_its_twin_on_the_gpu, wgsl_share_table_equals_its_rust_twin],
}
