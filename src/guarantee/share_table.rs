//! The share table of a symmetric game, `h_b(x, C)` for every count vector C
//! of all n players, in f64, and the count-vector payoff
//! `f_x(N, M) = Σ_b N_b h_b(x, N + M)` that the double oracle and the spy
//! value read from it (docs/THEORY.md, "Guarantees at scale").
//!
//! The table is the CPU twin's (`count_shares`, twin of
//! `shaders/count_shares.wgsl`): the certificates are sums of these f64
//! entries. With the GPU asked for, the kernel builds it too and the two are
//! compared within [`PAYOFF_TOLERANCE`].

use crate::counts::direct::{all_count_vectors, CountSpace};
use crate::counts::vectors::count_vectors;
use crate::error::{Error, Remedy, Result};
use crate::evaluator::{Backend, Evaluator};
use crate::model::problem::Problem;
use crate::plan::{FlatPlan, Plan};

use super::dense::PAYOFF_TOLERANCE;

/// The suffix sums of a count vector ([`crate::counts::space::suffix_sums`]),
/// the share table's key: ranks of sums are lookups of sums of these.
pub(crate) type Sums = [u32; crate::model::limits::MAX_ACTIONS - 1];

/// `h_b(x, C)` for every state x and count vector C of all n players.
pub(crate) struct ShareTable {
    pub(crate) space: CountSpace,
    states: usize,
    rows: usize,
    /// `shares[(x * rows + rank) * k + b]`.
    shares: Vec<f64>,
}

/// Bytes a share table of `problem` takes (its count vectors and its
/// shares; the rank tables are n + 1 words per action), counted before it is built.
pub(crate) fn table_bytes(problem: &Problem) -> u64 {
    let (n, k) = (problem.players() as u64, problem.actions() as u64);
    let rows = count_vectors(n, k);
    rows.saturating_mul(k * (4 + 8 * problem.states() as u64))
}

/// `max |cpu − gpu|` of two share lists, or the error that refuses them
/// beyond [`PAYOFF_TOLERANCE`] (or on a NaN).
pub(crate) fn max_difference(cpu: &[f64], gpu: &[f64]) -> Result<f64> {
    let d = cpu
        .iter()
        .zip(gpu)
        .map(|(&c, &g)| (c - g).abs())
        .fold(
            0.0,
            |m: f64, d| if d.is_nan() { f64::NAN } else { m.max(d) },
        );
    if d.is_nan() || d > PAYOFF_TOLERANCE {
        return Err(Error::Disagree {
            difference: d,
            tolerance: PAYOFF_TOLERANCE,
        });
    }
    Ok(d)
}

impl ShareTable {
    /// The table of `problem`'s game (symmetric), on the CPU; with `Gpu` or
    /// `Both` also by the kernel, compared (`max |GPU − CPU|` returned).
    pub(crate) fn new(
        evaluator: &mut Evaluator,
        problem: &Problem,
        backend: Backend,
        notes: &mut Vec<String>,
    ) -> Result<(ShareTable, Option<f64>)> {
        crate::memory::check(
            "the share table of the double oracle",
            table_bytes(problem),
            crate::memory::DEFAULT_MEMORY_LIMIT,
            Remedy::SmallerProblem,
        )?;
        let space = CountSpace::new(problem.players(), problem.actions())?;
        let flat = FlatPlan::new(problem, &Plan::new(problem))?;
        let vectors = all_count_vectors(&space);
        let shares = evaluator
            .kernels(crate::evaluator::Side::Cpu)?
            .count_shares(&flat, &vectors)?;
        let max_gpu_cpu = match backend {
            Backend::Cpu | Backend::Auto => None,
            Backend::Gpu | Backend::Both => {
                notes.push(
                    "the double oracle's certificates are f64 sums: its share table comes from \
                     the CPU, checked against the GPU's"
                        .into(),
                );
                problem
                    .game()
                    .check_range(crate::model::game::GPU_RANGE, "the GPU's f32 arithmetic")?;
                let gpu = evaluator
                    .kernels(crate::evaluator::Side::Gpu)?
                    .count_shares(&flat, &vectors)?;
                let d = max_difference(&shares, &gpu)?;
                Some(d)
            }
        };
        Ok((
            ShareTable {
                rows: vectors.len() / space.actions,
                states: problem.states(),
                space,
                shares,
            },
            max_gpu_cpu,
        ))
    }

    /// States.
    pub(crate) fn states(&self) -> usize {
        self.states
    }

    /// `f_x(N, M) = Σ_b N_b h_b(x, N + M)`: the coalition's total share when
    /// it plays counts `n` (suffix sums `n_sums`) and the others counts with
    /// suffix sums `m_sums` (the rank of N + M from the rank tables).
    #[inline]
    pub(crate) fn payoff(&self, x: usize, n: &[u32], n_sums: &Sums, m_sums: &Sums) -> f64 {
        let k = self.space.actions;
        let digits = k - 1;
        let r = self
            .space
            .ranks()
            .rank_of_sum(&n_sums[..digits], &m_sums[..digits]) as usize;
        let h = &self.shares[(x * self.rows + r) * k..][..k];
        n.iter().zip(h).map(|(&c, &h)| f64::from(c) * h).sum()
    }
}
