//! The counts method's pair sum on the CPU: the sum of the `count_pairs`
//! twin ([`crate::cpu::count_pairs`], same items, same layout) computed
//! another way. The rank of N + M is split ([`SplitRanks`]): each block's
//! last rank table is linear, so its part of the rank is one per-vector
//! number added, and only `R(k − 2)` tables are looked up per pair (none
//! at k = 2, as in role games of two actions); the Q side's numbers are
//! made once per coalition ([`PairSumQ`]), the P side's once per item.
//! And per item the shares are summed per cell first,
//! `Σ_b N_b Σ_M Q(M) h_b(x, N + M)`, in registers: the same sum as the
//! twin's up to rounding (tested against the twin, in this module).

use crate::counts::direct::CountsConfig;
use crate::counts::space::SplitRanks;
use crate::cpu::counts_layout::decode_counts;
use crate::model::limits::MAX_ACTIONS;

/// The rank split of a layout's tables (`config.rank_tables`).
fn split<'a>(c: &CountsConfig, words: &'a [u32]) -> SplitRanks<'a> {
    let len = c.table_len as usize;
    let tables = &words[c.rank_tables as usize..][..c.digits() as usize * len];
    SplitRanks::over(tables, len, (c.actions / c.blocks) as usize - 1)
}

/// Coalition j's Q entries as the pair sum reads them: per entry its
/// linear part and its looked-up suffix sums.
pub struct PairSumQ {
    linear: Vec<u32>,
    looked_up: Vec<u32>,
}

impl PairSumQ {
    /// The Q entries of `c` in `words`.
    pub fn new(c: &CountsConfig, words: &[u32]) -> PairSumQ {
        let split = split(c, words);
        let digits = c.digits() as usize;
        let q_sums = &words[c.q_sums as usize..][..c.q_entries as usize * digits];
        let mut q = PairSumQ {
            linear: Vec::with_capacity(c.q_entries as usize),
            looked_up: Vec::with_capacity(c.q_entries as usize * split.looked_up().len()),
        };
        // By index: at k = 1 there are no sums, but still an entry each.
        for qi in 0..c.q_entries as usize {
            let m = &q_sums[qi * digits..][..digits];
            q.linear.push(split.linear(m));
            q.looked_up.extend(split.looked_up().iter().map(|&i| m[i]));
        }
        q
    }
}

/// The sums per state of `count_pairs` over items `first .. first + count`.
pub fn count_pairs_split(
    c: &CountsConfig,
    words: &[u32],
    reals: &[f64],
    q: &PairSumQ,
    first: u64,
    count: u64,
) -> Vec<f64> {
    let split = split(c, words);
    let walk = Walk {
        c,
        words,
        reals,
        q,
        split: &split,
    };
    match c.actions {
        2 => walk.items::<2>(first, count),
        3 => walk.items::<3>(first, count),
        4 => walk.items::<4>(first, count),
        6 => walk.items::<6>(first, count),
        8 => walk.items::<8>(first, count),
        9 => walk.items::<9>(first, count),
        _ => walk.items::<0>(first, count),
    }
}

/// One coalition's pair sum over a layout.
struct Walk<'a> {
    c: &'a CountsConfig,
    words: &'a [u32],
    reals: &'a [f64],
    q: &'a PairSumQ,
    split: &'a SplitRanks<'a>,
}

impl Walk<'_> {
    /// The items' sums, as the twin's items (one P entry N against a chunk
    /// of Q), in another order: the chunk's ranks of N + M first, then per
    /// state `S_b = Σ_M Q(M) h_b(x, N + M)` in `K` accumulators (the
    /// cells, when `K` > 0 gives them at compile time; registers, not
    /// memory), and `P(N) Σ_b N_b S_b` once per item.
    fn items<const K: usize>(&self, first: u64, count: u64) -> Vec<f64> {
        let c = self.c;
        let k = c.actions as usize;
        debug_assert!(K == 0 || K == k);
        let digits = c.digits() as usize;
        let states = c.states as usize;
        let rows = c.rows as usize;
        let q_probs = &self.reals[c.q_prob as usize..][..c.q_entries as usize];
        let shares = &self.reals[c.shares as usize..][..states * rows * k];
        let fill_ranks = match self.split.looked_up().len() {
            0 => Self::ranks::<0>,
            1 => Self::ranks::<1>,
            2 => Self::ranks::<2>,
            3 => Self::ranks::<3>,
            4 => Self::ranks::<4>,
            _ => Self::ranks_any,
        };
        let mut acc = vec![0.0; states];
        let mut counts = [0u32; MAX_ACTIONS];
        let mut bases = [0usize; MAX_ACTIONS];
        let mut ranks = Vec::with_capacity(c.chunk as usize);
        for item in first..first + count {
            let item = item as u32;
            let a = item / c.chunks;
            let chunk = item % c.chunks;
            let at = c.p_sums as usize + a as usize * digits;
            decode_counts(c, self.words, at, &mut counts);
            let sums = &self.words[at..][..digits];
            let lin = self.split.constant().wrapping_add(self.split.linear(sums));
            for (j, &i) in self.split.looked_up().iter().enumerate() {
                bases[j] = self.split.base(j, sums[i]);
            }
            let start = (chunk * c.chunk) as usize;
            let end = ((chunk + 1) * c.chunk).min(c.q_entries) as usize;
            fill_ranks(self, lin, &bases, start..end, &mut ranks);
            let p = self.reals[(c.p_prob + a) as usize];
            for (x, acc) in acc.iter_mut().enumerate() {
                let state = &shares[x * rows * k..][..rows * k];
                let s = if K > 0 {
                    dot::<K>(state, &ranks, &q_probs[start..end], &counts)
                } else {
                    dot_any(k, state, &ranks, &q_probs[start..end], &counts)
                };
                *acc += p * s;
            }
        }
        acc
    }
}

impl Walk<'_> {
    /// Into `out`, the ranks of N + M for the Q entries `range`, N's
    /// linear part (with the constant) `lin` and table bases `bases`: L
    /// lookups each.
    fn ranks<const L: usize>(
        &self,
        lin: u32,
        bases: &[usize; MAX_ACTIONS],
        range: std::ops::Range<usize>,
        out: &mut Vec<usize>,
    ) {
        out.clear();
        out.extend(range.map(|qi| {
            let m: &[u32; L] = self.q.looked_up[qi * L..][..L].try_into().expect("L sums");
            (0..L).fold(lin.wrapping_add(self.q.linear[qi]), |r, j| {
                r.wrapping_add(self.split.word(bases[j] + m[j] as usize))
            }) as usize
        }));
    }

    /// [`Self::ranks`] for any number of lookups.
    fn ranks_any(
        &self,
        lin: u32,
        bases: &[usize; MAX_ACTIONS],
        range: std::ops::Range<usize>,
        out: &mut Vec<usize>,
    ) {
        let l = self.split.looked_up().len();
        out.clear();
        out.extend(range.map(|qi| {
            let m = &self.q.looked_up[qi * l..][..l];
            bases[..l]
                .iter()
                .zip(m)
                .fold(lin.wrapping_add(self.q.linear[qi]), |r, (&b, &s)| {
                    r.wrapping_add(self.split.word(b + s as usize))
                }) as usize
        }));
    }
}

/// `Σ_b N_b Σ_M Q(M) h_b(C_r)` over one state's share rows, K cells.
#[inline(always)]
fn dot<const K: usize>(state: &[f64], ranks: &[usize], probs: &[f64], counts: &[u32]) -> f64 {
    let mut s = [0.0f64; K];
    for (&r, &prob) in ranks.iter().zip(probs) {
        let h: &[f64; K] = state[r * K..][..K].try_into().expect("K shares");
        for (s, &h) in s.iter_mut().zip(h) {
            *s += prob * h;
        }
    }
    (0..K).map(|b| f64::from(counts[b]) * s[b]).sum()
}

/// [`dot`] for any number of cells.
fn dot_any(k: usize, state: &[f64], ranks: &[usize], probs: &[f64], counts: &[u32]) -> f64 {
    let mut s = [0.0f64; MAX_ACTIONS];
    for (&r, &prob) in ranks.iter().zip(probs) {
        for (s, &h) in s[..k].iter_mut().zip(&state[r * k..][..k]) {
            *s += prob * h;
        }
    }
    (0..k).map(|b| f64::from(counts[b]) * s[b]).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::counts::direct::{all_count_vectors, CountsFlat, CountsPlan};
    use crate::cpu::count_pairs::count_pairs;
    use crate::model::game::Game;
    use crate::model::policy::Policy;
    use crate::model::problem::{Coalition, Problem};
    use crate::plan::{FlatPlan, Plan};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// A random role game of `roles` roles (one: no roles) over k actions,
    /// 2 states, three coalitions mixing the roles under uniform,
    /// independent and common policies.
    fn random_problem(rng: &mut StdRng, roles: usize, k: usize, n: usize) -> Problem {
        let of: Vec<usize> = (0..n).map(|i| i % roles).collect();
        let rows = |rng: &mut StdRng| -> Vec<Vec<Vec<f64>>> {
            (0..2)
                .map(|_| {
                    (0..roles)
                        .map(|_| (0..k).map(|_| rng.random_range(0.2..3.0)).collect())
                        .collect()
                })
                .collect()
        };
        let game = if rng.random_bool(0.5) {
            Game::RoleProportional {
                roles: of.clone(),
                weights: rows(rng),
            }
        } else {
            Game::RoleCongestion {
                roles: of.clone(),
                values: rows(rng),
            }
        };
        let mut members: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            members.swap(i, rng.random_range(0..=i));
        }
        let cut = [n / 4, n / 2];
        let marginal = |rng: &mut StdRng| -> Vec<f64> {
            let w: Vec<f64> = (0..k).map(|_| rng.random_range(0.1..1.0)).collect();
            let s: f64 = w.iter().sum();
            w.iter().map(|x| x / s).collect()
        };
        let independent = Policy::Independent {
            marginals: (cut[0]..cut[1]).map(|_| marginal(rng)).collect(),
        };
        let coalitions = vec![
            Coalition::new(
                members[..cut[0]].to_vec(),
                Policy::Common {
                    dist: Some(marginal(rng)),
                },
            ),
            Coalition::new(members[cut[0]..cut[1]].to_vec(), independent),
            Coalition::new(members[cut[1]..].to_vec(), Policy::Uniform),
        ];
        Problem::new_with_roles(n, k, (roles > 1).then_some(of), game, coalitions).unwrap()
    }

    /// The layout of `problem` with its share table in place.
    fn layout(problem: &Problem) -> CountsFlat {
        let plan = Plan::new(problem);
        let counts = CountsPlan::new(problem, &plan).unwrap();
        let flat_plan = FlatPlan::new(problem, &plan).unwrap();
        let mut flat = CountsFlat::new(&counts, problem.states()).unwrap();
        let vectors = all_count_vectors(&counts.space);
        flat.set_shares(&crate::cpu::count_shares::count_shares(
            &flat_plan, &vectors,
        ));
        flat
    }

    /// The split pair sum equals the twin's on random role games of one
    /// to three roles at k = 1..4 (0 to 4 lookups per pair), over
    /// random item ranges; with one Q entry's linear part off by one it
    /// does not, so the comparison can fail.
    #[test]
    fn the_split_pair_sum_equals_the_twin_and_a_wrong_linear_part_fails() {
        let mut rng = StdRng::seed_from_u64(29);
        for (roles, k, n) in [
            (1, 1, 5),
            (1, 2, 12),
            (1, 4, 9),
            (2, 2, 14),
            (3, 2, 12),
            (2, 3, 10),
            (2, 4, 8),
            (3, 3, 9),
        ] {
            let problem = random_problem(&mut rng, roles, k, n);
            let flat = layout(&problem);
            for c in &flat.configs {
                let items = c.items();
                let first = rng.random_range(0..items);
                let count = rng.random_range(0..=items - first);
                let twin = count_pairs(c, &flat.words, &flat.reals, first, count);
                let q = PairSumQ::new(c, &flat.words);
                let fast = count_pairs_split(c, &flat.words, &flat.reals, &q, first, count);
                for (t, f) in twin.iter().zip(&fast) {
                    assert!(
                        (t - f).abs() <= 1e-13 * t.abs().max(1.0),
                        "{roles} {k}: {t} {f}"
                    );
                }
                let mut bad = PairSumQ::new(c, &flat.words);
                bad.linear[0] = bad.linear[0].wrapping_add(1);
                // An off-by-one rank may run past the share table: that fails too.
                let moved = std::panic::catch_unwind(|| {
                    count_pairs_split(c, &flat.words, &flat.reals, &bad, 0, items)
                })
                .map_or(true, |f| {
                    let twin = count_pairs(c, &flat.words, &flat.reals, 0, items);
                    f.iter().zip(&twin).any(|(f, t)| (f - t).abs() > 1e-9)
                });
                assert!(moved, "{roles} {k}: a wrong linear part went unnoticed");
            }
        }
    }
}
