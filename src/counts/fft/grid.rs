//! The transform grid of the FFT counts path: count vectors of all n players
//! over k actions as cells of a (k−1)-dimensional array, one axis per action
//! but the last (whose count is implied), each axis `L_a ≥ n + 1` long. Since
//! no count exceeds n, the cyclic convolution on this grid is the plain
//! convolution of count distributions: nothing wraps around.
//!
//! The forward transform is real-to-complex along the last (contiguous) axis
//! and complex along the others, each line on its own, on every core. Only
//! the half spectrum is stored (`last/2 + 1` bins per row): the rest is its
//! complex conjugate.

use std::sync::Arc;

use rayon::prelude::*;
use realfft::RealFftPlanner;
use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};

/// The grid: axis lengths and the half-spectrum's shape.
#[derive(Clone, Debug)]
pub(crate) struct Grid {
    /// `L_a` for the k−1 axes (the last one contiguous).
    pub lengths: Vec<usize>,
    /// Bins stored per row: `L_last / 2 + 1`.
    pub half: usize,
    /// Rows: the product of all lengths but the last.
    pub rows: usize,
}

/// Lines of a strided axis gathered and transformed together.
const COLUMNS: usize = 16;

/// Rows per parallel task of the real-to-complex pass.
const ROWS_PER_TASK: usize = 64;

impl Grid {
    /// The grid for n players over k ≥ 2 actions: each axis the smallest
    /// length ≥ n + 1 with no prime factor above 5 (rustfft's fast radices,
    /// and the error bound of [`Grid::relative_error`]).
    pub fn new(players: usize, actions: usize) -> Grid {
        let length = smooth_at_least(players + 1);
        let lengths = vec![length; actions - 1];
        Grid {
            half: length / 2 + 1,
            // Saturating: a grid too large to build is still sized, so that
            // the memory estimate can refuse it.
            rows: lengths[..actions - 2]
                .iter()
                .fold(1usize, |rows, &l| rows.saturating_mul(l)),
            lengths,
        }
    }

    /// `L`: cells of the real array (the transform's normalisation).
    pub fn cells(&self) -> f64 {
        self.lengths.iter().map(|&l| l as f64).product()
    }

    /// Complex bins stored (`rows × half`).
    pub fn bins(&self) -> usize {
        self.rows.saturating_mul(self.half)
    }

    /// The last axis' length.
    pub fn last(&self) -> usize {
        *self.lengths.last().expect("k ≥ 2")
    }

    /// The outer coordinates (all axes but the last) of row `row`, most
    /// significant first.
    pub fn outer(&self, row: usize, out: &mut [usize]) {
        let mut rest = row;
        let axes = self.lengths.len() - 1;
        for a in (0..axes).rev() {
            out[a] = rest % self.lengths[a];
            rest /= self.lengths[a];
        }
    }

    /// Weight of last-axis bin `f` in a sum over the whole spectrum: 1 for
    /// bins that are their own mirror image (0, and L/2 when L is even), 2
    /// for the others, which stand for their conjugates too.
    pub fn weight(&self, f: usize) -> f64 {
        if f == 0 || 2 * f == self.last() {
            1.0
        } else {
            2.0
        }
    }

    /// A bound θ on the transform's relative rounding error in the 2-norm,
    /// `‖fl(FFT x) − FFT x‖₂ ≤ θ ‖FFT x‖₂`: for each radix-r stage of each
    /// axis `(r + 4) u` (a radix-r butterfly is an r-point DFT with ≤ r
    /// products and sums per output, after Higham, *Accuracy and Stability of
    /// Numerical Algorithms*, §24.1, whose radix-2 figure is `η ≈ 5.7u`), plus
    /// `8u` for the real-to-complex step, u = 2^−53. Stages compose to first
    /// order by adding their bounds.
    pub fn relative_error(&self) -> f64 {
        let u = f64::EPSILON / 2.0;
        let stages: f64 = self
            .lengths
            .iter()
            .map(|&l| {
                prime_factors(l)
                    .into_iter()
                    .map(|r| (r + 4) as f64)
                    .sum::<f64>()
            })
            .sum();
        (stages + 8.0) * u
    }

    /// The half spectra of `arrays` real arrays whose rows are written by
    /// `fill(outer coordinates, rows)`: `rows` holds row `outer` of each
    /// array, `L_last` zeroed values each, one after the other. Each spectrum
    /// is row-major `[L_0]…[L_{k−3}][half]`.
    pub fn forward(
        &self,
        arrays: usize,
        fill: impl Fn(&[usize], &mut [f64]) + Sync,
    ) -> crate::Result<Vec<Vec<Complex<f64>>>> {
        let last = self.last();
        let axes = self.lengths.len();
        let r2c = RealFftPlanner::<f64>::new().plan_fft_forward(last);
        // The largest allocation of the FFT route: a failed one is a
        // refusal, not an abort.
        let mut spectra = Vec::with_capacity(arrays);
        for _ in 0..arrays {
            spectra.push(crate::memory::try_filled(
                self.bins(),
                Complex::new(0.0, 0.0),
                "the counts method's FFT spectra",
            )?);
        }
        let mut chunks: Vec<_> = spectra
            .iter_mut()
            .map(|s| s.chunks_mut(self.half * ROWS_PER_TASK))
            .collect();
        // Task t takes chunk t of every spectrum.
        let tasks: Vec<Vec<&mut [Complex<f64>]>> = (0..self.rows.div_ceil(ROWS_PER_TASK))
            .map(|_| {
                chunks
                    .iter_mut()
                    .map(|c| c.next().expect("one per task"))
                    .collect()
            })
            .collect();
        tasks
            .into_par_iter()
            .enumerate()
            .for_each(|(task, mut outs)| {
                let mut input = vec![0.0; arrays * last];
                let mut scratch = r2c.make_scratch_vec();
                let mut outer = vec![0; axes];
                let rows = outs[0].len() / self.half;
                for i in 0..rows {
                    self.outer(task * ROWS_PER_TASK + i, &mut outer);
                    input.fill(0.0);
                    fill(&outer[..axes - 1], &mut input);
                    for (a, out) in outs.iter_mut().enumerate() {
                        let row_out = &mut out[i * self.half..(i + 1) * self.half];
                        r2c.process_with_scratch(
                            &mut input[a * last..(a + 1) * last],
                            row_out,
                            &mut scratch,
                        )
                        .expect("lengths fixed by the plan");
                    }
                }
            });
        let mut planner = FftPlanner::<f64>::new();
        for a in 0..axes - 1 {
            let fft = planner.plan_fft_forward(self.lengths[a]);
            let inner: usize = self.lengths[a + 1..axes - 1].iter().product::<usize>() * self.half;
            for spectrum in &mut spectra {
                transform_axis(spectrum, self.lengths[a], inner, &fft);
            }
        }
        Ok(spectra)
    }
}

impl Grid {
    /// The real arrays (row-major, `L_last` values per row) whose half
    /// spectra are `spectrum` (consumed: its outer axes are transformed in
    /// place), **unscaled**: `L` times the inverse DFT, as the inverse of
    /// [`Grid::forward`] up to that factor. The transform's relative
    /// rounding error in the 2-norm is [`Grid::relative_error`]'s θ, the
    /// stages being the forward's in reverse. Bins that stand for themselves
    /// (0, and `L_last/2` for an even length) are real for a real array:
    /// their imaginary parts, rounding only, are dropped.
    pub fn backward(&self, mut spectrum: Vec<Complex<f64>>) -> crate::Result<Vec<f64>> {
        let last = self.last();
        let axes = self.lengths.len();
        let mut planner = FftPlanner::<f64>::new();
        for a in 0..axes - 1 {
            let fft = planner.plan_fft_inverse(self.lengths[a]);
            let inner: usize = self.lengths[a + 1..axes - 1].iter().product::<usize>() * self.half;
            transform_axis(&mut spectrum, self.lengths[a], inner, &fft);
        }
        let c2r = RealFftPlanner::<f64>::new().plan_fft_inverse(last);
        let mut out = crate::memory::try_filled(
            self.rows.saturating_mul(last),
            0.0,
            "the best response's correlation arrays",
        )?;
        out.par_chunks_mut(last * ROWS_PER_TASK)
            .zip(spectrum.par_chunks_mut(self.half * ROWS_PER_TASK))
            .for_each(|(reals, bins)| {
                let mut scratch = c2r.make_scratch_vec();
                for (row, half) in reals.chunks_mut(last).zip(bins.chunks_mut(self.half)) {
                    half[0].im = 0.0;
                    if last.is_multiple_of(2) {
                        half[self.half - 1].im = 0.0;
                    }
                    c2r.process_with_scratch(half, row, &mut scratch)
                        .expect("lengths fixed by the plan, self-conjugate bins real");
                }
            });
        Ok(out)
    }
}

/// Transform every line along one strided axis of length `length`, whose
/// consecutive elements are `inner` apart, `COLUMNS` lines at a time.
fn transform_axis(data: &mut [Complex<f64>], length: usize, inner: usize, fft: &Arc<dyn Fft<f64>>) {
    let block = length * inner;
    let groups = inner.div_ceil(COLUMNS);
    data.par_chunks_mut(block).for_each(|matrix| {
        // One outer block is a length × inner matrix; its column groups are
        // disjoint, so they are transformed in parallel through a shared
        // pointer (each task touches only its own columns).
        let base = SharedColumns(matrix.as_mut_ptr());
        let buffers = || {
            (
                vec![Complex::new(0.0, 0.0); COLUMNS * length],
                vec![Complex::new(0.0, 0.0); fft.get_inplace_scratch_len()],
            )
        };
        (0..groups)
            .into_par_iter()
            .for_each_init(buffers, |(lines, scratch), g| {
                let first = g * COLUMNS;
                let width = COLUMNS.min(inner - first);
                let lines = &mut lines[..width * length];
                let at = |t: usize, c: usize| t * inner + first + c;
                for t in 0..length {
                    for c in 0..width {
                        // SAFETY: `at(t, c) < length * inner = matrix.len()`, and
                        // columns `first..first + width` belong to this task only.
                        lines[c * length + t] = unsafe { *base.get().add(at(t, c)) };
                    }
                }
                fft.process_with_scratch(lines, scratch);
                for t in 0..length {
                    for c in 0..width {
                        // SAFETY: as above.
                        unsafe { *base.get().add(at(t, c)) = lines[c * length + t] };
                    }
                }
            });
    });
}

/// A matrix's base pointer, shared by tasks that each touch disjoint columns.
#[derive(Clone, Copy)]
struct SharedColumns(*mut Complex<f64>);

impl SharedColumns {
    fn get(self) -> *mut Complex<f64> {
        self.0
    }
}

// SAFETY: the tasks holding copies write disjoint elements (see `transform_axis`).
unsafe impl Send for SharedColumns {}
unsafe impl Sync for SharedColumns {}

/// The smallest integer ≥ `n` whose prime factors are all 2, 3 or 5.
pub(crate) fn smooth_at_least(n: usize) -> usize {
    (n.max(1)..)
        .find(|&m| {
            let mut r = m;
            for p in [2, 3, 5] {
                while r.is_multiple_of(p) {
                    r /= p;
                }
            }
            r == 1
        })
        .expect("5-smooth numbers are unbounded")
}

/// Prime factors of `n` with multiplicity.
fn prime_factors(mut n: usize) -> Vec<usize> {
    let mut factors = Vec::new();
    let mut p = 2;
    while p * p <= n {
        while n.is_multiple_of(p) {
            factors.push(p);
            n /= p;
        }
        p += 1;
    }
    if n > 1 {
        factors.push(n);
    }
    factors
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The grid's transform against the DFT's definition, summed directly.
    #[test]
    fn forward_is_the_dft() {
        let grid = Grid {
            lengths: vec![6, 5, 10],
            half: 6,
            rows: 30,
        };
        let value = |c: &[usize]| ((c[0] * 31 + c[1] * 7 + c[2] * 3) % 11) as f64 / 11.0 - 0.4;
        let spectra = grid
            .forward(2, |outer, rows| {
                for (t, v) in rows[..10].iter_mut().enumerate() {
                    *v = value(&[outer[0], outer[1], t]);
                }
                // The second array is the first one doubled.
                for t in 0..10 {
                    rows[10 + t] = 2.0 * rows[t];
                }
            })
            .expect("a small grid fits");
        let spectrum = &spectra[0];
        let mut worst: f64 = 0.0;
        for f0 in 0..6 {
            for f1 in 0..5 {
                for f2 in 0..6 {
                    let mut exact = Complex::new(0.0, 0.0);
                    for c0 in 0..6 {
                        for c1 in 0..5 {
                            for c2 in 0..10 {
                                let phase = -2.0
                                    * std::f64::consts::PI
                                    * ((f0 * c0) as f64 / 6.0
                                        + (f1 * c1) as f64 / 5.0
                                        + (f2 * c2) as f64 / 10.0);
                                exact += Complex::from_polar(value(&[c0, c1, c2]), phase);
                            }
                        }
                    }
                    let got = spectrum[(f0 * 5 + f1) * 6 + f2];
                    worst = worst.max((got - exact).norm());
                    worst =
                        worst.max((spectra[1][(f0 * 5 + f1) * 6 + f2] - exact * 2.0).norm() / 2.0);
                }
            }
        }
        assert!(worst < 1e-12, "max |FFT − DFT| = {worst}");
    }

    /// `backward(forward(a)) = L a` on a random-looking array of each
    /// dimension (k = 2, 3, 4), odd and even last lengths.
    #[test]
    fn backward_inverts_forward() {
        for lengths in [vec![9], vec![6, 5], vec![4, 6, 5]] {
            let last = *lengths.last().unwrap();
            let rows: usize = lengths[..lengths.len() - 1].iter().product();
            let grid = Grid {
                half: last / 2 + 1,
                rows,
                lengths: lengths.clone(),
            };
            let value = |outer: &[usize], t: usize| {
                let c = outer.iter().fold(t, |c, &o| c * 7 + o * 13);
                (c % 17) as f64 / 17.0 - 0.3
            };
            let spectrum = grid
                .forward(1, |outer, row| {
                    for (t, v) in row.iter_mut().enumerate() {
                        *v = value(outer, t);
                    }
                })
                .unwrap()
                .remove(0);
            let back = grid.backward(spectrum).unwrap();
            let mut outer = vec![0; lengths.len()];
            for (i, &got) in back.iter().enumerate() {
                grid.outer(i / last, &mut outer);
                let want = value(&outer[..lengths.len() - 1], i % last) * grid.cells();
                assert!(
                    (got - want).abs() < 1e-12,
                    "{lengths:?} cell {i}: {got} ≠ {want}"
                );
            }
        }
    }

    #[test]
    fn smooth_lengths() {
        assert_eq!(smooth_at_least(1001), 1024);
        assert_eq!(smooth_at_least(385), 400);
        assert_eq!(smooth_at_least(201), 216);
        assert_eq!(smooth_at_least(7), 8);
        assert_eq!(prime_factors(400), vec![2, 2, 2, 2, 5, 5]);
    }
}
