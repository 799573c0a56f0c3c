//! The best response's oracle by correlation on the FFT count grid
//! (docs/THEORY.md, "Guarantees at scale"), for symmetric games whose
//! others' distribution Q is wide: the coalition's payoff
//! `G_x(N) = Σ_b N_b g_{x,b}(N)` for every count vector N at once from k
//! correlations per state ([`Correlator`]), each within a stated bound, in
//! place of one pass over every N against every M per round.
//!
//! No number printed comes from the transform: each round, the vectors
//! whose approximate value is within twice the bounds (the transform's and
//! the exact sums' rounding) of the approximate best are the only ones that
//! can be the exact best, and they are valued exactly, by the pass's own
//! f64 sum ([`value_above`]), so the round's answer is the pass's: the same
//! vector, the same value to the bit, the same certificates. Where too many
//! vectors are that close (a flat payoff), the best approximate ones are
//! valued exactly for the new column and the round's upper bound is the
//! approximate best plus the bounds: certified, within twice the bounds
//! (≈ 1e-11 at n = 1000) of the pass's.

use rayon::prelude::*;

use super::passes::{tail, value_above, Found, Vector};
use super::shares::Shares;
use super::simplex::Simplex;
use crate::counts::fft::correlate::Correlator;
use crate::error::Result;
use crate::plan::FlatPlan;
use crate::watch::Watch;

/// Unit roundoff of f64.
const U: f64 = f64::EPSILON / 2.0;

/// Most payoff terms (candidates × the mix's entries) one round values
/// exactly (a few tenths of a second); beyond it the round's upper bound
/// comes from the correlations.
const MAX_CANDIDATE_TERMS: u64 = 1 << 26;

/// Coalition vectors per parallel task.
const CHUNK: u64 = 1 << 13;

/// The coalition's approximate payoffs in every state, with their bounds.
pub(crate) struct Correlated {
    /// `G̃_x(N)` at `[x][rank of N]`.
    payoffs: Vec<Vec<f64>>,
    /// `β_x ≥ |G̃_x(N) − G_x(N)|` for every N.
    bounds: Vec<f64>,
    /// The grid, as text (for the notes).
    pub grid: String,
}

/// What one round found: the pass's answer, or where more than the cap
/// were candidates (a flat payoff) the best of the first ones with an upper
/// bound from the correlations as its value (`bounded`).
pub(crate) struct Round {
    pub found: Found,
    pub candidates: usize,
    pub bounded: bool,
}

impl Correlated {
    /// Bytes the route needs at its peak: the correlations' and the payoff
    /// tables.
    pub fn memory_bytes(players: usize, actions: usize, states: usize, coalition: u64) -> u64 {
        Correlator::memory_bytes(players, actions)
            .saturating_add(coalition.saturating_mul(8 * states as u64))
    }

    /// Every state's payoffs of every vector of `coalition` against `q`.
    pub fn new<K>(
        flat: &FlatPlan,
        coalition: &Simplex,
        q: &[(Vector<K>, f64)],
        watch: &Watch<'_>,
    ) -> Result<Correlated> {
        let (n, k) = (flat.config.players as usize, coalition.actions());
        let states = flat.config.states as usize;
        let correlator = Correlator::new(n, k, q.iter().map(|(m, p)| (m.counts.as_slice(), *p)))?;
        let len = coalition.len() as usize;
        let mut payoffs = Vec::with_capacity(states);
        let mut bounds = Vec::with_capacity(states);
        for x in 0..states {
            let mut g = crate::memory::try_filled(len, 0.0, "the best response's payoff tables")?;
            let mut worst: f64 = 0.0;
            correlator.correlate(flat, x, watch, |b, c| {
                worst = worst.max(c.bound);
                add_action(&mut g, coalition, b, &c.values, &correlator);
                Ok(())
            })?;
            let top = g.par_iter().map(|v| v.abs()).reduce(|| 0.0, f64::max);
            // Σ_b N_b g_b: each g_b within `worst`, N_b summing to s; the
            // k products and sums round within (k + 2)u of the largest.
            let s = f64::from(coalition.total());
            bounds.push((s * worst + (k as f64 + 2.0) * U * top) * (1.0 + 1e-6));
            payoffs.push(g);
        }
        Ok(Correlated {
            payoffs,
            bounds,
            grid: correlator.grid_text(),
        })
    }

    /// The largest `β_x`.
    pub fn bound(&self) -> f64 {
        self.bounds.iter().copied().fold(0.0, f64::max)
    }

    /// [`super::passes::best_strategy`]'s answer against the states' mix
    /// `mu` (state, weight) and its expansion `mix` over (state, M): the
    /// candidates valued exactly (the first ones only beyond
    /// [`MAX_CANDIDATE_TERMS`], with the correlations' upper bound).
    pub fn best_strategy<S: Shares>(
        &self,
        shares: &S,
        coalition: &Simplex,
        mu: &[(usize, f64)],
        mix: &[(usize, &Vector<S::Key>, f64)],
    ) -> Round {
        self.round(shares, coalition, mu, mix, MAX_CANDIDATE_TERMS)
    }

    /// [`Correlated::best_strategy`] with at most `max_terms` payoff terms
    /// valued exactly.
    fn round<S: Shares>(
        &self,
        shares: &S,
        coalition: &Simplex,
        mu: &[(usize, f64)],
        mix: &[(usize, &Vector<S::Key>, f64)],
        max_terms: u64,
    ) -> Round {
        let approx: Vec<f64> = (0..coalition.len() as usize)
            .into_par_iter()
            .map(|r| mu.iter().map(|&(x, w)| w * self.payoffs[x][r]).sum())
            .collect();
        let top = approx
            .par_iter()
            .copied()
            .reduce(|| f64::NEG_INFINITY, f64::max);
        // |Ã(N) − A(N)|: the states' bounds mixed, and the mix's rounding.
        let beta = mu.iter().map(|&(x, w)| w * self.bounds[x]).sum::<f64>()
            + (mu.len() as f64 + 2.0) * U * top.abs();
        // |exact f64 sum − A(N)|: the mix's terms, each payoff's own
        // operations (≈ 4k), and the weights μ_x·Q(M) rounded.
        let weights: f64 = mix.iter().map(|e| e.2).sum();
        let k = coalition.actions() as f64;
        let rho = (mix.len() as f64 + 4.0 * k + 16.0) * U * weights * (1.0 + 1e-6);
        let threshold = top - 2.0 * (beta + rho) * (1.0 + 1e-6);
        let mut candidates: Vec<u64> = approx
            .par_iter()
            .enumerate()
            .filter(|(_, &a)| a >= threshold)
            .map(|(r, _)| r as u64)
            .collect();
        let cap = (max_terms / mix.len().max(1) as u64).max(16) as usize;
        let count = candidates.len();
        candidates.sort_by(|&a, &b| {
            approx[b as usize]
                .total_cmp(&approx[a as usize])
                .then(a.cmp(&b))
        });
        candidates.truncate(cap);
        let mut found = exact_best(shares, coalition, mix, &candidates);
        if count > cap {
            // The best of the first `cap` need not be the best of all: the
            // upper bound is the approximate best plus both bounds, above
            // every vector's exact f64 sum.
            found.value = found.value.max(top + (beta + rho) * (1.0 + 1e-6));
        }
        Round {
            found,
            candidates: count,
            bounded: count > cap,
        }
    }
}

/// `g[rank of N] += N_b · values[cell of N]` over every N of `coalition`.
fn add_action(g: &mut [f64], coalition: &Simplex, b: usize, values: &[f64], c: &Correlator) {
    g.par_chunks_mut(CHUNK as usize)
        .enumerate()
        .for_each(|(i, chunk)| {
            let mut v = vec![0; coalition.actions()];
            coalition.unrank(i as u64 * CHUNK, &mut v);
            for (j, slot) in chunk.iter_mut().enumerate() {
                if j > 0 {
                    coalition.advance(&mut v);
                }
                *slot += f64::from(v[b]) * values[c.cell(&v)];
            }
        });
}

/// The best of `candidates` (best approximate first) by the pass's exact
/// sums, ties to the lowest rank: the first valued in full, the others
/// skipped as soon as they cannot reach it.
fn exact_best<S: Shares>(
    shares: &S,
    coalition: &Simplex,
    mix: &[(usize, &Vector<S::Key>, f64)],
    candidates: &[u64],
) -> Found {
    let weights: Vec<f64> = mix.iter().map(|m| m.2).collect();
    let tail = tail(&weights);
    let value = |rank: u64, bound: f64| {
        let v = Vector::at(shares, coalition, rank);
        value_above(shares, &v.counts, v.key, mix, &tail, bound).map(|value| Found {
            value,
            rank,
            state: 0,
        })
    };
    let first = value(candidates[0], f64::NEG_INFINITY).expect("nothing to beat");
    candidates[1..]
        .par_iter()
        .filter_map(|&r| value(r, first.value))
        .chain([first])
        .reduce_with(|a, b| {
            if b.value > a.value || (b.value == a.value && b.rank < a.rank) {
                b
            } else {
                a
            }
        })
        .expect("one candidate")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guarantee::passes::best_strategy;
    use crate::guarantee::shares::Streamed;
    use crate::model::policy::Policy;
    use crate::model::problem::{Coalition, Problem};
    use crate::plan::Plan;
    use rand::{Rng, SeedableRng};

    /// A random distribution over `count` random vectors of `others`.
    fn random_q(
        rng: &mut rand::rngs::StdRng,
        shares: &Streamed,
        others: &Simplex,
        count: usize,
    ) -> Vec<(Vector<()>, f64)> {
        let mut q: Vec<(Vector<()>, f64)> = (0..count)
            .map(|_| {
                let rank = rng.random_range(0..others.len());
                (Vector::at(shares, others, rank), rng.random_range(0.0..1.0))
            })
            .collect();
        let total: f64 = q.iter().map(|e| e.1).sum();
        q.iter_mut().for_each(|e| e.1 /= total);
        q
    }

    /// Against random mixes of the others' vectors the correlations' round
    /// is the pass's answer (vector and value to the bit); the tables
    /// shifted by one vector (N read at the next rank's payoff) give another
    /// answer in most cases: the comparison can fail.
    #[test]
    fn a_round_is_the_pass_and_a_shifted_correlation_is_not() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(2929);
        let watch = Watch::new(None, None);
        let mut differed = 0;
        for case in 0..8 {
            let (n, k, s) = (30, 3, 12);
            let game = crate::spec::generate::random_game(&mut rng, "proportional", n, k, 1);
            let problem = Problem::new(
                n,
                k,
                game.unwrap(),
                vec![Coalition::new((0..n).collect(), Policy::Uniform)],
            )
            .unwrap();
            let shares = Streamed::new(FlatPlan::new(&problem, &Plan::new(&problem)).unwrap());
            let (coalition, others) = (Simplex::new(s, k), Simplex::new(n as u32 - s, k));
            let q = random_q(&mut rng, &shares, &others, 20);
            let mix: Vec<(usize, &Vector<()>, f64)> = q.iter().map(|(m, p)| (0, m, *p)).collect();
            let pass = best_strategy(&shares, &coalition, &mix, &watch).unwrap();
            let honest = Correlated::new(shares.flat(), &coalition, &q, &watch).unwrap();
            let round = honest.best_strategy(&shares, &coalition, &[(0, 1.0)], &mix);
            assert_eq!(round.found, pass, "case {case}");
            assert!(!round.bounded);
            assert!(honest.bound() < 1e-12, "case {case}: {}", honest.bound());
            let mut moved = honest;
            moved.payoffs[0].rotate_left(1);
            let round = moved.best_strategy(&shares, &coalition, &[(0, 1.0)], &mix);
            differed += usize::from(round.found != pass);
        }
        assert!(
            differed >= 6,
            "a shifted correlation changed {differed} of 8 answers"
        );
    }

    /// A flat payoff (proportional, equal weights: every vector gets s/n)
    /// puts every vector within the bounds of the best: with room for only
    /// 16 to be valued exactly, the round's value is an upper bound on the
    /// pass's, within 1e-12 of it.
    #[test]
    fn a_flat_payoff_bounds_the_round() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(2937);
        let watch = Watch::new(None, None);
        let (n, k, s) = (40, 3, 15);
        let problem = Problem::new(
            n,
            k,
            crate::model::game::Game::Proportional {
                weights: vec![vec![1.0; k]],
            },
            vec![Coalition::new((0..n).collect(), Policy::Uniform)],
        )
        .unwrap();
        let shares = Streamed::new(FlatPlan::new(&problem, &Plan::new(&problem)).unwrap());
        let (coalition, others) = (Simplex::new(s, k), Simplex::new(n as u32 - s, k));
        let q = random_q(&mut rng, &shares, &others, 30);
        let mix: Vec<(usize, &Vector<()>, f64)> = q.iter().map(|(m, p)| (0, m, *p)).collect();
        let pass = best_strategy(&shares, &coalition, &mix, &watch).unwrap();
        let tables = Correlated::new(shares.flat(), &coalition, &q, &watch).unwrap();
        let round = tables.round(
            &shares,
            &coalition,
            &[(0, 1.0)],
            &mix,
            16 * mix.len() as u64,
        );
        assert!(
            round.bounded && round.candidates > 16,
            "{}",
            round.candidates
        );
        assert!(round.found.value >= pass.value);
        assert!(
            round.found.value - pass.value < 1e-12,
            "{:?} {pass:?}",
            round.found
        );
        let exact = tables.round(&shares, &coalition, &[(0, 1.0)], &mix, u64::MAX);
        assert_eq!((exact.found, exact.bounded), (pass, false));
    }
}
