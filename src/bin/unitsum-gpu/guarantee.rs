//! `unitsum-gpu guarantee`: a coalition's security value (or best response)
//! for a spec, or the power curve v(s) of a family. The work is in the
//! library (`Evaluator::security_value`, `best_response`, `power_curve`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use unitsum_gpu::{
    Backend, CurveOptions, CurvePoint, Error, Evaluator, Game, GuaranteeOptions, Problem,
    SecurityValue, Solver,
};

use crate::named::named;
use crate::report::plural;
use crate::{emit, Failure, Outcome};

/// `--against`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AgainstArg {
    /// The security value against any replies of the others.
    Worst,
    /// The best response to the others' policies in the spec.
    Given,
}

/// `--format` of the guarantee.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GuaranteeFormatArg {
    /// For people (for --curve: CSV).
    Table,
    /// One JSON object (for --curve: JSON lines).
    Json,
    /// CSV (--curve).
    Csv,
}

#[derive(Args)]
pub struct GuaranteeArgs {
    /// The spec file (not with --curve).
    spec: Option<PathBuf>,
    /// The coalition whose guarantee is computed [default: 0].
    #[arg(long)]
    coalition: Option<usize>,
    /// worst (the default): the security value against any replies of the
    /// others; given: the best response to the others' policies in the spec.
    #[arg(long, value_enum)]
    against: Option<AgainstArg>,
    /// The power curve v(s), s = 1..n−1, of a family instead of a spec.
    #[arg(long)]
    curve: bool,
    /// The curve's game.
    #[command(flatten)]
    game: crate::family::FamilyArgs,
    /// Where the payoff matrix is built (both: compared, an error beyond 1e-5).
    #[arg(long, value_parser = named::<Backend>(), default_value_t = Backend::Cpu)]
    backend: Backend,
    /// table or json (one object; for --curve, JSON lines) or csv (--curve).
    #[arg(long, value_enum, default_value_t = GuaranteeFormatArg::Table)]
    format: GuaranteeFormatArg,
    /// Draw the curve (SVG).
    #[arg(long)]
    plot: Option<PathBuf>,
    /// The curve's coalition sizes, e.g. 100..=900..100 or 1,2,501 [default: 1..n−1].
    #[arg(long)]
    sizes: Option<String>,
    /// How the security value is solved [default: auto].
    #[arg(long, value_parser = named::<Solver>())]
    solver: Option<Solver>,
    /// Compute the spy value (what the coalition secures when the others see
    /// its actions first) even beyond 200 players; --spy false skips it.
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    spy: Option<bool>,
    /// The double oracle's cap on rounds [default: 5000].
    #[arg(long)]
    max_iterations: Option<usize>,
    /// The double oracle's cap on seconds, per security value [default: 3600].
    #[arg(long, allow_negative_numbers = true)]
    max_seconds: Option<f64>,
}

/// The guarantee options the flags ask for.
fn guarantee_options(args: &GuaranteeArgs, backend: Backend) -> GuaranteeOptions {
    let defaults = GuaranteeOptions::default();
    GuaranteeOptions {
        backend,
        solver: args.solver.unwrap_or_default(),
        spy: args.spy,
        max_iterations: args.max_iterations.unwrap_or(defaults.max_iterations),
        max_seconds: args.max_seconds.unwrap_or(defaults.max_seconds),
    }
}

pub fn run(args: GuaranteeArgs) -> Outcome {
    let backend = args.backend;
    let mut evaluator = Evaluator::new();
    check_flags(&args)?;
    if args.curve {
        return curve(&args, &mut evaluator, backend).map_err(without_sampling_hint);
    }
    let Some(spec) = &args.spec else {
        return Err(Error::spec(
            "SPEC.json",
            "give a spec file, or --curve with --family, --players and --actions",
        )
        .into());
    };
    let source = spec.display().to_string();
    let at = |e: Error| Failure::at(&source, e);
    let problem = Problem::load(spec).map_err(at)?;
    let j = args.coalition.unwrap_or(0);
    let json = args.format == GuaranteeFormatArg::Json;
    let at = |e: Error| without_sampling_hint(at(e));
    match args.against.unwrap_or(AgainstArg::Worst) {
        AgainstArg::Worst => {
            // The LP is one step: a spinner while it runs.
            let bar = crate::progress::Bar::new("guarantee");
            evaluator.set_notice(Some(bar.notice()));
            let v = evaluator.security_value_with(&problem, j, &guarantee_options(&args, backend));
            bar.finish();
            let v = v.map_err(at)?;
            for note in &v.notes {
                eprintln!("note: {note}");
            }
            let out = if json {
                security_json(&source, j, &v)
            } else {
                security_table(&source, j, &problem, &v)
            };
            // The library refuses a value its policy does not reproduce.
            emit(&out)?;
        }
        AgainstArg::Given => {
            let bar = crate::progress::Bar::new("guarantee");
            // A long pass is announced before it starts.
            evaluator.set_notice(Some(bar.notice()));
            let b = evaluator.best_response(&problem, j, backend);
            bar.finish();
            let b = b.map_err(at)?;
            for note in &b.notes {
                eprintln!("note: {note}");
            }
            let policy = b.policy.to_value();
            let out = if json {
                let value = serde_json::json!({
                    "spec": source, "coalition": j, "value": b.value, "route": b.route, "policy": policy,
                    "copy_value": b.copy_value, "informed_copy_value": b.informed_copy_value,
                });
                serde_json::to_string_pretty(&value).expect("serialisable") + "\n"
            } else {
                let mut out = format!("{source}: coalition {j}'s best response to the others' policies, whatever the state\n");
                out.push_str(&format!("value max_π min_x r_j = {:.12}\n", b.value));
                out.push_str(&format!("optimal policy: {policy}\n"));
                match (b.copy_value, b.informed_copy_value) {
                    (Some(c), informed) => {
                        out.push_str(&format!("copy of the others gets {c:.12}: it leaves {:.3e} on the table\n", b.value - c));
                        if let Some(i) = informed {
                            out.push_str(&format!("against a reply that sees its draws first, the copy gets {i:.12}\n"));
                        }
                    }
                    (None, _) => out.push_str("copy is not available here (the coalition is smaller than the others, or they copy)\n"),
                }
                out
            };
            emit(&out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The security value as one JSON object: the value, both certificates
/// (the policy and the others' mix) and the checks.
fn security_json(source: &str, j: usize, v: &SecurityValue) -> String {
    let value = serde_json::json!({
        "spec": source, "coalition": j, "value": v.value, "lower": v.lower, "upper": v.upper,
        "solver": v.solver, "iterations": v.iterations, "stopped": v.stopped,
        "policy": v.policy.to_value(), "reply_mix": v.reply_mix,
        "check": v.check, "check_error": v.check_error(), "strategies": v.strategies,
        "replies": v.replies, "basis": v.basis, "worst_reply": v.worst_reply,
        "worst_state": v.worst_state, "spy_value": v.spy_value, "max_gpu_cpu": v.max_gpu_cpu,
    });
    serde_json::to_string_pretty(&value).expect("serialisable") + "\n"
}

/// The security value for people.
fn security_table(source: &str, j: usize, problem: &Problem, v: &SecurityValue) -> String {
    let size = problem.coalitions()[j].members.len();
    let mut out = format!(
        "{source}: coalition {j} ({}) against the other {}\n",
        plural(size, "player", "players"),
        problem.players() - size
    );
    // A bracket wider than the double oracle's gap is not a value: say v ≥.
    let bracketed = v.upper.is_some_and(|u| u - v.lower > unitsum_gpu::GAP);
    let relation = if bracketed { "≥" } else { "=" };
    out.push_str(&format!("security value v {relation} {:.12}\n", v.value));
    let states = problem.states();
    match (v.upper, v.iterations) {
        (Some(upper), Some(rounds)) => {
            out.push_str(&format!(
                "certified by double oracle: {:.12} ≤ v ≤ {upper:.12} (gap {:.1e}, {}, \
                 last LP {} × {} of {})\n",
                v.lower,
                upper - v.lower,
                plural(rounds, "round", "rounds"),
                plural(v.strategies, "strategy", "strategies"),
                plural(v.replies, "reply", "replies"),
                plural(states, "state", "states")
            ));
        }
        (upper, _) => {
            out.push_str(&format!(
                "LP over {} ({}) and {} × {}\n",
                plural(v.strategies, "strategy", "strategies"),
                v.basis,
                plural(v.replies, "reply", "replies"),
                plural(states, "state", "states")
            ));
            if let Some(upper) = upper {
                out.push_str(&format!(
                    "bracketed by the LP (it floored extreme payoffs): {:.12} ≤ v ≤ {upper:.12} \
                     (gap {:.1e})\n",
                    v.lower,
                    upper - v.lower
                ));
            }
        }
    }
    if let Some(spy) = v.spy_value {
        out.push_str(&format!(
            "spy value (the others see the coalition's actions first) = {spy:.12}\n"
        ));
    }
    let form = match v.policy {
        unitsum_gpu::Policy::Counts { .. } => "a `counts` policy",
        _ => "a `joint` policy",
    };
    out.push_str(&format!(
        "optimal policy ({form} `eval` accepts): {}\n",
        v.policy.to_value()
    ));
    let check = v.check.unwrap_or(f64::NAN);
    let error = v.check_error().unwrap_or(f64::INFINITY);
    let against = if v.upper.is_some() {
        "against the others' exact best reply"
    } else {
        "against every pure reply"
    };
    out.push_str(&format!(
        "check: evaluated {against}, the policy gets {check:.12} (|difference| {error:.1e})\n"
    ));
    out.push_str(&format!(
        "worst reply (the others' actions, in player order): {:?} in state {}\n",
        v.worst_reply, v.worst_state
    ));
    if let Some(d) = v.max_gpu_cpu {
        out.push_str(&format!("payoffs: max |gpu − cpu| = {d:.1e}\n"));
    }
    out
}

/// Refuse flags that do not apply to what was asked (a spec's guarantee
/// or a curve), and values out of range, before any work.
fn check_flags(args: &GuaranteeArgs) -> Result<(), Failure> {
    let refuse = |flag: &str, message: &str| Err(Failure::from(Error::usage(flag, message)));
    if args.curve {
        if args.spec.is_some() {
            return refuse(
                "curve",
                "draws a family's curve and takes no spec file: give SPEC or --curve, not both",
            );
        }
        if args.coalition.is_some() {
            return refuse(
                "coalition",
                "is for a spec's coalition; the curve takes the first s players for every s",
            );
        }
        if args.against.is_some() {
            return refuse(
                "against",
                "is for a spec's coalition; the curve is the security value (against the worst)",
            );
        }
        // --states, --seed, --params and --players: the library's rules
        // (unitsum_gpu::curve_game).
        return Ok(());
    }
    let curve_only = [
        ("plot", args.plot.is_some()),
        ("sizes", args.sizes.is_some()),
    ];
    for (flag, given) in args.game.given().into_iter().chain(curve_only) {
        if given {
            return refuse(flag, "is for --curve; a spec file gives its own game");
        }
    }
    if args.format == GuaranteeFormatArg::Csv {
        return refuse("format", "csv is for --curve; use table or json");
    }
    if args.against == Some(AgainstArg::Given) {
        for (flag, given) in [
            ("solver", args.solver.is_some()),
            ("spy", args.spy.is_some()),
            ("max-iterations", args.max_iterations.is_some()),
            ("max-seconds", args.max_seconds.is_some()),
        ] {
            if given {
                return refuse(flag, "is for the security value (--against worst)");
            }
        }
    }
    Ok(())
}

/// The guarantee runs no sampling: a hint to sample does not apply to it.
fn without_sampling_hint(failure: Failure) -> Failure {
    failure.map_error(|error| match error {
        Error::TooLarge {
            message,
            remedy: unitsum_gpu::Remedy::Sampling,
        } => Error::too_large(message, unitsum_gpu::Remedy::SmallerProblem),
        other => other,
    })
}

/// `--curve`: the power curve v(s) of a family, each point printed as it
/// is solved, then plotted and checked against the theorems' bounds.
fn curve(args: &GuaranteeArgs, evaluator: &mut Evaluator, backend: Backend) -> Outcome {
    let (players, actions) = args.game.size();
    let game = args.game.game()?;
    let sizes = match &args.sizes {
        Some(text) => Some(unitsum_gpu::sweep::parse_range(text, "sizes")?),
        None => None,
    };
    let options = CurveOptions {
        guarantee: guarantee_options(args, backend),
        sizes,
    };
    let format = args.format;
    // The CSV header goes out with the first row: a curve refused before
    // any point prints nothing.
    let mut header = format != GuaranteeFormatArg::Json;
    let bar = crate::progress::Bar::new("curve");
    evaluator.set_progress(Some(bar.callback()));
    // Each row is written as soon as its point is solved.
    let outcome = evaluator.power_curve_with(game.clone(), players, actions, &options, &mut |p| {
        let row = curve_row(p, format, &mut header);
        bar.suspend(|| {
            if let Some(why) = &p.stopped {
                eprintln!(
                    "note: s = {}: double oracle {why}: {} ≤ v ≤ {}",
                    p.size,
                    p.value,
                    optional(p.upper)
                );
            }
            crate::write_stdout(&row)
        })
    });
    bar.finish();
    let points = outcome?;
    if let Some(path) = &args.plot {
        plot_curve(&points, &game, players, actions, path)?;
    }
    check_curve_bounds(&points, &game)
}

/// An optional number as a CSV field: empty when absent.
fn optional(v: Option<f64>) -> String {
    v.map_or(String::new(), |v| v.to_string())
}

/// One point of the curve as a line of `format`, the CSV header first while
/// `header` is set (it is cleared).
fn curve_row(p: &CurvePoint, format: GuaranteeFormatArg, header: &mut bool) -> String {
    match format {
        GuaranteeFormatArg::Json => serde_json::to_string(p).expect("serialisable") + "\n",
        _ => format!(
            "{}{},{},{},{},{},{},{},{},{},{}\n",
            if std::mem::take(header) {
                "size,value,upper,spy,fraction,theorem1,theorem2,solver,strategies,constraints\n"
            } else {
                ""
            },
            p.size,
            p.value,
            optional(p.upper),
            optional(p.spy),
            p.fraction,
            optional(p.theorem1),
            optional(p.theorem2),
            p.solver,
            p.strategies,
            p.constraints
        ),
    }
}

/// `--plot`: the curve as an SVG file, titled with its game and size.
fn plot_curve(
    points: &[CurvePoint],
    game: &Game,
    players: usize,
    actions: usize,
    path: &std::path::Path,
) -> Result<(), Failure> {
    let (family, states) = (game.family(), game.states());
    let title = format!(
        "Security value of s players against the rest: {family}, n = {players}, k = {actions}, {states} state{}",
        if states == 1 { "" } else { "s" }
    );
    crate::plot::curve(
        points,
        players,
        actions,
        family == "plurality",
        &title,
        path,
    )?;
    Ok(())
}

/// Exit 1 where v(s) is below a theorem's bound (a bug or a
/// counterexample), with a note where Theorem 2 does not apply.
fn check_curve_bounds(points: &[CurvePoint], game: &Game) -> Outcome {
    if !game.is_symmetric() {
        eprintln!(
            "note: Theorem 2's bound is not checked: it holds for symmetric games, \
             and a {} game is not one",
            game.family()
        );
    }
    // The theorems are lower bounds on v(s) (one state; minimax for Theorem
    // 2). A double oracle stopped by a cap violates one only if its upper
    // bound does.
    let tolerance = 1e-9;
    let states = game.states();
    let violated: Vec<&CurvePoint> = points
        .iter()
        .filter(|p| {
            let v = p.upper.unwrap_or(p.value);
            p.theorem1.is_some_and(|b| v < b - tolerance)
                || (states == 1 && p.theorem2.is_some_and(|b| v < b - tolerance))
        })
        .collect();
    if !violated.is_empty() {
        eprintln!(
            "v(s) is below a theorem's bound at s = {:?}: a bug or a counterexample",
            violated.iter().map(|p| p.size).collect::<Vec<_>>()
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
