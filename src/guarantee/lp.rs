//! The one LP the guarantees solve, `max_π min_c Σ_a π_a w[c][a]`, by
//! microlp (a maintained pure-Rust simplex: vertex solutions in f64, no
//! native build): the dense LP over a whole payoff matrix, and the double
//! oracle's restricted games.

use microlp::{ComparisonOp, OptimizationDirection, Problem as Lp, SolveOutcome};

use crate::error::{Error, Result};

/// `max_π min_c Σ_a π_a w[c][a]` over distributions π: the LP's value and π.
/// `column(c)` gives w[c][·] for constraint c.
pub(crate) fn maximin(
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
