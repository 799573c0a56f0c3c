//! `sweep grid SWEEP.json`: a general grid of evaluations. The file gives the
//! axes (players, actions, games, and per coalition a size and a list of
//! policies); the grid is their product. `examples/grids/copy-grid.json` is a
//! complete example and the README documents every key.

use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::Value;

use super::presets::derived_seed;
use super::{Bound, Opponent, Point, PointBudget};
use crate::error::{Error, Result};
use crate::generate::{random_game, random_joint, random_marginals};
use crate::policy::Policy;
use crate::problem::{Coalition, Problem};
use crate::spec::{array, field, number, object, parse_game, parse_policy, string, uint, uints};

/// Read and expand a grid file (README, "Sweep grids").
pub fn grid_file(path: impl AsRef<std::path::Path>) -> Result<Vec<Point>> {
    let path = path.as_ref();
    grid(&crate::json::read_file(path)?)
}

impl crate::game::Game {
    /// A game object of a spec (`{"family": …, parameters}`), parsed on its own.
    pub fn from_value(value: &Value) -> Result<crate::game::Game> {
        parse_game(value)
    }
}

/// A coalition's size rule.
#[derive(Clone, Debug)]
enum Size {
    Fixed(usize),
    Majority,
    Rest,
}

fn parse_size(v: &Value, path: &str) -> Result<Size> {
    match v.as_str() {
        Some("majority") => Ok(Size::Majority),
        Some("rest") => Ok(Size::Rest),
        Some(other) => Err(Error::spec(
            path,
            format!("unknown size {other:?}; expected a number, \"majority\" or \"rest\""),
        )),
        None => Ok(Size::Fixed(uint(v, path)?)),
    }
}

/// A game axis entry: parameters given, or `"random"` drawn per (n, k).
#[derive(Clone, Debug)]
enum GameAxis {
    Given(Value),
    Random { family: String, states: usize },
}

/// Expand the grid in `root` into points, in a fixed order.
pub fn grid(root: &Value) -> Result<Vec<Point>> {
    object(root, "(root)")?;
    let name = match root.get("name") {
        Some(v) => string(v, "name")?.to_string(),
        None => "grid".to_string(),
    };
    let seed = match root.get("seed") {
        Some(v) => uint(v, "seed")? as u64,
        None => 0,
    };
    let players = uints(field(root, "", "players")?, "players")?;
    let actions = uints(field(root, "", "actions")?, "actions")?;
    super::presets::check_actions(&actions, "actions")?;
    super::presets::check_players(&players, "players")?;
    let games: Vec<GameAxis> = array(field(root, "", "games")?, "games")?
        .iter()
        .enumerate()
        .map(|(g, v)| {
            let path = format!("games[{g}]");
            let family = string(field(v, &path, "family")?, &format!("{path}.family"))?.to_string();
            let random = ["weights", "values", "shares"]
                .iter()
                .any(|key| v.get(*key).and_then(Value::as_str) == Some("random"));
            if random {
                let states = match v.get("states") {
                    Some(s) => crate::game::check_states(
                        uint(s, &format!("{path}.states"))?,
                        &format!("{path}.states"),
                    )?,
                    None => 1,
                };
                Ok(GameAxis::Random { family, states })
            } else {
                Ok(GameAxis::Given(v.clone()))
            }
        })
        .collect::<Result<_>>()?;
    let coalitions = array(field(root, "", "coalitions")?, "coalitions")?;
    if coalitions.len() < 2 {
        return Err(Error::spec("coalitions", "needs at least two coalitions"));
    }
    let mut sizes = Vec::new();
    let mut policies: Vec<Vec<Value>> = Vec::new();
    for (j, c) in coalitions.iter().enumerate() {
        let path = format!("coalitions[{j}]");
        sizes.push(parse_size(
            field(c, &path, "size")?,
            &format!("{path}.size"),
        )?);
        let list = array(field(c, &path, "policies")?, &format!("{path}.policies"))?;
        if list.is_empty() {
            return Err(Error::spec(format!("{path}.policies"), "is empty"));
        }
        policies.push(list.clone());
    }
    let bound_kind = match root.get("bound") {
        None => "none",
        Some(v) => match string(v, "bound")? {
            b @ ("theorem1" | "theorem2" | "none") => b,
            other => {
                return Err(Error::spec(
                    "bound",
                    format!("unknown bound {other:?}; expected theorem1, theorem2 or none"),
                ))
            }
        },
    };

    // The product of every coalition's policy list, per game.
    let combos = policies
        .iter()
        .try_fold(1usize, |product, list| product.checked_mul(list.len()))
        .unwrap_or(usize::MAX);
    let mut budget = PointBudget::default();
    for &n in &players {
        for &k in &actions {
            for axis in &games {
                if let GameAxis::Random { family, states } = axis {
                    budget.take_games(1, family, n, k, *states)?;
                }
                budget.take(combos, n, k)?;
            }
        }
    }
    let mut points = Vec::new();
    for &n in &players {
        for &k in &actions {
            let sizes = resolve_sizes(&sizes, n)?;
            for (g, axis) in games.iter().enumerate() {
                let (game, family) = match axis {
                    GameAxis::Given(v) => {
                        let game = parse_game(v)
                            .map_err(|e| Error::spec(format!("games[{g}]"), e.to_string()))?;
                        let family = game.family().to_string();
                        (game, family)
                    }
                    GameAxis::Random { family, states } => {
                        let mut rng = StdRng::seed_from_u64(derived_seed(
                            seed,
                            &format!("{name} n={n} k={k} game={g}"),
                        ));
                        let game = random_game(&mut rng, family, n, k, *states)
                            .map_err(|e| Error::spec(format!("games[{g}]"), e.to_string()))?;
                        (game, family.clone())
                    }
                };
                // Validated once; every point of this game shares it.
                let base = Problem::new(
                    n,
                    k,
                    game,
                    vec![Coalition::new((0..n).collect(), Policy::Uniform)],
                )
                .map_err(|e| {
                    Error::spec(format!("games[{g}]"), format!("n = {n}, k = {k}: {e}"))
                })?;
                for combo in 0..combos {
                    let mut rest = combo;
                    let choice: Vec<usize> = policies
                        .iter()
                        .map(|list| {
                            let c = rest % list.len();
                            rest /= list.len();
                            c
                        })
                        .collect();
                    let labels: Vec<String> = choice
                        .iter()
                        .enumerate()
                        .map(|(j, &c)| {
                            let kind = policies[j][c]
                                .get("kind")
                                .and_then(Value::as_str)
                                .unwrap_or("?");
                            format!("{kind}#{c}")
                        })
                        .collect();
                    let key = format!(
                        "{name} n={n} k={k} game={g}({family}) policies={}",
                        labels.join("/")
                    );
                    let mut start = 0;
                    let mut members_of = Vec::new();
                    for &s in &sizes {
                        members_of.push((start..start + s).collect::<Vec<usize>>());
                        start += s;
                    }
                    let mut worst = false;
                    let mut built = Vec::new();
                    for (j, &c) in choice.iter().enumerate() {
                        let path = format!("coalitions[{j}].policies[{c}]");
                        let template = &policies[j][c];
                        let mut rng = StdRng::seed_from_u64(derived_seed(
                            seed,
                            &format!("{key} coalition={j}"),
                        ));
                        let policy = match policy_template(
                            template,
                            &path,
                            members_of[j].len(),
                            k,
                            &mut rng,
                        )? {
                            Some(p) => p,
                            None if j == 1 => {
                                worst = true;
                                Policy::Uniform
                            }
                            None => {
                                return Err(Error::spec(
                                    path,
                                    "\"worst\" is only for coalition 1 (the opponents)",
                                ))
                            }
                        };
                        built.push(Coalition::new(members_of[j].clone(), policy));
                    }
                    let problem = base
                        .with_coalitions(built)
                        .map_err(|e| Error::spec(format!("grid point {key}"), e.to_string()))?;
                    let bound = match bound_kind {
                        "theorem1" => Some(Bound::Theorem1 { actions: k }),
                        "theorem2" => {
                            let others = n - sizes[0];
                            Some(Bound::Theorem2 {
                                copies: sizes[0] / others.max(1),
                            })
                        }
                        _ => None,
                    };
                    points.push(Point {
                        key,
                        sweep: name.clone(),
                        opponent_label: labels[1].clone(),
                        game: g,
                        problem,
                        opponent: if worst {
                            Opponent::Worst
                        } else {
                            Opponent::Given
                        },
                        bound,
                    });
                }
            }
        }
    }
    Ok(points)
}

fn resolve_sizes(rules: &[Size], n: usize) -> Result<Vec<usize>> {
    let mut sizes: Vec<Option<usize>> = rules
        .iter()
        .map(|r| match r {
            Size::Fixed(s) => Some(*s),
            Size::Majority => Some(n / 2 + 1),
            Size::Rest => None,
        })
        .collect();
    let fixed: usize = sizes.iter().flatten().sum();
    let rest = sizes.iter().filter(|s| s.is_none()).count();
    if rest > 1 {
        return Err(Error::spec(
            "coalitions",
            "at most one coalition may have size \"rest\"",
        ));
    }
    if fixed > n || (rest == 0 && fixed != n) || (rest == 1 && fixed == n) {
        return Err(Error::spec(
            "coalitions",
            format!("the sizes do not partition n = {n} players (fixed sizes add up to {fixed})"),
        ));
    }
    for s in sizes.iter_mut() {
        s.get_or_insert(n - fixed);
    }
    let sizes: Vec<usize> = sizes.into_iter().flatten().collect();
    if sizes.contains(&0) {
        return Err(Error::spec(
            "coalitions",
            format!("a coalition would be empty at n = {n}"),
        ));
    }
    Ok(sizes)
}

/// A policy from a grid template for `size` members; `None` for `worst`.
fn policy_template(
    v: &Value,
    path: &str,
    size: usize,
    k: usize,
    rng: &mut StdRng,
) -> Result<Option<Policy>> {
    let kind = string(field(v, path, "kind")?, &format!("{path}.kind"))?;
    Ok(Some(match kind {
        "worst" => return Ok(None),
        "random" => {
            if size > 1 && rand::Rng::random_bool(rng, 0.5) {
                random_joint(rng, size, k)
            } else {
                Policy::Independent {
                    marginals: random_marginals(rng, size, k),
                }
            }
        }
        "pure" if v.get("action").is_some() => {
            let a = uint(field(v, path, "action")?, &format!("{path}.action"))?;
            Policy::Pure {
                actions: vec![a; size],
            }
        }
        "independent" if v.get("marginal").is_some() => {
            let marginal: Vec<f64> =
                array(field(v, path, "marginal")?, &format!("{path}.marginal"))?
                    .iter()
                    .enumerate()
                    .map(|(i, x)| number(x, &format!("{path}.marginal[{i}]")))
                    .collect::<Result<_>>()?;
            Policy::Independent {
                marginals: vec![marginal; size],
            }
        }
        _ => parse_policy(v, path, size, k)?,
    }))
}
