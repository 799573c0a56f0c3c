//! The core of the characteristic function and its two properties,
//! superadditivity and monotonicity (docs/THEORY.md, "The characteristic
//! function").
//!
//! The core is convex and invariant under permutations of the players of
//! one role, so when it is non-empty it holds an allocation that gives
//! every player of role r the same share x_r (average any core allocation
//! over those permutations). The least core is therefore the small LP
//! `max ε` over per-role shares: `Σ_r s_r x_r − ε ≥ v(s)` for every proper
//! composition s, `Σ_r n_r x_r = 1`; the core is empty exactly when ε < 0.

use microlp::{ComparisonOp, OptimizationDirection, Problem as Lp, SolveOutcome};

use super::composition_index;
use crate::error::{Error, Result};

/// How far below 0 an excess or a slack may fall and still count as 0: the
/// security values are certified within 1e-9 (the double oracle's gap) and
/// each comparison involves at most three of them.
pub const POWER_TOLERANCE: f64 = 3e-9;

/// Pairs of compositions beyond which superadditivity is not checked.
const MAX_PAIRS: u128 = 100_000_000;

/// The core, or where it is empty, the least core.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Core {
    /// Whether no division of the unit gives every coalition its guarantee.
    pub empty: bool,
    /// The share of one player of each role: a core allocation, or where
    /// the core is empty, one of the least core.
    pub allocation: Vec<f64>,
    /// `max_x min_S (x(S) − v(S))` over allocations x: at least 0 (within
    /// [`POWER_TOLERANCE`]) exactly when the core is non-empty.
    pub least_excess: f64,
    /// Where the core is empty, the composition that `allocation` leaves
    /// furthest below its guarantee (with one role: the first size s with
    /// v(s) > s/n, which no division can meet).
    pub violated: Option<Vec<usize>>,
}

/// Whether a property of v holds, and its tightest case.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PowerProperty {
    /// Whether it was checked (superadditivity: up to 10^8 pairs).
    pub checked: bool,
    /// Whether it holds within [`POWER_TOLERANCE`].
    pub holds: bool,
    /// The least slack found (negative where it fails).
    pub least_slack: f64,
    /// The compositions of the least slack: (S, T) for superadditivity
    /// (v(S + T) − v(S) − v(T)), (S, S + e_r) for monotonicity.
    pub witness: Option<(Vec<usize>, Vec<usize>)>,
}

/// The core of `values` over compositions of roles of sizes `sizes`.
pub(crate) fn core(values: &[f64], sizes: &[usize], n: usize) -> Result<Core> {
    let all = super::compositions(sizes);
    let proper = || (1..all.len() - 1).map(|i| (&all[i], values[i]));
    let allocation = if sizes.len() == 1 {
        vec![1.0 / n as f64]
    } else {
        least_core_allocation(sizes, proper())?
    };
    let excess = |s: &[usize], v: f64| -> f64 {
        s.iter()
            .zip(&allocation)
            .map(|(&c, x)| c as f64 * x)
            .sum::<f64>()
            - v
    };
    let (worst, least_excess) =
        proper()
            .map(|(s, v)| (s, excess(s, v)))
            .fold((None, f64::INFINITY), |(w, e), (s, x)| {
                if x < e {
                    (Some(s), x)
                } else {
                    (w, e)
                }
            });
    let empty = least_excess < -POWER_TOLERANCE;
    let violated = if !empty {
        None
    } else if sizes.len() == 1 {
        // With one role the equal split is the only candidate: the first
        // size it leaves short is a witness no division can meet.
        proper()
            .find(|(s, v)| excess(s, *v) < -POWER_TOLERANCE)
            .map(|(s, _)| s.clone())
    } else {
        worst.cloned()
    };
    Ok(Core {
        empty,
        allocation,
        least_excess: if least_excess.is_finite() {
            least_excess
        } else {
            0.0
        },
        violated,
    })
}

/// The per-role shares of the least core, by LP.
fn least_core_allocation<'a>(
    sizes: &[usize],
    proper: impl Iterator<Item = (&'a Vec<usize>, f64)>,
) -> Result<Vec<f64>> {
    let mut lp = Lp::new(OptimizationDirection::Maximize);
    let x: Vec<_> = sizes.iter().map(|_| lp.add_var(0.0, (0.0, 1.0))).collect();
    let epsilon = lp.add_var(1.0, (-1.0, 1.0));
    for (s, v) in proper {
        let mut terms: Vec<_> = x
            .iter()
            .zip(s)
            .filter(|(_, &c)| c > 0)
            .map(|(&var, &c)| (var, c as f64))
            .collect();
        terms.push((epsilon, -1.0));
        lp.add_constraint(terms, ComparisonOp::Ge, v);
    }
    let total: Vec<_> = x
        .iter()
        .zip(sizes)
        .map(|(&var, &n)| (var, n as f64))
        .collect();
    lp.add_constraint(total, ComparisonOp::Eq, 1.0);
    match lp.solve() {
        Ok(SolveOutcome::Solution(solution)) => {
            Ok(x.iter().map(|&v| solution[v].max(0.0)).collect())
        }
        Ok(_) => Err(Error::Lp(
            "the least-core LP stopped before an answer".into(),
        )),
        Err(e) => Err(Error::Lp(format!("the least-core LP: {e}"))),
    }
}

/// The least slack of `slacks`, with its witness.
fn tightest(
    checked: bool,
    slacks: impl Iterator<Item = (f64, Vec<usize>, Vec<usize>)>,
) -> PowerProperty {
    let (least_slack, witness) = slacks.fold((f64::INFINITY, None), |(least, w), (d, a, b)| {
        if d < least {
            (d, Some((a, b)))
        } else {
            (least, w)
        }
    });
    PowerProperty {
        checked,
        holds: !checked || least_slack >= -POWER_TOLERANCE,
        least_slack: if least_slack.is_finite() {
            least_slack
        } else {
            0.0
        },
        witness,
    }
}

/// Superadditivity and monotonicity of `values` over the compositions.
pub(crate) fn properties(values: &[f64], sizes: &[usize]) -> (PowerProperty, PowerProperty) {
    let all = super::compositions(sizes);
    let v = |s: &[usize]| values[composition_index(s, sizes)];
    let pairs = (all.len() as u128).pow(2) / 2;
    let checked = pairs <= MAX_PAIRS;
    let superadditive = tightest(
        checked,
        all.iter()
            .filter(|_| checked)
            .enumerate()
            .flat_map(|(i, s)| all[i..].iter().map(move |t| (s, t)))
            .filter(|(s, t)| {
                s.iter().any(|&c| c > 0)
                    && t.iter().any(|&c| c > 0)
                    && s.iter().zip(*t).zip(sizes).all(|((a, b), n)| a + b <= *n)
            })
            .map(|(s, t)| {
                let joined: Vec<usize> = s.iter().zip(t).map(|(a, b)| a + b).collect();
                (v(&joined) - v(s) - v(t), s.clone(), t.clone())
            }),
    );
    let monotone = tightest(
        true,
        all.iter().flat_map(|s| {
            (0..sizes.len()).filter(|&r| s[r] < sizes[r]).map(move |r| {
                let mut bigger = s.clone();
                bigger[r] += 1;
                (v(&bigger) - v(s), s.clone(), bigger)
            })
        }),
    );
    (superadditive, monotone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symmetric_core_is_the_equal_split_when_no_size_exceeds_its_share() {
        // n = 4: v(s) = s/4 exactly (additive): core {1/4}, excess 0.
        let additive = [0.0, 0.25, 0.5, 0.75, 1.0];
        let c = core(&additive, &[4], 4).unwrap();
        assert!(!c.empty && c.least_excess.abs() < 1e-15 && c.violated.is_none());
        // v(3) = 0.9 > 3/4: empty, and s = 3 is the witness.
        let majority = [0.0, 0.2, 0.5, 0.9, 1.0];
        let c = core(&majority, &[4], 4).unwrap();
        assert!(c.empty);
        assert_eq!(c.violated, Some(vec![3]));
        assert!((c.least_excess + 0.15).abs() < 1e-15);
    }

    #[test]
    fn the_glove_game_core_gives_everything_to_the_scarce_role() {
        // One left glove (role 0), two right gloves: the core is x = (1, 0).
        let v = [0.0, 0.0, 0.0, 1.0, 0.0, 1.0];
        let c = core(&v, &[1, 2], 3).unwrap();
        assert!(!c.empty, "{c:?}");
        assert!((c.allocation[0] - 1.0).abs() < 1e-9 && c.allocation[1].abs() < 1e-9);
        // A perturbed game (two right gloves alone get 0.1) has no core.
        let perturbed = [0.0, 0.0, 0.0, 1.0, 0.1, 1.0];
        assert!(core(&perturbed, &[1, 2], 3).unwrap().empty);
    }

    #[test]
    fn properties_find_their_witnesses() {
        let (sup, mono) = properties(&[0.0, 0.2, 0.5, 0.8, 1.0], &[4]);
        assert!(sup.holds && mono.holds);
        // v(2) = 0.3 < v(1) + v(1) = 0.4; v(3) < v(2) breaks monotonicity.
        let (sup, mono) = properties(&[0.0, 0.2, 0.3, 0.25, 1.0], &[4]);
        assert!(!sup.holds && !mono.holds);
        assert_eq!(mono.witness, Some((vec![2], vec![3])));
        assert!((mono.least_slack + 0.05).abs() < 1e-15);
    }
}
