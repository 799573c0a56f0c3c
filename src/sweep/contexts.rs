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
use super::{Bound, Point, PointBudget};
use crate::error::{Error, Result};
use crate::game::Game;
use crate::policy::{CopyMatch, Policy};
use crate::problem::{Coalition, Problem};

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

/// The preset's points: `families` of `proportional` and `congestion`;
/// players n ≥ 3 and actions k ≥ 2.
pub fn contexts(
    families: &[String],
    players: &[usize],
    actions: &[usize],
    games: usize,
    kinds: &[OpponentKind],
    seed: u64,
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
    let mut budget = PointBudget::default();
    for family in families {
        if !["proportional", "congestion"].contains(&family.as_str()) {
            return Err(Error::usage(
                "family",
                format!("{family:?} has no role-dependent form (proportional, congestion)"),
            ));
        }
        for &n in players {
            for &k in actions {
                budget.take_games(games, family, n, k, 2)?;
                // Splits: Σ_{m2} (m2 + 1)(n − m2 + 1) ≤ n³, three copies each.
                let splits = n.saturating_pow(3);
                budget.take(
                    games
                        .saturating_mul(3 * splits)
                        .saturating_mul(opponent_count(kinds)),
                    n,
                    k,
                )?;
            }
        }
    }
    let mut points = Vec::new();
    for family in families {
        for &n in players {
            for &k in actions {
                for g in 0..games {
                    let mut rng = StdRng::seed_from_u64(derived_seed(
                        seed,
                        &format!("contexts {family} n={n} k={k} game={g}"),
                    ));
                    let (rows, sigma) = relabelled_rows(&mut rng, k);
                    let translate = vec![(0..k).collect::<Vec<_>>(), sigma];
                    for m2 in 1..=n / 2 {
                        let m1 = n - m2;
                        for g1 in 0..=m2 {
                            for h1 in 0..=m1 {
                                if g1 + h1 == 0 || g1 + h1 == n {
                                    continue; // one role: Theorem 2's own sweep
                                }
                                // Coalition 0: role 0 then role 1; coalition 1 likewise.
                                let roles: Vec<usize> = (0..m1)
                                    .map(|i| usize::from(i >= m1 - h1))
                                    .chain((0..m2).map(|i| usize::from(i >= m2 - g1)))
                                    .collect();
                                let game = match family.as_str() {
                                    "proportional" => Game::RoleProportional {
                                        roles: roles.clone(),
                                        weights: rows.clone(),
                                    },
                                    _ => Game::RoleCongestion {
                                        roles: roles.clone(),
                                        values: rows.clone(),
                                    },
                                };
                                let role_runs = [(m1 - h1, m2 - g1), (h1, g1)]
                                    .iter()
                                    .filter(|(_, group)| *group > 0)
                                    .map(|(copiers, group)| copiers / group)
                                    .min()
                                    .unwrap_or(0);
                                let copies = [
                                    (Policy::copy(vec![1], 0), None),
                                    (
                                        Policy::Copy {
                                            of: vec![1],
                                            rest_action: 0,
                                            by: CopyMatch::Role,
                                            translate: None,
                                        },
                                        (role_runs > 0)
                                            .then_some(Bound::Theorem2 { copies: role_runs }),
                                    ),
                                    (
                                        Policy::Copy {
                                            of: vec![1],
                                            rest_action: 0,
                                            by: CopyMatch::Order,
                                            translate: Some(translate.clone()),
                                        },
                                        // Congestion counts raw actions across roles: not
                                        // symmetric in canonical actions, no bound.
                                        (family == "proportional")
                                            .then_some(Bound::Theorem2 { copies: m1 / m2 }),
                                    ),
                                ];
                                for (c, (copy, bound)) in copies.into_iter().enumerate() {
                                    if c == 1 && role_runs == 0 {
                                        continue; // no role-matched run exists
                                    }
                                    let key = format!(
                                        "{} {family} n={n} k={k} game={g} m2={m2} roles1={h1}+{g1}",
                                        CONTEXT_COPIES[c]
                                    );
                                    for (label, policy) in opponents(kinds, m2, k, seed, &key) {
                                        let worst = policy.is_none();
                                        let problem = Problem::new_with_roles(
                                            n,
                                            k,
                                            Some(roles.clone()),
                                            game.clone(),
                                            vec![
                                                Coalition::new((0..m1).collect(), copy.clone()),
                                                Coalition::new(
                                                    (m1..n).collect(),
                                                    policy.unwrap_or(Policy::Uniform),
                                                ),
                                            ],
                                        )
                                        .map_err(|e| {
                                            Error::spec("contexts", format!("{key}: {e}"))
                                        })?;
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
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(points)
}
