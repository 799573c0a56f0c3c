//! The `contexts` preset: Theorem 2 across contexts. Two roles (locations)
//! whose games are the same up to a relabelling of the actions; for every
//! split of both coalitions into the two roles, coalition 0 copies coalition
//! 1 by position, by role and translated, each against the bound that
//! applies (docs/THEORY.md, "Contexts").

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::presets::{
    check_actions, check_players, derived_seed, opponent_count, opponents, point,
};
use super::OpponentKind;
use super::{Bound, Cursor, Point, PointBudget, Shard};
use crate::error::{Error, Result};
use crate::model::game::Game;
use crate::model::policy::{CopyMatch, Policy};
use crate::model::problem::{Coalition, Problem};

/// The three ways coalition 0 copies, as the rows' `sweep` names them.
pub const CONTEXT_COPIES: [&str; 3] = ["contexts/order", "contexts/role", "contexts/translated"];

/// A game of `family` for two roles: role 0's parameters `w[x]`, role 1's
/// the same relabelled, `w1[x][σ(c)] = w[x][c]` with `σ(c) = c + shift mod k`;
/// returns the rows and σ.
fn relabelled_rows(rng: &mut StdRng, k: usize) -> (Vec<Vec<Vec<f64>>>, Vec<usize>) {
    let shift = rng.random_range(1..k);
    let sigma: Vec<usize> = (0..k).map(|c| (c + shift) % k).collect();
    let base: Vec<f64> = (0..k).map(|_| rng.random_range(0.1..2.0)).collect();
    let mut relabelled = vec![0.0; k];
    for c in 0..k {
        relabelled[sigma[c]] = base[c];
    }
    (vec![vec![base, relabelled]], sigma)
}

/// The splits of both coalitions into the two roles at opponent size m2
/// (coalition 0 has m1 = n − m2 players): `h1` of coalition 0 and `g1` of
/// coalition 1 in role 1, all in one role excepted (Theorem 2's own sweep).
fn splits(n: usize, m2: usize) -> impl Iterator<Item = (usize, usize)> {
    let m1 = n - m2;
    (0..=m2)
        .flat_map(move |g1| (0..=m1).map(move |h1| (h1, g1)))
        .filter(move |&(h1, g1)| g1 + h1 != 0 && g1 + h1 != n)
}

/// Role-matched runs of a split: coalition 0's members per copied member in
/// the role that has the fewest (0 when a role's copied members outnumber
/// its copiers, and so no role-matched copy exists).
fn role_runs(m1: usize, m2: usize, h1: usize, g1: usize) -> usize {
    [(m1 - h1, m2 - g1), (h1, g1)]
        .iter()
        .filter(|(_, group)| *group > 0)
        .map(|(copiers, group)| copiers / group)
        .min()
        .unwrap_or(0)
}

/// Points of one game at n players per opponent: for every m2, two copies
/// (by position, translated) of each split, and a third (by role) of each
/// split with a role-matched run. In closed form, since the limits are
/// counted before anything is built: (m2 + 1)(m1 + 1) − 2 splits, of which
/// (m2 + 1)(m1 − m2 + 1) − 2 have a run (for each g1, exactly m1 − m2 + 1
/// values of h1 give both roles' copiers at least their copied members).
fn points_per_game(n: usize) -> u64 {
    (1..=n as u64 / 2)
        .map(|m2| {
            let m1 = n as u64 - m2;
            let all = (m2 + 1) * (m1 + 1) - 2;
            let runs = (m2 + 1) * (m1 - m2 + 1) - 2;
            2 * all + runs
        })
        .fold(0u64, u64::saturating_add)
}

/// The preset's points: `families` of `proportional` and `congestion`;
/// players n ≥ 3 and actions k ≥ 2. Only `shard`'s points are built, and the
/// point limits count them.
pub fn contexts(
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
    if let Some(&k) = actions.iter().find(|&&k| k < 2) {
        return Err(Error::usage(
            "actions",
            format!("{k}: contexts need k ≥ 2 actions to relabel"),
        ));
    }
    if let Some(&n) = players.iter().find(|&&n| n < 3) {
        return Err(Error::usage(
            "players",
            format!("{n}: contexts need n ≥ 3 players"),
        ));
    }
    let per_key = opponent_count(kinds);
    let mut budget = PointBudget::new(shard);
    for family in families {
        if !["proportional", "congestion"].contains(&family.as_str()) {
            return Err(Error::usage(
                "family",
                format!("{family:?} has no role-dependent form (proportional, congestion)"),
            ));
        }
        for &n in players {
            let each = usize::try_from(points_per_game(n)).unwrap_or(usize::MAX);
            for &k in actions {
                let points = each.saturating_mul(per_key).saturating_mul(games);
                budget.take_games(games, family, n, k, 2, points)?;
            }
        }
    }
    let mut points = Vec::new();
    let mut cursor = Cursor::new(shard);
    for family in families {
        for &n in players {
            let each = points_per_game(n) as usize * per_key;
            for &k in actions {
                for g in 0..games {
                    if !cursor.any(each) {
                        continue;
                    }
                    let game = ContextGame::draw(family, n, k, g, seed);
                    for m2 in 1..=n / 2 {
                        for (h1, g1) in splits(n, m2) {
                            game.split(m2, h1, g1, kinds, seed, &mut cursor, &mut points)?;
                        }
                    }
                }
            }
        }
    }
    Ok(points)
}

/// One drawn game of the preset: its family, size, role rows and relabelling.
struct ContextGame<'a> {
    family: &'a str,
    n: usize,
    k: usize,
    g: usize,
    rows: Vec<Vec<Vec<f64>>>,
    sigma: Vec<usize>,
}

impl<'a> ContextGame<'a> {
    fn draw(family: &'a str, n: usize, k: usize, g: usize, seed: u64) -> ContextGame<'a> {
        let mut rng = StdRng::seed_from_u64(derived_seed(
            seed,
            &format!("contexts {family} n={n} k={k} game={g}"),
        ));
        let (rows, sigma) = relabelled_rows(&mut rng, k);
        ContextGame {
            family,
            n,
            k,
            g,
            rows,
            sigma,
        }
    }

    /// The shard's points of one split: coalition 0 copies coalition 1 by
    /// position, by role (where a role-matched run exists) and translated,
    /// against each opponent.
    #[allow(clippy::too_many_arguments, reason = "the split's coordinates")]
    fn split(
        &self,
        m2: usize,
        h1: usize,
        g1: usize,
        kinds: &[OpponentKind],
        seed: u64,
        cursor: &mut Cursor,
        points: &mut Vec<Point>,
    ) -> Result<()> {
        let (family, n, k, g) = (self.family, self.n, self.k, self.g);
        let m1 = n - m2;
        let runs = role_runs(m1, m2, h1, g1);
        let kept = if runs > 0 { 3 } else { 2 };
        if !cursor.any(kept * opponent_count(kinds)) {
            return Ok(());
        }
        // Coalition 0: role 0 then role 1; coalition 1 likewise.
        let roles: Vec<usize> = (0..m1)
            .map(|i| usize::from(i >= m1 - h1))
            .chain((0..m2).map(|i| usize::from(i >= m2 - g1)))
            .collect();
        let game = match family {
            "proportional" => Game::RoleProportional {
                roles: roles.clone(),
                weights: self.rows.clone(),
            },
            _ => Game::RoleCongestion {
                roles: roles.clone(),
                values: self.rows.clone(),
            },
        };
        let translate = vec![(0..k).collect::<Vec<_>>(), self.sigma.clone()];
        let copies = [
            (Policy::copy(vec![1], 0), None),
            (
                Policy::Copy {
                    of: vec![1],
                    rest_action: 0,
                    by: CopyMatch::Role,
                    translate: None,
                },
                (runs > 0).then_some(Bound::Theorem2 { copies: runs }),
            ),
            (
                Policy::Copy {
                    of: vec![1],
                    rest_action: 0,
                    by: CopyMatch::Order,
                    translate: Some(translate),
                },
                // Congestion counts raw actions across roles: not
                // symmetric in canonical actions, no bound.
                (family == "proportional").then_some(Bound::Theorem2 { copies: m1 / m2 }),
            ),
        ];
        for (c, (copy, bound)) in copies.into_iter().enumerate() {
            if c == 1 && runs == 0 {
                continue; // no role-matched run exists
            }
            let key = format!(
                "{} {family} n={n} k={k} game={g} m2={m2} roles1={h1}+{g1}",
                CONTEXT_COPIES[c]
            );
            for (label, policy) in opponents(kinds, m2, k, seed, &key, cursor) {
                let worst = policy.is_none();
                let problem = Problem::new_with_roles(
                    n,
                    k,
                    Some(roles.clone()),
                    game.clone(),
                    vec![
                        Coalition::new((0..m1).collect(), copy.clone()),
                        Coalition::new((m1..n).collect(), policy.unwrap_or(Policy::Uniform)),
                    ],
                )
                .map_err(|e| Error::spec("contexts", format!("{key}: {e}")))?;
                let mut p = point(
                    CONTEXT_COPIES[c],
                    key.clone(),
                    label,
                    g,
                    problem,
                    worst,
                    Bound::Theorem2 { copies: 1 },
                );
                p.bound = bound;
                points.push(p);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The closed form counts exactly the splits and copies that are built.
    #[test]
    fn points_per_game_counts_what_is_built() {
        for n in 3..=12 {
            let built: u64 = (1..=n / 2)
                .flat_map(|m2| splits(n, m2).map(move |(h1, g1)| (m2, h1, g1)))
                .map(|(m2, h1, g1)| {
                    if role_runs(n - m2, m2, h1, g1) > 0 {
                        3
                    } else {
                        2
                    }
                })
                .sum();
            assert_eq!(points_per_game(n), built, "n = {n}");
        }
    }
}
