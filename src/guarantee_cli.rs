//! `unitsum-gpu guarantee`: a coalition's security value (or best response)
//! for a spec, or the power curve v(s) of a family. The work is in
//! `unitsum_gpu::guarantee`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use unitsum_gpu::guarantee::{self, CurvePoint};
use unitsum_gpu::{Backend, Error, Evaluator};

/// The LP's value and the printed policy's evaluation must agree this closely.
const CHECK_TOLERANCE: f64 = 1e-7;

#[derive(Args)]
pub struct GuaranteeArgs {
    /// The spec file (not with --curve).
    spec: Option<PathBuf>,
    /// The coalition whose guarantee is computed.
    #[arg(long, default_value_t = 0)]
    coalition: usize,
    /// worst: the security value against any replies of the others;
    /// given: the best response to the others' policies in the spec.
    #[arg(long, default_value = "worst")]
    against: String,
    /// The power curve v(s), s = 1..n−1, of a family instead of a spec.
    #[arg(long)]
    curve: bool,
    /// Family of the curve.
    #[arg(long, default_value = "plurality")]
    family: String,
    /// Players of the curve.
    #[arg(long, default_value_t = 9)]
    players: usize,
    /// Actions of the curve.
    #[arg(long, default_value_t = 3)]
    actions: usize,
    /// The curve's game parameters as JSON, e.g. '{"weights": [[1,2,3],[3,2,1]]}';
    /// without them, drawn from --seed (--states states).
    #[arg(long)]
    params: Option<String>,
    /// States of drawn parameters.
    #[arg(long, default_value_t = 1)]
    states: usize,
    /// Seed of drawn parameters.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// cpu, gpu (payoff matrix by the WGSL kernels) or both (compared).
    #[arg(long, default_value = "cpu")]
    backend: String,
    /// table or json (one object; for --curve, JSON lines) or csv (--curve).
    #[arg(long, default_value = "table")]
    format: String,
    /// Draw the curve (SVG).
    #[arg(long)]
    plot: Option<PathBuf>,
}

pub fn run(args: GuaranteeArgs) -> Result<ExitCode, (String, Error)> {
    let plain = |e: Error| (String::new(), e);
    let backend = match args.backend.as_str() {
        "cpu" => Backend::Cpu,
        "gpu" => Backend::Gpu,
        "both" => Backend::Auto,
        other => {
            return Err(plain(Error::spec(
                "--backend",
                format!("{other:?}: expected cpu, gpu or both"),
            )))
        }
    };
    let mut evaluator = Evaluator::new();
    if args.curve {
        return curve(&args, &mut evaluator, backend).map_err(plain);
    }
    let Some(spec) = &args.spec else {
        return Err(plain(Error::spec(
            "SPEC.json",
            "give a spec file, or --curve with --family, --players and --actions",
        )));
    };
    let source = spec.display().to_string();
    let at = |e: Error| (format!("{source}: "), e);
    let problem = unitsum_gpu::load_spec(spec).map_err(at)?;
    let j = args.coalition;
    if j >= problem.coalitions().len() {
        return Err(at(Error::spec(
            "--coalition",
            format!(
                "coalition {j} does not exist (0..{})",
                problem.coalitions().len()
            ),
        )));
    }
    let json = args.format == "json";
    match args.against.as_str() {
        "worst" => {
            let v = guarantee::security_value(&mut evaluator, &problem, j, backend).map_err(at)?;
            let check =
                guarantee::check_policy(&mut evaluator, &problem, j, &v.policy).map_err(at)?;
            let error = (check - v.value).abs();
            let policy = unitsum_gpu::policy_to_value(&v.policy);
            if json {
                let out = serde_json::json!({
                    "spec": source, "coalition": j, "value": v.value, "policy": policy,
                    "check": check, "check_error": error, "strategies": v.strategies, "replies": v.replies,
                    "basis": v.basis, "worst_reply": v.worst_reply, "max_gpu_cpu": v.max_gpu_cpu,
                });
                println!(
                    "{}",
                    serde_json::to_string_pretty(&out).expect("serialisable")
                );
            } else {
                println!(
                    "{source}: coalition {j} ({} players) against the other {}",
                    problem.coalitions()[j].members.len(),
                    problem.players() - problem.coalitions()[j].members.len()
                );
                println!("security value v = {:.12}", v.value);
                println!(
                    "LP over {} strategies ({}) and {} replies × {} states",
                    v.strategies,
                    v.basis,
                    v.replies,
                    problem.states()
                );
                println!("optimal policy (a `joint` policy `eval` accepts): {policy}");
                println!("check: evaluated against every pure reply, the policy gets {check:.12} (|difference| {error:.1e})");
                if let Some(d) = v.max_gpu_cpu {
                    println!("payoff matrix: max |gpu − cpu| = {d:.1e}");
                }
            }
            if error > CHECK_TOLERANCE {
                eprintln!("error: {source}: the optimal policy evaluates to {check}, not the LP's value {} (|difference| {error:.1e} > {CHECK_TOLERANCE:.0e})", v.value);
                return Ok(ExitCode::from(1));
            }
        }
        "given" => {
            let b = guarantee::best_response(&mut evaluator, &problem, j, backend).map_err(at)?;
            let policy = unitsum_gpu::policy_to_value(&b.policy);
            if json {
                let out = serde_json::json!({ "spec": source, "coalition": j, "value": b.value, "policy": policy, "copy_value": b.copy_value });
                println!(
                    "{}",
                    serde_json::to_string_pretty(&out).expect("serialisable")
                );
            } else {
                println!("{source}: coalition {j}'s best response to the others' policies, whatever the state");
                println!("value max_π min_x r_j = {:.12}", b.value);
                println!("optimal policy: {policy}");
                match b.copy_value {
                    Some(c) => println!("copy of the others gets {c:.12}: it leaves {:.3e} on the table", b.value - c),
                    None => println!("copy is not available here (the coalition is smaller than the others, or they copy)"),
                }
            }
        }
        other => {
            return Err(at(Error::spec(
                "--against",
                format!("{other:?}: expected worst or given"),
            )))
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn curve(
    args: &GuaranteeArgs,
    evaluator: &mut Evaluator,
    backend: Backend,
) -> Result<ExitCode, Error> {
    if args.players < 2 {
        return Err(Error::spec("--players", "a curve needs at least 2 players"));
    }
    unitsum_gpu::sweep::presets::check_players(&[args.players], "--players")?;
    let mut game = match &args.params {
        Some(text) => serde_json::from_str::<serde_json::Value>(text)
            .map_err(|e| Error::spec("--params", format!("not valid JSON: {e}")))?,
        None => serde_json::json!({}),
    };
    if !game.is_object() {
        return Err(Error::spec(
            "--params",
            "expected a JSON object of the family's parameters",
        ));
    }
    game["family"] = serde_json::json!(args.family);
    let game = if args.params.is_some() || args.family == "plurality" {
        unitsum_gpu::sweep::grid::parse_game_value(&game)?
    } else {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(args.seed);
        unitsum_gpu::generate::random_game(
            &mut rng,
            &args.family,
            args.players,
            args.actions,
            args.states.max(1),
        )?
    };
    let family = game.family();
    let points: Vec<CurvePoint> = guarantee::curve(
        evaluator,
        game.clone(),
        args.players,
        args.actions,
        backend,
        &mut |_, _| {},
    )?;
    match args.format.as_str() {
        "json" => {
            for p in &points {
                println!("{}", serde_json::to_string(p).expect("serialisable"));
            }
        }
        _ => {
            println!("size,value,fraction,theorem1,theorem2,strategies,constraints");
            let opt = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
            for p in &points {
                println!(
                    "{},{},{},{},{},{},{}",
                    p.size,
                    p.value,
                    p.fraction,
                    opt(p.theorem1),
                    opt(p.theorem2),
                    p.strategies,
                    p.constraints
                );
            }
        }
    }
    if let Some(path) = &args.plot {
        let states = game.states();
        let title = format!(
            "Security value of s players against the rest: {family}, n = {}, k = {}, {states} state{}",
            args.players,
            args.actions,
            if states == 1 { "" } else { "s" }
        );
        unitsum_gpu::plot::curve(&points, &title, path)?;
    }
    // The theorems are lower bounds on v(s) (one state; minimax for Theorem 2).
    let tolerance = 1e-9;
    let states = game.states();
    let violated: Vec<&CurvePoint> = points
        .iter()
        .filter(|p| {
            p.theorem1.is_some_and(|b| p.value < b - tolerance)
                || (states == 1 && p.theorem2.is_some_and(|b| p.value < b - tolerance))
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
