//! Rust mirror of `shaders/enumerate.wgsl`, in f64: the same odometer walk
//! over the parts' outcomes, the same incremental profile and weights, the
//! same per-slot accumulation.

use super::profile::ProfileState;
use crate::plan::{family_id, FlatPlan};
use crate::symmetric::{all_count_vectors, CountSpace};

/// Largest share table [`ShareMemo`] builds, in f64 entries (2 MiB: it
/// should stay in the core's L2 cache).
const MEMO_MAX_ENTRIES: usize = 1 << 18;

/// The shares `h_b(x, C)` of every count vector C of the n players, indexed
/// by its cube index, so that the walk looks them up instead of computing
/// them per profile. The entries are the family twins' own values, so the
/// sums are bit for bit those of the plain walk.
pub struct ShareMemo {
    space: CountSpace,
    states: usize,
    shares: Vec<f64>,
}

impl ShareMemo {
    /// The table for `flat`, or `None` where it does not pay: table games
    /// (no `h_b`), and tables larger than [`MEMO_MAX_ENTRIES`] or than a
    /// quarter of the `profiles` to walk.
    pub fn new(flat: &FlatPlan, profiles: u64) -> Option<Self> {
        let c = &flat.config;
        if c.family == family_id::TABLE {
            return None;
        }
        let (k, states) = (c.actions as usize, c.states as usize);
        let space = CountSpace::new(c.players as usize, k).ok()?;
        let entries = space.cube.checked_mul(states * k)?;
        if entries > MEMO_MAX_ENTRIES || entries as u64 > profiles / 4 {
            return None;
        }
        let vectors = all_count_vectors(&space);
        let by_rank = super::count_shares::count_shares(flat, &vectors);
        let rows = vectors.len() / k;
        let mut shares = vec![0.0; entries];
        for (r, counts) in vectors.chunks_exact(k).enumerate() {
            let cell = space.index(counts) as usize;
            for x in 0..states {
                shares[(cell * states + x) * k..][..k]
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
    fn shares(&self, counts: &[u32], x: usize) -> &[f64] {
        let k = counts.len();
        let cell = self.space.index(counts) as usize;
        &self.shares[(cell * self.states + x) * k..][..k]
    }
}

/// The walker: what a kernel thread keeps beyond the profile state.
struct Walker<'a> {
    flat: &'a FlatPlan,
    profile: ProfileState<'a>,
    digit: Vec<u32>,
    suffix_weight: Vec<f64>,
    /// Each part's radix and first probability (read once; the kernel reads
    /// them from the part table each time).
    radix: Vec<u32>,
    first_probability: Vec<usize>,
}

impl<'a> Walker<'a> {
    fn outcome_probability(&self, p: usize, o: u32) -> f64 {
        self.flat.reals[self.first_probability[p] + o as usize]
    }

    /// Twin of `update_weights`.
    fn update_weights(&mut self, top: usize) {
        for p in (0..=top).rev() {
            self.suffix_weight[p] =
                self.outcome_probability(p, self.digit[p]) * self.suffix_weight[p + 1];
        }
    }

    /// Twin of `start_walk`; the digits come from the u64 profile number.
    fn start_walk(flat: &'a FlatPlan, start: u64) -> Self {
        let parts = flat.config.parts as usize;
        let profile = ProfileState::new(flat);
        let radix = (0..parts).map(|p| profile.part_word(p, 0)).collect();
        let first_probability = (0..parts)
            .map(|p| profile.part_word(p, 4) as usize)
            .collect();
        let mut walker = Walker {
            flat,
            profile,
            digit: flat.digits(start),
            suffix_weight: vec![1.0; parts + 1],
            radix,
            first_probability,
        };
        for p in 0..parts {
            walker.profile.apply_outcome(p, walker.digit[p], true);
        }
        if parts > 0 {
            walker.update_weights(parts - 1);
        }
        walker.profile.profile_changed();
        walker
    }

    /// Twin of `advance`.
    fn advance(&mut self) {
        let parts = self.flat.config.parts as usize;
        let mut p = 0;
        while p < parts {
            let from = self.digit[p];
            self.digit[p] += 1;
            if self.digit[p] < self.radix[p] {
                self.profile.change_outcome(p, from, self.digit[p]);
                break;
            }
            self.digit[p] = 0;
            self.profile.change_outcome(p, from, 0);
            p += 1;
        }
        if parts > 0 {
            self.update_weights(p.min(parts - 1));
        }
        self.profile.profile_changed();
    }

    /// Twin of `accumulate`.
    #[inline(always)]
    fn accumulate(&mut self, weight: f64, memo: Option<&ShareMemo>, acc: &mut [f64]) {
        let c = &self.flat.config;
        let states = c.states as usize;
        for x in 0..states {
            if let Some(memo) = memo {
                let h = memo.shares(self.profile.counts(), x);
                for j in 0..c.coalitions as usize {
                    acc[j * states + x] += weight * self.profile.coalition_share_from(j, h);
                }
                continue;
            }
            self.profile.prepare_state(x);
            for j in 0..c.coalitions as usize {
                acc[j * states + x] += weight * self.profile.coalition_share(j, x);
            }
        }
    }
}

/// Twin of the `enumerate` kernel for one thread: the sums over profiles
/// `start .. start + count`, per slot `j * states + x`.
pub fn enumerate(flat: &FlatPlan, start: u64, count: u64) -> Vec<f64> {
    enumerate_with(flat, None, start, count)
}

/// [`enumerate`], looking the shares up in `memo` where one is given.
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
    for t in 0..count {
        walker.accumulate(walker.suffix_weight[0], memo, &mut acc);
        if t + 1 < count {
            walker.advance();
        }
    }
    acc
}
