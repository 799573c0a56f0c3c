//! The counts method by fast convolution (docs/THEORY.md, "Counts by fast
//! convolution"): the same `r_j(x)` as the direct pair sum of
//! [`crate::counts::direct`], in `O(L log L)` per share table instead of
//! `O(|P_j| · |Q_j|)`, where L ≈ (n+1)^(k−1) is the size of the count grid.
//!
//! A coalition's expected total is a sum over its random *parts* (one
//! player's marginal, a `common` or `joint` block, the fixed players):
//! `r_j(x) = Σ_{q ∈ j} Σ_b ⟨h_b(x, ·), A_b^q ⋆ R_{−q}⟩`, where
//! `A_b^q(N) = Σ_o p_o o_b [N = o]` weighs the part's outcomes by how many of
//! its players choose b, and `R_{−q}` is the count distribution of everyone
//! outside part q. By Parseval and the convolution theorem this is
//! `(1/L) Σ_f conj(Ĥ_b(f)) Â_b^q(f) R̂_{−q}(f)`: only the share tables are
//! transformed (k per state, shared by every coalition), while the parts'
//! spectra are closed forms evaluated at each frequency (a sum over the
//! part's outcomes), and `R̂_{−q}` is the product of all other parts'
//! spectra, formed for every part at once by prefix and suffix products
//! (never by dividing the whole by one part, which is unstable). Identical
//! parts of one coalition (its `uniform` players, equal marginals) are one
//! part *type* taken `c` times: its spectrum is raised to the power c, which
//! is the multinomial closed form `P̂^c` of c identical players.
//!
//! Each result carries an a-posteriori bound on its rounding error (see
//! [`SpectralResult::bound`]), computed in the same pass from the actual
//! magnitudes of the spectra.

pub(crate) mod correlate;
mod grid;

use rayon::prelude::*;
use rustfft::num_complex::Complex;

use crate::counts::part_types::{part_types, PartType};
use crate::error::{Error, Result};
use crate::model::problem::Problem;
use crate::plan::{FlatPlan, Plan};
use crate::watch::Watch;

pub(crate) use grid::Grid;

/// Unit roundoff of f64.
const U: f64 = f64::EPSILON / 2.0;

/// Rows of the spectrum per parallel task of the frequency pass.
const ROWS_PER_TASK: usize = 8;

/// Spectra kept at once at most (bytes): beyond it, the share tables are
/// transformed one at a time and the frequency pass runs once per table.
const SPECTRA_BYTES: u64 = 1 << 30;

/// The FFT counts path for one problem: its grid and part types.
#[derive(Clone, Debug)]
pub(crate) struct SpectralPlan {
    grid: Grid,
    actions: usize,
    states: usize,
    coalitions: usize,
    types: Vec<PartType>,
    /// Types per coalition.
    per_coalition: Vec<usize>,
}

/// Sums per slot `j * states + x` and their rounding-error bound.
#[derive(Clone, Debug)]
pub(crate) struct SpectralResult {
    /// `r_j(x)` at slot `j * states + x`.
    pub sums: Vec<f64>,
    /// The largest a-posteriori bound on `|computed − exact|` over the slots
    /// (exact for the given share tables): the transform's error from its
    /// relative 2-norm bound and the actual norms, the closed-form spectra's
    /// error from a first-order disc arithmetic on their actual magnitudes,
    /// and the summation's error from the actual sum of magnitudes.
    pub bound: f64,
}

impl SpectralPlan {
    /// The plan for `problem` (symmetric, k ≥ 2).
    pub fn new(problem: &Problem, plan: &Plan) -> Result<SpectralPlan> {
        let k = problem.actions();
        if !problem.game().is_symmetric() {
            return Err(Error::spec(
                "game.family",
                "the counts method needs a symmetric game; a table game is not symmetric (enumerate or sample it)",
            ));
        }
        assert!(k >= 2, "one action has nothing to convolve");
        let m = problem.coalitions().len();
        let types = part_types(problem, plan);
        let mut per_coalition = vec![0; m];
        for t in &types {
            per_coalition[t.coalition] += 1;
        }
        Ok(SpectralPlan {
            grid: Grid::new(problem.players(), k),
            actions: k,
            states: problem.states(),
            coalitions: m,
            types,
            per_coalition,
        })
    }

    /// The grid's axis lengths as text, `216×216×216`.
    pub fn grid_text(&self) -> String {
        let lengths: Vec<String> = self.grid.lengths.iter().map(|l| l.to_string()).collect();
        lengths.join("×")
    }

    /// Share tables transformed together (`k` per state, fewer when they
    /// would pass [`SPECTRA_BYTES`]).
    fn batch(&self) -> usize {
        let per = (self.grid.bins() as u64).saturating_mul(16);
        ((SPECTRA_BYTES / per.max(1)) as usize).clamp(1, self.actions)
    }

    /// Memory the path needs at its peak, in bytes: the spectra kept at once
    /// and each thread's rows and per-type scratch.
    pub fn memory_bytes(&self) -> u64 {
        let bins = self.grid.bins() as u64;
        let spectra = (self.batch() as u64)
            .saturating_mul(bins)
            .saturating_mul(16);
        let threads = rayon::current_num_threads() as u64;
        let rows = (self.batch() * self.grid.last()) as u64 * 8 * 64;
        let scratch = (self.types.len() as u64 * 8 + 64) * 8 * self.grid.half as u64;
        spectra
            .saturating_add(threads * (rows + scratch))
            .saturating_add(self.types.len() as u64 * 1024)
    }

    /// Rough cost in floating-point operations: the transforms (about
    /// `5 L log₂ L` each, with the share evaluations that fill them) and the
    /// frequency pass (per bin and part type: its outcomes' twiddles, the
    /// powers, the prefix and suffix products and `k` products per table).
    pub fn cost(&self) -> f64 {
        let cells = self.grid.cells();
        let tables = (self.actions * self.states) as f64;
        let passes = tables / self.batch() as f64;
        let transforms = tables * cells * (5.0 * cells.log2() + 10.0);
        let per_bin: f64 = self
            .types
            .iter()
            .map(|t| {
                t.outcomes.len() as f64 * (8.0 + 4.0 * self.actions as f64)
                    + 4.0 * f64::from(32 - t.copies.leading_zeros())
                    + 40.0
                    + 12.0 * self.batch() as f64
            })
            .sum();
        transforms + passes * self.grid.bins() as f64 * per_bin
    }

    /// `r_j(x)` for every slot, with its rounding bound.
    pub fn run(&self, flat: &FlatPlan, watch: Watch<'_>) -> Result<SpectralResult> {
        let k = self.actions;
        let slots = self.coalitions * self.states;
        let mut sums = vec![0.0; slots];
        let mut closed = vec![0.0; slots];
        let mut fft_norms = vec![0.0; slots];
        let mut residual_norms: Option<Vec<f64>> = None;
        let theta = self.grid.relative_error();
        let batch = self.batch();
        let tables: Vec<(usize, Vec<usize>)> = (0..self.states)
            .flat_map(|x| {
                (0..k)
                    .collect::<Vec<_>>()
                    .chunks(batch)
                    .map(|b| (x, b.to_vec()))
                    .collect::<Vec<_>>()
            })
            .collect();
        let total_rows = (tables.len() * self.grid.rows) as u64;
        let mut done_rows = 0u64;
        for (x, actions) in &tables {
            watch.check()?;
            let spectra = self.share_spectra(flat, *x, actions)?;
            let norms: Vec<f64> = spectra
                .iter()
                .map(|s| {
                    let mut sq = 0.0;
                    for (i, v) in s.iter().enumerate() {
                        sq += self.grid.weight(i % self.grid.half) * v.norm_sqr();
                    }
                    sq.sqrt() * (1.0 + theta)
                })
                .collect();
            let pass = self.frequency_pass(
                &spectra,
                actions,
                residual_norms.is_none(),
                |rows| {
                    watch.report(done_rows + rows as u64, total_rows);
                },
                watch,
            )?;
            done_rows += self.grid.rows as u64;
            let u2 = residual_norms.get_or_insert(pass.residual_squares);
            for (t, ty) in self.types.iter().enumerate() {
                let slot = ty.coalition * self.states + x;
                for (i, &b) in actions.iter().enumerate() {
                    fft_norms[slot] += f64::from(ty.copies)
                        * norms[i]
                        * ty.mass[b]
                        * (1.0 + ty.error)
                        * u2[t].sqrt();
                }
            }
            for j in 0..self.coalitions {
                sums[j * self.states + x] += pass.values[j];
                closed[j * self.states + x] += pass.bounds[j];
            }
        }
        let scale = 1.0 / self.grid.cells();
        let bound = (0..slots)
            .map(|s| (closed[s] + theta * fft_norms[s]) * scale * (1.0 + 4.0 * U))
            .fold(0.0, f64::max);
        for s in &mut sums {
            *s *= scale;
        }
        Ok(SpectralResult { sums, bound })
    }

    /// The half spectra of `h_b(x, ·)` for the actions `actions`
    /// ([`share_spectra`] on this plan's grid).
    fn share_spectra(
        &self,
        flat: &FlatPlan,
        x: usize,
        actions: &[usize],
    ) -> Result<Vec<Vec<Complex<f64>>>> {
        share_spectra(&self.grid, flat, x, actions)
    }

    /// One pass over every stored frequency for the share spectra `spectra`
    /// (of the actions `actions`): each coalition's value and closed-form
    /// error bound (both unscaled by 1/L), and the squared norms of the
    /// residual spectra's upper bounds when `norms` is set.
    fn frequency_pass(
        &self,
        spectra: &[Vec<Complex<f64>>],
        actions: &[usize],
        norms: bool,
        report: impl Fn(usize) + Sync,
        watch: Watch<'_>,
    ) -> Result<Pass> {
        let tasks = self.grid.rows.div_ceil(ROWS_PER_TASK);
        let done = std::sync::atomic::AtomicUsize::new(0);
        let twiddles = twiddles(self.grid.last());
        let partials: Vec<Pass> = (0..tasks)
            .into_par_iter()
            .map(|task| {
                let mut pass = Pass::new(self.coalitions, self.types.len());
                if watch.cancelled() {
                    return pass;
                }
                let mut scratch = Scratch::new(self);
                let first = task * ROWS_PER_TASK;
                for row in first..(first + ROWS_PER_TASK).min(self.grid.rows) {
                    let mut row_pass = Pass::new(self.coalitions, self.types.len());
                    self.row(
                        row,
                        spectra,
                        actions,
                        &twiddles,
                        norms,
                        &mut scratch,
                        &mut row_pass,
                    );
                    pass.add(&row_pass);
                }
                let rows = done.fetch_add(ROWS_PER_TASK, std::sync::atomic::Ordering::Relaxed);
                report((rows + ROWS_PER_TASK).min(self.grid.rows));
                pass
            })
            .collect();
        watch.check()?;
        let mut total = Pass::new(self.coalitions, self.types.len());
        for p in &partials {
            total.add(p);
        }
        // Summation error: every term's magnitude is in the bound's sum
        // already (it weighs `mass · upper`), so the bound grows by the
        // depth of the sums, relative.
        for (j, b) in total.bounds.iter_mut().enumerate() {
            let depth = (self.grid.half * self.per_coalition[j] * actions.len())
                + ROWS_PER_TASK
                + tasks
                + 8;
            *b += depth as f64 * U * total.magnitudes[j];
        }
        Ok(total)
    }

    /// The frequency pass over one row of the spectrum: per frequency, load
    /// the share spectra, form each type's power, then each coalition's
    /// leave-one-out products and sums.
    #[allow(clippy::too_many_arguments, reason = "one row's inputs and outputs")]
    fn row(
        &self,
        row: usize,
        spectra: &[Vec<Complex<f64>>],
        actions: &[usize],
        twiddles: &[Complex<f64>],
        norms: bool,
        s: &mut Scratch,
        out: &mut Pass,
    ) {
        let types = self.types.len();
        self.start_row(row, twiddles, s);
        let max_copies = self.types.iter().map(|t| t.copies).max().unwrap_or(1);
        // Rounding of the products forming R̂_{−q} and Â_b R̂_{−q}: powers by
        // squaring, prefix, suffix and two more products, 3u each.
        let gamma =
            3.0 * U * (2.0 * types as f64 + 4.0 * f64::from(33 - max_copies.leading_zeros()) + 4.0);
        for f in 0..self.grid.half {
            let w = self.grid.weight(f);
            let bin = row * self.grid.half + f;
            for (i, spectrum) in spectra.iter().enumerate() {
                let h = spectrum[bin];
                s.h[i] = h;
                // |h| (hypot is slow; nothing here comes near overflow).
                s.hm[i] = h.norm_sqr().sqrt() * (1.0 + 2.0 * U);
            }
            self.type_powers(twiddles, s);
            self.leave_one_out(actions, w, gamma, norms, s, out);
        }
    }

    /// The outer axes' twiddle of each outcome, constant along the row, and
    /// each outcome's phase reset to the row's start.
    fn start_row(&self, row: usize, twiddles: &[Complex<f64>], s: &mut Scratch) {
        let axes = self.actions - 1;
        let length = self.grid.last();
        self.grid.outer(row, &mut s.outer);
        let mut o = 0;
        for ty in &self.types {
            for outcome in &ty.outcomes {
                let mut c = Complex::new(1.0, 0.0);
                for a in 0..axes - 1 {
                    let t = (s.outer[a] * outcome.counts[a] as usize) % length;
                    c *= twiddles[t];
                }
                s.row_twiddle[o] = c;
                s.phase[o] = 0;
                o += 1;
            }
        }
    }

    /// At one frequency, each type's spectrum `p` and its share-weighted
    /// spectra `a`, its power by the type's copies (`x = p^copies`, `y =
    /// p^(copies−1)`) and the closed form's magnitudes and upper bounds of
    /// both; advances every outcome's phase to the next frequency.
    #[inline(always)]
    fn type_powers(&self, twiddles: &[Complex<f64>], s: &mut Scratch) {
        let k = self.actions;
        let length = self.grid.last();
        let one = Complex::new(1.0, 0.0);
        let mut o = 0;
        for (t, ty) in self.types.iter().enumerate() {
            let mut p = Complex::new(0.0, 0.0);
            let a = &mut s.a[t * k..(t + 1) * k];
            a.fill(Complex::new(0.0, 0.0));
            for term in &ty.terms {
                // The phase index (f · step) mod L, advanced along the row.
                let z = s.row_twiddle[o] * twiddles[s.phase[o]];
                s.phase[o] += term.step;
                if s.phase[o] >= length {
                    s.phase[o] -= length;
                }
                o += 1;
                p += z * term.probability;
                for &(b, weight) in &term.weights {
                    a[b] += z * weight;
                }
            }
            let magnitude = p.norm_sqr().sqrt() * (1.0 + 2.0 * U);
            let upper = magnitude + ty.error;
            if ty.copies == 1 {
                (s.x[t], s.y[t]) = (p, one);
                (s.xa[t], s.xu[t], s.ya[t], s.yu[t]) = (magnitude, upper, 1.0, 1.0);
            } else {
                let y = powi(p, ty.copies - 1);
                s.x[t] = y * p;
                s.y[t] = y;
                s.ya[t] = magnitude.powi(ty.copies as i32 - 1);
                s.yu[t] = upper.powi(ty.copies as i32 - 1);
                s.xa[t] = s.ya[t] * magnitude;
                s.xu[t] = s.yu[t] * upper;
            }
        }
    }

    /// At one frequency of weight `w`, each type's residual (the product of
    /// every other type's power and its own less one copy, from prefix and
    /// suffix products) against the share spectra: the coalition's value,
    /// error bound and magnitude, and the residual norms when `norms` is set.
    #[inline(always)]
    fn leave_one_out(
        &self,
        actions: &[usize],
        w: f64,
        gamma: f64,
        norms: bool,
        s: &mut Scratch,
        out: &mut Pass,
    ) {
        let k = self.actions;
        let types = self.types.len();
        let one = Complex::new(1.0, 0.0);
        // Suffix products of X̂, |X̂| and its upper bound.
        s.sx[types] = one;
        s.sa[types] = 1.0;
        s.su[types] = 1.0;
        for t in (0..types).rev() {
            s.sx[t] = s.sx[t + 1] * s.x[t];
            s.sa[t] = s.sa[t + 1] * s.xa[t];
            s.su[t] = s.su[t + 1] * s.xu[t];
        }
        let (mut px, mut pa, mut pu) = (one, 1.0, 1.0);
        for (t, ty) in self.types.iter().enumerate() {
            let residual = px * s.sx[t + 1] * s.y[t];
            let lower = pa * s.sa[t + 1] * s.ya[t];
            let upper = pu * s.su[t + 1] * s.yu[t];
            let radius = (upper - lower).max(0.0) + (gamma + ty.error) * upper;
            let copies = f64::from(ty.copies);
            let j = ty.coalition;
            for (i, &b) in actions.iter().enumerate() {
                if ty.mass[b] == 0.0 {
                    continue;
                }
                let (h, hm) = (s.h[i], s.hm[i]);
                let v = s.a[t * k + b] * residual;
                out.values[j] += w * copies * (h.re * v.re + h.im * v.im);
                out.bounds[j] += w * copies * hm * ty.mass[b] * radius;
                out.magnitudes[j] += w * copies * hm * ty.mass[b] * upper;
            }
            if norms {
                out.residual_squares[t] += w * upper * upper;
            }
            px *= s.x[t];
            pa *= s.xa[t];
            pu *= s.xu[t];
        }
    }
}

/// The half spectra of `h_b(x, ·)` on `grid` for the actions `actions` of
/// `flat`'s symmetric game: every count vector of the n players is a cell,
/// the others stay 0, and so does `h_b` where nobody plays b. Shared by the
/// counts method and the best response's correlations
/// ([`correlate`]).
pub(crate) fn share_spectra(
    grid: &Grid,
    flat: &FlatPlan,
    x: usize,
    actions: &[usize],
) -> Result<Vec<Vec<Complex<f64>>>> {
    let n = flat.config.players;
    let last = grid.last();
    grid.forward(actions.len(), |outer, rows| {
        let used: u32 = outer.iter().map(|&c| c as u32).sum();
        if used > n {
            return;
        }
        let outer: Vec<u32> = outer.iter().map(|&c| c as u32).collect();
        let k = outer.len() + 2;
        crate::counts::direct::shares_along_row(flat, x, &outer, |t, h| {
            for (i, &b) in actions.iter().enumerate() {
                // h_b where nobody plays b is weighed by o_b = 0 in every
                // term, so it is 0 here: left in, it can be as large as
                // w_max / (n w_min) and swamp the transform's rounding.
                let count = match b {
                    _ if b + 2 < k => outer[b],
                    _ if b + 2 == k => t as u32,
                    _ => n - used - t as u32,
                };
                rows[i * last + t] = if count == 0 { 0.0 } else { h[b] };
            }
        });
    })
}

/// One frequency pass's sums.
struct Pass {
    values: Vec<f64>,
    bounds: Vec<f64>,
    magnitudes: Vec<f64>,
    residual_squares: Vec<f64>,
}

impl Pass {
    fn new(coalitions: usize, types: usize) -> Pass {
        Pass {
            values: vec![0.0; coalitions],
            bounds: vec![0.0; coalitions],
            magnitudes: vec![0.0; coalitions],
            residual_squares: vec![0.0; types],
        }
    }

    fn add(&mut self, other: &Pass) {
        for (a, b) in [
            (&mut self.values, &other.values),
            (&mut self.bounds, &other.bounds),
            (&mut self.magnitudes, &other.magnitudes),
            (&mut self.residual_squares, &other.residual_squares),
        ] {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
    }
}

/// Per-thread scratch of the frequency pass.
struct Scratch {
    outer: Vec<usize>,
    phase: Vec<usize>,
    h: Vec<Complex<f64>>,
    hm: Vec<f64>,
    row_twiddle: Vec<Complex<f64>>,
    a: Vec<Complex<f64>>,
    x: Vec<Complex<f64>>,
    y: Vec<Complex<f64>>,
    xa: Vec<f64>,
    xu: Vec<f64>,
    ya: Vec<f64>,
    yu: Vec<f64>,
    sx: Vec<Complex<f64>>,
    sa: Vec<f64>,
    su: Vec<f64>,
}

impl Scratch {
    fn new(plan: &SpectralPlan) -> Scratch {
        let t = plan.types.len();
        let zero = Complex::new(0.0, 0.0);
        Scratch {
            outer: vec![0; plan.actions],
            phase: vec![0; plan.types.iter().map(|t| t.outcomes.len()).sum()],
            h: vec![zero; plan.actions],
            hm: vec![0.0; plan.actions],
            row_twiddle: vec![zero; plan.types.iter().map(|t| t.outcomes.len()).sum()],
            a: vec![zero; t * plan.actions],
            x: vec![zero; t],
            y: vec![zero; t],
            xa: vec![0.0; t],
            xu: vec![0.0; t],
            ya: vec![0.0; t],
            yu: vec![0.0; t],
            sx: vec![zero; t + 1],
            sa: vec![0.0; t + 1],
            su: vec![0.0; t + 1],
        }
    }
}

/// `exp(−2πi t / L)` for t in 0..L.
fn twiddles(length: usize) -> Vec<Complex<f64>> {
    (0..length)
        .map(|t| {
            let (sin, cos) = (-2.0 * std::f64::consts::PI * t as f64 / length as f64).sin_cos();
            Complex::new(cos, sin)
        })
        .collect()
}

/// `z^e` by squaring.
fn powi(mut z: Complex<f64>, mut e: u32) -> Complex<f64> {
    let mut result = Complex::new(1.0, 0.0);
    while e > 0 {
        if e & 1 == 1 {
            result *= z;
        }
        e >>= 1;
        if e > 0 {
            z *= z;
        }
    }
    result
}
