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
    let k = table.space.actions;
    let coalition = Side::all(&table.space, members);
    let other_side = Side::all(&table.space, others);
    // The restricted game: strategies (indices into `coalition`), replies
    // (state, index into `other_side`) and their payoffs `rows[a][b]`.
    // It starts with every "all on one action" strategy: Theorem 1's common
    // actions, each a vertex of the coalition's count simplex.
    let mut strategies: Vec<usize> = (0..coalition.len())
        .filter(|&a| coalition.vector(a, k).iter().filter(|&&c| c > 0).count() <= 1)
        .collect();
    let mut replies: Vec<(usize, usize)> = Vec::new();
    let mut rows: Vec<Vec<f64>> = vec![Vec::new(); strategies.len()];
    let payoff = |a: usize, (x, m): (usize, usize)| {
        table.payoff(
            x,
            coalition.vector(a, k),
            coalition.cells[a],
            other_side.cells[m],
        )
    };
    let mut pi: Vec<(usize, f64)> = (0..strategies.len())
        .map(|i| (i, 1.0 / strategies.len() as f64))
        .collect();
    // The best of each bound so far, with the mix that gives it (and, for
    // the lower bound, the reply that holds that mix to it).
    let mut best_lower: Option<(f64, Mix, Reply)> = None;
    let mut best_upper: Option<(f64, Mix)> = None;
    let mut iterations = 0;
    let stopped = loop {
        iterations += 1;
        // The others' exact best reply to π: the lower bound.
        let mix: Vec<(usize, f64)> = pi.iter().map(|&(i, p)| (strategies[i], p)).collect();
        let reply = worst_reply(table, &coalition, &other_side, &mix);
        if best_lower.as_ref().is_none_or(|b| reply.value > b.0) {
            best_lower = Some((reply.value, mix, (reply.state, reply.index)));
        }
        let new_reply = !replies.contains(&(reply.state, reply.index));
        if new_reply {
            replies.push((reply.state, reply.index));
            for (row, &a) in rows.iter_mut().zip(&strategies) {
                row.push(payoff(a, (reply.state, reply.index)));
            }
        }
        // The others' mix on the restricted game, and the coalition's exact
        // best response to it: the upper bound.
        let mu = maximin(replies.len(), strategies.len(), |a, b| -rows[a][b])?.weights;
        let mu = kept(&mu);
        let mix: Vec<(usize, usize, f64)> = mu
            .iter()
            .map(|&(b, w)| (replies[b].0, replies[b].1, w))
            .collect();
        let response = best_strategy(table, &coalition, &other_side, &mix);
        if best_upper.as_ref().is_none_or(|b| response.value < b.0) {
            best_upper = Some((response.value, mu.clone()));
        }
        let (lower, upper) = (
            best_lower.as_ref().expect("set").0,
            best_upper.as_ref().expect("set").0,
        );
        watch.check()?;
        if upper - lower <= GAP {
            break None;
        }
        let new_strategy = !strategies.contains(&response.index);
        if new_strategy {
            let a = response.index;
            rows.push(replies.iter().map(|&b| payoff(a, b)).collect());
            strategies.push(a);
        }
        if !new_strategy && !new_reply {
            break Some(format!(
                "neither oracle found a new strategy with the gap at {:.1e} (the restricted LP's \
                 rounding)",
                upper - lower
            ));
        }
        if iterations >= caps.iterations {
            break Some(format!("stopped at the cap of {} rounds", caps.iterations));
        }
        if started.elapsed().as_secs_f64() >= caps.seconds {
            break Some(format!(
                "stopped at the cap of {} s ({iterations} rounds)",
                caps.seconds
            ));
        }
        // The coalition's mix on the restricted game.
        let weights = maximin(strategies.len(), replies.len(), |b, a| rows[a][b])?.weights;
        pi = kept(&weights);
    };
    let (lower, policy, worst) = best_lower.expect("one round ran");
    let (upper, mu) = best_upper.expect("one round ran");
    Ok(Certified {
        lower,
        upper,
        iterations,
        stopped,
        policy: policy
            .iter()
            .map(|&(a, p)| (coalition.vector(a, k).to_vec(), p))
            .collect(),
        reply_mix: mu
            .iter()
            .map(|&(b, w)| {
                let (x, m) = replies[b];
                (x, other_side.vector(m, k).to_vec(), w)
            })
            .collect(),
        worst: (worst.0, other_side.vector(worst.1, k).to_vec()),
        strategies: strategies.len(),
        replies: replies.len(),
    })
}
