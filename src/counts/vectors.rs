//! Count vectors: how many players choose each action. The `anonymous`
//! family indexes its weights by the rank of the others' count vector.

/// Number of count vectors of `total` players over `k` actions:
/// `C(total + k - 1, k - 1)`, saturating at `u64::MAX`.
pub fn count_vectors(total: u64, k: u64) -> u64 {
    if k == 0 {
        return u64::from(total == 0);
    }
    binomial(total + k - 1, k - 1)
}

/// `C(a, b)`, saturating at `u64::MAX`.
pub fn binomial(a: u64, b: u64) -> u64 {
    if b > a {
        return 0;
    }
    let b = b.min(a - b);
    let mut value: u128 = 1;
    for i in 0..b {
        // Exact at every step: value * (a - i) is divisible by (i + 1).
        value = value * u128::from(a - i) / u128::from(i + 1);
        if value > u128::from(u64::MAX) {
            return u64::MAX;
        }
    }
    value as u64
}

/// Rank of a count vector among all vectors of the same length and sum, in
/// lexicographic ascending order: for sum 2 over 2 actions, (0,2) → 0,
/// (1,1) → 1, (2,0) → 2. Twin of `count_vector_rank` in `shaders/families.wgsl`
/// (which reads the binomials from a table, see src/cpu/families.rs).
pub fn count_vector_rank(counts: &[u32]) -> u64 {
    let k = counts.len();
    let mut remaining: u64 = counts.iter().map(|&c| u64::from(c)).sum();
    let mut rank = 0;
    for (p, &c) in counts.iter().enumerate().take(k.saturating_sub(1)) {
        let after = (k - 1 - p) as u64;
        let c = u64::from(c);
        // Vectors with a smaller value at p: Σ_{v<c} C(remaining - v + after - 1, after - 1)
        // = C(remaining + after, after) - C(remaining - c + after, after) (hockey stick).
        rank += binomial(remaining + after, after) - binomial(remaining - c + after, after);
        remaining -= c;
    }
    rank
}

/// Walks all count vectors of `total` over `k` actions in lexicographic
/// ascending order (the order of [`count_vector_rank`]).
pub struct CountVectors {
    current: Vec<u32>,
    total: u32,
    started: bool,
    done: bool,
}

impl CountVectors {
    /// Start before the first vector `(0, …, 0, total)`.
    pub fn new(total: u32, k: usize) -> Self {
        let mut current = vec![0; k];
        if let Some(last) = current.last_mut() {
            *last = total;
        }
        CountVectors {
            current,
            total,
            started: false,
            done: k == 0,
        }
    }

    /// The next vector, or `None` after the last `(total, 0, …, 0)`.
    pub fn next_vector(&mut self) -> Option<&[u32]> {
        if self.done {
            return None;
        }
        if !self.started {
            self.started = true;
            return Some(&self.current);
        }
        let k = self.current.len();
        // Increment the rightmost position p < k-1 that can grow: everything
        // after p is then reset to (0, …, 0, rest).
        let mut p = k.saturating_sub(1);
        loop {
            if p == 0 {
                self.done = true;
                return None;
            }
            p -= 1;
            let prefix: u32 = self.current[..=p].iter().sum();
            if prefix < self.total {
                self.current[p] += 1;
                for v in &mut self.current[p + 1..] {
                    *v = 0;
                }
                let used: u32 = self.current[..k - 1].iter().sum();
                self.current[k - 1] = self.total - used;
                return Some(&self.current);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_follow_lexicographic_order() {
        for k in 1..5 {
            for total in 0..6 {
                let mut walk = CountVectors::new(total, k);
                let mut expected = 0;
                let mut previous: Option<Vec<u32>> = None;
                while let Some(v) = walk.next_vector() {
                    assert_eq!(count_vector_rank(v), expected, "{v:?}");
                    if let Some(p) = &previous {
                        assert!(p.as_slice() < v, "{p:?} !< {v:?}");
                    }
                    previous = Some(v.to_vec());
                    expected += 1;
                }
                assert_eq!(expected, count_vectors(u64::from(total), k as u64));
            }
        }
    }

    #[test]
    fn issue_example_order() {
        assert_eq!(count_vector_rank(&[0, 2]), 0);
        assert_eq!(count_vector_rank(&[1, 1]), 1);
        assert_eq!(count_vector_rank(&[2, 0]), 2);
    }
}
