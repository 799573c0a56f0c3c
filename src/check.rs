//! `unitsum-gpu check`: is a game a unit-sum game, and is it symmetric?
//! Non-negativity, unit sum and symmetry (docs/THEORY.md, "Conventions": invariance under the n−1
//! adjacent transpositions, which generate all permutations), on every profile
//! where that is feasible, else on seeded random profiles.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::model::game::{Game, UNIT_SUM_TOLERANCE};
use crate::model::problem::Problem;
use crate::watch::Watch;

/// Check every profile when `states × k^n` is at most this; sample beyond.
pub(crate) const CHECK_EXHAUSTIVE_MAX: u64 = 200_000;
/// Random profiles `check` draws unless asked otherwise.
pub const DEFAULT_CHECK_SAMPLES: u64 = 20_000;
/// Random profiles `check` draws at most.
pub const MAX_CHECK_SAMPLES: u64 = 1_000_000_000;
/// The most share evaluations (times players) one check may take: a few
/// minutes on one core (see [`CHECK_WORK_PER_SECOND`]). Beyond it the check
/// is refused before it starts, with the samples that would fit.
const CHECK_MAX_WORK: f64 = 1e11;
/// Profiles between progress reports and cancellation checks.
const CHECK_CHUNK: u64 = 64;
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
                crate::model::policy::translated(
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
    watch: Watch<'_>,
) -> crate::Result<CheckReport> {
    let n = problem.players();
    let k = problem.actions();
    let all = every_profile(problem);
    let (coverage, profiles) = match all {
        Some(p) => ("every profile".to_string(), p),
        None => (format!("{samples} random profiles (seed {seed})"), samples),
    };
    let scan = Scan::new(problem, translate);
    let mut breaks = Breaks::default();
    let mut profile = vec![0usize; n];
    let mut rng = StdRng::seed_from_u64(seed);
    'profiles: for index in 0..profiles {
        if index % CHECK_CHUNK == 0 {
            watch.check()?;
            watch.report(index, profiles);
        }
        if all.is_some() {
            let mut rest = index;
            for a in profile.iter_mut() {
                *a = (rest % k as u64) as usize;
                rest /= k as u64;
            }
        } else {
            profile.iter_mut().for_each(|a| *a = rng.random_range(0..k));
        }
        for x in 0..problem.states() {
            if scan.state(x, &profile, &mut breaks) {
                break 'profiles;
            }
        }
        if breaks.role.is_some() && (translate.is_none() || breaks.canonical.is_some()) {
            break; // nothing stronger left to find
        }
    }
    watch.report(profiles, profiles);
    Ok(breaks.report(coverage, profiles, scan.distinct, translate.is_some()))
}

/// The first violation found of each property, as the scan goes.
#[derive(Default)]
struct Breaks {
    /// Non-negativity or unit sum: it ends the scan.
    broken: Option<Violation>,
    /// Symmetry within roles.
    role: Option<Violation>,
    /// Full symmetry (looked for only with several roles).
    full: Option<Violation>,
    /// Symmetry in canonical actions (only with a translation).
    canonical: Option<Violation>,
}

impl Breaks {
    /// The report: the symmetry found is the strongest unbroken one, and the
    /// violation the first of what the game must have (its shares, then the
    /// symmetry its roles declare, then the canonical one).
    fn report(
        self,
        coverage: String,
        profiles: u64,
        distinct: usize,
        translated: bool,
    ) -> CheckReport {
        let Breaks {
            broken,
            role,
            mut full,
            canonical,
        } = self;
        if distinct == 1 {
            // One role: the permutations within it are all of them.
            full = role.clone().map(|v| Violation {
                property: Property::Symmetry,
                ..v
            });
        }
        let (symmetry, asymmetry) = match (&role, &full) {
            (Some(v), _) => (Symmetry::None, Some(v.clone())),
            (None, Some(v)) => (Symmetry::Role, Some(v.clone())),
            (None, None) => (Symmetry::Full, None),
        };
        let declared = if distinct == 1 { full } else { role };
        let violation = broken.or(declared).or(canonical.clone());
        CheckReport {
            coverage,
            profiles,
            roles: distinct,
            symmetry,
            asymmetry,
            canonical: translated.then_some(canonical.is_none()),
            violation,
        }
    }
}

/// What one state of one profile is checked against: the swaps that test
/// each symmetry.
struct Scan<'a> {
    game: &'a Game,
    k: usize,
    /// Distinct roles.
    distinct: usize,
    /// Whether a translation was given.
    translated: bool,
    /// Adjacent transpositions, which generate all permutations.
    adjacent: Vec<(usize, usize)>,
    /// Transpositions of players next to each other within a role, which
    /// generate the permutations within roles.
    within: Vec<(usize, usize)>,
    /// Swaps that keep the actions.
    plain: Swap<'a>,
    /// Swaps that translate the actions.
    canonical: Swap<'a>,
}

impl<'a> Scan<'a> {
    fn new(problem: &'a Problem, translate: Option<&'a [Vec<usize>]>) -> Self {
        let n = problem.players();
        let k = problem.actions();
        let game = problem.game();
        let roles = problem.roles();
        Scan {
            game,
            k,
            distinct: crate::model::game::distinct_sorted(roles).len(),
            translated: translate.is_some(),
            adjacent: (1..n).map(|i| (i - 1, i)).collect(),
            within: (0..n)
                .filter_map(|i| (i + 1..n).find(|&j| roles[j] == roles[i]).map(|j| (i, j)))
                .collect(),
            plain: Swap {
                game,
                k,
                roles,
                translate: None,
            },
            canonical: Swap {
                game,
                k,
                roles,
                translate,
            },
        }
    }

    /// Checks state `x` of `profile`, recording each property's first break;
    /// true when the shares themselves are broken (the scan ends).
    fn state(&self, x: usize, profile: &[usize], breaks: &mut Breaks) -> bool {
        let shares = self.game.player_shares(x, profile, self.k);
        if let Some(v) = check_shares(&shares, x, profile) {
            breaks.broken = Some(v);
            return true;
        }
        if breaks.role.is_none() {
            breaks.role =
                self.plain
                    .first_break(Property::RoleSymmetry, x, profile, &shares, &self.within);
        }
        if breaks.full.is_none() && self.distinct > 1 {
            breaks.full =
                self.plain
                    .first_break(Property::Symmetry, x, profile, &shares, &self.adjacent);
        }
        if breaks.canonical.is_none() && self.translated {
            breaks.canonical = self.canonical.first_break(
                Property::CanonicalSymmetry,
                x,
                profile,
                &shares,
                &self.adjacent,
            );
        }
        false
    }
}

/// The number of profiles when the check can visit every one of them.
fn every_profile(problem: &Problem) -> Option<u64> {
    (problem.actions() as u64)
        .checked_pow(problem.players() as u32)
        .filter(|&p| p.saturating_mul(problem.states() as u64) <= CHECK_EXHAUSTIVE_MAX)
}

/// Share evaluations (times players) a check does per second on one core,
/// for the notice only: the default check of examples/big-plurality.json
/// (1.6e9) took 2.7 s, about 6e8/s, on the 2-core development machine;
/// issue 25 reports 5.4e11 in 293 s (1.8e9/s) for a 3000-player spec on
/// its machine. 1e9 sits between them.
const CHECK_WORK_PER_SECOND: f64 = 1e9;

/// The check's work, or its refusal: beyond [`CHECK_MAX_WORK`] (each
/// profile in each state costs a share evaluation per transposition tried,
/// up to n of them per symmetry, each O(n)), or with no or too many samples.
fn check_work(problem: &Problem, samples: u64, translated: bool) -> crate::Result<f64> {
    let exhaustive = every_profile(problem);
    let profiles = exhaustive.unwrap_or(samples);
    if !(1..=MAX_CHECK_SAMPLES).contains(&samples) {
        return Err(crate::Error::usage(
            "samples",
            format!(
                "{samples}: expected 1 to {MAX_CHECK_SAMPLES} random profiles \
                 (checked where not every profile can be)"
            ),
        ));
    }
    let n = problem.players() as f64;
    let symmetries = 2.0 + f64::from(u8::from(translated));
    let per_profile = problem.states() as f64 * (1.0 + symmetries * n) * n;
    let work = profiles as f64 * per_profile;
    if work <= CHECK_MAX_WORK {
        return Ok(work);
    }
    let fits = (CHECK_MAX_WORK / per_profile).floor() as u64;
    if exhaustive.is_some() || fits == 0 {
        return Err(crate::Error::too_large(
            format!("checking this game would take about {work:.1e} share evaluations, beyond the limit of {CHECK_MAX_WORK:.0e}"),
            crate::error::Remedy::SmallerProblem,
        ));
    }
    Err(crate::Error::usage(
        "samples",
        format!(
            "{samples} random profiles of {} players would take about {work:.1e} share \
             evaluations, beyond the limit of {CHECK_MAX_WORK:.0e} (a few minutes): \
             at most {fits} fit",
            problem.players()
        ),
    ))
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
    /// let report = Evaluator::new().check(&problem, 1000, 0)?;
    /// assert!(report.passed(), "{:?}", report.violation);
    /// assert_eq!(report.symmetry, Symmetry::Full);
    /// assert_eq!(report.profiles, 81); // every profile: 3^4
    /// # Ok::<(), unitsum_gpu::Error>(())
    /// ```
    ///
    /// Its work is bounded before it starts (a usage error naming `samples`
    /// says how many fit), and it reports progress to and stops on the
    /// evaluator's progress callback and cancel handle.
    pub fn check(&self, problem: &Problem, samples: u64, seed: u64) -> crate::Result<CheckReport> {
        self.check_with(problem, samples, seed, None)
    }

    /// [`check_game`] with this evaluator's progress and cancel handle.
    fn check_with(
        &self,
        problem: &Problem,
        samples: u64,
        seed: u64,
        translate: Option<&[Vec<usize>]>,
    ) -> crate::Result<CheckReport> {
        let work = check_work(problem, samples, translate.is_some())?;
        let seconds = work / CHECK_WORK_PER_SECOND;
        self.notify(seconds, || {
            format!(
                "check: about {work:.1e} share evaluations, roughly {}; progress follows",
                crate::human_duration(seconds)
            )
        });
        let (progress, cancel) = self.watch();
        check_game(
            problem,
            samples,
            seed,
            translate,
            Watch::new(progress.as_deref(), cancel.as_ref()),
        )
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
        validate_translation(problem, translate)
            .map_err(|message| crate::Error::usage("translate", message))?;
        self.check_with(problem, samples, seed, Some(translate))
    }

    /// `check` as the front ends run it: under `translate` when one is given
    /// (the option `translate`), else under the spec's translated copy when
    /// there is one, else [`Evaluator::check`](crate::Evaluator::check).
    /// A spec translation that cannot serve (rows missing for some role) is
    /// a spec error at its path, not a usage error of an option never given.
    pub fn check_spec(
        &self,
        problem: &Problem,
        samples: u64,
        seed: u64,
        translate: Option<&[Vec<usize>]>,
    ) -> crate::Result<CheckReport> {
        match (translate, problem.translation_at()) {
            (Some(t), _) => self.check_translated(problem, samples, seed, t),
            (None, Some((path, t))) => {
                validate_translation(problem, t).map_err(|message| {
                    crate::Error::spec(
                        path,
                        format!(
                            "{message}: check tests symmetry in canonical actions across every \
                             role (give check a translation with one row per role)"
                        ),
                    )
                })?;
                self.check_with(problem, samples, seed, Some(t))
            }
            (None, None) => self.check(problem, samples, seed),
        }
    }
}

/// Why `translate` cannot serve as a translation of every role of
/// `problem` into canonical actions (one row per role id, each a
/// permutation of the k actions), or nothing.
fn validate_translation(problem: &Problem, translate: &[Vec<usize>]) -> Result<(), String> {
    let k = problem.actions();
    let needed = problem.roles().iter().max().map_or(1, |r| r + 1);
    if translate.len() < needed {
        return Err(format!(
            "has {} rows, expected one per role ({needed})",
            translate.len()
        ));
    }
    for (r, row) in translate.iter().enumerate() {
        let mut sorted = row.clone();
        sorted.sort_unstable();
        if sorted != (0..k).collect::<Vec<_>>() {
            return Err(format!(
                "row {r}, {row:?}, is not a permutation of the {k} actions"
            ));
        }
    }
    Ok(())
}
