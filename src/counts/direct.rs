//! The count-vector method for symmetric games (docs/THEORY.md, "How r_j(x)
//! is evaluated"). Coalition j's total share depends only on N_j (its members' action
//! counts) and C = N_j + M_j (everyone's):
//! `r_j(x) = Σ_{N, M} P_j(N) Q_j(M) Σ_b N_b h_b(x, N + M)`,
//! with P_j the distribution of N_j (the convolution of its independent
//! parts' count distributions) and Q_j that of the others (the convolution of
//! the other coalitions' P). Polynomial in n instead of exponential.
//!
//! Count vectors carry an additive *key* (convolutions add keys) and are
//! stored by their *rank* in the product of per-block simplices
//! ([`crate::counts::space`]): nothing is allocated over the key space.
//! Among vectors of one total, key order is lexicographic order, which
//! adding a fixed vector preserves. So with each distribution sorted by key,
//! the pair sum walks the share table forwards for each N, the rank of
//! N + M costing R(k − 1) lookups in tables of n + 1 entries (on the CPU
//! R(k − 2) and two additions, [`SplitRanks`]).

use rayon::prelude::*;

use crate::counts::vectors::CountVectors;
use crate::error::{Error, Remedy, Result};
use crate::model::problem::Problem;
use crate::plan::Plan;
use crate::watch::Watch;

pub use crate::counts::space::{suffix_sums, CountSpace, Key, RankTables, SplitRanks};

/// A distribution of count vectors of `totals[r]` players in each role
/// block: (key, probability).
#[derive(Clone, Debug, PartialEq)]
pub struct CountDistribution {
    /// Players counted in each block (one total without roles).
    pub totals: Vec<u32>,
    /// Support (key, probability > 0), in a deterministic order.
    pub entries: Vec<(Key, f64)>,
}

impl CountDistribution {
    /// The same distribution with its entries in key order (lexicographic).
    pub fn sorted(mut self) -> Self {
        self.entries.sort_unstable_by_key(|e| e.0);
        self
    }

    /// All mass on one count vector.
    pub fn point(space: &CountSpace, counts: &[u32]) -> Self {
        let k = space.k();
        CountDistribution {
            totals: counts.chunks(k).map(|block| block.iter().sum()).collect(),
            entries: vec![(space.key(counts), 1.0)],
        }
    }

    /// The suffix sums of every entry's count vector, `space.digits()` each
    /// (one zero each at k = 1, where there are none).
    pub fn suffix_sums(&self, space: &CountSpace) -> Vec<u32> {
        let (k, digits) = (space.k(), space.digits());
        let mut sums = vec![0u32; self.entries.len() * digits.max(1)];
        let mut counts = vec![0u32; space.actions];
        for (&(key, _), out) in self
            .entries
            .iter()
            .zip(sums.chunks_exact_mut(digits.max(1)))
        {
            space.counts_of(key, &self.totals, &mut counts);
            suffix_sums(&counts, k, out);
        }
        sums
    }
}

/// Scratch for convolutions over the result's simplex product (its block
/// totals, never the key space): a mass per rank, or the position of each
/// touched rank's entry, so that each convolution costs its pairs.
#[derive(Default)]
pub struct Convolver {
    slot: Vec<u32>,
    touched: Vec<u32>,
    dense: Vec<f64>,
}

/// An untouched slot.
const EMPTY: u32 = u32::MAX;

/// A distribution in the middle of a chain of convolutions: its entries'
/// suffix sums (`width` each) and masses, in first-touched order; keys are
/// made once, at the end ([`Partial::into_distribution`]).
struct Partial {
    totals: Vec<u32>,
    sums: Vec<u32>,
    mass: Vec<f64>,
}

impl Partial {
    fn of(space: &CountSpace, d: &CountDistribution) -> Partial {
        Partial {
            totals: d.totals.clone(),
            sums: d.suffix_sums(space),
            mass: d.entries.iter().map(|e| e.1).collect(),
        }
    }

    fn into_distribution(self, space: &CountSpace) -> CountDistribution {
        let width = space.digits().max(1);
        let entries = self
            .sums
            .chunks_exact(width)
            .zip(self.mass)
            // A product of masses that underflowed to 0 is no support.
            .filter(|&(_, p)| p > 0.0)
            .map(|(s, p)| (space.key_of_sums(&self.totals, s), p))
            .collect();
        CountDistribution {
            totals: self.totals,
            entries,
        }
    }
}

impl Convolver {
    /// Scratch for convolutions in `space` (grown as results need).
    pub fn new(_space: &CountSpace) -> Self {
        Convolver::default()
    }

    /// The distribution of the sum of independent `a` and `b`. Dense pairs
    /// (at least an eighth of the result's simplex) add into a mass per
    /// rank read back in rank order, which keeps a chain's running sum in
    /// rank order (its next pairs walk the scratch forwards); sparse ones
    /// go through a slot per rank, each result entry listed when first
    /// reached.
    fn convolve(&mut self, space: &CountSpace, a: &Partial, b: &Partial) -> Partial {
        let totals: Vec<u32> = a.totals.iter().zip(&b.totals).map(|(x, y)| x + y).collect();
        let tables = RankTables::new(&totals, space.k())
            .expect("a part of the space's count vectors, which fit its limit");
        let split = SplitRanks::new(&tables);
        let rows = tables.rows() as usize;
        let width = space.digits().max(1);
        // At most every pair or every vector of the result: no regrowth.
        let most = (a.mass.len().saturating_mul(b.mass.len())).min(rows);
        let mut out = Partial {
            totals,
            sums: Vec::with_capacity(most * width),
            mass: Vec::with_capacity(most),
        };
        if most.saturating_mul(8) >= rows {
            if self.dense.len() < rows {
                self.dense.resize(rows, 0.0);
            }
            let dense = &mut self.dense;
            pair_ranks(space, &split, a, b, |rank, ia, ib| {
                dense[rank] += a.mass[ia] * b.mass[ib];
            });
            let (k, digits) = (space.k(), space.digits());
            let mut walk = ProductWalk::new(&out.totals, k);
            let mut sums = [0u32; crate::model::limits::MAX_ACTIONS];
            let mut rank = 0;
            while let Some(counts) = walk.next_vector() {
                let p = std::mem::take(&mut self.dense[rank]);
                if p > 0.0 {
                    suffix_sums(counts, k, &mut sums[..digits]);
                    out.mass.push(p);
                    out.sums.extend_from_slice(&sums[..width]);
                }
                rank += 1;
            }
            return out;
        }
        if self.slot.len() < rows {
            self.slot.resize(rows, EMPTY);
        }
        let (slot, touched) = (&mut self.slot, &mut self.touched);
        pair_ranks(space, &split, a, b, |rank, ia, ib| {
            let mut at = slot[rank];
            if at == EMPTY {
                at = out.mass.len() as u32;
                slot[rank] = at;
                touched.push(rank as u32);
                out.mass.push(0.0);
                let (sa, sb) = (
                    &a.sums[ia * width..][..width],
                    &b.sums[ib * width..][..width],
                );
                out.sums.extend(sa.iter().zip(sb).map(|(x, y)| x + y));
            }
            out.mass[at as usize] += a.mass[ia] * b.mass[ib];
        });
        for &rank in &self.touched {
            self.slot[rank as usize] = EMPTY;
        }
        self.touched.clear();
        out
    }

    /// The convolution of all `parts`; stops early (with a partial result)
    /// once `watch` is cancelled, for the caller to check. Parts over the
    /// same role blocks are convolved together first, each such chain
    /// smallest first (cheaper), then the chains smallest first: a chain's
    /// running sum stays within its blocks' simplices, and chains over
    /// disjoint blocks combine with every pair reaching its own vector (a
    /// role game's independent players: R chains over one role each, not
    /// one chain over the whole product).
    pub fn convolve_all(
        &mut self,
        space: &CountSpace,
        parts: &[&CountDistribution],
        watch: Watch<'_>,
    ) -> CountDistribution {
        let mut groups: std::collections::BTreeMap<Vec<bool>, Vec<Partial>> = Default::default();
        for d in parts {
            let blocks = d.totals.iter().map(|&t| t > 0).collect();
            groups
                .entry(blocks)
                .or_default()
                .push(Partial::of(space, d));
        }
        let chains = groups
            .into_values()
            .map(|group| self.chain(space, group, watch))
            .collect();
        self.chain(space, chains, watch).into_distribution(space)
    }

    /// The convolution of `parts`, smallest first.
    fn chain(&mut self, space: &CountSpace, mut parts: Vec<Partial>, watch: Watch<'_>) -> Partial {
        parts.sort_by_key(|d| d.mass.len());
        let mut parts = parts.into_iter();
        let Some(mut acc) = parts.next() else {
            let point = CountDistribution::point(space, &vec![0; space.actions]);
            return Partial::of(space, &point);
        };
        for d in parts {
            if watch.cancelled() {
                break;
            }
            acc = self.convolve(space, &acc, &d);
        }
        acc
    }
}

/// Calls `visit(rank of a_i + b_j, i, j)` for every pair, b outermost. The
/// rank is the entries' linear parts added plus `R(k − 2)` lookups
/// ([`SplitRanks`]). The inner loop runs over a, the longer side in a
/// chain of convolutions: for a fixed b entry, ranks of a + b follow a's
/// order (rank order after a dense step), so that the scratch is walked
/// forwards rather than at random.
fn pair_ranks(
    space: &CountSpace,
    split: &SplitRanks,
    a: &Partial,
    b: &Partial,
    mut visit: impl FnMut(usize, usize, usize),
) {
    let width = space.digits().max(1);
    let digits = space.digits();
    let looked_up = split.looked_up();
    let lin_a: Vec<u32> = a
        .sums
        .chunks_exact(width)
        .map(|s| split.constant().wrapping_add(split.linear(&s[..digits])))
        .collect();
    let mut bases = [0usize; crate::model::limits::MAX_ACTIONS];
    for (ib, sb) in b.sums.chunks_exact(width).enumerate() {
        let lin_b = split.linear(&sb[..digits]);
        for (j, &i) in looked_up.iter().enumerate() {
            bases[j] = split.base(j, sb[i]);
        }
        for (ia, (sa, &la)) in a.sums.chunks_exact(width).zip(&lin_a).enumerate() {
            let rank = looked_up
                .iter()
                .zip(&bases)
                .fold(la.wrapping_add(lin_b), |r, (&i, &at)| {
                    r.wrapping_add(split.word(at + sa[i] as usize))
                });
            visit(rank as usize, ia, ib);
        }
    }
}

/// Walks the product of per-block simplices in rank order (lexicographic,
/// block 0 outermost) without listing it.
struct ProductWalk {
    k: usize,
    totals: Vec<u32>,
    blocks: Vec<CountVectors>,
    current: Vec<u32>,
    started: bool,
}

impl ProductWalk {
    fn new(totals: &[u32], k: usize) -> Self {
        ProductWalk {
            k,
            totals: totals.to_vec(),
            blocks: totals.iter().map(|&t| CountVectors::new(t, k)).collect(),
            current: vec![0; totals.len() * k],
            started: false,
        }
    }

    /// The next vector (all blocks' cells), or `None` after the last.
    fn next_vector(&mut self) -> Option<&[u32]> {
        let k = self.k;
        if !self.started {
            self.started = true;
            for (r, walk) in self.blocks.iter_mut().enumerate() {
                self.current[r * k..][..k].copy_from_slice(walk.next_vector()?);
            }
            return Some(&self.current);
        }
        // The last block steps; one that is done restarts and carries.
        for r in (0..self.blocks.len()).rev() {
            if let Some(v) = self.blocks[r].next_vector() {
                self.current[r * k..][..k].copy_from_slice(v);
                return Some(&self.current);
            }
            let mut fresh = CountVectors::new(self.totals[r], k);
            let first = fresh.next_vector().expect("a simplex has a vector");
            self.current[r * k..][..k].copy_from_slice(first);
            self.blocks[r] = fresh;
        }
        None
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
        let mut dist: Vec<(Key, f64)> = part
            .outcomes
            .iter()
            .map(|(actions, p)| {
                let mut counts = vec![0u32; cells];
                for (&a, &i) in actions.iter().zip(&part.players) {
                    counts[cell(i, a)] += 1;
                }
                (space.key(&counts), *p)
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
/// that key order is rank order among vectors of the same blocks).
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

/// Sizes and offsets of one coalition's pair sum. Must be kept in sync with
/// `CountsConfig` in shaders/counts_layout.wgsl (checked by a naga reflection test).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct CountsConfig {
    /// Cells: k, or R·k in a role game.
    pub actions: u32,
    /// S
    pub states: u32,
    /// Entries of each rank table: the largest block + 1.
    pub table_len: u32,
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
    /// totals of its count vectors, which give each block's first count).
    pub p_totals: u32,
    /// Word offset of the P vectors' suffix sums (R(k−1) words each).
    pub p_sums: u32,
    /// Word offset of the Q vectors' suffix sums (R(k−1) words each).
    pub q_sums: u32,
    /// Word offset of the rank tables ([`RankTables`] of all n players).
    pub rank_tables: u32,
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

    /// Suffix sums per count vector: R(k − 1).
    pub fn digits(&self) -> u32 {
        self.actions - self.blocks
    }

    /// Loop iterations of the kernels per Q entry: the rank's lookups, and
    /// per state the dot product and its bookkeeping.
    pub fn iterations_per_entry(&self) -> u64 {
        per_entry(
            self.states as usize,
            self.actions as usize,
            self.digits() as usize,
        )
    }
}

/// [`CountsConfig::iterations_per_entry`] before the config exists.
fn per_entry(states: usize, cells: usize, digits: usize) -> u64 {
    (states * (cells + 2) + 2 + digits) as u64
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
    pub fn new(counts: &CountsPlan, states: usize) -> Result<CountsFlat> {
        let space = &counts.space;
        let k = space.actions;
        let too_large = || {
            Error::too_large(
                "the counts method's tables exceed 32-bit indices",
                Remedy::Sampling,
            )
        };
        let offset = |len: usize| u32::try_from(len).map_err(|_| too_large());
        let rows = usize::try_from(space.rows).map_err(|_| too_large())?;
        let share_entries = states
            .checked_mul(rows)
            .and_then(|e| e.checked_mul(k))
            .ok_or_else(too_large)?;
        offset(share_entries)?;
        let ranks = space.ranks();
        let mut words = ranks.words().to_vec();
        let mut reals = vec![0.0; share_entries];
        let per_item = per_entry(states, k, space.digits());
        let mut configs = Vec::new();
        for (p, q) in counts.coalitions.iter().zip(&counts.others) {
            let chunk = (ITERATIONS_PER_ITEM / per_item).clamp(1, q.entries.len() as u64) as u32;
            let q_entries = offset(q.entries.len())?;
            let (p_sums, q_sums) = (p.suffix_sums(space), q.suffix_sums(space));
            let config = CountsConfig {
                actions: k as u32,
                states: states as u32,
                table_len: offset(ranks.table_len())?,
                rows: offset(rows)?,
                p_entries: offset(p.entries.len())?,
                q_entries,
                chunk,
                chunks: q_entries.div_ceil(chunk),
                p_totals: offset(words.len())?,
                p_sums: offset(words.len() + p.totals.len())?,
                q_sums: offset(words.len() + p.totals.len() + p_sums.len())?,
                rank_tables: 0,
                p_prob: offset(reals.len())?,
                q_prob: offset(reals.len() + p.entries.len())?,
                shares: 0,
                blocks: space.blocks.len() as u32,
            };
            words.extend(&p.totals);
            words.extend(&p_sums);
            words.extend(&q_sums);
            offset(words.len())?;
            reals.extend(p.entries.iter().map(|e| e.1));
            reals.extend(q.entries.iter().map(|e| e.1));
            configs.push(config);
        }
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

    /// Put the share table `h_b(x, C)` in place (the tests' way; the
    /// backends fill [`CountsFlat::shares_mut`]).
    #[cfg(test)]
    pub fn set_shares(&mut self, shares: &[f64]) {
        self.reals[..shares.len()].copy_from_slice(shares);
    }

    /// The share table's region (`states × rows × k`, at real offset 0),
    /// for filling in place.
    pub(crate) fn shares_mut(&mut self) -> &mut [f64] {
        let entries = self.share_entries();
        &mut self.reals[..entries]
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
        let rows = block_sizes.iter().fold(1u64, |acc, &b| {
            acc.saturating_mul(crate::counts::vectors::count_vectors(b, actions as u64))
        });
        let threads = rayon::current_num_threads() as u64;
        let entries: u64 = p.iter().chain(&q).fold(0u64, |a, &b| a.saturating_add(b));
        // Per thread a slot per rank of the convolutions' scratch; the list
        // of all count vectors and the share table; per entry its key,
        // probability, real and suffix sums, and its copy in the scratch;
        // and the CPU pair sum's copy of one coalition's Q entries at a
        // time (a linear part and at most `digits` looked-up sums each).
        let digits = k - blocks as u64;
        let pair_sum_q = q.iter().copied().max().unwrap_or(0);
        let bytes = rows
            .saturating_mul(4 * threads + k * (4 + 8 * problem.states() as u64))
            .saturating_add(entries.saturating_mul(40 + 4 * digits))
            .saturating_add(pair_sum_q.saturating_mul(4 + 4 * digits));
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
