//! `sweep grid SWEEP.json`: a general grid of evaluations. The file gives the
//! axes (players, actions, games, and per coalition a size and a list of
//! policies); the grid is their product. `examples/grids/copy-grid.json` is a
//! complete example and the README documents every key.

use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::Value;

use super::presets::derived_seed;
use super::{Bound, Cursor, Opponent, Point, PointBudget, Shard};
use crate::error::{Error, Result};
use crate::model::policy::Policy;
use crate::model::problem::{Coalition, Problem};
use crate::spec::generate::{random_game, random_joint, random_marginals};
use crate::spec::{array, field, number, object, parse_game, parse_policy, string, uint, uints};

/// Read and expand a grid file (README, "Sweep grids"): `shard`'s points.
pub fn grid_file(path: impl AsRef<std::path::Path>, shard: Shard) -> Result<Vec<Point>> {
    let path = path.as_ref();
    grid(&crate::spec::json::read_file(path)?, shard)
}

impl crate::model::game::Game {
    /// A game object of a spec (`{"family": …, parameters}`), parsed on its own.
    pub fn from_value(value: &Value) -> Result<crate::model::game::Game> {
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

/// A parsed grid file: its axes, before anything is drawn.
struct Grid {
    name: String,
    seed: u64,
    players: Vec<usize>,
    actions: Vec<usize>,
    games: Vec<GameAxis>,
    sizes: Vec<Size>,
    policies: Vec<Vec<Value>>,
    bound: &'static str,
}

/// Expand the grid in `root` into `shard`'s points, in a fixed order (the
/// point limits count them).
pub fn grid(root: &Value, shard: Shard) -> Result<Vec<Point>> {
    let grid = Grid::parse(root)?;
    let combos = grid.combos();
    let mut budget = PointBudget::new(shard);
    for &n in &grid.players {
        for &k in &grid.actions {
            for axis in &grid.games {
                match axis {
                    GameAxis::Random { family, states } => {
                        budget.take_games(1, family, n, k, *states, combos)?
                    }
                    GameAxis::Given(_) => budget.take(combos, n, k)?,
                }
            }
        }
    }
    let mut points = Vec::new();
    let mut cursor = Cursor::new(shard);
    for &n in &grid.players {
        for &k in &grid.actions {
            let sizes = resolve_sizes(&grid.sizes, n)?;
            // Every template once, so that a bad one is refused whatever the shard.
            grid.check_templates(&sizes, k)?;
            for (g, axis) in grid.games.iter().enumerate() {
                // A given game is parsed whatever the shard (its errors are
                // the grid's); a random one is drawn only for the shard.
                let given = match axis {
                    GameAxis::Given(v) => Some(
                        parse_game(v)
                            .map_err(|e| Error::spec(format!("games[{g}]"), e.to_string()))?,
                    ),
                    GameAxis::Random { .. } => None,
                };
                if !cursor.any(combos) {
                    continue;
                }
                let (game, family) = match (given, axis) {
                    (Some(game), _) => {
                        let family = game.family().to_string();
                        (game, family)
                    }
                    (None, GameAxis::Random { family, states }) => {
                        let mut rng = StdRng::seed_from_u64(derived_seed(
                            grid.seed,
                            &format!("{} n={n} k={k} game={g}", grid.name),
                        ));
                        let game = random_game(&mut rng, family, n, k, *states)
                            .map_err(|e| Error::spec(format!("games[{g}]"), e.to_string()))?;
                        (game, family.clone())
                    }
                    (None, GameAxis::Given(_)) => unreachable!("parsed above"),
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
                    if cursor.take() {
                        points.push(grid.point(&base, &family, g, &sizes, combo)?);
                    }
                }
            }
        }
    }
    Ok(points)
}

impl Grid {
    /// The axes of the grid file's `root`, each checked.
    fn parse(root: &Value) -> Result<Grid> {
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
            .map(|(g, v)| game_axis(v, &format!("games[{g}]")))
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
        let bound = match root.get("bound") {
            None => "none",
            Some(v) => match string(v, "bound")? {
                "theorem1" => "theorem1",
                "theorem2" => "theorem2",
                "none" => "none",
                other => {
                    return Err(Error::spec(
                        "bound",
                        format!("unknown bound {other:?}; expected theorem1, theorem2 or none"),
                    ))
                }
            },
        };
        Ok(Grid {
            name,
            seed,
            players,
            actions,
            games,
            sizes,
            policies,
            bound,
        })
    }

    /// Points per game: the product of every coalition's policy list.
    fn combos(&self) -> usize {
        self.policies
            .iter()
            .try_fold(1usize, |product, list| product.checked_mul(list.len()))
            .unwrap_or(usize::MAX)
    }

    /// Build every coalition's policy templates once for these sizes and k
    /// (random ones drawn from a throwaway seed): their errors.
    fn check_templates(&self, sizes: &[usize], k: usize) -> Result<()> {
        let mut rng = StdRng::seed_from_u64(0);
        for (j, list) in self.policies.iter().enumerate() {
            for (c, template) in list.iter().enumerate() {
                let path = format!("coalitions[{j}].policies[{c}]");
                if policy_template(template, &path, sizes[j], k, &mut rng)?.is_none() && j != 1 {
                    return Err(Error::spec(
                        path,
                        "\"worst\" is only for coalition 1 (the opponents)",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The point of policy combination `combo` (mixed radix over the
    /// coalitions' lists) in game `g` of `base`.
    fn point(
        &self,
        base: &Problem,
        family: &str,
        g: usize,
        sizes: &[usize],
        combo: usize,
    ) -> Result<Point> {
        let (n, k) = (base.players(), base.actions());
        let mut rest = combo;
        let choice: Vec<usize> = self
            .policies
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
                let kind = self.policies[j][c]
                    .get("kind")
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                format!("{kind}#{c}")
            })
            .collect();
        let key = format!(
            "{} n={n} k={k} game={g}({family}) policies={}",
            self.name,
            labels.join("/")
        );
        let mut start = 0;
        let mut worst = false;
        let mut built = Vec::new();
        for (j, &c) in choice.iter().enumerate() {
            let path = format!("coalitions[{j}].policies[{c}]");
            let members: Vec<usize> = (start..start + sizes[j]).collect();
            start += sizes[j];
            let mut rng =
                StdRng::seed_from_u64(derived_seed(self.seed, &format!("{key} coalition={j}")));
            let policy = match policy_template(&self.policies[j][c], &path, sizes[j], k, &mut rng)?
            {
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
            built.push(Coalition::new(members, policy));
        }
        let problem = base
            .with_coalitions(built)
            .map_err(|e| Error::spec(format!("grid point {key}"), e.to_string()))?;
        let bound = match self.bound {
            "theorem1" => Some(Bound::Theorem1 { actions: k }),
            "theorem2" => {
                let others = n - sizes[0];
                Some(Bound::Theorem2 {
                    copies: sizes[0] / others.max(1),
                })
            }
            _ => None,
        };
        Ok(Point {
            key,
            sweep: self.name.clone(),
            opponent_label: labels[1].clone(),
            game: g,
            problem,
            opponent: if worst {
                Opponent::Worst
            } else {
                Opponent::Given
            },
            bound,
        })
    }
}

/// A `games` entry: parameters given, or `"random"` with its states.
fn game_axis(v: &Value, path: &str) -> Result<GameAxis> {
    let family = string(field(v, path, "family")?, &format!("{path}.family"))?.to_string();
    let random = ["weights", "values", "shares"]
        .iter()
        .any(|key| v.get(*key).and_then(Value::as_str) == Some("random"));
    if !random {
        return Ok(GameAxis::Given(v.clone()));
    }
    let states = match v.get("states") {
        Some(s) => crate::model::game::check_states(
            uint(s, &format!("{path}.states"))?,
            &format!("{path}.states"),
        )?,
        None => 1,
    };
    Ok(GameAxis::Random { family, states })
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
