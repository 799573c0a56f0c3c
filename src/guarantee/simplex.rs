//! Count vectors as points of a simplex (docs/THEORY.md, "Guarantees at
//! scale"): `C(total + k − 1, k − 1)` vectors of `total` players over k
//! actions, ranked in lexicographic ascending order by the combinatorial
//! number system, instead of the `(total + 1)^(k − 1)` cells of the count
//! cube. In a role-dependent game a side's count vector has one block of k
//! counts per role, and its space is the product of the blocks' simplices:
//! ranked in mixed radix (block 0 the most significant digit, each digit a
//! block's simplex rank), so that one block is exactly the symmetric case.
//!
//! A block's rank is [`crate::counts::vectors::count_vector_rank`]'s (and
//! the WGSL `count_vector_rank`'s), read from a binomial table built once;
//! `unrank` inverts it and `advance` steps to the next vector, so that a
//! pass over the space can be cut into chunks that each start from an
//! unranked vector and walk forward without any list of vectors in memory.

use crate::counts::vectors::binomial;

/// One block's simplex: the count vectors of `total` players over k actions.
#[derive(Clone, Debug)]
struct Block {
    total: u32,
    len: u64,
    /// `binom[a * k + b] = C(a, b)` for `a ≤ total + k − 1`, `b < k`
    /// (saturating).
    binom: Vec<u64>,
}

/// The count vectors of a side: one block of k counts (a symmetric game),
/// or one per role block (the product of the blocks' simplices).
#[derive(Clone, Debug)]
pub struct Simplex {
    k: usize,
    len: u64,
    blocks: Vec<Block>,
}

impl Block {
    fn new(total: u32, k: usize) -> Block {
        let rows = total as usize + k;
        Block {
            total,
            len: binomial(u64::from(total) + k as u64 - 1, k as u64 - 1),
            binom: (0..rows)
                .flat_map(|a| (0..k).map(move |b| binomial(a as u64, b as u64)))
                .collect(),
        }
    }

    fn c(&self, k: usize, a: u32, b: usize) -> u64 {
        self.binom[a as usize * k + b]
    }

    /// Vectors with entry `c' < c` at a position with `after` positions
    /// behind it and `rest` players left: `C(rest + after, after) −
    /// C(rest − c + after, after)` (the hockey-stick identity).
    fn below(&self, k: usize, rest: u32, c: u32, after: usize) -> u64 {
        let after_u = after as u32;
        self.c(k, rest + after_u, after) - self.c(k, rest - c + after_u, after)
    }

    fn rank(&self, v: &[u32]) -> u64 {
        let k = v.len();
        let mut rest = self.total;
        let mut rank = 0;
        for (p, &c) in v[..k - 1].iter().enumerate() {
            rank += self.below(k, rest, c, k - 1 - p);
            rest -= c;
        }
        rank
    }

    fn unrank(&self, mut r: u64, out: &mut [u32]) {
        let k = out.len();
        let mut rest = self.total;
        for (p, slot) in out[..k - 1].iter_mut().enumerate() {
            let after = k - 1 - p;
            // The largest c with below(c) ≤ r: below grows with c.
            let (mut lo, mut hi) = (0, rest);
            while lo < hi {
                let mid = lo + (hi - lo).div_ceil(2);
                if self.below(k, rest, mid, after) <= r {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            *slot = lo;
            r -= self.below(k, rest, lo, after);
            rest -= lo;
        }
        out[k - 1] = rest;
    }
}

/// Step one block's `v` to its next vector in rank order; `false` (and `v`
/// left unspecified) after the last.
#[inline]
fn advance_block(v: &mut [u32]) -> bool {
    let last = v.len() - 1;
    if last == 0 {
        return false;
    }
    if v[last] > 0 {
        v[last - 1] += 1;
        v[last] -= 1;
        return true;
    }
    // The last non-zero entry j < k − 1 moves one player to j − 1 and
    // the rest of its players to the end.
    match (0..last).rev().find(|&j| v[j] > 0) {
        Some(j) if j > 0 => {
            v[j - 1] += 1;
            v[last] = v[j] - 1;
            v[j] = 0;
            true
        }
        _ => false,
    }
}

impl Simplex {
    /// The count vectors of `total` players over `k ≥ 1` actions (one block).
    pub fn new(total: u32, k: usize) -> Simplex {
        Simplex::product(&[total], k)
    }

    /// The per-role count vectors of `totals[t]` players in role block t,
    /// each block over `k ≥ 1` actions: the product of the blocks'
    /// simplices (`Σ totals` players, `totals.len() · k` counts a vector).
    pub fn product(totals: &[u32], k: usize) -> Simplex {
        assert!(k >= 1, "a simplex needs at least one action");
        assert!(!totals.is_empty(), "a count vector has at least one block");
        let blocks: Vec<Block> = totals.iter().map(|&t| Block::new(t, k)).collect();
        let len = blocks.iter().fold(1u64, |n, b| n.saturating_mul(b.len));
        Simplex { k, len, blocks }
    }

    /// The ranks of the "every member on one action" vectors (in a product
    /// of role blocks, every block on the same action), ascending without
    /// repeats: Theorem 1's common actions, the vertices both the double
    /// oracle and the best response start from.
    pub fn common_action_ranks(&self) -> Vec<u64> {
        let (k, totals) = (self.block_actions(), self.totals());
        let mut ranks: Vec<u64> = (0..k)
            .map(|b| {
                let mut v = vec![0; self.actions()];
                for (t, &total) in totals.iter().enumerate() {
                    v[t * k + b] = total;
                }
                self.rank(&v)
            })
            .collect();
        ranks.sort_unstable();
        ranks.dedup();
        ranks
    }

    /// How many count vectors: `Π_t C(total_t + k − 1, k − 1)` (saturating).
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether there are none (never: one vector at least).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Players counted (over every block).
    pub fn total(&self) -> u32 {
        self.blocks.iter().map(|b| b.total).sum()
    }

    /// Players counted in each block.
    pub fn totals(&self) -> Vec<u32> {
        self.blocks.iter().map(|b| b.total).collect()
    }

    /// Counts in a vector: k per block (k itself in a symmetric game).
    pub fn actions(&self) -> usize {
        self.k * self.blocks.len()
    }

    /// Blocks: 1 in a symmetric game, the distinct roles in a
    /// role-dependent one (an oracle that handles one block must check).
    pub fn blocks(&self) -> usize {
        self.blocks.len()
    }

    /// Actions per block.
    pub fn block_actions(&self) -> usize {
        self.k
    }

    /// The rank of `v` (k counts per block, block t's summing to its
    /// total): in each block lexicographic ascending order, `(0, …, 0,
    /// total)` first and `(total, 0, …, 0)` last; the blocks in mixed radix,
    /// block 0 the most significant.
    pub fn rank(&self, v: &[u32]) -> u64 {
        debug_assert_eq!(v.len(), self.actions());
        self.blocks
            .iter()
            .zip(v.chunks(self.k))
            .fold(0, |rank, (block, v)| rank * block.len + block.rank(v))
    }

    /// The vector of rank `r < len` into `out` (k words per block).
    pub fn unrank(&self, mut r: u64, out: &mut [u32]) {
        debug_assert!(r < self.len && out.len() == self.actions());
        for (block, v) in self.blocks.iter().zip(out.chunks_mut(self.k)).rev() {
            block.unrank(r % block.len, v);
            r /= block.len;
        }
    }

    /// Step `v` to the next vector in rank order; `false` (and `v` left
    /// unspecified) after the last.
    #[inline]
    pub fn advance(&self, v: &mut [u32]) -> bool {
        if self.blocks.len() == 1 {
            return advance_block(v);
        }
        // The last block fastest: a block past its last vector starts over
        // (at rank 0: all its players on the last action) and carries.
        for (t, block) in self.blocks.iter().enumerate().rev() {
            let digits = &mut v[t * self.k..(t + 1) * self.k];
            if advance_block(digits) {
                return true;
            }
            digits.fill(0);
            digits[self.k - 1] = block.total;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::counts::vectors::{count_vector_rank, CountVectors};

    #[test]
    fn rank_unrank_and_advance_follow_the_lexicographic_walk() {
        for k in 1..6 {
            for total in 0..9 {
                let simplex = Simplex::new(total, k);
                let mut walk = CountVectors::new(total, k);
                let mut mine = vec![0; k];
                simplex.unrank(0, &mut mine);
                let mut r = 0;
                while let Some(v) = walk.next_vector() {
                    assert_eq!(mine, v, "k={k} total={total} r={r}");
                    assert_eq!(simplex.rank(v), r);
                    assert_eq!(simplex.rank(v), count_vector_rank(v));
                    let mut back = vec![0; k];
                    simplex.unrank(r, &mut back);
                    assert_eq!(back, v);
                    r += 1;
                    assert_eq!(simplex.advance(&mut mine), r < simplex.len());
                }
                assert_eq!(r, simplex.len());
            }
        }
    }

    /// The product space walks every per-role count vector once, in
    /// lexicographic order of the whole vector (block 0 the most
    /// significant), rank and unrank inverting the walk; one block is the
    /// symmetric simplex.
    #[test]
    fn the_product_space_walks_every_per_role_vector_in_order() {
        for k in 1..5 {
            for totals in [
                vec![0, 3],
                vec![2, 0, 1],
                vec![3, 2],
                vec![1, 1, 1],
                vec![4],
            ] {
                let space = Simplex::product(&totals, k);
                let expected: u64 = totals.iter().map(|&t| Simplex::new(t, k).len()).product();
                assert_eq!(space.len(), expected);
                let mut v = vec![0; space.actions()];
                space.unrank(0, &mut v);
                let mut previous: Option<Vec<u32>> = None;
                for r in 0..space.len() {
                    let sums: Vec<u32> = v.chunks(k).map(|b| b.iter().sum()).collect();
                    assert_eq!(sums, totals, "k={k} r={r}");
                    assert_eq!(space.rank(&v), r, "k={k} {totals:?}");
                    let mut back = vec![0; space.actions()];
                    space.unrank(r, &mut back);
                    assert_eq!(back, v);
                    if let Some(p) = &previous {
                        assert!(p < &v, "not lexicographic: {p:?} then {v:?}");
                    }
                    previous = Some(v.clone());
                    assert_eq!(space.advance(&mut v), r + 1 < space.len());
                }
            }
        }
    }
}
