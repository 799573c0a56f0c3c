//! Sweeps: many evaluations over grids of games, sizes and opponents, each
//! checked against the theorem that applies (docs/THEORY.md). A sweep is a
//! list of [`Point`]s (from a preset, [`theorem1`] and [`theorem2`], or a
//! grid, [`grid`] and [`grid_file`]), each evaluated into a [`Row`] by
//! [`Evaluator::sweep_point`]. Rows are written as CSV or JSON lines
//! ([`rows`]) to an output file locked while a sweep writes it, beside the
//! sweep's identity, so that a sweep resumes only its own rows ([`output`]).

mod contexts;
mod grid;
pub mod output;
mod presets;
pub mod rows;

pub use contexts::{contexts, CONTEXT_COPIES};
pub use grid::{grid, grid_file};
pub use presets::{
    parse_opponents, parse_range, preset_defaults, theorem1, theorem2, OpponentKind,
    PresetDefaults, Sizes, CONTEXTS_DEFAULTS, MAX_RANDOM_OPPONENTS, MAX_RANGE_VALUES,
    THEOREM1_DEFAULTS, THEOREM2_DEFAULTS,
};

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Remedy, Result};
use crate::evaluator::{Backend, BackendUsed, Evaluation, Evaluator, Method, MethodUsed, Options};
use crate::model::policy::Policy;
use crate::model::problem::Problem;

/// The bound on coalition 0's shares in every state that a theorem promises.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bound {
    /// Theorem 1: a strict majority playing a common uniform action in the
    /// plurality game gets at least `1 − 1/k`.
    Theorem1 {
        /// Actions k.
        actions: usize,
    },
    /// Theorem 2: copying a group of m2 players q = ⌊m1/m2⌋ times gets at
    /// least `q/(q+1)` in a symmetric game.
    Theorem2 {
        /// Copies q.
        copies: usize,
    },
}

impl Bound {
    /// The bound's value.
    pub fn value(self) -> f64 {
        match self {
            Bound::Theorem1 { actions } => 1.0 - 1.0 / actions as f64,
            Bound::Theorem2 { copies } => copies as f64 / (copies + 1) as f64,
        }
    }
}

/// How coalition 1 plays at a point.
#[derive(Clone, Debug, PartialEq)]
pub enum Opponent {
    /// The policy in the point's problem.
    Given,
    /// Every pure joint action of coalition 1 in turn; the row reports the
    /// minimum (coalition 0's guarantee against coalition 1).
    Worst,
}

/// One point of a sweep.
#[derive(Clone, Debug)]
pub struct Point {
    /// Stable identifier: `--resume` skips points whose key is in the output.
    pub key: String,
    /// `theorem1`, `theorem2` or the grid's name.
    pub sweep: String,
    /// The opponent's label (`uniform`, `random#2`, `worst`, …).
    pub opponent_label: String,
    /// Which game of the grid point (`--games`).
    pub game: usize,
    /// The problem (for [`Opponent::Worst`], coalition 1's policy is replaced).
    pub problem: Problem,
    /// How coalition 1 plays.
    pub opponent: Opponent,
    /// The theorem's bound on coalition 0, where one applies.
    pub bound: Option<Bound>,
}

/// In sweeps, `--method auto` uses the counts method up to this many pairs of
/// count vectors (about 0.2 s on two CPU cores) and samples beyond: a sweep
/// is thousands of points.
pub const SWEEP_AUTO_MAX_PAIRS: u64 = 2_000_000_000;

/// Points one sweep job may run (after `--shard`): a million rows take
/// hours at the least; spread larger sweeps over shards.
pub const MAX_SWEEP_POINTS: usize = 1_000_000;
/// Points a whole sweep may have, all shards together: every shard walks the
/// whole sweep to find its own points (a few nanoseconds each for the points
/// it skips), so this bounds that walk to seconds.
pub const MAX_SWEEP_ALL_POINTS: u64 = 1_000_000_000;
/// Memory the list of a job's points may take, estimated before each
/// point is built (members and policies: about 8(k + 2) bytes per player).
pub const MAX_SWEEP_BYTES: u64 = 2 << 30;
/// `--games` (random games per family, n and k) at most.
pub const MAX_GAMES: usize = 10_000;

/// Which points of a sweep one job runs: those whose index `i`, in the
/// sweep's fixed order, has `i mod count = index` (`--shard index/count`).
/// Point limits count this shard's points, so sharding makes a large sweep
/// fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    index: usize,
    count: usize,
}

impl Shard {
    /// The whole sweep.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Shard `index` of `count`; refused (naming `shard`) unless
    /// `index < count`.
    pub fn new(index: usize, count: usize) -> Result<Shard> {
        if index >= count {
            return Err(Error::usage(
                "shard",
                format!("{index}/{count}: expected I/N with 0 ≤ I < N"),
            ));
        }
        Ok(Shard { index, count })
    }

    /// `I/N`, as `--shard` spells it.
    pub fn parse(text: &str) -> Result<Shard> {
        let bad = || {
            Error::usage(
                "shard",
                format!("{text:?}: expected I/N with 0 ≤ I < N, e.g. 0/4"),
            )
        };
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let (i, n) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        Shard::new(i, n).map_err(|_| bad())
    }

    /// I.
    pub fn index(self) -> usize {
        self.index
    }

    /// N.
    pub fn count(self) -> usize {
        self.count
    }

    /// Whether point `i` of the sweep is this shard's.
    pub fn contains(self, i: u64) -> bool {
        i % self.count as u64 == self.index as u64
    }

    /// How many of the points `first .. first + len` are this shard's.
    fn within(self, first: u64, len: u64) -> u64 {
        // Points below x that are this shard's: ⌈(x − I) / N⌉ for x > I.
        let below =
            |x: u128| (x + self.count as u128 - 1 - self.index as u128) / self.count as u128;
        let first = u128::from(first);
        (below(first + u128::from(len)) - below(first)) as u64
    }
}

impl Default for Shard {
    fn default() -> Self {
        Shard::ALL
    }
}

/// Walks a sweep's points in order while they are built, saying which are
/// this shard's: the others are skipped before anything is drawn for them.
pub(crate) struct Cursor {
    shard: Shard,
    next: u64,
}

impl Cursor {
    pub(crate) fn new(shard: Shard) -> Cursor {
        Cursor { shard, next: 0 }
    }

    /// Whether any of the next `count` points is this shard's; when none
    /// is, they are passed over.
    pub(crate) fn any(&mut self, count: usize) -> bool {
        let mine = self.shard.within(self.next, count as u64) > 0;
        if !mine {
            self.next += count as u64;
        }
        mine
    }

    /// Pass the next point: whether it is this shard's.
    pub(crate) fn take(&mut self) -> bool {
        let mine = self.shard.contains(self.next);
        self.next += 1;
        mine
    }
}

/// A sweep's points and drawn games against [`MAX_SWEEP_POINTS`] (this
/// shard's), [`MAX_SWEEP_ALL_POINTS`] (all shards') and [`MAX_SWEEP_BYTES`]
/// (this shard's), counted axis by axis in the order the points are built,
/// before anything is drawn or built: a sweep that would outgrow them is
/// refused up front.
#[derive(Default)]
pub(crate) struct PointBudget {
    shard: Shard,
    /// Points of the whole sweep so far.
    all: u64,
    /// This shard's.
    points: u64,
    bytes: u64,
}

impl PointBudget {
    pub(crate) fn new(shard: Shard) -> PointBudget {
        PointBudget {
            shard,
            ..PointBudget::default()
        }
    }

    /// Account for `count` drawn games of `family` and their `points`, the
    /// next of the sweep, before they are drawn. A game is held while its
    /// points are, and only a game with a point in this shard is drawn: at
    /// most as many games as this shard's points among them.
    pub(crate) fn take_games(
        &mut self,
        count: usize,
        family: &str,
        n: usize,
        k: usize,
        states: usize,
        points: usize,
    ) -> Result<()> {
        crate::spec::generate::check_parameter_count(family, n, k, states)?;
        let held = self.shard.within(self.all, points as u64).min(count as u64);
        // 8 bytes a number, and a vector (its header and the allocator's) a
        // row of k numbers.
        let numbers =
            crate::spec::generate::parameter_count(family, n, k, states).saturating_mul(held);
        let rows = numbers / k.max(1) as u64;
        self.bytes = self
            .bytes
            .saturating_add(numbers.saturating_mul(8))
            .saturating_add(rows.saturating_mul(48));
        self.take(points, n, k)
    }

    /// Account for the next `count` points of the sweep, of n players and k
    /// actions.
    pub(crate) fn take(&mut self, count: usize, n: usize, k: usize) -> Result<()> {
        let mine = self.shard.within(self.all, count as u64);
        self.all = self.all.saturating_add(count as u64);
        self.points = self.points.saturating_add(mine);
        let each = 256 + 8 * (n as u64).saturating_mul(k as u64 + 2);
        self.bytes = self.bytes.saturating_add(each.saturating_mul(mine));
        if self.all > MAX_SWEEP_ALL_POINTS {
            return Err(Error::too_large(
                format!(
                    "the sweep has more than {MAX_SWEEP_ALL_POINTS} points in all (its shards \
                     together); split it into smaller ranges (or fewer opponents, games or \
                     policies)"
                ),
                Remedy::SmallerProblem,
            ));
        }
        if self.points > MAX_SWEEP_POINTS as u64 {
            return Err(Error::too_large(
                format!(
                    "{} has more than {MAX_SWEEP_POINTS} points; spread the sweep over \
                     more shards (shard I/N) or split it into smaller ranges",
                    self.describe()
                ),
                Remedy::SmallerProblem,
            ));
        }
        if self.bytes > MAX_SWEEP_BYTES {
            return Err(Error::too_large(
                format!(
                    "the points and games of {} would take more than {} MiB to hold \
                     (at least {} MiB, reached at n = {n}); spread the sweep over more \
                     shards (shard I/N) or split it into smaller ranges",
                    self.describe(),
                    MAX_SWEEP_BYTES >> 20,
                    self.bytes >> 20
                ),
                Remedy::SmallerProblem,
            ));
        }
        Ok(())
    }

    /// "the sweep", or "shard I/N of the sweep".
    fn describe(&self) -> String {
        if self.shard == Shard::ALL {
            "the sweep".into()
        } else {
            format!(
                "shard {}/{} of the sweep",
                self.shard.index, self.shard.count
            )
        }
    }
}

/// The largest number of pure joint actions `worst` evaluates (count vectors
/// in symmetric games, every joint action in table games).
pub const WORST_MAX_EVALUATIONS: u64 = 10_000;

/// One evaluated point: what every output format writes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The point's key.
    pub point: String,
    /// The sweep (preset or grid name).
    pub sweep: String,
    /// Game family.
    pub family: String,
    /// n.
    pub players: usize,
    /// k.
    pub actions: usize,
    /// S.
    pub states: usize,
    /// Coalition sizes.
    pub sizes: Vec<usize>,
    /// Opponent label.
    pub opponent: String,
    /// Game index at the grid point.
    pub game: usize,
    /// The backend (`both`: compared, the GPU's result reported).
    pub backend: RowBackend,
    /// The method.
    pub method: MethodUsed,
    /// Profiles, count pairs or samples of one evaluation.
    pub work: u64,
    /// Evaluations run for the point (more than 1 for `worst` and `both`).
    pub evaluations: u64,
    /// `min_x r_j(x)` per coalition (the minimum over `worst`'s replies for coalition 0).
    pub min_shares: Vec<f64>,
    /// The theorem's bound on coalition 0, if one applies.
    pub bound: Option<f64>,
    /// Whether `min_shares[0] ≥ bound` (up to the backend's rounding, or 5
    /// standard errors when sampled).
    pub holds: Option<bool>,
    /// `min_shares[0] − bound`.
    pub margin: Option<f64>,
    /// Wall-clock seconds for the point.
    pub seconds: f64,
    /// With `--backend both`: `max |GPU − CPU|` over the point's evaluations.
    pub max_gpu_cpu: Option<f64>,
    /// With `--backend both`: whether that is within the tolerance.
    pub agree: Option<bool>,
    /// For `worst`: coalition 1's pure joint action that attains the minimum.
    #[serde(default)]
    pub worst_actions: Option<Vec<usize>>,
    /// The problem that attains coalition 0's minimum (for `worst`, the
    /// reply that attains it): a spec to save when the bound fails.
    #[serde(skip)]
    pub attaining: Option<Problem>,
}

impl Row {
    /// Whether the point failed a check (bound or backend agreement).
    pub fn failed(&self) -> bool {
        self.holds == Some(false) || self.agree == Some(false)
    }
}

/// The backend a row ran on: one, or both compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum RowBackend {
    /// The f64 reference.
    Cpu,
    /// The WGSL kernels (the reported result with both).
    Gpu,
    /// The CPU and the GPU, compared.
    Both,
}

impl std::fmt::Display for RowBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RowBackend::Cpu => "cpu",
            RowBackend::Gpu => "gpu",
            RowBackend::Both => "both",
        })
    }
}

impl std::str::FromStr for RowBackend {
    type Err = ();
    fn from_str(s: &str) -> std::result::Result<Self, ()> {
        match s {
            "cpu" => Ok(RowBackend::Cpu),
            "gpu" => Ok(RowBackend::Gpu),
            "both" => Ok(RowBackend::Both),
            _ => Err(()),
        }
    }
}

/// How to evaluate a sweep.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SweepOptions {
    /// Backend; with [`Backend::Both`] each row carries `max |GPU − CPU|`
    /// and fails beyond `tolerance`.
    pub backend: Backend,
    /// Method.
    pub method: Method,
    /// Samples when sampling.
    pub samples: u64,
    /// Seed of the random stream when sampling.
    pub seed: u64,
    /// Largest allowed `|GPU − CPU|` with both backends.
    pub tolerance: f64,
}

/// Samples per evaluation of a sampling sweep unless asked otherwise.
pub const DEFAULT_SWEEP_SAMPLES: u64 = 200_000;

impl Default for SweepOptions {
    fn default() -> Self {
        SweepOptions {
            backend: Backend::Cpu,
            method: Method::Auto,
            samples: DEFAULT_SWEEP_SAMPLES,
            seed: 0,
            tolerance: crate::evaluator::DEFAULT_TOLERANCE,
        }
    }
}

impl SweepOptions {
    /// Refuse options a sweep cannot judge with, naming the option: fewer
    /// than [`MIN_SWEEP_SAMPLES`] samples, a tolerance that is not a finite
    /// number ≥ 0.
    pub fn check(&self) -> Result<()> {
        if self.samples < MIN_SWEEP_SAMPLES {
            return Err(Error::usage(
                "samples",
                format!(
                    "{}: a sweep needs at least {MIN_SWEEP_SAMPLES} samples, the fewest with \
                     which a standard error can tell a counterexample from a deviation too \
                     rare to have been drawn",
                    self.samples
                ),
            ));
        }
        if !(self.tolerance.is_finite() && self.tolerance >= 0.0) {
            return Err(Error::usage(
                "tolerance",
                format!("{}: must be a finite number ≥ 0", self.tolerance),
            ));
        }
        Ok(())
    }
}

/// Rounding allowed below a bound: f64 sums of up to ~10^7 terms on the CPU
/// (see tests/it/counts.rs), f32 shares on the GPU.
fn rounding(backend: BackendUsed) -> f64 {
    match backend {
        BackendUsed::Gpu => 1e-5,
        _ => 1e-10,
    }
}

/// `ln(2/δ)` of the empirical Bernstein bound for one sampled estimate:
/// 12.5 makes its variance term exactly 5 standard errors (√(2 · 12.5) = 5),
/// the README's rule, at δ = 2e^(−12.5) ≈ 7.5e-6.
const BERNSTEIN_LOG: f64 = 12.5;

/// How far below its expectation the mean of `samples` draws in [0, 1] may
/// fall, from their standard error, at a confidence shared by the
/// `estimates` estimates whose minimum is judged (a union bound): the
/// empirical Bernstein bound (Maurer and Pontil 2009, Theorem 4),
/// `√(2 V L / s) + 7 L / (3(s − 1))` with `L = ln(2/δ)` and V the sample
/// variance, so that `√(V/s)` is the standard error. Its second term is
/// what a standard error cannot see: a deviation too rare to have been
/// drawn (two equal draws have a standard error of 0).
pub fn sampling_allowance(stderr: f64, samples: u64, estimates: u64) -> f64 {
    let log = BERNSTEIN_LOG + (estimates.max(1) as f64).ln();
    (2.0 * log).sqrt() * stderr + 7.0 * log / (3.0 * (samples.max(2) - 1) as f64)
}

/// Samples a sweep needs: the fewest with which a standard error can
/// outweigh the part of [`sampling_allowance`] it cannot see, i.e. where 5
/// standard errors of a [0, 1] draw at its largest variance, `5 · ½ / √s`,
/// reach `7 · 12.5 / (3(s − 1))`. With fewer, a verdict would rest mostly on
/// what the samples cannot show (tests/it/sweep.rs checks that 139 is that
/// number).
pub const MIN_SWEEP_SAMPLES: u64 = 139;

/// Coalition 1's pure joint actions that `worst` evaluates: one per multiset
/// (in non-increasing order) in a symmetric game, where only the counts
/// matter; every joint action otherwise.
fn worst_replies(problem: &Problem) -> Result<Vec<Vec<usize>>> {
    let Some(opponent) = problem.coalitions().get(1) else {
        return Err(Error::spec(
            "coalitions",
            "the `worst` opponent replaces coalition 1's policy: the point needs two coalitions",
        ));
    };
    let m2 = opponent.members.len();
    let k = problem.actions();
    let symmetric = problem.game().is_symmetric();
    let count = if symmetric {
        crate::counts::vectors::count_vectors(m2 as u64, k as u64)
    } else {
        (k as u64).checked_pow(m2 as u32).unwrap_or(u64::MAX)
    };
    if count > WORST_MAX_EVALUATIONS {
        return Err(Error::too_large(format!(
            "opponent `worst` at n = {}, k = {k}, {m2} opponents needs {count} evaluations, beyond {WORST_MAX_EVALUATIONS}: \
             drop the `worst` opponent or reduce the sizes",
            problem.players()
        ), Remedy::SmallerProblem));
    }
    let mut replies = Vec::with_capacity(count as usize);
    let mut actions = vec![0usize; m2];
    loop {
        replies.push(actions.clone());
        // Next joint action in mixed radix k; in a symmetric game only the
        // non-increasing ones (one per multiset): after a carry, the lower
        // digits restart at the new digit's value instead of 0.
        let Some(i) = (0..m2).find(|&i| actions[i] < k - 1) else {
            break;
        };
        actions[i] += 1;
        let restart = if symmetric { actions[i] } else { 0 };
        for a in &mut actions[..i] {
            *a = restart;
        }
    }
    Ok(replies)
}

/// Check a point before running it (e.g. `worst` past its size).
fn validate_point(point: &Point) -> Result<()> {
    if point.opponent == Opponent::Worst {
        worst_replies(&point.problem)?;
    }
    Ok(())
}

/// The problems a point evaluates: one, or one per `worst` reply.
fn point_problems(point: &Point) -> Result<Vec<(Option<Vec<usize>>, Problem)>> {
    match point.opponent {
        Opponent::Given => Ok(vec![(None, point.problem.clone())]),
        Opponent::Worst => worst_replies(&point.problem)?
            .into_iter()
            .map(|a| {
                let p = point
                    .problem
                    .with_policy(1, Policy::Pure { actions: a.clone() })?;
                Ok((Some(a), p))
            })
            .collect(),
    }
}

impl Evaluator {
    /// Refuse a point that cannot run (e.g. the `worst` opponent past its
    /// size) before any point of the sweep runs.
    pub fn validate_point(&self, point: &Point) -> Result<()> {
        validate_point(point)
    }

    /// Evaluate one point of a sweep into its row. Errors keep their kind.
    pub fn sweep_point(&mut self, point: &Point, options: &SweepOptions) -> Result<Row> {
        evaluate_point(self, point, options)
    }
}

/// Evaluate a point into a row, with the problem that attains the minimum of
/// coalition 0 (to save when the bound fails).
fn evaluate_point(evaluator: &mut Evaluator, point: &Point, options: &SweepOptions) -> Result<Row> {
    options.check()?;
    let started = Instant::now();
    let m = point.problem.coalitions().len();
    let problems = point_problems(point)?;
    // Coalition 0's minimum is judged over every state of every evaluation.
    let estimates = (problems.len() * point.problem.states()) as u64;
    let mut min_shares = vec![f64::INFINITY; m];
    // min over estimates of (estimate + what sampling may hide below it).
    let mut reach = f64::INFINITY;
    let mut worst: Option<(Option<Vec<usize>>, Problem)> = None;
    let mut max_diff: Option<f64> = None;
    let mut evaluations = 0;
    let mut first: Option<Evaluation> = None;
    let mut backend_used = BackendUsed::Cpu;
    for (reply, problem) in problems {
        let mut run = evaluator.evaluate(
            &problem,
            &Options {
                backend: options.backend,
                method: options.method,
                samples: options.samples,
                seed: options.seed,
                auto_max_pairs: SWEEP_AUTO_MAX_PAIRS,
                tolerance: options.tolerance,
                ..Options::default()
            },
        )?;
        evaluations += 1;
        // With both backends the GPU's result is reported (the CPU's is the
        // reference it is held to).
        if let Some(check) = run.cross_check.take() {
            evaluations += 1;
            let d = check.max_abs_difference;
            max_diff = Some(max_diff.map_or(d, |m: f64| m.max(d)));
            run = *check.gpu;
        }
        backend_used = run.backend;
        reach = reach.min(reach_of(&run, estimates));
        for (j, slot) in min_shares.iter_mut().enumerate() {
            let v = run.min_over_states(j);
            if j == 0 && v < *slot {
                worst = Some((reply.clone(), problem.clone()));
            }
            *slot = slot.min(v);
        }
        first.get_or_insert(run);
    }
    let first = first.expect("a point evaluates at least once");
    let bound = point.bound.map(Bound::value);
    let holds = bound.map(|b| reach + rounding(backend_used) >= b);
    let (worst_actions, worst_problem) = worst.expect("evaluated");
    let game = point.problem.game();
    let row = Row {
        point: point.key.clone(),
        sweep: point.sweep.clone(),
        family: game.family().to_string(),
        players: point.problem.players(),
        actions: point.problem.actions(),
        states: point.problem.states(),
        sizes: point
            .problem
            .coalitions()
            .iter()
            .map(|c| c.members.len())
            .collect(),
        opponent: point.opponent_label.clone(),
        game: point.game,
        backend: match (options.backend, backend_used) {
            (Backend::Both, _) => RowBackend::Both,
            (_, BackendUsed::Gpu) => RowBackend::Gpu,
            _ => RowBackend::Cpu,
        },
        method: first.method,
        work: first
            .samples
            .or(first.count_pairs)
            .or(first.profiles)
            .unwrap_or(0),
        evaluations,
        bound,
        holds,
        margin: bound.map(|b| min_shares[0] - b),
        min_shares,
        seconds: started.elapsed().as_secs_f64(),
        max_gpu_cpu: max_diff,
        agree: max_diff.map(|d| d <= options.tolerance),
        worst_actions,
        attaining: Some(worst_problem),
    };
    Ok(row)
}

/// The least that coalition 0's share may be in any state of `run`, as far
/// as `run` can tell: its estimate, plus what sampling may hide below it
/// ([`sampling_allowance`]) when sampled.
fn reach_of(run: &Evaluation, estimates: u64) -> f64 {
    let samples = run.samples.unwrap_or(0);
    run.shares[0]
        .iter()
        .enumerate()
        .map(|(x, &share)| match &run.stderr {
            Some(se) => share + sampling_allowance(se[0][x], samples, estimates),
            None => share,
        })
        .fold(f64::INFINITY, f64::min)
}

/// A point key as a file name: letters, digits, `-`, `_`, `.` and `=` kept.
pub fn file_name(key: &str) -> String {
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.=".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}
