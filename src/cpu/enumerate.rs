//! Rust mirror of `shaders/enumerate.wgsl`, in f64: the same odometer walk
//! over the parts' outcomes, the same incremental counts and weights, the
//! same per-slot accumulation. The CPU backend runs it on every core.

use crate::families::{action_shares, anonymous_ranks};
use crate::plan::{family_id, FlatPlan, PART_INFO_STRIDE};

/// The walker's state: what a kernel thread keeps in private memory.
struct Walker<'a> {
    flat: &'a FlatPlan,
    digit: Vec<u32>,
    counts: Vec<u32>,
    coalition_counts: Vec<u32>,
    suffix_weight: Vec<f64>,
    table_index: u32,
    others_rank: Vec<u32>,
    action_share: Vec<f64>,
}

impl<'a> Walker<'a> {
    fn part_word(&self, p: usize, field: usize) -> u32 {
        self.flat.words[self.flat.config.part_info as usize + p * PART_INFO_STRIDE + field]
    }

    fn outcome_probability(&self, p: usize, o: u32) -> f64 {
        self.flat.reals[(self.part_word(p, 4) + o) as usize]
    }

    /// Twin of `start_walk`; the digits come from the u64 profile number.
    fn start_walk(flat: &'a FlatPlan, start: u64) -> Self {
        let c = &flat.config;
        let k = c.actions as usize;
        let words = &flat.words;
        let range =
            |offset: u32, len: usize| words[offset as usize..offset as usize + len].to_vec();
        let mut walker = Walker {
            flat,
            digit: flat.digits(start),
            counts: range(c.base_counts, k),
            coalition_counts: range(c.base_coalition_counts, c.coalitions as usize * k),
            suffix_weight: vec![1.0; c.parts as usize + 1],
            table_index: c.base_table_index,
            others_rank: vec![0; k],
            action_share: vec![0.0; k],
        };
        for p in 0..c.parts as usize {
            walker.apply_outcome(p, walker.digit[p], true);
        }
        if c.parts > 0 {
            walker.update_weights(c.parts as usize - 1);
        }
        if c.family == family_id::ANONYMOUS {
            anonymous_ranks(flat, &walker.counts, &mut walker.others_rank);
        }
        walker
    }

    /// Twin of `apply_outcome`.
    fn apply_outcome(&mut self, p: usize, o: u32, add: bool) {
        let flat = self.flat;
        let first_player = self.part_word(p, 1) as usize;
        let size = self.part_word(p, 2) as usize;
        let first_action = (self.part_word(p, 3) + o * size as u32) as usize;
        let k = flat.config.actions as usize;
        for r in 0..size {
            let i = flat.words[first_player + r] as usize;
            let a = flat.words[first_action + r] as usize;
            let c = flat.words[flat.config.player_coalition as usize + i] as usize * k + a;
            let step = a as u32 * flat.words[flat.config.player_stride as usize + i];
            if add {
                self.counts[a] += 1;
                self.coalition_counts[c] += 1;
                self.table_index = self.table_index.wrapping_add(step);
            } else {
                self.counts[a] -= 1;
                self.coalition_counts[c] -= 1;
                self.table_index = self.table_index.wrapping_sub(step);
            }
        }
    }

    /// Twin of `update_weights`.
    fn update_weights(&mut self, top: usize) {
        for p in (0..=top).rev() {
            self.suffix_weight[p] =
                self.outcome_probability(p, self.digit[p]) * self.suffix_weight[p + 1];
        }
    }

    /// Twin of `advance`.
    fn advance(&mut self) {
        let parts = self.flat.config.parts as usize;
        let mut p = 0;
        while p < parts {
            self.apply_outcome(p, self.digit[p], false);
            self.digit[p] += 1;
            if self.digit[p] < self.part_word(p, 0) {
                self.apply_outcome(p, self.digit[p], true);
                break;
            }
            self.digit[p] = 0;
            self.apply_outcome(p, 0, true);
            p += 1;
        }
        if parts > 0 {
            self.update_weights(p.min(parts - 1));
        }
        if self.flat.config.family == family_id::ANONYMOUS {
            anonymous_ranks(self.flat, &self.counts, &mut self.others_rank);
        }
    }

    /// Twin of `accumulate`.
    fn accumulate(&mut self, weight: f64, acc: &mut [f64]) {
        let flat = self.flat;
        let c = &flat.config;
        let (k, m, states) = (c.actions as usize, c.coalitions as usize, c.states as usize);
        for x in 0..states {
            if c.family == family_id::TABLE {
                let row = c.family_params as usize
                    + (x * c.table_profiles as usize + self.table_index as usize) * m;
                for j in 0..m {
                    acc[j * states + x] += weight * flat.reals[row + j];
                }
            } else {
                action_shares(
                    flat,
                    x as u32,
                    &self.counts,
                    &self.others_rank,
                    &mut self.action_share,
                );
                for j in 0..m {
                    let total: f64 = (0..k)
                        .map(|b| f64::from(self.coalition_counts[j * k + b]) * self.action_share[b])
                        .sum();
                    acc[j * states + x] += weight * total;
                }
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
