//! `unitsum-gpu check`: is a spec's game unit-sum, non-negative and symmetric?

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use unitsum_gpu::{Error, Evaluator, Problem};

use crate::{emit, Failure, Outcome, ReportFormatArg};

#[derive(Args)]
pub struct CheckArgs {
    /// The spec file.
    spec: PathBuf,
    /// Random profiles to check when there are too many to check all.
    #[arg(long, default_value_t = unitsum_gpu::DEFAULT_CHECK_SAMPLES)]
    samples: u64,
    /// Seed of the random profiles.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Per role, the permutation from canonical actions to the role's
    /// actions, as JSON (`[[0,1],[1,0]]`): also check symmetry in canonical
    /// actions. Default: the spec's first translated copy, if any.
    #[arg(long)]
    translate: Option<String>,
    /// Output format (table or json).
    #[arg(long, value_enum, default_value_t = ReportFormatArg::Table)]
    format: ReportFormatArg,
}

pub fn run(args: CheckArgs) -> Outcome {
    let source = args.spec.display().to_string();
    let problem = Problem::load(&args.spec).map_err(|e| Failure::at(&source, e))?;
    let translate = match &args.translate {
        Some(text) => Some(serde_json::from_str::<Vec<Vec<usize>>>(text).map_err(|e| {
            Error::usage(
                "translate",
                format!("{text:?} is not a JSON list of action lists: {e}"),
            )
        })?),
        None => None,
    };
    let mut evaluator = Evaluator::new();
    let bar = crate::progress::Bar::new("check");
    evaluator.set_progress(Some(bar.callback()));
    evaluator.set_notice(Some(bar.notice()));
    let report = evaluator.check_spec(&problem, args.samples, args.seed, translate.as_deref());
    bar.finish();
    let report = report.map_err(|e| match e {
        Error::Usage { .. } => Failure::from(e),
        e => Failure::at(&source, e),
    })?;
    match args.format {
        ReportFormatArg::Json => emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&report).expect("serialisable")
        ))?,
        ReportFormatArg::Table => {
            let mut out = format!(
                "{source}: {} game, n = {}, k = {}: checked {} in {}\n",
                problem.game().family(),
                problem.players(),
                problem.actions(),
                report.coverage,
                crate::report::plural(problem.states(), "state", "states")
            );
            out.push_str(&format!(
                "symmetry: {} ({} role{})\n",
                report.symmetry,
                report.roles,
                if report.roles == 1 { "" } else { "s" }
            ));
            if let (Some(v), None) = (&report.asymmetry, &report.violation) {
                out.push_str(&format!(
                    "not fully symmetric: state {} at profile {:?}: {}\n",
                    v.state, v.profile, v.message
                ));
            }
            if let Some(canonical) = report.canonical {
                out.push_str(&format!(
                    "symmetric in canonical actions under {:?}: {}\n",
                    translate
                        .as_deref()
                        .or(problem.translation())
                        .unwrap_or_default(),
                    if canonical { "yes" } else { "no" }
                ));
            }
            match &report.violation {
                None => out.push_str("non-negativity, unit sum and the declared symmetry hold\n"),
                Some(v) => out.push_str(&format!(
                    "{} fails in state {} at profile {:?}: {}\n",
                    v.property, v.state, v.profile, v.message
                )),
            }
            emit(&out)?;
        }
    }
    Ok(ExitCode::from(if report.passed() { 0 } else { 1 }))
}
