//! Seeded random games and policies, for sweeps (`--games`, `random:R`
//! opponents) and tests: the same seed always gives the same draw.

use rand::rngs::StdRng;
use rand::Rng;

use crate::counts::vectors::count_vectors;
use crate::error::{Error, Remedy, Result};
use crate::model::game::{Game, MAX_TABLE_ENTRIES};
use crate::model::limits::MAX_ACTIONS;
use crate::model::policy::Policy;

/// A random distribution over `len` outcomes, some entries zero (so that
/// dropping zero-probability outcomes is exercised).
pub fn distribution(rng: &mut StdRng, len: usize) -> Vec<f64> {
    let raw: Vec<f64> = (0..len)
        .map(|_| {
            if rng.random_bool(0.2) {
                0.0
            } else {
                rng.random_range(0.05..1.0)
            }
        })
        .collect();
    let total: f64 = raw.iter().sum();
    if total == 0.0 {
        return vec![1.0 / len as f64; len];
    }
    raw.iter().map(|r| r / total).collect()
}

/// A random game of `family` for n players and k actions, with `states`
/// states where the family has parameters. Weights and values lie in
/// [0.1, 2) (anonymous weights in [0.05, 1)), table rows are random
/// distributions over the players. Errors: an unknown family, sizes out of
/// range, or a table too large to hold (checked before anything is drawn).
pub fn random_game(
    rng: &mut StdRng,
    family: &str,
    n: usize,
    k: usize,
    states: usize,
) -> Result<Game> {
    if n == 0 || k == 0 || k > MAX_ACTIONS {
        return Err(Error::spec(
            "game",
            format!(
                "a random {family} game needs n ≥ 1 and 1 ≤ k ≤ {MAX_ACTIONS} (n = {n}, k = {k})"
            ),
        ));
    }
    crate::model::game::check_states(states, "states")?;
    check_parameter_count(family, n, k, states)?;
    let rows = |rng: &mut StdRng| -> Vec<Vec<f64>> {
        (0..states)
            .map(|_| (0..k).map(|_| rng.random_range(0.1..2.0)).collect())
            .collect()
    };
    Ok(match family {
        "plurality" => Game::Plurality,
        "proportional" => Game::Proportional { weights: rows(rng) },
        "congestion" => Game::Congestion { values: rows(rng) },
        "anonymous" => {
            let count = count_vectors(n as u64 - 1, k as u64) as usize;
            Game::Anonymous {
                weights: (0..states)
                    .map(|_| {
                        (0..count)
                            .map(|_| (0..k).map(|_| rng.random_range(0.05..1.0)).collect())
                            .collect()
                    })
                    .collect(),
            }
        }
        "table" => {
            let profiles = k.pow(n as u32);
            Game::Table {
                shares: (0..states)
                    .map(|_| (0..profiles).map(|_| distribution(rng, n)).collect())
                    .collect(),
            }
        }
        other => {
            return Err(Error::spec(
                "game.family",
                format!("unknown family {other:?}; expected plurality, proportional, congestion, anonymous or table"),
            ))
        }
    })
}

/// The numbers a `family` game's parameters hold for n players, k actions
/// and `states` states (saturating): known before the game is drawn.
pub(crate) fn parameter_count(family: &str, n: usize, k: usize, states: usize) -> u64 {
    let per_state = match family {
        "plurality" => 0,
        "anonymous" => {
            count_vectors((n as u64).saturating_sub(1), k as u64).saturating_mul(k as u64)
        }
        "table" => (k as u64)
            .checked_pow(n as u32)
            .unwrap_or(u64::MAX)
            .saturating_mul(n as u64),
        _ => k as u64,
    };
    per_state.saturating_mul(states as u64)
}

/// Refuse a random game whose parameters would be more than
/// [`MAX_TABLE_ENTRIES`] numbers, before it is drawn.
pub(crate) fn check_parameter_count(family: &str, n: usize, k: usize, states: usize) -> Result<()> {
    if parameter_count(family, n, k, states) > MAX_TABLE_ENTRIES {
        return Err(Error::too_large(format!(
            "a random {family} game with n = {n}, k = {k} and {states} state(s) needs more than {MAX_TABLE_ENTRIES} numbers"
        ), Remedy::SmallerProblem));
    }
    Ok(())
}

/// Random independent marginals, all entries positive.
pub fn random_marginals(rng: &mut StdRng, members: usize, k: usize) -> Vec<Vec<f64>> {
    (0..members)
        .map(|_| {
            let w: Vec<f64> = (0..k).map(|_| rng.random_range(0.1..1.0)).collect();
            let t: f64 = w.iter().sum();
            w.iter().map(|v| v / t).collect()
        })
        .collect()
}

/// A random joint policy: 1 to 4 random joint actions with random weights.
pub fn random_joint(rng: &mut StdRng, members: usize, k: usize) -> Policy {
    let entries = rng.random_range(1..=4);
    let p = distribution(rng, entries);
    Policy::Joint {
        support: p
            .into_iter()
            .map(|p| ((0..members).map(|_| rng.random_range(0..k)).collect(), p))
            .collect(),
    }
}

impl Game {
    /// A seeded random game of `family` (`plurality`, `proportional`,
    /// `congestion`, `anonymous` or `table`) for `players` players and
    /// `actions` actions, with `states` states where the family has
    /// parameters: the same seed always gives the same game.
    pub fn random(
        family: &str,
        players: usize,
        actions: usize,
        states: usize,
        seed: u64,
    ) -> Result<Game> {
        use rand::SeedableRng;
        random_game(
            &mut StdRng::seed_from_u64(seed),
            family,
            players,
            actions,
            states,
        )
    }
}
