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

/// A property every game of the model must have, or a symmetry it declares.
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
    /// Permuting the players within each role moves their shares with them.
    #[serde(rename = "role symmetry")]
    RoleSymmetry,
    /// Moving players between roles with their actions translated
    /// (`σ_to(σ_from⁻¹(a))`) moves their shares with them.
    #[serde(rename = "symmetry in canonical actions")]
    CanonicalSymmetry,
}

impl std::fmt::Display for Property {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Property::NonNegativity => "non-negativity",
            Property::UnitSum => "unit sum",
            Property::Symmetry => "symmetry",
            Property::RoleSymmetry => "role symmetry",
            Property::CanonicalSymmetry => "symmetry in canonical actions",
        })
    }
}

/// The symmetry a game was found to have on the profiles checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Symmetry {
    /// Every permutation of the players moves their shares with them.
    Full,
    /// Only permutations within each role do.
    Role,
    /// Not even those.
    None,
}

impl std::fmt::Display for Symmetry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Symmetry::Full => "full",
            Symmetry::Role => "role-symmetric",
            Symmetry::None => "none",
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
    /// Distinct roles of the players.
    pub roles: usize,
    /// The symmetry found: full, role-symmetric or none.
    pub symmetry: Symmetry,
    /// The first profile that breaks the next stronger symmetry than the
    /// one found (none when the symmetry is full).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asymmetry: Option<Violation>,
    /// With a translation: whether the game is symmetric in canonical actions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canonical: Option<bool>,
    /// The first violation of what the game must have: non-negativity, unit
    /// sum, and the symmetry its roles declare (full with one role, role
    /// symmetry with several, symmetry in canonical actions with a translation).
    pub violation: Option<Violation>,
}

impl CheckReport {
    /// Whether every property held.
    pub fn passed(&self) -> bool {
        self.violation.is_none()
    }
}

/// Non-negativity and unit sum of one profile's shares.
fn check_shares(shares: &[f64], x: usize, profile: &[usize]) -> Option<Violation> {
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
    None
}

/// A transposition of players i and j, each taking the other's action as
/// `moved(from, to, a)` reads it (the same action, or translated).
struct Swap<'a> {
    game: &'a Game,
    k: usize,
    roles: &'a [usize],
    translate: Option<&'a [Vec<usize>]>,
}

impl Swap<'_> {
    /// The first (i, j) of `pairs` whose swap does not move the shares with
    /// the players, as a violation of `property`.
    fn first_break(
        &self,
        property: Property,
        x: usize,
        profile: &[usize],
        shares: &[f64],
        pairs: &[(usize, usize)],
    ) -> Option<Violation> {
        let mut swapped = profile.to_vec();
        for &(i, j) in pairs {
            let moved = |from: usize, to: usize| {
                crate::policy::translated(
                    self.translate,
                    self.roles[from],
                    self.roles[to],
                    profile[from],
                )
            };
            swapped[i] = moved(j, i);
            swapped[j] = moved(i, j);
            if swapped[i] == profile[i] && swapped[j] == profile[j] {
                continue;
            }
            let after = self.game.player_shares(x, &swapped, self.k);
            let (si, sj) = (swapped[i], swapped[j]);
            swapped[i] = profile[i];
            swapped[j] = profile[j];
            for (l, &share) in shares.iter().enumerate() {
                // Player l's share moves with l: to j if l = i, to i if l = j.
                let to = if l == i {
                    j
                } else if l == j {
                    i
                } else {
                    l
                };
                if (after[to] - share).abs() > SYMMETRY_TOLERANCE {
                    let mut shown = profile.to_vec();
                    shown[i] = si;
                    shown[j] = sj;
                    return Some(Violation {
                        property,
                        state: x,
                        profile: profile.to_vec(),
                        message: if to == l {
                            format!(
                                "moving players {i} and {j} to {shown:?} changes player {l}'s share \
                                 from {share} to {}",
                                after[l]
                            )
                        } else {
                            format!(
                                "moving players {i} and {j} to {shown:?} should move player {l}'s \
                                 share {share} to player {to}, who gets {}",
                                after[to]
                            )
                        },
                    });
                }
            }
        }
        None
    }
}

/// Check non-negativity, unit sum and the symmetries of `problem`'s game.
pub(crate) fn check_game(
    problem: &Problem,
    samples: u64,
    seed: u64,
    translate: Option<&[Vec<usize>]>,
) -> CheckReport {
    let n = problem.players();
    let k = problem.actions();
    let states = problem.states();
    let game = problem.game();
    let roles = problem.roles();
    let distinct = crate::game::distinct_sorted(roles).len();
    let all = (k as u64)
        .checked_pow(n as u32)
        .filter(|&p| p.saturating_mul(states as u64) <= CHECK_EXHAUSTIVE_MAX);
    let (coverage, profiles) = match all {
        Some(p) => ("every profile".to_string(), p),
        None => (format!("{samples} random profiles (seed {seed})"), samples),
    };
    // Adjacent transpositions generate all permutations; those of players
    // next to each other within a role, the permutations within roles.
    let adjacent: Vec<(usize, usize)> = (1..n).map(|i| (i - 1, i)).collect();
    let within: Vec<(usize, usize)> = (0..n)
        .filter_map(|i| (i + 1..n).find(|&j| roles[j] == roles[i]).map(|j| (i, j)))
        .collect();
    let plain = Swap {
        game,
        k,
        roles,
        translate: None,
    };
    let translated = Swap {
        game,
        k,
        roles,
        translate,
    };
    let mut role_break: Option<Violation> = None;
    let mut full_break: Option<Violation> = None;
    let mut canonical_break: Option<Violation> = None;
    let mut broken = None;
    let mut profile = vec![0usize; n];
    let mut rng = StdRng::seed_from_u64(seed);
    'profiles: for index in 0..profiles {
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
            let shares = game.player_shares(x, &profile, k);
            if let Some(v) = check_shares(&shares, x, &profile) {
                broken = Some(v);
                break 'profiles;
            }
            if role_break.is_none() {
                role_break =
                    plain.first_break(Property::RoleSymmetry, x, &profile, &shares, &within);
            }
            if full_break.is_none() && distinct > 1 {
                full_break = plain.first_break(Property::Symmetry, x, &profile, &shares, &adjacent);
            }
            if canonical_break.is_none() && translate.is_some() {
                canonical_break = translated.first_break(
                    Property::CanonicalSymmetry,
                    x,
                    &profile,
                    &shares,
                    &adjacent,
                );
            }
        }
        if role_break.is_some() && (translate.is_none() || canonical_break.is_some()) {
            break; // nothing stronger left to find
        }
    }
    if distinct == 1 {
        // One role: the permutations within it are all of them.
        full_break = role_break.clone().map(|v| Violation {
            property: Property::Symmetry,
            ..v
        });
    }
    let (symmetry, asymmetry) = match (&role_break, &full_break) {
        (Some(v), _) => (Symmetry::None, Some(v.clone())),
        (None, Some(v)) => (Symmetry::Role, Some(v.clone())),
        (None, None) => (Symmetry::Full, None),
    };
    let declared = if distinct == 1 {
        full_break
    } else {
        role_break
    };
    let violation = broken.or(declared).or(canonical_break.clone());
    CheckReport {
        coverage,
        profiles,
        roles: distinct,
        symmetry,
        asymmetry,
        canonical: translate.map(|_| canonical_break.is_none()),
        violation,
    }
}

impl crate::Evaluator {
    /// Check that `problem`'s game is unit-sum, non-negative and has the
    /// symmetry its roles declare (full with one role, within roles with
    /// several): on every profile where there are at most 200 000 (over all
    /// states), else on `samples` random profiles drawn from `seed`. The
    /// report says which symmetry the game has.
    ///
    /// ```
    /// use unitsum_gpu::{Coalition, Evaluator, Game, Policy, Problem, Symmetry};
    /// let problem = Problem::new(4, 3, Game::Plurality, vec![
    ///     Coalition::new(vec![0, 1, 2, 3], Policy::Uniform),
    /// ])?;
    /// let report = Evaluator::new().check(&problem, 1000, 0);
    /// assert!(report.passed(), "{:?}", report.violation);
    /// assert_eq!(report.symmetry, Symmetry::Full);
    /// assert_eq!(report.profiles, 81); // every profile: 3^4
    /// # Ok::<(), unitsum_gpu::Error>(())
    /// ```
    pub fn check(&self, problem: &Problem, samples: u64, seed: u64) -> CheckReport {
        check_game(problem, samples, seed, None)
    }

    /// [`Evaluator::check`](crate::Evaluator::check), and whether the game is symmetric in canonical
    /// actions under `translate` (per role, the permutation from canonical
    /// actions to the role's actions: rows for every role, each a
    /// permutation of the k actions, else a usage error naming `translate`).
    pub fn check_translated(
        &self,
        problem: &Problem,
        samples: u64,
        seed: u64,
        translate: &[Vec<usize>],
    ) -> crate::Result<CheckReport> {
        let k = problem.actions();
        let needed = problem.roles().iter().max().map_or(1, |r| r + 1);
        if translate.len() < needed {
            return Err(crate::Error::usage(
                "translate",
                format!(
                    "has {} rows, expected one per role ({needed})",
                    translate.len()
                ),
            ));
        }
        for (r, row) in translate.iter().enumerate() {
            let mut sorted = row.clone();
            sorted.sort_unstable();
            if sorted != (0..k).collect::<Vec<_>>() {
                return Err(crate::Error::usage(
                    "translate",
                    format!("row {r}, {row:?}, is not a permutation of the {k} actions"),
                ));
            }
        }
        Ok(check_game(problem, samples, seed, Some(translate)))
    }
}
