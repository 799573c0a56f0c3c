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
        CountsAlgorithm::Stream,
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

/// A group of `n − rest` players on one random marginal (split into two
/// coalitions when `split`) beside `rest` players of policy `kind`.
pub fn group_problem(
    seed: u64,
    family: &str,
    kind: &str,
    n: usize,
    k: usize,
    split: bool,
) -> Problem {
    let mut rng = StdRng::seed_from_u64(seed);
    let rest = 3;
    let p = marginal(&mut rng, k);
    let group: Vec<usize> = (rest..n).collect();
    let cut = if split { group.len() / 3 } else { group.len() };
    let mut coalitions = vec![Coalition::new(
        group[..cut].to_vec(),
        Policy::Independent {
            marginals: vec![p.clone(); cut],
        },
    )];
    if split {
        coalitions.push(Coalition::new(
            group[cut..].to_vec(),
            Policy::Independent {
                marginals: vec![p; group.len() - cut],
            },
        ));
    }
    let members: Vec<usize> = (0..rest).collect();
    let policy = random_policy(&mut rng, kind, &members, k, &[(0, cut)]);
    coalitions.push(Coalition::new(members, policy));
    let game = random_game(&mut rng, family, n, k);
    Problem::new(n, k, game, coalitions).unwrap()
}

fn stream_equals_the_direct_pair_sum_on_every_symmetric_family_and_policy_kind() {
    let mut checked = 0;
    for (f, family) in ["plurality", "proportional", "congestion", "anonymous"]
        .iter()
        .enumerate()
    {
        for (p, kind) in KINDS.iter().enumerate() {
            for s in 0..2u64 {
                let seed = 90_000 + 100 * f as u64 + 10 * p as u64 + s;
                let (n, k) = if s == 0 { (30, 3) } else { (14, 4) };
                let problem = group_problem(seed, family, kind, n, k, s == 1);
                let name = format!("{family}/{kind}/seed {seed}");
                let direct = counts(&problem, CountsAlgorithm::Direct);
                let stream = counts(&problem, CountsAlgorithm::Stream);
                assert_eq!(
                    stream.counts_algorithm,
                    Some(CountsAlgorithm::Stream),
                    "{name}"
                );
                assert_close(&name, &stream.shares, &direct.shares, FFT_VS_DIRECT);
                assert_identities(&name, &stream.shares, 1e-12);
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 4 * KINDS.len() * 2);
}

/// ln(i!) for i ≤ n, by a compensated running sum (within an ulp or two).
fn log_factorials_compensated(n: usize) -> Vec<f64> {
    let mut table = vec![0.0; n + 1];
    let (mut sum, mut carry) = (0.0f64, 0.0f64);
    for i in 1..=n {
        let y = (i as f64).ln() - carry;
        let t = sum + y;
        carry = (t - sum) - y;
        sum = t;
        table[i] = sum;
    }
    table
}

/// Plurality deviation payoffs by their own closed form at k = 4: one
/// player on `b` against `others` iid players of marginal `p`, every
/// multinomial weight from the log-factorials (one `exp` per cell, the
/// loops in the other order), normalised by their own total. Returns
/// (the deviator's share, the others' share).
fn plurality_deviation_k4(others: usize, p: &[f64; 4], b: usize) -> (f64, f64) {
    let lf = log_factorials_compensated(others);
    let (mut dev, mut rest, mut mass) = (0.0, 0.0, 0.0);
    for c3 in 0..=others {
        for c2 in 0..=others - c3 {
            for c1 in 0..=others - c3 - c2 {
                let c = [others - c3 - c2 - c1, c1, c2, c3];
                let log = lf[others] - c.iter().map(|&ci| lf[ci]).sum::<f64>()
                    + (0..4).map(|a| c[a] as f64 * p[a].ln()).sum::<f64>();
                let w = log.exp();
                let mut all = c;
                all[b] += 1;
                let top = (0..4).fold(0, |t, a| if all[a] > all[t] { a } else { t });
                mass += w;
                if top == b {
                    dev += w / all[b] as f64;
                }
                rest += w * c[top] as f64 / all[top] as f64;
            }
        }
    }
    (dev / mass, rest / mass)
}

fn deviation_problem(n: usize, p: &[f64], b: usize, game: Game) -> Problem {
    Problem::new(
        n,
        p.len(),
        game,
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
    .unwrap()
}

fn stream_matches_the_multinomial_closed_form_of_deviation_payoffs() {
    let n = 300;
    let p = [0.31, 0.27, 0.24, 0.18];
    for b in 0..4 {
        let problem = deviation_problem(n, &p, b, Game::Plurality);
        // Auto takes the streamed pass for a deviation payoff.
        let run = counts(&problem, CountsAlgorithm::Auto);
        assert_eq!(run.counts_algorithm, Some(CountsAlgorithm::Stream));
        let (dev, rest) = plurality_deviation_k4(n - 1, &p, b);
        let name = format!("deviation to {b}");
        assert_close(&name, &run.shares, &[vec![dev], vec![rest]], 1e-12);
        assert_identities(&name, &run.shares, 1e-12);
        // The check can fail: the marginal moved by 1e-5 moves the result
        // by far more than the tolerance.
        let mut moved = p;
        moved[b] += 1e-5;
        moved[(b + 1) % 4] -= 1e-5;
        let off = counts(
            &deviation_problem(n, &moved, b, Game::Plurality),
            CountsAlgorithm::Stream,
        );
        let d = (off.shares[0][0] - dev).abs();
        assert!(d > 1e-10, "{name}: perturbed by only {d:e}");
    }
}

/// Player 0 on marginal `q` (a deviator on b: the unit vector) in
/// coalition 0 beside 39 group players of marginal `p` split between
/// coalitions 0 and 1.
fn one_player_rest(p: &[f64], q: &[f64], game: Game) -> Problem {
    let (n, k) = (40, p.len());
    let marginals = |first: Option<&[f64]>, count: usize| Policy::Independent {
        marginals: first
            .into_iter()
            .map(<[f64]>::to_vec)
            .chain(std::iter::repeat_n(p.to_vec(), count))
            .collect(),
    };
    Problem::new(
        n,
        k,
        game,
        vec![
            Coalition::new((0..10).collect(), marginals(Some(q), 9)),
            Coalition::new((10..n).collect(), marginals(None, n - 10)),
        ],
    )
    .unwrap()
}

/// A one-player rest (a deviator, or one mixed player, in a coalition
/// with group players) is summed by one lifted pass for every action of
/// the rest's player, kept between evaluations of the same game and group:
/// each evaluation through one evaluator equals the direct pair sum, also
/// when the group's marginal changes by 1e-6 between two evaluations (the
/// kept sums must not be reused: that perturbation moves the result by more
/// than the tolerance), and when the rest's action lies outside the group's
/// support (no lifted pass).
fn one_player_rests_share_one_pass_per_group() {
    let game = Game::Proportional {
        weights: vec![vec![1.0, 3.0, 2.0, 4.0], vec![2.0, 1.0, 1.0, 1.0]],
    };
    let mut evaluator = unitsum_gpu::Evaluator::new();
    let options = Options {
        backend: Backend::Cpu,
        method: Method::Counts,
        counts: CountsAlgorithm::Stream,
        ..Default::default()
    };
    let p = [0.4, 0.3, 0.2, 0.1];
    let mut nudged = p;
    nudged[0] += 1e-6;
    nudged[1] -= 1e-6;
    let outside = [0.5, 0.3, 0.2, 0.0];
    let q = [0.1, 0.6, 0.2, 0.1];
    let mut cases: Vec<(String, Problem)> = Vec::new();
    for (name, marginal) in [("p", &p), ("nudged", &nudged), ("p again", &p)] {
        for b in 0..4 {
            let mut unit = [0.0; 4];
            unit[b] = 1.0;
            let problem = one_player_rest(marginal, &unit, game.clone());
            cases.push((format!("{name}, deviator on {b}"), problem));
        }
        let problem = one_player_rest(marginal, &q, game.clone());
        cases.push((format!("{name}, one mixed player"), problem));
    }
    cases.push((
        "deviator outside the group's support".into(),
        one_player_rest(&outside, &[0.0, 0.0, 0.0, 1.0], game.clone()),
    ));
    let mut first = None;
    for (name, problem) in &cases {
        let run = evaluator.evaluate(problem, &options).unwrap();
        assert_eq!(
            run.counts_algorithm,
            Some(CountsAlgorithm::Stream),
            "{name}"
        );
        let direct = counts(problem, CountsAlgorithm::Direct);
        assert_close(name, &run.shares, &direct.shares, 1e-12);
        assert_identities(name, &run.shares, 1e-12);
        match &first {
            None => first = Some(run.shares[0][0]),
            Some(v) if name.starts_with("nudged, deviator on 0") => {
                let d = (run.shares[0][0] - v).abs();
                assert!(d > 1e-11, "{name}: the nudge moved r_0 by only {d:e}");
            }
            Some(_) => {}
        }
    }
}

fn stream_agrees_with_sampling_within_6_sigma() {
    let n = 600;
    let p = [0.4, 0.3, 0.2, 0.1];
    let game = Game::Proportional {
        weights: vec![vec![1.0, 3.0, 2.0, 4.0]],
    };
    let problem = deviation_problem(n, &p, 3, game);
    let exact = counts(&problem, CountsAlgorithm::Stream);
    let sampled = unitsum_gpu::evaluate(
        &problem,
        &Options {
            backend: Backend::Cpu,
            method: Method::Sample,
            samples: 20_000,
            seed: 7,
            ..Default::default()
        },
    )
    .unwrap();
    let stderr = sampled.stderr.as_ref().expect("sampling reports its error");
    for j in 0..2 {
        let d = (sampled.shares[j][0] - exact.shares[j][0]).abs();
        assert!(
            d <= 6.0 * stderr[j][0] + 1e-15,
            "r_{j}: sampled {} ± {} vs streamed {}",
            sampled.shares[j][0],
            stderr[j][0],
            exact.shares[j][0]
        );
    }
    assert!(stderr[0][0] > 0.0);
}

super::trials! {
    cpu: [leave_one_out_equals_enumeration_on_every_symmetric_family_and_policy_kind, fft_equals_enumeration_on_every_symmetric_family_and_policy_kind, fft_and_leave_one_out_equal_the_direct_pair_sum_at_n_in_the_hundreds, fft_and_leave_one_out_match_closed_forms_at_n_1000, fft_refuses_beyond_the_memory_limit_and_says_how_much, stream_equals_the_direct_pair_sum_on_every_symmetric_family_and_policy_kind, stream_matches_the_multinomial_closed_form_of_deviation_payoffs, stream_agrees_with_sampling_within_6_sigma, one_player_rests_share_one_pass_per_group],
    gpu: [gpu_direct_sum_agrees_with_cpu_fft_and_leave_one_out],
}
