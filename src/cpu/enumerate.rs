//! Twin of `shaders/enumerate.wgsl` (keep in sync), in f64: the same
//! odometer walk over the parts' outcomes, the same incremental profile and
//! weights, the same per-slot accumulation ([`enumerate`]). The fast paths
//! built on this walker live in [`crate::cpu::fast`].

use super::profile::ProfileState;
use crate::cpu::fast::ShareMemo;
use crate::plan::FlatPlan;

/// The walker: what a kernel thread keeps beyond the profile state.
pub(crate) struct Walker<'a> {
    pub(crate) flat: &'a FlatPlan,
    pub(crate) profile: ProfileState<'a>,
    pub(crate) digit: Vec<u32>,
    pub(crate) suffix_weight: Vec<f64>,
    /// Each part's radix and first probability (read once; the kernel reads
    /// them from the part table each time).
    pub(crate) radix: Vec<u32>,
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
    pub(crate) fn start_walk(flat: &'a FlatPlan, start: u64) -> Self {
        let parts = flat.config.parts as usize;
        let profile = ProfileState::new(flat);
        let radix = (0..parts).map(|p| flat.part(p).outcomes).collect();
        let first_probability = (0..parts)
            .map(|p| flat.part(p).first_probability as usize)
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
    pub(crate) fn advance(&mut self) {
        self.advance_from(0);
    }

    /// Advance the odometer by one step of digit `first` (the faster digits
    /// stay as they are).
    pub(crate) fn advance_from(&mut self, first: usize) {
        let parts = self.flat.config.parts as usize;
        let mut p = first;
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
    pub(crate) fn accumulate(&mut self, weight: f64, memo: Option<&ShareMemo>, acc: &mut [f64]) {
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
    crate::cpu::fast::enumerate_with(flat, None, start, count)
}
