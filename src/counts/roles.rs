//! Leave-one-out per role: the counts method's fast route for role-dependent
//! games (docs/THEORY.md, "Counts per role"). The count vector of a role
//! game is one block per role; when no part of the plan spans roles the
//! blocks are independent, so everyone's counts are distributed as the
//! product `Π_ρ D_ρ(C_ρ)` of per-role distributions, and the others of a
//! player q of role ρ as `D_{−q,ρ} ⊗ Π_{ρ'≠ρ} D_ρ'`. Hence
//!
//! `r_j(x) = Σ_{q∈j} Σ_o p_o Σ_b o_b Σ_M D_{−q,ρ}(M) H_ρ[x, b](M + o)`,
//! `H_ρ[x, b](C_ρ) = Σ_{C_ρ' (ρ'≠ρ)} Π_{ρ'≠ρ} D_ρ'(C_ρ') h_{ρ,b}(x, C)`:
//!
//! one pass over the product of the per-role simplices evaluates the
//! family's shares once per count vector C and folds them into the small
//! per-role tables H_ρ (the other roles' expectation of the shares); then
//! each role's leave-one-out distributions (one divide and conquer per role,
//! closed-form multinomials for identical players) are summed against its
//! table exactly as in the one-role route. Every term is ≥ 0: no
//! cancellation, relative rounding.

use rayon::prelude::*;

use crate::counts::leave_one_out::LeaveOneOutPlan;
use crate::counts::part_types::PartType;
use crate::error::Result;
use crate::plan::FlatPlan;
use crate::watch::Watch;

/// Tasks the product pass is cut into (fixed, so that the sums do not
/// depend on the thread count).
const TASKS: usize = 64;

/// The per-role leave-one-out route for one role game.
pub(crate) struct RolePlan {
    /// One leave-one-out plan per role block, on that role's simplex.
    roles: Vec<LeaveOneOutPlan>,
    actions: usize,
    states: usize,
    coalitions: usize,
}

/// Count vectors of one role's simplex with their probabilities.
struct RoleCells {
    /// k counts per cell, in storage order.
    counts: Vec<u32>,
    /// `D_ρ` per cell.
    mass: Vec<f64>,
}

impl RolePlan {
    /// The route for `types[ρ]` (each role's part types) over role blocks of
    /// `players[ρ]` players.
    pub fn new(
        players: &[usize],
        actions: usize,
        states: usize,
        coalitions: usize,
        types: Vec<Vec<PartType>>,
    ) -> RolePlan {
        let roles = players
            .iter()
            .zip(types)
            .map(|(&n, types)| LeaveOneOutPlan::new(n, actions, states, coalitions, types, true))
            .collect();
        RolePlan {
            roles,
            actions,
            states,
            coalitions,
        }
    }

    /// Count vectors of the product space: `Π_ρ C(n_ρ + k − 1, k − 1)`.
    pub fn product_cells(players: &[usize], actions: usize) -> f64 {
        players
            .iter()
            .map(|&n| crate::counts::vectors::count_vectors(n as u64, actions as u64) as f64)
            .product()
    }

    /// Rough floating-point operations: the product pass (one share
    /// evaluation of R·k cells per count vector and state, about 30, and a
    /// multiply-add per cell) and each role's leave-one-out sums against
    /// its table (the tables built by the pass, not by the family).
    pub fn estimate_cost(
        players: &[usize],
        actions: usize,
        states: usize,
        types: &[Vec<PartType>],
    ) -> f64 {
        let cells = (players.len() * actions) as f64;
        let pass = Self::product_cells(players, actions) * states as f64 * (30.0 + 3.0 * cells);
        let roles: f64 = players
            .iter()
            .zip(types)
            .map(|(&n, t)| {
                let own = crate::counts::vectors::count_vectors(n as u64, actions as u64) as f64;
                LeaveOneOutPlan::estimate_cost(n, actions, states, t, true)
                    - own * (actions * states) as f64 * 30.0
            })
            .sum();
        pass + roles
    }

    /// Peak memory in bytes: each role's leave-one-out memory (its tables
    /// included), its cells and full distribution, and the pass's per-task
    /// tables.
    pub fn estimate_bytes(
        players: &[usize],
        actions: usize,
        states: usize,
        types: &[Vec<PartType>],
    ) -> u64 {
        let cells = |n: usize| crate::counts::vectors::count_vectors(n as u64, actions as u64);
        let loo = players
            .iter()
            .zip(types)
            .map(|(&n, t)| LeaveOneOutPlan::estimate_bytes(n, actions, states, t, true))
            .fold(0u64, u64::saturating_add);
        let own = players
            .iter()
            .map(|&n| cells(n).saturating_mul(8 * actions as u64 + 8))
            .fold(0u64, u64::saturating_add);
        let tasks = players
            .iter()
            .map(|&n| cells(n).saturating_mul((8 * actions * states) as u64))
            .fold(0u64, u64::saturating_add)
            .saturating_mul(TASKS as u64);
        loo.saturating_add(own).saturating_add(tasks)
    }

    /// Sums per slot `j * states + x`.
    pub fn run(&self, flat: &FlatPlan, watch: Watch<'_>) -> Result<Vec<f64>> {
        let cells: Vec<RoleCells> = self
            .roles
            .iter()
            .map(|plan| RoleCells {
                counts: plan.simplex().count_vectors(),
                mass: plan.full_distribution(),
            })
            .collect();
        watch.check()?;
        let tables = self.role_tables(&cells, flat, watch)?;
        let mut sums = vec![0.0; self.coalitions * self.states];
        for (plan, tables) in self.roles.iter().zip(&tables) {
            plan.add_sums(tables, flat, &mut sums, watch)?;
        }
        Ok(sums)
    }

    /// `H_ρ[x·k + b]` over role ρ's cells, by one pass over the product
    /// space: role 0's cells cut into [`TASKS`] fixed runs, the other
    /// roles' tables summed per run and then added in run order.
    fn role_tables(
        &self,
        cells: &[RoleCells],
        flat: &FlatPlan,
        watch: Watch<'_>,
    ) -> Result<Vec<Vec<Vec<f64>>>> {
        let (k, states) = (self.actions, self.states);
        let table = |c: &RoleCells| vec![vec![0.0; c.mass.len()]; k * states];
        let first = cells[0].mass.len();
        let run = first.div_ceil(TASKS).max(1);
        let done = std::sync::atomic::AtomicUsize::new(0);
        let tasks = first.div_ceil(run);
        let partials: Vec<Vec<Vec<Vec<f64>>>> = (0..tasks)
            .into_par_iter()
            .map(|task| {
                let mut local: Vec<Vec<Vec<f64>>> = cells.iter().map(table).collect();
                if !watch.cancelled() {
                    let range = task * run..((task + 1) * run).min(first);
                    self.pass(cells, range, flat, &mut local);
                }
                let finished = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                watch.report(finished as u64, tasks as u64);
                local
            })
            .collect();
        watch.check()?;
        let mut tables: Vec<Vec<Vec<f64>>> = cells.iter().map(table).collect();
        for local in partials {
            for (role, local) in tables.iter_mut().zip(local) {
                for (t, l) in role.iter_mut().zip(local) {
                    for (a, b) in t.iter_mut().zip(l) {
                        *a += b;
                    }
                }
            }
        }
        Ok(tables)
    }

    /// The pass over role 0's cells `range` times every other role's cells
    /// (an odometer over the roles after the first), adding to `tables`.
    fn pass(
        &self,
        cells: &[RoleCells],
        range: std::ops::Range<usize>,
        flat: &FlatPlan,
        tables: &mut [Vec<Vec<f64>>],
    ) {
        let (k, states) = (self.actions, self.states);
        let roles = cells.len();
        let width = roles * k;
        let mut at = vec![0usize; roles];
        let mut counts = [0u32; crate::model::limits::MAX_ACTIONS];
        let mut h = [0.0f64; crate::model::limits::MAX_ACTIONS];
        let ranks = [0u32; crate::model::limits::MAX_ACTIONS];
        let mut weight = vec![0.0; roles];
        let mut others = vec![0.0; roles];
        for c0 in range {
            at.fill(0);
            at[0] = c0;
            loop {
                let mut zeros = 0;
                for (r, c) in cells.iter().enumerate() {
                    weight[r] = c.mass[at[r]];
                    zeros += usize::from(weight[r] == 0.0);
                    counts[r * k..(r + 1) * k].copy_from_slice(&c.counts[at[r] * k..][..k]);
                }
                // Two zero factors leave every role's weight zero.
                if zeros < 2 {
                    // Each role's weight: the product of the others' masses.
                    for (r, o) in others.iter_mut().enumerate() {
                        *o = weight
                            .iter()
                            .enumerate()
                            .filter(|&(s, _)| s != r)
                            .map(|(_, w)| w)
                            .product();
                    }
                    for x in 0..states {
                        crate::cpu::families::action_shares(
                            flat,
                            x as u32,
                            &counts[..width],
                            &ranks[..width],
                            &mut h[..width],
                        );
                        for (r, table) in tables.iter_mut().enumerate() {
                            let w = others[r];
                            if w != 0.0 {
                                for b in 0..k {
                                    table[x * k + b][at[r]] += w * h[r * k + b];
                                }
                            }
                        }
                    }
                }
                // The next cell of roles 1.. (the last role fastest).
                let mut r = roles - 1;
                loop {
                    if r == 0 {
                        break;
                    }
                    at[r] += 1;
                    if at[r] < cells[r].mass.len() {
                        break;
                    }
                    at[r] = 0;
                    r -= 1;
                }
                if r == 0 {
                    break;
                }
            }
        }
    }
}
