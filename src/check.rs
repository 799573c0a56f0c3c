//! `unitsum-gpu check`: is a game a unit-sum game, and is it symmetric?
//! Non-negativity, unit sum and symmetry (docs/THEORY.md, "Conventions": invariance under the n−1
//! adjacent transpositions, which generate all permutations), on every profile
//! where that is feasible, else on seeded random profiles.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::game::{Game, UNIT_SUM_TOLERANCE};
use crate::problem::Problem;

/// Check every profile when `states × k^n` is at most this; sample beyond.
pub(crate) const CHECK_EXHAUSTIVE_MAX: u64 = 200_000;
/// Shares equal under a transposition up to this (they are computed by the
/// same formula on permuted inputs: only rounding differs).
pub(crate) const SYMMETRY_TOLERANCE: f64 = 1e-12;

/// A property every game of the model must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum Property {
    /// Every share is ≥ 0 (and not NaN).
    #[serde(rename = "non-negativity")]
    NonNegativity,
    /// The shares of every profile add up to 1.
    #[serde(rename = "unit sum")]
    UnitSum,
    /// Permuting the players moves their shares with them (symmetric families).
    #[serde(rename = "symmetry")]
    Symmetry,
}

impl std::fmt::Display for Property {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Property::NonNegativity => "non-negativity",
            Property::UnitSum => "unit sum",
            Property::Symmetry => "symmetry",
        })
    }
}

/// The first property a game violates, with the profile that shows it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Violation {
    /// The property.
    pub property: Property,
    /// The state.
    pub state: usize,
    /// The profile (one action per player).
    pub profile: Vec<usize>,
    /// What is wrong, in words.
    pub message: String,
}

/// What `check` looked at and what it found.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CheckReport {
    /// `"every profile"` or `"N random profiles (seed S)"`.
    pub coverage: String,
    /// Profiles checked (per state).
    pub profiles: u64,
    /// The first violation, if any.
    pub violation: Option<Violation>,
}

impl CheckReport {
    /// Whether every property held.
    pub fn passed(&self) -> bool {
        self.violation.is_none()
    }
}

fn check_profile(game: &Game, x: usize, profile: &[usize], k: usize) -> Option<Violation> {
    let shares = game.player_shares(x, profile, k);
    let found = |property, message: String| {
        Some(Violation {
            property,
            state: x,
            profile: profile.to_vec(),
            message,
        })
    };
    // NaN fails too: it is not ≥ 0.
    if let Some(i) = shares.iter().position(|&s| s < 0.0 || s.is_nan()) {
        return found(
            Property::NonNegativity,
            format!("player {i} gets {}", shares[i]),
        );
    }
    let total: f64 = shares.iter().sum();
    if (total - 1.0).abs() > UNIT_SUM_TOLERANCE {
        return found(Property::UnitSum, format!("the shares sum to {total}"));
    }
    let mut swapped = profile.to_vec();
    for i in 0..profile.len().saturating_sub(1) {
        if profile[i] == profile[i + 1] {
            continue;
        }
        swapped.swap(i, i + 1);
        let after = game.player_shares(x, &swapped, k);
        swapped.swap(i, i + 1);
        for (l, &share) in shares.iter().enumerate() {
            // Player l's share moves with l: to i+1 if l = i, to i if l = i+1.
            let moved = if l == i {
                i + 1
            } else if l == i + 1 {
                i
            } else {
                l
            };
            if (after[moved] - share).abs() > SYMMETRY_TOLERANCE {
                return found(
                    Property::Symmetry,
                    format!(
                        "swapping players {i} and {} moves player {l}'s share {} to {}, where player {moved} gets {}",
                        i + 1,
                        share,
                        moved,
                        after[moved]
                    ),
                );
            }
        }
    }
    None
}

/// Check non-negativity, unit sum and symmetry of `problem`'s game.
pub(crate) fn check_game(problem: &Problem, samples: u64, seed: u64) -> CheckReport {
    let n = problem.players();
    let k = problem.actions();
    let states = problem.states();
    let game = problem.game();
    let all = (k as u64)
        .checked_pow(n as u32)
        .filter(|&p| p.saturating_mul(states as u64) <= CHECK_EXHAUSTIVE_MAX);
    let mut profile = vec![0usize; n];
    let (coverage, profiles) = match all {
        Some(p) => ("every profile".to_string(), p),
        None => (format!("{samples} random profiles (seed {seed})"), samples),
    };
    let mut rng = StdRng::seed_from_u64(seed);
    for index in 0..profiles {
        if all.is_some() {
            let mut rest = index;
            for a in profile.iter_mut() {
                *a = (rest % k as u64) as usize;
                rest /= k as u64;
            }
        } else {
            profile.iter_mut().for_each(|a| *a = rng.random_range(0..k));
        }
        for x in 0..states {
            if let Some(v) = check_profile(game, x, &profile, k) {
                return CheckReport {
                    coverage,
                    profiles,
                    violation: Some(v),
                };
            }
        }
    }
    CheckReport {
        coverage,
        profiles,
        violation: None,
    }
}

impl crate::Evaluator {
    /// Check that `problem`'s game is unit-sum, non-negative and (for the
    /// symmetric families) symmetric: on every profile where there are at most
    /// 200 000 (over all states), else on `samples` random profiles drawn
    /// from `seed`.
    ///
    /// ```
    /// use unitsum_gpu::{Coalition, Evaluator, Game, Policy, Problem};
    /// let problem = Problem::new(4, 3, Game::Plurality, vec![
    ///     Coalition::new(vec![0, 1, 2, 3], Policy::Uniform),
    /// ])?;
    /// let report = Evaluator::new().check(&problem, 1000, 0);
    /// assert!(report.passed(), "{:?}", report.violation);
    /// assert_eq!(report.profiles, 81); // every profile: 3^4
    /// # Ok::<(), unitsum_gpu::Error>(())
    /// ```
    pub fn check(&self, problem: &Problem, samples: u64, seed: u64) -> CheckReport {
        check_game(problem, samples, seed)
    }
}
