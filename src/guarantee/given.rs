//! Best response and the informed copy against the others' given policies
//! by one pass per round over the coalition's count vectors (or by
//! correlations on the count grid), no payoff matrix
//! (docs/THEORY.md, "Guarantees at scale"), in symmetric and role games.
//!
//! The others' policies induce a distribution Q of their (per-role) count
//! vectors M (the counts method's leave-one-out distribution `Q_j`), the
//! same in every state, so the coalition's payoff of count vector N in
//! state x is `g_x(N) = Σ_M Q(M) f_x(N, M)` and its best response is
//! `max_π min_x Σ_N π(N) g_x(N)`: an LP with one row per state. It is solved
//! by column generation with certified bounds, each oracle call one pruned
//! pass over every N ([`best_strategy`] against the mix `μ_x Q(M)` over
//! (state, M)): `lower` is what the restricted LP's π gets in its worst
//! state (exact f64 sums), `upper = max_N Σ_x μ_x g_x(N)` for the states'
//! mix μ bounds every policy. With one state this is the max over N, found
//! in at most two passes.
//!
//! In symmetric games each round's max over N can come instead from the
//! payoffs of every N at once, by correlations of Q with the share tables
//! on the FFT count grid (`correlated.rs`), the candidates within the
//! bounds of the best valued by the pass's exact sums: the same answer. The
//! route is chosen by an estimate of cost and memory ([`choose_oracle`])
//! and named in the notes and the JSON.

use std::collections::HashMap;

use super::correlated::Correlated;
use super::double_oracle::GAP;
use super::lp::{maximin, support as kept};
use super::passes::{best_strategy, worst_reply, Found, Vector};
use super::shares::{Shares, Streamed};
use super::simplex::Simplex;
use super::{checked_value, sides, BestResponse, GivenRoute, GuaranteeOptions};
use crate::counts::direct::{CountDistribution, CountSpace, CountsPlan, Key};
use crate::error::{Error, Remedy, Result};
use crate::evaluator::{Evaluator, Options};
use crate::memory::{self, DEFAULT_MEMORY_LIMIT};
use crate::model::policy::Policy;
use crate::model::problem::Problem;
use crate::plan::{FlatPlan, Plan};
use crate::watch::Watch;

/// Most (state, count vector) pairs the informed copy's worst replies walk
/// (the copy's support × the others' vectors × states), as the double
/// oracle's [`MAX_PASS_VECTORS`](super::MAX_PASS_VECTORS) bounds a pass.
const MAX_INFORMED_VECTORS: u64 = 1_000_000_000;

/// The vectors of `space` with their probability under `q` (those above 0),
/// largest first (ties in rank order): the passes skip soonest that way.
fn weighted<S: Shares>(
    shares: &S,
    simplex: &Simplex,
    cube: &CountSpace,
    q: &CountDistribution,
    watch: &Watch<'_>,
) -> Result<Vec<(Vector<S::Key>, f64)>> {
    let lookup: HashMap<Key, f64> = q.entries.iter().copied().collect();
    let mut out = Vec::new();
    let mut v = vec![0; simplex.actions()];
    simplex.unrank(0, &mut v);
    let mut rank = 0;
    loop {
        if let Some(&p) = lookup.get(&cube.key(&v)).filter(|&&p| p > 0.0) {
            out.push((Vector::at(shares, simplex, rank), p));
        }
        if rank % (1 << 16) == 0 {
            watch.check()?;
        }
        rank += 1;
        if !simplex.advance(&mut v) {
            break;
        }
    }
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.rank.cmp(&b.0.rank)));
    Ok(out)
}

/// A strategy of the restricted LP: its vector and `g_x` in every state.
struct Column<K> {
    vector: Vector<K>,
    rows: Vec<f64>,
}

/// `g_x(N) = Σ_M Q(M) f_x(N, M)`, summed in `q`'s order (with one state the
/// pass's order, so that its value of N is the same f64).
fn expected<S: Shares>(
    shares: &S,
    x: usize,
    n: &Vector<S::Key>,
    q: &[(Vector<S::Key>, f64)],
) -> f64 {
    q.iter()
        .map(|(m, p)| p * shares.payoff(x, &n.counts, n.key, &m.counts, m.key))
        .sum()
}

/// The certified best response: `lower` (what `policy` gets in its worst
/// state), `upper` and the mix over count vectors.
struct Certified {
    lower: f64,
    upper: f64,
    policy: Vec<(Vec<u32>, f64)>,
    stopped: Option<String>,
    rounds: usize,
}

/// How each round finds the coalition's best count vector.
enum Oracle {
    /// One pruned pass over every vector ([`best_strategy`]).
    Pass,
    /// The correlations' approximate payoffs, candidates valued exactly;
    /// rounds with too many candidates take their upper bound from the
    /// correlations (counted in `bounded`).
    Correlated {
        tables: Correlated,
        bounded: usize,
        candidates: usize,
    },
}

impl Oracle {
    /// [`best_strategy`]'s answer against `mix` (the states' mix `mu`
    /// expanded over the others' vectors).
    fn best_strategy<S: Shares>(
        &mut self,
        shares: &S,
        coalition: &Simplex,
        mu: &[(usize, f64)],
        mix: &[(usize, &Vector<S::Key>, f64)],
        watch: &Watch<'_>,
    ) -> Result<Found> {
        match self {
            Oracle::Pass => best_strategy(shares, coalition, mix, watch),
            Oracle::Correlated {
                tables,
                bounded,
                candidates,
            } => {
                watch.check()?;
                let round = tables.best_strategy(shares, coalition, mu, mix);
                *candidates = (*candidates).max(round.candidates);
                *bounded += usize::from(round.bounded);
                Ok(round.found)
            }
        }
    }

    /// The oracle of `route` (`Pass` or `Correlation`: its tables built
    /// now, their grid and bound noted).
    fn new(
        route: GivenRoute,
        shares: &Streamed,
        coalition: &Simplex,
        q: &[(Vector<()>, f64)],
        watch: &Watch<'_>,
        notes: &mut Vec<String>,
    ) -> Result<Oracle> {
        if route == GivenRoute::Pass {
            return Ok(Oracle::Pass);
        }
        let tables = Correlated::new(shares.flat(), coalition, q, watch)?;
        notes.push(format!(
            "correlation on the {} grid: payoffs within {:.1e}; each round values exactly the \
             vectors within twice that (and the exact sums' rounding) of the best",
            tables.grid,
            tables.bound()
        ));
        Ok(Oracle::Correlated {
            tables,
            bounded: 0,
            candidates: 0,
        })
    }

    /// The route's name in the JSON.
    fn name(&self) -> &'static str {
        match self {
            Oracle::Pass => "pass",
            Oracle::Correlated { .. } => "correlation",
        }
    }
}

/// The route `asked` resolves to (`Pass` or `Correlation`), with a note
/// saying which and why: the correlations where the game is symmetric,
/// their grid fits in memory and their estimated time is below one round
/// of the pass against the others' `others` count vectors (without its
/// skipping, an upper estimate), else the pass.
fn choose_route(
    problem: &Problem,
    coalition: &Simplex,
    others: usize,
    asked: GivenRoute,
) -> Result<(GivenRoute, String)> {
    let (n, k, states) = (problem.players(), problem.actions(), problem.states());
    let terms = coalition.len() as f64 * others as f64 * (states * k) as f64;
    let pass = terms * SECONDS_PER_TERM / rayon::current_num_threads() as f64;
    let symmetric = problem.game().is_symmetric() && coalition.blocks() == 1 && k >= 2;
    let by_pass = |why: String| {
        Ok((
            GivenRoute::Pass,
            format!("best response by the pass ({why})"),
        ))
    };
    if asked == GivenRoute::Pass {
        return by_pass("asked for".into());
    }
    if !symmetric {
        if asked == GivenRoute::Auto {
            return by_pass("per-role count vectors: no one grid".into());
        }
        return Err(Error::usage(
            "route",
            "the correlation route needs a symmetric game (one count vector per side)",
        ));
    }
    let bytes = Correlated::memory_bytes(n, k, states, coalition.len());
    let fits = memory::check(
        "the best response's correlations",
        bytes,
        DEFAULT_MEMORY_LIMIT,
        Remedy::SmallerProblem,
    );
    let cost = crate::counts::fft::correlate::Correlator::cost(n, k, states);
    let fft = crate::watch::estimated_seconds(crate::counts::route::fft_time(cost));
    let estimate = format!("est. {fft:.2} s against {pass:.2} s per round for the pass");
    match fits {
        Err(_) if asked == GivenRoute::Auto => by_pass(format!(
            "the correlations' {} would not fit",
            memory::human(bytes)
        )),
        Ok(()) if asked == GivenRoute::Auto && fft >= pass => {
            by_pass(format!("correlations: {estimate}"))
        }
        Err(e) => Err(e),
        Ok(()) => Ok((
            GivenRoute::Correlation,
            format!("best response by correlation on the count grid ({estimate})"),
        )),
    }
}

/// `max_π min_x Σ_N π(N) g_x(N)` by column generation over `coalition`,
/// each round's best strategy by `oracle`.
fn solve<S: Shares>(
    shares: &S,
    coalition: &Simplex,
    q: &[(Vector<S::Key>, f64)],
    oracle: &mut Oracle,
    options: &GuaranteeOptions,
    watch: &Watch<'_>,
) -> Result<Certified> {
    let states = shares.states();
    let column = |rank: u64| {
        let vector = Vector::at(shares, coalition, rank);
        let rows = (0..states)
            .map(|x| expected(shares, x, &vector, q))
            .collect();
        Column { vector, rows }
    };
    // Every member on one action: the double oracle's first strategies too.
    let ranks = coalition.common_action_ranks();
    let mut columns: Vec<Column<S::Key>> = ranks.into_iter().map(column).collect();
    let started = std::time::Instant::now();
    let mut best: Option<(f64, Vec<(usize, f64)>)> = None;
    let mut upper = f64::INFINITY;
    for round in 1.. {
        let pi = kept(&maximin(columns.len(), states, |x, a| columns[a].rows[x])?.weights);
        let lower = (0..states)
            .map(|x| pi.iter().map(|&(a, p)| p * columns[a].rows[x]).sum::<f64>())
            .fold(f64::INFINITY, f64::min);
        if best.as_ref().is_none_or(|b| lower > b.0) {
            best = Some((lower, pi));
        }
        let mu = if states == 1 {
            vec![(0, 1.0)]
        } else {
            kept(&maximin(states, columns.len(), |a, x| -columns[a].rows[x])?.weights)
        };
        let mut mix: Vec<(usize, &Vector<S::Key>, f64)> = mu
            .iter()
            .flat_map(|&(x, w)| q.iter().map(move |(m, p)| (x, m, w * p)))
            .collect();
        // Largest weights first over every state (the pass skips sooner);
        // the sort is stable, so one state keeps Q's order.
        mix.sort_by(|a, b| b.2.total_cmp(&a.2));
        let found = oracle.best_strategy(shares, coalition, &mu, &mix, watch)?;
        upper = upper.min(found.value);
        let lower = best.as_ref().expect("set").0;
        let stopped = if upper - lower <= GAP {
            Some(None)
        } else if columns.iter().any(|c| c.vector.rank == found.rank) {
            Some(Some(format!(
                "no new count vector with the gap at {:.1e} (the restricted LP's rounding)",
                upper - lower
            )))
        } else if round >= options.max_iterations {
            Some(Some(format!("stopped at the cap of {round} rounds")))
        } else if started.elapsed().as_secs_f64() >= options.max_seconds {
            Some(Some(format!(
                "stopped at the cap of {} s",
                options.max_seconds
            )))
        } else {
            None
        };
        if let Some(stopped) = stopped {
            let (lower, pi) = best.expect("one round ran");
            return Ok(Certified {
                lower,
                upper,
                policy: pi
                    .iter()
                    .map(|&(a, p)| (columns[a].vector.counts.clone(), p))
                    .collect(),
                stopped,
                rounds: round,
            });
        }
        columns.push(column(found.rank));
    }
    unreachable!("the loop returns")
}

/// `Σ_N P(N) min_{x, M} f_x(N, M)` over the copy's distribution P of the
/// coalition's count vectors: each draw met by the others' worst reply to
/// it, or `None` (with a note) beyond [`MAX_INFORMED_VECTORS`].
fn informed_value<S: Shares>(
    shares: &S,
    (coalition, others): (&Simplex, &Simplex),
    cube: &CountSpace,
    copy: &CountDistribution,
    watch: &Watch<'_>,
    notes: &mut Vec<String>,
) -> Result<Option<f64>> {
    let walk = (copy.entries.len() as u64)
        .saturating_mul(others.len())
        .saturating_mul(shares.states() as u64);
    if walk > MAX_INFORMED_VECTORS {
        notes.push(format!(
            "the informed copy's value is not computed: its worst replies would walk {:.1e} \
             count vectors (beyond {MAX_INFORMED_VECTORS:.0e})",
            walk as f64
        ));
        return Ok(None);
    }
    let draws = weighted(shares, coalition, cube, copy, watch)?;
    let mut informed = 0.0;
    for (n, p) in &draws {
        informed += p * worst_reply(shares, others, &[(n, 1.0)], watch)?.value;
    }
    Ok(Some(checked_value("copy's informed value", informed)?))
}

/// What `copy` of all the other coalitions gets against their policies (min
/// over states) and against an informed reply, when the coalition can copy.
fn copy_values<S: Shares>(
    evaluator: &mut Evaluator,
    problem: &Problem,
    j: usize,
    shares: &S,
    sides: (&Simplex, &Simplex),
    notes: &mut Vec<String>,
) -> Result<(Option<f64>, Option<f64>)> {
    let group: Vec<usize> = (0..problem.coalitions().len())
        .filter(|&o| o != j)
        .collect();
    let Ok(copied) = problem.with_policy(j, Policy::copy(group, 0)) else {
        return Ok((None, None));
    };
    let options = Options {
        backend: crate::evaluator::Backend::Cpu,
        ..Default::default()
    };
    let given = evaluator.evaluate(&copied, &options)?.min_over_states(j);
    let counts = CountsPlan::new(&copied, &Plan::new(&copied))?;
    let (progress, cancel) = evaluator.watch();
    let watch = Watch::new(progress.as_deref(), cancel.as_ref());
    let informed = informed_value(
        shares,
        sides,
        &counts.space,
        &counts.coalitions[j],
        &watch,
        notes,
    )?;
    Ok((Some(given), informed))
}

/// Seconds per payoff term `Q(M)·N_b·h_b` of a pass, per core, without
/// the pass's skipping: an upper estimate (measured at about 2–6 ns on the
/// 2-core development VM).
const SECONDS_PER_TERM: f64 = 4e-9;

/// Tell the notice callback, before the first round, when one round's
/// pass may take long: a pass visits every coalition vector against every
/// vector of the others (fewer where it skips).
fn announce_rounds(evaluator: &Evaluator, problem: &Problem, vectors: u64, others: usize) {
    let terms = vectors as f64 * others as f64 * (problem.states() * problem.actions()) as f64;
    let seconds = terms * SECONDS_PER_TERM / rayon::current_num_threads() as f64;
    evaluator.notify(seconds, || {
        format!(
            "best response: each round passes over {vectors} coalition count vectors against \
             the others' {others}, up to {terms:.1e} payoff terms (at most roughly {} per round \
             on the CPU); it can be cancelled",
            crate::watch::human_duration(seconds)
        )
    });
}

/// Coalition j's best response to the others' given policies in a game
/// where only counts matter, by one pass per round over its count vectors
/// or by correlations on the count grid (`route`; `Auto` by cost).
pub(crate) fn best_response(
    evaluator: &mut Evaluator,
    problem: &Problem,
    j: usize,
    options: &GuaranteeOptions,
    route: GivenRoute,
) -> Result<BestResponse> {
    let (coalition, others) = sides(problem, j);
    super::check_pass_size(problem, &(coalition.clone(), others.clone()))?;
    let shares = Streamed::new(FlatPlan::new(problem, &Plan::new(problem))?);
    let counts = CountsPlan::new(problem, &Plan::new(problem))?;
    let mut notes = Vec::new();
    let (progress, cancel) = evaluator.watch();
    let watch = Watch::new(progress.as_deref(), cancel.as_ref());
    let (route, chosen) = choose_route(problem, &coalition, counts.others[j].entries.len(), route)?;
    notes.push(chosen);
    if route == GivenRoute::Pass {
        announce_rounds(
            evaluator,
            problem,
            coalition.len(),
            counts.others[j].entries.len(),
        );
    }
    let q = weighted(&shares, &others, &counts.space, &counts.others[j], &watch)?;
    let mut oracle = Oracle::new(route, &shares, &coalition, &q, &watch, &mut notes)?;
    let c = solve(&shares, &coalition, &q, &mut oracle, options, &watch)?;
    notes.push(format!(
        "best response over the coalition's {} count vectors against the others' {} (f64 \
         shares on the CPU, no payoff matrix): {} round{}, {:.12} ≤ v ≤ {:.12}",
        coalition.len(),
        q.len(),
        c.rounds,
        if c.rounds == 1 { "" } else { "s" },
        c.lower,
        c.upper
    ));
    if let Oracle::Correlated {
        bounded,
        candidates,
        ..
    } = &oracle
    {
        notes.push(format!(
            "correlation: at most {candidates} candidate vector{} per round within the bounds of \
             the best; {bounded} round{} with too many to value exactly took the upper bound \
             from the correlations",
            if *candidates == 1 { "" } else { "s" },
            if *bounded == 1 { "" } else { "s" },
        ));
    }
    let value = checked_value("best response's value", c.lower)?;
    checked_value("best response's upper bound", c.upper)?;
    if let Some(why) = &c.stopped {
        notes.push(format!(
            "best response: {why}: {value:.12} ≤ v ≤ {:.12}; the value printed is the lower \
             bound",
            c.upper
        ));
    }
    let (copy_value, informed_copy_value) = copy_values(
        evaluator,
        problem,
        j,
        &shares,
        (&coalition, &others),
        &mut notes,
    )?;
    let usize_counts = |v: &[u32]| v.iter().map(|&c| c as usize).collect::<Vec<usize>>();
    if c.policy.is_empty() {
        return Err(Error::InvalidResult(
            "the best response's mix came out empty; it is not printed".into(),
        ));
    }
    Ok(BestResponse {
        value,
        route: oracle.name().into(),
        policy: Policy::Counts {
            support: c
                .policy
                .iter()
                .map(|(n, p)| (usize_counts(n), *p))
                .collect(),
        },
        copy_value,
        informed_copy_value,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::game::Game;
    use crate::model::problem::Coalition;

    /// `auto` takes the correlations where the pass's round is estimated far
    /// dearer (n = 1000, k = 3, 400 against a wide 600), the pass where the
    /// grid does not fit (k = 4: 1024^3 cells) or is dearer (a narrow Q),
    /// and says which in its note.
    #[test]
    fn auto_chooses_by_cost_and_memory() {
        for (k, others, want) in [
            (3, 180_000, GivenRoute::Correlation),
            (4, 180_000, GivenRoute::Pass),
            (3, 50, GivenRoute::Pass),
        ] {
            let n = 1000;
            let problem = Problem::new(
                n,
                k,
                Game::Proportional {
                    weights: vec![(1..=k).map(|w| w as f64).collect()],
                },
                vec![
                    Coalition::new((0..400).collect(), Policy::Uniform),
                    Coalition::new((400..n).collect(), Policy::Uniform),
                ],
            )
            .unwrap();
            let (coalition, _) = sides(&problem, 0);
            let (route, note) =
                choose_route(&problem, &coalition, others, GivenRoute::Auto).unwrap();
            assert_eq!(route, want, "k={k} others={others}: {note}");
            let says = if want == GivenRoute::Pass {
                "by the pass"
            } else {
                "by correlation"
            };
            assert!(note.contains(says), "{note}");
            if k == 4 {
                assert!(note.contains("would not fit"), "{note}");
            }
        }
    }
}
