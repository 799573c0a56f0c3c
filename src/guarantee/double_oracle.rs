//! The security value of a coalition in a symmetric game by double oracle
//! (row and column generation), with certified bounds (docs/THEORY.md,
//! "Guarantees at scale").
//!
//! The coalition's pure strategies are its count vectors N, the others'
//! are pairs (state x, count vector M); the payoff is
//! `f_x(N, M) = Σ_b N_b h_b(x, N + M)`. Each round solves the game restricted
//! to the strategies found so far, twice (once for each side's mix, both by
//! LP), then asks each side's exact oracle for its best response over *all*
//! count vectors:
//! - the others' best reply to the coalition's mix π gives
//!   `lower = min_{x, M} Σ_N π(N) f_x(N, M)`: what π secures, whatever the
//!   others do;
//! - the coalition's best response to the others' mix μ gives
//!   `upper = max_N Σ_{x, M} μ(x, M) f_x(N, M)`: by the minimax theorem no
//!   policy secures more.
//!
//! Both bounds are exact f64 sums over the whole count cube, whatever the
//! LP's accuracy; the LP only steers. The loop ends when `upper − lower ≤`
//! [`GAP`], when neither oracle finds anything new, or at a cap.

use rayon::prelude::*;

use super::lp::{maximin, support as kept};
use super::share_table::{ShareTable, Side};
use crate::error::Result;
use crate::watch::Watch;

/// The certified gap the loop stops at.
pub const GAP: f64 = 1e-9;

/// Caps on the loop; reaching one is not an error: both bounds are printed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Caps {
    pub iterations: usize,
    pub seconds: f64,
}

/// The double oracle's answer.
#[derive(Clone, Debug)]
pub(crate) struct Certified {
    /// What `policy` secures against the others' exact best reply.
    pub lower: f64,
    /// What `reply_mix` holds every strategy of the coalition to.
    pub upper: f64,
    /// Rounds run.
    pub iterations: usize,
    /// Why the loop stopped short of the gap, if it did.
    pub stopped: Option<String>,
    /// The coalition's mix: (count vector, probability).
    pub policy: Vec<(Vec<u32>, f64)>,
    /// The others' mix: (state, count vector, probability).
    pub reply_mix: Vec<(usize, Vec<u32>, f64)>,
    /// The others' exact best reply to `policy`: (state, count vector).
    pub worst: (usize, Vec<u32>),
    /// Strategies and replies of the last restricted game.
    pub strategies: usize,
    /// See `strategies`.
    pub replies: usize,
}

/// A mix over indices into one side's list: (index, probability).
type Mix = Vec<(usize, f64)>;
/// One of the others' pure strategies: (state, index into their list).
type Reply = (usize, usize);

/// One side's candidate found by an oracle: its index in the side's list.
#[derive(Clone, Copy)]
struct Found {
    value: f64,
    index: usize,
    state: usize,
}

/// The others' best reply to the coalition's mix `mix` (strategy index into
/// `coalition`, probability): the minimum over states and all their count
/// vectors, ties to the lowest (state, index).
fn worst_reply(table: &ShareTable, coalition: &Side, others: &Side, mix: &[(usize, f64)]) -> Found {
    let k = table.space.actions;
    let support: Vec<(&[u32], u32, f64)> = mix
        .iter()
        .map(|&(a, p)| (coalition.vector(a, k), coalition.cells[a], p))
        .collect();
    let len = others.len();
    (0..table.states() * len)
        .into_par_iter()
        .with_min_len(1024)
        .map(|t| {
            let (x, m) = (t / len, t % len);
            let cell = others.cells[m];
            let value = support
                .iter()
                .map(|&(n, n_cell, p)| p * table.payoff(x, n, n_cell, cell))
                .sum();
            Found {
                value,
                index: m,
                state: x,
            }
        })
        .reduce_with(|a, b| {
            let b_first = (b.state, b.index) < (a.state, a.index);
            if b.value < a.value || (b.value == a.value && b_first) {
                b
            } else {
                a
            }
        })
        .expect("the others have a count vector")
}

/// The coalition's best response to the others' mix `mix` (state, index
/// into `others`, probability): the maximum over all its count vectors,
/// ties to the lowest index.
fn best_strategy(
    table: &ShareTable,
    coalition: &Side,
    others: &Side,
    mix: &[(usize, usize, f64)],
) -> Found {
    let k = table.space.actions;
    let support: Vec<(usize, u32, f64)> = mix
        .iter()
        .map(|&(x, m, w)| (x, others.cells[m], w))
        .collect();
    (0..coalition.len())
        .into_par_iter()
        .with_min_len(1024)
        .map(|a| {
            let (n, cell) = (coalition.vector(a, k), coalition.cells[a]);
            let value = support
                .iter()
                .map(|&(x, m_cell, w)| w * table.payoff(x, n, cell, m_cell))
                .sum();
            Found {
                value,
                index: a,
                state: 0,
            }
        })
        .reduce_with(|a, b| {
            if b.value > a.value || (b.value == a.value && b.index < a.index) {
                b
            } else {
                a
            }
        })
        .expect("the coalition has a count vector")
}

/// The restricted game of the double oracle: strategies (indices into
/// `coalition`), replies (state, index into `others`) and their payoffs
/// `rows[a][b]`, grown one strategy or reply at a time.
struct Restricted<'a> {
    table: &'a ShareTable,
    coalition: Side,
    others: Side,
    strategies: Vec<usize>,
    replies: Vec<Reply>,
    rows: Vec<Vec<f64>>,
}

impl<'a> Restricted<'a> {
    /// The game that starts with every "all on one action" strategy:
    /// Theorem 1's common actions, each a vertex of the coalition's count
    /// simplex, and no reply yet.
    fn new(table: &'a ShareTable, members: u32, others: u32) -> Self {
        let k = table.space.actions;
        let coalition = Side::all(&table.space, members);
        let strategies: Vec<usize> = (0..coalition.len())
            .filter(|&a| coalition.vector(a, k).iter().filter(|&&c| c > 0).count() <= 1)
            .collect();
        Restricted {
            table,
            others: Side::all(&table.space, others),
            rows: vec![Vec::new(); strategies.len()],
            coalition,
            strategies,
            replies: Vec::new(),
        }
    }

    /// The coalition's payoff of strategy `a` against reply `(x, m)`.
    fn payoff(&self, a: usize, (x, m): Reply) -> f64 {
        let k = self.table.space.actions;
        self.table.payoff(
            x,
            self.coalition.vector(a, k),
            self.coalition.cells[a],
            self.others.cells[m],
        )
    }

    /// Add `reply` unless the game has it; whether it was new.
    fn add_reply(&mut self, reply: Reply) -> bool {
        if self.replies.contains(&reply) {
            return false;
        }
        let column: Vec<f64> = self
            .strategies
            .iter()
            .map(|&a| self.payoff(a, reply))
            .collect();
        for (row, v) in self.rows.iter_mut().zip(column) {
            row.push(v);
        }
        self.replies.push(reply);
        true
    }

    /// Add strategy `a` unless the game has it; whether it was new.
    fn add_strategy(&mut self, a: usize) -> bool {
        if self.strategies.contains(&a) {
            return false;
        }
        let row = self.replies.iter().map(|&b| self.payoff(a, b)).collect();
        self.rows.push(row);
        self.strategies.push(a);
        true
    }

    /// The others' mix on the restricted game (indices into `replies`).
    fn others_mix(&self) -> Result<Mix> {
        let rows = &self.rows;
        let mu = maximin(self.replies.len(), self.strategies.len(), |a, b| {
            -rows[a][b]
        })?;
        Ok(kept(&mu.weights))
    }

    /// The coalition's mix on the restricted game (indices into `strategies`).
    fn coalition_mix(&self) -> Result<Mix> {
        let rows = &self.rows;
        let pi = maximin(self.strategies.len(), self.replies.len(), |b, a| rows[a][b])?;
        Ok(kept(&pi.weights))
    }
}

/// Why the loop stops before its gap, if it does: no oracle found anything
/// new (the restricted LP's rounding), or a cap.
fn stop_reason(
    found_new: bool,
    gap: f64,
    iterations: usize,
    caps: &Caps,
    seconds: f64,
) -> Option<String> {
    if !found_new {
        return Some(format!(
            "neither oracle found a new strategy with the gap at {gap:.1e} (the restricted LP's \
             rounding)"
        ));
    }
    if iterations >= caps.iterations {
        return Some(format!("stopped at the cap of {} rounds", caps.iterations));
    }
    if seconds >= caps.seconds {
        return Some(format!(
            "stopped at the cap of {} s ({iterations} rounds)",
            caps.seconds
        ));
    }
    None
}

/// The security value of `members` players against the other `others` by
/// double oracle, with both certificates.
pub(crate) fn solve(
    table: &ShareTable,
    members: u32,
    others: u32,
    caps: Caps,
    watch: &Watch<'_>,
) -> Result<Certified> {
    let started = std::time::Instant::now();
    let mut game = Restricted::new(table, members, others);
    let mut pi: Mix = (0..game.strategies.len())
        .map(|i| (i, 1.0 / game.strategies.len() as f64))
        .collect();
    // The best of each bound so far, with the mix that gives it (and, for
    // the lower bound, the reply that holds that mix to it).
    let mut best_lower: Option<(f64, Mix, Reply)> = None;
    let mut best_upper: Option<(f64, Mix)> = None;
    let mut iterations = 0;
    let stopped = loop {
        iterations += 1;
        // The others' exact best reply to π: the lower bound.
        let mix: Mix = pi.iter().map(|&(i, p)| (game.strategies[i], p)).collect();
        let reply = worst_reply(table, &game.coalition, &game.others, &mix);
        if best_lower.as_ref().is_none_or(|b| reply.value > b.0) {
            best_lower = Some((reply.value, mix, (reply.state, reply.index)));
        }
        let new_reply = game.add_reply((reply.state, reply.index));
        // The others' mix on the restricted game, and the coalition's exact
        // best response to it: the upper bound.
        let mu = game.others_mix()?;
        let mix: Vec<(usize, usize, f64)> = mu
            .iter()
            .map(|&(b, w)| (game.replies[b].0, game.replies[b].1, w))
            .collect();
        let response = best_strategy(table, &game.coalition, &game.others, &mix);
        if best_upper.as_ref().is_none_or(|b| response.value < b.0) {
            best_upper = Some((response.value, mu));
        }
        let gap = best_upper.as_ref().expect("set").0 - best_lower.as_ref().expect("set").0;
        watch.check()?;
        if gap <= GAP {
            break None;
        }
        let new_strategy = game.add_strategy(response.index);
        let seconds = started.elapsed().as_secs_f64();
        if let Some(why) = stop_reason(new_strategy || new_reply, gap, iterations, &caps, seconds) {
            break Some(why);
        }
        pi = game.coalition_mix()?;
    };
    let (lower, policy, worst) = best_lower.expect("one round ran");
    let (upper, mu) = best_upper.expect("one round ran");
    let k = table.space.actions;
    Ok(Certified {
        lower,
        upper,
        iterations,
        stopped,
        policy: policy
            .iter()
            .map(|&(a, p)| (game.coalition.vector(a, k).to_vec(), p))
            .collect(),
        reply_mix: mu
            .iter()
            .map(|&(b, w)| {
                let (x, m) = game.replies[b];
                (x, game.others.vector(m, k).to_vec(), w)
            })
            .collect(),
        worst: (worst.0, game.others.vector(worst.1, k).to_vec()),
        strategies: game.strategies.len(),
        replies: game.replies.len(),
    })
}
