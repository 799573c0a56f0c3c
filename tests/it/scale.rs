//! The counts method at scale: the FFT and the leave-one-out routes against
//! enumeration, against the direct pair sum at n in the hundreds with
//! different policies per coalition, and against independent closed forms
//! at n = 1000; the FFT's rounding bound and the memory limit.

use super::common::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use unitsum_gpu::{
    Backend, Coalition, CountsAlgorithm, Error, Evaluation, Game, Method, Options, Policy, Problem,
    Remedy,
};

/// FFT vs direct pair sum: the bar (the direct sum itself carries
/// about 1e-12 of rounding at n in the hundreds).
const FFT_VS_DIRECT: f64 = 1e-11;

fn counts(problem: &Problem, algorithm: CountsAlgorithm) -> Evaluation {
    unitsum_gpu::evaluate(
        problem,
        &Options {
            backend: Backend::Cpu,
            method: Method::Counts,
            counts: algorithm,
            ..Default::default()
        },
    )
    .unwrap()
}

fn leave_one_out_equals_enumeration_on_every_symmetric_family_and_policy_kind() {
    let mut checked = 0;
    for family in ["plurality", "proportional", "congestion", "anonymous"] {
        for (p, kind) in KINDS.iter().enumerate() {
            for s in 0..4 {
                let seed = 80_000 + 100 * p as u64 + s;
                let problem = random_problem(seed, family, kind);
                let name = format!("{family}/{kind}/seed {seed}");
                let exact = cpu(&problem);
                let loo = counts(&problem, CountsAlgorithm::LeaveOneOut);
                assert!(loo.rounding_bound.is_none(), "{name}");
                assert_close(&name, &loo.shares, &exact.shares, 1e-13);
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 4 * KINDS.len() * 4);
}

fn fft_equals_enumeration_on_every_symmetric_family_and_policy_kind() {
    let mut checked = 0;
    for family in ["plurality", "proportional", "congestion", "anonymous"] {
        for (p, kind) in KINDS.iter().enumerate() {
            for s in 0..4 {
                let seed = 70_000 + 100 * p as u64 + s;
                let problem = random_problem(seed, family, kind);
                if problem.actions() < 2 {
                    continue;
                }
                let name = format!("{family}/{kind}/seed {seed}");
                let exact = cpu(&problem);
                let fft = counts(&problem, CountsAlgorithm::Fft);
                let bound = fft.rounding_bound.expect("the FFT reports its bound");
                assert!(bound > 0.0 && bound < 1e-12, "{name}: bound {bound:e}");
                // Enumeration rounds too (≈ 1e-15 at these sizes).
                assert_close(&name, &fft.shares, &exact.shares, bound + 1e-14);
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 4 * KINDS.len() * 4);
}

/// A random marginal over k actions with every entry ≥ 0.05.
fn marginal(rng: &mut StdRng, k: usize) -> Vec<f64> {
    let raw: Vec<f64> = (0..k).map(|_| 0.05 + rng.random::<f64>()).collect();
    let total: f64 = raw.iter().sum();
    raw.iter().map(|v| v / total).collect()
}

/// Three coalitions of n players with different policies: independent
/// marginals drawn from a few, a `common` or `joint` block, and uniform.
fn mixed_problem(seed: u64, family: &str, n: usize, k: usize) -> Problem {
    let mut rng = StdRng::seed_from_u64(seed);
    let first = n / 2 + 1;
    let second = (n - first) / 2;
    let pool: Vec<Vec<f64>> = (0..3).map(|_| marginal(&mut rng, k)).collect();
    let marginals = (0..first).map(|i| pool[i % 3].clone()).collect();
    let block: Vec<usize> = (first..first + second).collect();
    let second_policy = if seed.is_multiple_of(2) {
        Policy::Common {
            dist: Some(marginal(&mut rng, k)),
        }
    } else {
        // A joint policy over 4 profiles of the block.
        let support = (0..4)
            .map(|_| {
                let profile: Vec<usize> = block.iter().map(|_| rng.random_range(0..k)).collect();
                (profile, 0.25)
            })
            .collect();
        Policy::Joint { support }
    };
    let game = random_game(&mut rng, family, n, k);
    Problem::new(
        n,
        k,
        game,
        vec![
            Coalition::new((0..first).collect(), Policy::Independent { marginals }),
            Coalition::new(block, second_policy),
            Coalition::new((first + second..n).collect(), Policy::Uniform),
        ],
    )
    .unwrap()
}

fn fft_and_leave_one_out_equal_the_direct_pair_sum_at_n_in_the_hundreds() {
    let cases = [
        ("plurality", 150, 3),
        ("proportional", 220, 3),
        ("congestion", 300, 3),
        ("anonymous", 160, 3),
        ("plurality", 40, 4),
    ];
    for (seed, &(family, n, k)) in cases.iter().enumerate() {
        let problem = mixed_problem(seed as u64, family, n, k);
        let name = format!("{family} n = {n}, k = {k}");
        let direct = counts(&problem, CountsAlgorithm::Direct);
        let fft = counts(&problem, CountsAlgorithm::Fft);
        let loo = counts(&problem, CountsAlgorithm::LeaveOneOut);
        assert_close(
            &format!("{name}, leave-one-out"),
            &loo.shares,
            &direct.shares,
            FFT_VS_DIRECT,
        );
        assert!(direct.rounding_bound.is_none(), "{name}");
        let bound = fft.rounding_bound.expect("bound");
        assert!(
            bound <= unitsum_gpu::FFT_ROUNDING_LIMIT,
            "{name}: bound {bound:e}"
        );
        assert_close(&name, &fft.shares, &direct.shares, FFT_VS_DIRECT);
        assert_identities(&name, &fft.shares, 1e-12);
        // The cross-check can fail: one marginal moved by 1e-6 moves the
        // shares by far more than the tolerance.
        let Policy::Independent { marginals } = &problem.coalitions()[0].policy else {
            unreachable!()
        };
        let mut moved = marginals.clone();
        moved[0][0] += 1e-6;
        moved[0][1] -= 1e-6;
        let perturbed = problem
            .with_policy(0, Policy::Independent { marginals: moved })
            .unwrap();
        let off = counts(&perturbed, CountsAlgorithm::Fft);
        let d = off.max_abs_difference(&direct);
        assert!(d > 10.0 * FFT_VS_DIRECT, "{name}: perturbed by only {d:e}");
    }
}

/// ln(i!) for i ≤ n.
fn log_factorials(n: usize) -> Vec<f64> {
    let mut table = vec![0.0; n + 1];
    for i in 1..=n {
        table[i] = table[i - 1] + (i as f64).ln();
    }
    table
}

/// Deviation payoff in plurality by its own formula: one player on action
/// `b` against `others` independent players with marginal `p` (k = 3), as
/// a plain sum of multinomial probabilities times the deviator's share.
fn plurality_deviation(others: usize, p: &[f64; 3], b: usize) -> f64 {
    let lf = log_factorials(others);
    let mut total = 0.0;
    for c0 in 0..=others {
        for c1 in 0..=others - c0 {
            let c = [c0, c1, others - c0 - c1];
            let log_pmf = lf[others] - c.iter().map(|&ci| lf[ci]).sum::<f64>()
                + (0..3).map(|a| c[a] as f64 * p[a].ln()).sum::<f64>();
            let mut all = c;
            all[b] += 1;
            // Plurality: the first action with the most players wins; its
            // players share the unit.
            let top = (0..3).fold(0, |t, a| if all[a] > all[t] { a } else { t });
            if top == b {
                total += log_pmf.exp() / all[b] as f64;
            }
        }
    }
    total
}

fn fft_and_leave_one_out_match_closed_forms_at_n_1000() {
    let n = 1000;
    let p = [0.5, 0.3, 0.2];
    for b in 0..3 {
        // The deviator is coalition 0 on action b; everyone else is one
        // coalition of independent players with marginal p.
        let problem = Problem::new(
            n,
            3,
            Game::Plurality,
            vec![
                Coalition::new(vec![0], Policy::Pure { actions: vec![b] }),
                Coalition::new(
                    (1..n).collect(),
                    Policy::Independent {
                        marginals: vec![p.to_vec(); n - 1],
                    },
                ),
            ],
        )
        .unwrap();
        let expected = plurality_deviation(n - 1, &p, b);
        for algorithm in [CountsAlgorithm::Fft, CountsAlgorithm::LeaveOneOut] {
            let run = counts(&problem, algorithm);
            let got = run.shares[0][0];
            assert!(
                (got - expected).abs() < 1e-9,
                "{algorithm:?}, deviation to {b}: {got} vs closed form {expected}"
            );
            assert_identities("deviation", &run.shares, 1e-12);
        }
    }
    // Exchangeability: two coalitions of one shared mixture get their size / n.
    let mix = vec![0.2, 0.45, 0.35];
    let problem = Problem::new(
        n,
        3,
        Game::Proportional {
            weights: vec![vec![1.0, 2.0, 3.0]],
        },
        vec![
            Coalition::new(
                (0..600).collect(),
                Policy::Independent {
                    marginals: vec![mix.clone(); 600],
                },
            ),
            Coalition::new(
                (600..n).collect(),
                Policy::Independent {
                    marginals: vec![mix; 400],
                },
            ),
        ],
    )
    .unwrap();
    for algorithm in [CountsAlgorithm::Fft, CountsAlgorithm::LeaveOneOut] {
        let run = counts(&problem, algorithm);
        assert_close(
            &format!("exchangeable, {algorithm:?}"),
            &run.shares,
            &[vec![0.6], vec![0.4]],
            1e-9,
        );
    }
}

fn fft_refuses_beyond_the_memory_limit_and_says_how_much() {
    let problem = everyone_uniform(200, 4, Game::Plurality);
    let refused = unitsum_gpu::evaluate(
        &problem,
        &Options {
            backend: Backend::Cpu,
            method: Method::Counts,
            counts: CountsAlgorithm::Fft,
            memory_limit: 16 << 20,
            ..Default::default()
        },
    );
    match refused {
        Err(Error::TooLarge { message, remedy }) => {
            assert_eq!(remedy, Remedy::MemoryLimit);
            assert!(
                message.contains("MiB") && message.contains("limit"),
                "{message}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // Far beyond any memory: refused by every route, before allocating.
    let huge = everyone_uniform(1000, 8, Game::Plurality);
    for algorithm in [
        CountsAlgorithm::Auto,
        CountsAlgorithm::Direct,
        CountsAlgorithm::Fft,
        CountsAlgorithm::LeaveOneOut,
    ] {
        let refused = unitsum_gpu::evaluate(
            &huge,
            &Options {
                backend: Backend::Cpu,
                method: Method::Counts,
                counts: algorithm,
                ..Default::default()
            },
        );
        assert!(
            matches!(refused, Err(Error::TooLarge { .. })),
            "{algorithm:?}: {refused:?}"
        );
    }
    // The FFT on an example through the binary, with `extra` flags.
    let fft_eval = |extra: &[&str]| {
        let mut args = vec![
            "eval",
            "examples/big-plurality.json",
            "--backend",
            "cpu",
            "--method",
            "counts",
            "--counts",
            "fft",
        ];
        args.extend_from_slice(extra);
        binary(&args)
    };
    let (code, _, stderr) = fft_eval(&["--max-memory", "0.01"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--max-memory"), "{stderr}");
    let (code, stdout, stderr) = fft_eval(&["--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let bound = json["rounding_bound"]
        .as_f64()
        .expect("rounding_bound in the JSON");
    assert!(bound > 0.0 && bound < 1e-10, "{bound}");
}

/// The GPU's direct pair sum against the CPU's FFT and leave-one-out sums
/// through `Backend::Both`: two algorithms on two backends.
fn gpu_direct_sum_agrees_with_cpu_fft_and_leave_one_out(gpu: &mut unitsum_gpu::Evaluator) {
    for (seed, family) in ["plurality", "proportional", "congestion", "anonymous"]
        .iter()
        .enumerate()
    {
        let problem = mixed_problem(100 + seed as u64, family, 30, 3);
        for algorithm in [CountsAlgorithm::Fft, CountsAlgorithm::LeaveOneOut] {
            let both = gpu
                .evaluate(
                    &problem,
                    &Options {
                        backend: Backend::Both,
                        method: Method::Counts,
                        counts: algorithm,
                        ..Default::default()
                    },
                )
                .unwrap();
            assert_eq!(both.counts_algorithm, Some(algorithm), "{family}");
            let check = both.cross_check.as_ref().expect("both backends ran");
            assert_eq!(check.gpu.counts_algorithm, Some(CountsAlgorithm::Direct));
            assert!(
                check.agree && check.max_abs_difference <= GPU_TOLERANCE,
                "{family}, {algorithm:?}: GPU vs CPU {:.2e}",
                check.max_abs_difference
            );
        }
    }
}

super::trials! {
    cpu: [leave_one_out_equals_enumeration_on_every_symmetric_family_and_policy_kind, fft_equals_enumeration_on_every_symmetric_family_and_policy_kind, fft_and_leave_one_out_equal_the_direct_pair_sum_at_n_in_the_hundreds, fft_and_leave_one_out_match_closed_forms_at_n_1000, fft_refuses_beyond_the_memory_limit_and_says_how_much],
    gpu: [gpu_direct_sum_agrees_with_cpu_fft_and_leave_one_out],
}
