//! The security value of a coalition (docs/THEORY.md, "The security value"
//! and "Guarantees at scale"):
//! `v_j = max_{π_j} min_x min_{a_{-j}} r_j(x, π_j, a_{-j})`, and what spying
//! takes from it.
//!
//! Two solvers, one seam ([`Solver`], `auto` picks):
//! - `dense` (`dense.rs`): one LP over every strategy and pure reply
//!   (count vectors, per role in role-dependent games; joint actions in
//!   table games), its payoff matrix from the CPU twins or the WGSL kernels
//!   (`shaders/payoff_*.wgsl`), cross-checked with `Backend::Both`;
//! - `double-oracle` (`double_oracle.rs`, symmetric and role-dependent
//!   games): row and column generation over (per-role) count vectors, each
//!   oracle a pass over one side's simplex or product of per-role simplices
//!   (`simplex.rs`, `passes.rs`; on the GPU `gpu_passes.rs`), its payoffs
//!   from the game's share table when small (`share_table.rs`) or computed
//!   on the fly (`shares.rs`), with certified lower and upper bounds.
//!
//! Both solve their LPs with microlp (`lp.rs`); `spy.rs` finds the pure
//! maxmin; `curve.rs` runs either over coalition sizes; `given.rs` is the
//! best response against given policies by one pass per round.

mod correlated;
mod curve;
mod dense;
mod double_oracle;
mod given;
mod gpu_passes;
mod lp;
pub(crate) mod passes;
mod share_table;
mod shares;
mod simplex;
mod spy;

pub use curve::{curve_game, CurveOptions, CurvePoint};
pub use dense::{payoff_matrix, PayoffMatrix, MAX_PAYOFF_ENTRIES, PAYOFF_TOLERANCE};
pub use double_oracle::GAP;
pub use simplex::Simplex;

use crate::error::{Error, Result};
use crate::evaluator::{Backend, Evaluator, Side};
use crate::model::game::Game;
use crate::model::policy::Policy;
use crate::model::problem::{Coalition, Problem};
use share_table::ShareTable;
use shares::{Shares, Streamed};

/// What the strategies and replies of a payoff matrix are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum Basis {
    /// Count vectors (symmetric games: only the counts matter).
    #[serde(rename = "count vectors")]
    CountVectors,
    /// Joint actions (any game).
    #[serde(rename = "joint actions")]
    JointActions,
    /// Count vectors per role block (role-dependent games: only each
    /// role's counts matter).
    #[serde(rename = "per-role count vectors")]
    RoleCountVectors,
}

impl std::fmt::Display for Basis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Basis::CountVectors => "count vectors",
            Basis::JointActions => "joint actions",
            Basis::RoleCountVectors => "per-role count vectors",
        })
    }
}

/// How the security value is solved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Solver {
    /// The dense LP for small games and `table` games, the double oracle
    /// for large symmetric and role-dependent ones.
    #[default]
    Auto,
    /// One LP over every strategy and reply.
    Dense,
    /// Row and column generation with certified bounds (symmetric and
    /// role-dependent games: per-role count vectors).
    DoubleOracle,
}

/// `auto` solves symmetric and role-dependent games whose dense payoff
/// matrix (per-role count vectors in a role game) has more entries
/// than this by double oracle.
pub const AUTO_DENSE_MAX_ENTRIES: u64 = 20_000;

/// `auto` computes the spy value up to this many players (beyond, on request).
pub const AUTO_SPY_MAX_PLAYERS: usize = 200;

/// How a guarantee is computed.
#[derive(Clone, Debug)]
pub struct GuaranteeOptions {
    /// Where payoffs are computed: the dense LP's matrix, or the double
    /// oracle's shares (always f64 on the CPU; `Gpu` and `Both` check them
    /// against the GPU's).
    pub backend: Backend,
    /// The solver.
    pub solver: Solver,
    /// Whether to compute the spy value; `None`: up to
    /// [`AUTO_SPY_MAX_PLAYERS`] players.
    pub spy: Option<bool>,
    /// The double oracle's cap on rounds.
    pub max_iterations: usize,
    /// The double oracle's cap on seconds.
    pub max_seconds: f64,
}

impl Default for GuaranteeOptions {
    fn default() -> Self {
        GuaranteeOptions {
            backend: Backend::Cpu,
            solver: Solver::Auto,
            spy: None,
            max_iterations: 5000,
            max_seconds: 3600.0,
        }
    }
}

impl GuaranteeOptions {
    /// Refuse caps that stop nothing or everything: at least one round, a
    /// positive, finite number of seconds.
    fn validate(&self) -> Result<()> {
        if self.max_iterations == 0 {
            return Err(Error::usage(
                "max_iterations",
                "0: expected at least 1 round",
            ));
        }
        let seconds = self.max_seconds;
        if !(seconds.is_finite() && seconds > 0.0) {
            return Err(Error::usage(
                "max_seconds",
                format!("{seconds}: expected a positive number of seconds"),
            ));
        }
        Ok(())
    }
}

/// One pure strategy of the others in their certified mix.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ReplyWeight {
    /// The state x.
    pub state: usize,
    /// Their count vector `[M_0, …, M_{k−1}]`.
    pub counts: Vec<usize>,
    /// Its probability.
    pub p: f64,
}

/// The security value of coalition j and an optimal policy.
#[derive(Clone, Debug)]
pub struct SecurityValue {
    /// `v_j` as printed: the certified lower bound (what `policy` secures).
    pub value: f64,
    /// What `policy` secures against the others' exact best reply.
    pub lower: f64,
    /// With the double oracle: what `reply_mix` holds every policy of the
    /// coalition to (`v_j ≤ upper`); the dense LP gives none.
    pub upper: Option<f64>,
    /// The solver that ran.
    pub solver: Solver,
    /// With the double oracle: its rounds.
    pub iterations: Option<usize>,
    /// With the double oracle: why it stopped before `upper − lower ≤ 1e-9`
    /// (a cap), if it did.
    pub stopped: Option<String>,
    /// An optimal policy: `joint` from the dense LP, `counts` from the
    /// double oracle.
    pub policy: Policy,
    /// With the double oracle: the others' mix over (state, count vector).
    pub reply_mix: Vec<ReplyWeight>,
    /// Strategies and replies of the LP (the last restricted one for the
    /// double oracle).
    pub strategies: usize,
    /// See `strategies`.
    pub replies: usize,
    /// What strategies and replies are.
    pub basis: Basis,
    /// With the GPU: `max |GPU − CPU|` of the payoff matrix or the share
    /// table, or (double oracle with shares on the fly, `Backend::Both`) of
    /// the two backends' certified bounds.
    pub max_gpu_cpu: Option<f64>,
    /// The others' pure reply (in player order over the non-members) that
    /// holds the policy to its value.
    pub worst_reply: Vec<usize>,
    /// The state where it does.
    pub worst_state: usize,
    /// An independent check: the policy evaluated exactly (on the CPU)
    /// against every pure reply (dense), or against `worst_reply` in
    /// `worst_state` (double oracle). `None` from the power curve.
    pub check: Option<f64>,
    /// What the others can hold the coalition to when they see its realized
    /// actions before replying: `max_N min_{x, M} f_x(N, M)`, when computed.
    pub spy_value: Option<f64>,
    /// What the backend seam and the solver chose and why.
    pub notes: Vec<String>,
}

impl SecurityValue {
    /// `|check − value|`, when checked.
    pub fn check_error(&self) -> Option<f64> {
        self.check.map(|c| (c - self.value).abs())
    }
}

/// The best response to the others' given policies when only the state is
/// unknown: `max_π min_x r_j(x, π, π_{-j})`.
#[derive(Clone, Debug)]
pub struct BestResponse {
    /// The value.
    pub value: f64,
    /// An optimal policy.
    pub policy: Policy,
    /// What `copy` of all the other coalitions gets there (min over states),
    /// when the coalition is large enough to copy them.
    pub copy_value: Option<f64>,
    /// What the copy gets when the others see its realized actions before
    /// replying (the expectation over the copy's draws of their worst reply).
    pub informed_copy_value: Option<f64>,
    /// How it was computed: `dense` (the LP over the whole payoff matrix),
    /// `pass` (one pass per round over the coalition's count vectors) or
    /// `correlation` (the payoffs of every count vector from correlations
    /// on the count grid, the best ones valued exactly).
    pub route: String,
    /// What the backend seam chose and why.
    pub notes: Vec<String>,
}

/// How the best response against given policies finds each round's best
/// count vector (symmetric and role-dependent games).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum GivenRoute {
    /// The correlations where the game is symmetric, their grid fits in
    /// memory and they are estimated cheaper than one round of the pass.
    #[default]
    Auto,
    /// One pruned pass per round over every count vector of the coalition.
    Pass,
    /// Correlations of the share tables with the others' distribution on
    /// the FFT count grid (symmetric games), candidates valued exactly.
    Correlation,
}

/// How far the LP's value may be from its policy's exact evaluation (the
/// solver's own tolerance is about 1e-9).
const CHECK_TOLERANCE: f64 = 1e-7;
/// How far outside [0, 1] a payoff or value may lie by rounding (the GPU's
/// f32 payoffs included).
const VALUE_TOLERANCE: f64 = 1e-4;

/// Whether `v` can be a share of the unit (finite, in [0, 1] up to rounding).
fn is_share(v: f64) -> bool {
    v.is_finite() && (-VALUE_TOLERANCE..=1.0 + VALUE_TOLERANCE).contains(&v)
}

/// `v` when it can be a share of the unit (finite, in [0, 1] up to
/// rounding), else the error that refuses it.
fn checked_value(what: &str, v: f64) -> Result<f64> {
    if is_share(v) {
        Ok(v)
    } else {
        Err(Error::InvalidResult(format!(
            "the {what} came out as {v}, not a share of the unit; it is not printed"
        )))
    }
}

fn check_coalition(problem: &Problem, j: usize) -> Result<()> {
    let m = problem.coalitions().len();
    if j >= m {
        return Err(Error::usage(
            "coalition",
            format!("coalition {j} does not exist (0..{m})"),
        ));
    }
    Ok(())
}

/// The solver `asked` resolves to for coalition j of `problem`.
fn choose_solver(
    problem: &Problem,
    j: usize,
    asked: Solver,
    notes: &mut Vec<String>,
) -> Result<Solver> {
    let counted = problem.game().has_counts();
    match asked {
        Solver::Dense => Ok(Solver::Dense),
        Solver::DoubleOracle if counted => Ok(Solver::DoubleOracle),
        Solver::DoubleOracle => Err(Error::usage(
            "solver",
            "double-oracle needs a game where only counts matter (symmetric, or role-dependent: \
             per-role count vectors); a table game takes the dense LP",
        )),
        Solver::Auto if !counted => Ok(Solver::Dense),
        Solver::Auto => {
            let (coalition, others) = sides(problem, j);
            let entries = (problem.states() as u64)
                .saturating_mul(coalition.len())
                .saturating_mul(others.len());
            if entries <= AUTO_DENSE_MAX_ENTRIES {
                Ok(Solver::Dense)
            } else {
                notes.push(format!(
                    "solver auto: double oracle (the dense LP would have {entries} payoff entries)"
                ));
                Ok(Solver::DoubleOracle)
            }
        }
    }
}

/// Coalition j's count vectors and the others': one block of k counts in a
/// symmetric game, one per role block in a role-dependent one (a block's
/// total is the side's players of that role).
fn sides(problem: &Problem, j: usize) -> (Simplex, Simplex) {
    let k = problem.actions();
    let side = |players: &[usize]| {
        let totals: Vec<u32> = dense::counted_blocks(problem, players)
            .sizes()
            .iter()
            .map(|&s| s as u32)
            .collect();
        Simplex::product(&totals, k)
    };
    (
        side(&problem.coalitions()[j].members),
        side(&dense::others_of(problem, j)),
    )
}

/// Coalition j's security value by the solver `options` asks for, without
/// the check (the curve skips it).
pub(crate) fn solve(
    evaluator: &mut Evaluator,
    problem: &Problem,
    j: usize,
    options: &GuaranteeOptions,
) -> Result<SecurityValue> {
    let mut notes = Vec::new();
    let solver = choose_solver(problem, j, options.solver, &mut notes)?;
    let spy = options
        .spy
        .unwrap_or(problem.players() <= AUTO_SPY_MAX_PLAYERS);
    let mut v = match solver {
        Solver::DoubleOracle => {
            by_double_oracle(evaluator, problem, j, options, spy, ShareSource::Auto)?
        }
        _ => dense::security_value(evaluator, problem, j, options.backend, spy)?,
    };
    if options.solver == Solver::Auto && solver == Solver::Dense {
        v = tighter_than_a_floored_lp(evaluator, problem, j, options, spy, v, &mut notes)?;
    }
    notes.append(&mut v.notes);
    v.notes = notes;
    Ok(v)
}

/// A dense LP that had to floor its entries (extreme payoffs) brackets v
/// instead of solving it: `auto` then certifies v by the double oracle where
/// only counts matter, and keeps whichever bracket is narrower, so that a
/// value printed as v is never only a loose lower bound when a tighter one
/// can be had.
fn tighter_than_a_floored_lp(
    evaluator: &mut Evaluator,
    problem: &Problem,
    j: usize,
    options: &GuaranteeOptions,
    spy: bool,
    dense: SecurityValue,
    notes: &mut Vec<String>,
) -> Result<SecurityValue> {
    let Some(upper) = dense.upper else {
        return Ok(dense);
    };
    if upper - dense.lower <= double_oracle::GAP || !problem.game().has_counts() {
        return Ok(dense);
    }
    let oracle = by_double_oracle(evaluator, problem, j, options, spy, ShareSource::Auto)?;
    let gap = |v: &SecurityValue| v.upper.map_or(f64::INFINITY, |u| u - v.lower);
    notes.push(format!(
        "solver auto: the dense LP only bracketed v within {:.1e} (it floored extreme \
         payoffs); the double oracle {}",
        upper - dense.lower,
        if gap(&oracle) < gap(&dense) {
            format!("certified it within {:.1e}", gap(&oracle))
        } else {
            "did no better".to_string()
        }
    ));
    Ok(if gap(&oracle) < gap(&dense) {
        oracle
    } else {
        dense
    })
}

/// Where the double oracle reads its payoffs: the share table of all n
/// players, or shares computed on the fly from the game's family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShareSource {
    /// On the fly, except where the table pays and fits (at most 256 MiB):
    /// the `anonymous` family (a share on the fly ranks k count vectors) on
    /// the CPU backends (the GPU's passes take shares on the fly).
    Auto,
    /// The share table (refused beyond 2^32 − 1 count vectors or the memory limit).
    Table,
    /// On the fly.
    Streamed,
}

/// `ShareSource::Auto` builds share tables up to this many bytes.
pub const TABLE_BYTES: u64 = 256 << 20;

/// Whether `source` resolves to the share table for `problem` on `backend`.
fn uses_table(problem: &Problem, source: ShareSource, backend: Backend) -> bool {
    match source {
        ShareSource::Table => true,
        ShareSource::Streamed => false,
        ShareSource::Auto => {
            // The table is of one block's count vectors; the GPU backends
            // run the passes with shares on the fly.
            let pays = problem.game().family() == "anonymous"
                && matches!(backend, Backend::Cpu | Backend::Auto);
            problem.game().is_symmetric()
                && pays
                && crate::counts::direct::CountSpace::new(problem.players(), problem.actions())
                    .is_ok()
                && share_table::table_bytes(problem) <= TABLE_BYTES
        }
    }
}

/// The double oracle's certificates and the spy value (when asked) on the
/// payoff source `shares`, the passes run by `oracles`.
fn certify<S: Shares>(
    shares: &S,
    oracles: &mut dyn passes::Oracles<S>,
    (coalition, others): (Simplex, Simplex),
    options: &GuaranteeOptions,
    spy: bool,
    watch: &crate::watch::Watch<'_>,
) -> Result<(double_oracle::Certified, Option<f64>)> {
    let caps = double_oracle::Caps {
        iterations: options.max_iterations.max(1),
        seconds: options.max_seconds,
    };
    let c = double_oracle::solve_on(
        shares,
        oracles,
        coalition.clone(),
        others.clone(),
        caps,
        watch,
    )?;
    let spy_value = if spy {
        Some(spy::spy_value(
            shares, &coalition, &others, &c.found, watch,
        )?)
    } else {
        None
    };
    Ok((c, spy_value))
}

/// Most count vectors one pass of the double oracle walks (states × one
/// side's simplex): seconds per pass on two cores (n = 1000, k = 4 walks
/// 2.1·10^7), and a pass is not cut short by `max_seconds`, so larger games
/// (n = 10^5 at k = 3, n = 1000 at k = 5) are refused up front.
const MAX_PASS_VECTORS: u64 = 1_000_000_000;

/// Refuse a game whose passes would walk more than [`MAX_PASS_VECTORS`]
/// (per-role count vectors: the product of the blocks' simplices).
fn check_pass_size(problem: &Problem, (coalition, others): &(Simplex, Simplex)) -> Result<()> {
    let others = others.len().saturating_mul(problem.states() as u64);
    let walk = coalition.len().max(others);
    if walk > MAX_PASS_VECTORS {
        return Err(Error::too_large(
            format!(
                "the double oracle needs about {walk:.1e} count vectors per pass (beyond \
                 {MAX_PASS_VECTORS:.0e}: hours of work): fewer players or actions",
                walk = walk as f64,
                MAX_PASS_VECTORS = MAX_PASS_VECTORS as f64
            ),
            crate::error::Remedy::SmallerProblem,
        ));
    }
    Ok(())
}

/// The double oracle's certificates, spy value and `max |GPU − CPU|` (when
/// the GPU is asked for) on the share source `source` resolves to.
fn double_oracle_on(
    evaluator: &mut Evaluator,
    problem: &Problem,
    j: usize,
    options: &GuaranteeOptions,
    spy: bool,
    source: ShareSource,
    notes: &mut Vec<String>,
) -> Result<(double_oracle::Certified, Option<f64>, Option<f64>)> {
    let sides = sides(problem, j);
    check_pass_size(problem, &sides)?;
    if source == ShareSource::Table && !problem.game().is_symmetric() {
        return Err(Error::usage(
            "shares",
            "the share table is of one block's count vectors: a role-dependent game's shares \
             are computed on the fly",
        ));
    }
    if uses_table(problem, source, options.backend) {
        let (table, max_gpu_cpu) = ShareTable::new(evaluator, problem, options.backend, notes)?;
        let (progress, cancel) = evaluator.watch();
        let watch = crate::watch::Watch::new(progress.as_deref(), cancel.as_ref());
        let (c, spy) = certify(&table, &mut passes::CpuPasses, sides, options, spy, &watch)?;
        return Ok((c, spy, max_gpu_cpu));
    }
    let plan = crate::plan::Plan::new(problem);
    let streamed = Streamed::new(crate::plan::FlatPlan::new(problem, &plan)?);
    notes
        .push("double oracle: shares computed on the fly (no share table of all n players)".into());
    if !problem.game().is_symmetric() {
        return on_cpu_checked(evaluator, problem, &streamed, sides, options, spy, notes);
    }
    let mut on_gpu = false;
    let run = |evaluator: &mut Evaluator, side: Side| {
        let (progress, cancel) = evaluator.watch();
        let watch = crate::watch::Watch::new(progress.as_deref(), cancel.as_ref());
        let sides = sides.clone();
        match side {
            Side::Cpu => certify(
                &streamed,
                &mut passes::CpuPasses,
                sides,
                options,
                spy,
                &watch,
            ),
            Side::Gpu => {
                let gpu = evaluator.gpu()?;
                let mut oracles = gpu_passes::GpuPasses::new(gpu);
                let v = certify(&streamed, &mut oracles, sides, options, spy, &watch)?;
                on_gpu = true;
                Ok(v)
            }
        }
    };
    let ((c, spy), gpu) = evaluator.on_backend(options.backend, notes, run)?;
    if on_gpu {
        notes.push(
            "double oracle: both passes on the GPU (shaders/best_response.wgsl), the workgroups \
             that could hold each winner recomputed on the CPU in f64: the certificates are the \
             CPU's sums"
                .into(),
        );
    }
    // Both: the two backends' certified values (equal unless a GPU error
    // escaped its bound).
    let max_gpu_cpu = gpu.map(|(g, _)| (g.lower - c.lower).abs().max((g.upper - c.upper).abs()));
    Ok((c, spy, max_gpu_cpu))
}

/// A role game's double oracle (per-role count vectors, which the GPU's
/// kernel does not walk): the passes on the CPU; with the GPU asked for,
/// the kernel's shares of every count vector the certificates rest on are
/// compared with the CPU's.
fn on_cpu_checked(
    evaluator: &mut Evaluator,
    problem: &Problem,
    streamed: &Streamed,
    sides: (Simplex, Simplex),
    options: &GuaranteeOptions,
    spy: bool,
    notes: &mut Vec<String>,
) -> Result<(double_oracle::Certified, Option<f64>, Option<f64>)> {
    let (progress, cancel) = evaluator.watch();
    let watch = crate::watch::Watch::new(progress.as_deref(), cancel.as_ref());
    let (c, spy) = certify(
        streamed,
        &mut passes::CpuPasses,
        sides,
        options,
        spy,
        &watch,
    )?;
    let max_gpu_cpu = match options.backend {
        Backend::Cpu | Backend::Auto => None,
        Backend::Gpu | Backend::Both => {
            notes.push(
                "the double oracle's certificates are f64 sums of shares computed on the CPU; \
                 the shares of its mixes' count vectors are checked against the GPU's"
                    .into(),
            );
            Some(streamed.compare_with_gpu(evaluator, problem, &c)?)
        }
    };
    Ok((c, spy, max_gpu_cpu))
}

/// The double oracle, its answer as a [`SecurityValue`] with a `counts`
/// policy.
fn by_double_oracle(
    evaluator: &mut Evaluator,
    problem: &Problem,
    j: usize,
    options: &GuaranteeOptions,
    spy: bool,
    source: ShareSource,
) -> Result<SecurityValue> {
    let mut notes = Vec::new();
    let (c, spy_value, max_gpu_cpu) =
        double_oracle_on(evaluator, problem, j, options, spy, source, &mut notes)?;
    let lower = checked_value("security value's lower bound", c.lower)?;
    let upper = checked_value("security value's upper bound", c.upper)?;
    if upper < lower - CERTIFICATE_TOLERANCE {
        return Err(Error::InvalidResult(format!(
            "the double oracle's upper bound {upper} is below its lower bound {lower}; \
             neither is printed"
        )));
    }
    if let Some(why) = &c.stopped {
        notes.push(format!(
            "double oracle: {why}: {lower:.12} ≤ v ≤ {upper:.12} (gap {:.1e}); the value \
             printed is the lower bound",
            upper - lower
        ));
    }
    let spy_value = spy_value
        .map(|v| checked_value("spy value", v))
        .transpose()?;
    let usize_counts = |v: &[u32]| v.iter().map(|&c| c as usize).collect::<Vec<usize>>();
    Ok(SecurityValue {
        value: lower,
        lower,
        upper: Some(upper),
        solver: Solver::DoubleOracle,
        iterations: Some(c.iterations),
        stopped: c.stopped,
        policy: Policy::Counts {
            support: c
                .policy
                .iter()
                .map(|(n, p)| (usize_counts(n), *p))
                .collect(),
        },
        reply_mix: c
            .reply_mix
            .iter()
            .map(|(x, m, p)| ReplyWeight {
                state: *x,
                counts: usize_counts(m),
                p: *p,
            })
            .collect(),
        strategies: c.strategies,
        replies: c.replies,
        basis: if problem.game().is_symmetric() {
            Basis::CountVectors
        } else {
            Basis::RoleCountVectors
        },
        max_gpu_cpu,
        // In player order over the non-members, each role block's players
        // taking its actions in ascending order.
        worst_reply: dense::counted_blocks(problem, &dense::others_of(problem, j))
            .representative(&usize_counts(&c.worst.1)),
        worst_state: c.worst.0,
        check: None,
        spy_value,
        notes,
    })
}

/// A best response holds the others' policies fixed; a coalition that
/// copies coalition j would follow j's new play instead, so the question has
/// no answer of that form. (A copy of a copy is refused when the spec loads.)
fn check_nobody_copies(problem: &Problem, j: usize) -> Result<()> {
    let copier = problem
        .coalitions()
        .iter()
        .position(|c: &Coalition| matches!(&c.policy, Policy::Copy { of, .. } if of.contains(&j)));
    match copier {
        None => Ok(()),
        Some(i) => Err(Error::usage(
            "against",
            format!(
                "coalition {i} copies coalition {j} (its policy is `copy`), so its play would \
                 follow coalition {j}'s best response rather than stay as given; a best \
                 response against given policies needs the others' policies fixed (give \
                 coalition {i} a policy of its own, or ask for the security value)"
            ),
        )),
    }
}

/// Coalition j's best response to the others' given policies by the dense
/// LP over its whole payoff matrix (what [`Evaluator::best_response`] runs
/// for table games): what the tests compare the one pass with.
pub fn best_response_dense(
    evaluator: &mut Evaluator,
    problem: &Problem,
    j: usize,
    backend: Backend,
) -> Result<BestResponse> {
    check_coalition(problem, j)?;
    dense::best_response(evaluator, problem, j, backend)
}

/// Coalition j's best response to the others' given policies by the one
/// pass or the correlations, as `route` asks (games where only counts
/// matter): what the tests compare the two routes with.
pub fn best_response_by(
    evaluator: &mut Evaluator,
    problem: &Problem,
    j: usize,
    route: GivenRoute,
) -> Result<BestResponse> {
    check_coalition(problem, j)?;
    check_nobody_copies(problem, j)?;
    if !problem.game().has_counts() {
        return Err(Error::usage("route", "a table game takes the dense LP"));
    }
    given::best_response(evaluator, problem, j, &GuaranteeOptions::default(), route)
}

/// Coalition j's security value by double oracle on the share source
/// `source` (symmetric or role-dependent games), unchecked: what the tests
/// compare the table and the streamed shares with.
pub fn double_oracle_with(
    evaluator: &mut Evaluator,
    problem: &Problem,
    j: usize,
    options: &GuaranteeOptions,
    source: ShareSource,
) -> Result<SecurityValue> {
    check_coalition(problem, j)?;
    options.validate()?;
    if !problem.game().has_counts() {
        return Err(Error::usage(
            "solver",
            "double-oracle needs a symmetric or role-dependent game",
        ));
    }
    let spy = options.spy.unwrap_or(false);
    by_double_oracle(evaluator, problem, j, options, spy, source)
}

/// How far below the lower bound the upper may come by rounding (both are
/// f64 sums of at most a few thousand terms in [0, 1]).
const CERTIFICATE_TOLERANCE: f64 = 1e-12;

impl Evaluator {
    /// The security value of coalition `coalition`: the most it can secure
    /// whatever the state and the other players do (who may coordinate),
    /// with an optimal policy, the reply that holds it there, and an
    /// independent check. [`Evaluator::security_value_with`] with the
    /// default options on `backend`.
    ///
    /// ```
    /// use unitsum_gpu::{Backend, Coalition, Evaluator, Game, Policy, Problem};
    /// // Two players, two actions, plurality: a lone player can secure 1/2
    /// // (matched: 1/2 each; unmatched: 1/2 each too).
    /// let problem = Problem::new(2, 2, Game::Plurality, vec![
    ///     Coalition::new(vec![0], Policy::Uniform),
    ///     Coalition::new(vec![1], Policy::Uniform),
    /// ])?;
    /// let v = Evaluator::new().security_value(&problem, 0, Backend::Cpu)?;
    /// assert!((v.value - 0.5).abs() < 1e-12);
    /// assert!(v.check_error().unwrap() < 1e-12);
    /// # Ok::<(), unitsum_gpu::Error>(())
    /// ```
    pub fn security_value(
        &mut self,
        problem: &Problem,
        coalition: usize,
        backend: Backend,
    ) -> Result<SecurityValue> {
        let options = GuaranteeOptions {
            backend,
            ..Default::default()
        };
        self.security_value_with(problem, coalition, &options)
    }

    /// The security value of coalition `coalition` by the solver and with
    /// the caps of `options`, checked: the dense LP's policy evaluated
    /// against every pure reply, the double oracle's `counts` policy
    /// evaluated against the others' exact best reply (which must reproduce
    /// the lower bound), both within 1e-7.
    ///
    /// ```
    /// use unitsum_gpu::{Coalition, Evaluator, Game, GuaranteeOptions, Policy, Problem, Solver};
    /// // 30 of 60 players in the plurality game, k = 3, by double oracle.
    /// let problem = Problem::new(60, 3, Game::Plurality, vec![
    ///     Coalition::new((0..30).collect(), Policy::Uniform),
    ///     Coalition::new((30..60).collect(), Policy::Uniform),
    /// ])?;
    /// let options = GuaranteeOptions { solver: Solver::DoubleOracle, ..Default::default() };
    /// let v = Evaluator::new().security_value_with(&problem, 0, &options)?;
    /// assert!(v.upper.unwrap() - v.lower <= 1e-9);
    /// assert!(v.spy_value.unwrap() <= v.value);
    /// # Ok::<(), unitsum_gpu::Error>(())
    /// ```
    pub fn security_value_with(
        &mut self,
        problem: &Problem,
        coalition: usize,
        options: &GuaranteeOptions,
    ) -> Result<SecurityValue> {
        check_coalition(problem, coalition)?;
        options.validate()?;
        let mut v = solve(self, problem, coalition, options)?;
        let (check, against) = match v.solver {
            Solver::DoubleOracle => (
                dense::value_against(self, problem, coalition, &v.policy, &v.worst_reply)?
                    [v.worst_state],
                "the others' exact best reply",
            ),
            _ => (
                dense::check_policy(self, problem, coalition, &v.policy)?,
                "every pure reply",
            ),
        };
        v.check = Some(check);
        let difference = (check - v.value).abs();
        if difference.is_nan() || difference > CHECK_TOLERANCE {
            return Err(Error::InvalidResult(format!(
                "the security value {} is not what its policy gets against {against} \
                 ({check}, beyond the check's tolerance {CHECK_TOLERANCE:.0e}); it is not printed",
                v.value
            )));
        }
        Ok(v)
    }

    /// Coalition `coalition`'s best response to the others' policies when
    /// only the state is unknown: `max_π min_x r_j(x, π, π_{-j})`, with what
    /// `copy` gets against those policies and against an informed reply.
    pub fn best_response(
        &mut self,
        problem: &Problem,
        coalition: usize,
        backend: Backend,
    ) -> Result<BestResponse> {
        check_coalition(problem, coalition)?;
        check_nobody_copies(problem, coalition)?;
        if !problem.game().has_counts() {
            return dense::best_response(self, problem, coalition, backend);
        }
        let options = GuaranteeOptions {
            backend,
            ..Default::default()
        };
        let mut b = given::best_response(self, problem, coalition, &options, GivenRoute::Auto)?;
        if matches!(backend, Backend::Gpu | Backend::Both) {
            b.notes.push(
                "the best response's one pass sums f64 shares on the CPU (no payoff matrix \
                 for the GPU to build)"
                    .into(),
            );
        }
        Ok(b)
    }

    /// The power curve of `game`: v(s) for s = 1..n−1, the first s players
    /// against the other n − s, beside the theorems' bounds. Progress goes
    /// to [`Evaluator::set_progress`] (points done, in all).
    /// [`Evaluator::power_curve_with`] with the default options on `backend`.
    ///
    /// ```
    /// use unitsum_gpu::{Backend, Evaluator, Game};
    /// let curve = Evaluator::new().power_curve(Game::Plurality, 5, 3, Backend::Cpu)?;
    /// assert_eq!(curve.len(), 4);
    /// // Theorem 1: a strict majority (s = 3, 4 of 5) secures at least 1 − 1/k.
    /// for p in curve.iter().filter(|p| p.size >= 3) {
    ///     assert!(p.value >= p.theorem1.unwrap() - 1e-9);
    /// }
    /// # Ok::<(), unitsum_gpu::Error>(())
    /// ```
    pub fn power_curve(
        &mut self,
        game: Game,
        players: usize,
        actions: usize,
        backend: Backend,
    ) -> Result<Vec<CurvePoint>> {
        let options = CurveOptions {
            guarantee: GuaranteeOptions {
                backend,
                ..Default::default()
            },
            sizes: None,
        };
        self.power_curve_with(game, players, actions, &options, &mut |_| Ok(()))
    }

    /// The power curve at the sizes of `options` (all, s = 1..n−1, when
    /// `None`), each point handed to `each` as soon as it is solved; all of
    /// them returned at the end.
    pub fn power_curve_with(
        &mut self,
        game: Game,
        players: usize,
        actions: usize,
        options: &CurveOptions,
        each: &mut dyn FnMut(&CurvePoint) -> Result<()>,
    ) -> Result<Vec<CurvePoint>> {
        if players < 2 {
            return Err(Error::usage("players", "a curve needs at least 2 players"));
        }
        crate::model::limits::check_players(&[players], "players").map_err(Error::into_usage)?;
        options.guarantee.validate()?;
        let sizes = match &options.sizes {
            Some(sizes) => {
                if let Some(&bad) = sizes.iter().find(|&&s| s == 0 || s >= players) {
                    return Err(Error::usage(
                        "sizes",
                        format!(
                            "{bad}: a coalition of the curve has 1 to n − 1 = {} players",
                            players - 1
                        ),
                    ));
                }
                sizes.clone()
            }
            None => (1..players).collect(),
        };
        curve::curve(
            self,
            game,
            players,
            actions,
            &sizes,
            &options.guarantee,
            each,
        )
    }
}
