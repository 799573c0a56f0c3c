//! The count-vector method for symmetric games (docs/THEORY.md, "How r_j(x)
//! is evaluated"). Coalition j's total share depends only on N_j (its members' action
//! counts) and C = N_j + M_j (everyone's):
//! `r_j(x) = Σ_{N, M} P_j(N) Q_j(M) Σ_b N_b h_b(x, N + M)`,
//! with P_j the distribution of N_j (the convolution of its independent
//! parts' count distributions) and Q_j that of the others (the convolution of
//! the other coalitions' P). Polynomial in n instead of exponential.
//!
//! Count vectors are stored by a *cube index* `Σ_{b<k-1} c_b (n+1)^(k-2-b)`
//! (c_0 most significant, the last count implied by the total): the index of a
//! sum of vectors is the sum of their indices, so convolutions need no
//! ranking; and among vectors of one total, index order is lexicographic
//! order, which adding a fixed vector preserves. So with each distribution
//! sorted by index, the pair sum walks the rank table and the share table
//! forwards for each N, instead of jumping around them.

use rayon::prelude::*;

use crate::counts::vectors::CountVectors;
use crate::error::{Error, Remedy, Result};
use crate::model::problem::Problem;
use crate::plan::Plan;
use crate::watch::Watch;

/// Largest cube `(n+1)^(k-1)` the method accepts (a few hundred MB of scratch).
pub const MAX_CUBE: u64 = 1 << 25;

/// The count vectors of a game: n players over k actions, or in a
/// role-dependent game the role-count cube: each role block's players over
/// its k (block, action) cells, `block * k + a`.
#[derive(Clone, Debug)]
pub struct CountSpace {
    /// Players n.
    pub players: u32,
    /// Cells counted: k actions, or R·k (block, action) cells.
    pub actions: usize,
    /// Players of each role block (one block of n without roles).
    pub blocks: Vec<u32>,
    /// Radix of the cube index: the largest block's players + 1.
    pub radix: u32,
    /// `radix^(R·(k-1))`.
    pub cube: usize,
}

impl CountSpace {
    /// The space of n players over k actions, or an error when the cube is too large.
    pub fn new(players: usize, actions: usize) -> Result<CountSpace> {
        Self::with_blocks(&[players], actions)
    }

    /// The role-count cube: `blocks[r]` players over k actions each, or an
    /// error when the cube is too large. Each block's last cell is implied
    /// by the block's total; one radix for all digits, so that indices of
    /// partial counts still add.
    pub fn with_blocks(blocks: &[usize], actions: usize) -> Result<CountSpace> {
        let players: usize = blocks.iter().sum();
        let cells = blocks.len() * actions;
        let digits = blocks.len() * (actions - 1);
        let radix = blocks.iter().max().map_or(1, |&b| b as u64 + 1);
        let cube = u32::try_from(digits).ok().and_then(|d| radix.checked_pow(d)).filter(|&c| c <= MAX_CUBE).ok_or_else(|| {
            let shape = if blocks.len() == 1 { "(n+1)^(k-1)" } else { "(largest role + 1)^(roles·(k-1))" };
            Error::too_large(format!(
                "the counts method indexes count vectors in {shape} = {radix}^{digits} cells, beyond {MAX_CUBE}"
            ), Remedy::Sampling)
        })?;
        Ok(CountSpace {
            players: players as u32,
            actions: cells,
            blocks: blocks.iter().map(|&b| b as u32).collect(),
            radix: radix as u32,
            cube: cube as usize,
        })
    }

    /// The space of `problem`'s counts: role blocks in a role-dependent game.
    pub fn of_problem(problem: &Problem) -> Result<CountSpace> {
        let (block_of, blocks) = problem.count_blocks();
        let mut sizes = vec![0; blocks];
        for b in block_of {
            sizes[b] += 1;
        }
        Self::with_blocks(&sizes, problem.actions())
    }

    /// Cube index of a count vector (each block's last entry is implied).
    pub fn index(&self, counts: &[u32]) -> u32 {
        let k = self.actions / self.blocks.len();
        counts
            .chunks(k)
            .flat_map(|block| &block[..k - 1])
            .fold(0, |acc, &c| acc * self.radix + c)
    }
}

/// A distribution of count vectors of `totals[r]` players in each role
/// block: (cube index, probability).
#[derive(Clone, Debug, PartialEq)]
pub struct CountDistribution {
    /// Players counted in each block (one total without roles).
    pub totals: Vec<u32>,
    /// Support (cube index, probability > 0), in a deterministic order.
    pub entries: Vec<(u32, f64)>,
}

impl CountDistribution {
    /// The same distribution with its entries in cube-index order.
    pub fn sorted(mut self) -> Self {
        self.entries.sort_unstable_by_key(|e| e.0);
        self
    }

    /// All mass on one count vector.
    pub fn point(space: &CountSpace, counts: &[u32]) -> Self {
        let k = space.actions / space.blocks.len();
        CountDistribution {
            totals: counts.chunks(k).map(|block| block.iter().sum()).collect(),
            entries: vec![(space.index(counts), 1.0)],
        }
    }
}

/// Scratch for convolutions: a dense cube with the list of touched cells, so
/// that each convolution costs its pairs, not the cube.
pub struct Convolver {
    mass: Vec<f64>,
    touched: Vec<bool>,
    cells: Vec<u32>,
}

impl Convolver {
    /// Scratch for `space`.
    pub fn new(space: &CountSpace) -> Self {
        Convolver {
            mass: vec![0.0; space.cube],
            touched: vec![false; space.cube],
            cells: Vec::new(),
        }
    }

    /// The distribution of the sum of independent `a` and `b`.
    pub fn convolve(&mut self, a: &CountDistribution, b: &CountDistribution) -> CountDistribution {
        for &(ia, pa) in &a.entries {
            for &(ib, pb) in &b.entries {
                let cell = (ia + ib) as usize;
                if !self.touched[cell] {
                    self.touched[cell] = true;
                    self.cells.push(cell as u32);
                }
                self.mass[cell] += pa * pb;
            }
        }
        // Cells stay in first-touched order: deterministic for given inputs,
        // and sorting them cost more than the convolution itself.
        let entries = self
            .cells
            .drain(..)
            .map(|cell| {
                let c = cell as usize;
                let p = std::mem::take(&mut self.mass[c]);
                self.touched[c] = false;
                (cell, p)
            })
            .filter(|&(_, p)| p > 0.0)
            .collect();
        CountDistribution {
            totals: a.totals.iter().zip(&b.totals).map(|(x, y)| x + y).collect(),
            entries,
        }
    }

    /// The convolution of all `parts`, smallest first (cheaper); stops
    /// early (with a partial result) once `watch` is cancelled, for the
    /// caller to check.
    pub fn convolve_all(
        &mut self,
        space: &CountSpace,
        parts: &[&CountDistribution],
        watch: Watch<'_>,
    ) -> CountDistribution {
        let mut order: Vec<&CountDistribution> = parts.to_vec();
        order.sort_by_key(|d| d.entries.len());
        let mut acc = CountDistribution::point(space, &vec![0; space.actions]);
        for d in order {
            if watch.cancelled() {
                break;
            }
            acc = self.convolve(&acc, d);
        }
        acc
    }
}

/// Each coalition's count distribution P_j: its base players' counts and the
/// convolution of its parts' count distributions.
pub fn coalition_distributions(
    problem: &Problem,
    plan: &Plan,
    space: &CountSpace,
    watch: Watch<'_>,
) -> Vec<CountDistribution> {
    let k = problem.actions();
    let cells = space.actions;
    let (block_of, _) = problem.count_blocks();
    let cell = |i: usize, a: usize| block_of[i] * k + a;
    let m = problem.coalitions().len();
    let coalition_of = problem.coalition_of();
    let in_part: std::collections::HashSet<usize> = plan
        .parts
        .iter()
        .flat_map(|p| p.players.iter().copied())
        .collect();
    let mut base = vec![vec![0u32; cells]; m];
    for i in (0..problem.players()).filter(|i| !in_part.contains(i)) {
        base[coalition_of[i]][cell(i, plan.base[i])] += 1;
    }
    let mut parts: Vec<Vec<CountDistribution>> = base
        .iter()
        .map(|b| vec![CountDistribution::point(space, b)])
        .collect();
    for part in &plan.parts {
        let mut dist: Vec<(u32, f64)> = part
            .outcomes
            .iter()
            .map(|(actions, p)| {
                let mut counts = vec![0u32; cells];
                for (&a, &i) in actions.iter().zip(&part.players) {
                    counts[cell(i, a)] += 1;
                }
                (space.index(&counts), *p)
            })
            .collect();
        // Outcomes with the same counts (e.g. permutations in a joint policy) merge.
        dist.sort_by_key(|e| e.0);
        dist.dedup_by(|next, kept| {
            if next.0 == kept.0 {
                kept.1 += next.1;
                true
            } else {
                false
            }
        });
        let mut totals = vec![0; space.blocks.len()];
        for &i in &part.players {
            totals[block_of[i]] += 1;
        }
        parts[coalition_of[part.players[0]]].push(CountDistribution {
            totals,
            entries: dist,
        });
    }
    parts
        .par_iter()
        .map(|p| {
            let refs: Vec<&CountDistribution> = p.iter().collect();
            Convolver::new(space)
                .convolve_all(space, &refs, watch)
                .sorted()
        })
        .collect()
}

/// Q_j for every j: the convolution of the other coalitions' distributions.
pub fn others_distributions(
    space: &CountSpace,
    coalitions: &[CountDistribution],
    watch: Watch<'_>,
) -> Vec<CountDistribution> {
    (0..coalitions.len())
        .into_par_iter()
        .map(|j| {
            let others: Vec<&CountDistribution> = coalitions
                .iter()
                .enumerate()
                .filter(|&(o, _)| o != j)
                .map(|(_, d)| d)
                .collect();
            Convolver::new(space)
                .convolve_all(space, &others, watch)
                .sorted()
        })
        .collect()
}

/// Every count vector of all n players, one word per cell, in rank order:
/// lexicographic, which for role blocks is block 0's vector outermost (so
/// that cube-index order is rank order among vectors of the same blocks).
pub fn all_count_vectors(space: &CountSpace) -> Vec<u32> {
    count_vectors_with_totals(&space.blocks, space.actions / space.blocks.len())
}

/// Every count vector with `totals[b]` players in block b over k actions
/// each, one word per cell, block 0's vector outermost.
pub fn count_vectors_with_totals(totals: &[u32], k: usize) -> Vec<u32> {
    let mut all: Vec<u32> = Vec::new();
    let mut prefixes = 1;
    for &block in totals {
        let mut walk = CountVectors::new(block, k);
        let mut vectors = Vec::new();
        while let Some(v) = walk.next_vector() {
            vectors.extend_from_slice(v);
        }
        let width = all.len() / prefixes.max(1);
        let mut next = Vec::with_capacity(prefixes * (width + k) * (vectors.len() / k));
        for p in 0..prefixes {
            for v in vectors.chunks(k) {
                next.extend_from_slice(&all[p * width..(p + 1) * width]);
                next.extend_from_slice(v);
            }
        }
        prefixes *= vectors.len() / k;
        all = next;
    }
    all
}

/// For every cube cell of a count vector of all n players, its rank.
pub fn rank_of_cell(space: &CountSpace, vectors: &[u32]) -> Vec<u32> {
    let mut lookup = vec![u32::MAX; space.cube];
    for (rank, v) in vectors.chunks(space.actions).enumerate() {
        lookup[space.index(v) as usize] = rank as u32;
    }
    lookup
}

/// Sizes and offsets of one coalition's pair sum. Must be kept in sync with
/// `CountsConfig` in shaders/counts_layout.wgsl (checked by a naga reflection test).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct CountsConfig {
    /// k
    pub actions: u32,
    /// S
    pub states: u32,
    /// n + 1
    pub radix: u32,
    /// Count vectors of all n players (rows of the share table).
    pub rows: u32,
    /// |P_j|
    pub p_entries: u32,
    /// |Q_j|
    pub q_entries: u32,
    /// Q entries per item.
    pub chunk: u32,
    /// Items per P entry: ceil(|Q_j| / chunk).
    pub chunks: u32,
    /// Word offset of coalition j's players in each role block (the
    /// totals of its count vectors, which imply each block's last count).
    pub p_totals: u32,
    /// Word offset of the P cells.
    pub p_cell: u32,
    /// Word offset of the Q cells.
    pub q_cell: u32,
    /// Word offset of the rank of each cube cell.
    pub rank_of_cell: u32,
    /// Real offset of the P probabilities.
    pub p_prob: u32,
    /// Real offset of the Q probabilities.
    pub q_prob: u32,
    /// Real offset of the share table.
    pub shares: u32,
    /// Role blocks R of the cells (1 without roles; k = actions / R).
    pub blocks: u32,
}

impl CountsConfig {
    /// Items of the pair sum: |P_j| × chunks (one P entry against one chunk of Q).
    pub fn items(&self) -> u64 {
        u64::from(self.p_entries) * u64::from(self.chunks)
    }
}

/// Loop iterations one item of the pair sum may take (well below lavapipe's
/// 65535 per invocation, see src/gpu/run.rs).
const ITERATIONS_PER_ITEM: u64 = 4096;

/// The pair sums of every coalition flattened for the kernel and its mirror:
/// one config per coalition over shared words and reals.
pub struct CountsFlat {
    /// One config per coalition.
    pub configs: Vec<CountsConfig>,
    /// Integer data.
    pub words: Vec<u32>,
    /// Real data; the share table is filled in by [`CountsFlat::set_shares`].
    pub reals: Vec<f64>,
}

impl CountsFlat {
    /// Lay out the distributions; the share table (`states × rows × k` reals
    /// at offset 0) is left zero for the caller to fill.
    pub fn new(counts: &CountsPlan, states: usize, vectors: &[u32]) -> Result<CountsFlat> {
        let space = &counts.space;
        let k = space.actions;
        let rows = vectors.len() / k;
        let too_large = || {
            Error::too_large(
                "the counts method's tables exceed 32-bit indices",
                Remedy::Sampling,
            )
        };
        let offset = |len: usize| u32::try_from(len).map_err(|_| too_large());
        let mut words = rank_of_cell(space, vectors);
        let mut reals = vec![0.0; states * rows * k];
        let per_item = (states * (k + 2) + 2) as u64;
        let mut configs = Vec::new();
        for (p, q) in counts.coalitions.iter().zip(&counts.others) {
            let chunk = (ITERATIONS_PER_ITEM / per_item).clamp(1, q.entries.len() as u64) as u32;
            let q_entries = offset(q.entries.len())?;
            let config = CountsConfig {
                actions: k as u32,
                states: states as u32,
                radix: space.radix,
                rows: offset(rows)?,
                p_entries: offset(p.entries.len())?,
                q_entries,
                chunk,
                chunks: q_entries.div_ceil(chunk),
                p_totals: offset(words.len())?,
                p_cell: offset(words.len() + p.totals.len())?,
                q_cell: offset(words.len() + p.totals.len() + p.entries.len())?,
                rank_of_cell: 0,
                p_prob: offset(reals.len())?,
                q_prob: offset(reals.len() + p.entries.len())?,
                shares: 0,
                blocks: space.blocks.len() as u32,
            };
            words.extend(&p.totals);
            words.extend(p.entries.iter().map(|e| e.0));
            words.extend(q.entries.iter().map(|e| e.0));
            reals.extend(p.entries.iter().map(|e| e.1));
            reals.extend(q.entries.iter().map(|e| e.1));
            configs.push(config);
        }
        offset(words.len())?;
        offset(reals.len())?;
        Ok(CountsFlat {
            configs,
            words,
            reals,
        })
    }

    /// Items of coalition j's pair sum.
    pub fn items(&self, j: usize) -> u64 {
        self.configs[j].items()
    }

    /// Entries of the share table (`states × rows × k`, at real offset 0).
    pub(crate) fn share_entries(&self) -> usize {
        self.configs
            .first()
            .map_or(0, |c| (c.states * c.rows * c.actions) as usize)
    }

    /// Put the share table `h_b(x, C)` in place.
    pub fn set_shares(&mut self, shares: &[f64]) {
        self.reals[..shares.len()].copy_from_slice(shares);
    }
}

/// Everything the counts method needs, shared by the CPU and GPU backends.
pub struct CountsPlan {
    /// The count space.
    pub space: CountSpace,
    /// P_j.
    pub coalitions: Vec<CountDistribution>,
    /// Q_j.
    pub others: Vec<CountDistribution>,
}

impl CountsPlan {
    /// Build the distributions of `problem` (symmetric or role-dependent
    /// families: counts per role block).
    pub fn new(problem: &Problem, plan: &Plan) -> Result<CountsPlan> {
        Self::build(problem, plan, Watch::default())
    }

    /// The count space of `problem`, or why the counts method cannot run
    /// on it: what [`CountsPlan::new`] refuses, without building anything.
    pub fn space(problem: &Problem) -> Result<CountSpace> {
        if !problem.game().has_counts() {
            return Err(Error::spec(
                "game.family",
                "the counts method needs a symmetric or role-symmetric game; a table game is neither (enumerate or sample it)",
            ));
        }
        CountSpace::of_problem(problem)
    }

    /// [`CountsPlan::new`], stopping with `Cancelled` when `watch` is
    /// cancelled (the convolutions can take minutes at n in the thousands).
    pub fn build(problem: &Problem, plan: &Plan, watch: Watch<'_>) -> Result<CountsPlan> {
        let space = Self::space(problem)?;
        let coalitions = coalition_distributions(problem, plan, &space, watch);
        watch.check()?;
        let others = others_distributions(&space, &coalitions, watch);
        watch.check()?;
        Ok(CountsPlan {
            space,
            coalitions,
            others,
        })
    }

    /// Pairs the final sum visits: Σ_j |P_j| · |Q_j|.
    pub fn pairs(&self) -> u64 {
        self.coalitions
            .iter()
            .zip(&self.others)
            .map(|(p, q)| p.entries.len() as u64 * q.entries.len() as u64)
            .sum()
    }
}

/// What the direct pair sum would take, from upper bounds on the
/// distributions' supports, before building any of them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DirectEstimate {
    /// Σ_j |P_j| · |Q_j| at most.
    pub pairs: u64,
    /// Floating-point operations, roughly: the distributions' convolutions
    /// and the pair sum.
    pub cost: f64,
    /// Peak memory in bytes, roughly.
    pub bytes: u64,
}

impl DirectEstimate {
    /// The estimate for `problem` (symmetric or role-dependent: k counts
    /// the cells, n the largest block, an upper bound either way).
    pub fn new(problem: &Problem, plan: &Plan) -> DirectEstimate {
        let (block_of, blocks) = problem.count_blocks();
        let actions = problem.actions();
        let k = (blocks * actions) as u64;
        let block_sizes: Vec<u64> = (0..blocks)
            .map(|b| block_of.iter().filter(|&&o| o == b).count() as u64)
            .collect();
        let largest = block_sizes.iter().copied().max().unwrap_or(0);
        let m = problem.coalitions().len();
        let coalition_of = problem.coalition_of();
        // Distinct count vectors of each part's outcomes, per coalition.
        let mut supports: Vec<Vec<u64>> = vec![Vec::new(); m];
        for part in &plan.parts {
            let mut counts: Vec<Vec<u32>> = part
                .outcomes
                .iter()
                .map(|(outcome, _)| {
                    let mut c = vec![0u32; k as usize];
                    for (&a, &i) in outcome.iter().zip(&part.players) {
                        c[block_of[i] * actions + a] += 1;
                    }
                    c
                })
                .collect();
            counts.sort();
            counts.dedup();
            supports[coalition_of[part.players[0]]].push(counts.len() as u64);
        }
        let product = |d: &mut dyn Iterator<Item = u64>| d.fold(1u64, u64::saturating_mul);
        // Players of each coalition in each block: count vectors of a group
        // are at most Π_b C(players in b + k − 1, k − 1).
        let mut in_block = vec![vec![0u64; blocks]; m];
        for (j, c) in problem.coalitions().iter().enumerate() {
            for &i in &c.members {
                in_block[j][block_of[i]] += 1;
            }
        }
        let vectors = |players: &mut dyn Iterator<Item = u64>| {
            players.fold(1u64, |acc, b| {
                acc.saturating_mul(crate::counts::vectors::count_vectors(b, actions as u64))
            })
        };
        let p: Vec<u64> = (0..m)
            .map(|j| {
                product(&mut supports[j].iter().copied())
                    .min(vectors(&mut in_block[j].iter().copied()))
            })
            .collect();
        let q: Vec<u64> = (0..m)
            .map(|j| {
                let mut others = (0..m)
                    .filter(|&o| o != j)
                    .flat_map(|o| supports[o].iter().copied());
                let mut others_in_block = (0..blocks).map(|b| {
                    (0..m)
                        .filter(|&o| o != j)
                        .map(|o| in_block[o][b])
                        .sum::<u64>()
                });
                product(&mut others).min(vectors(&mut others_in_block))
            })
            .collect();
        let pairs = (0..m).fold(0u64, |acc, j| acc.saturating_add(p[j].saturating_mul(q[j])));
        // A convolution costs its supports' product; a partial sum's support
        // never exceeds the final one's, so smallest first each step costs
        // at most min(running product, final) × the next support.
        let convolutions = |mut sizes: Vec<f64>, last: f64| {
            sizes.sort_by(f64::total_cmp);
            let mut running = 1.0f64;
            let mut cost = 0.0;
            for s in sizes {
                cost += running * s;
                running = (running * s).min(last);
            }
            cost
        };
        let build: f64 = (0..m)
            .map(|j| {
                let others = (0..m).filter(|&o| o != j).map(|o| p[o] as f64).collect();
                convolutions(supports[j].iter().map(|&d| d as f64).collect(), p[j] as f64)
                    + convolutions(others, q[j] as f64)
            })
            .sum();
        let states = problem.states() as f64;
        let cost = pairs as f64 * states * (2.0 * k as f64 + 2.0) + 2.0 * build;
        let cube = (largest + 1).saturating_pow((blocks * (actions - 1)) as u32);
        let rows = block_sizes.iter().fold(1u64, |acc, &b| {
            acc.saturating_mul(crate::counts::vectors::count_vectors(b, actions as u64))
        });
        let threads = rayon::current_num_threads() as u64;
        let entries: u64 = p.iter().chain(&q).fold(0u64, |a, &b| a.saturating_add(b));
        let bytes = cube
            .saturating_mul(4 + 9 * threads)
            .saturating_add(rows.saturating_mul(k * (4 + 8 * problem.states() as u64)))
            .saturating_add(entries.saturating_mul(24));
        DirectEstimate { pairs, cost, bytes }
    }
}

/// `h_b(x, C)` for the count vectors of all n players along one row of the
/// count grid: the first k−2 counts fixed (`outer`, summing to at most n),
/// the count of action k−2 from 0 up; `put(t, shares)` gets the k shares of
/// each. Shared by the FFT and leave-one-out algorithms.
pub(crate) fn shares_along_row(
    flat: &crate::plan::FlatPlan,
    x: usize,
    outer: &[u32],
    mut put: impl FnMut(usize, &[f64]),
) {
    let k = flat.config.actions as usize;
    let n = flat.config.players;
    let used: u32 = outer.iter().sum();
    let anonymous = flat.config.family == crate::plan::family_id::ANONYMOUS;
    let mut counts = vec![0u32; k];
    counts[..k - 2].copy_from_slice(outer);
    let mut others_rank = vec![0; k];
    let mut h = vec![0.0; k];
    for t in 0..=(n - used) {
        counts[k - 2] = t;
        counts[k - 1] = n - used - t;
        if anonymous {
            crate::cpu::families::anonymous_ranks(flat, &counts, &mut others_rank);
        }
        crate::cpu::families::action_shares(flat, x as u32, &counts, &others_rank, &mut h);
        put(t as usize, &h);
    }
}
