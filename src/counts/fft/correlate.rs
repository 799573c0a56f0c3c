//! Correlations of the share tables with one count distribution on the FFT
//! grid (docs/THEORY.md, "Guarantees at scale"): for a distribution Q of the
//! others' count vectors M (all of total o) and every cell N of the grid,
//!
//! `g_{x,b}(N) = Σ_M Q(M) h_b(x, N + M)`,
//!
//! action b's expected share when the coalition plays the count vector N
//! against the others' given policies. By the correlation theorem
//! `g_{x,b} = (1/L) IDFT(Ĥ_b · conj(Q̂))`: k forward transforms of the share
//! tables per state (the counts method's, [`super::share_spectra`]), one of
//! Q, and k backward transforms, `O(L log L)` in all instead of
//! `|coalition's vectors| × |Q's support|` payoff terms.
//!
//! Nothing wraps around: the grid's axes are `L ≥ n + 1` long, so for a
//! coalition vector N (each count ≤ s) a cell c = N + M is the cell of a
//! count vector of the n players, and a cyclic index `c − N mod L` with
//! `c_a < N_a` is at least `L − s > o` on axis a, where Q is 0.
//!
//! Each table carries an a-posteriori bound on `|computed − exact|` that
//! holds in every cell, from the actual norms of the spectra (first order in
//! the transforms' relative error θ, as the counts method's bound):
//! the backward transform's rounding `θ ‖P̃‖₂ / √L` (the 2-norm bounds every
//! entry), the products' `Σ_f |P̃(f) − P(f)| / L ≤ (θ ‖Ĥ‖ ‖Q̂‖ + θ ‖Ĥ̃‖ ‖Q̂‖ +
//! 4u Σ_f |Ĥ̃||Q̃̂|) / L` (Cauchy–Schwarz; each output of the backward
//! transform is a sum of unit-modulus multiples of the bins), and the final
//! scaling's `2u |g̃|`.

use rayon::prelude::*;
use rustfft::num_complex::Complex;

use super::{Grid, U};
use crate::error::Result;
use crate::plan::FlatPlan;
use crate::watch::Watch;

/// Q's spectrum on the grid of n players over k actions.
pub(crate) struct Correlator {
    grid: Grid,
    /// Q̂'s half spectrum.
    spectrum: Vec<Complex<f64>>,
    /// `‖Q̂‖₂` over the whole spectrum, as computed.
    norm: f64,
}

/// One action's `g_{x,b}` on every cell of the grid.
pub(crate) struct Correlation {
    /// `g_{x,b}(N)` at [`Correlator::cell`]`(N)`.
    pub values: Vec<f64>,
    /// A bound on `|values[c] − g_{x,b}(c)|` for every cell c.
    pub bound: f64,
}

impl Correlator {
    /// Bytes at the peak of [`Correlator::new`] and one state's
    /// [`Correlator::correlate`]: Q's spectrum and its dense array, or Q's
    /// spectrum, the k share spectra and one real array.
    pub fn memory_bytes(players: usize, actions: usize) -> u64 {
        let grid = Grid::new(players, actions);
        let bins = grid.bins() as u64;
        let cells = grid.rows.saturating_mul(grid.last()) as u64;
        let spectra = bins.saturating_mul(16).saturating_mul(actions as u64 + 1);
        spectra.saturating_add(cells.saturating_mul(8))
    }

    /// Rough operations of [`Correlator::new`] and `states` states'
    /// correlations (the counts method's model, [`super::SpectralPlan::cost`]):
    /// `5 L log₂ L + 10 L` per transform, a share evaluation (≈ 10k
    /// operations) per cell and table, 12 per bin for the products.
    pub fn cost(players: usize, actions: usize, states: usize) -> f64 {
        let grid = Grid::new(players, actions);
        let cells = grid.cells();
        let transform = cells * (5.0 * cells.log2() + 10.0);
        let tables = (states * actions) as f64;
        transform * (1.0 + 2.0 * tables)
            + tables * cells * 10.0 * actions as f64
            + tables * grid.bins() as f64 * 12.0
    }

    /// Q's spectrum for n players over k actions: `q` lists count vectors
    /// of the others (k counts each) with their probability.
    pub fn new<'a>(
        players: usize,
        actions: usize,
        q: impl Iterator<Item = (&'a [u32], f64)>,
    ) -> Result<Correlator> {
        let grid = Grid::new(players, actions);
        let last = grid.last();
        let mut dense = crate::memory::try_filled(
            grid.rows.saturating_mul(last),
            0.0,
            "the best response's correlation arrays",
        )?;
        for (counts, p) in q {
            dense[cell(&grid, counts)] += p;
        }
        let spectrum = grid
            .forward(1, |outer, row| {
                let at = outer
                    .iter()
                    .zip(&grid.lengths)
                    .fold(0, |at, (&c, &l)| at * l + c)
                    * last;
                row.copy_from_slice(&dense[at..at + last]);
            })?
            .remove(0);
        drop(dense);
        let norm = weighted_sum(&grid, &spectrum, |q| q.norm_sqr()).sqrt();
        Ok(Correlator {
            grid,
            spectrum,
            norm,
        })
    }

    /// The grid's axis lengths as text, `1024×1024`.
    pub fn grid_text(&self) -> String {
        let lengths: Vec<String> = self.grid.lengths.iter().map(|l| l.to_string()).collect();
        lengths.join("×")
    }

    /// The cell of count vector `counts` (k counts; the last is implied).
    pub fn cell(&self, counts: &[u32]) -> usize {
        cell(&self.grid, counts)
    }

    /// `g_{x,b}` for b = 0..k in turn, each handed to `each` with its bound
    /// (one real array held at a time).
    pub fn correlate(
        &self,
        flat: &FlatPlan,
        x: usize,
        watch: &Watch<'_>,
        mut each: impl FnMut(usize, Correlation) -> Result<()>,
    ) -> Result<()> {
        let actions: Vec<usize> = (0..self.grid.lengths.len() + 1).collect();
        let spectra = super::share_spectra(&self.grid, flat, x, &actions)?;
        for (b, h) in spectra.into_iter().enumerate() {
            watch.check()?;
            each(b, self.one(h)?)?;
        }
        Ok(())
    }

    /// `(1/L) IDFT(Ĥ · conj(Q̂))` with its bound, `h` being Ĥ.
    fn one(&self, mut h: Vec<Complex<f64>>) -> Result<Correlation> {
        let theta = self.grid.relative_error();
        let h_norm = weighted_sum(&self.grid, &h, |v| v.norm_sqr()).sqrt();
        let crossed = weighted_pairs(&self.grid, &h, &self.spectrum, |a, b| a.norm() * b.norm());
        h.par_iter_mut()
            .zip(self.spectrum.par_iter())
            .for_each(|(v, q)| *v *= q.conj());
        let product_norm = weighted_sum(&self.grid, &h, |v| v.norm_sqr()).sqrt();
        let cells = self.grid.cells();
        // First order in θ, as the counts method's bound: the exact norms
        // are within (1 + θ) of the computed ones.
        let (h_exact, q_exact) = (h_norm * (1.0 + theta), self.norm * (1.0 + theta));
        let backward = theta * cells.sqrt() * product_norm;
        let products = theta * h_exact * q_exact + theta * h_norm * q_exact + 4.0 * U * crossed;
        let scale = 1.0 / cells;
        let mut values = self.grid.backward(h)?;
        let top = values
            .par_iter_mut()
            .map(|v| {
                *v *= scale;
                v.abs()
            })
            .reduce(|| 0.0, f64::max);
        // The norms are sums of up to 10^9 terms: relative rounding far
        // below 1e-6.
        let bound =
            ((backward + products) * scale * (1.0 + 4.0 * U) + 2.0 * U * top) * (1.0 + 1e-6);
        Ok(Correlation { values, bound })
    }
}

/// The cell of count vector `counts` on `grid`: row-major over the first
/// k − 1 counts, action 0 most significant (the layout of
/// [`super::share_spectra`]).
fn cell(grid: &Grid, counts: &[u32]) -> usize {
    grid.lengths
        .iter()
        .zip(counts)
        .fold(0, |at, (&l, &c)| at * l + c as usize)
}

/// `Σ_f w_f term(v_f)` over the whole spectrum of a half spectrum `v`.
fn weighted_sum(
    grid: &Grid,
    v: &[Complex<f64>],
    term: impl Fn(&Complex<f64>) -> f64 + Sync,
) -> f64 {
    v.par_iter()
        .enumerate()
        .map(|(i, z)| grid.weight(i % grid.half) * term(z))
        .sum()
}

/// `Σ_f w_f term(a_f, b_f)` over the whole spectrum of two half spectra.
fn weighted_pairs(
    grid: &Grid,
    a: &[Complex<f64>],
    b: &[Complex<f64>],
    term: impl Fn(&Complex<f64>, &Complex<f64>) -> f64 + Sync,
) -> f64 {
    a.par_iter()
        .zip(b.par_iter())
        .enumerate()
        .map(|(i, (x, y))| grid.weight(i % grid.half) * term(x, y))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::policy::Policy;
    use crate::model::problem::{Coalition, Problem};
    use crate::plan::Plan;
    use rand::{Rng, SeedableRng};

    /// A random distribution over the count vectors of `o` players.
    fn random_q(rng: &mut rand::rngs::StdRng, o: u32, k: usize) -> Vec<(Vec<u32>, f64)> {
        let mut out = Vec::new();
        for _ in 0..40 {
            let mut v = vec![0; k];
            let mut left = o;
            for c in v.iter_mut().take(k - 1) {
                *c = rng.random_range(0..=left);
                left -= *c;
            }
            v[k - 1] = left;
            out.push((v, rng.random_range(0.0..1.0)));
        }
        let total: f64 = out.iter().map(|e| e.1).sum();
        out.iter_mut().for_each(|e| e.1 /= total);
        out
    }

    /// `g_{x,b}(N)` summed directly, on every coalition vector N of total s:
    /// within the stated bound, and the bound is below 1e-12 at this size;
    /// a correlation shifted by one cell (Q's vectors moved by e_0) leaves
    /// it, so the comparison can fail.
    #[test]
    fn correlations_are_the_direct_sums_within_their_bound() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(29);
        for (family, k) in [("plurality", 2), ("proportional", 3), ("congestion", 4)] {
            let (n, s) = (24usize, 9u32);
            let game = crate::spec::generate::random_game(&mut rng, family, n, k, 2).unwrap();
            let problem = Problem::new(
                n,
                k,
                game,
                vec![Coalition::new((0..n).collect(), Policy::Uniform)],
            )
            .unwrap();
            let flat = FlatPlan::new(&problem, &Plan::new(&problem)).unwrap();
            let q = random_q(&mut rng, n as u32 - s, k);
            let shifted: Vec<(Vec<u32>, f64)> = q
                .iter()
                .map(|(m, p)| {
                    let mut m = m.clone();
                    // One player moved to action 0 (from the last action
                    // with some, else from 0 to 1): a shift by one cell.
                    let (to, from) = (1..k).rev().find(|&b| m[b] > 0).map_or((1, 0), |b| (0, b));
                    m[to] += 1;
                    m[from] -= 1;
                    (m, *p)
                })
                .collect();
            let correlator = |q: &[(Vec<u32>, f64)]| {
                Correlator::new(n, k, q.iter().map(|(m, p)| (m.as_slice(), *p))).unwrap()
            };
            let (good, bad) = (correlator(&q), correlator(&shifted));
            let simplex = crate::guarantee::Simplex::new(s, k);
            let watch = Watch::new(None, None);
            let mut worst_bad: f64 = 0.0;
            for x in 0..2 {
                let mut exact = vec![vec![0.0; k]; simplex.len() as usize];
                let mut v = vec![0; k];
                let mut h = vec![0.0; k];
                let mut ranks = vec![0; k];
                for (r, row) in exact.iter_mut().enumerate() {
                    simplex.unrank(r as u64, &mut v);
                    for (m, p) in &q {
                        let c: Vec<u32> = v.iter().zip(m).map(|(a, b)| a + b).collect();
                        crate::cpu::families::action_shares(&flat, x as u32, &c, &ranks, &mut h);
                        for b in 0..k {
                            row[b] += if c[b] == 0 { 0.0 } else { p * h[b] };
                        }
                    }
                    ranks.fill(0);
                }
                for (which, corr) in [(0, &good), (1, &bad)] {
                    corr.correlate(&flat, x, &watch, |b, g| {
                        assert!(g.bound < 1e-12, "{family}: bound {}", g.bound);
                        for (r, row) in exact.iter().enumerate() {
                            simplex.unrank(r as u64, &mut v);
                            let error = (g.values[corr.cell(&v)] - row[b]).abs();
                            if which == 0 {
                                assert!(
                                    error <= g.bound,
                                    "{family} x={x} b={b} N={v:?}: {error:e}"
                                );
                            } else {
                                worst_bad = worst_bad.max(error / g.bound);
                            }
                        }
                        Ok(())
                    })
                    .unwrap();
                }
            }
            assert!(
                worst_bad > 1e3,
                "{family}: the shifted correlation stayed within its bound"
            );
        }
    }
}
