//! The counts method without transforms, for problems made of many small
//! parts (n singletons with their own marginals) or of one run of identical
//! players (deviation payoffs): `r_j(x) = Σ_{q ∈ j} Σ_o p_o Σ_b o_b
//! Σ_M R_{−q}(M) h_b(x, M + o)` with each part's *leave-one-out*
//! distribution `R_{−q}` (everyone else's counts) built directly on the count
//! simplex. All of them come from one divide and conquer over the part
//! types: each half is added to the other's outside distribution, so each
//! type is added about log₂(types) times, instead of once per other part;
//! nothing is ever divided out. A run of c identical players added to a
//! point mass is the multinomial `Mult(c, p)` in closed form.
//!
//! Every term is a product of probabilities and shares, all ≥ 0: the sums
//! have no cancellation, and their rounding is relative (like the direct
//! pair sum's).

use rayon::prelude::*;

use crate::counts::part_types::PartType;
use crate::counts::vectors::count_vectors;
use crate::error::Result;
use crate::plan::FlatPlan;
use crate::watch::Watch;

/// Rows per parallel task of the sums against the share tables.
const ROWS_PER_TASK: usize = 256;

/// The count simplex of n players over k actions, stored compactly: one row
/// per choice of the first k−2 counts (the outer coordinates), holding the
/// counts of action k−2 from 0 up; the last count is implied.
#[derive(Clone, Debug)]
pub(crate) struct Simplex {
    players: u32,
    actions: usize,
    /// Start of each row in the compact array, by the row's cube index
    /// `Σ c_a (n+1)^(k−3−a)` (rows whose counts pass n are never read).
    row_start: Vec<usize>,
    /// Rows with their outer counts' sum, in storage order.
    rows: Vec<(usize, u32)>,
    /// Cells: `C(n + k − 1, k − 1)`.
    cells: usize,
}

impl Simplex {
    pub fn new(players: usize, actions: usize) -> Simplex {
        let n = players as u32;
        let radix = players + 1;
        let outer_axes = actions - 2;
        let row_ids = radix.pow(outer_axes as u32);
        let mut row_start = vec![usize::MAX; row_ids];
        let mut rows = Vec::new();
        let mut at = 0;
        for (id, start) in row_start.iter_mut().enumerate() {
            let (mut rest, mut used) = (id, 0u32);
            for _ in 0..outer_axes {
                used += (rest % radix) as u32;
                rest /= radix;
            }
            if used <= n {
                *start = at;
                rows.push((id, used));
                at += (n - used) as usize + 1;
            }
        }
        Simplex {
            players: n,
            actions,
            row_start,
            rows,
            cells: at,
        }
    }

    /// Every count vector of all n players, in storage order (cell i is
    /// the i-th), k counts each, one after another.
    pub(crate) fn count_vectors(&self) -> Vec<u32> {
        let k = self.actions;
        let mut out = Vec::with_capacity(self.cells * k);
        let mut outer = vec![0u32; k - 2];
        for &(id, used) in &self.rows {
            self.outer(id, &mut outer);
            for t in 0..=self.players - used {
                out.extend_from_slice(&outer);
                out.extend_from_slice(&[t, self.players - used - t]);
            }
        }
        out
    }

    /// Row id shift and last-axis shift of adding the count vector `counts`.
    fn shift(&self, counts: &[u32]) -> (usize, usize) {
        let radix = self.players as usize + 1;
        let k = self.actions;
        let row = counts[..k - 2]
            .iter()
            .fold(0, |acc, &c| acc * radix + c as usize);
        (row, counts[k - 2] as usize)
    }

    /// `data` (`width` values per cell) cut into its rows: (row id, the
    /// outer counts' sum, the row's values).
    fn rows_mut<'a>(&self, data: &'a mut [f64], width: usize) -> Vec<(usize, u32, &'a mut [f64])> {
        let mut rest = data;
        let mut rows = Vec::with_capacity(self.rows.len());
        for &(id, used) in &self.rows {
            let (row, tail) = rest.split_at_mut(((self.players - used) as usize + 1) * width);
            rows.push((id, used, row));
            rest = tail;
        }
        rows
    }

    /// The outer counts of row id `id`.
    fn outer(&self, id: usize, out: &mut [u32]) {
        let radix = self.players as usize + 1;
        let mut rest = id;
        for c in out.iter_mut().rev() {
            *c = (rest % radix) as u32;
            rest /= radix;
        }
    }
}

/// A distribution of the counts of `total` players on the simplex: all its
/// mass on one count vector, a point plus `copies` players of one marginal
/// (kept as a formula until it is needed: more players of that marginal add
/// to `copies`), or spread over the cells.
#[derive(Clone)]
enum Distribution {
    Point(Vec<u32>),
    Multinomial {
        point: Vec<u32>,
        marginal: Vec<f64>,
        copies: u32,
    },
    Spread {
        total: u32,
        mass: Vec<f64>,
    },
}

impl Distribution {
    fn total(&self) -> u32 {
        match self {
            Distribution::Point(counts) => counts.iter().sum(),
            Distribution::Multinomial { point, copies, .. } => point.iter().sum::<u32>() + copies,
            Distribution::Spread { total, .. } => *total,
        }
    }
}

/// The marginal of a single-player part, by action; `None` for other parts.
pub(crate) fn marginal_of(ty: &PartType) -> Option<Vec<f64>> {
    let k = ty.mass.len();
    single_player(ty).then(|| {
        let mut p = vec![0.0; k];
        for o in &ty.outcomes {
            let b = o
                .counts
                .iter()
                .position(|&c| c == 1)
                .expect("single player");
            p[b] = o.probability;
        }
        p
    })
}

/// How the recursion holds a distribution, for the cost estimate.
#[derive(Clone, PartialEq)]
enum Held {
    Point,
    Multinomial(Vec<u64>),
    Spread,
}

/// The last share tables built, by game: deviation payoffs evaluate the same
/// game k times.
pub(crate) type TableCache = Option<(Vec<u64>, std::sync::Arc<Vec<Vec<f64>>>)>;

/// What the counts method keeps between evaluations of the same game: the
/// leave-one-out route's share tables and the streamed pass's sums for a
/// one-player rest.
#[derive(Default)]
pub(crate) struct ShareCache {
    pub tables: TableCache,
    pub unit: crate::counts::stream::UnitCache,
}

/// The leave-one-out route for one problem.
pub(crate) struct LeaveOneOutPlan {
    simplex: Simplex,
    types: Vec<PartType>,
    states: usize,
    coalitions: usize,
    /// Whether the share tables are built (else each part's sums take the
    /// family's shares at each cell: no k·states tables of the simplex).
    tables: bool,
}

impl LeaveOneOutPlan {
    pub fn new(
        players: usize,
        actions: usize,
        states: usize,
        coalitions: usize,
        types: Vec<PartType>,
        tables: bool,
    ) -> Self {
        LeaveOneOutPlan {
            simplex: Simplex::new(players, actions),
            types,
            states,
            coalitions,
            tables,
        }
    }

    /// Cells of the simplex, without building it.
    fn cells_of(players: usize, actions: usize) -> f64 {
        count_vectors(players as u64, actions as u64) as f64
    }

    /// Rough floating-point operations of [`LeaveOneOutPlan::run`]: the
    /// recursion's additions of parts (closed forms where they start from
    /// a point), each part's sums against the share tables, and the tables.
    pub fn estimate_cost(
        players: usize,
        actions: usize,
        states: usize,
        types: &[PartType],
        tables: bool,
    ) -> f64 {
        let cells = Self::cells_of(players, actions);
        let formula = cells * (actions as f64 + 20.0);
        let convolve =
            |t: &PartType, copies: u32, total: u32| Self::convolve_cost(t, copies, total, actions);
        let add = |t: &PartType, copies: u32, (held, total): (Held, u32)| -> (f64, (Held, u32)) {
            let key = marginal_of(t).map(|p| p.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
            let after = total + copies * t.outcomes[0].counts.iter().sum::<u32>();
            let (cost, held) = match (copies, held, key) {
                (0, held, _) => (0.0, held),
                (_, held @ (Held::Point | Held::Multinomial(_)), _) if t.outcomes.len() == 1 => {
                    (0.0, held)
                }
                (_, Held::Point, Some(key)) => (0.0, Held::Multinomial(key)),
                (_, Held::Multinomial(m), Some(key)) if m == key => (0.0, Held::Multinomial(m)),
                // A multinomial held as a formula is filled in first.
                (_, held, _) => (
                    convolve(t, copies, total)
                        + if matches!(held, Held::Multinomial(_)) {
                            formula
                        } else {
                            0.0
                        },
                    Held::Spread,
                ),
            };
            (cost, (held, after))
        };
        type Add<'a> = &'a dyn Fn(&PartType, u32, (Held, u32)) -> (f64, (Held, u32));
        fn walk(
            range: std::ops::Range<usize>,
            held: (Held, u32),
            types: &[PartType],
            add: Add<'_>,
            leaf: &dyn Fn(&PartType) -> f64,
            formula: f64,
        ) -> f64 {
            if range.len() == 1 {
                let t = &types[range.start];
                let (cost, (held, _)) = add(t, t.copies - 1, held);
                let fill = if matches!(held, Held::Multinomial(_)) {
                    formula
                } else {
                    0.0
                };
                return cost + fill + leaf(t);
            }
            let mid = range.start + range.len() / 2;
            let with_all = |added: std::ops::Range<usize>| {
                added.fold((0.0, held.clone()), |(cost, h), t| {
                    let (c, h) = add(&types[t], types[t].copies, h);
                    (cost + c, h)
                })
            };
            let (cost_left, held_left) = with_all(mid..range.end);
            let (cost_right, held_right) = with_all(range.start..mid);
            cost_left
                + cost_right
                + walk(range.start..mid, held_left, types, add, leaf, formula)
                + walk(mid..range.end, held_right, types, add, leaf, formula)
        }
        // Against the tables: a pass per outcome, action and state; without
        // them one share evaluation per cell and state (about 30) and a
        // pull per outcome.
        let leaf = |t: &PartType| {
            let outcomes = t.outcomes.len() as f64;
            if tables {
                outcomes * actions as f64 * states as f64 * 2.0 * cells
            } else {
                states as f64 * cells * (30.0 + 4.0 * outcomes)
            }
        };
        let build = if tables {
            cells * (actions * states) as f64 * 30.0
        } else {
            0.0
        };
        walk(
            0..types.len(),
            (Held::Point, 0),
            types,
            &add,
            &leaf,
            formula,
        ) + build
    }

    /// Cost of adding `copies` of the part `t` copy by copy to spread cells
    /// holding `total` players: each copy passes over the simplex of the
    /// players so far. Single players go two per pass (about 1 per cell and
    /// outcome, memory-bound; measured at n = 384, k = 4 and n = 200,
    /// k = 5), other parts one (about 3).
    fn convolve_cost(t: &PartType, copies: u32, total: u32, actions: usize) -> f64 {
        let width: u32 = t.outcomes[0].counts.iter().sum();
        let rate = if single_player(t) { 1.0 } else { 3.0 };
        (1..=copies)
            .map(|i| Self::cells_of((total + i * width) as usize, actions))
            .sum::<f64>()
            * t.outcomes.len() as f64
            * rate
    }

    /// Peak memory in bytes: the share tables and about two distributions
    /// per level of the recursion on each thread.
    pub fn estimate_bytes(
        players: usize,
        actions: usize,
        states: usize,
        types: &[PartType],
        tables: bool,
    ) -> u64 {
        let cells = Self::cells_of(players, actions) as u64;
        let threads = rayon::current_num_threads() as u64;
        let rows = (players as u64 + 1).saturating_pow(actions.saturating_sub(2) as u32);
        let tables = if tables { (actions * states) as u64 } else { 0 };
        // Two types that each stay a formula from a point (single players
        // of one marginal, fixed players): the root holds no cells, each
        // leaf two buffers. Else two distributions per level on each thread.
        let closed = |t: &PartType| marginal_of(t).is_some() || t.outcomes.len() == 1;
        let distributions = if types.len() <= 2 && types.iter().all(closed) {
            2 * threads.min(2)
        } else {
            let levels = (types.len().max(2) as f64).log2().ceil() as u64 + 2;
            2 * levels * threads
        };
        cells
            .saturating_mul(8)
            .saturating_mul(tables + distributions)
            .saturating_add(rows.saturating_mul(8))
    }

    /// Sums per slot `j * states + x`; the share tables come from `cache`
    /// when it holds those of the same game (`key`), and are left there.
    pub fn run(
        &self,
        flat: &FlatPlan,
        key: &[u64],
        cache: &mut TableCache,
        watch: Watch<'_>,
    ) -> Result<Vec<f64>> {
        let shares = if self.tables {
            let shares = match cache.take().filter(|(k, _)| k == key) {
                Some((_, tables)) => tables,
                None => std::sync::Arc::new(self.share_tables(flat)),
            };
            *cache = Some((key.to_vec(), shares.clone()));
            shares
        } else {
            std::sync::Arc::new(Vec::new())
        };
        let mut sums = vec![0.0; self.coalitions * self.states];
        self.add_sums(&shares, flat, &mut sums, watch)?;
        Ok(sums)
    }

    /// Each part type's values `c · Σ_o p_o Σ_b o_b Σ_M R(M) h_b(x, M + o)`
    /// against the share tables `shares` (`x * k + b` over the simplex's
    /// cells; empty: the family's shares at each cell), added to its
    /// coalition's slots `j * states + x` of `sums`.
    pub(crate) fn add_sums(
        &self,
        shares: &[Vec<f64>],
        flat: &FlatPlan,
        sums: &mut [f64],
        watch: Watch<'_>,
    ) -> Result<()> {
        let start = Distribution::Point(vec![0; self.simplex.actions]);
        let done = std::sync::atomic::AtomicUsize::new(0);
        let mut per_type = vec![Vec::new(); self.types.len()];
        self.solve(
            0..self.types.len(),
            start,
            (shares, flat),
            &mut per_type,
            &done,
            watch,
        );
        watch.check()?;
        for (t, values) in per_type.iter().enumerate() {
            let j = self.types[t].coalition;
            for (x, v) in values.iter().enumerate() {
                sums[j * self.states + x] += v;
            }
        }
        Ok(())
    }

    /// The distribution of every part's counts together, by the simplex's
    /// cells (all players counted).
    pub(crate) fn full_distribution(&self) -> Vec<f64> {
        let mut dist = Distribution::Point(vec![0; self.simplex.actions]);
        for ty in &self.types {
            dist = self.add(dist, ty, ty.copies);
        }
        match self.spread(dist) {
            Distribution::Spread { mass, .. } => mass,
            _ => unreachable!("spread above"),
        }
    }

    /// The simplex the plan counts on.
    pub(crate) fn simplex(&self) -> &Simplex {
        &self.simplex
    }

    /// Divide and conquer over the types `types` with everyone else's
    /// distribution `outside`; `out[i]` gets type `types.start + i`'s values.
    fn solve(
        &self,
        types: std::ops::Range<usize>,
        outside: Distribution,
        shares: (&[Vec<f64>], &FlatPlan),
        out: &mut [Vec<f64>],
        done: &std::sync::atomic::AtomicUsize,
        watch: Watch<'_>,
    ) {
        if watch.cancelled() {
            return;
        }
        if types.len() == 1 {
            let ty = &self.types[types.start];
            let residual = self.add(outside, ty, ty.copies - 1);
            out[0] = if shares.0.is_empty() {
                self.part_values_streamed(ty, residual, shares.1)
            } else {
                self.part_values(ty, residual, shares.0)
            };
            let finished = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            watch.report(finished as u64, self.types.len() as u64);
            return;
        }
        let mid = types.start + types.len() / 2;
        let (left, right) = (types.start..mid, mid..types.end);
        let (left_out, right_out) = out.split_at_mut(mid - types.start);
        let with_all = |mut d: Distribution, added: std::ops::Range<usize>| {
            for t in added {
                d = self.add(d, &self.types[t], self.types[t].copies);
            }
            d
        };
        let copy = outside.clone();
        let (for_left, for_right) = rayon::join(
            || with_all(outside, right.clone()),
            || with_all(copy, left.clone()),
        );
        rayon::join(
            || self.solve(left, for_left, shares, left_out, done, watch),
            || self.solve(right, for_right, shares, right_out, done, watch),
        );
    }

    /// `dist` with `copies` more independent copies of the part `ty`.
    fn add(&self, dist: Distribution, ty: &PartType, copies: u32) -> Distribution {
        if copies == 0 {
            return dist;
        }
        match self.add_closed_form(dist, ty, copies) {
            Ok(closed) => closed,
            Err(dist) => {
                let dist = self.spread(dist);
                let total = dist.total();
                let Distribution::Spread { mass, .. } = dist else {
                    unreachable!("spread above")
                };
                self.convolve(total, mass, ty, copies)
            }
        }
    }

    /// The additions that keep a closed form: a fixed part moves a point
    /// (or a multinomial's point), and copies of a part with a multinomial
    /// marginal start or extend a multinomial. `Err` gives `dist` back when
    /// none applies and the cells must be convolved.
    fn add_closed_form(
        &self,
        dist: Distribution,
        ty: &PartType,
        copies: u32,
    ) -> std::result::Result<Distribution, Distribution> {
        let moved = |point: &[u32]| -> Vec<u32> {
            point
                .iter()
                .zip(&ty.outcomes[0].counts)
                .map(|(a, b)| a + copies * b)
                .collect()
        };
        match (dist, marginal_of(ty)) {
            // A fixed part moves a point (or a multinomial's point).
            (Distribution::Point(point), _) if ty.outcomes.len() == 1 => {
                Ok(Distribution::Point(moved(&point)))
            }
            (
                Distribution::Multinomial {
                    point,
                    marginal,
                    copies: c,
                },
                _,
            ) if ty.outcomes.len() == 1 => Ok(Distribution::Multinomial {
                point: moved(&point),
                marginal,
                copies: c,
            }),
            (Distribution::Point(point), Some(marginal)) => Ok(Distribution::Multinomial {
                point,
                marginal,
                copies,
            }),
            (
                Distribution::Multinomial {
                    point,
                    marginal,
                    copies: c,
                },
                Some(p),
            ) if p == marginal => Ok(Distribution::Multinomial {
                point,
                marginal,
                copies: c + copies,
            }),
            (dist, _) => Err(dist),
        }
    }

    /// The spread cells `mass` (holding `total` players) convolved with
    /// `copies` copies of the part `ty`, one copy at a time.
    fn convolve(
        &self,
        mut total: u32,
        mut mass: Vec<f64>,
        ty: &PartType,
        copies: u32,
    ) -> Distribution {
        let s = &self.simplex;
        let k = s.actions;
        let width = ty.outcomes[0].counts.iter().sum::<u32>();
        // Each outcome as the rows it pulls from: its row shift, its counts
        // on the outer axes (and their sum), its shift along a row.
        let pulls: Vec<(usize, &[u32], u32, usize, f64)> = ty
            .outcomes
            .iter()
            .map(|o| {
                let (row, last) = s.shift(&o.counts);
                let outer = &o.counts[..k - 2];
                (row, outer, outer.iter().sum(), last, o.probability)
            })
            .collect();
        // Two buffers, swapped after each copy (a fresh one per copy would
        // cost a page fault per 4 kB). Each destination row pulls from the
        // rows its outcomes come from, so rows are written once, in
        // parallel, and only their valid cells are cleared.
        let mut next = vec![0.0; s.cells];
        let single = marginal_of(ty);
        let mut added = 0;
        while added < copies {
            let new_total = total + width;
            let from = &mass;
            if let Some(p) = &single {
                if added + 1 < copies {
                    // Two players in one pass: half the memory traffic.
                    self.add_two_players(from, &mut next, total, p);
                    added += 2;
                    total += 2;
                } else {
                    self.add_player(from, &mut next, total, p);
                    added += 1;
                    total = new_total;
                }
                std::mem::swap(&mut mass, &mut next);
                continue;
            }
            added += 1;
            s.rows_mut(&mut next, 1)
                .into_par_iter()
                .with_min_len(64)
                .filter(|(_, used, _)| *used <= new_total)
                .for_each(|(id, used, row)| {
                    let mut outer = [0u32; crate::model::limits::MAX_ACTIONS];
                    s.outer(id, &mut outer[..k - 2]);
                    let row = &mut row[..(new_total - used) as usize + 1];
                    row.fill(0.0);
                    for &(row_shift, counts, counted, last, p) in &pulls {
                        if counts.iter().zip(&outer).any(|(c, o)| c > o) || used - counted > total {
                            continue;
                        }
                        let len = (total - (used - counted)) as usize + 1;
                        let source = &from[s.row_start[id - row_shift]..][..len];
                        for (d, &m) in row[last..last + len].iter_mut().zip(source) {
                            *d += p * m;
                        }
                    }
                });
            std::mem::swap(&mut mass, &mut next);
            total = new_total;
        }
        Distribution::Spread { total, mass }
    }

    /// One more player of marginal `p` added to the cells `from` (holding
    /// `total` players), written to `to`: each destination row is one
    /// pass that assigns its own row's two pulls (the last two actions,
    /// shifted by 0 and 1) and adds the rows one outer count below, all
    /// within the row in cache, so nothing is cleared first.
    fn add_player(&self, from: &[f64], to: &mut [f64], total: u32, p: &[f64]) {
        let s = &self.simplex;
        let k = s.actions;
        let radix = s.players as usize + 1;
        // Row-id stride of each outer axis.
        let mut strides = [0usize; crate::model::limits::MAX_ACTIONS];
        for a in (0..k - 2).rev() {
            strides[a] = if a == k - 3 {
                1
            } else {
                strides[a + 1] * radix
            };
        }
        let (p_last, p_pen) = (p[k - 1], p[k - 2]);
        s.rows_mut(to, 1)
            .into_par_iter()
            .with_min_len(64)
            .filter(|(_, used, _)| *used <= total + 1)
            .for_each(|(id, used, row)| {
                let len = (total + 1 - used) as usize + 1;
                let row = &mut row[..len];
                if used <= total {
                    // This row's own source, `len − 1` cells.
                    let own = &from[s.row_start[id]..][..len - 1];
                    row[0] = p_last * own[0];
                    for t in 1..len - 1 {
                        row[t] = p_last * own[t] + p_pen * own[t - 1];
                    }
                    row[len - 1] = p_pen * own[len - 2];
                } else {
                    row[0] = 0.0;
                }
                let mut outer = [0u32; crate::model::limits::MAX_ACTIONS];
                s.outer(id, &mut outer[..k - 2]);
                for a in (0..k - 2).filter(|&a| outer[a] > 0 && p[a] > 0.0) {
                    let source = &from[s.row_start[id - strides[a]]..][..len];
                    for (d, &m) in row.iter_mut().zip(source) {
                        *d += p[a] * m;
                    }
                }
            });
    }

    /// Two more players of marginal `p` added to the cells `from` (holding
    /// `total` players), written to `to`: each destination row pulls its own
    /// row (shifts 0, 1, 2 along it), the rows one outer count below (shifts
    /// 0, 1) and two below (shift 0), with the weights of `(p·z)²`.
    fn add_two_players(&self, from: &[f64], to: &mut [f64], total: u32, p: &[f64]) {
        let s = &self.simplex;
        let k = s.actions;
        let outer_axes = k - 2;
        let strides = self.strides();
        let (pl, pp) = (p[k - 1], p[k - 2]);
        s.rows_mut(to, 1)
            .into_par_iter()
            .with_min_len(64)
            .filter(|(_, used, _)| *used <= total + 2)
            .for_each(|(id, used, row)| {
                let len = (total + 2 - used) as usize + 1;
                let row = &mut row[..len];
                row.fill(0.0);
                // A source row of `len − drop` cells, added from `shift` on.
                let pull = |row: &mut [f64], start: usize, drop: usize, taps: &[(usize, f64)]| {
                    let source = &from[start..][..len - drop];
                    for &(shift, w) in taps {
                        for (d, &m) in row[shift..].iter_mut().zip(source) {
                            *d += w * m;
                        }
                    }
                };
                if used <= total {
                    let taps = [(0, pl * pl), (1, 2.0 * pp * pl), (2, pp * pp)];
                    pull(row, s.row_start[id], 2, &taps);
                }
                let mut outer = [0u32; crate::model::limits::MAX_ACTIONS];
                s.outer(id, &mut outer[..outer_axes]);
                for a in (0..outer_axes).filter(|&a| outer[a] > 0 && p[a] > 0.0) {
                    if used <= total + 1 {
                        let taps = [(0, 2.0 * p[a] * pl), (1, 2.0 * p[a] * pp)];
                        pull(row, s.row_start[id - strides[a]], 1, &taps);
                    }
                    for b in (a..outer_axes).filter(|&b| p[b] > 0.0) {
                        let needed = if a == b { 2 } else { 1 };
                        if outer[b] < needed {
                            continue;
                        }
                        let w = if a == b {
                            p[a] * p[a]
                        } else {
                            2.0 * p[a] * p[b]
                        };
                        let start = s.row_start[id - strides[a] - strides[b]];
                        pull(row, start, 0, &[(0, w)]);
                    }
                }
            });
    }

    /// Row-id stride of each outer axis.
    fn strides(&self) -> [usize; crate::model::limits::MAX_ACTIONS] {
        let s = &self.simplex;
        let radix = s.players as usize + 1;
        let mut strides = [0usize; crate::model::limits::MAX_ACTIONS];
        for a in (0..s.actions - 2).rev() {
            strides[a] = if a == s.actions - 3 {
                1
            } else {
                strides[a + 1] * radix
            };
        }
        strides
    }

    /// `dist` spread over the cells.
    fn spread(&self, dist: Distribution) -> Distribution {
        match dist {
            Distribution::Point(point) => Distribution::Spread {
                total: point.iter().sum(),
                mass: self.point_mass(&point),
            },
            Distribution::Multinomial {
                point,
                marginal,
                copies,
            } => self.multinomial(&point, &marginal, copies),
            spread => spread,
        }
    }

    /// `point + Mult(copies, p)`, from the log-factorials, renormalised.
    fn multinomial(&self, point: &[u32], marginal: &[f64], copies: u32) -> Distribution {
        let s = &self.simplex;
        let k = s.actions;
        let log_p: Vec<f64> = marginal
            .iter()
            .map(|&p| if p > 0.0 { p.ln() } else { f64::NEG_INFINITY })
            .collect();
        let log_factorial = crate::model::count_blocks::ln_factorials(copies as usize);
        let point_total: u32 = point.iter().sum();
        let total = point_total + copies;
        // Mult(copies, p) written where the point moves it: each destination
        // row holds the multinomial's row of outer counts `outer − point's`
        // from the point's last-axis count on (no second array).
        let point_outer: Vec<u32> = point[..k - 2].to_vec();
        let point_last = point[k - 2] as usize;
        let mut mass = vec![0.0; s.cells];
        s.rows_mut(&mut mass, 1)
            .into_par_iter()
            .filter(|(_, used, _)| *used >= point_total - point[k - 2] - point[k - 1])
            .for_each(|(id, used, row)| {
                let mut outer = vec![0u32; k - 2];
                s.outer(id, &mut outer);
                if outer.iter().zip(&point_outer).any(|(o, q)| o < q) {
                    return;
                }
                let used = used - point_outer.iter().sum::<u32>();
                if used > copies {
                    return;
                }
                for (o, q) in outer.iter_mut().zip(&point_outer) {
                    *o -= q;
                }
                let base: f64 = log_factorial[copies as usize]
                    - outer
                        .iter()
                        .zip(&log_p)
                        .map(|(&c, &lp)| log_factorial[c as usize] - term(c, lp))
                        .sum::<f64>();
                let rest = copies - used;
                let cells = &mut row[point_last..=point_last + rest as usize];
                for (t, m) in cells.iter_mut().enumerate() {
                    let (t, u) = (t as u32, rest - t as u32);
                    let log = base - log_factorial[t as usize] + term(t, log_p[k - 2])
                        - log_factorial[u as usize]
                        + term(u, log_p[k - 1]);
                    *m = log.exp();
                }
            });
        // The log-space pmf errs by about copies·ln(copies) ulps in common
        // (the ln(copies!) term): renormalising to total mass 1 removes it.
        let total_mass: f64 = mass
            .par_chunks(1 << 16)
            .map(|c| c.iter().sum::<f64>())
            .collect::<Vec<f64>>()
            .iter()
            .sum();
        mass.par_iter_mut().for_each(|m| *m /= total_mass);
        Distribution::Spread { total, mass }
    }

    fn point_mass(&self, counts: &[u32]) -> Vec<f64> {
        let s = &self.simplex;
        let mut mass = vec![0.0; s.cells];
        let (row, last) = s.shift(counts);
        mass[s.row_start[row] + last] = 1.0;
        mass
    }

    /// `c · Σ_o p_o Σ_b o_b Σ_M R(M) h_b(x, M + o)` for each state x.
    fn part_values(&self, ty: &PartType, residual: Distribution, shares: &[Vec<f64>]) -> Vec<f64> {
        let residual = match residual {
            point @ Distribution::Point(_) => point,
            other => self.spread(other),
        };
        let s = &self.simplex;
        let k = s.actions;
        let mut values = vec![0.0; self.states];
        for o in &ty.outcomes {
            let (row_shift, last) = s.shift(&o.counts);
            for b in (0..k).filter(|&b| o.counts[b] > 0) {
                let weight = f64::from(ty.copies) * o.probability * f64::from(o.counts[b]);
                for (x, v) in values.iter_mut().enumerate() {
                    let h = &shares[x * k + b];
                    let total = match &residual {
                        Distribution::Point(point) => {
                            let (row, at) = s.shift(point);
                            h[s.row_start[row + row_shift] + at + last]
                        }
                        Distribution::Spread { total, mass } => {
                            // Fixed chunks of rows, added in order: the same
                            // sum whatever the thread count.
                            let partials: Vec<f64> = s
                                .rows
                                .par_chunks(ROWS_PER_TASK)
                                .map(|rows| {
                                    let mut sum = 0.0;
                                    for &(id, used) in rows.iter().filter(|r| r.1 <= *total) {
                                        let len = (total - used) as usize + 1;
                                        let from = &mass[s.row_start[id]..][..len];
                                        let at = s.row_start[id + row_shift] + last;
                                        sum += from
                                            .iter()
                                            .zip(&h[at..at + len])
                                            .map(|(m, h)| m * h)
                                            .sum::<f64>();
                                    }
                                    sum
                                })
                                .collect();
                            partials.iter().sum()
                        }
                        Distribution::Multinomial { .. } => unreachable!("spread above"),
                    };
                    *v += weight * total;
                }
            }
        }
        values
    }

    /// [`LeaveOneOutPlan::part_values`] with the family's shares at each
    /// cell C of the simplex of all n players, pulling `R(C − o)` for each
    /// outcome o (one share evaluation per cell instead of k·states tables).
    fn part_values_streamed(
        &self,
        ty: &PartType,
        residual: Distribution,
        flat: &FlatPlan,
    ) -> Vec<f64> {
        let (mass, total) = match self.spread(residual) {
            Distribution::Spread { total, mass } => (mass, total),
            _ => unreachable!("spread above"),
        };
        let s = &self.simplex;
        let k = s.actions;
        // Each outcome as the rows it pulls from (as in `convolve`) and its
        // weights `p_o o_b`.
        struct Pull<'a> {
            shift: usize,
            outer: &'a [u32],
            counted: u32,
            last: usize,
            weights: Vec<(usize, f64)>,
        }
        let pulls: Vec<Pull<'_>> = ty
            .outcomes
            .iter()
            .map(|o| {
                let (shift, last) = s.shift(&o.counts);
                let outer = &o.counts[..k - 2];
                let weights = (0..k)
                    .filter(|&b| o.counts[b] > 0)
                    .map(|b| (b, o.probability * f64::from(o.counts[b])))
                    .collect();
                Pull {
                    shift,
                    outer,
                    counted: outer.iter().sum(),
                    last,
                    weights,
                }
            })
            .collect();
        let states = self.states;
        let partials: Vec<Vec<f64>> = s
            .rows
            .par_chunks(ROWS_PER_TASK)
            .map(|rows| {
                let mut values = vec![0.0; states];
                let mut outer = [0u32; crate::model::limits::MAX_ACTIONS];
                for &(id, used) in rows {
                    s.outer(id, &mut outer[..k - 2]);
                    // The outcomes whose source row exists: its start, the
                    // outcome's last-axis shift, the row's length.
                    let valid: Vec<(usize, usize, usize, &Pull<'_>)> = pulls
                        .iter()
                        .filter(|p| {
                            p.outer.iter().zip(&outer).all(|(c, v)| c <= v)
                                && used - p.counted <= total
                        })
                        .map(|p| {
                            let len = (total - (used - p.counted)) as usize + 1;
                            (s.row_start[id - p.shift], p.last, len, p)
                        })
                        .collect();
                    if valid.is_empty() {
                        continue;
                    }
                    for (x, value) in values.iter_mut().enumerate() {
                        let mut sum = 0.0;
                        crate::counts::direct::shares_along_row(
                            flat,
                            x,
                            &outer[..k - 2],
                            |t, h| {
                                for &(start, last, len, pull) in &valid {
                                    if t >= last && t - last < len {
                                        let r = mass[start + t - last];
                                        sum += r * pull
                                            .weights
                                            .iter()
                                            .map(|&(b, w)| w * h[b])
                                            .sum::<f64>();
                                    }
                                }
                            },
                        );
                        *value += sum;
                    }
                }
                values
            })
            .collect();
        let copies = f64::from(ty.copies);
        (0..states)
            .map(|x| copies * partials.iter().map(|p| p[x]).sum::<f64>())
            .collect()
    }

    /// `h_b(x, C)` on the simplex of all n players, one table per state and
    /// action (`x * k + b`).
    fn share_tables(&self, flat: &FlatPlan) -> Vec<Vec<f64>> {
        let s = &self.simplex;
        let k = s.actions;
        (0..self.states)
            .flat_map(|x| {
                let mut tables: Vec<Vec<f64>> = (0..k).map(|_| vec![0.0; s.cells]).collect();
                // Row r of every action's table, together.
                let mut cut: Vec<_> = tables
                    .iter_mut()
                    .map(|t| s.rows_mut(t, 1).into_iter())
                    .collect();
                let rows: Vec<(usize, u32, Vec<&mut [f64]>)> = s
                    .rows
                    .iter()
                    .map(|&(id, used)| {
                        let slices = cut.iter_mut().map(|c| c.next().expect("row").2).collect();
                        (id, used, slices)
                    })
                    .collect();
                rows.into_par_iter().for_each(|(id, _, mut slices)| {
                    let mut outer = vec![0u32; k - 2];
                    s.outer(id, &mut outer);
                    crate::counts::direct::shares_along_row(flat, x, &outer, |t, h| {
                        for (table, &value) in slices.iter_mut().zip(h) {
                            table[t] = value;
                        }
                    });
                });
                tables
            })
            .collect()
    }
}

/// `c · log p` with `0 · log 0 = 0`.
fn term(c: u32, log_p: f64) -> f64 {
    if c == 0 {
        0.0
    } else {
        f64::from(c) * log_p
    }
}

/// Whether every outcome of `ty` is one player's action.
fn single_player(ty: &PartType) -> bool {
    ty.outcomes
        .iter()
        .all(|o| o.counts.iter().sum::<u32>() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::problem::Problem;
    use crate::plan::Plan;

    /// The sums against the share tables and with the shares taken at each
    /// cell agree, on a problem of several part types (independent players
    /// of two marginals, a common block, fixed players) in a game of two states.
    #[test]
    fn shares_at_each_cell_equal_the_tables() {
        for family in [
            serde_json::json!({ "family": "proportional", "weights": [[1.0, 2.0, 3.5, 0.5], [2.0, 1.0, 1.0, 4.0]] }),
            serde_json::json!({ "family": "plurality" }),
        ] {
            let problem = Problem::from_value(&serde_json::json!({
                "players": 23, "actions": 4, "game": family,
                "coalitions": [
                    { "members": (0..9).collect::<Vec<_>>(), "policy": { "kind": "independent",
                      "marginals": (0..9).map(|i| if i % 2 == 0 { [0.1, 0.2, 0.3, 0.4] } else { [0.4, 0.3, 0.2, 0.1] }).collect::<Vec<_>>() } },
                    { "members": (9..17).collect::<Vec<_>>(), "policy": { "kind": "common", "dist": [0.25, 0.25, 0.3, 0.2] } },
                    { "members": (17..23).collect::<Vec<_>>(), "policy": { "kind": "pure", "actions": [0, 1, 2, 3, 3, 1] } } ] }))
            .unwrap();
            let plan = Plan::new(&problem);
            let flat = FlatPlan::new(&problem, &plan).unwrap();
            let types = crate::counts::part_types::part_types(&problem, &plan);
            let (n, k, states, m) = (23, 4, problem.states(), 3);
            let run = |tables| {
                LeaveOneOutPlan::new(n, k, states, m, types.clone(), tables)
                    .run(&flat, &[], &mut None, Watch::default())
                    .unwrap()
            };
            let (with, without) = (run(true), run(false));
            assert!(with.iter().all(|v| *v > 0.0));
            for (a, b) in with.iter().zip(&without) {
                assert!((a - b).abs() < 1e-13, "{a} vs {b}");
            }
        }
    }
}
