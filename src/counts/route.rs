//! Which algorithm computes the counts method's sums: the direct pair sum
//! over count distributions ([`crate::counts::direct`], also on the GPU), the FFT
//! over the count grid ([`crate::counts::fft`]) or leave-one-out distributions
//! on the count simplex ([`crate::counts::leave_one_out`]), both on the CPU, or
//! one streamed pass ([`crate::counts::stream`], also on the GPU); chosen
//! by estimated cost within the memory limit, with the FFT's rounding bound
//! checked after the fact.

use crate::counts::direct::{CountsPlan, DirectEstimate};
use crate::counts::fft::SpectralPlan;
use crate::counts::leave_one_out::{LeaveOneOutPlan, ShareCache};
use crate::counts::part_types::part_types;
use crate::counts::roles::RolePlan;
use crate::counts::stream::StreamPlan;
use crate::error::{Error, Remedy, Result};
use crate::memory;
use crate::model::problem::Problem;
use crate::plan::{FlatPlan, Plan};
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
    /// The cheapest of the four by estimated cost, within the memory limit;
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
    /// One pass over the count simplex of the largest group of players on
    /// one marginal (a multinomial streamed by ratios of neighbours, shares
    /// from the family at each cell, nothing tabulated) beside a rest with
    /// few totals: deviation payoffs and one large group. On the CPU, and
    /// with `--backend gpu|both` (or `auto` on a hardware GPU) as the kernel
    /// `shaders/stream_counts.wgsl` in f64 (without SHADER_F64 or beyond the
    /// kernel's limits the GPU sums pairs directly; a one-player rest's
    /// all-actions pass stays on the CPU).
    Stream,
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
    /// The direct pair sum (its distributions are built when it runs:
    /// that can take minutes, watched for progress and Ctrl-C).
    Direct(DirectEstimate),
    /// The FFT, with the direct sum's estimate for a fallback.
    Fft(SpectralPlan, DirectEstimate),
    /// Leave-one-out distributions on the simplex (per role in a
    /// role-dependent game).
    LeaveOneOut(LeaveOneOutRoute),
    /// One streamed pass over a group's simplex.
    Stream(StreamPlan),
}

/// The leave-one-out route: on the count simplex, or per role block.
pub(crate) enum LeaveOneOutRoute {
    /// A symmetric game's.
    Symmetric(LeaveOneOutPlan),
    /// A role-dependent game's, per role (see [`crate::counts::roles`]).
    Roles(RolePlan),
}

impl LeaveOneOutRoute {
    /// Sums per slot, the symmetric route's share tables kept in `shares`.
    fn run(&self, flat: &FlatPlan, shares: &mut ShareCache, watch: Watch<'_>) -> Result<Vec<f64>> {
        match self {
            LeaveOneOutRoute::Symmetric(loo) => run_leave_one_out(loo, flat, shares, watch),
            LeaveOneOutRoute::Roles(roles) => roles.run(flat, watch),
        }
    }
}

/// How many of the FFT's counted operations run per nanosecond and core,
/// relative to the cost model's one: its transforms are vectorised
/// (rustfft). With [`LEAVE_ONE_OUT_SPEED`] it turns both routes' counted
/// operations into time, for their estimates and for `auto`'s choice.
///
/// Measured on the development machine (2-core x86-64 VM, release,
/// 2026-12-07, under load: other builds ran, load average 8–9, so CPU time
/// (user + sys, `/usr/bin/time`) is the figure; the estimate is a wall time
/// on 2 threads, compared here with CPU time / 2), `eval --method counts
/// --counts fft|leave-one-out` on the `bench --scale` shapes: operations
/// counted, CPU seconds, operations per CPU-ns.
///
/// | case | FFT | leave-one-out |
/// |---|---|---|
/// | three coalitions, proportional, n = 500, k = 4 | 3.1e11, 71.2 s, 4.4 | 4.6e10, 25.8 s, 1.8 |
/// | same, n = 250, k = 4 | 1.7e10, 3.17 s, 5.4 | 3.3e9, 1.84 s, 1.8 |
/// | same, n = 128, k = 4 | 2.4e9, 0.50 s, 4.8 | 2.9e8, 0.18 s, 1.6 |
/// | same, n = 1000, k = 3 | 7.7e8, 0.24 s, 3.2 | 1.8e9, 0.69 s, 2.6 |
/// | two coalitions, plurality, indep. / indep., n = 200, k = 5 | refused (16.4 GiB) | 3.8e10, 31.6 s, 1.2 |
/// | same, proportional, indep. / common, n = 200, k = 5 | refused (16.4 GiB) | 2.2e10, 17.1 s, 1.3 |
/// | two coalitions, plurality, n = 384, k = 4 | 6.0e10, 11.2 s, 5.4 | 8.2e9, 4.54 s, 1.8 |
/// | same, n = 1000, k = 3 | 5.3e8, 0.15 s, 3.5 | 9.4e8, 0.44 s, 2.1 |
/// | proportional, indep. / common, n = 1000, k = 3 | 5.1e8, 0.14 s, 3.6 | 4.9e8, 0.22 s, 2.2 |
///
/// In every row the faster of the two is the one with the smaller
/// operations divided by its speed (the last row's counted operations
/// alone would pick leave-one-out, 57% slower; `auto` takes the stream
/// there, 0.04 s). The estimates are within 0.67–1.45 of CPU time / 2 on
/// every row (with 3.0 and no leave-one-out speed: 0.81–2.6).
const FFT_SPEED: f64 = 4.0;

/// Leave-one-out's counted operations per nanosecond and core on the
/// symmetric route (see [`FFT_SPEED`]'s table: 1.2 to 2.6).
const LEAVE_ONE_OUT_SPEED: f64 = 1.8;

/// `cost` counted operations of the FFT in the cost model's unit (one
/// operation per nanosecond and core): what `auto` compares.
pub(crate) fn fft_time(cost: f64) -> f64 {
    cost / FFT_SPEED
}

/// `cost` counted operations of symmetric leave-one-out in the cost
/// model's unit (see [`fft_time`]).
fn leave_one_out_time(cost: f64) -> f64 {
    cost / LEAVE_ONE_OUT_SPEED
}

impl Route {
    /// The cost model's time for this route at `cost` operations, on the
    /// CPU (what a long job's notice and `Evaluation::estimated_seconds`
    /// say).
    pub(crate) fn estimated_seconds(&self, cost: f64) -> f64 {
        crate::watch::estimated_seconds(match self {
            Route::Fft(..) => fft_time(cost),
            Route::LeaveOneOut(LeaveOneOutRoute::Symmetric(_)) => leave_one_out_time(cost),
            _ => cost,
        })
    }

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
            return Self::direct(problem, &direct, memory_limit);
        }
        if problem.game().roles().is_some() {
            return Self::per_role(problem, plan, &direct, algorithm, memory_limit);
        }
        if !problem.game().is_symmetric() {
            // A table game gets the direct route's refusal.
            return Self::direct(problem, &direct, memory_limit);
        }
        let n = problem.players();
        let loo = LeaveOneOutEstimate::new(problem, plan, memory_limit);
        let stream = StreamPlan::new(k, problem.states(), problem.coalitions().len(), &loo.types);
        let check_stream = |s: &StreamPlan| check_stream(s, memory_limit);
        if algorithm == CountsAlgorithm::Stream {
            let Some(stream) = stream else {
                return Err(Error::usage(
                    "counts",
                    "stream: the problem has no group of players on one marginal beside a rest \
                     with few totals; counts = auto picks a route that answers",
                ));
            };
            check_stream(&stream)?;
            let cost = stream.estimate_cost();
            return Ok((Route::Stream(stream), cost));
        }
        let stream_fits = stream.as_ref().is_some_and(|s| check_stream(s).is_ok());
        let stream_cost = stream
            .as_ref()
            .map_or(f64::INFINITY, StreamPlan::estimate_cost);
        let loo_cost = loo.cost;
        let loo_fits = loo.fits.is_ok();
        let leave_one_out = |loo: LeaveOneOutEstimate| {
            loo.plan(problem)
                .map(|(plan, cost)| (Route::LeaveOneOut(LeaveOneOutRoute::Symmetric(plan)), cost))
        };
        if algorithm == CountsAlgorithm::LeaveOneOut {
            return leave_one_out(loo);
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
        // Auto: the fastest that fits, by the cost model's time.
        let direct_fits = memory::check("", direct.bytes, memory_limit, Remedy::Sampling)
            .and_then(|()| crate::counts::direct::CountSpace::new(n, k).map(drop))
            .is_ok();
        let fft_fits = check_fft();
        let mut best: Option<(f64, u8)> = None;
        for (cost, fits, which) in [
            (direct.cost, direct_fits, 0u8),
            (fft_time(fft.cost()), fft_fits.is_ok(), 1),
            (leave_one_out_time(loo_cost), loo_fits, 2),
            (stream_cost, stream_fits, 3),
        ] {
            if fits && best.is_none_or(|(c, _)| cost < c) {
                best = Some((cost, which));
            }
        }
        match (best, fft_fits) {
            (Some((_, 0)), _) => Self::direct(problem, &direct, memory_limit),
            (Some((_, 1)), _) => {
                let cost = fft.cost();
                Ok((Route::Fft(fft, direct), cost))
            }
            (Some((cost, 3)), _) => Ok((Route::Stream(stream.expect("fits")), cost)),
            (Some(_), _) => leave_one_out(loo),
            // Nothing fits: the FFT's refusal says how much it needs.
            (None, Err(e)) => Err(e),
            (None, Ok(())) => unreachable!("the FFT fits, so something was chosen"),
        }
    }

    /// The route of a role-dependent game: the direct sum over the
    /// role-count cube or leave-one-out per role (when no part spans
    /// roles), the cheaper that fits under `auto`. The FFT and the stream
    /// are not built per role.
    fn per_role(
        problem: &Problem,
        plan: &Plan,
        direct: &DirectEstimate,
        algorithm: CountsAlgorithm,
        memory_limit: u64,
    ) -> Result<(Route, f64)> {
        if matches!(algorithm, CountsAlgorithm::Fft | CountsAlgorithm::Stream) {
            return Err(Error::usage(
                "counts",
                format!(
                    "{algorithm}: a role-dependent game counts per role by leave-one-out or \
                     the direct sum (counts = auto picks the cheaper)"
                ),
            ));
        }
        let roles = RoleEstimate::new(problem, plan, memory_limit);
        if algorithm == CountsAlgorithm::LeaveOneOut {
            return roles.route(problem);
        }
        let direct_fits = memory::check("", direct.bytes, memory_limit, Remedy::Sampling)
            .and_then(|()| CountsPlan::space(problem).map(drop))
            .is_ok();
        match roles.cost() {
            Some(cost) if !direct_fits || cost < direct.cost => roles.route(problem),
            _ => Self::direct(problem, direct, memory_limit),
        }
    }

    /// The direct route, its count space validated.
    fn direct(
        problem: &Problem,
        direct: &DirectEstimate,
        memory_limit: u64,
    ) -> Result<(Route, f64)> {
        memory::check(
            "the counts method's direct pair sum",
            direct.bytes,
            memory_limit,
            Remedy::Sampling,
        )?;
        CountsPlan::space(problem)?;
        Ok((Route::Direct(*direct), direct.cost))
    }

    /// The pairs the direct sum visits (on the FFT route its upper bound).
    pub fn pairs(&self) -> Option<u64> {
        match self {
            Route::Direct(d) => Some(d.pairs),
            Route::Fft(_, d) => Some(d.pairs),
            Route::LeaveOneOut(_) | Route::Stream(_) => None,
        }
    }

    /// What `auto` says about the route.
    pub fn describe(&self) -> String {
        match self {
            Route::Direct(d) => format!("at most {} pairs of count vectors", d.pairs),
            Route::Fft(f, _) => format!("FFT on a {} grid", f.grid_text()),
            Route::LeaveOneOut(LeaveOneOutRoute::Symmetric(_)) => {
                "leave-one-out distributions on the count simplex".into()
            }
            Route::LeaveOneOut(LeaveOneOutRoute::Roles(_)) => {
                "leave-one-out distributions per role on the roles' count simplices".into()
            }
            Route::Stream(s) => s.describe(),
        }
    }
}

/// What the counts method needs of an evaluation's options.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CountsOptions {
    /// The algorithm asked for.
    pub algorithm: CountsAlgorithm,
    /// The direct sum's pair limit for a fallback.
    pub max_pairs: u64,
    /// The memory limit, in bytes.
    pub memory_limit: u64,
}

/// What one evaluation gives the counts method's CPU run.
pub(crate) struct Job<'a> {
    pub problem: &'a Problem,
    pub plan: &'a Plan,
    pub flat: &'a FlatPlan,
    pub options: CountsOptions,
}

/// What the counts method's CPU run gives.
pub(crate) struct CountsRun {
    /// Sums per slot.
    pub sums: Vec<f64>,
    /// The FFT's rounding bound, when its result was kept.
    pub bound: Option<f64>,
    /// The algorithm that ran (the FFT may fall back to another).
    pub algorithm: CountsAlgorithm,
    /// The pairs the direct sum summed, when it ran.
    pub pairs: Option<u64>,
}

/// The counts method on the CPU by `route`, noting for the user what
/// happened on the way (`notes`); the leave-one-out route keeps its share
/// tables in `shares`.
pub(crate) fn run_cpu(
    route: &Route,
    job: &Job<'_>,
    watch: Watch<'_>,
    notes: &mut Vec<String>,
    shares: &mut ShareCache,
) -> Result<CountsRun> {
    let (sums, bound, algorithm, pairs) =
        run_cpu_route(route, job, FFT_ROUNDING_LIMIT, watch, notes, shares)?;
    Ok(CountsRun {
        sums,
        bound,
        algorithm,
        pairs,
    })
}

/// [`run_cpu`] with the FFT's result kept only within `fft_limit`.
#[allow(clippy::type_complexity, reason = "the fields of CountsRun")]
fn run_cpu_route(
    route: &Route,
    job: &Job<'_>,
    fft_limit: f64,
    watch: Watch<'_>,
    notes: &mut Vec<String>,
    shares: &mut ShareCache,
) -> Result<(Vec<f64>, Option<f64>, CountsAlgorithm, Option<u64>)> {
    let Job {
        problem,
        plan,
        flat,
        options,
    } = *job;
    let (algorithm, max_pairs, memory_limit) =
        (options.algorithm, options.max_pairs, options.memory_limit);
    // The direct sum, its distributions built under `watch`.
    let direct = || -> Result<_> {
        let counts = CountsPlan::build(problem, plan, watch)?;
        let sums = crate::counts::driver::run(&mut crate::cpu::CpuCounts, flat, &counts, watch)?;
        Ok((sums, None, CountsAlgorithm::Direct, Some(counts.pairs())))
    };
    // A route without a bound or pairs.
    let exact = |sums, algorithm| Ok((sums, None, algorithm, None));
    match route {
        Route::Direct(_) => direct(),
        Route::LeaveOneOut(loo) => {
            exact(loo.run(flat, shares, watch)?, CountsAlgorithm::LeaveOneOut)
        }
        Route::Stream(stream) => exact(
            stream.run(flat, &game_key(flat), &mut shares.unit, watch)?,
            CountsAlgorithm::Stream,
        ),
        Route::Fft(spectral, estimate) => {
            let result = spectral.run(flat, watch)?;
            // A NaN bound (inf × 0) is no bound at all.
            let bound = if result.bound.is_nan() {
                f64::INFINITY
            } else {
                result.bound
            };
            notes.push(format!(
                "counts: FFT on a {} grid, rounding bound {bound:.1e}",
                spectral.grid_text(),
            ));
            if bound <= fft_limit {
                return Ok((result.sums, Some(bound), CountsAlgorithm::Fft, None));
            }
            // Beyond the limit the FFT's result is never kept: another exact
            // route answers, or nothing does.
            let loo = leave_one_out_plan(problem, plan, memory_limit);
            if algorithm == CountsAlgorithm::Fft {
                let instead = match &loo {
                    Ok(_) => {
                        "the leave-one-out algorithm (counts = leave-one-out) computes it exactly"
                    }
                    Err(_) => "the direct sum (counts = direct) computes it exactly",
                };
                return Err(Error::InvalidResult(format!(
                    "counts = fft: the FFT's rounding bound {bound:.1e} exceeds \
                     {fft_limit:.0e}, so its result is not printed; {instead}"
                )));
            }
            let direct_fits = estimate.pairs <= max_pairs
                && memory::check("", estimate.bytes, memory_limit, Remedy::Sampling).is_ok();
            match loo {
                Ok((loo, cost)) if !direct_fits || cost <= estimate.cost => {
                    notes.push(format!(
                        "counts: the FFT's rounding bound exceeds {fft_limit:.0e}; \
                         took leave-one-out instead"
                    ));
                    Ok((
                        run_leave_one_out(&loo, flat, shares, watch)?,
                        None,
                        CountsAlgorithm::LeaveOneOut,
                        None,
                    ))
                }
                _ if direct_fits => {
                    notes.push(format!(
                        "counts: the FFT's rounding bound exceeds {fft_limit:.0e}; \
                         summed the pairs directly instead"
                    ));
                    direct()
                }
                _ => Err(Error::too_large(
                    format!(
                        "the FFT's rounding bound {bound:.1e} exceeds {fft_limit:.0e} \
                         and no other exact counts route fits (the direct sum would need {} pairs, \
                         beyond the limit of {max_pairs}, and leave-one-out more memory than allowed)",
                        estimate.pairs
                    ),
                    Remedy::Sampling,
                )),
            }
        }
    }
}

/// The streamed pass's limits: at most [`crate::counts::stream::MAX_STREAM_CELLS`]
/// visited count vectors, and its memory within `memory_limit`.
fn check_stream(s: &StreamPlan, memory_limit: u64) -> Result<()> {
    let cells = s.kept_cells();
    if cells > crate::counts::stream::MAX_STREAM_CELLS {
        return Err(Error::too_large(
            format!(
                "the counts method's streamed pass would visit about {cells:.1e} count \
                 vectors, beyond {:.0e}",
                crate::counts::stream::MAX_STREAM_CELLS
            ),
            Remedy::Sampling,
        ));
    }
    memory::check(
        "the counts method's streamed pass",
        s.estimate_bytes(),
        memory_limit,
        Remedy::Sampling,
    )
}

/// What the leave-one-out route would take, before its plan is built: the
/// part types, the estimated cost and whether its memory fits.
struct LeaveOneOutEstimate {
    types: Vec<crate::counts::part_types::PartType>,
    /// Whether the share tables fit beside the distributions.
    tables: bool,
    cost: f64,
    fits: Result<()>,
}

impl LeaveOneOutEstimate {
    fn new(problem: &Problem, plan: &Plan, memory_limit: u64) -> Self {
        let (n, k, states) = (problem.players(), problem.actions(), problem.states());
        let types = part_types(problem, plan);
        let check = |tables| {
            memory::check(
                "the counts method's leave-one-out sums",
                LeaveOneOutPlan::estimate_bytes(n, k, states, &types, tables),
                memory_limit,
                Remedy::Sampling,
            )
        };
        // The share tables where they fit and serve three leaves or more
        // (a table costs one share evaluation per cell, as a leaf's sums
        // without it do), else the shares at each cell.
        let (tables, fits) = match check(true) {
            Ok(()) if types.len() > 2 => (true, Ok(())),
            _ => (false, check(false)),
        };
        LeaveOneOutEstimate {
            cost: LeaveOneOutPlan::estimate_cost(n, k, states, &types, tables),
            types,
            tables,
            fits,
        }
    }

    /// The plan and its cost, or the memory refusal.
    fn plan(self, problem: &Problem) -> Result<(LeaveOneOutPlan, f64)> {
        self.fits?;
        let (n, k, states) = (problem.players(), problem.actions(), problem.states());
        let m = problem.coalitions().len();
        Ok((
            LeaveOneOutPlan::new(n, k, states, m, self.types, self.tables),
            self.cost,
        ))
    }
}

/// What leave-one-out per role would take: the role blocks' sizes and part
/// types (or why a part couples the roles), the cost and whether it fits.
struct RoleEstimate {
    players: Vec<usize>,
    types: std::result::Result<Vec<Vec<crate::counts::part_types::PartType>>, String>,
    /// The estimated cost (infinite where a part spans roles).
    cost: f64,
    fits: Result<()>,
}

impl RoleEstimate {
    fn new(problem: &Problem, plan: &Plan, memory_limit: u64) -> Self {
        let (block_of, blocks) = problem.count_blocks();
        let mut players = vec![0; blocks];
        for b in block_of {
            players[b] += 1;
        }
        let (k, states) = (problem.actions(), problem.states());
        let types = crate::counts::part_types::part_types_by_role(problem, plan);
        let (cost, fits) = match &types {
            Ok(types) => (
                RolePlan::estimate_cost(&players, k, states, types),
                memory::check(
                    "the counts method's leave-one-out sums per role",
                    RolePlan::estimate_bytes(&players, k, states, types),
                    memory_limit,
                    Remedy::Sampling,
                ),
            ),
            Err(_) => (f64::INFINITY, Ok(())),
        };
        RoleEstimate {
            players,
            types,
            cost,
            fits,
        }
    }

    /// The estimated cost where the route applies and fits.
    fn cost(&self) -> Option<f64> {
        (self.types.is_ok() && self.fits.is_ok()).then_some(self.cost)
    }

    /// The route and its cost, or why not: a part spanning roles (bad
    /// input for `counts = leave-one-out`, exit 2) or the memory refusal.
    fn route(self, problem: &Problem) -> Result<(Route, f64)> {
        let types = self.types.map_err(|why| {
            Error::usage(
                "counts",
                format!(
                    "leave-one-out: {why}; counts = direct (or auto) sums over the role-count cube"
                ),
            )
        })?;
        self.fits?;
        let (k, states, m) = (
            problem.actions(),
            problem.states(),
            problem.coalitions().len(),
        );
        let plan = RolePlan::new(&self.players, k, states, m, types);
        Ok((Route::LeaveOneOut(LeaveOneOutRoute::Roles(plan)), self.cost))
    }
}

/// The leave-one-out plan for `problem` and its estimated cost, or its
/// memory refusal.
fn leave_one_out_plan(
    problem: &Problem,
    plan: &Plan,
    memory_limit: u64,
) -> Result<(LeaveOneOutPlan, f64)> {
    LeaveOneOutEstimate::new(problem, plan, memory_limit).plan(problem)
}

/// The leave-one-out sums, with the share tables cached under the game's key.
fn run_leave_one_out(
    loo: &LeaveOneOutPlan,
    flat: &FlatPlan,
    shares: &mut ShareCache,
    watch: Watch<'_>,
) -> Result<Vec<f64>> {
    loo.run(flat, &game_key(flat), &mut shares.tables, watch)
}

/// The key of a plan's game in the caches: the family, the sizes and the
/// family's parameters (the tail of the plan's reals).
fn game_key(flat: &FlatPlan) -> Vec<u64> {
    let params = &flat.reals[flat.config.family_params as usize..];
    [
        flat.config.family,
        flat.config.players,
        flat.config.actions,
        flat.config.states,
    ]
    .iter()
    .map(|&v| u64::from(v))
    .chain(params.iter().map(|v| v.to_bits()))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The FFT route of a small proportional game run with a rounding
    /// limit of `limit`, as `algorithm` asks.
    fn fft_with_limit(algorithm: CountsAlgorithm, limit: f64) -> (Result<CountsRun>, Vec<String>) {
        let problem = Problem::from_value(&serde_json::json!({
            "players": 8, "actions": 3,
            "game": { "family": "proportional", "weights": [[1.0, 2.0, 1e-30]] },
            "coalitions": [
                { "members": [0, 1, 2], "policy": { "kind": "uniform" } },
                { "members": [3, 4, 5, 6, 7], "policy": { "kind": "common" } } ] }))
        .unwrap();
        let plan = Plan::new(&problem);
        let flat = FlatPlan::new(&problem, &plan).unwrap();
        let options = CountsOptions {
            algorithm,
            max_pairs: crate::AUTO_COUNTS_MAX_PAIRS,
            memory_limit: u64::MAX,
        };
        let (route, _) = Route::new(&problem, &plan, CountsAlgorithm::Fft, u64::MAX).unwrap();
        assert!(matches!(route, Route::Fft(..)));
        let job = Job {
            problem: &problem,
            plan: &plan,
            flat: &flat,
            options,
        };
        let mut notes = Vec::new();
        let run = run_cpu_route(
            &route,
            &job,
            limit,
            Watch::default(),
            &mut notes,
            &mut ShareCache::default(),
        )
        .map(|(sums, bound, algorithm, pairs)| CountsRun {
            sums,
            bound,
            algorithm,
            pairs,
        });
        (run, notes)
    }

    /// What `auto` takes for `problem` at the default memory limit.
    fn auto_takes(problem: &Problem) -> &'static str {
        let plan = Plan::new(problem);
        let limit = crate::memory::DEFAULT_MEMORY_LIMIT;
        match Route::new(problem, &plan, CountsAlgorithm::Auto, limit)
            .unwrap()
            .0
        {
            Route::Direct(_) => "direct",
            Route::Fft(..) => "fft",
            Route::LeaveOneOut(_) => "leave-one-out",
            Route::Stream(_) => "stream",
        }
    }

    /// `auto` takes, on the shapes [`FFT_SPEED`]'s table measured, the route
    /// that was faster there (the FFT where it beat leave-one-out, the
    /// stream where it applies), and on the other symmetric `bench --scale`
    /// rows the route it took before the speeds (README, "Counts at
    /// scale").
    #[test]
    fn auto_takes_the_measured_faster_route() {
        use crate::bench::cases::{deviation, singletons, three_coalitions, two_policies};
        let cases = [
            (deviation(1000, 3, 0).unwrap(), "stream"),
            (deviation(200, 5, 0).unwrap(), "stream"),
            (singletons(200, 4).unwrap(), "leave-one-out"),
            (three_coalitions(500, 4).unwrap(), "leave-one-out"),
            (three_coalitions(250, 4).unwrap(), "leave-one-out"),
            (three_coalitions(128, 4).unwrap(), "leave-one-out"),
            (three_coalitions(1000, 3).unwrap(), "fft"),
            (
                two_policies(200, 5, "plurality", "independent").unwrap(),
                "leave-one-out",
            ),
            (
                two_policies(200, 5, "proportional", "common").unwrap(),
                "stream",
            ),
            (
                two_policies(384, 4, "plurality", "independent").unwrap(),
                "leave-one-out",
            ),
            (
                two_policies(1000, 3, "plurality", "independent").unwrap(),
                "fft",
            ),
            (
                two_policies(1000, 3, "proportional", "common").unwrap(),
                "stream",
            ),
        ];
        for (problem, expected) in &cases {
            let (n, k) = (problem.players(), problem.actions());
            assert_eq!(auto_takes(problem), *expected, "n={n} k={k}");
        }
    }

    /// Between the FFT and leave-one-out alone, the speeds decide where the
    /// counted operations would not: at n = 1000, k = 3, proportional
    /// `independent` vs `common`, leave-one-out counts fewer operations
    /// but the FFT was faster (0.14 s against 0.22 s of CPU).
    #[test]
    fn the_speeds_pick_the_fft_where_its_operations_alone_would_not() {
        let problem = crate::bench::cases::two_policies(1000, 3, "proportional", "common").unwrap();
        let plan = Plan::new(&problem);
        let cost = |algorithm| Route::new(&problem, &plan, algorithm, u64::MAX).unwrap().1;
        let (fft, loo) = (
            cost(CountsAlgorithm::Fft),
            cost(CountsAlgorithm::LeaveOneOut),
        );
        assert!(loo < fft, "counted: leave-one-out {loo:e}, FFT {fft:e}");
        assert!(fft_time(fft) < leave_one_out_time(loo));
    }

    #[test]
    fn an_fft_beyond_its_limit_is_never_kept() {
        let (kept, _) = fft_with_limit(CountsAlgorithm::Auto, FFT_ROUNDING_LIMIT);
        let kept = kept.unwrap();
        assert_eq!(kept.algorithm, CountsAlgorithm::Fft);
        // Auto takes another exact route, which gives the same sums.
        let (other, notes) = fft_with_limit(CountsAlgorithm::Auto, 0.0);
        let other = other.unwrap();
        assert_ne!(other.algorithm, CountsAlgorithm::Fft);
        assert!(other.bound.is_none());
        assert!(notes.iter().any(|n| n.contains("instead")), "{notes:?}");
        for (a, b) in kept.sums.iter().zip(&other.sums) {
            assert!((a - b).abs() < 1e-13, "{a} vs {b}");
        }
        // An FFT asked for is refused, naming the route that answers.
        let (refused, _) = fft_with_limit(CountsAlgorithm::Fft, 0.0);
        match refused {
            Err(e @ Error::InvalidResult(_)) => {
                assert!(e.to_string().contains("leave-one-out"), "{e}");
                assert!(!e.is_bad_input());
            }
            Err(e) => panic!("expected an invalid result, got {e}"),
            Ok(_) => panic!("expected a refusal"),
        }
    }
}
