//! Which algorithm computes the counts method's sums: the direct pair sum
//! over count distributions ([`crate::symmetric`], also on the GPU) or the
//! FFT over the count grid ([`crate::spectral`], on the CPU), chosen by
//! estimated cost within the memory limit, with the FFT's rounding bound
//! checked after the fact.

use crate::error::{Error, Remedy, Result};
use crate::memory;
use crate::plan::{FlatPlan, Plan};
use crate::problem::Problem;
use crate::spectral::SpectralPlan;
use crate::symmetric::{CountsPlan, DirectEstimate};
use crate::watch::Watch;

/// How the counts method sums.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum CountsAlgorithm {
    /// The cheaper of the two by estimated cost, within the memory limit;
    /// the FFT falls back to the direct sum when its rounding bound passes
    /// [`FFT_ROUNDING_LIMIT`] and the direct sum is within
    /// [`crate::Options::auto_max_pairs`].
    #[default]
    Auto,
    /// The pair sum over the coalitions' and the others' count
    /// distributions, `Σ_j |P_j| · |Q_j|` pairs (the GPU always sums this way).
    Direct,
    /// Fast convolution on the count grid, `O(L log L)` with L ≈ (n+1)^(k−1),
    /// on the CPU, with an a-posteriori rounding bound.
    Fft,
}

/// Largest FFT rounding bound kept when the direct sum could run instead.
pub const FFT_ROUNDING_LIMIT: f64 = 1e-10;

/// Floating-point operations per pair of the direct sum, per state (to turn
/// [`crate::Options::auto_max_pairs`] into a cost budget).
pub(crate) fn pair_cost(problem: &Problem) -> f64 {
    (2 * problem.actions() + 2) as f64 * problem.states() as f64
}

/// The counts method's route for one problem.
pub(crate) enum Route {
    /// The direct pair sum, distributions built.
    Direct(CountsPlan),
    /// The FFT, with the direct sum's estimate for a fallback.
    Fft(SpectralPlan, DirectEstimate),
}

impl Route {
    /// The route `algorithm` asks for, or `Auto`'s cheaper one that fits in
    /// `memory_limit`; the estimated cost is returned beside it.
    pub fn new(
        problem: &Problem,
        plan: &Plan,
        algorithm: CountsAlgorithm,
        memory_limit: u64,
    ) -> Result<(Route, f64)> {
        let direct = DirectEstimate::new(problem, plan);
        let fft = if problem.actions() >= 2 {
            Some(SpectralPlan::new(problem, plan)?)
        } else {
            None
        };
        let check_direct = || {
            memory::check(
                "the counts method's direct pair sum",
                direct.bytes,
                memory_limit,
                Remedy::Sampling,
            )
        };
        let check_fft = |f: &SpectralPlan| {
            memory::check(
                "the counts method's FFT",
                f.memory_bytes(),
                memory_limit,
                Remedy::Sampling,
            )
        };
        let build_direct = || -> Result<(Route, f64)> {
            check_direct()?;
            Ok((Route::Direct(CountsPlan::new(problem, plan)?), direct.cost))
        };
        match (algorithm, fft) {
            (CountsAlgorithm::Direct, _) | (_, None) => build_direct(),
            (CountsAlgorithm::Fft, Some(f)) => {
                check_fft(&f)?;
                let cost = f.cost();
                Ok((Route::Fft(f, direct), cost))
            }
            (_, Some(f)) => {
                let fft_fits = check_fft(&f);
                let direct_fits = check_direct().and_then(|()| {
                    crate::symmetric::CountSpace::new(problem.players(), problem.actions())
                        .map(drop)
                });
                match (fft_fits, direct_fits) {
                    (Ok(()), Ok(())) if direct.cost <= f.cost() => build_direct(),
                    (Ok(()), _) => {
                        let cost = f.cost();
                        Ok((Route::Fft(f, direct), cost))
                    }
                    (Err(_), Ok(())) => build_direct(),
                    (Err(e), Err(_)) => Err(e),
                }
            }
        }
    }

    /// The pairs the direct sum visits (its estimate on the FFT route).
    pub fn pairs(&self) -> u64 {
        match self {
            Route::Direct(c) => c.pairs(),
            Route::Fft(_, d) => d.pairs,
        }
    }
}

/// The sums per slot on the CPU, the FFT's rounding bound when it ran, and
/// what the user should know about the route taken.
pub(crate) fn run_cpu(
    route: &Route,
    problem: &Problem,
    plan: &Plan,
    flat: &FlatPlan,
    algorithm: CountsAlgorithm,
    max_pairs: u64,
    memory_limit: u64,
    watch: Watch<'_>,
    notes: &mut Vec<String>,
) -> Result<(Vec<f64>, Option<f64>)> {
    let direct = |counts: &CountsPlan| {
        crate::counts_driver::run(&mut crate::cpu::CpuCounts, flat, counts, watch)
    };
    match route {
        Route::Direct(counts) => Ok((direct(counts)?, None)),
        Route::Fft(spectral, estimate) => {
            let result = spectral.run(flat, watch)?;
            notes.push(format!(
                "counts: FFT on a {} grid, rounding bound {:.1e}",
                spectral
                    .lengths()
                    .iter()
                    .map(|l| l.to_string())
                    .collect::<Vec<_>>()
                    .join("×"),
                result.bound
            ));
            if result.bound.is_finite() && result.bound <= FFT_ROUNDING_LIMIT {
                return Ok((result.sums, Some(result.bound)));
            }
            let why_not = if algorithm == CountsAlgorithm::Fft {
                Some("the FFT was asked for".to_string())
            } else if estimate.pairs > max_pairs {
                Some(format!(
                    "the direct sum would need {} pairs, beyond the limit of {max_pairs}",
                    estimate.pairs
                ))
            } else {
                memory::check(
                    "the direct sum",
                    estimate.bytes,
                    memory_limit,
                    Remedy::Sampling,
                )
                .err()
                .map(|e| e.to_string())
            };
            match why_not {
                Some(why) => {
                    notes.push(format!(
                        "counts: the FFT's rounding bound exceeds {FFT_ROUNDING_LIMIT:.0e}; kept it because {why}"
                    ));
                    if !result.bound.is_finite() {
                        return Err(Error::too_large(
                            "the FFT's rounding bound is not finite (shares too large?)",
                            Remedy::Sampling,
                        ));
                    }
                    Ok((result.sums, Some(result.bound)))
                }
                None => {
                    notes.push(format!(
                        "counts: the FFT's rounding bound exceeds {FFT_ROUNDING_LIMIT:.0e}; summed the pairs directly instead"
                    ));
                    Ok((direct(&CountsPlan::new(problem, plan)?)?, None))
                }
            }
        }
    }
}
