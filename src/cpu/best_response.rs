//! Twin of `shaders/best_response.wgsl` (keep in sync; its walk is
//! `shaders/simplex.wgsl`'s, twin [`crate::cpu::simplex`]): the double oracle's
//! best-response pass over one side's simplex of count vectors against the
//! other side's mix, cut as the kernel cuts it (threads of `per_thread`
//! consecutive items, workgroups of [`WORKGROUP_SIZE`] threads), each
//! workgroup's first best (value, item), the items it processed and the mix
//! entries it evaluated, in f64.
//!
//! Items are skipped as the CPU passes skip them (`src/guarantee/passes.rs`):
//! an item is abandoned once its partial sum plus `tail[e + 1]`, the most
//! entries `e + 1..` can add, is below the thread's best so far or the
//! floor. The tail is widened, and the floor lowered, by `slack` (the
//! kernel's error bound, [`pass_data`]), so that an item the kernel abandons
//! is below a value it kept or below the floor's item even in f32; the
//! answer, each workgroup's best, is the one without skipping.
//!
//! [`pass_data`] lays out what the kernel reads after the plan's own words
//! and reals (the simplex's binomials, the mix); the GPU's host side
//! (`src/gpu/best_response.rs`) uploads exactly these, and recomputes the
//! partials it keeps with [`scan`].

use bytemuck::{Pod, Zeroable};

use crate::cpu::families::{action_shares, anonymous_ranks};
use crate::guarantee::Simplex;
use crate::model::limits::{MAX_ACTIONS, WORKGROUP_SIZE};
use crate::plan::{family_id, FlatPlan};

/// Must be kept in sync with `PassParams` in shaders/best_response.wgsl
/// (checked by a naga reflection test).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, Pod, Zeroable, PartialEq, Eq)]
pub struct PassParams {
    /// Players of the walked side.
    pub total: u32,
    /// Count vectors of the walked side, `C(total + k − 1, k − 1)`.
    pub len: u32,
    /// This dispatch's first item (`x * len + rank`).
    pub first: u32,
    /// This dispatch's items.
    pub count: u32,
    /// Items per thread.
    pub per_thread: u32,
    /// Mix entries.
    pub entries: u32,
    /// 1 when the walked vector is the coalition's N, 0 the others' M.
    pub walks_coalition: u32,
    /// Word offset of the simplex's binomials `C(a, b)` at `a * k + b`.
    pub simplex_binom: u32,
    /// Word offset of the mix's count vectors (k words each).
    pub mix_counts: u32,
    /// Word offset of the mix's states.
    pub mix_states: u32,
    /// Real offset of the mix's weights (negated for the worst reply).
    pub mix_weights: u32,
    /// Real offset of the tail table: `entries + 1` reals, `tail[e]` at
    /// least what entries `e..` can add.
    pub mix_tail: u32,
    /// Real offset of the floor: items provably below it are skipped.
    pub floor: u32,
    /// This dispatch's first partial.
    pub partial_base: u32,
}

/// One side's mix as the pass reads it: per entry a count vector, a state
/// and a weight.
#[derive(Clone, Debug, Default)]
pub struct PassMix {
    /// Count vectors, k words each.
    pub counts: Vec<u32>,
    /// States (read when the coalition is walked).
    pub states: Vec<u32>,
    /// Weights, negated for the worst reply (the pass maximises).
    pub weights: Vec<f64>,
}

/// A workgroup's partial: its first best value and item, how many items it
/// processed and how many mix entries it evaluated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Partial {
    /// The best value (of `item`).
    pub value: f64,
    /// The best item, `x * len + rank` (`u32::MAX` when none).
    pub item: u32,
    /// Items the workgroup processed.
    pub done: u32,
    /// Mix entries evaluated over those items (`done × entries` without
    /// skipping).
    pub evaluated: u32,
}

/// No floor: below every item's value (sums of weights of at most 1 in
/// absolute value), and finite in f32.
pub const NO_FLOOR: f64 = -1e30;

/// What the kernel reads after the plan's words and reals, and the pass's
/// parameters (all but the per-dispatch `first`, `count`, `per_thread` and
/// `partial_base`): `flat`'s words followed by `simplex`'s binomials
/// (saturated to u32: the entries the walk reads are at most its length),
/// the mix's count vectors and states; `flat`'s reals followed by the
/// weights, the tail table and the floor ([`NO_FLOOR`]; [`set_floor`]).
///
/// `tail[e]` is what the CPU's best strategy uses (`passes::tail`: each
/// positive weight times the payoff ceiling, plus a rounding term per
/// addition) plus `2 slack`: one `slack` for the kernel's error on the
/// partial sum, one for the tail's own rounding to the kernel's reals and
/// the comparison's (both far below the error bound).
pub fn pass_data(
    flat: &FlatPlan,
    simplex: &Simplex,
    walks_coalition: bool,
    mix: &PassMix,
    slack: f64,
) -> (PassParams, Vec<u32>, Vec<f64>) {
    let k = simplex.actions();
    let mut words = flat.words.clone();
    let simplex_binom = words.len() as u32;
    words.extend(crate::cpu::simplex::simplex_binomials(simplex.total(), k));
    let mix_counts = words.len() as u32;
    words.extend_from_slice(&mix.counts);
    let mix_states = words.len() as u32;
    words.extend_from_slice(&mix.states);
    let mut reals = flat.reals.clone();
    let mix_weights = reals.len() as u32;
    reals.extend_from_slice(&mix.weights);
    let mix_tail = reals.len() as u32;
    let positive: Vec<f64> = mix.weights.iter().map(|w| w.max(0.0)).collect();
    reals.extend(
        crate::guarantee::passes::tail(&positive)
            .iter()
            .map(|t| t + 2.0 * slack),
    );
    let floor = reals.len() as u32;
    reals.push(NO_FLOOR);
    let params = PassParams {
        total: simplex.total(),
        len: u32::try_from(simplex.len()).unwrap_or(u32::MAX),
        entries: mix.weights.len() as u32,
        walks_coalition: u32::from(walks_coalition),
        simplex_binom,
        mix_counts,
        mix_states,
        mix_weights,
        mix_tail,
        floor,
        ..Default::default()
    };
    (params, words, reals)
}

/// Sets the floor of `pass_data`'s reals to `value − 4 slack`, `value` an
/// item's value by [`scan`] (so an item the kernel skips for it is below
/// that item, see `pass_data`).
pub fn set_floor(p: &PassParams, reals: &mut [f64], value: f64, slack: f64) {
    reals[p.floor as usize] = value - 4.0 * slack;
}

/// Twin of `item_value`: `Σ_e w_e f(walked, entry e)` in the mix's order,
/// `None` once the partial sum plus `tail[e + 1]` is below `threshold`; and
/// the entries evaluated.
#[allow(
    clippy::too_many_arguments,
    reason = "the kernel's inputs, as it reads them"
)]
fn item_value(
    flat: &FlatPlan,
    p: &PassParams,
    words: &[u32],
    reals: &[f64],
    walked: &[u32],
    x: u32,
    threshold: f64,
) -> (Option<f64>, u32) {
    let k = walked.len();
    let coalition = p.walks_coalition == 1;
    let (mut counts, mut ranks, mut h) =
        ([0u32; MAX_ACTIONS], [0u32; MAX_ACTIONS], [0.0; MAX_ACTIONS]);
    let tail = &reals[p.mix_tail as usize..][..p.entries as usize + 1];
    let mut sum = 0.0;
    for e in 0..p.entries as usize {
        let m = &words[p.mix_counts as usize + e * k..][..k];
        for b in 0..k {
            counts[b] = walked[b] + m[b];
        }
        if flat.config.family == family_id::ANONYMOUS {
            anonymous_ranks(flat, &counts[..k], &mut ranks[..k]);
        }
        let state = if coalition {
            words[p.mix_states as usize + e]
        } else {
            x
        };
        action_shares(flat, state, &counts[..k], &ranks[..k], &mut h[..k]);
        let mut f = 0.0;
        for b in 0..k {
            let own = if coalition { walked[b] } else { m[b] };
            f += f64::from(own) * h[b];
        }
        sum += reals[p.mix_weights as usize + e] * f;
        if sum + tail[e + 1] < threshold {
            return (None, e as u32 + 1);
        }
    }
    (Some(sum), p.entries)
}

/// Twin of one thread's walk: the first best (value, item) of the `items`
/// items from `item` on (`None` when there are none or every one was
/// skipped), and the mix entries evaluated. An item skipped for the floor
/// is below the floor's item; one skipped for the best so far is below
/// that best: the best, when some item reaches the floor, is the one
/// without skipping.
#[allow(
    clippy::too_many_arguments,
    reason = "the kernel's inputs, as it reads them"
)]
pub fn walk(
    flat: &FlatPlan,
    p: &PassParams,
    words: &[u32],
    reals: &[f64],
    simplex: &Simplex,
    item: u32,
    items: u32,
) -> (Option<(f64, u32)>, u32) {
    if items == 0 {
        return (None, 0);
    }
    let k = simplex.actions();
    let mut walked = [0u32; MAX_ACTIONS];
    let walked = &mut walked[..k];
    let mut x = item / p.len;
    simplex.unrank(u64::from(item % p.len), walked);
    let floor = reals[p.floor as usize];
    let mut best: Option<(f64, u32)> = None;
    let mut evaluated = 0;
    for i in 0..items {
        if i > 0 && !simplex.advance(walked) {
            x += 1;
            walked.fill(0);
            walked[k - 1] = p.total;
        }
        let threshold = best.map_or(floor, |(b, _)| floor.max(b));
        let (v, e) = item_value(flat, p, words, reals, walked, x, threshold);
        evaluated += e;
        if let Some(v) = v {
            if best.is_none_or(|(b, _)| v > b) {
                best = Some((v, item + i));
            }
        }
    }
    (best, evaluated)
}

/// [`walk`]'s best: the host's recomputation of a workgroup's items.
pub fn scan(
    flat: &FlatPlan,
    p: &PassParams,
    words: &[u32],
    reals: &[f64],
    simplex: &Simplex,
    item: u32,
    items: u32,
) -> Option<(f64, u32)> {
    walk(flat, p, words, reals, simplex, item, items).0
}

/// Twin of `beats`: whether `a` beats `b` (larger, ties to the lower item).
fn beats(a: &Partial, b: &Partial) -> bool {
    a.item != u32::MAX
        && (b.item == u32::MAX || a.value > b.value || (a.value == b.value && a.item < b.item))
}

/// Twin of `best_response`: the partials of one dispatch's `workgroups`
/// workgroups (each a fixed tree over its threads, as the kernel's).
pub fn best_response(
    flat: &FlatPlan,
    p: &PassParams,
    words: &[u32],
    reals: &[f64],
    simplex: &Simplex,
    workgroups: u32,
) -> Vec<Partial> {
    let size = WORKGROUP_SIZE as u32;
    (0..workgroups)
        .map(|wid| {
            let mut group: Vec<Partial> = (0..size)
                .map(|lid| {
                    let offset = (wid * size + lid) * p.per_thread;
                    let items = if offset < p.count {
                        p.per_thread.min(p.count - offset)
                    } else {
                        0
                    };
                    let (best, evaluated) =
                        walk(flat, p, words, reals, simplex, p.first + offset, items);
                    let (value, item) = best.unwrap_or((0.0, u32::MAX));
                    Partial {
                        value,
                        item,
                        done: items,
                        evaluated,
                    }
                })
                .collect();
            let mut stride = size / 2;
            while stride > 0 {
                for lid in 0..stride as usize {
                    let other = group[lid + stride as usize];
                    if beats(&other, &group[lid]) {
                        group[lid].value = other.value;
                        group[lid].item = other.item;
                    }
                    group[lid].done += other.done;
                    group[lid].evaluated += other.evaluated;
                }
                stride /= 2;
            }
            group[0]
        })
        .collect()
}
