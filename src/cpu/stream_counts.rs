//! Twin of `shaders/stream_counts.wgsl` (keep in sync), in f64: the counts
//! method's streamed pass ([`crate::counts::stream`]) in the general group +
//! rest form, as the kernel computes it. Every cell G of the group's simplex
//! (c players over the d actions its marginal reaches, walked in rank order
//! as `shaders/simplex.wgsl` walks it) has the weight
//! `w̃(G) = Π_a E_a[G_a]` with the host's tables `E_a[x] = exp(D_a[x]) ≤ 1`
//! (no `exp` or `log` in the kernel: WGSL has none in f64 on Vulkan); a
//! cell with `w̃ < e^−80` is skipped by the same test on both sides. A kept
//! cell adds `w̃` to the mass and, for every rest total T and state x, with
//! `h = h(x, G + T)`: `w̃ · (c_j/c) P(T) · Σ_b G_b h_b` to each group
//! coalition's slot and `w̃ · W_j(T)_b · h_b` to each rest entry's. The host
//! divides the slots by the mass.
//!
//! [`stream_data`] lays out what the kernel reads after the plan's words and
//! reals (a header, the simplex's binomials, the tables, the rest); the
//! GPU's host side (`src/gpu/stream_counts.rs`) uploads exactly these.

use crate::cpu::families::{action_shares, anonymous_ranks};
use crate::cpu::simplex::{simplex_binomials, Simplex};
use crate::model::limits::MAX_ACTIONS;
use crate::plan::{family_id, FlatPlan};

/// Word offsets of the header's fields (from the header's own offset). Must
/// be kept in sync with the `STREAM_*` constants in
/// shaders/stream_counts.wgsl.
pub mod field {
    /// Players in the group, c.
    pub const COPIES: usize = 0;
    /// Axes of the group's simplex, d (the actions its marginal reaches).
    pub const AXES: usize = 1;
    /// Rest totals.
    pub const TOTALS: usize = 2;
    /// Word offset of the simplex's binomials (d positions).
    pub const BINOM: usize = 3;
    /// Word offset of each axis's action (d words).
    pub const AXIS_ACTIONS: usize = 4;
    /// Word offset of the rest totals' counts (k words each).
    pub const REST_COUNTS: usize = 5;
    /// Word offset of each total's first group entry (totals + 1 words).
    pub const GROUP_START: usize = 6;
    /// Word offset of the group entries' coalitions.
    pub const GROUP_COALITION: usize = 7;
    /// Word offset of each total's first rest entry (totals + 1 words).
    pub const REST_START: usize = 8;
    /// Word offset of the rest entries' slots `j * k + b`.
    pub const REST_SLOT: usize = 9;
    /// Real offset of the tables `E_a[x]` at `a * (c + 1) + x`.
    pub const TABLES: usize = 10;
    /// Real offset of the group entries' `(c_j/c) P(T)`.
    pub const GROUP_COEF: usize = 11;
    /// Real offset of the rest entries' `W_j(T)_b`.
    pub const REST_VALUE: usize = 12;
    /// Real index of the cutoff `e^−80`.
    pub const CUTOFF: usize = 13;
    /// Words in the header.
    pub const WORDS: usize = 14;
}

/// One total T of the rest: its counts, `(j, (c_j/c) P(T))` for each group
/// coalition and `(j, b, W_j(T)_b)` for each nonzero rest entry.
#[derive(Clone, Debug)]
pub struct RestTotal {
    /// The rest's counts per action.
    pub counts: Vec<u32>,
    /// The group coalitions' coefficients.
    pub group: Vec<(usize, f64)>,
    /// The rest coalitions' expected counts with T.
    pub rest: Vec<(usize, usize, f64)>,
}

/// The streamed pass as the kernel takes it (from
/// `StreamPlan::kernel_input`).
#[derive(Clone, Debug)]
pub struct StreamInput {
    /// Players in the group, c.
    pub copies: u32,
    /// The actions the group's marginal reaches (the simplex's axes).
    pub axes: Vec<usize>,
    /// `E_a[x] = exp(D_a[x])` per axis, `c + 1` each.
    pub tables: Vec<Vec<f64>>,
    /// The rest's totals.
    pub rest: Vec<RestTotal>,
    /// The smallest weight summed, `e^−80`.
    pub cutoff: f64,
}

impl StreamInput {
    /// Cells of the group's simplex, `C(c + d − 1, d − 1)` (saturating).
    pub fn cells(&self) -> u64 {
        crate::counts::vectors::count_vectors(u64::from(self.copies), self.axes.len() as u64)
    }
}

/// What the kernel reads: `flat`'s words and reals followed by the
/// stream's, and the header's word offset.
#[derive(Clone, Debug)]
pub struct StreamData {
    /// The plan's words, then the header and the stream's words.
    pub words: Vec<u32>,
    /// The plan's reals, then the stream's.
    pub reals: Vec<f64>,
    /// Word offset of the header.
    pub header: u32,
}

/// Lay out `input` after `flat`'s words and reals (see [`field`]).
pub fn stream_data(flat: &FlatPlan, input: &StreamInput) -> StreamData {
    let k = flat.config.actions as usize;
    let mut words = flat.words.clone();
    let mut reals = flat.reals.clone();
    let header = words.len();
    words.resize(header + field::WORDS, 0);
    // Field f holds `v`; `here` marks where the words next pushed start.
    let set = |words: &mut Vec<u32>, f: usize, v: usize| words[header + f] = v as u32;
    let here = |words: &mut Vec<u32>, f: usize| set(words, f, words.len());
    set(&mut words, field::COPIES, input.copies as usize);
    set(&mut words, field::AXES, input.axes.len());
    set(&mut words, field::TOTALS, input.rest.len());
    here(&mut words, field::BINOM);
    words.extend(simplex_binomials(input.copies, input.axes.len()));
    here(&mut words, field::AXIS_ACTIONS);
    words.extend(input.axes.iter().map(|&a| a as u32));
    here(&mut words, field::REST_COUNTS);
    for total in &input.rest {
        words.extend_from_slice(&total.counts[..k]);
    }
    // Each total's first entry, then one past the last.
    let starts = |lens: Vec<usize>| {
        std::iter::once(0)
            .chain(lens.into_iter().scan(0, |at, l| {
                *at += l;
                Some(*at)
            }))
            .map(|v| v as u32)
            .collect::<Vec<u32>>()
    };
    here(&mut words, field::GROUP_START);
    words.extend(starts(input.rest.iter().map(|t| t.group.len()).collect()));
    here(&mut words, field::GROUP_COALITION);
    let group = input.rest.iter().flat_map(|t| &t.group);
    words.extend(group.clone().map(|&(j, _)| j as u32));
    set(&mut words, field::GROUP_COEF, reals.len());
    reals.extend(group.map(|&(_, coef)| coef));
    here(&mut words, field::REST_START);
    words.extend(starts(input.rest.iter().map(|t| t.rest.len()).collect()));
    here(&mut words, field::REST_SLOT);
    let rest = input.rest.iter().flat_map(|t| &t.rest);
    words.extend(rest.clone().map(|&(j, b, _)| (j * k + b) as u32));
    set(&mut words, field::REST_VALUE, reals.len());
    reals.extend(rest.map(|&(_, _, v)| v));
    set(&mut words, field::TABLES, reals.len());
    for table in &input.tables {
        reals.extend_from_slice(table);
    }
    set(&mut words, field::CUTOFF, reals.len());
    reals.push(input.cutoff);
    StreamData {
        words,
        reals,
        header: header as u32,
    }
}

/// The header's fields, read once.
struct Header {
    fields: [usize; field::WORDS],
}

impl Header {
    fn read(words: &[u32], header: u32) -> Header {
        let mut fields = [0; field::WORDS];
        for (f, v) in fields.iter_mut().enumerate() {
            *v = words[header as usize + f] as usize;
        }
        Header { fields }
    }

    fn get(&self, f: usize) -> usize {
        self.fields[f]
    }
}

/// Twin of `cell_weight`: `Π_a E_a[G_a]`, axis by axis.
fn cell_weight(h: &Header, reals: &[f64], walked: &[u32]) -> f64 {
    let (tables, stride) = (h.get(field::TABLES), h.get(field::COPIES) + 1);
    let mut w = 1.0;
    for (i, &g) in walked.iter().enumerate() {
        w *= reals[tables + i * stride + g as usize];
    }
    w
}

/// Twin of `accumulate_cell`: a kept cell's terms added to `acc` (slot
/// `j * states + x`, the mass last).
fn accumulate_cell(
    flat: &FlatPlan,
    h: &Header,
    data: (&[u32], &[f64]),
    walked: &[u32],
    w: f64,
    acc: &mut [f64],
) {
    let (words, reals) = data;
    let (k, states) = (flat.config.actions as usize, flat.config.states as usize);
    acc[flat.config.coalitions as usize * states] += w;
    let mut group = [0u32; MAX_ACTIONS];
    for (i, &g) in walked.iter().enumerate() {
        group[words[h.get(field::AXIS_ACTIONS) + i] as usize] = g;
    }
    let (mut counts, mut ranks, mut share) = (
        [0u32; MAX_ACTIONS],
        [0u32; MAX_ACTIONS],
        [0.0f64; MAX_ACTIONS],
    );
    for t in 0..h.get(field::TOTALS) {
        for b in 0..k {
            counts[b] = group[b] + words[h.get(field::REST_COUNTS) + t * k + b];
        }
        if flat.config.family == family_id::ANONYMOUS {
            anonymous_ranks(flat, &counts[..k], &mut ranks[..k]);
        }
        let group_entries = words[h.get(field::GROUP_START) + t] as usize
            ..words[h.get(field::GROUP_START) + t + 1] as usize;
        let rest_entries = words[h.get(field::REST_START) + t] as usize
            ..words[h.get(field::REST_START) + t + 1] as usize;
        for x in 0..states {
            action_shares(flat, x as u32, &counts[..k], &ranks[..k], &mut share[..k]);
            let mut gh = 0.0;
            for b in 0..k {
                gh += f64::from(group[b]) * share[b];
            }
            for e in group_entries.clone() {
                let j = words[h.get(field::GROUP_COALITION) + e] as usize;
                acc[j * states + x] += w * reals[h.get(field::GROUP_COEF) + e] * gh;
            }
            for e in rest_entries.clone() {
                let slot = words[h.get(field::REST_SLOT) + e] as usize;
                acc[(slot / k) * states + x] +=
                    w * reals[h.get(field::REST_VALUE) + e] * share[slot % k];
            }
        }
    }
}

/// Twin of one thread's walk: the sums (slots, then the mass) of the
/// `count` cells from rank `first` on.
pub fn stream_counts(
    flat: &FlatPlan,
    words: &[u32],
    reals: &[f64],
    header: u32,
    first: u64,
    count: u64,
) -> Vec<f64> {
    let h = Header::read(words, header);
    let d = h.get(field::AXES);
    let mut acc = vec![0.0; flat.config.slots as usize + 1];
    if count == 0 {
        return acc;
    }
    let simplex = Simplex::new(h.get(field::COPIES) as u32, d);
    let mut walked = [0u32; MAX_ACTIONS];
    let walked = &mut walked[..d];
    simplex.unrank(first, walked);
    let cutoff = reals[h.get(field::CUTOFF)];
    for t in 0..count {
        if t > 0 {
            simplex.advance(walked);
        }
        let w = cell_weight(&h, reals, walked);
        if w >= cutoff {
            accumulate_cell(flat, &h, (words, reals), walked, w, &mut acc);
        }
    }
    acc
}
