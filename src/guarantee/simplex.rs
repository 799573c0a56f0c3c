//! Count vectors of `total` players over k actions as points of the simplex
//! (docs/THEORY.md, "Guarantees at scale"): `C(total + k − 1, k − 1)` of
//! them, ranked in lexicographic ascending order by the combinatorial number
//! system, instead of the `(total + 1)^(k − 1)` cells of the count cube.
//!
//! The rank is [`crate::counts::vectors::count_vector_rank`]'s (and the WGSL
//! `count_vector_rank`'s), read from a binomial table built once; `unrank`
//! inverts it and `advance` steps to the next vector, so that a pass over
//! the simplex can be cut into chunks that each start from an unranked
//! vector and walk forward without any list of vectors in memory.

use crate::counts::vectors::binomial;

/// The simplex of count vectors of `total` players over `k` actions.
#[derive(Clone, Debug)]
pub struct Simplex {
    total: u32,
    k: usize,
    len: u64,
    /// `binom[a * k + b] = C(a, b)` for `a ≤ total + k − 1`, `b < k`
    /// (saturating).
    binom: Vec<u64>,
}

impl Simplex {
    /// The count vectors of `total` players over `k ≥ 1` actions.
    pub fn new(total: u32, k: usize) -> Simplex {
        assert!(k >= 1, "a simplex needs at least one action");
        let rows = total as usize + k;
        let binom = (0..rows)
            .flat_map(|a| (0..k).map(move |b| binomial(a as u64, b as u64)))
            .collect();
        Simplex {
            total,
            k,
            len: binomial(u64::from(total) + k as u64 - 1, k as u64 - 1),
            binom,
        }
    }

    /// How many count vectors: `C(total + k − 1, k − 1)` (saturating).
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether there are none (never: one vector at least).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Players counted.
    pub fn total(&self) -> u32 {
        self.total
    }

    /// Actions.
    pub fn actions(&self) -> usize {
        self.k
    }

    fn c(&self, a: u32, b: usize) -> u64 {
        self.binom[a as usize * self.k + b]
    }

    /// Vectors with entry `c' < c` at a position with `after` positions
    /// behind it and `rest` players left: `C(rest + after, after) −
    /// C(rest − c + after, after)` (the hockey-stick identity).
    fn below(&self, rest: u32, c: u32, after: usize) -> u64 {
        let after_u = after as u32;
        self.c(rest + after_u, after) - self.c(rest - c + after_u, after)
    }

    /// The rank of `v` (k counts summing to `total`) in lexicographic
    /// ascending order: `(0, …, 0, total)` is 0, `(total, 0, …, 0)` is
    /// `len − 1`.
    pub fn rank(&self, v: &[u32]) -> u64 {
        debug_assert_eq!(v.len(), self.k);
        let mut rest = self.total;
        let mut rank = 0;
        for (p, &c) in v[..self.k - 1].iter().enumerate() {
            rank += self.below(rest, c, self.k - 1 - p);
            rest -= c;
        }
        rank
    }

    /// The vector of rank `r < len` into `out` (k words).
    pub fn unrank(&self, mut r: u64, out: &mut [u32]) {
        debug_assert!(r < self.len && out.len() == self.k);
        let mut rest = self.total;
        let k = self.k;
        for (p, slot) in out[..k - 1].iter_mut().enumerate() {
            let after = k - 1 - p;
            // The largest c with below(c) ≤ r: below grows with c.
            let (mut lo, mut hi) = (0, rest);
            while lo < hi {
                let mid = lo + (hi - lo).div_ceil(2);
                if self.below(rest, mid, after) <= r {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            *slot = lo;
            r -= self.below(rest, lo, after);
            rest -= lo;
        }
        out[self.k - 1] = rest;
    }

    /// Step `v` to the next vector in rank order; `false` (and `v` left
    /// unspecified) after the last.
    #[inline]
    pub fn advance(&self, v: &mut [u32]) -> bool {
        let last = self.k - 1;
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
}
