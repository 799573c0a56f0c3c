//! The CPU's fast sampler: the sums of [`crate::cpu::sample::sample`] (the
//! twin of `shaders/sample.wgsl`), bit for bit, with the same Philox draws
//! and the same threshold search.
//!
//! A kernel thread draws its samples one after the other. Here 16
//! consecutive samples advance together, part by part: their Philox rounds
//! are independent (vectorised with AVX2 where the CPU has it),
//! and so are their count updates, which would otherwise wait on each other
//! through memory. Each lane's profile is then valued exactly as the kernel
//! values it, and the lanes are added in sample order, so the sums are those
//! of a one-sample-at-a-time loop, bit for bit.

use super::lanes::{Lane, Lanes, Portable, LANES};
use crate::cpu::profile::ProfileState;
use crate::cpu::sample::accumulate_sample;
use crate::plan::{family_id, FlatPlan};

/// Parts with at most this many outcomes find theirs by counting thresholds
/// (branch-free, vectorised over the lanes); larger ones binary-search.
const LINEAR_SEARCH_MAX_OUTCOMES: usize = 16;

/// The plan's parts as the lanes use them: per outcome, the coalition-count
/// cells (`coalition * k + action`) that its players add to, and the table
/// index step.
struct LaneParts<'a> {
    flat: &'a FlatPlan,
    parts: Vec<LanePart>,
    /// Consecutive single-player parts that add to the same cells (players
    /// of one coalition with the same support): counted together.
    runs: Vec<Run>,
    /// Per run, threshold t of its i-th part at `first_threshold + t * len + i`.
    run_thresholds: Vec<u32>,
    /// The parts in no run, each drawn on its own.
    singles: Vec<usize>,
    cells: Vec<u32>,
    table_steps: Vec<u32>,
    base_cells: Vec<u32>,
}

struct LanePart {
    size: usize,
    outcomes: usize,
    first_threshold: usize,
    first_cell: usize,
    first_step: usize,
}

/// Parts `first_part .. first_part + len`, adding to the cells of `first_part`.
struct Run {
    first_part: usize,
    len: usize,
    first_threshold: usize,
}

impl<'a> LaneParts<'a> {
    fn new(flat: &'a FlatPlan) -> Self {
        let c = &flat.config;
        let k = c.actions;
        let words = &flat.words;
        let (mut parts, mut cells, mut table_steps) = (Vec::new(), Vec::new(), Vec::new());
        for p in 0..c.parts as usize {
            let part = flat.part(p);
            let outcomes = part.outcomes as usize;
            let first_player = part.first_player as usize;
            let size = part.players as usize;
            let first_action = part.first_action as usize;
            let players = &words[first_player..first_player + size];
            parts.push(LanePart {
                size,
                outcomes,
                first_threshold: part.first_threshold as usize,
                first_cell: cells.len(),
                first_step: table_steps.len(),
            });
            for o in 0..outcomes {
                let actions = &words[first_action + o * size..][..size];
                let mut step = 0u32;
                for (&i, &a) in players.iter().zip(actions) {
                    let coalition = words[(c.player_coalition + i) as usize];
                    cells.push(coalition * k + a);
                    let stride = words[(c.player_stride + i) as usize];
                    step = step.wrapping_add(a.wrapping_mul(stride));
                }
                table_steps.push(step);
            }
        }
        let base = c.base_coalition_counts as usize;
        let mut lanes = LaneParts {
            flat,
            parts,
            runs: Vec::new(),
            run_thresholds: Vec::new(),
            singles: Vec::new(),
            cells,
            table_steps,
            base_cells: words[base..base + (c.coalitions * k) as usize].to_vec(),
        };
        lanes.find_runs();
        lanes
    }

    /// Group the parts into runs where [`Self::count_run`] applies: one
    /// player, few outcomes, no table index to follow.
    fn find_runs(&mut self) {
        let table = self.flat.config.family == family_id::TABLE;
        for p in 0..self.parts.len() {
            let part = &self.parts[p];
            if table || part.size != 1 || part.outcomes > LINEAR_SEARCH_MAX_OUTCOMES {
                self.singles.push(p);
                continue;
            }
            let extends = self.runs.last().is_some_and(|run| {
                run.first_part + run.len == p && self.same_cells(run.first_part, p)
            });
            match self.runs.last_mut() {
                Some(run) if extends => run.len += 1,
                _ => self.runs.push(Run {
                    first_part: p,
                    len: 1,
                    first_threshold: 0,
                }),
            }
        }
        for r in 0..self.runs.len() {
            let (first_part, len) = (self.runs[r].first_part, self.runs[r].len);
            self.runs[r].first_threshold = self.run_thresholds.len();
            for t in 0..self.parts[first_part].outcomes - 1 {
                for part in &self.parts[first_part..first_part + len] {
                    self.run_thresholds.push(self.thresholds(part)[t]);
                }
            }
        }
    }

    fn thresholds(&self, part: &LanePart) -> &[u32] {
        &self.flat.words[part.first_threshold..part.first_threshold + part.outcomes - 1]
    }

    fn outcome_cells(&self, part: &LanePart) -> &[u32] {
        &self.cells[part.first_cell..][..part.outcomes * part.size]
    }

    /// Whether parts `p` and `q` add to the same cells, outcome by outcome.
    fn same_cells(&self, p: usize, q: usize) -> bool {
        let (a, b) = (&self.parts[p], &self.parts[q]);
        a.size == b.size && self.outcome_cells(a) == self.outcome_cells(b)
    }

    /// Add a run's draws to the cells without finding each outcome: in each
    /// lane, the number of the run's parts whose word is at or above their
    /// threshold t is the number whose outcome is beyond t, and consecutive
    /// differences of these are the outcomes' counts. Each threshold's count
    /// stays in registers over the whole run.
    #[inline(always)]
    fn count_run(&self, lanes: impl Lanes, run: &Run, words: &[Lane], cells: &mut [Lane]) {
        let part = &self.parts[run.first_part];
        let words = &words[run.first_part..run.first_part + run.len];
        let outcome_cells = self.outcome_cells(part);
        let mut at_or_beyond = [run.len as u32; LANES];
        let thresholds = &self.run_thresholds[run.first_threshold..];
        for (o, thresholds) in thresholds
            .chunks_exact(run.len)
            .take(part.outcomes - 1)
            .enumerate()
        {
            let beyond = lanes.count_at_least(thresholds, words);
            let counts = &mut cells[outcome_cells[o] as usize];
            for l in 0..LANES {
                counts[l] += at_or_beyond[l] - beyond[l];
            }
            at_or_beyond = beyond;
        }
        let counts = &mut cells[outcome_cells[part.outcomes - 1] as usize];
        for l in 0..LANES {
            counts[l] += at_or_beyond[l];
        }
    }

    /// The outcome of `part` in each lane (twin of `sample_outcome`).
    #[inline(always)]
    fn outcomes(&self, part: &LanePart, r: &Lane) -> [u32; LANES] {
        let thresholds = self.thresholds(part);
        let mut o = [0u32; LANES];
        if part.outcomes <= LINEAR_SEARCH_MAX_OUTCOMES {
            for &t in thresholds {
                for l in 0..LANES {
                    o[l] += u32::from(t <= r[l]);
                }
            }
        } else {
            for l in 0..LANES {
                o[l] = thresholds.partition_point(|&t| t <= r[l]) as u32;
            }
        }
        o
    }

    /// Draw part `p`'s outcome in each lane and add it to the cells and the
    /// table index.
    #[inline(always)]
    fn draw_part(&self, p: usize, r: &Lane, cells: &mut [Lane], table_index: &mut [u32; LANES]) {
        let part = &self.parts[p];
        let o = self.outcomes(part, r);
        let outcome_cells = self.outcome_cells(part);
        if part.outcomes <= LINEAR_SEARCH_MAX_OUTCOMES {
            // One-hot: each outcome's cells gain 1 in the lanes that drew it.
            for (outcome, players) in outcome_cells.chunks_exact(part.size).enumerate() {
                for &cell in players {
                    let counts = &mut cells[cell as usize];
                    for l in 0..LANES {
                        counts[l] += u32::from(o[l] == outcome as u32);
                    }
                }
            }
        } else {
            for (l, &o) in o.iter().enumerate() {
                for &cell in &outcome_cells[o as usize * part.size..][..part.size] {
                    cells[cell as usize][l] += 1;
                }
            }
        }
        if self.flat.config.family == family_id::TABLE {
            for l in 0..LANES {
                table_index[l] =
                    table_index[l].wrapping_add(self.table_steps[part.first_step + o[l] as usize]);
            }
        }
    }

    /// Draw samples `first .. first + LANES`: `cells[cell][lane]` are the
    /// coalition counts (cell `coalition * k + action`), lanes contiguous so
    /// that one vector operation updates a cell in every lane. `words` holds
    /// each part's Philox word per lane.
    #[inline(always)]
    fn draw(
        &self,
        lanes: impl Lanes,
        seed: u64,
        first: u64,
        words: &mut [Lane],
        cells: &mut [Lane],
        table_index: &mut [u32; LANES],
    ) {
        let key = [seed as u32, (seed >> 32) as u32];
        // Lanes past the last sample are drawn and discarded; wrapping keeps
        // their indices defined even next to u64::MAX.
        let index: [u64; LANES] = std::array::from_fn(|l| first.wrapping_add(l as u64));
        let lo = index.map(|i| i as u32);
        let hi = index.map(|i| (i >> 32) as u32);
        for (group, group_words) in words.chunks_mut(4).enumerate() {
            let drawn = lanes.philox(lo, hi, group as u32, key);
            group_words.copy_from_slice(&drawn[..group_words.len()]);
        }
        for (cell, &base) in cells.iter_mut().zip(&self.base_cells) {
            *cell = [base; LANES];
        }
        *table_index = [self.flat.config.base_table_index; LANES];
        for run in &self.runs {
            self.count_run(lanes, run, words, cells);
        }
        for &p in &self.singles {
            self.draw_part(p, &words[p], cells, table_index);
        }
    }
}

/// Every lane's coalition shares `r[x][j][lane]` at once, for the families
/// whose per-action shares have a closed form (plurality, proportional,
/// congestion): the same operations, in the same order, as the family twins
/// and `coalition_share` apply to one lane (so the same bits). `false` for
/// the others, valued lane by lane.
#[inline(always)]
fn lane_shares(flat: &FlatPlan, cells: &[Lane], r: &mut [[f64; LANES]]) -> bool {
    let c = &flat.config;
    let (k, m, states) = (c.actions as usize, c.coalitions as usize, c.states as usize);
    let family = c.family;
    if !matches!(
        family,
        family_id::PLURALITY | family_id::PROPORTIONAL | family_id::CONGESTION
    ) {
        return false;
    }
    let mut counts = [[0u32; LANES]; crate::model::limits::MAX_ACTIONS];
    for (b, total) in counts.iter_mut().enumerate().take(k) {
        for j in 0..m {
            let cell = &cells[j * k + b];
            for l in 0..LANES {
                total[l] += cell[l];
            }
        }
    }
    let counts = &counts[..k];
    let mut h = [[0.0f64; LANES]; crate::model::limits::MAX_ACTIONS];
    for x in 0..states {
        let params = &flat.reals[(c.family_params + x as u32 * c.actions) as usize..];
        match family {
            family_id::PLURALITY => {
                // The first most played action gets 1 / its count.
                let mut top = [0usize; LANES];
                let mut most = counts[0];
                for (b, count) in counts.iter().enumerate() {
                    for l in 0..LANES {
                        if count[l] > most[l] {
                            top[l] = b;
                            most[l] = count[l];
                        }
                    }
                }
                for (b, h) in h.iter_mut().enumerate().take(k) {
                    for l in 0..LANES {
                        h[l] = if top[l] == b {
                            1.0 / f64::from(most[l])
                        } else {
                            0.0
                        };
                    }
                }
            }
            family_id::PROPORTIONAL => {
                let mut total = [0.0f64; LANES];
                for (count, &w) in counts.iter().zip(params) {
                    for l in 0..LANES {
                        total[l] += f64::from(count[l]) * w;
                    }
                }
                for (h, &w) in h.iter_mut().zip(params).take(k) {
                    for l in 0..LANES {
                        h[l] = w / total[l];
                    }
                }
            }
            _ => {
                let mut total = [0.0f64; LANES];
                for (count, &v) in counts.iter().zip(params) {
                    for l in 0..LANES {
                        if count[l] > 0 {
                            total[l] += v;
                        }
                    }
                }
                for ((h, count), &v) in h.iter_mut().zip(counts).zip(params) {
                    for l in 0..LANES {
                        h[l] = if count[l] > 0 {
                            v / f64::from(count[l]) / total[l]
                        } else {
                            0.0
                        };
                    }
                }
            }
        }
        for j in 0..m {
            let share = &mut r[x * m + j];
            *share = [0.0; LANES];
            for b in 0..k {
                let n = &cells[j * k + b];
                for l in 0..LANES {
                    share[l] += f64::from(n[l]) * h[b][l];
                }
            }
        }
    }
    true
}

/// The same sums as [`crate::cpu::sample::sample`] (the `sample` kernel's
/// twin), bit for bit: Σ y per slot, then Σ y² per slot, over samples
/// `first .. first + count`, 16 at a time.
pub fn sample_lanes(flat: &FlatPlan, seed: u64, first: u64, count: u64) -> Vec<f64> {
    #[cfg(target_arch = "x86_64")]
    {
        if let Some(lanes) = super::lanes::Avx2::detect() {
            // SAFETY: the CPU has AVX2.
            return unsafe { sample_avx2(lanes, flat, seed, first, count) };
        }
    }
    sample_with(Portable, flat, seed, first, count)
}

/// [`sample`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn sample_avx2(
    lanes: super::lanes::Avx2,
    flat: &FlatPlan,
    seed: u64,
    first: u64,
    count: u64,
) -> Vec<f64> {
    sample_with(lanes, flat, seed, first, count)
}

#[inline(always)]
fn sample_with(lanes: impl Lanes, flat: &FlatPlan, seed: u64, first: u64, count: u64) -> Vec<f64> {
    let c = &flat.config;
    let mut acc = vec![0.0; 2 * c.slots as usize];
    let parts = LaneParts::new(flat);
    let mut words = vec![[0u32; LANES]; parts.parts.len()];
    let mut cells = vec![[0u32; LANES]; parts.base_cells.len()];
    let mut lane_cells = vec![0u32; parts.base_cells.len()];
    let mut table_index = [0u32; LANES];
    let mut shares = vec![[0.0f64; LANES]; c.states as usize * c.coalitions as usize];
    let mut profile = ProfileState::new(flat);
    let end = first + count;
    let mut batch = first;
    while batch < end {
        parts.draw(lanes, seed, batch, &mut words, &mut cells, &mut table_index);
        let valid = (end - batch).min(LANES as u64) as usize;
        if lane_shares(flat, &cells, &mut shares) {
            // Added in the kernel's order: sample by sample, then state by
            // state, then coalition by coalition.
            let (m, states) = (c.coalitions as usize, c.states as usize);
            let slots = c.slots as usize;
            for l in 0..valid {
                for (slot, share) in shares.iter().enumerate() {
                    let (x, j) = (slot / m, slot % m);
                    let y = share[l];
                    acc[j * states + x] += y;
                    acc[slots + j * states + x] += y * y;
                }
            }
            batch += LANES as u64;
            continue;
        }
        for l in 0..valid {
            for (dst, cell) in lane_cells.iter_mut().zip(&cells) {
                *dst = cell[l];
            }
            profile.set_counts(&lane_cells, table_index[l]);
            profile.profile_changed();
            accumulate_sample(&mut profile, &mut acc);
        }
        batch += LANES as u64;
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::policy::Policy;
    use crate::model::problem::{Coalition, Problem};
    use crate::plan::Plan;
    use crate::spec::generate::{random_game, random_joint, random_marginals};
    use rand::SeedableRng;

    /// The AVX2 build (where this CPU has it) gives the sums of the portable
    /// one and of the plain twin, bit for bit: runs, single parts, a joint part and a table game.
    #[test]
    fn avx2_portable_and_plain_twin_give_the_same_sums() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let mut problems = Vec::new();
        for family in ["plurality", "proportional", "table"] {
            let game = random_game(&mut rng, family, 7, 3, 2).unwrap();
            let coalitions = vec![
                Coalition::new(vec![0, 1, 2], Policy::Uniform),
                Coalition::new(
                    vec![3, 4],
                    Policy::Independent {
                        marginals: random_marginals(&mut rng, 2, 3),
                    },
                ),
                Coalition::new(vec![5, 6], random_joint(&mut rng, 2, 3)),
            ];
            problems.push(Problem::new(7, 3, game, coalitions).unwrap());
        }
        for problem in &problems {
            let flat = FlatPlan::new(problem, &Plan::new(problem)).unwrap();
            let portable = sample_with(Portable, &flat, 5, 3, 45);
            assert_eq!(sample_lanes(&flat, 5, 3, 45), portable);
            assert_eq!(crate::cpu::sample::sample(&flat, 5, 3, 45), portable);
            #[cfg(target_arch = "x86_64")]
            if let Some(lanes) = super::super::lanes::Avx2::detect() {
                // SAFETY: the CPU has AVX2.
                assert_eq!(unsafe { sample_avx2(lanes, &flat, 5, 3, 45) }, portable);
            }
        }
    }
}
