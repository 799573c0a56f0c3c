//! Twin of `shaders/count_pairs.wgsl` (keep in sync), in f64: one coalition's pair
//! sum `Σ_N P(N) Σ_M Q(M) Σ_b N_b h_b(x, N + M)`, item by item (an item is one
//! P entry against one chunk of Q entries).

use super::counts_layout::{decode_counts, rank_bases, rank_of_sum};
use crate::counts::direct::CountsConfig;

/// Twin of the `count_pairs` kernel for one thread: the sums per state over
/// items `first .. first + count`.
pub fn count_pairs(
    c: &CountsConfig,
    words: &[u32],
    reals: &[f64],
    first: u64,
    count: u64,
) -> Vec<f64> {
    let k = c.actions as usize;
    let digits = c.digits() as usize;
    let states = c.states as usize;
    let rows = c.rows as usize;
    let q_sums = &words[c.q_sums as usize..][..c.q_entries as usize * digits];
    let q_probs = &reals[c.q_prob as usize..][..c.q_entries as usize];
    let shares = &reals[c.shares as usize..][..states * rows * k];
    let mut acc = vec![0.0; states];
    let mut counts = [0u32; crate::model::limits::MAX_ACTIONS];
    let mut n = [0.0f64; crate::model::limits::MAX_ACTIONS];
    for item in first..first + count {
        let item = item as u32;
        let a = item / c.chunks;
        let chunk = item % c.chunks;
        let p = reals[(c.p_prob + a) as usize];
        let at = c.p_sums as usize + a as usize * digits;
        decode_counts(c, words, at, &mut counts);
        let bases = rank_bases(c, words, at);
        for (f, &c) in n.iter_mut().zip(&counts[..k]) {
            *f = f64::from(c);
        }
        let start = (chunk * c.chunk) as usize;
        let end = ((chunk + 1) * c.chunk).min(c.q_entries) as usize;
        for (q, &prob) in (start..end).zip(&q_probs[start..end]) {
            let m = &q_sums[q * digits..][..digits];
            let r = rank_of_sum(&bases[..digits], words, m) as usize;
            let w = p * prob;
            for (x, a) in acc.iter_mut().enumerate() {
                let h = &shares[(x * rows + r) * k..][..k];
                let total: f64 = n[..k].iter().zip(h).map(|(n, h)| n * h).sum();
                *a += w * total;
            }
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::counts::direct::{all_count_vectors, CountsFlat, CountsPlan};
    use crate::model::game::Game;
    use crate::model::policy::Policy;
    use crate::model::problem::{Coalition, Problem};
    use crate::plan::{FlatPlan, Plan};

    /// Σ_j r_j(x) from the twin over every coalition's items, per state.
    fn totals(flat: &CountsFlat) -> Vec<f64> {
        let states = flat.configs[0].states as usize;
        let mut total = vec![0.0; states];
        for c in &flat.configs {
            let sums = count_pairs(c, &flat.words, &flat.reals, 0, c.items());
            total.iter_mut().zip(sums).for_each(|(t, s)| *t += s);
        }
        total
    }

    /// The pair sum's shares add up to the unit in every state (the
    /// identity Σ_j r_j = 1, two roles of 3 and 4 players at k = 3); with
    /// any one rank-table word off by one they no longer do: the rank of
    /// N + M then reads another count vector's shares.
    #[test]
    fn a_rank_table_off_by_one_breaks_the_unit() {
        let roles = vec![0, 0, 0, 1, 1, 1, 1];
        let game = Game::RoleProportional {
            roles: roles.clone(),
            weights: vec![
                vec![vec![3.0, 1.0, 0.5], vec![0.7, 2.0, 1.3]],
                vec![vec![1.0, 1.0, 2.0], vec![2.0, 0.5, 1.0]],
            ],
        };
        let problem = Problem::new_with_roles(
            7,
            3,
            Some(roles),
            game,
            vec![
                Coalition::new(vec![0, 3], Policy::Uniform),
                Coalition::new(vec![1, 4, 5], Policy::Common { dist: None }),
                Coalition::new(vec![2, 6], Policy::Uniform),
            ],
        )
        .unwrap();
        let plan = Plan::new(&problem);
        let counts = CountsPlan::new(&problem, &plan).unwrap();
        let flat_plan = FlatPlan::new(&problem, &plan).unwrap();
        let vectors = all_count_vectors(&counts.space);
        let mut flat = CountsFlat::new(&counts, 2).unwrap();
        flat.set_shares(&crate::cpu::count_shares::count_shares(
            &flat_plan, &vectors,
        ));
        for t in totals(&flat) {
            assert!((t - 1.0).abs() < 1e-13, "{t}");
        }
        let tables = counts.space.ranks();
        let len = tables.table_len();
        let (mut broken, mut checked) = (0, 0);
        for at in 0..tables.words().len() {
            // Table i belongs to block i / 2; its entries beyond the
            // block's players are padding, never read.
            if at % len > counts.space.blocks[at / len / 2] as usize {
                continue;
            }
            checked += 1;
            let mut bad = CountsFlat::new(&counts, 2).unwrap();
            bad.reals.copy_from_slice(&flat.reals);
            bad.words[at] = bad.words[at].wrapping_add(1);
            // An off-by-one rank may run past the table: that fails too.
            let moved = std::panic::catch_unwind(|| totals(&bad))
                .map_or(true, |t| t.iter().any(|t| (t - 1.0).abs() > 1e-9));
            broken += usize::from(moved);
        }
        assert!(broken == checked, "{broken} of {checked}");
    }
}
