//! The power curve v(s): the security value of the first s players against
//! the rest, beside the theorems' bounds and the spy value.

use super::{solve, GuaranteeOptions, Solver};
use crate::error::{Error, Result};
use crate::evaluator::Evaluator;
use crate::model::game::Game;
use crate::model::policy::Policy;
use crate::model::problem::{Coalition, Problem};

/// How a power curve is computed.
#[derive(Clone, Debug, Default)]
pub struct CurveOptions {
    /// How each point's security value is solved (the spy column: `spy`).
    pub guarantee: GuaranteeOptions,
    /// The coalition sizes s, each in 1..n−1; `None`: all of them.
    pub sizes: Option<Vec<usize>>,
}

/// One point of the power curve.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CurvePoint {
    /// Coalition size s.
    pub size: usize,
    /// `v(s)`: its security value against the other n − s players (the
    /// certified lower bound, with the double oracle).
    pub value: f64,
    /// The double oracle's certified upper bound, else `None`.
    pub upper: Option<f64>,
    /// The spy value `max_N min_{x, M} f_x(N, M)`, when computed.
    pub spy: Option<f64>,
    /// `s / n`.
    pub fraction: f64,
    /// Theorem 1's `1 − 1/k` (plurality game, strict majority), else `None`.
    pub theorem1: Option<f64>,
    /// Theorem 2's `q/(q+1)`, q = ⌊s/(n − s)⌋ ≥ 1, in a symmetric game
    /// (the theorem's hypothesis: a `table` game is not one), else `None`.
    pub theorem2: Option<f64>,
    /// The solver that ran.
    pub solver: Solver,
    /// LP strategies (the last restricted LP's, with the double oracle).
    pub strategies: usize,
    /// LP replies × states (see `strategies`).
    pub constraints: usize,
    /// Why the double oracle stopped before its gap (a cap), if it did:
    /// then `value` and `upper` bracket v(s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

/// v(s) for each s of `sizes`: the first s players against the rest, each
/// point handed to `each` when solved, all returned.
pub(crate) fn curve(
    evaluator: &mut Evaluator,
    game: Game,
    players: usize,
    actions: usize,
    sizes: &[usize],
    options: &GuaranteeOptions,
    each: &mut dyn FnMut(&CurvePoint) -> Result<()>,
) -> Result<Vec<CurvePoint>> {
    let (progress, cancel) = evaluator.watch();
    let watch = crate::watch::Watch::new(progress.as_deref(), cancel.as_ref());
    let base = Problem::new(
        players,
        actions,
        game,
        vec![Coalition::new((0..players).collect(), Policy::Uniform)],
    )?;
    let plurality = base.game().family() == "plurality";
    // Theorem 2 holds for symmetric games: a random table game need not
    // meet its bound, and falling below it is no counterexample.
    let symmetric = base.game().is_symmetric();
    // Each point's own progress is not reported: the bar counts points.
    evaluator.set_progress(None);
    let outcome = (|| {
        let mut points = Vec::with_capacity(sizes.len());
        for (done, &s) in sizes.iter().enumerate() {
            let problem = base.with_coalitions(vec![
                Coalition::new((0..s).collect(), Policy::Uniform),
                Coalition::new((s..players).collect(), Policy::Uniform),
            ])?;
            let v = solve(evaluator, &problem, 0, options)?;
            let q = s / (players - s);
            let point = CurvePoint {
                size: s,
                value: v.value,
                upper: v.upper,
                spy: v.spy_value,
                fraction: s as f64 / players as f64,
                theorem1: (plurality && 2 * s > players).then(|| 1.0 - 1.0 / actions as f64),
                theorem2: (symmetric && q >= 1).then(|| q as f64 / (q + 1) as f64),
                solver: v.solver,
                strategies: v.strategies,
                constraints: v.replies * problem.states(),
                stopped: v.stopped,
            };
            each(&point)?;
            points.push(point);
            watch.report(done as u64 + 1, sizes.len() as u64);
            watch.check()?;
        }
        Ok(points)
    })();
    evaluator.set_progress(progress);
    outcome
}

/// The game of a power curve of `players` over `actions`, as the front
/// ends' options give it: `family` with `params` (a JSON object of the
/// family's parameters), or drawn from `seed` in `states` states (default 1
/// and 0; plurality has no parameters). Every rule of these options lives
/// here, each refusal a usage error naming its option.
///
/// ```
/// use unitsum_gpu::{curve_game, Game};
/// assert_eq!(curve_game("plurality", None, 9, 3, None, None)?, Game::Plurality);
/// let drawn = curve_game("proportional", None, 9, 3, Some(2), Some(7))?;
/// assert_eq!(drawn.states(), 2);
/// let e = curve_game("plurality", None, 9, 3, Some(2), None).unwrap_err();
/// assert_eq!(e.to_string(), "states: is for drawn parameters; plurality has none");
/// # Ok::<(), unitsum_gpu::Error>(())
/// ```
pub fn curve_game(
    family: &str,
    params: Option<&serde_json::Value>,
    players: usize,
    actions: usize,
    states: Option<usize>,
    seed: Option<u64>,
) -> Result<Game> {
    if players < 2 {
        return Err(Error::usage(
            "players",
            "a curve needs at least 2 players (s = 1..n−1)",
        ));
    }
    let drawn = |option: &str, why: &str| {
        Err(Error::usage(
            option,
            format!("is for drawn parameters; {why}"),
        ))
    };
    if params.is_some() {
        if states.is_some() {
            return drawn("states", "params gives them");
        }
        if seed.is_some() {
            return drawn("seed", "params gives them");
        }
    } else if family == "plurality" {
        if states.is_some() {
            return drawn("states", "plurality has none");
        }
        if seed.is_some() {
            return drawn("seed", "plurality has none");
        }
        return Ok(Game::Plurality);
    }
    if let Some(states) = states.filter(|s| !(1..=crate::MAX_STATES).contains(s)) {
        return Err(Error::usage(
            "states",
            format!("{states}: expected 1 to {}", crate::MAX_STATES),
        ));
    }
    let as_usage = |option: &str, e: Error| match e {
        Error::Spec { path, message } if path == option => Error::usage(option, message),
        Error::Spec { path, message } => Error::usage(option, format!("{path}: {message}")),
        other => other,
    };
    match params {
        Some(params) => {
            let mut game = params.clone();
            let Some(object) = game.as_object_mut() else {
                return Err(Error::usage(
                    "params",
                    "expected a JSON object of the family's parameters",
                ));
            };
            object.insert("family".into(), family.into());
            Game::from_value(&game).map_err(|e| as_usage("params", e))
        }
        None => Game::random(
            family,
            players,
            actions,
            states.unwrap_or(1),
            seed.unwrap_or(0),
        )
        .map_err(|e| {
            let option = match &e {
                Error::Spec { path, .. } if path == "states" => "states",
                _ => "family",
            };
            as_usage(option, e)
        }),
    }
}
