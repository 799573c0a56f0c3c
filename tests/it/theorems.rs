//! THEORY.md's theorems as checks: the bound must hold exactly, up to rounding.

use super::common::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use unitsum_gpu::{Coalition, Game, Policy, Problem};

/// Rounding allowance for an f64 sum of at most a few million terms.
const ROUNDING: f64 = 1e-12;

fn opponents(rng: &mut StdRng, size: usize, k: usize) -> Vec<Policy> {
    vec![
        Policy::Uniform,
        Policy::Pure {
            actions: vec![0; size],
        },
        Policy::Common { dist: None },
        random_policy(rng, "independent", &(0..size).collect::<Vec<_>>(), k, &[]),
        random_policy(rng, "joint", &(0..size).collect::<Vec<_>>(), k, &[]),
    ]
}

fn theorem1_majority_with_common_action_gets_1_minus_1_over_k() {
    let mut rng = StdRng::seed_from_u64(1);
    for n in 3..=9 {
        for k in 2..=5usize {
            if (k as f64).powi(n as i32) > 2e6 {
                continue;
            }
            let s = n / 2 + 1;
            for opponent in opponents(&mut rng, n - s, k) {
                let p = Problem::new(
                    n,
                    k,
                    Game::Plurality,
                    vec![
                        Coalition::new((0..s).collect(), Policy::Common { dist: None }),
                        Coalition::new((s..n).collect(), opponent.clone()),
                    ],
                )
                .unwrap();
                let r = cpu(&p);
                let bound = 1.0 - 1.0 / k as f64;
                assert!(
                    r.shares[0][0] >= bound - ROUNDING,
                    "n={n} k={k} {opponent:?}: r_0 = {} < {bound}",
                    r.shares[0][0]
                );
            }
        }
    }
}

fn theorem2_copy_gets_q_over_q_plus_1_in_every_state() {
    let mut rng = StdRng::seed_from_u64(2);
    for family in ["plurality", "proportional", "congestion", "anonymous"] {
        for n in 3..=8 {
            let k = if n <= 6 { 3 } else { 2 };
            for m2 in 1..=n / 2 {
                let game = random_game(&mut rng, family, n, k);
                let m1 = n - m2;
                let q = m1 / m2;
                for opponent in opponents(&mut rng, m2, k) {
                    let p = Problem::new(
                        n,
                        k,
                        game.clone(),
                        vec![
                            Coalition::new(
                                (0..m1).collect(),
                                Policy::copy(vec![1], rng.random_range(0..k)),
                            ),
                            Coalition::new((m1..n).collect(), opponent.clone()),
                        ],
                    )
                    .unwrap();
                    let r = cpu(&p);
                    let bound = q as f64 / (q + 1) as f64;
                    for (x, &v) in r.shares[0].iter().enumerate() {
                        assert!(
                            v >= bound - ROUNDING,
                            "{family} n={n} m2={m2} x={x} {opponent:?}: r_0 = {v} < {bound}"
                        );
                    }
                }
            }
        }
    }
}

fn theorem2_can_fail_in_a_non_symmetric_game() {
    // A table game that pays everything to player 2 whatever is played: copying
    // cannot help, r_0 = 0 < 2/3. The check above would catch such a game.
    let shares = vec![(0..8).map(|_| vec![0.0, 0.0, 1.0]).collect()];
    let p = Problem::new(
        3,
        2,
        Game::Table { shares },
        vec![
            Coalition::new(vec![0, 1], Policy::copy(vec![1], 0)),
            Coalition::new(vec![2], Policy::Uniform),
        ],
    )
    .unwrap();
    assert_eq!(cpu(&p).shares[0][0], 0.0);
}

super::trials! {
    cpu: [theorem1_majority_with_common_action_gets_1_minus_1_over_k, theorem2_copy_gets_q_over_q_plus_1_in_every_state, theorem2_can_fail_in_a_non_symmetric_game],
    gpu: [],
}
