//! Twin of `shaders/profile.wgsl` (keep in sync): the current profile as the counts the
//! share functions need, with parts' outcomes added or removed one at a time.

use crate::cpu::families::{action_shares, anonymous_ranks};
use crate::plan::{family_id, FlatPlan};

/// What a kernel thread keeps in private memory about the current profile.
pub struct ProfileState<'a> {
    flat: &'a FlatPlan,
    counts: Vec<u32>,
    /// Each coalition's action counts, as f64 (exact: small integers) so that
    /// the shares' dot products need no conversions.
    coalition_counts: Vec<f64>,
    table_index: u32,
    others_rank: Vec<u32>,
    action_share: Vec<f64>,
    parts: Vec<PartCache>,
}

/// A part's entries of the flat arrays, looked up once (the kernel reads
/// them from `words` each time; the values are the same).
struct PartCache {
    size: usize,
    first_action: usize,
    /// Per player of the part: `coalition * k` and the table stride k^i.
    coalition_base: Vec<usize>,
    strides: Vec<u32>,
}

impl<'a> ProfileState<'a> {
    /// A state at the base profile.
    pub fn new(flat: &'a FlatPlan) -> Self {
        let k = flat.config.actions as usize;
        let parts = (0..flat.config.parts as usize)
            .map(|p| {
                let part = flat.part(p);
                let first_player = part.first_player as usize;
                let size = part.players as usize;
                let players = &flat.words[first_player..first_player + size];
                PartCache {
                    size,
                    first_action: part.first_action as usize,
                    coalition_base: players
                        .iter()
                        .map(|&i| {
                            flat.words[flat.config.player_coalition as usize + i as usize] as usize
                                * k
                        })
                        .collect(),
                    strides: players
                        .iter()
                        .map(|&i| flat.words[flat.config.player_stride as usize + i as usize])
                        .collect(),
                }
            })
            .collect();
        let mut state = ProfileState {
            parts,
            flat,
            counts: vec![0; k],
            coalition_counts: vec![0.0; flat.config.coalitions as usize * k],
            table_index: 0,
            others_rank: vec![0; k],
            action_share: vec![0.0; k],
        };
        state.reset_to_base();
        state
    }

    /// The plan's sizes and offsets.
    pub fn config(&self) -> &'a crate::plan::Config {
        &self.flat.config
    }

    /// Twin of `sample_outcome`: the number of part `p`'s sampling thresholds
    /// ≤ the uniform word `r` (see [`crate::plan::sampling_thresholds`]).
    pub fn sample_outcome(&self, p: usize, r: u32) -> u32 {
        let part = self.flat.part(p);
        let first = part.first_threshold as usize;
        let thresholds = &self.flat.words[first..first + part.outcomes as usize - 1];
        thresholds.partition_point(|&t| t <= r) as u32
    }

    /// Twin of `reset_to_base`.
    pub fn reset_to_base(&mut self) {
        let c = &self.flat.config;
        let k = c.actions as usize;
        let words = &self.flat.words;
        self.counts
            .copy_from_slice(&words[c.base_counts as usize..][..k]);
        for (dst, &src) in self
            .coalition_counts
            .iter_mut()
            .zip(&words[c.base_coalition_counts as usize..][..c.coalitions as usize * k])
        {
            *dst = f64::from(src);
        }
        self.table_index = c.base_table_index;
    }

    /// Twin of `apply_outcome`.
    #[inline]
    pub fn apply_outcome(&mut self, p: usize, o: u32, add: bool) {
        let part = &self.parts[p];
        let actions = &self.flat.words[part.first_action + o as usize * part.size..][..part.size];
        for ((&a, &base), &stride) in actions.iter().zip(&part.coalition_base).zip(&part.strides) {
            let a = a as usize;
            let c = base + a;
            let step = a as u32 * stride;
            if add {
                self.counts[a] += 1;
                self.coalition_counts[c] += 1.0;
                self.table_index = self.table_index.wrapping_add(step);
            } else {
                self.counts[a] -= 1;
                self.coalition_counts[c] -= 1.0;
                self.table_index = self.table_index.wrapping_sub(step);
            }
        }
    }

    /// Twin of `change_outcome`: the same counts as removing `from` and adding
    /// `to`, in one pass over the part's players.
    #[inline(always)]
    pub fn change_outcome(&mut self, p: usize, from: u32, to: u32) {
        let part = &self.parts[p];
        let words = &self.flat.words;
        if part.size == 1 {
            // The common case (independent players), without the loop.
            let a = words[part.first_action + from as usize] as usize;
            let b = words[part.first_action + to as usize] as usize;
            let base = part.coalition_base[0];
            self.counts[a] -= 1;
            self.counts[b] += 1;
            self.coalition_counts[base + a] -= 1.0;
            self.coalition_counts[base + b] += 1.0;
            self.table_index = self.table_index.wrapping_add(
                (b as u32)
                    .wrapping_sub(a as u32)
                    .wrapping_mul(part.strides[0]),
            );
            return;
        }
        let old = &words[part.first_action + from as usize * part.size..][..part.size];
        let new = &words[part.first_action + to as usize * part.size..][..part.size];
        for (((&a, &b), &base), &stride) in old
            .iter()
            .zip(new)
            .zip(&part.coalition_base)
            .zip(&part.strides)
        {
            if a != b {
                let (a, b) = (a as usize, b as usize);
                self.counts[a] -= 1;
                self.counts[b] += 1;
                self.coalition_counts[base + a] -= 1.0;
                self.coalition_counts[base + b] += 1.0;
                self.table_index = self
                    .table_index
                    .wrapping_add((b as u32).wrapping_sub(a as u32).wrapping_mul(stride));
            }
        }
    }

    /// Set the profile from its per-coalition action counts (`coalition * k +
    /// action`) and table index, as drawn by the sampler's lanes.
    pub fn set_counts(&mut self, coalition_counts: &[u32], table_index: u32) {
        let k = self.counts.len();
        self.counts.fill(0);
        for (row, dst) in coalition_counts
            .chunks_exact(k)
            .zip(self.coalition_counts.chunks_exact_mut(k))
        {
            for b in 0..k {
                self.counts[b] += row[b];
                dst[b] = f64::from(row[b]);
            }
        }
        self.table_index = table_index;
    }

    /// Twin of `profile_changed`.
    pub fn profile_changed(&mut self) {
        if self.flat.config.family == family_id::ANONYMOUS {
            anonymous_ranks(self.flat, &self.counts, &mut self.others_rank);
        }
    }

    /// Twin of `prepare_state`.
    #[inline]
    pub fn prepare_state(&mut self, x: usize) {
        if self.flat.config.family != family_id::TABLE {
            action_shares(
                self.flat,
                x as u32,
                &self.counts,
                &self.others_rank,
                &mut self.action_share,
            );
        }
    }

    /// Each coalition's action counts, `coalition * k + action`.
    pub fn coalition_counts(&self) -> &[f64] {
        &self.coalition_counts
    }

    /// The action counts of all n players.
    pub fn counts(&self) -> &[u32] {
        &self.counts
    }

    /// Coalition j's share given the players' shares `h` on each action:
    /// `Σ_b N_j[b] h_b` (symmetric families).
    #[inline]
    pub fn coalition_share_from(&self, j: usize, h: &[f64]) -> f64 {
        let k = h.len();
        self.coalition_counts[j * k..(j + 1) * k]
            .iter()
            .zip(h)
            .map(|(n, h)| n * h)
            .sum()
    }

    /// Twin of `coalition_share`.
    #[inline]
    pub fn coalition_share(&self, j: usize, x: usize) -> f64 {
        let c = &self.flat.config;
        if c.family == family_id::TABLE {
            let row =
                (x * c.table_profiles as usize + self.table_index as usize) * c.coalitions as usize;
            return self.flat.reals[c.family_params as usize + row + j];
        }
        self.coalition_share_from(j, &self.action_share)
    }
}
