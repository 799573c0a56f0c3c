//! The Shapley and Banzhaf values of a characteristic function given over
//! compositions (docs/THEORY.md, "The characteristic function"): players of
//! one role are symmetric, so each value is one number per role.
//!
//! For a player i of role r, the coalitions T ∌ i of composition t number
//! `Π_q C(n_q − [q = r], t_q)`, and each has the Shapley weight
//! `|T|! (n − |T| − 1)! / n!`, the Banzhaf weight `1 / 2^(n−1)`. Weights
//! are formed from logarithms of factorials (they span hundreds of orders
//! of magnitude at n = 1000) and summed in f64.

use super::composition_index;
use crate::model::count_blocks::ln_factorials;

/// The Shapley and Banzhaf values, one per role, of `values` (v at every
/// composition of roles of sizes `sizes`, in [`super::compositions`]'
/// order).
pub(crate) fn shapley_and_banzhaf(values: &[f64], sizes: &[usize]) -> (Vec<f64>, Vec<f64>) {
    let n: usize = sizes.iter().sum();
    let ln_fact = ln_factorials(n);
    let ln_choose = |m: usize, c: usize| ln_fact[m] - ln_fact[c] - ln_fact[m - c];
    let all = super::compositions(sizes);
    let mut shapley = vec![0.0; sizes.len()];
    let mut banzhaf = vec![0.0; sizes.len()];
    for (r, &nr) in sizes.iter().enumerate() {
        for t in all.iter().filter(|t| t[r] < nr) {
            let size: usize = t.iter().sum();
            let ln_count: f64 = t
                .iter()
                .zip(sizes)
                .enumerate()
                .map(|(q, (&tq, &nq))| ln_choose(nq - usize::from(q == r), tq))
                .sum();
            let mut joined = t.clone();
            joined[r] += 1;
            let gain =
                values[composition_index(&joined, sizes)] - values[composition_index(t, sizes)];
            let ln_shapley = ln_fact[size] + ln_fact[n - size - 1] - ln_fact[n];
            shapley[r] += (ln_count + ln_shapley).exp() * gain;
            banzhaf[r] += (ln_count - (n - 1) as f64 * std::f64::consts::LN_2).exp() * gain;
        }
    }
    (shapley, banzhaf)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three players, roles of sizes 1 and 2: the glove game where the
    /// lone role-0 player and any role-1 player together get 1.
    #[test]
    fn a_hand_worked_glove_game() {
        let sizes = [1, 2];
        // Order: (0,0) (1,0) (0,1) (1,1) (0,2) (1,2).
        let v = [0.0, 0.0, 0.0, 1.0, 0.0, 1.0];
        let (phi, beta) = shapley_and_banzhaf(&v, &sizes);
        // Shapley of the left glove: it is pivotal in orders where it comes
        // second or third: 4 of 6.
        assert!((phi[0] - 2.0 / 3.0).abs() < 1e-15, "{phi:?}");
        assert!((phi[1] - 1.0 / 6.0).abs() < 1e-15, "{phi:?}");
        // Banzhaf: the left glove swings in 3 of its 4 coalitions of the
        // others; a right glove only in {left}: 1 of 4.
        assert!((beta[0] - 0.75).abs() < 1e-15, "{beta:?}");
        assert!((beta[1] - 0.25).abs() < 1e-15, "{beta:?}");
    }

    /// One role: every player gets 1/n, whatever v is (efficiency and
    /// symmetry), here at n = 1000 where the weights span 10^-300.
    #[test]
    fn symmetric_games_split_evenly() {
        let n = 1000;
        let v: Vec<f64> = (0..=n).map(|s| (s as f64 / n as f64).powi(3)).collect();
        let (phi, _) = shapley_and_banzhaf(&v, &[n]);
        assert!((phi[0] - 1.0 / n as f64).abs() < 1e-14, "{phi:?}");
    }
}
