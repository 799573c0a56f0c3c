//! `unitsum-gpu`: the command line, a thin layer over the library. One file
//! per subcommand; this one parses the arguments (clap derive, every
//! enumerated flag a `ValueEnum`) and maps errors to the exit codes of the
//! README: 0 ok; 1 a check failed, the backends disagree, the GPU failed or
//! output could not be written; 2 bad input or usage.

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use unitsum_gpu::{Error, Remedy};

mod bench;
mod check;
mod devices;
mod eval;
mod family;
mod guarantee;
mod named;
mod plot;
mod power;
mod progress;
mod report;
mod sweep;

/// Counts heap bytes, for `bench`'s peak memory column.
#[global_allocator]
static HEAP: unitsum_gpu::internals::heap::CountingAllocator =
    unitsum_gpu::internals::heap::CountingAllocator;

#[derive(Parser)]
#[command(
    name = "unitsum-gpu",
    version,
    about = "Expected coalition shares in unit-sum games, on the GPU and the CPU"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
#[allow(
    clippy::large_enum_variant,
    reason = "parsed once per process; boxing would only obscure the clap derive"
)]
enum Command {
    /// Evaluate r_j(x) for every coalition j and state x of a spec file.
    Eval(eval::EvalArgs),
    /// Check that a spec's game is unit-sum and symmetric (every profile where
    /// feasible, else random ones); exit 1 with the first violation.
    Check(check::CheckArgs),
    /// Evaluate grids of games, sizes and opponents, checking the theorems' bounds.
    #[command(subcommand)]
    Sweep(sweep::Preset),
    /// The most a coalition can secure (its security value, by linear
    /// programming), its best response to given policies, or the power curve.
    Guarantee(guarantee::GuaranteeArgs),
    /// The characteristic function v(S) of a game (the security value of
    /// every coalition, by composition of roles), its Shapley and Banzhaf
    /// values and its core.
    Power(power::PowerArgs),
    /// Measure throughput on this machine (profiles/s, samples/s, per-evaluation
    /// overhead) for every backend with an adapter. Build with --release.
    Bench(bench::BenchArgs),
    /// List the GPU adapters wgpu sees and which one would be used.
    Devices(devices::DevicesArgs),
}

/// `--format` of the subcommands that print one report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Aligned, for people.
    Table,
    /// One JSON object.
    Json,
    /// Comma-separated rows.
    Csv,
}

/// `--format` of the subcommands whose report is not a table of rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormatArg {
    /// Aligned, for people.
    Table,
    /// One JSON object.
    Json,
}

/// A failure: the context (a spec path, a point) and the library's error.
pub struct Failure {
    context: String,
    error: Error,
}

impl Failure {
    /// `error` in `context` (printed as `context: error`).
    pub fn at(context: impl Into<String>, error: Error) -> Failure {
        Failure {
            context: context.into(),
            error,
        }
    }
}

impl Failure {
    /// The same failure with its error changed by `f`.
    pub fn map_error(self, f: impl FnOnce(Error) -> Error) -> Failure {
        Failure {
            context: self.context,
            error: f(self.error),
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure::at("", error)
    }
}

/// What each subcommand returns: its exit code, or the failure to report.
pub type Outcome = Result<ExitCode, Failure>;

/// Write `text` to stdout; a full disk is a failure (exit 1) and a closed
/// pipe ends the program quietly (see `main`), never a panic.
pub fn emit(text: &str) -> Result<(), Failure> {
    Ok(write_stdout(text)?)
}

/// Write `text` to standard output now (a library callback's error type).
pub fn write_stdout(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| Error::write("standard output", e))
}

/// A library error's option name (`samples`) as the flag a user types.
fn flag_hint(error: &Error) -> String {
    match error {
        Error::TooLarge { remedy, .. } => match remedy {
            Remedy::CpuBackend => " (use --backend cpu)".into(),
            Remedy::Sampling => " (use --method sample)".into(),
            Remedy::Counts => " (use --method counts: exact, over count vectors)".into(),
            Remedy::MemoryLimit => " (raise it with --max-memory GIB)".into(),
            _ => String::new(),
        },
        _ => String::new(),
    }
}

/// The message of `error`, with option names written as flags.
fn message(error: &Error) -> String {
    match error {
        Error::Usage { option, message } => {
            format!("--{}: {message}", option.replace('_', "-"))
        }
        other => format!("{other}{}", flag_hint(other)),
    }
}

fn main() -> ExitCode {
    // Before any thread starts: the loaders' runtime directory.
    unitsum_gpu::ensure_runtime_dir();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let outcome = match cli.command {
        Command::Eval(args) => eval::run(args),
        Command::Check(args) => check::run(args),
        Command::Sweep(preset) => sweep::run(preset),
        Command::Guarantee(args) => guarantee::run(args),
        Command::Power(args) => power::run(args),
        Command::Bench(args) => bench::run_command(args),
        Command::Devices(args) => devices::run(args),
    };
    match outcome {
        Ok(code) => code,
        // A reader that stopped reading (`| head`) ends the work, quietly,
        // as it does for Unix tools.
        Err(Failure {
            error: Error::Write { source, .. },
            ..
        }) if source.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure { context, error }) => {
            let context = if context.is_empty() {
                context
            } else {
                format!("{context}: ")
            };
            eprintln!("error: {context}{}", message(&error));
            ExitCode::from(if error.is_bad_input() { 2 } else { 1 })
        }
    }
}
