//! `unitsum-gpu power`: the characteristic function v(S) of a game over
//! every composition of S by role, written row by row (resumable), then
//! the Shapley and Banzhaf values, the core and the checks. The work is in
//! the library (`Evaluator::power`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use unitsum_gpu::{
    Backend, Error, Evaluator, GuaranteeOptions, Power, PowerOptions, PowerPoint, Problem, Solver,
};

use crate::named::named;
use crate::{Failure, Outcome};

/// `--format` of `power`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PowerFormatArg {
    /// CSV rows, the summary for people on stderr.
    Csv,
    /// JSON lines, ending with one summary object.
    Json,
}

#[derive(Args)]
pub struct PowerArgs {
    /// A spec file: its game and roles (its coalitions are ignored).
    spec: Option<PathBuf>,
    /// The game without a spec.
    #[command(flatten)]
    game: crate::family::FamilyArgs,
    /// How each security value is solved [default: auto].
    #[arg(long, value_parser = named::<Solver>())]
    solver: Option<Solver>,
    /// Where payoffs are built (as guarantee).
    #[arg(long, value_parser = named::<Backend>(), default_value_t = Backend::Cpu)]
    backend: Backend,
    /// The double oracle's cap on rounds, per security value [default: 5000].
    #[arg(long)]
    max_iterations: Option<usize>,
    /// The double oracle's cap on seconds, per security value [default: 3600].
    #[arg(long, allow_negative_numbers = true)]
    max_seconds: Option<f64>,
    /// csv (rows; the summary on stderr) or json (JSON lines, then the summary).
    #[arg(long, value_enum, default_value_t = PowerFormatArg::Csv)]
    format: PowerFormatArg,
    /// Write rows to FILE (appending with --resume) instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Skip the compositions already in --out (same game, same format).
    #[arg(long)]
    resume: bool,
    /// Draw v: a curve for one role, a heat map for two (SVG).
    #[arg(long)]
    plot: Option<PathBuf>,
}

/// The game the flags or the spec name, as a problem (its coalitions are
/// not used) and a label for messages.
fn problem(args: &PowerArgs) -> Result<(Problem, String), Failure> {
    if let Some(spec) = &args.spec {
        for (flag, given) in args.game.given() {
            if given {
                return Err(
                    Error::usage(flag, "is for a family's game; the spec gives its own").into(),
                );
            }
        }
        let source = spec.display().to_string();
        let problem = Problem::load(spec).map_err(|e| Failure::at(&source, e))?;
        return Ok((problem, source));
    }
    let (players, actions) = args.game.size();
    let family = args.game.family();
    let game = args.game.game()?;
    let problem = unitsum_gpu::family_problem(game, players, actions)?;
    Ok((problem, format!("{family}, n = {players}, k = {actions}")))
}

pub fn run(args: PowerArgs) -> Outcome {
    let (problem, label) = problem(&args)?;
    if args.resume && args.out.is_none() {
        return Err(Error::usage("resume", "needs --out: the file to resume").into());
    }
    let defaults = GuaranteeOptions::default();
    let mut options = PowerOptions {
        guarantee: GuaranteeOptions {
            backend: args.backend,
            solver: args.solver.unwrap_or_default(),
            spy: Some(false),
            max_iterations: args.max_iterations.unwrap_or(defaults.max_iterations),
            max_seconds: args.max_seconds.unwrap_or(defaults.max_seconds),
        },
        known: Vec::new(),
    };
    // What a resumed file must have been written for: the spec's game and
    // roles (its coalitions do not matter) and the format.
    let spec = problem.to_value();
    let identity = serde_json::json!({
        "game": spec["game"], "players": spec["players"], "actions": spec["actions"],
        "roles": problem.roles(), "format": format!("{:?}", args.format),
    });
    let mut sink = match &args.out {
        Some(path) => {
            let (known, file) = open_out(path, &identity, args.resume, args.format)?;
            options.known = known;
            // A header only at the top of an empty file.
            let fresh = file.metadata().map_or(true, |m| m.len() == 0);
            Sink::File(file, fresh)
        }
        None => Sink::Stdout(true),
    };
    let mut evaluator = Evaluator::new();
    let bar = crate::progress::Bar::new("power");
    evaluator.set_progress(Some(bar.callback()));
    let format = args.format;
    let outcome = evaluator.power(&problem, &options, &mut |p| {
        let row = power_row(p, format, sink.take_header());
        bar.suspend(|| sink.write(&row))
    });
    bar.finish();
    let power = outcome.map_err(|e| Failure::at(&label, e))?;
    if format == PowerFormatArg::Json {
        let summary = serde_json::to_string(&power).expect("serialisable") + "\n";
        sink.write(&summary)?;
    }
    eprint!("{}", summary_text(&power, options.known.len()));
    if let Some(path) = &args.plot {
        crate::plot::power(&power, &format!("Characteristic function: {label}"), path)?;
    }
    let failed = power.efficiency_error > 1e-9;
    if failed {
        eprintln!(
            "the Shapley values do not sum to 1 (|error| {:.1e})",
            power.efficiency_error
        );
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Where rows go: standard output or the `--out` file; the flag says
/// whether the CSV header is still to be written.
enum Sink {
    Stdout(bool),
    File(std::fs::File, bool),
}

impl Sink {
    fn take_header(&mut self) -> bool {
        match self {
            Sink::Stdout(h) | Sink::File(_, h) => std::mem::take(h),
        }
    }

    fn write(&mut self, text: &str) -> Result<(), Error> {
        match self {
            Sink::Stdout(_) => crate::write_stdout(text),
            Sink::File(file, _) => file
                .write_all(text.as_bytes())
                .and_then(|()| file.flush())
                .map_err(|e| Error::write("--out", e)),
        }
    }
}

/// One composition as a line of `format`, after the CSV header when asked.
fn power_row(p: &PowerPoint, format: PowerFormatArg, header: bool) -> String {
    match format {
        PowerFormatArg::Json => serde_json::to_string(p).expect("serialisable") + "\n",
        PowerFormatArg::Csv => format!(
            "{}{},{},{},{},{},{}\n",
            if header {
                "composition,size,value,upper,fraction,solver\n"
            } else {
                ""
            },
            p.composition
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(";"),
            p.size,
            p.value,
            p.upper.map_or(String::new(), |u| u.to_string()),
            p.fraction,
            p.solver.map_or(String::new(), |s| s.to_string()),
        ),
    }
}

/// The summary for people: Shapley and Banzhaf per role, the core, the
/// checks.
fn summary_text(power: &Power, resumed: usize) -> String {
    let per_role = |values: &[f64]| {
        values
            .iter()
            .zip(&power.roles)
            .map(|(v, r)| format!("role {r}: {v:.12}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = format!(
        "{} compositions{} of roles of sizes {:?}\n",
        power.points.len(),
        if resumed > 0 {
            format!(" ({resumed} resumed)")
        } else {
            String::new()
        },
        power.role_sizes
    );
    out += &format!("Shapley value per player: {}\n", per_role(&power.shapley));
    out += &format!("Banzhaf value per player: {}\n", per_role(&power.banzhaf));
    let core = &power.core;
    out += &match &core.violated {
        Some(s) if power.roles.len() == 1 => format!(
            "core: empty: v({}) = {:.6} exceeds {}/{}, that coalition's share of an equal \
             split, the only candidate (the least core falls {:.3e} short)\n",
            s[0], power.points[s[0]].value, s[0], power.role_sizes[0], -core.least_excess
        ),
        Some(s) => format!(
            "core: empty: no division of the unit meets every guarantee; at best, \
             composition {s:?} falls {:.3e} short (least core: {})\n",
            -core.least_excess,
            per_role(&core.allocation)
        ),
        None => format!(
            "core: non-empty, e.g. {} (every coalition gets at least its guarantee, \
             with {:.3e} to spare)\n",
            per_role(&core.allocation),
            core.least_excess
        ),
    };
    for (name, p) in [
        ("superadditive", &power.superadditive),
        ("monotone", &power.monotone),
    ] {
        out += &match (p.checked, p.holds) {
            (false, _) => format!("{name}: not checked (too many pairs)\n"),
            (true, true) => format!("{name}: yes (least slack {:.3e})\n", p.least_slack),
            (true, false) => format!(
                "{name}: no, at {:?} (slack {:.3e})\n",
                p.witness.as_ref().expect("a witness"),
                p.least_slack
            ),
        };
    }
    out
}

/// The `--out` file: created (with its sidecar identity), or with
/// `--resume` checked against the sidecar and read back.
fn open_out(
    path: &Path,
    identity: &serde_json::Value,
    resume: bool,
    format: PowerFormatArg,
) -> Result<(Vec<PowerPoint>, std::fs::File), Failure> {
    let sidecar = PathBuf::from(format!("{}.power.json", path.display()));
    let output = |e: std::io::Error| Error::write(path.display().to_string(), e);
    if resume && path.exists() {
        let saved = std::fs::read_to_string(&sidecar).map_err(|e| {
            Error::usage(
                "resume",
                format!("{}: {e} (was it written by power?)", sidecar.display()),
            )
        })?;
        if serde_json::from_str::<serde_json::Value>(&saved)
            .ok()
            .as_ref()
            != Some(identity)
        {
            return Err(Error::usage(
                "resume",
                format!("{} holds another game or format", path.display()),
            )
            .into());
        }
        let text = std::fs::read_to_string(path).map_err(output)?;
        let (known, keep) = read_rows(&text, format, path)?;
        // Drop a last line cut by a crash and an earlier run's summary:
        // the resumed run appends its rows and a new summary.
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(output)?;
        file.set_len(keep as u64).map_err(output)?;
        return Ok((known, file));
    }
    std::fs::write(&sidecar, identity.to_string()).map_err(output)?;
    let file = std::fs::File::create(path).map_err(output)?;
    Ok((Vec::new(), file))
}

/// The rows of an earlier run, and the bytes of the file that hold them
/// (up to the last complete row: a line cut by a crash and the summary
/// are left out, and their compositions solved again).
fn read_rows(
    text: &str,
    format: PowerFormatArg,
    path: &Path,
) -> Result<(Vec<PowerPoint>, usize), Failure> {
    let bad = |line: usize| {
        Error::usage(
            "resume",
            format!("{}: line {line} is not a row of power", path.display()),
        )
    };
    let mut known = Vec::new();
    let mut keep = 0;
    let mut start = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let end = start + line.len();
        let row = std::mem::replace(&mut start, end);
        let Some(line) = line.strip_suffix('\n') else {
            break; // cut by a crash
        };
        let point = match format {
            PowerFormatArg::Json => {
                let v: serde_json::Value = serde_json::from_str(line).map_err(|_| bad(i + 1))?;
                if v.get("shapley").is_some() {
                    break; // the summary: rows end here
                }
                point_from_json(&v)
            }
            PowerFormatArg::Csv if i == 0 => {
                keep = end;
                continue;
            }
            PowerFormatArg::Csv => point_from_csv(line),
        };
        known.push(point.ok_or_else(|| bad(i + 1))?);
        keep = row + line.len() + 1;
    }
    Ok((known, keep))
}

fn point_from_json(v: &serde_json::Value) -> Option<PowerPoint> {
    Some(PowerPoint {
        composition: v["composition"]
            .as_array()?
            .iter()
            .map(|c| c.as_u64().map(|c| c as usize))
            .collect::<Option<_>>()?,
        size: v["size"].as_u64()? as usize,
        value: v["value"].as_f64()?,
        upper: v["upper"].as_f64(),
        fraction: v["fraction"].as_f64()?,
        solver: v["solver"].as_str().and_then(|s| s.parse().ok()),
        stopped: v["stopped"].as_str().map(String::from),
    })
}

fn point_from_csv(line: &str) -> Option<PowerPoint> {
    let f: Vec<&str> = line.split(',').collect();
    let [composition, size, value, upper, fraction, solver] = f.as_slice() else {
        return None;
    };
    Some(PowerPoint {
        composition: composition
            .split(';')
            .map(|c| c.parse().ok())
            .collect::<Option<_>>()?,
        size: size.parse().ok()?,
        value: value.parse().ok()?,
        upper: upper.parse().ok(),
        fraction: fraction.parse().ok()?,
        solver: solver.parse().ok(),
        stopped: None,
    })
}
