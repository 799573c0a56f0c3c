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
//! Both bounds are exact f64 sums (extrema over every count vector of a
//! side, walked on its simplex: `passes.rs`), whatever the
//! LP's accuracy; the LP only steers. The loop ends when `upper − lower ≤`
//! [`GAP`], when neither oracle finds anything new, or at a cap.

use super::lp::{maximin, support as kept};
use super::passes::{Oracles, Vector};
use super::shares::Shares;
use super::simplex::Simplex;
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

/// Every strategy (count vector) and reply (state, count vector) the
/// oracles found.
pub(crate) type Explored = (Vec<Vec<u32>>, Vec<(usize, Vec<u32>)>);

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
    /// Every strategy and reply the oracles found (the spy value's search
    /// tries them first).
    pub found: Explored,
    /// Strategies and replies of the last restricted game.
    pub strategies: usize,
    /// See `strategies`.
    pub replies: usize,
}

/// A mix over indices into the restricted game's strategies or replies:
/// (index, probability).
type Mix = Vec<(usize, f64)>;

/// The restricted game of the double oracle: strategies and replies (state,
/// vector) found so far and their payoffs `rows[a][b]`, grown one strategy
/// or reply at a time.
struct Restricted<'a, S: Shares> {
    shares: &'a S,
    coalition: Simplex,
    others: Simplex,
    strategies: Vec<Vector<S::Key>>,
    replies: Vec<(usize, Vector<S::Key>)>,
    rows: Vec<Vec<f64>>,
}

impl<'a, S: Shares> Restricted<'a, S> {
    /// The game that starts with every "all on one action" strategy:
    /// Theorem 1's common actions (in a role game, every member on the same
    /// action), each a vertex of the coalition's count space (in rank
    /// order), and no reply yet.
    fn new(shares: &'a S, coalition: Simplex, others: Simplex) -> Self {
        let ranks = coalition.common_action_ranks();
        let strategies: Vec<_> = ranks
            .into_iter()
            .map(|r| Vector::at(shares, &coalition, r))
            .collect();
        Restricted {
            shares,
            others,
            rows: vec![Vec::new(); strategies.len()],
            coalition,
            strategies,
            replies: Vec::new(),
        }
    }

    /// The coalition's payoff of strategy `a` against reply `b`.
    fn payoff(&self, a: &Vector<S::Key>, (x, m): &(usize, Vector<S::Key>)) -> f64 {
        self.shares.payoff(*x, &a.counts, a.key, &m.counts, m.key)
    }

    /// Add the reply of rank `rank` in state `x` unless the game has it;
    /// whether it was new.
    fn add_reply(&mut self, x: usize, rank: u64) -> bool {
        if self.replies.iter().any(|(y, m)| (*y, m.rank) == (x, rank)) {
            return false;
        }
        let reply = (x, Vector::at(self.shares, &self.others, rank));
        for (row, a) in self.rows.iter_mut().zip(&self.strategies) {
            row.push(
                self.shares
                    .payoff(x, &a.counts, a.key, &reply.1.counts, reply.1.key),
            );
        }
        self.replies.push(reply);
        true
    }

    /// Add the strategy of rank `rank` unless the game has it; whether it
    /// was new.
    fn add_strategy(&mut self, rank: u64) -> bool {
        if self.strategies.iter().any(|a| a.rank == rank) {
            return false;
        }
        let a = Vector::at(self.shares, &self.coalition, rank);
        let row = self.replies.iter().map(|b| self.payoff(&a, b)).collect();
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

/// `mix` with its largest probabilities first (the passes skip sooner),
/// ties in index order.
fn largest_first(mix: &Mix) -> Mix {
    let mut sorted = mix.clone();
    sorted.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    sorted
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
/// double oracle, with both certificates (a symmetric game: one block);
/// `oracles` runs the two passes.
#[cfg(test)]
pub(crate) fn solve<S: Shares>(
    shares: &S,
    oracles: &mut dyn Oracles<S>,
    members: u32,
    others: u32,
    caps: Caps,
    watch: &Watch<'_>,
) -> Result<Certified> {
    let k = shares.actions();
    solve_on(
        shares,
        oracles,
        Simplex::new(members, k),
        Simplex::new(others, k),
        caps,
        watch,
    )
}

/// The security value of the coalition whose count vectors are `coalition`
/// against the others' (`others`: the same blocks) by double oracle, with
/// both certificates; `oracles` runs the two passes.
pub(crate) fn solve_on<S: Shares>(
    shares: &S,
    oracles: &mut dyn Oracles<S>,
    coalition: Simplex,
    others: Simplex,
    caps: Caps,
    watch: &Watch<'_>,
) -> Result<Certified> {
    let started = std::time::Instant::now();
    let mut game = Restricted::new(shares, coalition, others);
    let mut pi: Mix = (0..game.strategies.len())
        .map(|i| (i, 1.0 / game.strategies.len() as f64))
        .collect();
    // The best of each bound so far, with the mix that gives it (and, for
    // the lower bound, the reply that holds that mix to it).
    let mut best_lower: Option<(f64, Mix, (usize, u64))> = None;
    let mut best_upper: Option<(f64, Mix)> = None;
    let mut iterations = 0;
    let stopped = loop {
        iterations += 1;
        // The others' exact best reply to π: the lower bound.
        let pi_sorted = largest_first(&pi);
        let mix: Vec<_> = pi_sorted
            .iter()
            .map(|&(i, p)| (&game.strategies[i], p))
            .collect();
        let reply = oracles.worst_reply(shares, &game.others, &mix, watch)?;
        if best_lower.as_ref().is_none_or(|b| reply.value > b.0) {
            best_lower = Some((reply.value, pi_sorted, (reply.state, reply.rank)));
        }
        let new_reply = game.add_reply(reply.state, reply.rank);
        // The others' mix on the restricted game, and the coalition's exact
        // best response to it: the upper bound.
        let mu = largest_first(&game.others_mix()?);
        let mix: Vec<_> = mu
            .iter()
            .map(|&(b, w)| (game.replies[b].0, &game.replies[b].1, w))
            .collect();
        let response = oracles.best_strategy(shares, &game.coalition, &mix, watch)?;
        if best_upper.as_ref().is_none_or(|b| response.value < b.0) {
            best_upper = Some((response.value, mu));
        }
        let gap = best_upper.as_ref().expect("set").0 - best_lower.as_ref().expect("set").0;
        watch.check()?;
        if gap <= GAP {
            break None;
        }
        let new_strategy = game.add_strategy(response.rank);
        let seconds = started.elapsed().as_secs_f64();
        if let Some(why) = stop_reason(new_strategy || new_reply, gap, iterations, &caps, seconds) {
            break Some(why);
        }
        pi = game.coalition_mix()?;
    };
    let (lower, policy, worst) = best_lower.expect("one round ran");
    let (upper, mu) = best_upper.expect("one round ran");
    let mut counts = vec![0; shares.actions()];
    game.others.unrank(worst.1, &mut counts);
    Ok(Certified {
        lower,
        upper,
        iterations,
        stopped,
        policy: policy
            .iter()
            .map(|&(a, p)| (game.strategies[a].counts.clone(), p))
            .collect(),
        reply_mix: mu
            .iter()
            .map(|&(b, w)| {
                let (x, m) = &game.replies[b];
                (*x, m.counts.clone(), w)
            })
            .collect(),
        worst: (worst.0, counts),
        found: (
            game.strategies.iter().map(|a| a.counts.clone()).collect(),
            game.replies
                .iter()
                .map(|(x, m)| (*x, m.counts.clone()))
                .collect(),
        ),
        strategies: game.strategies.len(),
        replies: game.replies.len(),
    })
}
