//! The one LP the guarantees solve, `max_π min_c Σ_a π_a w[c][a]`, by
//! microlp (a maintained pure-Rust simplex: vertex solutions in f64, no
//! native build): the dense LP over a whole payoff matrix, and the double
//! oracle's restricted games.

use microlp::{ComparisonOp, OptimizationDirection, Problem as Lp, SolveOutcome};

use crate::error::{Error, Result};

/// Entries of smaller magnitude are taken as 0 by the solve, one floor after
/// the other until the solver answers consistently. Shares lie in [0, 1] and
/// a mix's weights sum to 1, so a floor δ moves any mix's value by less than
/// δ; it keeps the entries' range within what the solver resolves (microlp
/// asks for at most 10^6 between a constraint's largest and smallest
/// coefficient: extreme proportional weights give shares of 1e-30 beside 1).
const FLOORS: [f64; 3] = [1e-12, 1e-9, 1e-6];

/// How far the LP's own objective may be from its mix's exact value, beyond
/// the floor, for the answer to count as consistent.
const CONSISTENCY: f64 = 1e-9;

/// The solution of `max_π min_c Σ_a π_a w[c][a]`.
#[derive(Clone, Debug)]
pub(crate) struct Maximin {
    /// The mix's exact value `min_c Σ_a π_a w[c][a]` on the entries as given
    /// (what π secures: a lower bound on the LP's optimum).
    pub value: f64,
    /// π.
    pub weights: Vec<f64>,
    /// The optimum is at most `value + slack` (the floor the solve took,
    /// plus the LP objective's distance from `value`).
    pub slack: f64,
}

/// `max_π min_c Σ_a π_a w[c][a]` over distributions π. `column(c, a)` gives
/// w[c][a] for constraint c. Solved on the entries floored by [`FLOORS`] in
/// turn; the value returned is the mix's exact value on the entries as given,
/// accepted only when the solver's objective agrees with it.
pub(crate) fn maximin(
    strategies: usize,
    constraints: usize,
    column: impl Fn(usize, usize) -> f64,
) -> Result<Maximin> {
    let mut failure = String::new();
    for floor in FLOORS {
        let floored = |c: usize, a: usize| {
            let w = column(c, a);
            if w.abs() < floor {
                0.0
            } else {
                w
            }
        };
        let (objective, weights) = match solve(strategies, constraints, floored) {
            Ok(solution) => solution,
            Err(e) => {
                failure = e.to_string();
                continue;
            }
        };
        let value = (0..constraints)
            .map(|c| {
                (0..strategies)
                    .map(|a| weights[a] * column(c, a))
                    .sum::<f64>()
            })
            .fold(f64::INFINITY, f64::min);
        let distance = (objective - value).abs();
        if distance <= floor + CONSISTENCY {
            return Ok(Maximin {
                value,
                weights,
                slack: floor + distance,
            });
        }
        failure = format!(
            "its objective {objective} is {distance:.1e} from its mix's exact value {value}"
        );
    }
    Err(Error::Lp(format!(
        "{failure} (entries floored at up to {:.0e}); the double oracle (solver \
         double-oracle) certifies its bounds by exact best replies instead",
        FLOORS[FLOORS.len() - 1]
    )))
}

/// One microlp solve of the maximin LP: its objective and π.
fn solve(
    strategies: usize,
    constraints: usize,
    column: impl Fn(usize, usize) -> f64,
) -> Result<(f64, Vec<f64>)> {
    let mut lp = Lp::new(OptimizationDirection::Maximize);
    let pi: Vec<_> = (0..strategies)
        .map(|_| lp.add_var(0.0, (0.0, 1.0)))
        .collect();
    let t = lp.add_var(1.0, (f64::NEG_INFINITY, f64::INFINITY));
    for c in 0..constraints {
        let mut terms: Vec<(microlp::Variable, f64)> = pi
            .iter()
            .enumerate()
            .map(|(a, &v)| (v, column(c, a)))
            .filter(|(_, w)| *w != 0.0)
            .collect();
        terms.push((t, -1.0));
        lp.add_constraint(terms, ComparisonOp::Ge, 0.0);
    }
    lp.add_constraint(
        pi.iter().map(|&v| (v, 1.0)).collect::<Vec<_>>(),
        ComparisonOp::Eq,
        1.0,
    );
    match lp.solve() {
        Ok(SolveOutcome::Solution(solution)) => {
            let mut weights: Vec<f64> = pi.iter().map(|&v| solution[v].max(0.0)).collect();
            let total: f64 = weights.iter().sum();
            weights.iter_mut().for_each(|w| *w /= total);
            Ok((solution[t], weights))
        }
        Ok(_) => Err(Error::Lp("it stopped before an answer".into())),
        Err(e) => Err(Error::Lp(e.to_string())),
    }
}

/// Probabilities below this are dropped from a solution's mix (simplex
/// vertices carry round-off of that order), the rest renormalised.
const MIX_EPSILON: f64 = 1e-12;

/// The support of an LP's mix: (index, probability above [`MIX_EPSILON`]),
/// renormalised. Every bound and check is computed for the mix as kept.
pub(crate) fn support(weights: &[f64]) -> Vec<(usize, f64)> {
    let kept: Vec<(usize, f64)> = weights
        .iter()
        .copied()
        .enumerate()
        .filter(|&(_, w)| w > MIX_EPSILON)
        .collect();
    let total: f64 = kept.iter().map(|(_, w)| w).sum();
    kept.into_iter().map(|(i, w)| (i, w / total)).collect()
}
