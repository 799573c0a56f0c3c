//! Game families: the share functions `s_i(x, a)` of docs/THEORY.md ("The game families").
//!
//! [`Game::player_shares`] computes shares straight from each family's
//! definition; it is the oracle that the fast evaluators (which work on count
//! vectors, see [`crate::families`]) are tested against.

use crate::counts::vectors::{count_vector_rank, count_vectors};
use crate::error::{Error, Remedy, Result};
use crate::model::limits::MAX_ACTIONS;

/// Tolerance for "sums to 1" checks on user-supplied tables and probabilities:
/// spec files are written by hand with decimals, 1e-9 accepts their rounding.
pub const UNIT_SUM_TOLERANCE: f64 = 1e-9;

/// A unit-sum game family with its parameters. The number of players `n` and
/// actions `k` live in [`crate::Problem`]; [`Game::validate`] checks that the
/// parameters fit them.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Game {
    /// Shares split evenly among the players on the plurality action (most
    /// chosen, ties to the lower index). One state.
    Plurality,
    /// `s_i = w[x][a_i] / Σ_l w[x][a_l]`; `weights[x][a] > 0`.
    Proportional {
        /// `weights[x][a]`: S rows of k positive numbers.
        weights: Vec<Vec<f64>>,
    },
    /// Players on action b split `v[x][b]`, normalised over occupied actions.
    Congestion {
        /// `values[x][b]`: S rows of k positive numbers.
        values: Vec<Vec<f64>>,
    },
    /// The general symmetric game: `s_i = w[x][c(-i)][a_i] / Σ_l w[x][c(-l)][a_l]`,
    /// `c(-i)` the rank of the others' count vector (lexicographic ascending).
    Anonymous {
        /// `weights[x][c][a] ≥ 0`.
        weights: Vec<Vec<Vec<f64>>>,
    },
    /// Any game: `shares[x][profile][i]`, profiles numbered `Σ_i a_i k^i`.
    Table {
        /// `shares[x][profile][i]`, each row non-negative and unit-sum.
        shares: Vec<Vec<Vec<f64>>>,
    },
    /// `proportional` with contexts: `s_i = w[x][r_i][a_i] / Σ_l w[x][r_l][a_l]`,
    /// `r_i = roles[i]` (docs/THEORY.md, "Contexts"). Role-symmetric.
    RoleProportional {
        /// Each player's role (context).
        roles: Vec<usize>,
        /// `weights[x][role][a] > 0`: S states of one row of k per role.
        weights: Vec<Vec<Vec<f64>>>,
    },
    /// `congestion` with contexts: players on action b split the mean of
    /// their roles' values `v[x][r][b]`, normalised over occupied actions:
    /// `s_i = (v[x][r_i][a_i] / count(a_i)) / Σ_l v[x][r_l][a_l] / count(a_l)`.
    RoleCongestion {
        /// Each player's role (context).
        roles: Vec<usize>,
        /// `values[x][role][b] > 0`.
        values: Vec<Vec<Vec<f64>>>,
    },
}

/// Distinct roles a game may have.
pub const MAX_ROLES: usize = 1 << 16;

impl Game {
    /// The family's name as written in spec files.
    pub fn family(&self) -> &'static str {
        match self {
            Game::Plurality => "plurality",
            Game::Proportional { .. } => "proportional",
            Game::Congestion { .. } => "congestion",
            Game::Anonymous { .. } => "anonymous",
            Game::Table { .. } => "table",
            Game::RoleProportional { .. } => "proportional",
            Game::RoleCongestion { .. } => "congestion",
        }
    }

    /// The players' roles of a role-dependent family (its parameters
    /// carry a role index), else `None`.
    pub fn roles(&self) -> Option<&[usize]> {
        match self {
            Game::RoleProportional { roles, .. } | Game::RoleCongestion { roles, .. } => {
                Some(roles)
            }
            _ => None,
        }
    }

    /// The role-indexed parameters `[x][role][a]` of a role-dependent family.
    fn role_params(&self) -> Option<&[Vec<Vec<f64>>]> {
        match self {
            Game::RoleProportional { weights: p, .. } | Game::RoleCongestion { values: p, .. } => {
                Some(p)
            }
            _ => None,
        }
    }

    /// The distinct roles present, ascending: the kernels' role blocks
    /// (block `t` holds role `present_roles()[t]`). `[0]` for context-free games.
    pub(crate) fn present_roles(&self) -> Vec<usize> {
        match self.roles() {
            Some(roles) => distinct_sorted(roles),
            None => vec![0],
        }
    }

    /// The same game in its context-free family when every player has one
    /// role (`weights[x][r]`): both define the same shares, and the
    /// symmetric methods apply.
    pub(crate) fn reduced(self) -> Game {
        let single = self
            .roles()
            .and_then(|roles| roles.first().filter(|&&r| roles.iter().all(|&o| o == r)))
            .copied();
        let (Some(r), Some(params)) = (single, self.role_params()) else {
            return self;
        };
        if params.iter().any(|state| state.len() <= r) {
            return self; // validation reports the missing row
        }
        let rows: Vec<Vec<f64>> = params.iter().map(|state| state[r].clone()).collect();
        match self {
            Game::RoleProportional { .. } => Game::Proportional { weights: rows },
            _ => Game::Congestion { values: rows },
        }
    }

    /// Number of states S (1 for families without parameters).
    pub fn states(&self) -> usize {
        match self {
            Game::Plurality => 1,
            Game::Proportional { weights } => weights.len(),
            Game::Congestion { values } => values.len(),
            Game::Anonymous { weights } => weights.len(),
            Game::Table { shares } => shares.len(),
            Game::RoleProportional { weights: p, .. } | Game::RoleCongestion { values: p, .. } => {
                p.len()
            }
        }
    }

    /// Whether every share depends only on the state, the player's action and
    /// the multiset of the others' actions (the context-free families: all
    /// but `table` and role-dependent parameters).
    pub fn is_symmetric(&self) -> bool {
        !matches!(
            self,
            Game::Table { .. } | Game::RoleProportional { .. } | Game::RoleCongestion { .. }
        )
    }

    /// Whether shares depend only on counts, per role block in a
    /// role-dependent family (role-symmetric by construction): the counts
    /// method applies. Only `table` lacks them.
    pub(crate) fn has_counts(&self) -> bool {
        !matches!(self, Game::Table { .. })
    }

    /// Check the parameters against `players` and `actions`. Errors name the
    /// JSON path under `game`.
    pub fn validate(&self, players: usize, actions: usize) -> Result<()> {
        let k = actions;
        if self.states() > MAX_STATES {
            return Err(Error::spec(
                format!("game.{}", self.params_key()),
                format!("{} states: at most {MAX_STATES}", self.states()),
            ));
        }
        // One row of k positive parameters, at `game.{at}`.
        let check_row = |row: &[f64], at: &str| -> Result<()> {
            if row.len() != k {
                return Err(Error::spec(
                    format!("game.{at}"),
                    format!("has {} entries, expected one per action ({k})", row.len()),
                ));
            }
            for (a, &w) in row.iter().enumerate() {
                if !(w.is_finite() && w > 0.0) {
                    return Err(Error::spec(
                        format!("game.{at}[{a}]"),
                        format!("must be a positive finite number, got {w}"),
                    ));
                }
            }
            Ok(())
        };
        let check_rows = |rows: &Vec<Vec<f64>>, key: &str| -> Result<()> {
            if rows.is_empty() {
                return Err(Error::spec(
                    format!("game.{key}"),
                    "needs at least one state (one row)",
                ));
            }
            for (x, row) in rows.iter().enumerate() {
                check_row(row, &format!("{key}[{x}]"))?;
            }
            Ok(())
        };
        match self {
            Game::Plurality => Ok(()),
            Game::Proportional { weights } => check_rows(weights, "weights"),
            Game::Congestion { values } => check_rows(values, "values"),
            Game::Anonymous { weights } => validate_anonymous(weights, players, k),
            Game::Table { shares } => validate_table(shares, players, k),
            Game::RoleProportional {
                roles,
                weights: params,
            }
            | Game::RoleCongestion {
                roles,
                values: params,
            } => {
                let key = self.params_key();
                check_roles(roles, players)?;
                let needed = roles.iter().max().map_or(1, |r| r + 1);
                if params.is_empty() {
                    return Err(Error::spec(
                        format!("game.{key}"),
                        "needs at least one state (one row per role)",
                    ));
                }
                for (x, state) in params.iter().enumerate() {
                    if state.len() < needed {
                        let player = roles.iter().position(|&r| r >= state.len()).unwrap_or(0);
                        return Err(Error::spec(
                            format!("game.{key}[{x}]"),
                            format!(
                                "has {} rows (one per role), but roles[{player}] = {} needs {needed}",
                                state.len(),
                                roles[player]
                            ),
                        ));
                    }
                    for (r, row) in state.iter().enumerate() {
                        check_row(row, &format!("{key}[{x}][{r}]"))?;
                    }
                }
                let cells = distinct_sorted(roles).len() * k;
                if cells > MAX_ACTIONS {
                    return Err(Error::too_large(
                        format!(
                            "roles: {} distinct roles × {k} actions = {cells} (role, action) cells, \
                             beyond the kernels' {MAX_ACTIONS}",
                            cells / k
                        ),
                        Remedy::SmallerProblem,
                    ));
                }
                Ok(())
            }
        }?;
        self.check_range(CPU_RANGE, "the CPU's f64 arithmetic")
    }

    /// The parameters of state `x` (weights or values, every row of an
    /// anonymous state), in the order the kernels read them; none for
    /// plurality and table.
    fn state_params(&self, x: usize) -> Box<dyn Iterator<Item = f64> + '_> {
        match self {
            Game::Proportional { weights: rows } | Game::Congestion { values: rows } => {
                Box::new(rows[x].iter().copied())
            }
            Game::Anonymous { weights } => Box::new(weights[x].iter().flatten().copied()),
            Game::RoleProportional { weights: p, .. } | Game::RoleCongestion { values: p, .. } => {
                // The present roles' rows, in block order (unused rows are not read).
                Box::new(
                    self.present_roles()
                        .into_iter()
                        .flat_map(move |r| p[x][r].iter().copied()),
                )
            }
            Game::Plurality | Game::Table { .. } => Box::new(std::iter::empty()),
        }
    }

    /// The parameters of every state divided by that state's largest, state
    /// after state: what the kernels read. Shares are ratios of parameters of
    /// one state, so this changes no share and keeps every sum of n of them
    /// within [1/range, n] whatever their magnitude (docs/THEORY.md, "Scale").
    pub(crate) fn normalised_params(&self) -> Vec<f64> {
        let mut out = Vec::new();
        for x in 0..self.states() {
            let largest = self.state_params(x).fold(0.0, f64::max);
            out.extend(self.state_params(x).map(|w| w / largest));
        }
        out
    }

    /// Refuse parameters whose ratio within one state is beyond `range`,
    /// which `arithmetic` cannot evaluate accurately: after normalisation the
    /// smaller ones (and sums of them alone) would be subnormal or zero.
    /// The spec key of the family's parameters.
    fn params_key(&self) -> &'static str {
        match self {
            Game::Congestion { .. } | Game::RoleCongestion { .. } => "values",
            Game::Table { .. } => "shares",
            _ => "weights",
        }
    }

    pub(crate) fn check_range(&self, range: f64, arithmetic: &str) -> Result<()> {
        let key = self.params_key();
        for x in 0..self.states() {
            let largest = self.state_params(x).fold(0.0, f64::max);
            let smallest = self
                .state_params(x)
                .filter(|&w| w > 0.0)
                .fold(f64::INFINITY, f64::min);
            if smallest < largest / range {
                return Err(Error::too_large(
                    format!(
                        "game.{key}[{x}]: the {key} of state {x} span {:.0} orders of magnitude \
                         (from {smallest:e} to {largest:e}), beyond the ratio {range:.0e} that \
                         {arithmetic} evaluates accurately (shares are ratios: the smaller ones \
                         would round to zero)",
                        largest.log10() - smallest.log10()
                    ),
                    if range < CPU_RANGE {
                        Remedy::CpuBackend
                    } else {
                        Remedy::SmallerProblem
                    },
                ));
            }
        }
        Ok(())
    }

    /// Shares of every player in state `x` at `profile`, straight from the
    /// family's definition (O(n²) for `anonymous`; meant for oracles and checks).
    pub fn player_shares(&self, x: usize, profile: &[usize], actions: usize) -> Vec<f64> {
        let n = profile.len();
        let k = actions;
        let mut counts = vec![0usize; k];
        for &a in profile {
            counts[a] += 1;
        }
        match self {
            Game::Plurality => {
                // First maximum: ties go to the lower action index.
                let top = (0..k).fold(0, |best, b| if counts[b] > counts[best] { b } else { best });
                profile
                    .iter()
                    .map(|&a| {
                        if a == top {
                            1.0 / counts[top] as f64
                        } else {
                            0.0
                        }
                    })
                    .collect()
            }
            Game::Proportional { weights } => {
                // Normalised first, as the kernels do, so no sum overflows.
                let largest = weights[x].iter().copied().fold(0.0, f64::max);
                let w: Vec<f64> = weights[x].iter().map(|w| w / largest).collect();
                let total: f64 = profile.iter().map(|&a| w[a]).sum();
                profile.iter().map(|&a| w[a] / total).collect()
            }
            Game::Congestion { values } => {
                let largest = values[x].iter().copied().fold(0.0, f64::max);
                let v: Vec<f64> = values[x].iter().map(|v| v / largest).collect();
                let total: f64 = (0..k).filter(|&b| counts[b] > 0).map(|b| v[b]).sum();
                profile
                    .iter()
                    .map(|&a| v[a] / counts[a] as f64 / total)
                    .collect()
            }
            Game::Anonymous { weights } => {
                let largest = weights[x].iter().flatten().copied().fold(0.0, f64::max);
                let raw: Vec<f64> = (0..n)
                    .map(|i| {
                        let mut others = vec![0u32; k];
                        for (l, &a) in profile.iter().enumerate() {
                            if l != i {
                                others[a] += 1;
                            }
                        }
                        weights[x][count_vector_rank(&others) as usize][profile[i]] / largest
                    })
                    .collect();
                let total: f64 = raw.iter().sum();
                raw.iter().map(|r| r / total).collect()
            }
            Game::Table { shares } => {
                let index = profile_index(profile, k);
                shares[x][index].clone()
            }
            Game::RoleProportional { roles, weights } => {
                let largest = self.state_params(x).fold(0.0, f64::max);
                let w: Vec<f64> = (0..n)
                    .map(|i| weights[x][roles[i]][profile[i]] / largest)
                    .collect();
                let total: f64 = w.iter().sum();
                w.iter().map(|w| w / total).collect()
            }
            Game::RoleCongestion { roles, values } => {
                let largest = self.state_params(x).fold(0.0, f64::max);
                let raw: Vec<f64> = (0..n)
                    .map(|i| values[x][roles[i]][profile[i]] / largest / counts[profile[i]] as f64)
                    .collect();
                let total: f64 = raw.iter().sum();
                raw.iter().map(|r| r / total).collect()
            }
        }
    }
}

/// The distinct values of `roles`, ascending.
pub(crate) fn distinct_sorted(roles: &[usize]) -> Vec<usize> {
    let mut distinct = roles.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    distinct
}

/// A spec's `roles`: one per player, each below [`MAX_ROLES`].
pub(crate) fn check_roles(roles: &[usize], players: usize) -> Result<()> {
    if roles.len() != players {
        return Err(Error::spec(
            "roles",
            format!(
                "has {} entries, expected one per player ({players})",
                roles.len()
            ),
        ));
    }
    if let Some(i) = roles.iter().position(|&r| r >= MAX_ROLES) {
        return Err(Error::spec(
            format!("roles[{i}]"),
            format!(
                "role {} is beyond the largest role id {}",
                roles[i],
                MAX_ROLES - 1
            ),
        ));
    }
    Ok(())
}

/// The profile number `Σ_i a_i k^i` (player 0 least significant).
pub fn profile_index(profile: &[usize], actions: usize) -> usize {
    profile.iter().rev().fold(0, |acc, &a| acc * actions + a)
}

/// Parameters of one state spanning a larger ratio are refused: the CPU's
/// f64 holds 1e-300 of a state's largest parameter with full precision.
pub(crate) const CPU_RANGE: f64 = 1e300;
/// The GPU's f32 holds normal numbers down to 1.2e-38; 1e-30 leaves room for
/// dividing by counts and summing without reaching the subnormals, which
/// GPUs flush to zero.
pub(crate) const GPU_RANGE: f64 = 1e30;

/// States a game may have (drawn or given): beyond, the LP and the GPU's
/// accumulators could not take them anyway.
pub const MAX_STATES: usize = 1 << 16;

/// `states` when it is a valid number of states (1 to [`MAX_STATES`]),
/// else the error naming `what`.
pub(crate) fn check_states(states: usize, what: &str) -> Result<usize> {
    if (1..=MAX_STATES).contains(&states) {
        Ok(states)
    } else {
        Err(Error::spec(
            what,
            format!("{states} states: expected 1 to {MAX_STATES}"),
        ))
    }
}

/// Tables larger than this many numbers are refused: 2^24 numbers are 128
/// MiB as f64 (their JSON, parsed, takes about 70 bytes a number: README,
/// "Limits"), and the GPU indexes them with u32.
pub const MAX_TABLE_ENTRIES: u64 = 1 << 24;

fn validate_anonymous(weights: &[Vec<Vec<f64>>], players: usize, k: usize) -> Result<()> {
    let rows = count_vectors(players.saturating_sub(1) as u64, k as u64);
    if rows
        .saturating_mul(k as u64)
        .saturating_mul(weights.len().max(1) as u64)
        > MAX_TABLE_ENTRIES
    {
        return Err(Error::too_large(format!(
            "game.weights: an anonymous table for n = {players}, k = {k} has {rows} rows per state, \
             beyond the supported {MAX_TABLE_ENTRIES} numbers"
        ), Remedy::SmallerProblem));
    }
    if weights.is_empty() {
        return Err(Error::spec("game.weights", "needs at least one state"));
    }
    for (x, state) in weights.iter().enumerate() {
        if state.len() as u64 != rows {
            return Err(Error::spec(
                format!("game.weights[{x}]"),
                format!(
                    "has {} rows, expected one per count vector of the other n-1 = {} players \
                     over {k} actions ({rows})",
                    state.len(),
                    players.saturating_sub(1)
                ),
            ));
        }
        for (c, row) in state.iter().enumerate() {
            if row.len() != k {
                return Err(Error::spec(
                    format!("game.weights[{x}][{c}]"),
                    format!("has {} entries, expected one per action ({k})", row.len()),
                ));
            }
            for (a, &w) in row.iter().enumerate() {
                if !(w.is_finite() && w >= 0.0) {
                    return Err(Error::spec(
                        format!("game.weights[{x}][{c}][{a}]"),
                        format!("must be a non-negative finite number, got {w}"),
                    ));
                }
            }
        }
        // Every count vector C of all n players must give a positive total
        // Σ_b C_b w[x][rank(C - e_b)][b], else the shares are 0/0.
        let mut totals = crate::counts::vectors::CountVectors::new(players as u32, k);
        while let Some(c) = totals.next_vector() {
            let mut total = 0.0;
            let mut others = c.to_vec();
            for b in 0..k {
                if c[b] > 0 {
                    others[b] -= 1;
                    total += c[b] as f64 * state[count_vector_rank(&others) as usize][b];
                    others[b] += 1;
                }
            }
            if total <= 0.0 {
                let example: Vec<usize> = (0..k)
                    .flat_map(|b| std::iter::repeat_n(b, c[b] as usize))
                    .collect();
                return Err(Error::spec(
                    format!("game.weights[{x}]"),
                    format!(
                        "the total weight is 0 when the action counts are {c:?} \
                         (e.g. profile {example:?}): shares would be 0/0"
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn validate_table(shares: &[Vec<Vec<f64>>], players: usize, k: usize) -> Result<()> {
    let profiles = (k as u64).checked_pow(players as u32).filter(|&p| {
        p.saturating_mul(players as u64)
            .saturating_mul(shares.len().max(1) as u64)
            <= MAX_TABLE_ENTRIES
    });
    let Some(profiles) = profiles else {
        return Err(Error::too_large(format!(
            "game.shares: a table game with {players} players and {k} actions has {k}^{players} \
             profiles, beyond the supported {MAX_TABLE_ENTRIES} numbers (a symmetric family needs none)"
        ), Remedy::SmallerProblem));
    };
    if shares.is_empty() {
        return Err(Error::spec("game.shares", "needs at least one state"));
    }
    for (x, state) in shares.iter().enumerate() {
        if state.len() as u64 != profiles {
            return Err(Error::spec(
                format!("game.shares[{x}]"),
                format!(
                    "has {} rows, expected one per profile (k^n = {profiles})",
                    state.len()
                ),
            ));
        }
        for (p, row) in state.iter().enumerate() {
            let path = || format!("game.shares[{x}][{p}]");
            if row.len() != players {
                return Err(Error::spec(
                    path(),
                    format!(
                        "has {} entries, expected one per player ({players})",
                        row.len()
                    ),
                ));
            }
            for (i, &s) in row.iter().enumerate() {
                if !(s.is_finite() && s >= 0.0) {
                    return Err(Error::spec(
                        format!("game.shares[{x}][{p}][{i}]"),
                        format!("must be a non-negative finite number, got {s}"),
                    ));
                }
            }
            let sum: f64 = row.iter().sum();
            if (sum - 1.0).abs() > UNIT_SUM_TOLERANCE {
                return Err(Error::spec(
                    path(),
                    format!(
                        "sums to {sum}, not 1 (within {UNIT_SUM_TOLERANCE}): not a unit-sum game"
                    ),
                ));
            }
        }
    }
    Ok(())
}
