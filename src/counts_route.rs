//! Which algorithm computes the counts method's sums: the direct pair sum
//! over count distributions ([`crate::symmetric`], also on the GPU), the FFT
//! over the count grid ([`crate::spectral`]) or leave-one-out distributions
//! on the count simplex ([`crate::leave_one_out`]), both on the CPU; chosen
//! by estimated cost within the memory limit, with the FFT's rounding bound
//! checked after the fact.

use crate::error::{Error, Remedy, Result};
use crate::evaluator::Options;
use crate::leave_one_out::{LeaveOneOutPlan, ShareCache};
use crate::memory;
use crate::part_types::part_types;
use crate::plan::{FlatPlan, Plan};
use crate::problem::Problem;
use crate::spectral::SpectralPlan;
use crate::symmetric::{CountsPlan, DirectEstimate};
use crate::watch::Watch;

/// How the counts method sums.
///
/// ```
/// use unitsum_gpu::{Backend, CountsAlgorithm, Method, Options, Problem};
/// // One player on action 0 against 999 uniform players (a deviation payoff).
/// let others: Vec<usize> = (1..1000).collect();
/// let problem = Problem::from_value(&serde_json::json!({
///     "players": 1000, "actions": 3, "game": { "family": "plurality" },
///     "coalitions": [
///         { "members": [0], "policy": { "kind": "pure", "actions": [0] } },
///         { "members": others, "policy": { "kind": "uniform" } } ] }))?;
/// let options = |counts| Options { backend: Backend::Cpu, method: Method::Counts, counts, ..Default::default() };
/// let fft = unitsum_gpu::evaluate(&problem, &options(CountsAlgorithm::Fft))?;
/// let loo = unitsum_gpu::evaluate(&problem, &options(CountsAlgorithm::LeaveOneOut))?;
/// // The FFT bounds its own rounding; the two agree far within it.
/// let bound = fft.rounding_bound.expect("the FFT reports a bound");
/// assert!(bound < unitsum_gpu::FFT_ROUNDING_LIMIT);
/// assert!((fft.shares[0][0] - loo.shares[0][0]).abs() < bound + 1e-12);
/// # Ok::<(), unitsum_gpu::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum CountsAlgorithm {
    /// The cheapest of the three by estimated cost, within the memory limit;
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
    /// Each part's leave-one-out distribution on the count simplex, all of
    /// them from one divide and conquer over the parts (multinomials in
    /// closed form): for many small parts or one run of identical players
    /// (deviation payoffs), on the CPU.
    LeaveOneOut,
}

impl std::fmt::Display for CountsAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CountsAlgorithm::Auto => "auto",
            CountsAlgorithm::Direct => "direct",
            CountsAlgorithm::Fft => "fft",
            CountsAlgorithm::LeaveOneOut => "leave-one-out",
        })
    }
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
    /// Leave-one-out distributions on the simplex.
    LeaveOneOut(LeaveOneOutPlan),
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
        let k = problem.actions();
        if k < 2 || algorithm == CountsAlgorithm::Direct {
            return Self::direct(problem, plan, &direct, memory_limit);
        }
        if problem.game().roles().is_some() && algorithm != CountsAlgorithm::Auto {
            return Err(Error::usage(
                "counts",
                format!("{algorithm}: a role-dependent game counts per role block by the direct sum only"),
            ));
        }
        if !problem.game().is_symmetric() {
            // Role-dependent games count per role block, by the direct sum
            // only; a table game gets the direct route's refusal.
            return Self::direct(problem, plan, &direct, memory_limit);
        }
        let (n, states, m) = (
            problem.players(),
            problem.states(),
            problem.coalitions().len(),
        );
        let types = part_types(problem, plan);
        let loo_cost = LeaveOneOutPlan::estimate_cost(n, k, states, &types);
        let loo_bytes = LeaveOneOutPlan::estimate_bytes(n, k, states, types.len());
        let check_loo = || {
            memory::check(
                "the counts method's leave-one-out sums",
                loo_bytes,
                memory_limit,
                Remedy::Sampling,
            )
        };
        let leave_one_out = |types| {
            check_loo()?;
            Ok((
                Route::LeaveOneOut(LeaveOneOutPlan::new(n, k, states, m, types)),
                loo_cost,
            ))
        };
        if algorithm == CountsAlgorithm::LeaveOneOut {
            return leave_one_out(types);
        }
        let fft = SpectralPlan::new(problem, plan)?;
        let check_fft = || {
            memory::check(
                "the counts method's FFT",
                fft.memory_bytes(),
                memory_limit,
                Remedy::Sampling,
            )
        };
        if algorithm == CountsAlgorithm::Fft {
            check_fft()?;
            let cost = fft.cost();
            return Ok((Route::Fft(fft, direct), cost));
        }
        // Auto: the cheapest that fits.
        let direct_fits = memory::check("", direct.bytes, memory_limit, Remedy::Sampling)
            .and_then(|()| crate::symmetric::CountSpace::new(n, k).map(drop))
            .is_ok();
        let fft_fits = check_fft();
        let mut best: Option<(f64, u8)> = None;
        for (cost, fits, which) in [
            (direct.cost, direct_fits, 0u8),
            (fft.cost(), fft_fits.is_ok(), 1),
            (loo_cost, check_loo().is_ok(), 2),
        ] {
            if fits && best.is_none_or(|(c, _)| cost < c) {
                best = Some((cost, which));
            }
        }
        match (best, fft_fits) {
            (Some((_, 0)), _) => Self::direct(problem, plan, &direct, memory_limit),
            (Some((cost, 1)), _) => Ok((Route::Fft(fft, direct), cost)),
            (Some(_), _) => leave_one_out(types),
            // Nothing fits: the FFT's refusal says how much it needs.
            (None, Err(e)) => Err(e),
            (None, Ok(())) => unreachable!("the FFT fits, so something was chosen"),
        }
    }

    /// The direct route, distributions built.
    fn direct(
        problem: &Problem,
        plan: &Plan,
        direct: &DirectEstimate,
        memory_limit: u64,
    ) -> Result<(Route, f64)> {
        memory::check(
            "the counts method's direct pair sum",
            direct.bytes,
            memory_limit,
            Remedy::Sampling,
        )?;
        Ok((Route::Direct(CountsPlan::new(problem, plan)?), direct.cost))
    }

    /// The pairs the direct sum visits (on the FFT route its upper bound).
    pub fn pairs(&self) -> Option<u64> {
        match self {
            Route::Direct(c) => Some(c.pairs()),
            Route::Fft(_, d) => Some(d.pairs),
            Route::LeaveOneOut(_) => None,
        }
    }

    /// What `auto` says about the route.
    pub fn describe(&self) -> String {
        match self {
            Route::Direct(c) => format!("{} pairs of count vectors", c.pairs()),
            Route::Fft(f, _) => format!("FFT on a {} grid", f.grid_text()),
            Route::LeaveOneOut(_) => "leave-one-out distributions on the count simplex".into(),
        }
    }
}

/// What one evaluation gives the counts method's CPU run.
pub(crate) struct Job<'a> {
    pub problem: &'a Problem,
    pub plan: &'a Plan,
    pub flat: &'a FlatPlan,
    pub options: &'a Options,
}

/// The sums per slot on the CPU, the FFT's rounding bound when it ran, the
/// algorithm that ran (the FFT may fall back to the direct sum), and
/// what the user should know about the route taken (`notes`); the
/// leave-one-out route keeps its share tables in `shares`.
pub(crate) fn run_cpu(
    route: &Route,
    job: &Job<'_>,
    watch: Watch<'_>,
    notes: &mut Vec<String>,
    shares: &mut ShareCache,
) -> Result<(Vec<f64>, Option<f64>, CountsAlgorithm)> {
    let Job {
        problem,
        plan,
        flat,
        options,
    } = *job;
    let (algorithm, max_pairs, memory_limit) =
        (options.counts, options.auto_max_pairs, options.memory_limit);
    let direct = |counts: &CountsPlan| {
        crate::counts_driver::run(&mut crate::cpu::CpuCounts, flat, counts, watch)
    };
    match route {
        Route::Direct(counts) => Ok((direct(counts)?, None, CountsAlgorithm::Direct)),
        Route::LeaveOneOut(loo) => {
            // The game as the share tables see it: the family, the sizes and
            // the family's parameters (the tail of the plan's reals).
            let params = &flat.reals[flat.config.family_params as usize..];
            let key: Vec<u64> = [
                flat.config.family,
                flat.config.players,
                flat.config.actions,
                flat.config.states,
            ]
            .iter()
            .map(|&v| u64::from(v))
            .chain(params.iter().map(|v| v.to_bits()))
            .collect();
            Ok((
                loo.run(flat, &key, shares, watch)?,
                None,
                CountsAlgorithm::LeaveOneOut,
            ))
        }
        Route::Fft(spectral, estimate) => {
            let result = spectral.run(flat, watch)?;
            notes.push(format!(
                "counts: FFT on a {} grid, rounding bound {:.1e}",
                spectral.grid_text(),
                result.bound
            ));
            if result.bound.is_finite() && result.bound <= FFT_ROUNDING_LIMIT {
                return Ok((result.sums, Some(result.bound), CountsAlgorithm::Fft));
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
                    Ok((result.sums, Some(result.bound), CountsAlgorithm::Fft))
                }
                None => {
                    notes.push(format!(
                        "counts: the FFT's rounding bound exceeds {FFT_ROUNDING_LIMIT:.0e}; summed the pairs directly instead"
                    ));
                    Ok((
                        direct(&CountsPlan::new(problem, plan)?)?,
                        None,
                        CountsAlgorithm::Direct,
                    ))
                }
            }
        }
    }
}
