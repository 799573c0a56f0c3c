//! `unitsum-gpu eval`: evaluate r_j(x) of a spec, on one backend or both.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use unitsum_gpu::{Backend, CountsAlgorithm, Error, Evaluator, Method, Options, Problem};

use crate::named::named;
use crate::report::{Format, Report};
use crate::{emit, Failure, FormatArg, Outcome};

#[derive(Args)]
pub struct EvalArgs {
    /// The spec file (JSON; see README, "Spec format").
    spec: PathBuf,
    /// Where to evaluate: auto uses a hardware GPU when there is one, else the
    /// CPU; both runs the CPU and the GPU and compares them.
    #[arg(long, value_parser = named::<Backend>(), default_value_t = Backend::Auto)]
    backend: Backend,
    /// exact enumerates the product of the policies' supports; counts sums
    /// over count vectors (symmetric games, polynomial in n); sample draws
    /// --samples profiles; auto picks the cheapest exact method within its
    /// limits, else samples.
    #[arg(long, value_parser = named::<Method>(), default_value_t = Method::Auto)]
    method: Method,
    /// Samples to draw (sampling) [default: 1000000].
    #[arg(long)]
    samples: Option<u64>,
    /// Seed of the random stream (sampling): the same seed draws the same
    /// profiles on both backends [default: 0].
    #[arg(long)]
    seed: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    format: FormatArg,
    /// How the counts method sums [default: auto].
    #[arg(long, value_parser = named::<CountsAlgorithm>())]
    counts: Option<CountsAlgorithm>,
    /// Memory a job may use, in GiB; larger jobs are refused before they start.
    #[arg(long, default_value_t = 8.0, allow_negative_numbers = true)]
    max_memory: f64,
    /// Largest allowed max |GPU - CPU| with --backend both (exit 1 beyond)
    /// [default: 1e-5].
    #[arg(long, allow_negative_numbers = true)]
    tolerance: Option<f64>,
}

/// Refuse flags that the asked evaluation would ignore.
fn check_flags(args: &EvalArgs) -> Result<(), Failure> {
    let refuse = |flag: &str, message: &str| Err(Failure::from(Error::usage(flag, message)));
    let exact = matches!(args.method, Method::Exact | Method::Counts);
    if exact && args.samples.is_some() {
        return refuse(
            "samples",
            "is for sampling; --method exact and counts draw no samples",
        );
    }
    if exact && args.seed.is_some() {
        return refuse(
            "seed",
            "is for sampling; --method exact and counts draw no samples",
        );
    }
    if args.counts.is_some() && matches!(args.method, Method::Exact | Method::Sample) {
        return refuse(
            "counts",
            "is for the counts method (--method counts or auto)",
        );
    }
    if let Some(tolerance) = args.tolerance {
        if !matches!(args.backend, Backend::Both) {
            return refuse(
                "tolerance",
                "is for --backend both (the GPU against the CPU)",
            );
        }
        if !(tolerance.is_finite() && tolerance >= 0.0) {
            return refuse(
                "tolerance",
                &format!("{tolerance}: must be a finite number ≥ 0"),
            );
        }
    }
    Ok(())
}

pub fn run(args: EvalArgs) -> Outcome {
    let source = args.spec.display().to_string();
    check_flags(&args)?;
    let tolerance = args.tolerance.unwrap_or(unitsum_gpu::DEFAULT_TOLERANCE);
    let problem = Problem::load(&args.spec).map_err(|e| Failure::at(&source, e))?;
    let options = Options {
        backend: args.backend,
        method: args.method,
        samples: args.samples.unwrap_or(unitsum_gpu::DEFAULT_SAMPLES),
        seed: args.seed.unwrap_or(0),
        tolerance,
        counts: args.counts.unwrap_or_default(),
        memory_limit: unitsum_gpu::memory_limit_from_gib(args.max_memory, "max_memory")?,
        ..Default::default()
    };
    let mut evaluator = Evaluator::new();
    let bar = crate::progress::Bar::new(match options.backend {
        Backend::Cpu => "cpu",
        Backend::Gpu => "gpu",
        _ => "eval",
    });
    evaluator.set_progress(Some(bar.callback()));
    evaluator.set_notice(Some(bar.notice()));
    let run = evaluator.evaluate(&problem, &options);
    bar.finish();
    let mut run = run.map_err(|e| Failure::at(&source, e))?;
    for note in &run.notes {
        eprintln!("note: {note}");
    }
    let check = run.cross_check.take();
    let mut runs = vec![run];
    if let Some(check) = &check {
        runs.push((*check.gpu).clone());
    }
    let report = Report {
        source: &source,
        problem: &problem,
        runs,
        tolerance,
    };
    emit(&report.render(match args.format {
        FormatArg::Table => Format::Table,
        FormatArg::Json => Format::Json,
        FormatArg::Csv => Format::Csv,
    }))?;
    if let Some(check) = check.filter(|c| !c.agree) {
        return Err(Failure::at(
            &source,
            Error::Disagree {
                difference: check.max_abs_difference,
                tolerance: check.tolerance,
            },
        ));
    }
    Ok(ExitCode::SUCCESS)
}
