//! A validated problem: players, actions, a game and coalitions with policies.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::model::count_blocks::CountBlocks;
use crate::model::game::{Game, UNIT_SUM_TOLERANCE};
use crate::model::limits::MAX_ACTIONS;
use crate::model::policy::{CopyMatch, Policy};

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
    roles: Arc<Vec<usize>>,
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
        Problem::new_with_roles(players, actions, None, game, coalitions)
    }

    /// [`Problem::new`] with each player's role (context, the spec's
    /// `roles`; all 0 when `None`). A role-dependent game
    /// ([`Game::RoleProportional`], [`Game::RoleCongestion`]) must carry the
    /// same roles; one whose players all share a role becomes its
    /// context-free family.
    ///
    /// ```
    /// use unitsum_gpu::{Coalition, Game, Policy, Problem};
    /// // Two locations: action 0 gathers more at location 0, action 1 at location 1.
    /// let roles = vec![0, 0, 1, 1];
    /// let game = Game::RoleProportional {
    ///     roles: roles.clone(),
    ///     weights: vec![vec![vec![2.0, 1.0], vec![1.0, 2.0]]],
    /// };
    /// let problem = Problem::new_with_roles(4, 2, Some(roles), game, vec![
    ///     Coalition::new(vec![0, 2], Policy::Pure { actions: vec![0, 1] }),
    ///     Coalition::new(vec![1, 3], Policy::Pure { actions: vec![1, 0] }),
    /// ])?;
    /// assert_eq!(problem.roles(), &[0, 0, 1, 1]);
    /// assert!(!problem.game().is_symmetric());
    /// # Ok::<(), unitsum_gpu::Error>(())
    /// ```
    pub fn new_with_roles(
        players: usize,
        actions: usize,
        roles: Option<Vec<usize>>,
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
        // Only now is `players` known to be no more than the spec lists.
        let roles = match (roles, game.roles()) {
            (Some(given), Some(own)) if given != own => {
                return Err(Error::spec(
                    "roles",
                    "differ from the roles of the role-dependent game",
                ))
            }
            (Some(given), _) => given,
            (None, Some(own)) => own.to_vec(),
            (None, None) => vec![0; players],
        };
        crate::model::game::check_roles(&roles, players)?;
        game.validate(players, actions)?;
        let base = Problem {
            players,
            actions,
            roles: Arc::new(roles),
            game: Arc::new(game.reduced()),
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
            roles: self.roles.clone(),
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
    pub fn with_policy(&self, j: usize, policy: crate::model::policy::Policy) -> Result<Problem> {
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
    /// Each player's role (context): the spec's `roles`, all 0 by default.
    pub fn roles(&self) -> &[usize] {
        &self.roles
    }
    /// The translation of the first translated copy among the coalitions'
    /// policies (blocks included): what `check` tests symmetry in canonical
    /// actions under when it is given none.
    pub fn translation(&self) -> Option<&[Vec<usize>]> {
        self.translation_at().map(|(_, t)| t)
    }
    /// [`Problem::translation`] with its spec path
    /// (`coalitions[j].policy.translate`).
    pub(crate) fn translation_at(&self) -> Option<(String, &[Vec<usize>])> {
        fn of(policy: &Policy, path: String) -> Option<(String, &[Vec<usize>])> {
            match policy {
                Policy::Copy {
                    translate: Some(t), ..
                } => Some((format!("{path}.translate"), t)),
                Policy::Blocks { blocks } => blocks
                    .iter()
                    .enumerate()
                    .find_map(|(b, block)| of(&block.policy, format!("{path}.blocks[{b}].policy"))),
                _ => None,
            }
        }
        self.coalitions
            .iter()
            .enumerate()
            .find_map(|(j, c)| of(&c.policy, format!("coalitions[{j}].policy")))
    }
    /// Whether the players have more than one role.
    pub fn has_roles(&self) -> bool {
        self.roles.iter().any(|&r| r != self.roles[0])
    }
    /// The coalitions, in spec order (the `j` of `r_j`).
    pub fn coalitions(&self) -> &[Coalition] {
        &self.coalitions
    }

    /// Whether one arrangement of a `counts` policy's count vector stands for
    /// all: in a symmetric game, unless a translated copy turns the
    /// arrangement into different counts; in a role-dependent game, for
    /// per-role counts (`per_role`), unless a copy by order moves actions
    /// across roles.
    /// Where a plain `counts` policy (k counts) over `members` is evaluated
    /// by splitting each vector over the roles (the multivariate
    /// hypergeometric law, [`crate::model::count_blocks::hypergeometric_split`])
    /// instead of listing arrangements: in a role-dependent game whose
    /// per-role counts stand for their arrangements. The per-role blocks.
    pub(crate) fn counts_split_by_role(
        &self,
        members: &[usize],
        blocks: &CountBlocks,
    ) -> Option<CountBlocks> {
        if blocks.per_role() || self.game.roles().is_none() || !self.counts_by_representative(true)
        {
            return None;
        }
        let roles = crate::model::game::distinct_sorted(&self.roles).len();
        CountBlocks::new(members, &self.roles, self.actions, roles * self.actions)
    }

    pub(crate) fn counts_by_representative(&self, per_role: bool) -> bool {
        fn by_order(policy: &Policy) -> bool {
            match policy {
                Policy::Copy { by, .. } => *by == CopyMatch::Order,
                Policy::Blocks { blocks } => blocks.iter().any(|b| by_order(&b.policy)),
                _ => false,
            }
        }
        if self.game.roles().is_some() {
            return per_role && !self.coalitions.iter().any(|c| by_order(&c.policy));
        }
        fn translates(policy: &Policy) -> bool {
            match policy {
                Policy::Copy { translate, .. } => translate.is_some(),
                Policy::Blocks { blocks } => blocks.iter().any(|b| translates(&b.policy)),
                _ => false,
            }
        }
        self.game.is_symmetric() && !self.coalitions.iter().any(|c| translates(&c.policy))
    }

    /// Each player's role block and the number of blocks: in a role-dependent
    /// game the blocks are the present roles in ascending order (action a of
    /// player i is cell `block_of[i] * k + a`), otherwise one block.
    pub(crate) fn count_blocks(&self) -> (Vec<usize>, usize) {
        if self.game.roles().is_none() {
            return (vec![0; self.players()], 1);
        }
        let present = self.game.present_roles();
        let block_of = self
            .roles
            .iter()
            .map(|r| present.binary_search(r).expect("a present role"))
            .collect();
        (block_of, present.len())
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

    /// Checks coalition `coalition`'s `policy` over `members` against the
    /// problem, naming the first mistake by its JSON path under `path`. One
    /// step per policy kind; the kinds without parameters need none.
    fn validate_policy(
        &self,
        coalition: usize,
        policy: &Policy,
        members: &[usize],
        path: &str,
    ) -> Result<()> {
        let k = self.actions;
        let size = members.len();
        match policy {
            Policy::Pure { actions } => check_actions(actions, size, k, path, "actions"),
            Policy::Uniform => Ok(()),
            Policy::Independent { marginals } => validate_independent(marginals, size, k, path),
            Policy::Common { dist } => match dist {
                Some(d) => validate_distribution(d, k, &format!("{path}.dist")),
                None => Ok(()),
            },
            Policy::Joint { support } => validate_joint(support, size, k, path),
            Policy::Counts { support } => self.validate_counts(support, members, path),
            Policy::Copy {
                of,
                rest_action,
                by,
                translate,
            } => {
                self.check_copied(coalition, of, path)?;
                let group: usize = of.iter().map(|&j| self.coalitions[j].members.len()).sum();
                match by {
                    CopyMatch::Order if size < group => {
                        return Err(Error::spec(
                            format!("{path}.of"),
                            format!("the copied group has {group} players but the copier only {size}: a copier must be at least as large as the group"),
                        ));
                    }
                    CopyMatch::Role => {
                        self.check_role_runs(of, members, &format!("{path}.match"))?
                    }
                    _ => {}
                }
                if *rest_action >= k {
                    return Err(Error::spec(
                        format!("{path}.rest_action"),
                        format!("action {rest_action} is out of range 0..{k}"),
                    ));
                }
                match translate {
                    Some(sigma) => self.check_translate(sigma, of, members, path),
                    None => Ok(()),
                }
            }
            Policy::Blocks { blocks } => self.validate_blocks(coalition, blocks, members, path),
        }
    }

    /// A `counts` policy: every count vector has the layout of the first
    /// (one block of `k` per action, or per role), each block counts the
    /// coalition's members there, no vector is listed twice, the
    /// probabilities sum to one, and where the game needs every arrangement
    /// of a count vector, their number stays enumerable.
    fn validate_counts(
        &self,
        support: &[(Vec<usize>, f64)],
        members: &[usize],
        path: &str,
    ) -> Result<()> {
        let k = self.actions;
        if support.is_empty() {
            return Err(Error::spec(format!("{path}.support"), "is empty"));
        }
        let mut total = 0.0;
        let roles = crate::model::game::distinct_sorted(&self.roles).len();
        let expected = if roles > 1 {
            format!("one per action ({k}), or k per role ({})", roles * k)
        } else {
            format!("one per action ({k})")
        };
        let len = support[0].0.len();
        let blocks = CountBlocks::new(members, &self.roles, k, len).ok_or_else(|| {
            Error::spec(
                format!("{path}.support[0].counts"),
                format!("has {len} counts, expected {expected}"),
            )
        })?;
        let sizes = blocks.sizes();
        for (s, (counts, p)) in support.iter().enumerate() {
            let at = format!("{path}.support[{s}].counts");
            if counts.len() != len {
                return Err(Error::spec(
                    at,
                    format!("has {} counts, expected {len} as support[0]", counts.len()),
                ));
            }
            check_count_blocks(counts, k, &sizes, blocks.per_role(), &at)?;
            if support[..s].iter().any(|(c, _)| c == counts) {
                return Err(Error::spec(at, "is listed twice"));
            }
            validate_probability(*p, &format!("{path}.support[{s}].p"))?;
            total += p;
        }
        check_unit_sum(total, &format!("{path}.support"))?;
        if let Some(per_role) = self.counts_split_by_role(members, &blocks) {
            // Each vector splits over the roles: the tables, not the
            // arrangements, are what the evaluation lists.
            let mut left = MAX_COUNTS_ARRANGEMENTS as usize;
            for (s, (counts, _)) in support.iter().enumerate() {
                let tables = crate::model::count_blocks::hypergeometric_split(
                    counts,
                    &per_role.sizes(),
                    left,
                )
                .ok_or_else(|| {
                    Error::too_large(
                        format!(
                            "{path}.support[{s}]: the count vectors split over the roles \
                                 into more than {MAX_COUNTS_ARRANGEMENTS} per-role tables in all"
                        ),
                        crate::error::Remedy::SmallerProblem,
                    )
                })?;
                left -= tables.len();
            }
        } else if !self.counts_by_representative(blocks.per_role()) {
            // Where arrangements matter, each is enumerated.
            let outcomes: f64 = support.iter().map(|(c, _)| blocks.arrangements(c)).sum();
            if outcomes > MAX_COUNTS_ARRANGEMENTS as f64 {
                return Err(Error::too_large(
                    format!(
                        "{path}: its count vectors have {outcomes:.3e} arrangements in all, \
                         beyond {MAX_COUNTS_ARRANGEMENTS}, and this game needs each"
                    ),
                    crate::error::Remedy::SmallerProblem,
                ));
            }
        }
        Ok(())
    }

    /// The coalitions a `copy` policy names: at least one, each existing,
    /// not the copier itself, none twice, and none that copies in turn.
    fn check_copied(&self, coalition: usize, of: &[usize], path: &str) -> Result<()> {
        if of.is_empty() {
            return Err(Error::spec(format!("{path}.of"), "names no coalition"));
        }
        let m = self.coalitions.len();
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
        }
        Ok(())
    }

    /// A copy's `translate`: one row per role of every player involved
    /// (copier and copied), each row a permutation of the actions.
    fn check_translate(
        &self,
        sigma: &[Vec<usize>],
        of: &[usize],
        members: &[usize],
        path: &str,
    ) -> Result<()> {
        let k = self.actions;
        let involved = members
            .iter()
            .chain(of.iter().flat_map(|&j| &self.coalitions[j].members));
        if let Some(&i) = involved.clone().find(|&&i| self.roles[i] >= sigma.len()) {
            return Err(Error::spec(
                format!("{path}.translate"),
                format!(
                    "has {} rows (one per role), but player {i} has role {}",
                    sigma.len(),
                    self.roles[i]
                ),
            ));
        }
        for (r, row) in sigma.iter().enumerate() {
            let mut seen = vec![false; k];
            let at = format!("{path}.translate[{r}]");
            if row.len() != k
                || row
                    .iter()
                    .any(|&a| a >= k || std::mem::replace(&mut seen[a], true))
            {
                return Err(Error::spec(
                    at,
                    format!("{row:?} is not a permutation of the {k} actions 0..{k}"),
                ));
            }
        }
        Ok(())
    }

    /// A `blocks` policy: its blocks partition the coalition (each member in
    /// exactly one non-empty block) and each block's policy is valid over
    /// its own members.
    fn validate_blocks(
        &self,
        coalition: usize,
        blocks: &[crate::model::policy::Block],
        members: &[usize],
        path: &str,
    ) -> Result<()> {
        if blocks.is_empty() {
            return Err(Error::spec(format!("{path}.blocks"), "is empty"));
        }
        let mut seen = vec![false; members.len()];
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

/// A list of actions, one per member (`size`), each in `0..k`; `key` is the
/// list's path under the policy's `path`.
fn check_actions(actions: &[usize], size: usize, k: usize, path: &str, key: &str) -> Result<()> {
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
}

/// An `independent` policy: one marginal per member, each a distribution
/// over the `k` actions.
fn validate_independent(marginals: &[Vec<f64>], size: usize, k: usize, path: &str) -> Result<()> {
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

/// A `joint` policy: a non-empty support of action profiles (one action per
/// member) with probabilities summing to one.
fn validate_joint(support: &[(Vec<usize>, f64)], size: usize, k: usize, path: &str) -> Result<()> {
    if support.is_empty() {
        return Err(Error::spec(format!("{path}.support"), "is empty"));
    }
    let mut total = 0.0;
    for (s, (actions, p)) in support.iter().enumerate() {
        check_actions(actions, size, k, path, &format!("support[{s}].actions"))?;
        validate_probability(*p, &format!("{path}.support[{s}].p"))?;
        total += p;
    }
    check_unit_sum(total, &format!("{path}.support"))
}

/// One count vector's blocks of `k` (one per role where `per_role`, else
/// one): each counts exactly the coalition's members there (`sizes`).
fn check_count_blocks(
    counts: &[usize],
    k: usize,
    sizes: &[usize],
    per_role: bool,
    at: &str,
) -> Result<()> {
    for (b, (block, &members_there)) in counts.chunks(k).zip(sizes).enumerate() {
        let sum = block.iter().try_fold(0usize, |a, &c| a.checked_add(c));
        if sum != Some(members_there) {
            let whose = if per_role {
                format!("the coalition's {members_there} in role block {b}")
            } else {
                format!("the coalition's {members_there}")
            };
            return Err(Error::spec(
                at,
                format!(
                    "counts {} members, expected {whose}",
                    sum.map_or("too many".to_string(), |s| s.to_string())
                ),
            ));
        }
    }
    Ok(())
}

impl Problem {
    /// A role-matched copy needs one run at least: every role of the copied
    /// group must have as many copier members as group players.
    fn check_role_runs(&self, of: &[usize], members: &[usize], path: &str) -> Result<()> {
        let roles = &self.roles;
        let group: Vec<usize> = of
            .iter()
            .flat_map(|&j| self.coalitions[j].members.iter().copied())
            .collect();
        for r in crate::model::game::distinct_sorted(
            &group.iter().map(|&g| roles[g]).collect::<Vec<_>>(),
        ) {
            let needed = group.iter().filter(|&&g| roles[g] == r).count();
            let have = members.iter().filter(|&&i| roles[i] == r).count();
            if have < needed {
                return Err(Error::spec(
                    path,
                    format!(
                        "\"role\" matches no run: the copied group has {needed} players of role {r} \
                         but the copier only {have}"
                    ),
                ));
            }
        }
        Ok(())
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
