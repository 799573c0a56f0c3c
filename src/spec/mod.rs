//! The JSON spec format (README, "Spec format"): parsing with errors that
//! name the JSON path of the offending value.

pub(crate) mod generate;
pub(crate) mod json;

use std::cell::Cell;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::game::Game;
use crate::model::policy::{Block, CopyMatch, Policy};
use crate::model::problem::{validate_distribution, Coalition, Problem};

/// Read and validate a spec file.
pub(crate) fn load_spec(path: &std::path::Path) -> Result<Problem> {
    parse_value(&crate::spec::json::read_file(path)?)
}

/// Parse and validate a spec from JSON text.
pub(crate) fn parse_spec(text: &str) -> Result<Problem> {
    parse_value(&crate::spec::json::parse_json(text)?)
}

/// Build a problem from an already parsed JSON value.
pub(crate) fn parse_value(root: &Value) -> Result<Problem> {
    object(root, "(root)")?;
    let players = uint(field(root, "", "players")?, "players")?;
    let actions = uint(field(root, "", "actions")?, "actions")?;
    let list = array(field(root, "", "coalitions")?, "coalitions")?;
    let ranges = Ranges::new(Some(players));
    let roles = match root.get("roles") {
        Some(r) => Some(uints(r, "roles")?),
        None => None,
    };
    // The members first (ranges bounded as they are read): role-indexed
    // parameters default to everyone in role 0, and no more zeros than the
    // coalitions list players (the partition check refuses the rest).
    let mut members = Vec::with_capacity(list.len());
    for (j, c) in list.iter().enumerate() {
        let path = format!("coalitions[{j}]");
        members.push(ranges.members(field(c, &path, "members")?, &format!("{path}.members"))?);
    }
    let listed = members.iter().map(Vec::len).sum::<usize>();
    let default_roles = || vec![0; players.min(listed)];
    let game = parse_game_with_roles(
        field(root, "", "game")?,
        Some(roles.clone().unwrap_or_else(default_roles)),
    )?;
    let mut coalitions = Vec::with_capacity(list.len());
    for (j, (c, members)) in list.iter().zip(members).enumerate() {
        let path = format!("coalitions[{j}]");
        let policy = parse_policy_in(
            field(c, &path, "policy")?,
            &format!("{path}.policy"),
            members.len(),
            actions,
            &ranges,
        )?;
        coalitions.push(Coalition::new(members, policy));
    }
    Problem::new_with_roles(players, actions, roles, game, coalitions)
}

/// A game object without a spec's roles (`--params`, grids): role-indexed
/// parameters are refused.
pub(crate) fn parse_game(v: &Value) -> Result<Game> {
    parse_game_with_roles(v, None)
}

/// Whether `v` (a family's parameters) is role-indexed, `[x][role][a]`:
/// its first state's first row is itself a list.
fn role_indexed(v: &Value) -> bool {
    v.get(0)
        .and_then(|state| state.get(0))
        .is_some_and(Value::is_array)
}

/// Role-indexed parameters, `[x][role][a]`.
type RoleParams = Vec<Vec<Vec<f64>>>;

/// A game object; `roles` are the spec's (role-indexed parameters need them).
fn parse_game_with_roles(v: &Value, roles: Option<Vec<usize>>) -> Result<Game> {
    let family = string(field(v, "game", "family")?, "game.family")?;
    let by_role = |key: &str| -> Result<Option<(Vec<usize>, RoleParams)>> {
        let params = field(v, "game", key)?;
        if !role_indexed(params) {
            return Ok(None);
        }
        let path = format!("game.{key}");
        let roles = roles.clone().ok_or_else(|| {
            Error::spec(
                &path,
                "role-indexed parameters ([state][role][action]) need a spec's \"roles\"",
            )
        })?;
        Ok(Some((roles, cube(params, &path)?)))
    };
    Ok(match family {
        "plurality" => Game::Plurality,
        "proportional" => match by_role("weights")? {
            Some((roles, weights)) => Game::RoleProportional { roles, weights },
            None => Game::Proportional {
                weights: matrix(field(v, "game", "weights")?, "game.weights")?,
            },
        },
        "congestion" => match by_role("values")? {
            Some((roles, values)) => Game::RoleCongestion { roles, values },
            None => Game::Congestion {
                values: matrix(field(v, "game", "values")?, "game.values")?,
            },
        },
        "anonymous" => Game::Anonymous {
            weights: cube(field(v, "game", "weights")?, "game.weights")?,
        },
        "table" => Game::Table {
            shares: cube(field(v, "game", "shares")?, "game.shares")?,
        },
        other => {
            return Err(Error::spec(
                "game.family",
                format!("unknown family {other:?}; expected one of plurality, proportional, congestion, anonymous, table"),
            ))
        }
    })
}

/// A policy object for `size` members (a grid's: its blocks' member ranges
/// are bounded only by [`MAX_RANGE_MEMBERS`]).
pub(crate) fn parse_policy(v: &Value, path: &str, size: usize, actions: usize) -> Result<Policy> {
    parse_policy_in(v, path, size, actions, &Ranges::new(None))
}

/// A policy object; `ranges` bounds its blocks' member ranges.
fn parse_policy_in(
    v: &Value,
    path: &str,
    size: usize,
    actions: usize,
    ranges: &Ranges,
) -> Result<Policy> {
    let kind = string(field(v, path, "kind")?, &format!("{path}.kind"))?;
    let at = |key: &str| format!("{path}.{key}");
    Ok(match kind {
        "pure" => Policy::Pure {
            actions: uints(field(v, path, "actions")?, &at("actions"))?,
        },
        "uniform" => Policy::Uniform,
        "independent" => Policy::Independent {
            marginals: parse_marginals(v, path, size, actions)?,
        },
        "common" => Policy::Common {
            dist: match v.get("dist") {
                Some(d) => Some(numbers(d, &at("dist"))?),
                None => None,
            },
        },
        "joint" => Policy::Joint {
            support: parse_support(v, path, "actions")?,
        },
        "counts" => Policy::Counts {
            support: parse_support(v, path, "counts")?,
        },
        "copy" => parse_copy(v, path)?,
        "blocks" => parse_blocks(v, path, actions, ranges)?,
        other => {
            return Err(Error::spec(
                at("kind"),
                format!("unknown policy kind {other:?}; expected one of pure, uniform, independent, common, joint, counts, copy, blocks"),
            ))
        }
    })
}

/// An `independent` policy's marginals: `"marginals"`, one per member, or
/// `"marginal"`, one shared by all `size` members (checked here, as it is
/// copied before validation could name it).
fn parse_marginals(v: &Value, path: &str, size: usize, actions: usize) -> Result<Vec<Vec<f64>>> {
    let at = |key: &str| format!("{path}.{key}");
    Ok(match (v.get("marginals"), v.get("marginal")) {
        (Some(m), None) => matrix(m, &at("marginals"))?,
        (None, Some(m)) => {
            let shared = numbers(m, &at("marginal"))?;
            validate_distribution(&shared, actions, &at("marginal"))?;
            vec![shared; size]
        }
        (Some(_), Some(_)) => {
            return Err(Error::spec(path, "give either \"marginals\" or \"marginal\", not both"))
        }
        (None, None) => {
            return Err(Error::spec(
                path,
                "missing key \"marginals\" (one distribution per member) or \"marginal\" (one shared by all)",
            ))
        }
    })
}

/// A `joint` or `counts` policy's support: entries of `key` (the actions or
/// the counts) with a probability `p`.
fn parse_support(v: &Value, path: &str, key: &str) -> Result<Vec<(Vec<usize>, f64)>> {
    let entries = array(field(v, path, "support")?, &format!("{path}.support"))?;
    let mut support = Vec::with_capacity(entries.len());
    for (s, e) in entries.iter().enumerate() {
        let ep = format!("{path}.support[{s}]");
        let values = uints(field(e, &ep, key)?, &format!("{ep}.{key}"))?;
        let p = number(field(e, &ep, "p")?, &format!("{ep}.p"))?;
        support.push((values, p));
    }
    Ok(support)
}

/// A `copy` policy: the copied coalition(s) `of` (one index or a list),
/// `rest_action` (0 by default), `match` (order by default) and the
/// optional `translate` rows.
fn parse_copy(v: &Value, path: &str) -> Result<Policy> {
    let at = |key: &str| format!("{path}.{key}");
    let of_value = field(v, path, "of")?;
    let of = if of_value.is_array() {
        uints(of_value, &at("of"))?
    } else {
        vec![uint(of_value, &at("of"))?]
    };
    let rest_action = match v.get("rest_action") {
        Some(r) => uint(r, &at("rest_action"))?,
        None => 0,
    };
    let by = match v
        .get("match")
        .map(|m| string(m, &at("match")))
        .transpose()?
    {
        None | Some("order") => CopyMatch::Order,
        Some("role") => CopyMatch::Role,
        Some(other) => {
            return Err(Error::spec(
                at("match"),
                format!("unknown match {other:?}; expected \"order\" or \"role\""),
            ))
        }
    };
    let translate = match v.get("translate") {
        Some(t) => Some(
            array(t, &at("translate"))?
                .iter()
                .enumerate()
                .map(|(r, row)| uints(row, &format!("{path}.translate[{r}]")))
                .collect::<Result<Vec<_>>>()?,
        ),
        None => None,
    };
    Ok(Policy::Copy {
        of,
        rest_action,
        by,
        translate,
    })
}

/// A `blocks` policy: each block's members and its own policy, parsed for
/// that many members.
fn parse_blocks(v: &Value, path: &str, actions: usize, ranges: &Ranges) -> Result<Policy> {
    let entries = array(field(v, path, "blocks")?, &format!("{path}.blocks"))?;
    let mut blocks = Vec::with_capacity(entries.len());
    for (b, e) in entries.iter().enumerate() {
        let bp = format!("{path}.blocks[{b}]");
        let members = ranges.members(field(e, &bp, "members")?, &format!("{bp}.members"))?;
        let policy = parse_policy_in(
            field(e, &bp, "policy")?,
            &format!("{bp}.policy"),
            members.len(),
            actions,
            ranges,
        )?;
        blocks.push(Block { members, policy });
    }
    Ok(Policy::Blocks { blocks })
}

/// Players that member ranges may stand for in one spec, in all: as many
/// values as the input could hold written out ([`MAX_INPUT_VALUES`]), so a
/// range makes nothing larger than a spec of lists could be. Checked before
/// a range's list is built.
///
/// [`MAX_INPUT_VALUES`]: crate::MAX_INPUT_VALUES
pub(crate) const MAX_RANGE_MEMBERS: u64 = crate::spec::json::MAX_INPUT_VALUES;

/// The bounds of a spec's member ranges: `0..players` (where the spec's
/// players are known) and what is left of [`MAX_RANGE_MEMBERS`].
struct Ranges {
    players: Option<usize>,
    left: Cell<u64>,
}

impl Ranges {
    fn new(players: Option<usize>) -> Ranges {
        Ranges {
            players,
            left: Cell::new(MAX_RANGE_MEMBERS),
        }
    }

    /// A list of players: an array of indices, or a range string
    /// `"a..b"` (end exclusive) or `"a..=b"` (end inclusive).
    fn members(&self, v: &Value, path: &str) -> Result<Vec<usize>> {
        let Some(text) = v.as_str() else {
            return uints(v, path);
        };
        let (start, end) = parse_range(text).map_err(|message| Error::spec(path, message))?;
        if let Some(players) = self.players {
            if end > players as u64 {
                return Err(Error::spec(
                    path,
                    format!(
                        "{text:?} reaches player {}, outside 0..{players} (the spec's \"players\" is {players})",
                        end - 1
                    ),
                ));
            }
        }
        let len = end - start;
        if len > self.left.get() {
            return Err(Error::spec(
                path,
                format!(
                    "{text:?} stands for {len} players, beyond the {MAX_RANGE_MEMBERS} that a spec's                      member ranges may stand for in all"
                ),
            ));
        }
        self.left.set(self.left.get() - len);
        // Both bounds are now below MAX_RANGE_MEMBERS or `players`, a usize.
        (start..end)
            .map(|i| usize::try_from(i).map_err(|_| Error::spec(path, "does not fit this machine")))
            .collect()
    }
}

/// A range string's bounds as `start..end` (end exclusive), or what is
/// wrong with it: not of the form, a bound too large, reversed or empty.
fn parse_range(text: &str) -> std::result::Result<(u64, u64), String> {
    let form = || {
        format!(
            "expected a list of players or a range \"a..b\" (end exclusive) or \"a..=b\" \
             (end inclusive) of non-negative integers, got {text:?}"
        )
    };
    let (a, rest) = text.split_once("..").ok_or_else(form)?;
    let (b, inclusive) = match rest.strip_prefix('=') {
        Some(b) => (b, true),
        None => (rest, false),
    };
    let bound = |s: &str| -> std::result::Result<u64, String> {
        if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
            return Err(form());
        }
        s.parse::<u64>()
            .map_err(|_| format!("{text:?}: bound {s} overflows (at most {})", u64::MAX))
    };
    let (start, last) = (bound(a)?, bound(b)?);
    let end = if inclusive {
        last.checked_add(1)
            .ok_or_else(|| format!("{text:?}: end {last} + 1 overflows"))?
    } else {
        last
    };
    if start > last {
        return Err(format!(
            "{text:?} is reversed: start {start} is past end {last}"
        ));
    }
    if start == end {
        return Err(format!("{text:?} is empty: it holds no player"));
    }
    Ok((start, end))
}

/// A note for a range string where something other than members is
/// expected: ranges stand only for lists of players.
fn range_note(v: &Value) -> &'static str {
    match v.as_str() {
        Some(s) if s.contains("..") => {
            " (a range \"a..b\" stands only for a list of players: coalitions' and blocks' \"members\")"
        }
        _ => "",
    }
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

pub(crate) fn object<'a>(v: &'a Value, path: &str) -> Result<&'a serde_json::Map<String, Value>> {
    v.as_object()
        .ok_or_else(|| Error::spec(path, format!("expected an object, got {}", describe(v))))
}

pub(crate) fn field<'a>(v: &'a Value, parent: &str, key: &str) -> Result<&'a Value> {
    let shown = if parent.is_empty() { "(root)" } else { parent };
    object(v, shown)?
        .get(key)
        .ok_or_else(|| Error::spec(join(parent, key), "missing"))
}

fn describe(v: &Value) -> String {
    let text = v.to_string();
    let short: String = text.chars().take(40).collect();
    if short.len() < text.len() {
        format!("{short}…")
    } else {
        short
    }
}

pub(crate) fn string<'a>(v: &'a Value, path: &str) -> Result<&'a str> {
    v.as_str()
        .ok_or_else(|| Error::spec(path, format!("expected a string, got {}", describe(v))))
}

pub(crate) fn uint(v: &Value, path: &str) -> Result<usize> {
    v.as_u64()
        .and_then(|u| usize::try_from(u).ok())
        .ok_or_else(|| {
            Error::spec(
                path,
                format!(
                    "expected a non-negative integer, got {}{}",
                    describe(v),
                    range_note(v)
                ),
            )
        })
}

pub(crate) fn number(v: &Value, path: &str) -> Result<f64> {
    v.as_f64()
        .ok_or_else(|| Error::spec(path, format!("expected a number, got {}", describe(v))))
}

pub(crate) fn array<'a>(v: &'a Value, path: &str) -> Result<&'a Vec<Value>> {
    v.as_array().ok_or_else(|| {
        Error::spec(
            path,
            format!("expected an array, got {}{}", describe(v), range_note(v)),
        )
    })
}

pub(crate) fn uints(v: &Value, path: &str) -> Result<Vec<usize>> {
    array(v, path)?
        .iter()
        .enumerate()
        .map(|(i, e)| uint(e, &format!("{path}[{i}]")))
        .collect()
}

fn numbers(v: &Value, path: &str) -> Result<Vec<f64>> {
    array(v, path)?
        .iter()
        .enumerate()
        .map(|(i, e)| number(e, &format!("{path}[{i}]")))
        .collect()
}

fn matrix(v: &Value, path: &str) -> Result<Vec<Vec<f64>>> {
    array(v, path)?
        .iter()
        .enumerate()
        .map(|(i, e)| numbers(e, &format!("{path}[{i}]")))
        .collect()
}

fn cube(v: &Value, path: &str) -> Result<Vec<Vec<Vec<f64>>>> {
    array(v, path)?
        .iter()
        .enumerate()
        .map(|(i, e)| matrix(e, &format!("{path}[{i}]")))
        .collect()
}

/// Write a problem back as a spec (JSON value) that [`parse_value`] accepts.
pub(crate) fn to_value(problem: &Problem) -> Value {
    use serde_json::json;
    let game = match problem.game() {
        Game::Plurality => json!({ "family": "plurality" }),
        Game::Proportional { weights } => json!({ "family": "proportional", "weights": weights }),
        Game::Congestion { values } => json!({ "family": "congestion", "values": values }),
        Game::Anonymous { weights } => json!({ "family": "anonymous", "weights": weights }),
        Game::Table { shares } => json!({ "family": "table", "shares": shares }),
        Game::RoleProportional { weights, .. } => {
            json!({ "family": "proportional", "weights": weights })
        }
        Game::RoleCongestion { values, .. } => json!({ "family": "congestion", "values": values }),
    };
    let mut spec = json!({
        "players": problem.players(),
        "actions": problem.actions(),
        "game": game,
        "coalitions": problem.coalitions().iter()
            .map(|c| json!({ "members": c.members, "policy": policy_to_value(&c.policy) }))
            .collect::<Vec<_>>(),
    });
    // Any role other than 0 is written, even when every player has it (a
    // single role 1 read back as the default 0 would change the problem).
    if problem.roles().iter().any(|&r| r != 0) || problem.game().roles().is_some() {
        spec["roles"] = json!(problem.roles());
    }
    spec
}

/// A policy as a spec's `"policy"` object.
pub(crate) fn policy_to_value(p: &Policy) -> Value {
    use serde_json::json;
    match p {
        Policy::Pure { actions } => json!({ "kind": "pure", "actions": actions }),
        Policy::Uniform => json!({ "kind": "uniform" }),
        Policy::Independent { marginals } => {
            json!({ "kind": "independent", "marginals": marginals })
        }
        Policy::Common { dist: Some(d) } => json!({ "kind": "common", "dist": d }),
        Policy::Common { dist: None } => json!({ "kind": "common" }),
        Policy::Joint { support } => json!({ "kind": "joint", "support": support.iter()
            .map(|(a, p)| json!({ "actions": a, "p": p })).collect::<Vec<_>>() }),
        Policy::Counts { support } => json!({ "kind": "counts", "support": support.iter()
            .map(|(c, p)| json!({ "counts": c, "p": p })).collect::<Vec<_>>() }),
        Policy::Copy {
            of,
            rest_action,
            by,
            translate,
        } => {
            let mut copy = json!({ "kind": "copy", "of": of, "rest_action": rest_action });
            if *by == CopyMatch::Role {
                copy["match"] = json!("role");
            }
            if let Some(t) = translate {
                copy["translate"] = json!(t);
            }
            copy
        }
        Policy::Blocks { blocks } => json!({ "kind": "blocks", "blocks": blocks.iter()
            .map(|b| json!({ "members": b.members, "policy": policy_to_value(&b.policy) })).collect::<Vec<_>>() }),
    }
}

impl Problem {
    /// Parse and validate a spec from JSON text (README, "Spec format");
    /// errors name the JSON path of the offending value.
    ///
    /// ```
    /// let problem = unitsum_gpu::Problem::from_json(r#"{ "players": 3, "actions": 2,
    ///   "game": { "family": "plurality" },
    ///   "coalitions": [ { "members": [0, 1], "policy": { "kind": "common" } },
    ///                   { "members": [2], "policy": { "kind": "uniform" } } ] }"#)?;
    /// assert_eq!(problem.players(), 3);
    /// // Writing it back gives a spec that parses to the same problem.
    /// assert_eq!(unitsum_gpu::Problem::from_json(&problem.to_json())?, problem);
    /// # Ok::<(), unitsum_gpu::Error>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Problem> {
        parse_spec(text)
    }

    /// Read and validate a spec file.
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<Problem> {
        load_spec(path.as_ref())
    }

    /// Build a problem from an already parsed JSON value of the spec format.
    pub fn from_value(value: &Value) -> Result<Problem> {
        parse_value(value)
    }

    /// The problem as a spec (JSON value) that [`Problem::from_value`] accepts.
    pub fn to_value(&self) -> Value {
        to_value(self)
    }

    /// The problem as spec text (pretty JSON) that [`Problem::from_json`] accepts.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&to_value(self)).expect("a spec value serialises")
    }
}

impl Policy {
    /// The policy as a spec's `"policy"` object.
    pub fn to_value(&self) -> Value {
        policy_to_value(self)
    }
}

/// The serde form of a problem is its spec: serializing writes the spec,
/// deserializing validates it (errors carry the JSON path).
impl serde::Serialize for Problem {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        to_value(self).serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for Problem {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        parse_value(&value).map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for Policy {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        policy_to_value(self).serialize(serializer)
    }
}
