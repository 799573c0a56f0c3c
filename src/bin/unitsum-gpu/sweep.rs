//! `unitsum-gpu sweep`: argument parsing and the run loop (output file,
//! resume, shard, saved failures, progress bar, plot). Each point is
//! evaluated by the library (`Evaluator::sweep_point`).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use unitsum_gpu::sweep::output::{self, content_hash, Identity};
use unitsum_gpu::sweep::rows::{self, RowWriter, SweepFormat};
use unitsum_gpu::sweep::{
    self, parse_opponents, parse_range, OpponentKind, Point, Row, Shard, Sizes, SweepOptions,
};
use unitsum_gpu::{Backend, Error, Evaluator, Method};

use crate::named::named;
use crate::report::plural;
use crate::{Failure, Outcome};

/// `--sizes` of theorem1.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SizesArg {
    /// s = ⌊n/2⌋+1.
    Majority,
    /// Every strict majority below n.
    All,
}

/// `--format` of a sweep.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum RowFormatArg {
    /// Comma-separated, lists joined by `;`, a header line.
    Csv,
    /// JSON lines.
    Json,
}

#[derive(Subcommand)]
pub enum Preset {
    /// Theorem 1: plurality game, a majority playing a common uniform action.
    Theorem1 {
        /// Players n: 5, 3..=11, or 101..=301..50 (start..=end..step).
        #[arg(long, default_value = unitsum_gpu::sweep::THEOREM1_DEFAULTS.players)]
        players: String,
        /// Actions k, same syntax.
        #[arg(long, default_value = unitsum_gpu::sweep::THEOREM1_DEFAULTS.actions)]
        actions: String,
        /// majority: s = ⌊n/2⌋+1; all: every strict majority below n.
        #[arg(long, value_enum, default_value_t = SizesArg::Majority)]
        sizes: SizesArg,
        /// Opponent policies: uniform, pure, common, random:R, worst (refused
        /// past 10000 pure replies).
        #[arg(long, default_value = unitsum_gpu::sweep::THEOREM1_DEFAULTS.opponents)]
        opponents: String,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Theorem 2: for every opponent size m2 ≤ n/2, the other players copy them.
    Theorem2 {
        /// Symmetric families, comma separated.
        #[arg(long, default_value = unitsum_gpu::sweep::THEOREM2_DEFAULTS.families)]
        family: String,
        /// Players n (same syntax as theorem1).
        #[arg(long, default_value = unitsum_gpu::sweep::THEOREM2_DEFAULTS.players)]
        players: String,
        /// Actions k.
        #[arg(long, default_value = unitsum_gpu::sweep::THEOREM2_DEFAULTS.actions)]
        actions: String,
        /// Seeded random games per family, n and k (plurality has one).
        #[arg(long, default_value_t = unitsum_gpu::sweep::THEOREM2_DEFAULTS.games)]
        games: usize,
        /// Opponent policies: uniform, pure, common, random:R, worst (refused
        /// past 10000 pure replies).
        #[arg(long, default_value = unitsum_gpu::sweep::THEOREM2_DEFAULTS.opponents)]
        opponents: String,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Theorem 2 across contexts: two roles whose games differ by a
    /// relabelling of the actions; for every split of both coalitions into
    /// the roles, coalition 0 copies coalition 1 by position, by role and
    /// translated, each against the bound that applies.
    Contexts {
        /// Role-dependent families, comma separated.
        #[arg(long, default_value = unitsum_gpu::sweep::CONTEXTS_DEFAULTS.families)]
        family: String,
        /// Players n ≥ 3 (same syntax as theorem1).
        #[arg(long, default_value = unitsum_gpu::sweep::CONTEXTS_DEFAULTS.players)]
        players: String,
        /// Actions k ≥ 2.
        #[arg(long, default_value = unitsum_gpu::sweep::CONTEXTS_DEFAULTS.actions)]
        actions: String,
        /// Seeded random games per family, n and k.
        #[arg(long, default_value_t = unitsum_gpu::sweep::CONTEXTS_DEFAULTS.games)]
        games: usize,
        /// Opponent policies: uniform, pure, common, random:R, worst.
        #[arg(long, default_value = unitsum_gpu::sweep::CONTEXTS_DEFAULTS.opponents)]
        opponents: String,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// A general grid from a file (README, "Sweep grids"; examples/grids/copy-grid.json).
    Grid {
        /// The grid file (JSON).
        file: PathBuf,
        #[command(flatten)]
        common: CommonArgs,
    },
}

#[derive(Args)]
pub struct CommonArgs {
    /// cpu, gpu, both (adds max |GPU − CPU| and fails rows beyond --tolerance) or auto.
    #[arg(long, value_parser = named::<Backend>(), default_value_t = Backend::Cpu)]
    backend: Backend,
    /// auto, exact, counts or sample (as in eval).
    #[arg(long, value_parser = named::<Method>(), default_value_t = Method::Auto)]
    method: Method,
    /// Samples per evaluation when sampling.
    #[arg(long, default_value_t = unitsum_gpu::sweep::DEFAULT_SWEEP_SAMPLES)]
    samples: u64,
    /// Seed of the random games, random opponents and samples.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// csv or json (JSON lines).
    #[arg(long, value_enum, default_value_t = RowFormatArg::Csv)]
    format: RowFormatArg,
    /// Write rows to FILE (appending with --resume) instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Skip the points already in --out.
    #[arg(long)]
    resume: bool,
    /// Run shard I of N (points i with i mod N = I), e.g. 0/4.
    #[arg(long)]
    shard: Option<String>,
    /// Write every point whose bound fails as a spec file in DIR.
    #[arg(long)]
    save_failures: Option<PathBuf>,
    /// Draw the preset's plot (SVG).
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Largest allowed max |GPU − CPU| with --backend both.
    #[arg(long, default_value_t = Tolerance(unitsum_gpu::DEFAULT_TOLERANCE), allow_negative_numbers = true)]
    tolerance: Tolerance,
}

/// A tolerance flag's value, shown in `--help` as eval's is (`1e-5`, not
/// `0.00001`).
#[derive(Clone, Copy, Debug)]
struct Tolerance(f64);

impl std::fmt::Display for Tolerance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:e}", self.0)
    }
}

impl std::str::FromStr for Tolerance {
    type Err = std::num::ParseFloatError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(Tolerance)
    }
}

fn usage(option: &str, message: impl Into<String>) -> Failure {
    Failure::at("", Error::usage(option, message))
}

/// A list as one identity value, as the flag would spell it.
fn listed<T: std::fmt::Display>(items: &[T]) -> String {
    items.iter().map(T::to_string).collect::<Vec<_>>().join(",")
}

/// The options the library evaluates points with.
fn sweep_options(common: &CommonArgs) -> SweepOptions {
    SweepOptions {
        backend: common.backend,
        method: common.method,
        samples: common.samples,
        seed: common.seed,
        tolerance: common.tolerance.0,
    }
}

/// `--shard`, or the whole sweep.
fn shard_of(common: &CommonArgs) -> Result<Shard, Failure> {
    Ok(common
        .shard
        .as_deref()
        .map(Shard::parse)
        .transpose()?
        .unwrap_or(Shard::ALL))
}

/// The points of `preset` in this shard, its flags, its kind and its
/// identity (without the common flags).
fn build(preset: Preset) -> Result<(Vec<Point>, CommonArgs, &'static str, Identity), Failure> {
    Ok(match preset {
        Preset::Theorem1 {
            players,
            actions,
            sizes,
            opponents,
            common,
        } => {
            check_flags(&common, true)?;
            let (players, actions) = (
                parse_range(&players, "players")?,
                parse_range(&actions, "actions")?,
            );
            let opponents = parse_opponents(&opponents)?;
            let identity = Identity::default()
                .with("players", listed(&players))
                .with("actions", listed(&actions))
                .with("sizes", format!("{sizes:?}").to_lowercase())
                .with("opponents", listed(&opponents));
            let sizes = match sizes {
                SizesArg::Majority => Sizes::Majority,
                SizesArg::All => Sizes::All,
            };
            let shard = shard_of(&common)?;
            let points =
                sweep::theorem1(&players, &actions, sizes, &opponents, common.seed, shard)?;
            (points, common, "theorem1", identity)
        }
        Preset::Theorem2 {
            family,
            players,
            actions,
            games,
            opponents,
            common,
        } => {
            let (families, players, actions, opponents, identity) =
                family_axes(&common, &family, &players, &actions, games, &opponents)?;
            let shard = shard_of(&common)?;
            let points = sweep::theorem2(
                &families,
                &players,
                &actions,
                games,
                &opponents,
                common.seed,
                shard,
            )?;
            (points, common, "theorem2", identity)
        }
        Preset::Contexts {
            family,
            players,
            actions,
            games,
            opponents,
            common,
        } => {
            let (families, players, actions, opponents, identity) =
                family_axes(&common, &family, &players, &actions, games, &opponents)?;
            let shard = shard_of(&common)?;
            let points = sweep::contexts(
                &families,
                &players,
                &actions,
                games,
                &opponents,
                common.seed,
                shard,
            )?;
            (points, common, "contexts", identity)
        }
        Preset::Grid { file, common } => {
            check_flags(&common, false)?;
            let source = file.display().to_string();
            let shard = shard_of(&common)?;
            let points = sweep::grid_file(&file, shard).map_err(|e| Failure::at(&source, e))?;
            // Read again only to hash: the grid above was read within its size limit.
            let content =
                std::fs::read(&file).map_err(|e| Failure::at("", Error::read(&file, e)))?;
            let identity = Identity::default().with("grid", content_hash(&content));
            (points, common, "grid", identity)
        }
    })
}

/// The parsed axes of theorem2 and contexts, and their identity.
#[allow(clippy::type_complexity, reason = "the axes of one preset")]
fn family_axes(
    common: &CommonArgs,
    family: &str,
    players: &str,
    actions: &str,
    games: usize,
    opponents: &str,
) -> Result<
    (
        Vec<String>,
        Vec<usize>,
        Vec<usize>,
        Vec<OpponentKind>,
        Identity,
    ),
    Failure,
> {
    check_flags(common, true)?;
    if games == 0 || games > sweep::MAX_GAMES {
        return Err(usage(
            "games",
            format!("{games}: expected 1 to {} games", sweep::MAX_GAMES),
        ));
    }
    let families: Vec<String> = family.split(',').map(|f| f.trim().to_string()).collect();
    let (players, actions) = (
        parse_range(players, "players")?,
        parse_range(actions, "actions")?,
    );
    let opponents = parse_opponents(opponents)?;
    let identity = Identity::default()
        .with("family", listed(&families))
        .with("players", listed(&players))
        .with("actions", listed(&actions))
        .with("games", games)
        .with("opponents", listed(&opponents));
    Ok((families, players, actions, opponents, identity))
}

pub fn run(preset: Preset) -> Outcome {
    let (mut points, common, kind, identity) = build(preset)?;
    let identity = identity
        .with("preset", kind)
        .with("version", env!("CARGO_PKG_VERSION"))
        .with("backend", common.backend.to_string())
        .with("method", common.method.to_string())
        .with("samples", common.samples)
        .with("seed", common.seed)
        .with("tolerance", common.tolerance.0)
        .with("format", format!("{:?}", common.format).to_lowercase())
        .with("shard", common.shard.as_deref().unwrap_or("(all)"));
    let options = sweep_options(&common);
    let format = match common.format {
        RowFormatArg::Csv => SweepFormat::Csv,
        RowFormatArg::Json => SweepFormat::Json,
    };
    // The output is checked and locked first (a refused resume or a locked
    // file costs no work), but changed only once every check has passed.
    let pending = match &common.out {
        None => None,
        Some(path) => {
            let max_line = points.iter().map(rows::line_bound).max().unwrap_or(0);
            Some(output::prepare(path, &identity, common.resume, max_line)?)
        }
    };
    let done = rows::done_keys(pending.as_ref().map_or(&[][..], |p| &p.previous));
    points.retain(|p| !done.contains(&p.key.replace(',', ";")));
    let mut evaluator = Evaluator::new();
    for p in &points {
        evaluator
            .validate_point(p)
            .map_err(|e| Failure::at(&p.key, e))?;
    }
    if let Some(dir) = &common.save_failures {
        std::fs::create_dir_all(dir).map_err(|e| Failure::at("", Error::write(dir, e)))?;
    }
    let (out, previous, has_content): (Box<dyn Write>, _, _) = match pending {
        None => (Box::new(std::io::stdout()), Vec::new(), false),
        Some(pending) => {
            let output = pending.commit()?;
            if let (Some(bytes), Some(path)) = (output.removed, &common.out) {
                eprintln!(
                    "note: {}: removed a last line cut short ({bytes} bytes without a newline)",
                    path.display()
                );
            }
            (Box::new(output.file), output.previous, output.has_content)
        }
    };
    // A resumed file keeps its header; a new one (or stdout) gets one.
    let name = common
        .out
        .as_ref()
        .map_or("standard output".to_string(), |p| p.display().to_string());
    let mut writer = RowWriter::new(out, name, format, !has_content)?;
    let rows = evaluate(
        &mut evaluator,
        &points,
        &options,
        &common,
        kind,
        &mut writer,
    )?;
    let before = previous.len();
    let all: Vec<_> = previous.into_iter().chain(rows).collect();
    if let Some(path) = &common.plot {
        match kind {
            "theorem1" => crate::plot::theorem1(&all, path)?,
            "contexts" => crate::plot::contexts(&all, path)?,
            _ => crate::plot::theorem2(&all, path)?,
        }
    }
    if let Some(path) = &common.out {
        eprintln!("{}", summary(&all, before, path));
    }
    report(&all)
}

/// The line that ends a sweep written to `--out`: the rows written (and
/// those already there after `--resume`), where, and how many hold.
fn summary(all: &[Row], before: usize, path: &std::path::Path) -> String {
    let written = all.len() - before;
    let mut line = format!(
        "wrote {} to {}",
        plural(written, "row", "rows"),
        path.display()
    );
    if before > 0 {
        line.push_str(&format!(" ({before} there before)"));
    }
    let holds = all.iter().filter(|r| r.holds == Some(true)).count();
    let fail = all.iter().filter(|r| r.holds == Some(false)).count();
    let unbound = all.len() - holds - fail;
    line.push_str(&format!(": {holds} hold"));
    if fail > 0 {
        line.push_str(&format!(", {fail} fail"));
    }
    if unbound > 0 {
        line.push_str(&format!(", {unbound} without a bound"));
    }
    let disagree = all.iter().filter(|r| r.agree == Some(false)).count();
    if disagree > 0 {
        line.push_str(&format!(
            "; {} where the backends disagree",
            plural(disagree, "row", "rows")
        ));
    }
    line
}

/// Evaluate `points` in order, writing each row as it completes (and each
/// failing point's spec to `--save-failures`), with a progress bar.
fn evaluate(
    evaluator: &mut Evaluator,
    points: &[Point],
    options: &SweepOptions,
    common: &CommonArgs,
    kind: &str,
    writer: &mut RowWriter,
) -> Result<Vec<Row>, Failure> {
    let bar = ProgressBar::with_draw_target(
        Some(points.len() as u64),
        if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:40}] {pos}/{len} points ({eta} left) {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix(kind.to_string());
    let mut failures = 0;
    let mut rows = Vec::with_capacity(points.len());
    for (i, point) in points.iter().enumerate() {
        let mut row = evaluator
            .sweep_point(point, options)
            .map_err(|e| Failure::at(format!("point {}", point.key), e))?;
        writer.write(&row)?;
        // The attaining problem is saved or dropped here: thousands of rows
        // kept for the plot must not hold a problem each.
        let attaining = row.attaining.take();
        if let (Some(dir), Some(false), Some(attaining)) =
            (&common.save_failures, row.holds, attaining)
        {
            let file = dir.join(format!("{}.json", sweep::file_name(&point.key)));
            std::fs::write(&file, attaining.to_json() + "\n")
                .map_err(|e| Failure::at("", Error::write(&file, e)))?;
        }
        if row.failed() {
            failures += 1;
            bar.set_message(format!("{failures} failed"));
        }
        bar.set_position(i as u64 + 1);
        rows.push(row);
    }
    bar.finish_and_clear();
    Ok(rows)
}

/// Exit 1 with the failing points listed when any failed a check.
fn report(all: &[Row]) -> Outcome {
    let failed: Vec<_> = all.iter().filter(|r| r.failed()).collect();
    if failed.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "{} of {} failed a check (a bound that does not hold, or backends that disagree): a bug or a counterexample",
        failed.len(),
        plural(all.len(), "point", "points")
    );
    let show = |v: Option<f64>| v.map_or("none".to_string(), |v| format!("{v:.6}"));
    for r in failed.iter().take(5) {
        eprintln!(
            "  {}: min r_0 = {}, bound {}, max |gpu − cpu| {}",
            r.point,
            show(r.min_shares.first().copied()),
            show(r.bound),
            r.max_gpu_cpu
                .map_or("none".to_string(), |d| format!("{d:.1e}"))
        );
    }
    Ok(ExitCode::from(1))
}

/// Refuse flag combinations before any work starts.
fn check_flags(common: &CommonArgs, plots: bool) -> Result<(), Failure> {
    if common.plot.is_some() && !plots {
        return Err(usage(
            "plot",
            "plots are drawn for the theorem1, theorem2 and contexts presets",
        ));
    }
    if common.resume && common.out.is_none() {
        return Err(usage(
            "resume",
            "needs --out FILE (the rows to resume from)",
        ));
    }
    // Samples and tolerance: the library's rule, as Python's.
    sweep_options(common).check()?;
    Ok(())
}
