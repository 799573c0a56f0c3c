//! The counts method as one streamed pass over the count simplex of a
//! *group*: the c players (of one coalition or several) who all play one
//! marginal p, beside a *rest* whose total counts T take few values (a
//! deviator, a few fixed or mixed players, a `common` block). The group's
//! counts G are `Mult(c, p)` and its members are exchangeable, so given G
//! coalition j's expected count of b in the group is `(c_j / c) G_b`:
//!
//! `r_j(x) = Σ_T Σ_G Mult(G) [ (c_j/c) P(T) Σ_b G_b h_b(x, G+T)
//!                             + Σ_b W_j(T)_b h_b(x, G+T) ]`
//!
//! with `W_j(T)_b = E[s_jb 1{S = T}]` (s_j: coalition j's counts in the
//! rest). Nothing is tabulated: the weights stream along each row of the
//! simplex by ratios of neighbours, the shares come from the family at
//! each cell, and memory is O(c + the rest's support).
//!
//! Scaling: weights are kept relative to the per-axis modes m_a = ⌊c p_a⌋,
//! `w̃(G) = exp(Σ_a D_a[G_a])` with `D_a[x] = ln(p_a^x m_a! / (p_a^m_a x!))
//! + (x − m_a) ln c` summed outward from m_a (every term has one sign, so
//! nothing cancels, and D_a ≤ 0). The common factor between w̃ and the
//! multinomial cancels: every sum is divided by `Σ w̃` at the end. Each row
//! (the last two axes) is a binomial: its mode is anchored by `exp` and the
//! rest follows by ratios of neighbours, each ≤ 3 roundings. A cell whose
//! w̃ is below e^−80 (1.8e−35 of the mode's scale) is skipped, and with it
//! everything further out (w̃ is unimodal along every axis), so nothing
//! underflows into a sum: the skipped mass is at most `cells · e^−79 / Σ w̃`,
//! about 1e−27 at n = 1000, k = 4. Every term is ≥ 0: rounding is relative,
//! at most `(k (n + 320) + 3n + 8) u` per weight (anchors and ratio steps)
//! and `(n + 4) u` per sum, about 2e−12 at n = 1000 in the worst case.
//!
//! A one-player rest (a deviator) takes the *lifted* pass instead: one pass
//! over the simplex of c + 1 players gives its sums for every action it
//! could take ([`UnitSums`], kept between evaluations), where the group's
//! share is a difference of two such sums: its rounding is absolute, about
//! `(c + 4) u` (see `StreamPlan::sum_lifted`).

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::counts::part_types::PartType;
use crate::counts::vectors::count_vectors;
use crate::model::limits::MAX_ACTIONS;
use crate::plan::{family_id, FlatPlan};
use crate::watch::Watch;

/// Most distinct rest totals the route takes (each is one more pass's
/// worth of share evaluations over the group's simplex).
const MAX_REST_SUPPORT: usize = 1 << 12;

/// Most cells the pass may visit (by [`StreamPlan::kept_cells`]'s
/// estimate): about an hour of work on two cores; beyond it the route is
/// refused, not run.
pub(crate) const MAX_STREAM_CELLS: f64 = 1e12;

/// ln of the smallest relative weight summed (see the module's doc).
const LOG_CUTOFF: f64 = -80.0;

/// One total T of the rest, with its probability and the expected counts
/// of each coalition in it, `W_j(T)`.
#[derive(Clone, Debug)]
struct RestCell {
    counts: Vec<u32>,
    /// `(j, c_j/c · P(T))` for each coalition with players in the group.
    group: Vec<(usize, f64)>,
    /// `(j, b, W_j(T)_b)`, nonzero entries only.
    rest: Vec<(usize, usize, f64)>,
}

/// The streaming route for one problem.
#[derive(Clone, Debug)]
pub(crate) struct StreamPlan {
    actions: usize,
    states: usize,
    coalitions: usize,
    /// Players in the group.
    copies: u32,
    /// The actions the group's marginal puts mass on, and that mass.
    axes: Vec<usize>,
    mass: Vec<f64>,
    rest: Vec<RestCell>,
    /// Whether this pass sums the lifted form of a one-player rest (see
    /// [`StreamPlan::unit_sums`]): `copies` then counts the group and the
    /// rest's player, and the slots are [`UnitSums`]'.
    lifted: bool,
}

/// A one-player rest's sums for every action b the group's marginal
/// reaches (index i of the group's axes) and state x, at `(x·axes + i)·2`:
/// `U_b(x) = Σ_G Mult(G) h_b(x, G + e_b)` (the rest player's share on b),
/// then `V_b(x) = Σ_G Mult(G) Σ_a G_a h_a(x, G + e_b)` (the group's).
pub(crate) type UnitSums = Vec<f64>;

/// The last one-player rest's sums, under their key (the game, the group's
/// size and marginal): deviation payoffs evaluate the same group against
/// each of the k actions, and one pass gives them all.
pub(crate) type UnitCache = Option<(Vec<u64>, std::sync::Arc<UnitSums>)>;

/// Neumaier's compensated sum: the task and row totals of up to 10^6
/// partial sums keep a few ulps instead of an error growing with the count.
#[derive(Clone, Copy, Default)]
struct Compensated {
    sum: f64,
    carry: f64,
}

impl Compensated {
    fn add(&mut self, v: f64) {
        let t = self.sum + v;
        if self.sum.abs() >= v.abs() {
            self.carry += (self.sum - t) + v;
        } else {
            self.carry += (v - t) + self.sum;
        }
        self.sum = t;
    }

    fn value(self) -> f64 {
        self.sum + self.carry
    }
}

/// Sums of one task: per slot `j * states + x`, then `Σ w̃` last; plain
/// sums of the last few rows (`pending` terms each) flushed into
/// compensated ones.
#[derive(Clone)]
struct Partial {
    sums: Vec<Compensated>,
    plain: Vec<f64>,
    pending: usize,
}

impl Partial {
    fn flush(&mut self) {
        for (s, v) in self.sums.iter_mut().zip(&mut self.plain) {
            s.add(*v);
            *v = 0.0;
        }
        self.pending = 0;
    }
}

impl StreamPlan {
    /// The route when `types` are one group of identical single players
    /// (the largest) and a rest with at most [`MAX_REST_SUPPORT`] totals.
    pub fn new(
        actions: usize,
        states: usize,
        coalitions: usize,
        types: &[PartType],
    ) -> Option<Self> {
        let k = actions;
        let key = |t: &PartType| {
            crate::counts::leave_one_out::marginal_of(t)
                .map(|p| p.iter().map(|v| v.to_bits()).collect::<Vec<_>>())
        };
        // The marginal with the most players.
        let mut players: BTreeMap<Vec<u64>, u32> = BTreeMap::new();
        for t in types {
            if let Some(key) = key(t) {
                *players.entry(key).or_default() += t.copies;
            }
        }
        let (marginal, copies) = players.into_iter().max_by_key(|(_, c)| *c)?;
        let mut in_group = vec![0u32; coalitions];
        let mut rest_types = Vec::new();
        for t in types {
            if key(t).as_ref() == Some(&marginal) {
                in_group[t.coalition] += t.copies;
            } else {
                rest_types.push(t);
            }
        }
        let p: Vec<f64> = marginal.iter().map(|&b| f64::from_bits(b)).collect();
        let axes: Vec<usize> = (0..k).filter(|&a| p[a] > 0.0).collect();
        let rest = rest_support(&rest_types, k, coalitions)?;
        let rest = rest
            .into_iter()
            .map(|(counts, (probability, expected))| RestCell {
                counts,
                group: (0..coalitions)
                    .filter(|&j| in_group[j] > 0)
                    .map(|j| (j, f64::from(in_group[j]) / f64::from(copies) * probability))
                    .collect(),
                rest: (0..coalitions * k)
                    .filter(|&i| expected[i] > 0.0)
                    .map(|i| (i / k, i % k, expected[i]))
                    .collect(),
            })
            .collect();
        Some(StreamPlan {
            actions,
            states,
            coalitions,
            copies,
            mass: axes.iter().map(|&a| p[a]).collect(),
            axes,
            rest,
            lifted: false,
        })
    }

    /// Whether the rest is one player (fixed or mixed) whose actions the
    /// group's marginal all reaches: then `Mult_c(G) = Mult_{c+1}(G + e_b)
    /// · (G_b + 1) / ((c + 1) p_b)`, so one pass over the simplex of c + 1
    /// players, one share evaluation per cell, gives the sums for every
    /// action of the rest's player ([`UnitSums`]).
    fn one_player_rest(&self) -> bool {
        self.rest.iter().all(|cell| {
            cell.counts.iter().sum::<u32>() == 1 && self.axes.iter().any(|&a| cell.counts[a] == 1)
        })
    }

    /// The pass as `shaders/stream_counts.wgsl` takes it: the general
    /// group + rest form (a one-player rest too: the lifted pass stays on
    /// the CPU), with this route's tables `exp(D_a)` and its cutoff.
    pub(crate) fn kernel_input(&self) -> crate::cpu::stream_counts::StreamInput {
        use crate::cpu::stream_counts::{RestTotal, StreamInput};
        debug_assert!(!self.lifted, "the lifted pass stays on the CPU");
        StreamInput {
            copies: self.copies,
            axes: self.axes.clone(),
            tables: Tables::new(self).weight,
            rest: self
                .rest
                .iter()
                .map(|cell| RestTotal {
                    counts: cell.counts.clone(),
                    group: cell.group.clone(),
                    rest: cell.rest.clone(),
                })
                .collect(),
            cutoff: LOG_CUTOFF.exp(),
        }
    }

    /// What `auto` says about the route.
    pub fn describe(&self) -> String {
        format!(
            "one streamed pass over the count simplex of {} players of one marginal ({} totals of the rest)",
            self.copies,
            self.rest.len()
        )
    }

    /// Cells of the group's simplex.
    fn simplex_cells(&self) -> f64 {
        count_vectors(u64::from(self.copies), self.axes.len() as u64) as f64
    }

    /// Cells within the cutoff, by the normal approximation: the ellipsoid
    /// `(x−μ)ᵀ Σ⁻¹ (x−μ) ≤ 2·80` of `d = axes − 1` dimensions, volume
    /// `V_d (160)^(d/2) sqrt(c^d Π p_a)`, at most the whole simplex.
    pub fn kept_cells(&self) -> f64 {
        let d = (self.axes.len() - 1) as f64;
        let ball = std::f64::consts::PI.powf(d / 2.0) / gamma(d / 2.0 + 1.0);
        let det = f64::from(self.copies).powf(d) * self.mass.iter().product::<f64>();
        (ball * (2.0 * -LOG_CUTOFF).powf(d / 2.0) * det.sqrt()).min(self.simplex_cells())
    }

    /// Rough floating-point operations of [`StreamPlan::run`]: per kept
    /// cell, per rest total and state, one evaluation of the family's
    /// shares and the coalitions' dot products (in src/watch.rs's units).
    pub fn estimate_cost(&self) -> f64 {
        let k = self.actions as f64;
        let terms: usize = self
            .rest
            .iter()
            .map(|r| r.group.len() * self.actions + r.rest.len())
            .sum();
        // About 2.4 operations per action and rest total and 0.8 per term
        // (measured: estimate / actual 1.3–2.3 on the deviation rows of
        // `bench --scale`, n = 384–1000 at k = 4, 200 at k = 5, 50 at k = 8).
        let per_cell = if self.one_player_rest() {
            // One share evaluation and two sums per axis (the lifted pass).
            self.states as f64 * (2.4 * k + 3.2 * self.axes.len() as f64)
        } else {
            self.states as f64 * (self.rest.len() as f64 * 2.4 * k + 0.8 * terms as f64)
        };
        self.kept_cells() * (per_cell + 1.6)
    }

    /// Peak memory in bytes: the rest's cells and a row buffer per thread.
    pub fn estimate_bytes(&self) -> u64 {
        let rest = self.rest.len() as u64 * (8 * (self.coalitions * self.actions) as u64 + 64);
        let row = 8 * (u64::from(self.copies) + 1);
        rest + row * (self.axes.len() as u64 + 2 * rayon::current_num_threads() as u64)
    }

    /// Sums per slot `j * states + x`; a one-player rest's sums for every
    /// action come from `cache` when it holds those of the same game and
    /// group (`key`, the game's), and are left there.
    pub fn run(
        &self,
        flat: &FlatPlan,
        key: &[u64],
        cache: &mut UnitCache,
        watch: Watch<'_>,
    ) -> crate::error::Result<Vec<f64>> {
        if !self.one_player_rest() {
            return self.run_pass(flat, watch);
        }
        let key: Vec<u64> = key
            .iter()
            .copied()
            .chain([u64::from(self.copies)])
            .chain(self.axes.iter().map(|&a| a as u64))
            .chain(self.mass.iter().map(|p| p.to_bits()))
            .collect();
        let unit = match cache.take().filter(|(k, _)| *k == key) {
            Some((_, unit)) => unit,
            None => std::sync::Arc::new(self.unit_sums(flat, watch)?),
        };
        *cache = Some((key, unit.clone()));
        Ok(self.sums_of_unit(&unit))
    }

    /// The lifted pass: [`UnitSums`] over the simplex of `copies + 1`
    /// players.
    fn unit_sums(&self, flat: &FlatPlan, watch: Watch<'_>) -> crate::error::Result<UnitSums> {
        let lifted = StreamPlan {
            copies: self.copies + 1,
            coalitions: 2 * self.axes.len(),
            rest: Vec::new(),
            lifted: true,
            ..self.clone()
        };
        lifted.run_pass(flat, watch)
    }

    /// The sums per slot from a one-player rest's [`UnitSums`]: each rest
    /// total `e_b` weighs `V_b` by the group coalitions' `c_j/c · P(e_b)`
    /// and `U_b` by the rest coalition's `P(e_b)`.
    fn sums_of_unit(&self, unit: &[f64]) -> Vec<f64> {
        let (states, axes) = (self.states, self.axes.len());
        let mut sums = vec![0.0; self.coalitions * states];
        for cell in &self.rest {
            let i = self
                .axes
                .iter()
                .position(|&a| cell.counts[a] == 1)
                .expect("a one-player rest on the group's axes");
            for x in 0..states {
                let (u, v) = (unit[(x * axes + i) * 2], unit[(x * axes + i) * 2 + 1]);
                for &(j, coef) in &cell.group {
                    sums[j * states + x] += coef * v;
                }
                for &(j, _, w) in &cell.rest {
                    sums[j * states + x] += w * u;
                }
            }
        }
        sums
    }

    /// The pass over the group's simplex: sums per slot (or, lifted,
    /// [`UnitSums`]).
    fn run_pass(&self, flat: &FlatPlan, watch: Watch<'_>) -> crate::error::Result<Vec<f64>> {
        use crate::cpu::families as f;
        // One inlined share function per family: the pass is share-bound.
        match flat.config.family {
            family_id::PLURALITY => {
                self.run_with(watch, &family(|_, c, h| f::plurality_action_shares(c, h)))
            }
            family_id::PROPORTIONAL => self.run_with(
                watch,
                &family(|x, c, h| f::proportional_action_shares(flat, x, c, h)),
            ),
            family_id::CONGESTION => self.run_with(
                watch,
                &family(|x, c, h| f::congestion_action_shares(flat, x, c, h)),
            ),
            _ => self.run_with(
                watch,
                &family(|x, c, h| {
                    let mut ranks = [0u32; MAX_ACTIONS];
                    if flat.config.family == family_id::ANONYMOUS {
                        f::anonymous_ranks(flat, c, &mut ranks[..c.len()]);
                    }
                    f::action_shares(flat, x, c, &ranks[..c.len()], h);
                }),
            ),
        }
    }

    /// [`StreamPlan::run`] with the family's shares `shares(x, C, h)`.
    fn run_with<S: Shares>(&self, watch: Watch<'_>, shares: &S) -> crate::error::Result<Vec<f64>> {
        let tables = Tables::new(self);
        let slots = self.coalitions * self.states;
        let empty = Partial {
            sums: vec![Compensated::default(); slots + 1],
            plain: vec![0.0; slots + 1],
            pending: 0,
        };
        let c = self.copies;
        let partials: Vec<Partial> = if self.axes.len() >= 3 {
            let done = std::sync::atomic::AtomicU64::new(0);
            (0..=c)
                .into_par_iter()
                .map(|first| {
                    let mut partial = empty.clone();
                    let (log, weight) = (
                        tables.log[0][first as usize],
                        tables.weight[0][first as usize],
                    );
                    if log >= LOG_CUTOFF && !watch.cancelled() {
                        let mut g = [0u32; MAX_ACTIONS];
                        g[self.axes[0]] = first;
                        let at = Prefix {
                            level: 1,
                            used: first,
                            log,
                            weight,
                        };
                        self.walk(&tables, shares, at, &mut g, &mut partial);
                    }
                    partial.flush();
                    let finished = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    watch.report(finished, u64::from(c) + 1);
                    partial
                })
                .collect()
        } else {
            let mut partial = empty.clone();
            let at = Prefix {
                level: 0,
                used: 0,
                log: 0.0,
                weight: 1.0,
            };
            self.walk(&tables, shares, at, &mut [0; MAX_ACTIONS], &mut partial);
            partial.flush();
            vec![partial]
        };
        watch.check()?;
        let mut total = empty;
        for p in &partials {
            for (t, s) in total.sums.iter_mut().zip(&p.sums) {
                t.add(s.sum);
                t.add(s.carry);
            }
        }
        let mass = total.sums[slots].value();
        Ok(total.sums[..slots]
            .iter()
            .map(|s| s.value() / mass)
            .collect())
    }

    /// The outer axes from `at.level` on (an odometer over the counts
    /// left, `g` holding those fixed), then each row. D_a ≤ 0 and is
    /// unimodal, so a partial log below the cutoff past the mode ends the axis.
    fn walk<S: Shares>(
        &self,
        tables: &Tables,
        shares: &S,
        at: Prefix,
        g: &mut [u32; MAX_ACTIONS],
        out: &mut Partial,
    ) {
        let axes = self.axes.len();
        if axes == 1 {
            // Everyone in the group plays the one action.
            g[self.axes[0]] = self.copies;
            self.sum_row(shares, g, self.axes[0], 0, 0..=0, |_| 1.0, out);
            return;
        }
        if at.level + 2 == axes {
            self.row(tables, shares, at, g, out);
            return;
        }
        let a = self.axes[at.level];
        for o in 0..=self.copies - at.used {
            let log = at.log + tables.log[at.level][o as usize];
            if log < LOG_CUTOFF {
                if o > tables.mode[at.level] {
                    break;
                }
                continue;
            }
            g[a] = o;
            let next = Prefix {
                level: at.level + 1,
                used: at.used + o,
                log,
                weight: at.weight * tables.weight[at.level][o as usize],
            };
            self.walk(tables, shares, next, g, out);
        }
        g[a] = 0;
    }

    /// One row: the last two axes with `rest` players between them, t on
    /// the first. The cells within the cutoff are a run around the row's
    /// mode (a binomial's); each weight is the product of the axes' tables.
    fn row<S: Shares>(
        &self,
        tables: &Tables,
        shares: &S,
        at: Prefix,
        g: &mut [u32; MAX_ACTIONS],
        out: &mut Partial,
    ) {
        let axes = self.axes.len();
        let (a, b) = (axes - 2, axes - 1);
        let rest = self.copies - at.used;
        let (pa, pb) = (self.mass[a], self.mass[b]);
        let mode = (((f64::from(rest) + 1.0) * (pa / (pa + pb))).floor() as u32).min(rest);
        let log = |t: u32| at.log + tables.log[a][t as usize] + tables.log[b][(rest - t) as usize];
        if log(mode) < LOG_CUTOFF {
            return;
        }
        // Unimodal: both ends within the cutoff keep the whole row.
        let (mut lo, mut hi) = (mode, mode);
        if log(0) >= LOG_CUTOFF && log(rest) >= LOG_CUTOFF {
            (lo, hi) = (0, rest);
        }
        while hi < rest && log(hi + 1) >= LOG_CUTOFF {
            hi += 1;
        }
        while lo > 0 && log(lo - 1) >= LOG_CUTOFF {
            lo -= 1;
        }
        let (wa, wb) = (&tables.weight[a], &tables.weight[b]);
        let weight = |t: u32| at.weight * wa[t as usize] * wb[(rest - t) as usize];
        self.sum_row(shares, g, self.axes[a], rest, lo..=hi, weight, out);
    }

    /// The cells `t ∈ ts` of one row: t players on action `first`, the
    /// group's `rest − t` others on the next axis, the other counts in `g`.
    #[allow(clippy::too_many_arguments, reason = "one row's state")]
    fn sum_row<S: Shares>(
        &self,
        shares: &S,
        g: &mut [u32; MAX_ACTIONS],
        first: usize,
        rest: u32,
        ts: std::ops::RangeInclusive<u32>,
        weight: impl Fn(u32) -> f64,
        out: &mut Partial,
    ) {
        let second = self.axes[self.axes.len() - 1];
        let row = Row {
            first,
            second,
            rest,
        };
        // The action count as a constant where it is small: the loops over
        // actions unroll (the pass is share-bound).
        if self.lifted {
            match self.actions {
                2 => self.sum_lifted::<2, S>(shares, g, &row, ts.clone(), &weight, &mut out.plain),
                3 => self.sum_lifted::<3, S>(shares, g, &row, ts.clone(), &weight, &mut out.plain),
                4 => self.sum_lifted::<4, S>(shares, g, &row, ts.clone(), &weight, &mut out.plain),
                5 => self.sum_lifted::<5, S>(shares, g, &row, ts.clone(), &weight, &mut out.plain),
                6 => self.sum_lifted::<6, S>(shares, g, &row, ts.clone(), &weight, &mut out.plain),
                8 => self.sum_lifted::<8, S>(shares, g, &row, ts.clone(), &weight, &mut out.plain),
                _ => self.sum_lifted::<0, S>(shares, g, &row, ts.clone(), &weight, &mut out.plain),
            }
        } else {
            self.sum_row_cells(shares, g, &row, ts.clone(), &weight, out);
        }
        // Plain sums of at most about 2(c + 1) terms, then compensated.
        out.pending += (ts.end() - ts.start() + 1) as usize * self.rest.len().max(1);
        if out.pending > self.copies as usize + 1 {
            out.flush();
        }
    }

    /// [`StreamPlan::sum_cells`] with the action count as a constant where
    /// it is small: the loops over actions unroll (the pass is share-bound).
    fn sum_row_cells<S: Shares>(
        &self,
        shares: &S,
        g: &mut [u32; MAX_ACTIONS],
        row: &Row,
        ts: std::ops::RangeInclusive<u32>,
        weight: &impl Fn(u32) -> f64,
        out: &mut Partial,
    ) {
        let row = *row;
        match self.actions {
            2 => self.sum_cells::<2, S>(shares, g, &row, ts.clone(), &weight, &mut out.plain),
            3 => self.sum_cells::<3, S>(shares, g, &row, ts.clone(), &weight, &mut out.plain),
            4 => self.sum_cells::<4, S>(shares, g, &row, ts.clone(), &weight, &mut out.plain),
            5 => self.sum_cells::<5, S>(shares, g, &row, ts.clone(), &weight, &mut out.plain),
            6 => self.sum_cells::<6, S>(shares, g, &row, ts.clone(), &weight, &mut out.plain),
            8 => self.sum_cells::<8, S>(shares, g, &row, ts.clone(), &weight, &mut out.plain),
            _ => self.sum_cells::<0, S>(shares, g, &row, ts.clone(), &weight, &mut out.plain),
        }
    }
}

/// A row's two changing axes and the players between them.
#[derive(Clone, Copy)]
struct Row {
    first: usize,
    second: usize,
    rest: u32,
}

impl StreamPlan {
    /// The cells of [`StreamPlan::sum_row`] added to `acc`, with `K`
    /// actions (0: `self.actions`, not known when compiled).
    fn sum_cells<const K: usize, S: Shares>(
        &self,
        shares: &S,
        g: &mut [u32; MAX_ACTIONS],
        row: &Row,
        ts: std::ops::RangeInclusive<u32>,
        weight: &impl Fn(u32) -> f64,
        acc: &mut [f64],
    ) {
        let k = if K == 0 { self.actions } else { K };
        let states = self.states;
        let (mut counts, mut h) = ([0u32; MAX_ACTIONS], [0.0f64; MAX_ACTIONS]);
        for t in ts {
            if row.first != row.second {
                g[row.first] = t;
                g[row.second] = row.rest - t;
            }
            let w = weight(t);
            acc[self.coalitions * states] += w;
            for cell in &self.rest {
                for b in 0..k {
                    counts[b] = g[b] + cell.counts[b];
                }
                for x in 0..states {
                    shares.shares(x as u32, &counts[..k], &mut h[..k]);
                    let gh: f64 = (0..k).map(|b| f64::from(g[b]) * h[b]).sum();
                    for &(j, coef) in &cell.group {
                        acc[j * states + x] += w * coef * gh;
                    }
                    for &(j, b, v) in &cell.rest {
                        acc[j * states + x] += w * v * h[b];
                    }
                }
            }
        }
    }
}

impl StreamPlan {
    /// The lifted pass's cells (C: the group and the rest's player, whose
    /// weights w are `Mult_{c+1}(C)`): for each axis b, `C_b / ((c+1) p_b)`
    /// turns them into `Mult_c(C − e_b)`, so with `S = Σ_a C_a h_a(x, C)`
    /// the row adds `U_b = Σ w C_b h_b / ((c+1) p_b)` and
    /// `V_b = Σ w C_b (S − h_b) / ((c+1) p_b)`, the latter as the difference
    /// of the row's sums `Σ w C_b S` and `Σ w C_b h_b` (terms ≥ 0; two
    /// multiply-adds per action and cell instead of k): its rounding is
    /// absolute, about (c + 4) u (U_b + V_b) ≤ (c + 4) u · 2.
    fn sum_lifted<const K: usize, S: Shares>(
        &self,
        shares: &S,
        g: &mut [u32; MAX_ACTIONS],
        row: &Row,
        ts: std::ops::RangeInclusive<u32>,
        weight: &impl Fn(u32) -> f64,
        acc: &mut [f64],
    ) {
        let k = if K == 0 { self.actions } else { K };
        let axes = self.axes.len();
        // The group's marginal on every action (0 off its axes), and
        // `1 / ((c+1) p_b)` (0 off the axes, where C_b = 0).
        let (mut scale, mut on) = ([0.0f64; MAX_ACTIONS], [usize::MAX; MAX_ACTIONS]);
        for (i, (&a, &p)) in self.axes.iter().zip(&self.mass).enumerate() {
            scale[a] = 1.0 / (f64::from(self.copies) * p);
            on[a] = i;
        }
        let mut h = [0.0f64; MAX_ACTIONS];
        // The counts in a local array, set entry by entry and read entry by
        // entry (`black_box`): a packed load right after single stores (of
        // the row's two changing counts, or of the family's one share)
        // stalls on store forwarding (measured: 3-4× slower per cell).
        let mut counts = [0u32; MAX_ACTIONS];
        counts[..k].copy_from_slice(&g[..k]);
        for x in 0..self.states {
            // The row's sums per action, in registers where k is a constant.
            let (mut u, mut v) = ([0.0f64; MAX_ACTIONS], [0.0f64; MAX_ACTIONS]);
            let mut mass = 0.0;
            for t in ts.clone() {
                if row.first != row.second {
                    counts[row.first] = t;
                    counts[row.second] = row.rest - t;
                }
                let w = weight(t);
                mass += w;
                shares.shares(x as u32, &counts[..k], &mut h[..k]);
                let mut c = [0.0f64; MAX_ACTIONS];
                let mut terms = [0.0f64; MAX_ACTIONS];
                let mut total = 0.0;
                for b in 0..k {
                    c[b] = f64::from(std::hint::black_box(counts[b]));
                    terms[b] = c[b] * std::hint::black_box(h[b]);
                    total += terms[b];
                }
                let ws = w * total;
                for b in 0..k {
                    u[b] += w * terms[b];
                    v[b] += ws * c[b];
                }
            }
            if x == 0 {
                acc[2 * axes * self.states] += mass;
            }
            for b in (0..k).filter(|&b| on[b] != usize::MAX) {
                let at = (x * axes + on[b]) * 2;
                acc[at] += scale[b] * u[b];
                // Σ w C_b (S − h_b): the difference of two sums of terms ≥ 0.
                acc[at + 1] += scale[b] * (v[b] - u[b]);
            }
        }
    }
}

/// The family's shares of one player on each action, `h(x, C)`.
trait Shares: Sync {
    fn shares(&self, x: u32, counts: &[u32], h: &mut [f64]);
}

impl<F: Fn(u32, &[u32], &mut [f64]) + Sync> Shares for F {
    #[inline(always)]
    fn shares(&self, x: u32, counts: &[u32], h: &mut [f64]) {
        self(x, counts, h)
    }
}

/// `f` as a share function (fixes the closure's signature).
fn family<F: Fn(u32, &[u32], &mut [f64]) + Sync>(f: F) -> F {
    f
}

/// Where the walk over the outer axes stands.
#[derive(Clone, Copy)]
struct Prefix {
    level: usize,
    used: u32,
    /// `Σ D_a` and `Π exp(D_a)` of the axes fixed so far.
    log: f64,
    weight: f64,
}

/// Per axis of the group: `D_a[x]` (see the module's doc), by compensated
/// running sums outward from `m_a = ⌊c p_a⌋`; `exp(D_a[x])`; and `m_a`.
struct Tables {
    log: Vec<Vec<f64>>,
    weight: Vec<Vec<f64>>,
    mode: Vec<u32>,
}

impl Tables {
    fn new(plan: &StreamPlan) -> Tables {
        let c = plan.copies as usize;
        let mut tables = Tables {
            log: Vec::new(),
            weight: Vec::new(),
            mode: Vec::new(),
        };
        for &p in &plan.mass {
            let scale = c as f64 * p;
            let mode = (scale.floor() as usize).min(c);
            let mut d = vec![0.0; c + 1];
            let mut run = Compensated::default();
            for x in mode..c {
                run.add((scale / (x + 1) as f64).ln());
                d[x + 1] = run.value();
            }
            let mut run = Compensated::default();
            for x in (0..mode).rev() {
                run.add(-(scale / (x + 1) as f64).ln());
                d[x] = run.value();
            }
            tables.weight.push(d.iter().map(|v| v.exp()).collect());
            tables.log.push(d);
            tables.mode.push(mode as u32);
        }
        tables
    }
}

/// The rest's totals T: probability and each coalition's expected counts
/// (`j * k + b`), part by part; `None` beyond [`MAX_REST_SUPPORT`] totals.
#[allow(clippy::type_complexity, reason = "a map from totals to their moments")]
fn rest_support(
    types: &[&PartType],
    k: usize,
    coalitions: usize,
) -> Option<BTreeMap<Vec<u32>, (f64, Vec<f64>)>> {
    // Adding a part never shrinks the support: one type's own multinomial
    // beyond the limit refuses at once, before any map is built.
    for ty in types {
        let support = ty.outcomes.len() as u64;
        if support > 1 && count_vectors(u64::from(ty.copies), support) > MAX_REST_SUPPORT as u64 {
            return None;
        }
    }
    let mut cells = BTreeMap::new();
    cells.insert(vec![0u32; k], (1.0, vec![0.0; coalitions * k]));
    for ty in types {
        for _ in 0..ty.copies {
            let mut next: BTreeMap<Vec<u32>, (f64, Vec<f64>)> = BTreeMap::new();
            for (total, (p, expected)) in &cells {
                for o in &ty.outcomes {
                    let moved: Vec<u32> = total.iter().zip(&o.counts).map(|(a, b)| a + b).collect();
                    let entry = next
                        .entry(moved)
                        .or_insert_with(|| (0.0, vec![0.0; coalitions * k]));
                    let q = p * o.probability;
                    entry.0 += q;
                    for (e, v) in entry.1.iter_mut().zip(expected) {
                        *e += v * o.probability;
                    }
                    for (b, &c) in o.counts.iter().enumerate() {
                        entry.1[ty.coalition * k + b] += q * f64::from(c);
                    }
                }
            }
            if next.len() > MAX_REST_SUPPORT {
                return None;
            }
            cells = next;
        }
    }
    Some(cells)
}

/// Γ(x) for x = d/2 + 1 with d a small whole number (half-integers
/// included), by the recurrence from Γ(1) = 1 and Γ(1/2) = √π.
fn gamma(x: f64) -> f64 {
    let (mut value, mut at) = if x.fract() == 0.0 {
        (1.0, 1.0)
    } else {
        (std::f64::consts::PI.sqrt(), 0.5)
    };
    while at < x {
        value *= at;
        at += 1.0;
    }
    value
}
