//! Rust mirror of `shaders/enumerate.wgsl`, in f64: the same odometer walk
//! over the parts' outcomes, the same incremental profile and weights, the
//! same per-slot accumulation.

use super::profile::ProfileState;
use crate::plan::FlatPlan;

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
    fn accumulate(&mut self, weight: f64, acc: &mut [f64]) {
        let c = &self.flat.config;
        let states = c.states as usize;
        for x in 0..states {
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
    let mut acc = vec![0.0; flat.config.slots as usize];
    if count == 0 {
        return acc;
    }
    let mut walker = Walker::start_walk(flat, start);
    for t in 0..count {
        walker.accumulate(walker.suffix_weight[0], &mut acc);
        if t + 1 < count {
            walker.advance();
        }
    }
    acc
}
