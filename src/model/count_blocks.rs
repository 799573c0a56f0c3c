//! How a count vector splits over role blocks: k counts per block, the
//! blocks being the players' distinct roles in ascending order, or one block
//! when the vector has k counts (docs/THEORY.md, "Contexts"). A `counts`
//! policy's vectors and the guarantee LP's per-role strategies use it; each
//! block's members are arranged independently.

/// Which block of a count vector each of a group's players is counted in.
#[derive(Clone, Debug)]
pub(crate) struct CountBlocks {
    /// Actions k.
    k: usize,
    /// Each player's block, in the group's order.
    of_player: Vec<usize>,
    /// Blocks in the vector.
    blocks: usize,
}

impl CountBlocks {
    /// The blocks of a vector of `len` counts over `players` (indices into
    /// `roles`, every player's role): one block when `len == k`, per role
    /// when there are R > 1 distinct roles and `len == R·k`, else `None`.
    pub(crate) fn new(players: &[usize], roles: &[usize], k: usize, len: usize) -> Option<Self> {
        if len == k {
            return Some(CountBlocks {
                k,
                of_player: vec![0; players.len()],
                blocks: 1,
            });
        }
        let present = crate::model::game::distinct_sorted(roles);
        if present.len() < 2 || len != present.len() * k {
            return None;
        }
        let of_player = players
            .iter()
            .map(|&i| present.binary_search(&roles[i]).expect("a present role"))
            .collect();
        Some(CountBlocks {
            k,
            of_player,
            blocks: present.len(),
        })
    }

    /// Whether the vector is counted per role (more than one block).
    pub(crate) fn per_role(&self) -> bool {
        self.blocks > 1
    }

    /// The group's players in each block.
    pub(crate) fn sizes(&self) -> Vec<usize> {
        let mut sizes = vec![0; self.blocks];
        self.of_player.iter().for_each(|&b| sizes[b] += 1);
        sizes
    }

    /// The count vector of `joint` (one action per player of the group).
    pub(crate) fn counts_of(&self, joint: &[usize]) -> Vec<usize> {
        let mut counts = vec![0; self.blocks * self.k];
        for (&b, &a) in self.of_player.iter().zip(joint) {
            counts[b * self.k + a] += 1;
        }
        counts
    }

    /// How many joint actions have the counts `counts`: the product of the
    /// blocks' multinomial coefficients.
    pub(crate) fn arrangements(&self, counts: &[usize]) -> f64 {
        counts.chunks(self.k).map(arrangements).product()
    }

    /// One joint action with the counts `counts`: in each block, its players
    /// (in group order) take the block's actions in ascending order.
    pub(crate) fn representative(&self, counts: &[usize]) -> Vec<usize> {
        let per_block: Vec<Vec<usize>> = counts.chunks(self.k).map(arrangement).collect();
        self.scatter(&per_block.iter().map(Vec::as_slice).collect::<Vec<_>>())
    }

    /// Every joint action with the counts `counts`: each block's
    /// arrangements (lexicographic), block 0's outermost.
    pub(crate) fn every_arrangement(&self, counts: &[usize]) -> Vec<Vec<usize>> {
        let per_block: Vec<Vec<Vec<usize>>> =
            counts.chunks(self.k).map(every_arrangement).collect();
        let mut choice = vec![0; self.blocks];
        let mut all = Vec::new();
        loop {
            let chosen: Vec<&[usize]> = (0..self.blocks)
                .map(|b| per_block[b][choice[b]].as_slice())
                .collect();
            all.push(self.scatter(&chosen));
            // The next choice, the last block fastest.
            let Some(b) = (0..self.blocks)
                .rev()
                .find(|&b| choice[b] + 1 < per_block[b].len())
            else {
                return all;
            };
            choice[b] += 1;
            choice[b + 1..].iter_mut().for_each(|c| *c = 0);
        }
    }

    /// The joint action whose block b players play `per_block[b]` in order.
    fn scatter(&self, per_block: &[&[usize]]) -> Vec<usize> {
        let mut next = vec![0; self.blocks];
        self.of_player
            .iter()
            .map(|&b| {
                next[b] += 1;
                per_block[b][next[b] - 1]
            })
            .collect()
    }
}

/// `ln m!` for m = 0..=n, summed with compensation (Neumaier) so that the
/// error stays near one rounding of the total, not n of them.
pub(crate) fn ln_factorials(n: usize) -> Vec<f64> {
    let mut table = Vec::with_capacity(n + 1);
    let (mut sum, mut carry) = (0.0f64, 0.0f64);
    table.push(0.0);
    for m in 1..=n {
        let term = (m as f64).ln();
        let next = sum + term;
        carry += if sum.abs() >= term.abs() {
            (sum - next) + term
        } else {
            (term - next) + sum
        };
        sum = next;
        table.push(sum + carry);
    }
    table
}

/// A uniformly random arrangement of `counts` (k counts, summing to
/// `Σ sizes`) over members in blocks of `sizes`: the blocks' count vectors
/// follow the multivariate hypergeometric law. Every table X (a row of k
/// counts per block, row sums `sizes`, column sums `counts`), block-major,
/// with its probability `Π_b m_b! Π_a c_a! / (m! Π_{b,a} X_{b,a}!)`, or
/// `None` beyond `limit` tables (docs/THEORY.md, "Counts per role").
pub(crate) fn hypergeometric_split(
    counts: &[usize],
    sizes: &[usize],
    limit: usize,
) -> Option<Vec<(Vec<usize>, f64)>> {
    let total: usize = sizes.iter().sum();
    debug_assert_eq!(total, counts.iter().sum::<usize>());
    let ln_fact = ln_factorials(total);
    let fixed = sizes.iter().map(|&m| ln_fact[m]).sum::<f64>()
        + counts.iter().map(|&c| ln_fact[c]).sum::<f64>()
        - ln_fact[total];
    let mut tables = Vec::new();
    let mut table = Vec::with_capacity(sizes.len() * counts.len());
    if !split_rows(counts.to_vec(), sizes, &mut table, &mut tables, limit) {
        return None;
    }
    let mut weighted: Vec<(Vec<usize>, f64)> = tables
        .into_iter()
        .map(|x| {
            let ln_p = fixed - x.iter().map(|&c| ln_fact[c]).sum::<f64>();
            (x, ln_p.exp())
        })
        .collect();
    // The probabilities sum to one in exact arithmetic; normalising removes
    // their common rounding.
    let sum: f64 = weighted.iter().map(|(_, p)| p).sum();
    weighted.iter_mut().for_each(|(_, p)| *p /= sum);
    Some(weighted)
}

/// The tables of [`hypergeometric_split`]: the next block's row (any k
/// counts summing to its size within what the columns have left), the last
/// block taking the rest. False once more than `limit` tables are found.
fn split_rows(
    left: Vec<usize>,
    sizes: &[usize],
    table: &mut Vec<usize>,
    tables: &mut Vec<Vec<usize>>,
    limit: usize,
) -> bool {
    let Some((&size, rest)) = sizes.split_first() else {
        tables.push(table.clone());
        return tables.len() <= limit;
    };
    if rest.is_empty() {
        table.extend_from_slice(&left);
        let ok = split_rows(vec![0; left.len()], rest, table, tables, limit);
        table.truncate(table.len() - left.len());
        return ok;
    }
    let mut row = vec![0; left.len()];
    rows_within(&left, size, 0, &mut row, &mut |row| {
        let remaining: Vec<usize> = left.iter().zip(row).map(|(l, r)| l - r).collect();
        table.extend_from_slice(row);
        let ok = split_rows(remaining, rest, table, tables, limit);
        table.truncate(table.len() - row.len());
        ok
    })
}

/// Calls `each` with every row of counts `row[a] ≤ left[a]` summing to
/// `size` (filled from position `at`); false as soon as `each` is.
fn rows_within(
    left: &[usize],
    size: usize,
    at: usize,
    row: &mut Vec<usize>,
    each: &mut dyn FnMut(&[usize]) -> bool,
) -> bool {
    if at + 1 == left.len() {
        if size > left[at] {
            return true;
        }
        row[at] = size;
        return each(row);
    }
    // What the later columns can hold bounds this one from below.
    let later: usize = left[at + 1..].iter().sum();
    for c in size.saturating_sub(later)..=size.min(left[at]) {
        row[at] = c;
        if !rows_within(left, size - c, at + 1, row, each) {
            return false;
        }
    }
    true
}

/// How many joint actions have the counts `counts`: the multinomial
/// coefficient `(Σ c)! / Π c_b!`, as a float (exact up to 2^53).
pub(crate) fn arrangements(counts: &[usize]) -> f64 {
    let mut total = 0usize;
    let mut ways = 1.0;
    for &c in counts {
        for i in 1..=c {
            total += 1;
            ways = ways * total as f64 / i as f64;
        }
    }
    ways
}

/// The joint action with counts `counts` in ascending order of actions.
pub(crate) fn arrangement(counts: &[usize]) -> Vec<usize> {
    counts
        .iter()
        .enumerate()
        .flat_map(|(b, &c)| std::iter::repeat_n(b, c))
        .collect()
}

/// Every joint action with counts `counts`, in lexicographic order (the
/// next permutation of the multiset each time).
pub(crate) fn every_arrangement(counts: &[usize]) -> Vec<Vec<usize>> {
    let mut current = arrangement(counts);
    let mut all = vec![current.clone()];
    loop {
        let Some(i) = (1..current.len())
            .rev()
            .find(|&i| current[i - 1] < current[i])
        else {
            return all;
        };
        let pivot = i - 1;
        let j = (i..current.len())
            .rev()
            .find(|&j| current[j] > current[pivot])
            .expect("a larger element after the pivot");
        current.swap(pivot, j);
        current[i..].reverse();
        all.push(current.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_role_blocks_arrange_each_role_on_its_own() {
        // Players 0 and 2 in role 0, player 1 in role 5; k = 2.
        let blocks = CountBlocks::new(&[0, 1, 2], &[0, 5, 0], 2, 4).expect("two roles");
        assert!(blocks.per_role());
        assert_eq!(blocks.sizes(), vec![2, 1]);
        assert_eq!(blocks.counts_of(&[1, 0, 0]), vec![1, 1, 1, 0]);
        let counts = [1, 1, 0, 1];
        assert_eq!(blocks.representative(&counts), vec![0, 1, 1]);
        let all = blocks.every_arrangement(&counts);
        assert_eq!(all, vec![vec![0, 1, 1], vec![1, 1, 0]]);
        assert_eq!(blocks.arrangements(&counts), 2.0);
        assert!(all.iter().all(|j| blocks.counts_of(j) == counts));
        // Neither k nor R·k counts, or one role only: no layout.
        assert!(CountBlocks::new(&[0, 1, 2], &[0, 5, 0], 2, 3).is_none());
        assert!(CountBlocks::new(&[0, 1], &[3, 3], 2, 4).is_none());
        let one = CountBlocks::new(&[0, 1, 2], &[0, 5, 0], 2, 2).expect("one block");
        assert_eq!(one.every_arrangement(&[2, 1]).len(), 3);
    }

    /// The split against every arrangement listed: 3 + 2 members over
    /// counts (2, 2, 1), block by block.
    #[test]
    fn the_hypergeometric_split_counts_every_arrangement() {
        let (counts, sizes) = ([2, 2, 1], [3, 2]);
        let split = hypergeometric_split(&counts, &sizes, 1000).unwrap();
        let mut by_table = std::collections::HashMap::new();
        for joint in every_arrangement(&counts) {
            let mut x = vec![0; 6];
            for (i, &a) in joint.iter().enumerate() {
                x[if i < 3 { a } else { 3 + a }] += 1;
            }
            *by_table.entry(x).or_insert(0.0) += 1.0 / 30.0;
        }
        assert_eq!(split.len(), by_table.len());
        for (x, p) in &split {
            assert!(
                (p - by_table[x]).abs() < 1e-15,
                "{x:?}: {p} vs {}",
                by_table[x]
            );
        }
        assert!(hypergeometric_split(&counts, &sizes, split.len() - 1).is_none());
        // A lone block takes the whole vector.
        assert_eq!(
            hypergeometric_split(&counts, &[5], 10).unwrap(),
            vec![(counts.to_vec(), 1.0)]
        );
    }
}
