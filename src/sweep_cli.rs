//! `unitsum-gpu sweep`: argument parsing and the run loop's terminal side
//! (output file, resume, shard, progress bar, plot). The work is in
//! `unitsum_gpu::sweep`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use unitsum_gpu::sweep::output::{read_rows, RowWriter, SweepFormat};
use unitsum_gpu::sweep::presets::{parse_opponents, parse_range, Sizes};
use unitsum_gpu::sweep::{self, SweepBackend, SweepOptions};
use unitsum_gpu::{Backend, Error, Evaluator, Method};

#[derive(Subcommand)]
pub enum Preset {
    /// Theorem 1: plurality game, a majority playing a common uniform action.
    Theorem1 {
        /// Players n: 5, 3..=11, or 101..=301..50 (start..=end..step).
        #[arg(long, default_value = "3..=11")]
        players: String,
        /// Actions k, same syntax.
        #[arg(long, default_value = "2..=6")]
        actions: String,
        /// majority: s = ⌊n/2⌋+1; all: every strict majority below n.
        #[arg(long, default_value = "majority")]
        sizes: String,
        /// Opponent policies: uniform, pure, common, random:R, worst (refused
        /// past 10000 pure replies).
        #[arg(long, default_value = "uniform,pure,common,random:2")]
        opponents: String,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Theorem 2: for every opponent size m2 ≤ n/2, the other players copy them.
    Theorem2 {
        /// Symmetric families, comma separated.
        #[arg(long, default_value = "plurality,proportional,congestion,anonymous")]
        family: String,
        /// Players n (same syntax as theorem1).
        #[arg(long, default_value = "3..=10")]
        players: String,
        /// Actions k.
        #[arg(long, default_value = "2..=4")]
        actions: String,
        /// Seeded random games per family, n and k (plurality has one).
        #[arg(long, default_value_t = 2)]
        games: usize,
        /// Opponent policies: uniform, pure, common, random:R, worst (refused
        /// past 10000 pure replies).
        #[arg(long, default_value = "uniform,pure,common,random:2")]
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
    #[arg(long, default_value = "cpu")]
    backend: String,
    /// auto, exact, counts or sample (as in eval).
    #[arg(long, default_value = "auto")]
    method: String,
    /// Samples per evaluation when sampling.
    #[arg(long, default_value_t = 200_000)]
    samples: u64,
    /// Seed of the random games, random opponents and samples.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// csv or json (JSON lines).
    #[arg(long, default_value = "csv")]
    format: String,
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
    #[arg(long, default_value_t = 1e-5)]
    tolerance: f64,
}

fn usage(what: &str, message: impl Into<String>) -> Error {
    Error::spec(what, message)
}

pub fn run(preset: Preset) -> Result<ExitCode, (String, Error)> {
    let plain = |e: Error| (String::new(), e);
    let (points, common, kind) = match preset {
        Preset::Theorem1 {
            players,
            actions,
            sizes,
            opponents,
            common,
        } => {
            let sizes = match sizes.as_str() {
                "majority" => Sizes::Majority,
                "all" => Sizes::All,
                other => {
                    return Err(plain(usage(
                        "--sizes",
                        format!("{other:?}: expected majority or all"),
                    )))
                }
            };
            let points = sweep::presets::theorem1(
                &parse_range(&players, "--players").map_err(plain)?,
                &parse_range(&actions, "--actions").map_err(plain)?,
                sizes,
                &parse_opponents(&opponents).map_err(plain)?,
                common.seed,
            )
            .map_err(plain)?;
            (points, common, "theorem1")
        }
        Preset::Theorem2 {
            family,
            players,
            actions,
            games,
            opponents,
            common,
        } => {
            let families: Vec<String> = family.split(',').map(|f| f.trim().to_string()).collect();
            let points = sweep::presets::theorem2(
                &families,
                &parse_range(&players, "--players").map_err(plain)?,
                &parse_range(&actions, "--actions").map_err(plain)?,
                games.max(1),
                &parse_opponents(&opponents).map_err(plain)?,
                common.seed,
            )
            .map_err(plain)?;
            (points, common, "theorem2")
        }
        Preset::Grid { file, common } => {
            let source = file.display().to_string();
            let points = sweep::grid::load_grid(&file).map_err(|e| (format!("{source}: "), e))?;
            (points, common, "grid")
        }
    };
    let options = SweepOptions {
        backend: match common.backend.as_str() {
            "cpu" => SweepBackend::One(Backend::Cpu),
            "gpu" => SweepBackend::One(Backend::Gpu),
            "auto" => SweepBackend::One(Backend::Auto),
            "both" => SweepBackend::Both,
            other => {
                return Err(plain(usage(
                    "--backend",
                    format!("{other:?}: expected cpu, gpu, both or auto"),
                )))
            }
        },
        method: match common.method.as_str() {
            "auto" => Method::Auto,
            "exact" => Method::Exact,
            "counts" => Method::Counts,
            "sample" => Method::Sample,
            other => {
                return Err(plain(usage(
                    "--method",
                    format!("{other:?}: expected auto, exact, counts or sample"),
                )))
            }
        },
        samples: common.samples,
        seed: common.seed,
        tolerance: common.tolerance,
    };
    let format = match common.format.as_str() {
        "csv" => SweepFormat::Csv,
        "json" => SweepFormat::Json,
        other => {
            return Err(plain(usage(
                "--format",
                format!("{other:?}: expected csv or json"),
            )))
        }
    };
    let mut points = points;
    if let Some(shard) = &common.shard {
        let bad = || {
            plain(usage(
                "--shard",
                format!("{shard:?}: expected I/N with 0 ≤ I < N"),
            ))
        };
        let (i, n) = shard.split_once('/').ok_or_else(bad)?;
        let (i, n): (usize, usize) = (i.parse().map_err(|_| bad())?, n.parse().map_err(|_| bad())?);
        if n == 0 || i >= n {
            return Err(bad());
        }
        points = sweep::shard(points, i, n);
    }
    if common.resume && common.out.is_none() {
        return Err(plain(usage(
            "--resume",
            "needs --out FILE (the rows to resume from)",
        )));
    }
    let previous = match (&common.out, common.resume) {
        (Some(path), true) => read_rows(path).map_err(plain)?,
        _ => Vec::new(),
    };
    let done = sweep::output::done_keys(&previous);
    points.retain(|p| !done.contains(&p.key.replace(',', ";")));
    for p in &points {
        sweep::validate_point(p).map_err(|e| (format!("{}: ", p.key), e))?;
    }

    let out: Box<dyn Write> = match &common.out {
        None => Box::new(std::io::stdout()),
        Some(path) => {
            let io = |e: std::io::Error| {
                plain(Error::Io {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })
            };
            if common.resume {
                // A row cut short by a crash must not swallow the next one.
                let existing = std::fs::read(path).unwrap_or_default();
                let mut file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(io)?;
                if existing.last().is_some_and(|&b| b != b'\n') {
                    file.write_all(b"\n").map_err(io)?;
                }
                Box::new(file)
            } else {
                Box::new(std::fs::File::create(path).map_err(io)?)
            }
        }
    };
    // A resumed file keeps its header; a new one (or stdout) gets one.
    let resumed_file = common.resume
        && common
            .out
            .as_ref()
            .and_then(|p| std::fs::metadata(p).ok())
            .is_some_and(|m| m.len() > 0);
    let header = !resumed_file;

    let mut writer = RowWriter::new(out, format, header).map_err(plain)?;

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
    bar.set_prefix(kind);
    let mut evaluator = Evaluator::new();
    let mut failures = 0;
    let rows = sweep::run(
        &mut evaluator,
        &points,
        &options,
        &mut writer,
        common.save_failures.as_deref(),
        &mut |row, done| {
            if row.failed() {
                failures += 1;
                bar.set_message(format!("{failures} failed"));
            }
            bar.set_position(done as u64);
        },
    )
    .map_err(plain)?;
    bar.finish_and_clear();

    let all: Vec<_> = previous.into_iter().chain(rows).collect();
    if let Some(path) = &common.plot {
        match kind {
            "theorem1" => unitsum_gpu::plot::theorem1(&all, path).map_err(plain)?,
            "theorem2" => unitsum_gpu::plot::theorem2(&all, path).map_err(plain)?,
            _ => {
                return Err(plain(usage(
                    "--plot",
                    "plots are drawn for the theorem1 and theorem2 presets",
                )))
            }
        }
    }
    let failed: Vec<_> = all.iter().filter(|r| r.failed()).collect();
    if !failed.is_empty() {
        eprintln!(
            "{} of {} points failed a check (a bound that does not hold, or backends that disagree): a bug or a counterexample",
            failed.len(),
            all.len()
        );
        for r in failed.iter().take(5) {
            eprintln!(
                "  {}: min r_0 = {:?}, bound {:?}, max |gpu − cpu| {:?}",
                r.point,
                r.min_shares.first(),
                r.bound,
                r.max_gpu_cpu
            );
        }
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
