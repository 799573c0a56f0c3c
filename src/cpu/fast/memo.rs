//! Two CPU fast paths of exact enumeration for symmetric games, which
//! compute the sums of the plain walk ([`crate::cpu::enumerate`], the twin of
//! `shaders/enumerate.wgsl`) in another order: the shares of every count
//! vector tabulated once ([`ShareMemo`]), and whole cycles of the fastest
//! digit summed in closed form when it is one player's (`Cycle`). Tested
//! against the plain walk (tests/it/reference.rs).

use crate::counts::direct::{all_count_vectors, CountSpace};
use crate::cpu::enumerate::Walker;
use crate::plan::{family_id, FlatPlan};

/// Largest share table [`ShareMemo`] builds, in f64 entries (2 MiB: it
/// should stay in the core's L2 cache).
const MEMO_MAX_ENTRIES: usize = 1 << 18;

/// The shares `h_b(x, C)` of every count vector C of the n players, indexed
/// by its rank on the simplex ([`CountSpace::rank`]), so that the walk looks them up instead of computing
/// them per profile. The entries are the family twins' own values: a walk
/// that looks them up adds exactly what the plain walk adds.
pub struct ShareMemo {
    space: CountSpace,
    states: usize,
    shares: Vec<f64>,
}

impl ShareMemo {
    /// The table for `flat`, or `None` where it does not pay: table games
    /// (no `h_b`), and tables larger than 2 MiB or than a
    /// quarter of the `profiles` to walk.
    pub fn new(flat: &FlatPlan, profiles: u64) -> Option<Self> {
        let c = &flat.config;
        if c.family == family_id::TABLE {
            return None;
        }
        let (k, states) = (c.actions as usize, c.states as usize);
        let space = CountSpace::new(c.players as usize, k).ok()?;
        let entries = usize::try_from(space.rows).ok()?.checked_mul(states * k)?;
        if entries > MEMO_MAX_ENTRIES || entries as u64 > profiles / 4 {
            return None;
        }
        let vectors = all_count_vectors(&space);
        let by_rank = crate::cpu::count_shares::count_shares(flat, &vectors);
        let rows = vectors.len() / k;
        let mut shares = vec![0.0; entries];
        for r in 0..rows {
            for x in 0..states {
                shares[(r * states + x) * k..][..k]
                    .copy_from_slice(&by_rank[(x * rows + r) * k..][..k]);
            }
        }
        Some(ShareMemo {
            space,
            states,
            shares,
        })
    }

    /// `h_b(x, counts)` for every action b.
    #[inline(always)]
    pub(crate) fn shares(&self, counts: &[u32], x: usize) -> &[f64] {
        self.row(self.space.rank(counts) as usize, x)
    }

    /// `h_b(x, C)` for every action b, C of rank `rank`.
    #[inline(always)]
    fn row(&self, rank: usize, x: usize) -> &[f64] {
        let k = self.space.actions;
        &self.shares[(rank * self.states + x) * k..][..k]
    }
}

/// A whole cycle of part 0, the walk's fastest digit, in one step, where
/// part 0 is one player (of coalition `j0`). With the other players fixed
/// (counts `R`, weight `W`), its outcomes o (action `a_o`, probability `π_o`)
/// give coalition j `W Σ_o π_o (R_j·h(R + e_{a_o}) + [j = j0] h_{a_o})`
/// = `W (R_j·H + [j = j0] T)` with `H = Σ_o π_o h(R + e_{a_o})` and
/// `T = Σ_o π_o h_{a_o}(R + e_{a_o})`: k additions per profile and m dot
/// products per cycle, instead of m dot products per profile.
struct Cycle<'m> {
    memo: &'m ShareMemo,
    j0: usize,
    actions: Vec<usize>,
    probabilities: Vec<f64>,
    /// Per outcome, the rank of the cycle's count vector with part 0's
    /// player on that outcome's action (refilled per cycle).
    ranks: Vec<usize>,
    /// The cycle's count vector (scratch).
    counts: Vec<u32>,
    sums: Vec<f64>,
}

impl<'m> Cycle<'m> {
    /// `None` unless part 0 is a single player.
    fn new(flat: &FlatPlan, memo: &'m ShareMemo) -> Option<Self> {
        let c = &flat.config;
        if c.parts == 0 || flat.part(0).players != 1 {
            return None;
        }
        let part = flat.part(0);
        let (outcomes, player, first_action) = (
            part.outcomes as usize,
            flat.words[part.first_player as usize],
            part.first_action as usize,
        );
        let first_probability = part.first_probability as usize;
        let actions: Vec<usize> = flat.words[first_action..first_action + outcomes]
            .iter()
            .map(|&a| a as usize)
            .collect();
        Some(Cycle {
            memo,
            j0: flat.words[(c.player_coalition + player) as usize] as usize,
            ranks: vec![0; outcomes],
            counts: vec![0; c.actions as usize],
            probabilities: flat.reals[first_probability..first_probability + outcomes].to_vec(),
            actions,
            sums: vec![0.0; c.actions as usize],
        })
    }

    /// Add the cycle whose first profile (part 0 at outcome 0) `walker` is at.
    fn add(&mut self, walker: &Walker<'_>, acc: &mut [f64]) {
        let c = &walker.flat.config;
        let states = c.states as usize;
        let k = self.sums.len();
        // The walker's profile has part 0's player on a_0.
        self.counts.copy_from_slice(walker.profile.counts());
        self.counts[self.actions[0]] -= 1;
        for o in 0..self.actions.len() {
            self.counts[self.actions[o]] += 1;
            self.ranks[o] = self.memo.space.rank(&self.counts) as usize;
            self.counts[self.actions[o]] -= 1;
        }
        let weight = walker.suffix_weight[1];
        let counts = walker.profile.coalition_counts();
        for x in 0..states {
            self.sums.fill(0.0);
            let mut own = 0.0;
            for o in 0..self.actions.len() {
                let (p, a) = (self.probabilities[o], self.actions[o]);
                let h = self.memo.row(self.ranks[o], x);
                for (s, &h) in self.sums.iter_mut().zip(h) {
                    *s += p * h;
                }
                own += p * h[a];
            }
            for (j, n) in counts.chunks_exact(k).enumerate() {
                let mut share: f64 = n.iter().zip(&self.sums).map(|(n, s)| n * s).sum();
                if j == self.j0 {
                    // The walker's profile has part 0's player on a_0.
                    share += own - self.sums[self.actions[0]];
                }
                acc[j * states + x] += weight * share;
            }
        }
    }
}

/// [`crate::cpu::enumerate::enumerate`], looking the shares up in `memo` where one is given, and
/// then summing each whole cycle of a one-player part 0 in one step.
pub fn enumerate_with(
    flat: &FlatPlan,
    memo: Option<&ShareMemo>,
    start: u64,
    count: u64,
) -> Vec<f64> {
    let mut acc = vec![0.0; flat.config.slots as usize];
    if count == 0 {
        return acc;
    }
    let mut walker = Walker::start_walk(flat, start);
    let mut cycle = memo.and_then(|memo| Cycle::new(flat, memo));
    let mut t = 0;
    while t < count {
        if let Some(cycle) = cycle.as_mut() {
            let radix = u64::from(walker.radix[0]);
            if walker.digit[0] == 0 && count - t >= radix {
                cycle.add(&walker, &mut acc);
                t += radix;
                if t < count {
                    walker.advance_from(1);
                }
                continue;
            }
        }
        walker.accumulate(walker.suffix_weight[0], memo, &mut acc);
        t += 1;
        if t < count {
            walker.advance();
        }
    }
    acc
}
