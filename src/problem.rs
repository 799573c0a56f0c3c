//! A validated problem: players, actions, a game and coalitions with policies.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::game::{Game, UNIT_SUM_TOLERANCE};
use crate::limits::MAX_ACTIONS;
use crate::policy::Policy;

/// Arrangements a `counts` policy may list in all in a game that is not
/// symmetric (each is one outcome of the enumeration).
pub const MAX_COUNTS_ARRANGEMENTS: u64 = 1 << 22;

/// A coalition: its members (player indices) and their policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Coalition {
    /// Player indices, in the order the policy refers to them.
    pub members: Vec<usize>,
    /// The coalition's policy.
    pub policy: Policy,
}

impl Coalition {
    /// A coalition of `members` playing `policy`.
    pub fn new(members: Vec<usize>, policy: Policy) -> Self {
        Coalition { members, policy }
    }
}

/// A validated unit-sum game with coalitions: everything needed to evaluate `r_j(x)`.
///
/// ```
/// use unitsum_gpu::{Coalition, Game, Policy, Problem};
/// let problem = Problem::new(3, 2, Game::Plurality, vec![
///     Coalition::new(vec![0, 1], Policy::Common { dist: None }),
///     Coalition::new(vec![2], Policy::Uniform),
/// ])?;
/// assert_eq!(problem.states(), 1);
/// # Ok::<(), unitsum_gpu::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    players: usize,
    actions: usize,
    game: Arc<Game>,
    coalitions: Vec<Coalition>,
}

/// Coalitions must partition `0..players`; errors name the offending member.
fn check_partition(players: usize, coalitions: &[Coalition]) -> Result<()> {
    if coalitions.is_empty() {
        return Err(Error::spec("coalitions", "needs at least one coalition"));
    }
    let listed: usize = coalitions.iter().map(|c| c.members.len()).sum();
    if listed != players {
        return Err(Error::spec(
            "coalitions",
            format!("the coalitions list {listed} members but players = {players}: coalitions must partition 0..{players}"),
        ));
    }
    let mut owner: Vec<Option<usize>> = vec![None; players];
    for (j, c) in coalitions.iter().enumerate() {
        if c.members.is_empty() {
            return Err(Error::spec(format!("coalitions[{j}].members"), "is empty"));
        }
        for (r, &i) in c.members.iter().enumerate() {
            let path = format!("coalitions[{j}].members[{r}]");
            if i >= players {
                return Err(Error::spec(
                    path,
                    format!("player {i} is out of range 0..{players}"),
                ));
            }
            if let Some(other) = owner[i] {
                return Err(Error::spec(
                    path,
                    format!("player {i} is already a member of coalitions[{other}]: coalitions must partition the players"),
                ));
            }
            owner[i] = Some(j);
        }
    }
    if let Some(missing) = owner.iter().position(Option::is_none) {
        return Err(Error::spec(
            "coalitions",
            format!("player {missing} is in no coalition: coalitions must partition 0..{players}"),
        ));
    }
    Ok(())
}

impl Problem {
    /// Validate and build a problem. Errors carry the JSON path a spec file
    /// would have (`coalitions[1].members[0]`, `game.weights[0][2]`, …).
    pub fn new(
        players: usize,
        actions: usize,
        game: Game,
        coalitions: Vec<Coalition>,
    ) -> Result<Problem> {
        if players == 0 {
            return Err(Error::spec("players", "must be at least 1"));
        }
        if actions == 0 || actions > MAX_ACTIONS {
            return Err(Error::spec(
                "actions",
                format!("must be between 1 and {MAX_ACTIONS}, got {actions}"),
            ));
        }
        // The partition first: a spec that lists few players must not make
        // the game's validation allocate for a huge `players`.
        check_partition(players, &coalitions)?;
        game.validate(players, actions)?;
        let base = Problem {
            players,
            actions,
            game: Arc::new(game),
            coalitions: Vec::new(),
        };
        base.with_coalitions(coalitions)
    }

    /// The same game with other coalitions (the game is shared, not copied
    /// or validated again: sweeps derive thousands of problems from one game).
    pub fn with_coalitions(&self, coalitions: Vec<Coalition>) -> Result<Problem> {
        check_partition(self.players, &coalitions)?;
        let problem = Problem {
            players: self.players,
            actions: self.actions,
            game: self.game.clone(),
            coalitions,
        };
        for (j, c) in problem.coalitions.iter().enumerate() {
            problem.validate_policy(
                j,
                &c.policy,
                &c.members,
                &format!("coalitions[{j}].policy"),
            )?;
        }
        Ok(problem)
    }

    /// The same problem with coalition `j` playing `policy` (validated again).
    pub fn with_policy(&self, j: usize, policy: crate::policy::Policy) -> Result<Problem> {
        let mut coalitions = self.coalitions.clone();
        coalitions[j].policy = policy;
        self.with_coalitions(coalitions)
    }

    /// Number of players n.
    pub fn players(&self) -> usize {
        self.players
    }
    /// Number of actions k.
    pub fn actions(&self) -> usize {
        self.actions
    }
    /// Number of states S.
    pub fn states(&self) -> usize {
        self.game.states()
    }
    /// The game.
    pub fn game(&self) -> &Game {
        &self.game
    }
    /// The coalitions, in spec order (the `j` of `r_j`).
    pub fn coalitions(&self) -> &[Coalition] {
        &self.coalitions
    }

    /// Each player's coalition index.
    pub(crate) fn coalition_of(&self) -> Vec<usize> {
        let mut of = vec![0; self.players()];
        for (j, c) in self.coalitions.iter().enumerate() {
            for &i in &c.members {
                of[i] = j;
            }
        }
        of
    }

    fn validate_policy(
        &self,
        coalition: usize,
        policy: &Policy,
        members: &[usize],
        path: &str,
    ) -> Result<()> {
        let k = self.actions;
        let size = members.len();
        let check_actions = |actions: &[usize], key: &str| -> Result<()> {
            if actions.len() != size {
                return Err(Error::spec(
                    format!("{path}.{key}"),
                    format!(
                        "has {} actions, expected one per member ({size})",
                        actions.len()
                    ),
                ));
            }
            if let Some(r) = actions.iter().position(|&a| a >= k) {
                return Err(Error::spec(
                    format!("{path}.{key}[{r}]"),
                    format!("action {} is out of range 0..{k}", actions[r]),
                ));
            }
            Ok(())
        };
        match policy {
            Policy::Pure { actions } => check_actions(actions, "actions"),
            Policy::Uniform => Ok(()),
            Policy::Independent { marginals } => {
                if marginals.len() != size {
                    return Err(Error::spec(
                        format!("{path}.marginals"),
                        format!(
                            "has {} marginals, expected one per member ({size})",
                            marginals.len()
                        ),
                    ));
                }
                for (r, m) in marginals.iter().enumerate() {
                    validate_distribution(m, k, &format!("{path}.marginals[{r}]"))?;
                }
                Ok(())
            }
            Policy::Common { dist } => match dist {
                Some(d) => validate_distribution(d, k, &format!("{path}.dist")),
                None => Ok(()),
            },
            Policy::Joint { support } => {
                if support.is_empty() {
                    return Err(Error::spec(format!("{path}.support"), "is empty"));
                }
                let mut total = 0.0;
                for (s, (actions, p)) in support.iter().enumerate() {
                    check_actions(actions, &format!("support[{s}].actions"))?;
                    validate_probability(*p, &format!("{path}.support[{s}].p"))?;
                    total += p;
                }
                check_unit_sum(total, &format!("{path}.support"))
            }
            Policy::Counts { support } => {
                if support.is_empty() {
                    return Err(Error::spec(format!("{path}.support"), "is empty"));
                }
                let mut total = 0.0;
                for (s, (counts, p)) in support.iter().enumerate() {
                    let at = format!("{path}.support[{s}].counts");
                    if counts.len() != k {
                        return Err(Error::spec(
                            at,
                            format!("has {} counts, expected one per action ({k})", counts.len()),
                        ));
                    }
                    let sum = counts.iter().try_fold(0usize, |a, &c| a.checked_add(c));
                    if sum != Some(size) {
                        return Err(Error::spec(
                            at,
                            format!(
                                "counts {} members, expected the coalition's {size}",
                                sum.map_or("too many".to_string(), |s| s.to_string())
                            ),
                        ));
                    }
                    if support[..s].iter().any(|(c, _)| c == counts) {
                        return Err(Error::spec(at, "is listed twice"));
                    }
                    validate_probability(*p, &format!("{path}.support[{s}].p"))?;
                    total += p;
                }
                check_unit_sum(total, &format!("{path}.support"))?;
                if !self.game.is_symmetric() {
                    // A game that is not symmetric enumerates every arrangement.
                    let outcomes: f64 = support
                        .iter()
                        .map(|(c, _)| crate::policy::arrangements(c))
                        .sum();
                    if outcomes > MAX_COUNTS_ARRANGEMENTS as f64 {
                        return Err(Error::too_large(
                            format!(
                                "{path}: its count vectors have {outcomes:.3e} arrangements in all, \
                                 beyond {MAX_COUNTS_ARRANGEMENTS}, and a table game needs each"
                            ),
                            crate::error::Remedy::SmallerProblem,
                        ));
                    }
                }
                Ok(())
            }
            Policy::Copy { of, rest_action } => {
                if of.is_empty() {
                    return Err(Error::spec(format!("{path}.of"), "names no coalition"));
                }
                let m = self.coalitions.len();
                let mut group = 0;
                for (r, &j) in of.iter().enumerate() {
                    let at = format!("{path}.of[{r}]");
                    if j >= m {
                        return Err(Error::spec(
                            at,
                            format!("coalition {j} does not exist (0..{m})"),
                        ));
                    }
                    if j == coalition {
                        return Err(Error::spec(at, format!("coalition {j} cannot copy itself")));
                    }
                    if of[..r].contains(&j) {
                        return Err(Error::spec(at, format!("coalition {j} is listed twice")));
                    }
                    if self.coalitions[j].policy.contains_copy() {
                        return Err(Error::spec(
                            at,
                            format!("coalition {j} itself plays copy: a copy of a copy is not supported"),
                        ));
                    }
                    group += self.coalitions[j].members.len();
                }
                if size < group {
                    return Err(Error::spec(
                        format!("{path}.of"),
                        format!("the copied group has {group} players but the copier only {size}: a copier must be at least as large as the group"),
                    ));
                }
                if *rest_action >= k {
                    return Err(Error::spec(
                        format!("{path}.rest_action"),
                        format!("action {rest_action} is out of range 0..{k}"),
                    ));
                }
                Ok(())
            }
            Policy::Blocks { blocks } => {
                if blocks.is_empty() {
                    return Err(Error::spec(format!("{path}.blocks"), "is empty"));
                }
                let mut seen = vec![false; size];
                for (b, block) in blocks.iter().enumerate() {
                    let at = format!("{path}.blocks[{b}]");
                    if block.members.is_empty() {
                        return Err(Error::spec(format!("{at}.members"), "is empty"));
                    }
                    for (r, i) in block.members.iter().enumerate() {
                        let Some(pos) = members.iter().position(|m| m == i) else {
                            return Err(Error::spec(
                                format!("{at}.members[{r}]"),
                                format!("player {i} is not a member of this coalition"),
                            ));
                        };
                        if seen[pos] {
                            return Err(Error::spec(
                                format!("{at}.members[{r}]"),
                                format!("player {i} is in two blocks: blocks must partition the coalition"),
                            ));
                        }
                        seen[pos] = true;
                    }
                    self.validate_policy(
                        coalition,
                        &block.policy,
                        &block.members,
                        &format!("{at}.policy"),
                    )?;
                }
                if let Some(pos) = seen.iter().position(|s| !s) {
                    return Err(Error::spec(
                        format!("{path}.blocks"),
                        format!(
                            "player {} is in no block: blocks must partition the coalition",
                            members[pos]
                        ),
                    ));
                }
                Ok(())
            }
        }
    }
}

fn validate_probability(p: f64, path: &str) -> Result<()> {
    if !(p.is_finite() && p >= 0.0) {
        return Err(Error::spec(
            path,
            format!("probability must be a finite number ≥ 0, got {p}"),
        ));
    }
    Ok(())
}

fn check_unit_sum(total: f64, path: &str) -> Result<()> {
    if (total - 1.0).abs() > UNIT_SUM_TOLERANCE {
        return Err(Error::spec(
            path,
            format!("probabilities sum to {total}, not 1 (within {UNIT_SUM_TOLERANCE})"),
        ));
    }
    Ok(())
}

/// Check a distribution over `k` actions: length k, entries finite and ≥ 0,
/// summing to 1 within [`UNIT_SUM_TOLERANCE`].
pub fn validate_distribution(dist: &[f64], k: usize, path: &str) -> Result<()> {
    if dist.len() != k {
        return Err(Error::spec(
            path,
            format!(
                "has {} probabilities, expected one per action ({k})",
                dist.len()
            ),
        ));
    }
    for (a, &p) in dist.iter().enumerate() {
        validate_probability(p, &format!("{path}[{a}]"))?;
    }
    check_unit_sum(dist.iter().sum(), path)
}
