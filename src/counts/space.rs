//! The count space of the counts method (docs/THEORY.md, "How r_j(x) is
//! evaluated"): count vectors of n players over k actions, or in a role
//! game the product of one simplex per role block (each block's players
//! over its k (block, action) cells).
//!
//! A count vector has two names. Its *key* is additive (the key of N + M is
//! the key of N plus the key of M), for convolutions: mixed radix, each
//! block's first k − 1 counts as digits of that block's own radix
//! `size + 1` (c_0 most significant, block 0 outermost, each block's last
//! count implied by its total), in a u64. Among vectors of the same block
//! totals, key order is lexicographic order. Its *rank* indexes every dense
//! array: the position in the product of per-block simplices, lexicographic
//! (the order of [`all_count_vectors`](crate::counts::direct::all_count_vectors)).
//! Nothing is ever allocated over the key space.
//!
//! The rank comes from [`RankTables`]: with the suffix sums `s_b = Σ_{a≥b} c_a`
//! of a block of total T, the hockey-stick identity gives its lexicographic
//! rank `Σ_{b<k−1} G_b(s_b) − G_b(s_{b+1})`, `G_b(s) = C(s + k−1−b, k−1−b)`,
//! which regroups as `G_0(T) + Σ_{b=1}^{k−1} H_b(s_b)`. Suffix sums add, so
//! the rank of N + M is `R(k − 1)` lookups of `H_b(s_b(N) + s_b(M))` in
//! tables of `T + 1` entries: O(k) per pair with no cube-sized table.

use crate::counts::vectors::{binomial, count_vectors};
use crate::error::{Error, Remedy, Result};
use crate::model::problem::Problem;

/// The additive name of a count vector (see the module doc).
pub type Key = u64;

/// Count vectors of all n players the method accepts: ranks are u32 on
/// both backends.
pub const MAX_ROWS: u64 = u32::MAX as u64;

/// Rank tables of one product of simplices: per block r and suffix position
/// b = 1..k−1, `H_{r,b}(s)` times block r's stride, as wrapping u32 words
/// (the sum of a vector's terms is its rank, below 2^32, so the wrapping
/// cancels). Must be kept in sync with `rank_bases` and `rank_of_sum` in
/// shaders/counts_layout.wgsl and their twins in src/cpu/counts_layout.rs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RankTables {
    /// Entries per table: the largest block total + 1.
    len: usize,
    /// `words[i * len + s]` for suffix position i = r(k−1) + b − 1; the
    /// constant `Σ_r stride_r G_0(T_r)` is folded into table 0.
    words: Vec<u32>,
    /// Vectors of the product: Π_r C(T_r + k − 1, k − 1).
    rows: u64,
    /// Suffix sums per block: k − 1.
    digits: usize,
}

impl RankTables {
    /// The tables of vectors with `totals[r]` players in block r over `k`
    /// actions each, or `None` beyond [`MAX_ROWS`] vectors.
    pub fn new(totals: &[u32], k: usize) -> Option<RankTables> {
        let sizes: Vec<u64> = totals
            .iter()
            .map(|&t| count_vectors(u64::from(t), k as u64))
            .collect();
        let rows = sizes.iter().try_fold(1u64, |a, &s| a.checked_mul(s))?;
        if rows > MAX_ROWS {
            return None;
        }
        let len = totals.iter().max().map_or(1, |&t| t as usize + 1);
        let digits = k - 1;
        let mut words = vec![0u32; totals.len() * digits * len];
        // G_p(s) = C(s + k−1−p, k−1−p); below 2^32 for s ≤ T (a count of
        // vectors of this block).
        let g = |p: usize, s: u64| binomial(s + (k - 1 - p) as u64, (k - 1 - p) as u64);
        let mut stride = rows;
        let mut base = 0u64;
        for (r, &total) in totals.iter().enumerate() {
            stride /= sizes[r];
            if k > 1 {
                base = base.wrapping_add(stride.wrapping_mul(g(0, u64::from(total))));
            }
            for b in 1..k {
                let table = &mut words[(r * digits + b - 1) * len..][..len];
                for (s, w) in table.iter_mut().enumerate().take(total as usize + 1) {
                    let s = s as u64;
                    let up = if b < k - 1 { g(b, s) } else { 0 };
                    let h = up.wrapping_sub(g(b - 1, s));
                    *w = stride.wrapping_mul(h) as u32;
                }
            }
        }
        if let Some(first) = words.get_mut(..len) {
            for w in first {
                *w = w.wrapping_add(base as u32);
            }
        }
        Some(RankTables {
            len,
            words,
            rows,
            digits,
        })
    }

    /// Vectors of the product.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Entries per table.
    pub fn table_len(&self) -> usize {
        self.len
    }

    /// The tables, one after another (`R(k − 1)` of [`Self::table_len`] words).
    pub fn words(&self) -> &[u32] {
        &self.words
    }

    /// The rank of the vector whose suffix sums ([`suffix_sums`]) are `sums`.
    #[inline]
    pub fn rank(&self, sums: &[u32]) -> u32 {
        sums.iter().enumerate().fold(0u32, |r, (i, &s)| {
            r.wrapping_add(self.words[i * self.len + s as usize])
        })
    }

    /// The rank of the sum of two vectors, from their suffix sums.
    #[inline]
    pub fn rank_of_sum(&self, a: &[u32], b: &[u32]) -> u32 {
        let mut r = 0u32;
        for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
            r = r.wrapping_add(self.words[i * self.len + (x + y) as usize]);
        }
        r
    }
}

/// A rank of [`RankTables`] split for sums of vectors. The last table of
/// each block is linear, `H_{r,k−1}(s) = −(s + 1)` (times the block's
/// stride), so the rank of a vector is `constant + linear(sums) + Σ` lookups
/// of the other suffix sums only (`R(k − 2)` of them, none at k = 2), and
/// `linear` adds over N + M: per pair of a convolution or pair sum, the
/// linear parts are one addition of per-vector values instead of R lookups.
/// Read off the tables themselves (their first two entries), so it ranks
/// exactly as they do (tested).
#[derive(Clone, Debug)]
pub struct SplitRanks<'a> {
    /// The tables' words ([`RankTables::words`]).
    words: &'a [u32],
    /// Entries per table.
    len: usize,
    /// Suffix sums per block: k − 1.
    digits: usize,
    /// Per block r, `H_{r,k−1}(1) − H_{r,k−1}(0)`: minus its stride.
    weights: Vec<u32>,
    /// Σ over the linear tables of their entry at 0 (the base included).
    constant: u32,
    /// The tables (suffix positions) looked up: those that are not linear.
    looked_up: Vec<usize>,
}

impl<'a> SplitRanks<'a> {
    /// The split of `tables`.
    pub fn new(tables: &'a RankTables) -> SplitRanks<'a> {
        Self::over(&tables.words, tables.len, tables.digits)
    }

    /// The split of rank tables laid out as [`RankTables::words`] (`len`
    /// entries per table, `digits` = k − 1 tables per block), as the
    /// counts layout carries them.
    pub fn over(words: &'a [u32], len: usize, digits: usize) -> SplitRanks<'a> {
        let count = if digits == 0 { 0 } else { words.len() / len };
        let linear: Vec<usize> = (0..count).filter(|i| i % digits == digits - 1).collect();
        let entry = |i: usize, s: usize| words.get(i * len + s).copied().unwrap_or(0);
        SplitRanks {
            words,
            len,
            digits,
            // A block of no players has only s = 0: its weight multiplies
            // 0, whatever the padding holds.
            weights: linear
                .iter()
                .map(|&i| entry(i, 1).wrapping_sub(entry(i, 0)))
                .collect(),
            constant: linear
                .iter()
                .fold(0u32, |c, &i| c.wrapping_add(entry(i, 0))),
            looked_up: (0..count).filter(|i| i % digits != digits - 1).collect(),
        }
    }

    /// The linear part of a vector from its suffix sums (`R(k − 1)`).
    #[inline]
    pub fn linear(&self, sums: &[u32]) -> u32 {
        let digits = self.digits;
        self.weights
            .iter()
            .enumerate()
            .fold(0u32, |r, (block, &w)| {
                r.wrapping_add(w.wrapping_mul(sums[block * digits + digits - 1]))
            })
    }

    /// The constant term.
    pub fn constant(&self) -> u32 {
        self.constant
    }

    /// The suffix positions looked up, in order (`R(k − 2)`).
    pub fn looked_up(&self) -> &[usize] {
        &self.looked_up
    }

    /// The word offset of looked-up table `j` shifted by the suffix sum
    /// `s`: adding a second vector's sum there ([`Self::word`]) reads the
    /// table at the sum.
    #[inline]
    pub fn base(&self, j: usize, s: u32) -> usize {
        self.looked_up[j] * self.len + s as usize
    }

    /// The tables' word at `at` (a [`Self::base`] plus a suffix sum).
    #[inline(always)]
    pub fn word(&self, at: usize) -> u32 {
        self.words[at]
    }

    /// The rank of a vector, from its suffix sums (as [`RankTables::rank`]).
    #[cfg(test)]
    pub fn rank(&self, sums: &[u32]) -> u32 {
        self.looked_up
            .iter()
            .fold(self.constant.wrapping_add(self.linear(sums)), |r, &i| {
                r.wrapping_add(self.words[i * self.len + sums[i] as usize])
            })
    }
}

/// The suffix sums `s_b = Σ_{a≥b} c_a`, b = 1..k−1, of each block of k
/// counts of `counts`, into `out` (k − 1 per block).
#[inline]
pub fn suffix_sums(counts: &[u32], k: usize, out: &mut [u32]) {
    if k < 2 {
        return;
    }
    for (block, sums) in counts.chunks_exact(k).zip(out.chunks_exact_mut(k - 1)) {
        let mut s = 0;
        for b in (1..k).rev() {
            s += block[b];
            sums[b - 1] = s;
        }
    }
}

/// The count vectors of a game: n players over k actions, or in a
/// role-dependent game one block per role, each block's players over its k
/// (block, action) cells `block * k + a`.
#[derive(Clone, Debug)]
pub struct CountSpace {
    /// Players n.
    pub players: u32,
    /// Cells counted: k actions, or R·k (block, action) cells.
    pub actions: usize,
    /// Players of each role block (one block of n without roles).
    pub blocks: Vec<u32>,
    /// Count vectors of all n players: `Π_r C(blocks[r] + k − 1, k − 1)`.
    pub rows: u64,
    /// Place value of each cell in the key (0 for each block's last cell).
    place: Vec<u64>,
    /// The ranks of the vectors of all n players.
    ranks: RankTables,
}

impl CountSpace {
    /// The space of n players over k actions, or an error beyond its limits.
    pub fn new(players: usize, actions: usize) -> Result<CountSpace> {
        Self::with_blocks(&[players], actions)
    }

    /// The product of per-block simplices: `blocks[r]` players over k
    /// actions each, or an error when it has more than [`MAX_ROWS`] count
    /// vectors or its keys overflow 64 bits.
    pub fn with_blocks(blocks: &[usize], actions: usize) -> Result<CountSpace> {
        let k = actions;
        let totals: Vec<u32> = blocks
            .iter()
            .map(|&b| u32::try_from(b).unwrap_or(u32::MAX))
            .collect();
        let ranks = RankTables::new(&totals, k).ok_or_else(|| {
            let shape = if blocks.len() == 1 {
                "C(n+k-1, k-1)"
            } else {
                "Π_roles C(players of the role + k-1, k-1)"
            };
            Error::too_large(
                format!(
                    "the counts method ranks the {shape} count vectors of all players in 32 bits: more than {MAX_ROWS}"
                ),
                Remedy::Sampling,
            )
        })?;
        let mut place = vec![0u64; blocks.len() * k];
        let mut value = 1u64;
        let overflow = || {
            Error::too_large(
                "the counts method's additive keys of count vectors overflow 64 bits",
                Remedy::Sampling,
            )
        };
        for (r, &size) in blocks.iter().enumerate().rev() {
            for b in (0..k - 1).rev() {
                place[r * k + b] = value;
                value = value.checked_mul(size as u64 + 1).ok_or_else(overflow)?;
            }
        }
        Ok(CountSpace {
            players: totals.iter().sum(),
            actions: blocks.len() * k,
            blocks: totals,
            rows: ranks.rows(),
            place,
            ranks,
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

    /// Actions k per block.
    pub fn k(&self) -> usize {
        self.actions / self.blocks.len()
    }

    /// Suffix sums per vector: `R(k − 1)`.
    pub fn digits(&self) -> usize {
        self.actions - self.blocks.len()
    }

    /// The key of a count vector (any block totals).
    #[inline]
    pub fn key(&self, counts: &[u32]) -> Key {
        counts
            .iter()
            .zip(&self.place)
            .map(|(&c, &p)| u64::from(c) * p)
            .sum()
    }

    /// The key of the vector whose blocks hold `totals` players and whose
    /// suffix sums ([`suffix_sums`]) are `sums`: no division, unlike
    /// decoding a key.
    pub fn key_of_sums(&self, totals: &[u32], sums: &[u32]) -> Key {
        let k = self.k();
        let digits = k - 1;
        let mut key = 0;
        for (r, &total) in totals.iter().enumerate() {
            let mut above = total;
            for (&s, &place) in sums[r * digits..][..digits]
                .iter()
                .zip(&self.place[r * k..])
            {
                key += u64::from(above - s) * place;
                above = s;
            }
        }
        key
    }

    /// The count vector of `key` whose blocks hold `totals` players, into `counts`.
    pub fn counts_of(&self, key: Key, totals: &[u32], counts: &mut [u32]) {
        let k = self.k();
        let mut rest = key;
        for r in (0..self.blocks.len()).rev() {
            let radix = u64::from(self.blocks[r]) + 1;
            let block = &mut counts[r * k..][..k];
            let mut used = 0;
            for c in block[..k - 1].iter_mut().rev() {
                *c = (rest % radix) as u32;
                rest /= radix;
                used += *c;
            }
            block[k - 1] = totals[r] - used;
        }
    }

    /// The rank tables of the vectors of all n players.
    pub fn ranks(&self) -> &RankTables {
        &self.ranks
    }

    /// The rank of a count vector of all n players.
    pub fn rank(&self, counts: &[u32]) -> u32 {
        let mut sums = [0u32; crate::model::limits::MAX_ACTIONS];
        let digits = self.digits();
        suffix_sums(counts, self.k(), &mut sums[..digits]);
        self.ranks.rank(&sums[..digits])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::counts::direct::count_vectors_with_totals;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    /// Whether `tables` rank the vectors `vectors` (in lexicographic order,
    /// k·R words each) as 0, 1, 2, …: a bijection onto 0..rows.
    fn ranks_in_order(tables: &RankTables, vectors: &[u32], k: usize, cells: usize) -> bool {
        let digits = cells / k * (k - 1);
        let mut sums = vec![0; digits];
        vectors.chunks_exact(cells).enumerate().all(|(i, v)| {
            suffix_sums(v, k, &mut sums);
            tables.rank(&sums) as usize == i
        }) && vectors.len() / cells == tables.rows() as usize
    }

    /// Block totals and k: one to three blocks, R·k ≤ 16, at most about
    /// 5·10^4 vectors.
    fn shapes() -> impl Strategy<Value = (Vec<u32>, usize)> {
        (2usize..=5, 1usize..=3).prop_flat_map(|(k, blocks)| {
            let largest = [12u32, 6, 3][blocks - 1];
            (proptest::collection::vec(0..=largest, blocks), Just(k))
        })
    }

    fn runner() -> TestRunner {
        TestRunner::new(Config {
            cases: 200,
            failure_persistence: None,
            ..Config::default()
        })
    }

    /// Every count vector of the product, listed lexicographically (block 0
    /// outermost), has its position as its rank, keys ascend in that order,
    /// and each key decodes back to its vector: rank and key are bijections.
    #[test]
    fn ranks_and_keys_are_bijections_on_the_product_of_simplices() {
        runner()
            .run(&shapes(), |(totals, k)| {
                let blocks: Vec<usize> = totals.iter().map(|&t| t as usize).collect();
                let space = CountSpace::with_blocks(&blocks, k).unwrap();
                let vectors = count_vectors_with_totals(&totals, k);
                prop_assert!(ranks_in_order(space.ranks(), &vectors, k, space.actions));
                let mut back = vec![0; space.actions];
                let mut last = None;
                let split = SplitRanks::new(space.ranks());
                let mut sums = vec![0; space.digits()];
                for (i, v) in vectors.chunks_exact(space.actions).enumerate() {
                    prop_assert_eq!(space.rank(v) as usize, i);
                    suffix_sums(v, k, &mut sums);
                    prop_assert_eq!(split.rank(&sums) as usize, i, "split rank");
                    let key = space.key(v);
                    prop_assert_eq!(space.key_of_sums(&totals, &sums), key);
                    prop_assert!(last < Some(key), "keys ascend");
                    last = Some(key);
                    space.counts_of(key, &totals, &mut back);
                    prop_assert_eq!(&back[..], v);
                }
                Ok(())
            })
            .unwrap();
    }

    /// Keys of partial counts add, and the rank of a sum from the two
    /// vectors' suffix sums is the rank of the sum.
    #[test]
    fn keys_and_suffix_sums_add() {
        let split = shapes().prop_flat_map(|(totals, k)| {
            let cells = totals.len() * k;
            (
                Just(totals),
                Just(k),
                proptest::collection::vec(0.0f64..1.0, cells * 2),
            )
        });
        runner()
            .run(&split, |(totals, k, fractions)| {
                let blocks: Vec<usize> = totals.iter().map(|&t| t as usize).collect();
                let space = CountSpace::with_blocks(&blocks, k).unwrap();
                // A vector of all players, split cell by cell into two parts.
                let mut v = vec![0u32; space.actions];
                for (r, &t) in totals.iter().enumerate() {
                    let mut left = t;
                    for b in 0..k {
                        let c = if b + 1 == k {
                            left
                        } else {
                            (fractions[r * k + b] * f64::from(left + 1)) as u32
                        };
                        v[r * k + b] = c.min(left);
                        left -= v[r * k + b];
                    }
                }
                let a: Vec<u32> = v
                    .iter()
                    .zip(&fractions[space.actions..])
                    .map(|(&c, &f)| (f * f64::from(c + 1)) as u32 % (c + 1))
                    .collect();
                let b: Vec<u32> = v.iter().zip(&a).map(|(c, a)| c - a).collect();
                prop_assert_eq!(space.key(&a) + space.key(&b), space.key(&v));
                let digits = space.digits();
                let (mut sa, mut sb) = (vec![0; digits], vec![0; digits]);
                suffix_sums(&a, k, &mut sa);
                suffix_sums(&b, k, &mut sb);
                prop_assert_eq!(space.ranks().rank_of_sum(&sa, &sb), space.rank(&v));
                Ok(())
            })
            .unwrap();
    }

    /// A rank table with one entry off by one no longer ranks the vectors
    /// 0, 1, 2, …: the check above can fail.
    #[test]
    fn a_rank_table_off_by_one_fails_the_bijection() {
        for (blocks, k) in [(vec![5usize], 3usize), (vec![3, 4], 3), (vec![6], 4)] {
            let space = CountSpace::with_blocks(&blocks, k).unwrap();
            let totals: Vec<u32> = blocks.iter().map(|&b| b as u32).collect();
            let vectors = count_vectors_with_totals(&totals, k);
            assert!(ranks_in_order(space.ranks(), &vectors, k, space.actions));
            for at in 0..space.ranks().words.len() {
                let mut bad = space.ranks().clone();
                let s = at % bad.len;
                if s > totals[at / bad.len / (k - 1)] as usize {
                    continue; // padding, never read
                }
                bad.words[at] = bad.words[at].wrapping_add(1);
                assert!(
                    !ranks_in_order(&bad, &vectors, k, space.actions),
                    "{blocks:?} {k} at {at}"
                );
            }
        }
    }

    /// The split rank's linear parts add: the rank of N + M from N's and
    /// M's linear parts and the looked-up tables at the summed suffix sums
    /// is the rank of the sum; with one block's weight off by one it is
    /// not (for every block holding players), so the check can fail.
    #[test]
    fn split_ranks_of_sums_add_and_a_wrong_weight_fails() {
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(29);
        for (blocks, k) in [
            (vec![7usize], 2usize),
            (vec![4, 6, 5], 2),
            (vec![5, 3], 3),
            (vec![3, 4], 4),
        ] {
            let space = CountSpace::with_blocks(&blocks, k).unwrap();
            let split = SplitRanks::new(space.ranks());
            let totals: Vec<u32> = blocks.iter().map(|&b| b as u32).collect();
            let vectors = count_vectors_with_totals(&totals, k);
            let digits = space.digits();
            let (mut sn, mut sm) = (vec![0; digits], vec![0; digits]);
            let rank_of_sum = |split: &SplitRanks, sn: &[u32], sm: &[u32]| {
                let lin = split
                    .constant()
                    .wrapping_add(split.linear(sn))
                    .wrapping_add(split.linear(sm));
                (0..split.looked_up().len()).fold(lin, |r, j| {
                    let at = split.base(j, sn[split.looked_up()[j]]);
                    r.wrapping_add(split.word(at + sm[split.looked_up()[j]] as usize))
                })
            };
            for v in vectors.chunks_exact(space.actions) {
                // A random split of v into N + M, cell by cell.
                let n: Vec<u32> = v
                    .iter()
                    .map(|&c| rand::Rng::random_range(&mut rng, 0..=c))
                    .collect();
                let m: Vec<u32> = v.iter().zip(&n).map(|(c, n)| c - n).collect();
                suffix_sums(&n, k, &mut sn);
                suffix_sums(&m, k, &mut sm);
                assert_eq!(rank_of_sum(&split, &sn, &sm), space.rank(v), "{v:?}");
            }
            for block in 0..blocks.len() {
                let mut bad = split.clone();
                bad.weights[block] = bad.weights[block].wrapping_add(1);
                let wrong = vectors.chunks_exact(space.actions).any(|v| {
                    let mut sums = vec![0; digits];
                    suffix_sums(v, k, &mut sums);
                    rank_of_sum(&bad, &sums, &vec![0; digits]) != space.rank(v)
                });
                assert!(wrong, "{blocks:?} {k} block {block}");
            }
        }
    }

    /// The limit is on count vectors, not on a cube: two roles of 20
    /// players at k = 4 (21^6 cube cells, refused before) fit, and so does
    /// n = 2000 at k = 4; C(3003, 3) > 2^32 vectors is refused, saying why.
    #[test]
    fn the_limit_is_on_count_vectors() {
        let roles = CountSpace::with_blocks(&[20, 20], 4).unwrap();
        assert_eq!(roles.rows, 1771 * 1771);
        assert_eq!(
            roles.rank(&[20, 0, 0, 0, 20, 0, 0, 0]) as u64,
            roles.rows - 1
        );
        let wide = CountSpace::new(2000, 4).unwrap();
        assert_eq!(wide.rows, 2003 * 2002 * 2001 / 6);
        assert_eq!(wide.rank(&[2000, 0, 0, 0]) as u64, wide.rows - 1);
        assert_eq!(wide.rank(&[0, 0, 0, 2000]), 0);
        let err = CountSpace::new(3000, 4).unwrap_err().to_string();
        assert!(
            err.contains("C(n+k-1, k-1)") && err.contains("4294967295"),
            "{err}"
        );
    }
}
