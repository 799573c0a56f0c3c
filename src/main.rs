//! `unitsum-gpu`: the command line over the library. Exit codes: 0 ok,
//! 1 a check failed (backends disagree), 2 bad input or usage.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use unitsum_gpu::report::{Format, Report};
use unitsum_gpu::{Backend, Error, Evaluator, Method, Options};

mod guarantee_cli;
mod progress;
mod sweep_cli;

/// Counts heap bytes, for `bench`'s peak memory column.
#[global_allocator]
static HEAP: unitsum_gpu::heap::CountingAllocator = unitsum_gpu::heap::CountingAllocator;

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
    Eval {
        /// The spec file (JSON; see README, "Spec format").
        spec: PathBuf,
        /// Where to evaluate: auto uses the GPU when an adapter exists; both
        /// runs the CPU and the GPU and compares them.
        #[arg(long, value_enum, default_value_t = BackendArg::Auto)]
        backend: BackendArg,
        /// exact enumerates the product of the policies' supports; counts
        /// sums over count vectors (symmetric games, polynomial in n); sample
        /// draws --samples profiles; auto picks the cheapest exact method
        /// within its limits, else samples.
        #[arg(long, value_enum, default_value_t = MethodArg::Auto)]
        method: MethodArg,
        /// Samples to draw (sampling).
        #[arg(long, default_value_t = unitsum_gpu::DEFAULT_SAMPLES)]
        samples: u64,
        /// Seed of the random stream (sampling): the same seed draws the same
        /// profiles on both backends.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Output format.
        #[arg(long, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
        /// Largest allowed max |GPU - CPU| with --backend both (exit 1 beyond).
        #[arg(long, default_value_t = 1e-5)]
        tolerance: f64,
    },
    /// Check that a spec's game is unit-sum and symmetric (every profile where
    /// feasible, else random ones); exit 1 with the first violation.
    Check {
        /// The spec file.
        spec: PathBuf,
        /// Random profiles to check when there are too many to check all.
        #[arg(long, default_value_t = 20_000)]
        samples: u64,
        /// Seed of the random profiles.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Output format (table or json).
        #[arg(long, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
    },
    /// Evaluate grids of games, sizes and opponents, checking the theorems' bounds.
    #[command(subcommand)]
    Sweep(sweep_cli::Preset),
    /// The most a coalition can secure (its security value, by linear
    /// programming), its best response to given policies, or the power curve.
    Guarantee(guarantee_cli::GuaranteeArgs),
    /// Measure throughput on this machine (profiles/s, samples/s, per-evaluation
    /// overhead) for every backend with an adapter. Build with --release.
    Bench {
        /// Smaller sizes (a few seconds in all).
        #[arg(long)]
        quick: bool,
        /// Output format (table or json).
        #[arg(long, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
    },
    /// List the GPU adapters wgpu sees and which one would be used.
    Devices {
        /// Output format (table or json).
        #[arg(long, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum BackendArg {
    Auto,
    Cpu,
    Gpu,
    Both,
}

#[derive(Clone, Copy, ValueEnum)]
enum MethodArg {
    Auto,
    Exact,
    Sample,
    Counts,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Table,
    Json,
    Csv,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Table => Format::Table,
            FormatArg::Json => Format::Json,
            FormatArg::Csv => Format::Csv,
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err((context, e)) => {
            eprintln!("error: {context}{e}");
            ExitCode::from(if e.is_bad_input() { 2 } else { 1 })
        }
    }
}

type Failure = (String, Error);

fn run(cli: Cli) -> Result<ExitCode, Failure> {
    match cli.command {
        Command::Eval {
            spec,
            backend,
            method,
            samples,
            seed,
            format,
            tolerance,
        } => {
            let source = spec.display().to_string();
            if !(tolerance.is_finite() && tolerance >= 0.0) {
                return Err((
                    String::new(),
                    Error::spec("--tolerance", "must be a finite number ≥ 0"),
                ));
            }
            let problem = unitsum_gpu::load_spec(&spec).map_err(|e| (format!("{source}: "), e))?;
            let mut evaluator = Evaluator::new();
            let method = match method {
                MethodArg::Auto => Method::Auto,
                MethodArg::Exact => Method::Exact,
                MethodArg::Sample => Method::Sample,
                MethodArg::Counts => Method::Counts,
            };
            let backends: &[Backend] = match backend {
                BackendArg::Auto => &[Backend::Auto],
                BackendArg::Cpu => &[Backend::Cpu],
                BackendArg::Gpu => &[Backend::Gpu],
                BackendArg::Both => &[Backend::Cpu, Backend::Gpu],
            };
            let mut runs = Vec::new();
            for &b in backends {
                let bar = progress::Bar::new(match b {
                    Backend::Cpu => "cpu",
                    _ => "gpu",
                });
                evaluator.set_progress(Some(bar.callback()));
                let options = Options {
                    backend: b,
                    method,
                    samples,
                    seed,
                    ..Default::default()
                };
                let run = evaluator
                    .evaluate(&problem, &options)
                    .map_err(|e| (format!("{source}: "), e));
                bar.finish();
                let run = run?;
                if let Some(note) = &run.note {
                    eprintln!("note: {note}");
                }
                runs.push(run);
            }
            let report = Report {
                source: &source,
                problem: &problem,
                runs,
                tolerance,
            };
            print!("{}", report.render(format.into()));
            if !report.agrees() {
                eprintln!(
                    "error: {source}: the GPU and CPU results differ by {:.2e}, beyond the tolerance {tolerance:.0e}",
                    report.difference().unwrap_or(f64::NAN)
                );
                return Ok(ExitCode::from(1));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Check {
            spec,
            samples,
            seed,
            format,
        } => {
            let source = spec.display().to_string();
            let problem = unitsum_gpu::load_spec(&spec).map_err(|e| (format!("{source}: "), e))?;
            let report = unitsum_gpu::check::check_game(&problem, samples, seed);
            match format {
                FormatArg::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&report).expect("serialisable")
                ),
                _ => {
                    println!(
                        "{source}: {} game, n = {}, k = {}: checked {} in {} state(s)",
                        problem.game().family(),
                        problem.players(),
                        problem.actions(),
                        report.coverage,
                        problem.states()
                    );
                    match &report.violation {
                        None => println!("non-negativity, unit sum and symmetry hold"),
                        Some(v) => println!(
                            "{} fails in state {} at profile {:?}: {}",
                            v.property, v.state, v.profile, v.message
                        ),
                    }
                }
            }
            Ok(ExitCode::from(if report.passed() { 0 } else { 1 }))
        }
        Command::Sweep(preset) => sweep_cli::run(preset),
        Command::Guarantee(args) => guarantee_cli::run(args),
        Command::Bench { quick, format } => {
            let json = matches!(format, FormatArg::Json);
            if !json {
                println!(
                    "{:<58} {:<7} {:>14} {:>10} {:>14} {:<14} {:>10}  adapter",
                    "case", "backend", "work", "seconds", "rate", "", "peak heap"
                );
            }
            let rows = unitsum_gpu::bench::run(quick, &mut |r| {
                if !json {
                    let heap = r.peak_heap_bytes.map_or("n/a".into(), |b| match b {
                        0..1_000_000 => format!("{:.0} kB", b as f64 / 1e3),
                        _ => format!("{:.1} MB", b as f64 / 1e6),
                    });
                    println!(
                        "{:<58} {:<7} {:>14} {:>10.4} {:>14.4e} {:<14} {:>10}  {}",
                        r.case, r.backend, r.work, r.seconds, r.rate, r.unit, heap, r.adapter
                    );
                }
            })
            .map_err(|e| (String::new(), e))?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&rows).expect("serialisable")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Devices { format } => {
            let adapters = unitsum_gpu::gpu::list_adapters();
            match format {
                FormatArg::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&adapters).expect("serialisable")
                ),
                _ => {
                    if adapters.is_empty() {
                        println!("{}", unitsum_gpu::gpu::NO_ADAPTER_HINT);
                    }
                    for a in &adapters {
                        println!(
                            "{} {} [{}, {}] driver {}; f64 {}",
                            if a.selected { "*" } else { " " },
                            a.name,
                            a.backend,
                            a.device_type,
                            a.driver,
                            if a.shader_f64 {
                                "yes"
                            } else {
                                "no (f32 accumulators)"
                            }
                        );
                    }
                    if !adapters.is_empty() {
                        println!("(* = used by --backend gpu; choose another with WGPU_ADAPTER_NAME=substring or WGPU_BACKEND=vulkan)");
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
