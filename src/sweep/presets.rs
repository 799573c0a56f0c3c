//! The two preset sweeps: Theorem 1 (plurality game, a majority playing a
//! common uniform action) and Theorem 2 (a coalition copying the others),
//! against lists of opponent policies.

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::{Bound, Cursor, Opponent, Point, PointBudget, Shard};
use crate::error::{Error, Result};
use crate::model::game::Game;
use crate::model::policy::Policy;
use crate::model::problem::{Coalition, Problem};
use crate::spec::generate::{random_game, random_joint, random_marginals};

/// An opponent kind of `--opponents`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpponentKind {
    /// Independent uniform.
    Uniform,
    /// Everyone on action 0.
    Pure,
    /// A common uniform action.
    Common,
    /// R seeded random policies, alternating independent marginals and joint supports.
    Random(usize),
    /// Every pure joint action; the minimum is reported.
    Worst,
}

impl std::fmt::Display for OpponentKind {
    /// As `--opponents` spells it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpponentKind::Uniform => f.write_str("uniform"),
            OpponentKind::Pure => f.write_str("pure"),
            OpponentKind::Common => f.write_str("common"),
            OpponentKind::Random(r) => write!(f, "random:{r}"),
            OpponentKind::Worst => f.write_str("worst"),
        }
    }
}

/// The defaults of a preset sweep's options, the same for every front end
/// (the CLI's flags, Python's keywords).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PresetDefaults {
    /// Players n, as a range.
    pub players: &'static str,
    /// Actions k, as a range.
    pub actions: &'static str,
    /// Families, comma separated (theorem1: plurality only, empty).
    pub families: &'static str,
    /// Seeded random games per family, n and k.
    pub games: usize,
    /// Opponent policies.
    pub opponents: &'static str,
}

/// `theorem1`'s defaults.
pub const THEOREM1_DEFAULTS: PresetDefaults = PresetDefaults {
    players: "3..=11",
    actions: "2..=6",
    families: "",
    games: 1,
    opponents: "uniform,pure,common,random:2",
};

/// `theorem2`'s defaults.
pub const THEOREM2_DEFAULTS: PresetDefaults = PresetDefaults {
    players: "3..=10",
    actions: "2..=4",
    families: "plurality,proportional,congestion,anonymous",
    games: 2,
    opponents: "uniform,pure,common,random:2",
};

/// `contexts`' defaults: n = 3..12 (41100 rows in about 5 s with the dev
/// profile on the 2-core development machine; README, "Contexts").
pub const CONTEXTS_DEFAULTS: PresetDefaults = PresetDefaults {
    players: "3..=12",
    actions: "2..=3",
    families: "proportional,congestion",
    games: 1,
    opponents: "uniform,pure,common,random:2",
};

/// The defaults of the preset named `name`.
pub fn preset_defaults(name: &str) -> Option<PresetDefaults> {
    match name {
        "theorem1" => Some(THEOREM1_DEFAULTS),
        "theorem2" => Some(THEOREM2_DEFAULTS),
        "contexts" => Some(CONTEXTS_DEFAULTS),
        _ => None,
    }
}

/// Parse `uniform,pure,common,random:3,worst`.
pub fn parse_opponents(list: &str) -> Result<Vec<OpponentKind>> {
    list.split(',')
        .map(|item| {
            let item = item.trim();
            Ok(match item {
                "uniform" => OpponentKind::Uniform,
                "pure" => OpponentKind::Pure,
                "common" => OpponentKind::Common,
                "worst" => OpponentKind::Worst,
                _ => match item.strip_prefix("random:").map(str::parse::<usize>) {
                    Some(Ok(r)) if (1..=MAX_RANDOM_OPPONENTS).contains(&r) => OpponentKind::Random(r),
                    _ => {
                        return Err(Error::usage(
                            "opponents",
                            format!("unknown opponent {item:?}; expected uniform, pure, common, random:R (1 ≤ R ≤ {MAX_RANDOM_OPPONENTS}) or worst"),
                        ))
                    }
                },
            })
        })
        .collect()
}

/// `random:R` at most.
pub const MAX_RANDOM_OPPONENTS: usize = 10_000;
/// Values one range flag (`--players`, `--actions`, `--sizes`) may list.
pub const MAX_RANGE_VALUES: usize = 10_000;

/// Opponent policies per point of `kinds`.
pub(super) fn opponent_count(kinds: &[OpponentKind]) -> usize {
    kinds
        .iter()
        .map(|kind| match kind {
            OpponentKind::Random(r) => *r,
            _ => 1,
        })
        .sum()
}

/// Parse an integer range: `5`, `3..=11`, `101..=301..50` (step 50), or a
/// comma list of those. Errors name the option `what`.
pub fn parse_range(text: &str, what: &str) -> Result<Vec<usize>> {
    let bad = || {
        Error::usage(
            what,
            format!("{text:?} is not a list of integers or ranges like 3..=11 or 101..=301..50"),
        )
    };
    let mut out = Vec::new();
    for part in text.split(',') {
        let part = part.trim();
        if let Some((start, rest)) = part.split_once("..=") {
            let (end, step) = match rest.split_once("..") {
                Some((end, step)) => (end, step),
                None => (rest, "1"),
            };
            let (start, end, step): (usize, usize, usize) = (
                start.parse().map_err(|_| bad())?,
                end.parse().map_err(|_| bad())?,
                step.parse().map_err(|_| bad())?,
            );
            if step == 0 {
                return Err(Error::usage(
                    what,
                    format!("{part:?}: the step must be at least 1"),
                ));
            }
            if end < start {
                return Err(Error::usage(
                    what,
                    format!("{part:?} is empty: its end is below its start"),
                ));
            }
            // Counted before anything is stored.
            let count = ((end - start) / step).saturating_add(1);
            if count > MAX_RANGE_VALUES.saturating_sub(out.len()) {
                return Err(too_many(what));
            }
            out.extend((start..=end).step_by(step));
        } else {
            if out.len() >= MAX_RANGE_VALUES {
                return Err(too_many(what));
            }
            out.push(part.parse().map_err(|_| bad())?);
        }
    }
    Ok(out)
}

fn too_many(what: &str) -> Error {
    Error::usage(
        what,
        format!("lists more than {MAX_RANGE_VALUES} values; split the sweep"),
    )
}

pub(crate) use crate::model::limits::check_players;

/// Every k of a grid must be a valid action count (checked before anything
/// is drawn for it).
pub(crate) fn check_actions(actions: &[usize], what: &str) -> Result<()> {
    match actions
        .iter()
        .find(|&&k| k == 0 || k > crate::model::limits::MAX_ACTIONS)
    {
        Some(k) => Err(Error::spec(
            what,
            format!(
                "{k} actions: expected 1 to {}",
                crate::model::limits::MAX_ACTIONS
            ),
        )),
        None => Ok(()),
    }
}

/// A seed for one random draw, from the sweep seed and the draw's name (FNV-1a).
pub(crate) fn derived_seed(seed: u64, name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The opponent policies of the points of one key that are this shard's,
/// `cursor` passing all of them: (label, policy or worst). A random policy
/// is drawn only for a point of the shard (each from its own seed, so the
/// others' draws do not change it).
pub(super) fn opponents(
    kinds: &[OpponentKind],
    members: usize,
    k: usize,
    seed: u64,
    key: &str,
    cursor: &mut Cursor,
) -> Vec<(String, Option<Policy>)> {
    let mut out = Vec::new();
    for kind in kinds {
        match kind {
            OpponentKind::Random(r) => {
                for i in 0..*r {
                    if !cursor.take() {
                        continue;
                    }
                    let label = format!("random#{i}");
                    let mut rng =
                        StdRng::seed_from_u64(derived_seed(seed, &format!("{key} {label}")));
                    let policy = if i % 2 == 0 {
                        Policy::Independent {
                            marginals: random_marginals(&mut rng, members, k),
                        }
                    } else {
                        random_joint(&mut rng, members, k)
                    };
                    out.push((label, Some(policy)));
                }
            }
            _ if !cursor.take() => {}
            OpponentKind::Uniform => out.push(("uniform".into(), Some(Policy::Uniform))),
            OpponentKind::Pure => out.push((
                "pure".into(),
                Some(Policy::Pure {
                    actions: vec![0; members],
                }),
            )),
            OpponentKind::Common => {
                out.push(("common".into(), Some(Policy::Common { dist: None })))
            }
            OpponentKind::Worst => out.push(("worst".into(), None)),
        }
    }
    out
}

pub(super) fn point(
    sweep: &str,
    key: String,
    label: String,
    game: usize,
    problem: Problem,
    worst: bool,
    bound: Bound,
) -> Point {
    Point {
        key: format!("{key} opponent={label}"),
        sweep: sweep.to_string(),
        opponent_label: label,
        game,
        problem,
        opponent: if worst {
            Opponent::Worst
        } else {
            Opponent::Given
        },
        bound: Some(bound),
    }
}

/// Coalition sizes of the Theorem 1 preset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sizes {
    /// ⌊n/2⌋ + 1 only.
    Majority,
    /// Every strict majority short of everyone.
    All,
}

/// Theorem 1's grid: plurality game; coalition 0 = the first s players
/// playing a common uniform action, coalition 1 the rest. Only `shard`'s
/// points are built, and the point limits count them.
pub fn theorem1(
    players: &[usize],
    actions: &[usize],
    sizes: Sizes,
    kinds: &[OpponentKind],
    seed: u64,
    shard: Shard,
) -> Result<Vec<Point>> {
    check_actions(actions, "actions").map_err(Error::into_usage)?;
    check_players(players, "players").map_err(Error::into_usage)?;
    let majorities = |n: usize| match sizes {
        Sizes::Majority => n / 2 + 1..(n / 2 + 2).min(n),
        Sizes::All => n / 2 + 1..n,
    };
    let per_key = opponent_count(kinds);
    let mut budget = PointBudget::new(shard);
    for &n in players {
        for &k in actions {
            budget.take(majorities(n).len().saturating_mul(per_key), n, k)?;
        }
    }
    let mut points = Vec::new();
    let mut cursor = Cursor::new(shard);
    for &n in players {
        for &k in actions {
            for s in majorities(n) {
                if !cursor.any(per_key) {
                    continue;
                }
                let key = format!("theorem1 n={n} k={k} s={s}");
                for (label, policy) in opponents(kinds, n - s, k, seed, &key, &mut cursor) {
                    let worst = policy.is_none();
                    let problem = Problem::new(
                        n,
                        k,
                        Game::Plurality,
                        vec![
                            Coalition::new((0..s).collect(), Policy::Common { dist: None }),
                            Coalition::new((s..n).collect(), policy.unwrap_or(Policy::Uniform)),
                        ],
                    )
                    .map_err(|e| Error::spec("theorem1", format!("{key}: {e}")))?;
                    points.push(point(
                        "theorem1",
                        key.clone(),
                        label,
                        0,
                        problem,
                        worst,
                        Bound::Theorem1 { actions: k },
                    ));
                }
            }
        }
    }
    Ok(points)
}

/// Theorem 2's grid: for every opponent size m2 = 1..⌊n/2⌋, coalition 0 (the
/// other n − m2 players) copies coalition 1; `games` seeded games per family,
/// n and k (one for plurality, which has no parameters). Only `shard`'s
/// points are built (and their games drawn), and the point limits count them.
pub fn theorem2(
    families: &[String],
    players: &[usize],
    actions: &[usize],
    games: usize,
    kinds: &[OpponentKind],
    seed: u64,
    shard: Shard,
) -> Result<Vec<Point>> {
    check_actions(actions, "actions").map_err(Error::into_usage)?;
    check_players(players, "players").map_err(Error::into_usage)?;
    let draws = |family: &str| if family == "plurality" { 1 } else { games };
    let per_key = opponent_count(kinds);
    let mut budget = PointBudget::new(shard);
    for family in families {
        if !["plurality", "proportional", "congestion", "anonymous"].contains(&family.as_str()) {
            return Err(Error::usage(
                "family",
                format!("{family:?} is not a symmetric family (plurality, proportional, congestion, anonymous)"),
            ));
        }
        for &n in players {
            for &k in actions {
                let points = (n / 2).saturating_mul(per_key);
                let count = draws(family);
                budget.take_games(count, family, n, k, 1, points.saturating_mul(count))?;
            }
        }
    }
    let mut points = Vec::new();
    let mut cursor = Cursor::new(shard);
    for family in families {
        for &n in players {
            for &k in actions {
                for g in 0..draws(family) {
                    if !cursor.any((n / 2) * per_key) {
                        continue;
                    }
                    theorem2_game(family, n, k, g, kinds, seed, &mut cursor, &mut points)?;
                }
            }
        }
    }
    Ok(points)
}

/// The points of Theorem 2's game `g` of `family` at n and k that are the
/// shard's.
#[allow(clippy::too_many_arguments, reason = "the grid point's coordinates")]
fn theorem2_game(
    family: &str,
    n: usize,
    k: usize,
    g: usize,
    kinds: &[OpponentKind],
    seed: u64,
    cursor: &mut Cursor,
    points: &mut Vec<Point>,
) -> Result<()> {
    let mut rng = StdRng::seed_from_u64(derived_seed(
        seed,
        &format!("{family} n={n} k={k} game={g}"),
    ));
    let game = random_game(&mut rng, family, n, k, 1)
        .map_err(|e| Error::spec("theorem2", format!("{family} n={n} k={k}: {e}")))?;
    // Validated once; every point shares it.
    let base = Problem::new(
        n,
        k,
        game,
        vec![Coalition::new((0..n).collect(), Policy::Uniform)],
    )
    .map_err(|e| Error::spec("theorem2", format!("{family} n={n} k={k}: {e}")))?;
    for m2 in 1..=n / 2 {
        if !cursor.any(opponent_count(kinds)) {
            continue;
        }
        let m1 = n - m2;
        let key = format!("theorem2 {family} n={n} k={k} game={g} m2={m2}");
        for (label, policy) in opponents(kinds, m2, k, seed, &key, cursor) {
            let worst = policy.is_none();
            let problem = base
                .with_coalitions(vec![
                    Coalition::new((0..m1).collect(), Policy::copy(vec![1], 0)),
                    Coalition::new((m1..n).collect(), policy.unwrap_or(Policy::Uniform)),
                ])
                .map_err(|e| Error::spec("theorem2", format!("{key}: {e}")))?;
            let bound = Bound::Theorem2 { copies: m1 / m2 };
            points.push(point(
                "theorem2",
                key.clone(),
                label,
                g,
                problem,
                worst,
                bound,
            ));
        }
    }
    Ok(())
}
