//! Where the double oracle and the spy value read the count-vector payoff
//! `f_x(N, M) = Σ_b N_b h_b(x, N + M)` from (docs/THEORY.md, "Guarantees at
//! scale"): the share table of all n players when it is small
//! ([`ShareTable`]), else the shares computed on the fly ([`Streamed`]) by
//! the very family twins the table is built from (`action_shares`, the
//! `count_shares` twin's inner call), so both give the same f64 values.

use crate::cpu::families::{action_shares, anonymous_ranks};
use crate::model::limits::MAX_ACTIONS;
use crate::plan::{family_id, FlatPlan};

use super::double_oracle::Certified;
use super::share_table::{max_difference, ShareTable, Sums};
use crate::error::Result;
use crate::evaluator::Evaluator;
use crate::model::problem::Problem;

/// A source of the count-vector payoff. `Key` is what the source wants to
/// know of a count vector besides its counts (the table: its suffix sums),
/// computed once per vector by [`Shares::key`].
pub(crate) trait Shares: Sync {
    /// Per-vector data the payoff reads.
    type Key: Copy + Send + Sync;
    /// Actions k.
    fn actions(&self) -> usize;
    /// States.
    fn states(&self) -> usize;
    /// The key of count vector `v` (k counts).
    fn key(&self, v: &[u32]) -> Self::Key;
    /// `f_x(N, M) = Σ_b N_b h_b(x, N + M)`.
    fn payoff(&self, x: usize, n: &[u32], n_key: Self::Key, m: &[u32], m_key: Self::Key) -> f64;
}

impl Shares for ShareTable {
    type Key = Sums;

    fn actions(&self) -> usize {
        self.space.actions
    }

    fn states(&self) -> usize {
        ShareTable::states(self)
    }

    #[inline]
    fn key(&self, v: &[u32]) -> Sums {
        let mut sums = [0; crate::model::limits::MAX_ACTIONS - 1];
        crate::counts::space::suffix_sums(v, v.len(), &mut sums[..v.len() - 1]);
        sums
    }

    #[inline]
    fn payoff(&self, x: usize, n: &[u32], n_key: Sums, _m: &[u32], m_key: Sums) -> f64 {
        ShareTable::payoff(self, x, n, &n_key, &m_key)
    }
}

/// The shares of a symmetric game computed per count vector when asked:
/// memory O(the game's parameters), work k share evaluations per payoff.
pub(crate) struct Streamed {
    flat: FlatPlan,
    k: usize,
    states: usize,
    family: u32,
    anonymous: bool,
}

impl Streamed {
    /// The source of `flat`'s game (a symmetric family: plurality,
    /// proportional, congestion or anonymous).
    pub(crate) fn new(flat: FlatPlan) -> Streamed {
        Streamed {
            k: flat.config.actions as usize,
            states: flat.config.states as usize,
            family: flat.config.family,
            anonymous: flat.config.family == family_id::ANONYMOUS,
            flat,
        }
    }

    /// The game's plan (what the GPU's passes upload).
    pub(crate) fn flat(&self) -> &FlatPlan {
        &self.flat
    }

    /// `h_b(x, c)` for every b into `h`: the `count_shares` twin's entry.
    #[inline]
    pub(crate) fn shares_of(&self, x: usize, c: &[u32], h: &mut [f64]) {
        let mut ranks = [0u32; MAX_ACTIONS];
        if self.anonymous {
            anonymous_ranks(&self.flat, c, &mut ranks[..self.k]);
        }
        action_shares(&self.flat, x as u32, c, &ranks[..self.k], h);
    }
}

impl Streamed {
    /// `max |GPU − CPU|` of the shares `h_b(x, N + M)` of every count
    /// vector N of the certified policy and M of the reply mix and the worst
    /// reply (what the certificates rest on), the CPU's from the
    /// `count_shares` twin, the GPU's from its kernel; refused beyond
    /// [`PAYOFF_TOLERANCE`](super::PAYOFF_TOLERANCE).
    pub(crate) fn compare_with_gpu(
        &self,
        evaluator: &mut Evaluator,
        problem: &Problem,
        c: &Certified,
    ) -> Result<f64> {
        problem
            .game()
            .check_range(crate::model::game::GPU_RANGE, "the GPU's f32 arithmetic")?;
        let replies = c.reply_mix.iter().map(|(_, m, _)| m).chain([&c.worst.1]);
        let mut vectors = Vec::new();
        for m in replies {
            for (n, _) in &c.policy {
                vectors.extend(n.iter().zip(m).map(|(a, b)| a + b));
            }
        }
        let cpu = evaluator
            .kernels(crate::evaluator::Side::Cpu)?
            .count_shares(&self.flat, &vectors)?;
        let gpu = evaluator
            .kernels(crate::evaluator::Side::Gpu)?
            .count_shares(&self.flat, &vectors)?;
        max_difference(&cpu, &gpu)
    }
}

impl Shares for Streamed {
    type Key = ();

    fn actions(&self) -> usize {
        self.k
    }

    fn states(&self) -> usize {
        self.states
    }

    #[inline]
    fn key(&self, _v: &[u32]) {}

    #[inline]
    fn payoff(&self, x: usize, n: &[u32], _: (), m: &[u32], _: ()) -> f64 {
        match self.family {
            family_id::PLURALITY => plurality_payoff(n, m),
            family_id::PROPORTIONAL => proportional_payoff(self.params(x), n, m),
            family_id::CONGESTION => congestion_payoff(self.params(x), n, m),
            _ => self.twin_payoff(x, n, m),
        }
    }
}

impl Streamed {
    /// The family's parameters in state x (k reals).
    #[inline]
    fn params(&self, x: usize) -> &[f64] {
        let at = self.flat.config.family_params as usize + x * self.k;
        &self.flat.reals[at..at + self.k]
    }

    /// `Σ_b N_b h_b(x, N + M)` with `h` from the family twin itself.
    #[inline]
    fn twin_payoff(&self, x: usize, n: &[u32], m: &[u32]) -> f64 {
        let k = self.k;
        let mut c = [0u32; MAX_ACTIONS];
        for b in 0..k {
            c[b] = n[b] + m[b];
        }
        let mut h = [0.0; MAX_ACTIONS];
        self.shares_of(x, &c[..k], &mut h[..k]);
        n.iter().zip(&h[..k]).map(|(&c, &h)| f64::from(c) * h).sum()
    }
}

// The closed forms below are the twins' (src/cpu/families.rs) operation
// for operation, so they give the same f64 bits (a test compares them):
// they only skip the share array and the family dispatch per vector.

/// Plurality: the first most-played action shares the unit; the other
/// terms of the twin's sum are exact zeros.
#[inline]
fn plurality_payoff(n: &[u32], m: &[u32]) -> f64 {
    let (mut top, mut most) = (0, n[0] + m[0]);
    for b in 1..n.len() {
        let c = n[b] + m[b];
        if c > most {
            (top, most) = (b, c);
        }
    }
    f64::from(n[top]) * (1.0 / f64::from(most))
}

/// Proportional: `h_b = w_b / Σ_a C_a w_a`.
#[inline]
fn proportional_payoff(w: &[f64], n: &[u32], m: &[u32]) -> f64 {
    let mut total = 0.0;
    for b in 0..n.len() {
        total += f64::from(n[b] + m[b]) * w[b];
    }
    let mut sum = 0.0;
    for b in 0..n.len() {
        sum += f64::from(n[b]) * (w[b] / total);
    }
    sum
}

/// Congestion: `h_b = (v_b / C_b) / Σ_{a: C_a > 0} v_a` on occupied actions.
#[inline]
fn congestion_payoff(v: &[f64], n: &[u32], m: &[u32]) -> f64 {
    let mut total = 0.0;
    for b in 0..n.len() {
        if n[b] + m[b] > 0 {
            total += v[b];
        }
    }
    let mut sum = 0.0;
    for b in 0..n.len() {
        let c = n[b] + m[b];
        let h = if c > 0 {
            v[b] / f64::from(c) / total
        } else {
            0.0
        };
        sum += f64::from(n[b]) * h;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guarantee::double_oracle::{solve, Caps};
    use crate::guarantee::passes::{worst_reply, Vector};
    use crate::guarantee::simplex::Simplex;
    use crate::model::game::Game;
    use crate::model::policy::Policy;
    use crate::model::problem::{Coalition, Problem};
    use crate::plan::Plan;
    use crate::watch::Watch;

    /// `inner`'s shares with `h_b(x, c)` raised by `by` at one count vector.
    struct Perturbed<'a> {
        inner: &'a Streamed,
        at: Vec<u32>,
        by: f64,
    }

    impl Shares for Perturbed<'_> {
        type Key = ();
        fn actions(&self) -> usize {
            self.inner.k
        }
        fn states(&self) -> usize {
            self.inner.states
        }
        fn key(&self, _v: &[u32]) {}
        fn payoff(&self, x: usize, n: &[u32], _: (), m: &[u32], _: ()) -> f64 {
            let f = self.inner.payoff(x, n, (), m, ());
            let c: Vec<u32> = n.iter().zip(m).map(|(a, b)| a + b).collect();
            if c == self.at {
                f + self.by * f64::from(n.iter().sum::<u32>()) / f64::from(c.iter().sum::<u32>())
            } else {
                f
            }
        }
    }

    fn streamed(n: usize, k: usize, s: usize) -> Streamed {
        let problem = Problem::new(
            n,
            k,
            Game::Plurality,
            vec![
                Coalition::new((0..s).collect(), Policy::Uniform),
                Coalition::new((s..n).collect(), Policy::Uniform),
            ],
        )
        .unwrap();
        Streamed::new(FlatPlan::new(&problem, &Plan::new(&problem)).unwrap())
    }

    /// The closed forms give the family twins' bits on random count vectors.
    #[test]
    fn closed_forms_equal_the_twins_bit_for_bit() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        for family in ["plurality", "proportional", "congestion"] {
            for k in 2..=6 {
                let n = 40;
                let game = crate::spec::generate::random_game(&mut rng, family, n, k, 2).unwrap();
                let problem = Problem::new(
                    n,
                    k,
                    game,
                    vec![Coalition::new((0..n).collect(), Policy::Uniform)],
                )
                .unwrap();
                let shares = Streamed::new(FlatPlan::new(&problem, &Plan::new(&problem)).unwrap());
                for _ in 0..2000 {
                    let mut left = n as u32;
                    let (mut a, mut b) = (vec![0; k], vec![0; k]);
                    for i in 0..k {
                        a[i] = rng.random_range(0..=left);
                        left -= a[i];
                        b[i] = rng.random_range(0..=left);
                        left -= b[i];
                    }
                    // All n players counted, as in the double oracle.
                    b[k - 1] += left;
                    for x in 0..2 {
                        let fast = shares.payoff(x, &a, (), &b, ());
                        let twin = shares.twin_payoff(x, &a, &b);
                        assert_eq!(fast.to_bits(), twin.to_bits(), "{family} {a:?} {b:?}");
                    }
                }
            }
        }
    }

    /// One share lowered by 1e-6 where the lower certificate reads it (the
    /// policy's first strategy against the worst reply) lowers that
    /// certificate by far more than the 1e-12 within which the table and
    /// the streamed shares must agree: the cross-check can fail.
    #[test]
    fn a_perturbed_share_moves_the_certificate() {
        let (n, k, s) = (30, 4, 16);
        let shares = streamed(n, k, s);
        let caps = Caps {
            iterations: 1000,
            seconds: 60.0,
        };
        let watch = Watch::new(None, None);
        let clean = solve(
            &shares,
            &mut crate::guarantee::passes::CpuPasses,
            s as u32,
            (n - s) as u32,
            caps,
            &watch,
        )
        .unwrap();
        let (policy, worst) = (&clean.policy[0].0, &clean.worst.1);
        let perturbed = Perturbed {
            inner: &shares,
            at: policy.iter().zip(worst).map(|(a, b)| a + b).collect(),
            by: -1e-6,
        };
        let (coalition, others) = (Simplex::new(s as u32, k), Simplex::new((n - s) as u32, k));
        let strategies: Vec<Vector<()>> = clean
            .policy
            .iter()
            .map(|(c, _)| Vector::at(&shares, &coalition, coalition.rank(c)))
            .collect();
        let mix: Vec<_> = strategies
            .iter()
            .zip(&clean.policy)
            .map(|(v, (_, p))| (v, *p))
            .collect();
        let again = worst_reply(&shares, &others, &mix, &watch).unwrap();
        assert_eq!(again.value, clean.lower);
        let moved = worst_reply(&perturbed, &others, &mix, &watch).unwrap();
        let expected = clean.policy[0].1 * 1e-6 * f64::from(policy.iter().sum::<u32>()) / n as f64;
        assert!(
            clean.lower - moved.value >= expected * 0.999,
            "a share lowered by 1e-6 moved the lower certificate from {} to {}",
            clean.lower,
            moved.value
        );
        assert!(clean.lower - moved.value > 1e-9);
    }
}
