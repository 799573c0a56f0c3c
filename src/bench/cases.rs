//! The benchmarks' cases, shared by `unitsum-gpu bench` and the criterion
//! benches `benches/exact.rs` and `benches/counts.rs`: the standard split
//! and the counts-at-scale cases (`bench --scale`).

use crate::error::Result;
use crate::model::game::Game;
use crate::model::policy::Policy;
use crate::model::problem::{Coalition, Problem};

/// The benchmarks' standard case: a majority of ⌊n/2⌋+1 players against the
/// rest, everyone independently uniform.
pub fn uniform_split(n: usize, k: usize, game: Game) -> Problem {
    let s = n / 2 + 1;
    Problem::new(
        n,
        k,
        game,
        vec![
            Coalition::new((0..s).collect(), Policy::Uniform),
            Coalition::new((s..n).collect(), Policy::Uniform),
        ],
    )
    .expect("valid bench problem")
}

/// A marginal over k actions from a fixed stream: every entry ≥ 0.05.
fn marginal(seed: u64, k: usize) -> Vec<f64> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let raw: Vec<f64> = (0..k).map(|_| rng.random_range(0.05..1.0)).collect();
    let total: f64 = raw.iter().sum();
    raw.iter().map(|r| r / total).collect()
}

/// Deviation payoff: player 0 on action `b` against n−1 uniform players (plurality).
pub fn deviation(n: usize, k: usize, b: usize) -> Result<Problem> {
    Problem::new(
        n,
        k,
        Game::Plurality,
        vec![
            Coalition::new(vec![0], Policy::Pure { actions: vec![b] }),
            Coalition::new((1..n).collect(), Policy::Uniform),
        ],
    )
}

/// Two coalitions with different policies: the first ⌊n/2⌋+1 players on
/// one random marginal (the same for all), the rest on another marginal
/// (`other = "independent"`) or on one `common` action drawn from it.
pub fn two_policies(n: usize, k: usize, family: &str, other: &str) -> Result<Problem> {
    let s = n / 2 + 1;
    let game = match family {
        "plurality" => Game::Plurality,
        _ => Game::Proportional {
            weights: vec![(1..=k).map(|w| w as f64).collect()],
        },
    };
    let second = match other {
        "common" => Policy::Common {
            dist: Some(marginal(2, k)),
        },
        _ => Policy::Independent {
            marginals: vec![marginal(2, k); n - s],
        },
    };
    Problem::new(
        n,
        k,
        game,
        vec![
            Coalition::new(
                (0..s).collect(),
                Policy::Independent {
                    marginals: vec![marginal(1, k); s],
                },
            ),
            Coalition::new((s..n).collect(), second),
        ],
    )
}

/// n singleton coalitions, each on its own random marginal (plurality).
pub fn singletons(n: usize, k: usize) -> Result<Problem> {
    Problem::new(
        n,
        k,
        Game::Plurality,
        (0..n)
            .map(|i| {
                Coalition::new(
                    vec![i],
                    Policy::Independent {
                        marginals: vec![marginal(100 + i as u64, k)],
                    },
                )
            })
            .collect(),
    )
}

/// Three coalitions in a proportional game (weights 1..k): the first
/// ⌊n/2⌋+1 players independent on a pool of three random marginals in turn,
/// the next half of the rest on one `common` action, the others uniform
/// (the shape of the counts tests' mixed problem).
pub fn three_coalitions(n: usize, k: usize) -> Result<Problem> {
    let first = n / 2 + 1;
    let second = (n - first) / 2;
    let pool: Vec<Vec<f64>> = (0..3).map(|i| marginal(10 + i, k)).collect();
    Problem::new(
        n,
        k,
        Game::Proportional {
            weights: vec![(1..=k).map(|w| w as f64).collect()],
        },
        vec![
            Coalition::new(
                (0..first).collect(),
                Policy::Independent {
                    marginals: (0..first).map(|i| pool[i % 3].clone()).collect(),
                },
            ),
            Coalition::new(
                (first..first + second).collect(),
                Policy::Common {
                    dist: Some(marginal(20, k)),
                },
            ),
            Coalition::new((first + second..n).collect(), Policy::Uniform),
        ],
    )
}

/// Two coalitions mixing roles in a role-dependent game: `per_role[r]`
/// players of role r (roles dealt in turn, so both coalitions hold every
/// role), the first ⌊n/2⌋+1 players independent on one random marginal per
/// role, the rest on another per role; `family` is `proportional` or
/// `congestion` with role-indexed parameters (role r's row `1..=k`
/// rotated by r).
pub fn role_coalitions(per_role: &[usize], k: usize, family: &str) -> Result<Problem> {
    let n: usize = per_role.iter().sum();
    let mut left = per_role.to_vec();
    let mut roles = Vec::with_capacity(n);
    while roles.len() < n {
        for (r, left) in left.iter_mut().enumerate().filter(|(_, l)| **l > 0) {
            roles.push(r);
            *left -= 1;
        }
    }
    let params = vec![(0..per_role.len())
        .map(|r| (0..k).map(|a| ((a + r) % k + 1) as f64).collect())
        .collect()];
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
    let s = n / 2 + 1;
    let marginals = |seed: u64, players: std::ops::Range<usize>| Policy::Independent {
        marginals: players
            .map(|i| marginal(seed + roles[i] as u64, k))
            .collect(),
    };
    Problem::new_with_roles(
        n,
        k,
        Some(roles.clone()),
        game,
        vec![
            Coalition::new((0..s).collect(), marginals(30, 0..s)),
            Coalition::new((s..n).collect(), marginals(40, s..n)),
        ],
    )
}
