//! The security value of a coalition (docs/THEORY.md, "The security value"):
//! `v_j = max_{π_j} min_x min_{a_{-j}} r_j(x, π_j, a_{-j})`, a linear program
//! over π_j's probabilities and a level t, one constraint per state and pure
//! reply of the others (who may coordinate). In a symmetric game strategies
//! and replies are count vectors (the coalition's share depends only on
//! them); otherwise joint actions. The payoff matrix comes from the CPU
//! twins or the WGSL kernels (`shaders/payoff_*.wgsl`), chosen by the
//! [`Evaluator`]'s one backend seam and cross-checked with `Backend::Both`; the
//! LP is solved by microlp (a maintained pure-Rust simplex: exact vertex
//! solutions in f64, no native build).

use microlp::{ComparisonOp, OptimizationDirection, Problem as Lp, SolveOutcome};

use crate::counts::CountVectors;
use crate::counts_driver::CountKernels;
use crate::error::{Error, Remedy, Result};
use crate::evaluator::{Backend, Evaluator, Method, Options, Side};
use crate::game::Game;
use crate::plan::{FlatPlan, Part, Plan};
use crate::policy::Policy;
use crate::problem::{Coalition, Problem};
use crate::symmetric::{CountDistribution, CountSpace, CountsPlan};

/// What the strategies and replies of a payoff matrix are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum Basis {
    /// Count vectors (symmetric games: only the counts matter).
    #[serde(rename = "count vectors")]
    CountVectors,
    /// Joint actions (any game).
    #[serde(rename = "joint actions")]
    JointActions,
}

impl std::fmt::Display for Basis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Basis::CountVectors => "count vectors",
            Basis::JointActions => "joint actions",
        })
    }
}

/// Payoff matrices larger than this (states × strategies × replies) are refused.
pub const MAX_PAYOFF_ENTRIES: u64 = 20_000_000;

/// GPU and CPU payoff matrices must agree within this (f32 shares).
pub const PAYOFF_TOLERANCE: f64 = 1e-5;

/// A coalition's payoff matrix: `values[(x * strategies + a) * replies + r]`.
#[derive(Clone, Debug)]
pub struct PayoffMatrix {
    /// Each strategy as a joint action of the coalition's members (in a
    /// symmetric game, one representative per count vector).
    pub strategies: Vec<Vec<usize>>,
    /// Each reply as a joint action of the other players (in player order).
    pub replies: Vec<Vec<usize>>,
    /// States.
    pub states: usize,
    /// The entries.
    pub values: Vec<f64>,
    /// What strategies and replies are.
    pub basis: Basis,
    /// With both backends: `max |GPU − CPU|` over the entries.
    pub max_gpu_cpu: Option<f64>,
    /// What the backend seam chose and why.
    pub notes: Vec<String>,
}

impl PayoffMatrix {
    fn value(&self, x: usize, a: usize, r: usize) -> f64 {
        self.values[(x * self.strategies.len() + a) * self.replies.len() + r]
    }
}

fn representative(counts: &[u32]) -> Vec<usize> {
    counts
        .iter()
        .enumerate()
        .flat_map(|(b, &c)| std::iter::repeat_n(b, c as usize))
        .collect()
}

fn others_of(problem: &Problem, j: usize) -> Vec<usize> {
    let mut others: Vec<usize> = problem
        .coalitions()
        .iter()
        .enumerate()
        .filter(|&(o, _)| o != j)
        .flat_map(|(_, c)| c.members.iter().copied())
        .collect();
    others.sort_unstable();
    others
}

/// Build coalition j's payoff matrix on `backend` (chosen as for
/// evaluations; `Both` builds it on both and fails beyond [`PAYOFF_TOLERANCE`]).
pub fn payoff_matrix(
    evaluator: &mut Evaluator,
    problem: &Problem,
    j: usize,
    backend: Backend,
) -> Result<PayoffMatrix> {
    let n = problem.players();
    let k = problem.actions();
    let states = problem.states();
    let members = problem.coalitions()[j].members.clone();
    let others = others_of(problem, j);
    if problem.game().is_symmetric() {
        let space = CountSpace::new(n, k)?;
        let list = |total: usize| {
            let mut walk = CountVectors::new(total as u32, k);
            let mut out = Vec::new();
            while let Some(v) = walk.next_vector() {
                out.push(v.to_vec());
            }
            out
        };
        // Counted before they are listed.
        let entries = (states as u64)
            .saturating_mul(crate::counts::count_vectors(members.len() as u64, k as u64))
            .saturating_mul(crate::counts::count_vectors(others.len() as u64, k as u64));
        check_entries(entries)?;
        let (ns, ms) = (list(members.len()), list(others.len()));
        let uniform = |vectors: &[Vec<u32>], total: usize| CountDistribution {
            total: total as u32,
            entries: vectors.iter().map(|v| (space.index(v), 1.0)).collect(),
        };
        let counts = CountsPlan {
            coalitions: vec![uniform(&ns, members.len())],
            others: vec![uniform(&ms, others.len())],
            space,
        };
        let flat = FlatPlan::new(problem, &Plan::new(problem))?;
        let mut notes = Vec::new();
        let (values, max_gpu_cpu) = compare(
            evaluator,
            backend,
            problem,
            &mut notes,
            |evaluator, side| match side {
                Side::Cpu => counts_payoff(&mut crate::cpu::CpuCounts, &flat, &counts),
                Side::Gpu => counts_payoff(evaluator.gpu()?, &flat, &counts),
            },
        )?;
        // The other players get a representative joint action in player order.
        return Ok(PayoffMatrix {
            strategies: ns.iter().map(|v| representative(v)).collect(),
            replies: ms.iter().map(|v| representative(v)).collect(),
            states,
            values,
            basis: Basis::CountVectors,
            max_gpu_cpu,
            notes,
        });
    }
    // Any game: every joint action of the coalition against every joint
    // action of the others, as a plan of two parts.
    let joint = |count: usize| -> Result<Vec<Vec<usize>>> {
        let total = (k as u64)
            .checked_pow(count as u32)
            .filter(|&t| t <= MAX_PAYOFF_ENTRIES)
            .ok_or_else(|| too_large(u64::MAX))?;
        Ok((0..total)
            .map(|index| {
                (0..count)
                    .map(|i| ((index / (k as u64).pow(i as u32)) % k as u64) as usize)
                    .collect()
            })
            .collect())
    };
    let (strategies, replies) = (joint(members.len())?, joint(others.len())?);
    let entries = (states * strategies.len()) as u64 * replies.len() as u64;
    check_entries(entries)?;
    let part = |players: &[usize], outcomes: &[Vec<usize>]| Part {
        players: players.to_vec(),
        outcomes: outcomes.iter().map(|a| (a.clone(), 1.0)).collect(),
    };
    let plan = Plan {
        base: vec![0; n],
        parts: vec![part(&members, &strategies), part(&others, &replies)],
        profiles: Some(entries / states as u64),
    };
    let flat = FlatPlan::new(problem, &plan)?;
    let mut notes = Vec::new();
    let (values, max_gpu_cpu) = compare(
        evaluator,
        backend,
        problem,
        &mut notes,
        |evaluator, side| match side {
            Side::Gpu => Ok(evaluator
                .gpu()?
                .payoff_profiles(&flat, j)?
                .into_iter()
                .map(f64::from)
                .collect()),
            Side::Cpu => Ok(crate::cpu::payoff_profiles::payoff_profiles(&flat, j)),
        },
    )?;
    Ok(PayoffMatrix {
        strategies,
        replies,
        states,
        values,
        basis: Basis::JointActions,
        max_gpu_cpu,
        notes,
    })
}

/// Refuse a payoff matrix beyond [`MAX_PAYOFF_ENTRIES`] or beyond the
/// memory its LP needs (the matrix, and the solver's copy of its non-zero
/// entries with their variables: about 32 bytes an entry).
fn check_entries(entries: u64) -> Result<()> {
    if entries > MAX_PAYOFF_ENTRIES {
        return Err(too_large(entries));
    }
    crate::memory::check(
        "the guarantee LP",
        entries.saturating_mul(32),
        crate::memory::DEFAULT_MEMORY_LIMIT,
        Remedy::SmallerProblem,
    )
}

fn too_large(entries: u64) -> Error {
    Error::too_large(
        format!(
            "the guarantee LP's payoff matrix would have {} entries, beyond {MAX_PAYOFF_ENTRIES} \
         (symmetric games need only count vectors)",
            if entries == u64::MAX {
                "too many".to_string()
            } else {
                entries.to_string()
            }
        ),
        Remedy::SmallerProblem,
    )
}

/// The count-vector payoff matrix of `counts` (its first coalition against
/// the others) on `kernels`.
fn counts_payoff<K: CountKernels>(
    kernels: &mut K,
    flat: &FlatPlan,
    counts: &CountsPlan,
) -> Result<Vec<f64>> {
    let loaded = crate::counts_driver::load(kernels, flat, counts)?;
    kernels.payoff(&loaded)
}

/// Run `build` on the backend the seam picks; with both, compare (NaN never
/// agrees) and return the CPU's.
fn compare(
    evaluator: &mut Evaluator,
    backend: Backend,
    problem: &Problem,
    notes: &mut Vec<String>,
    mut build: impl FnMut(&mut Evaluator, Side) -> Result<Vec<f64>>,
) -> Result<(Vec<f64>, Option<f64>)> {
    let (first, second) = evaluator.on_backend(backend, notes, |evaluator, side| {
        if side == Side::Gpu {
            problem
                .game()
                .check_range(crate::game::GPU_RANGE, "the GPU's f32 arithmetic")?;
        }
        let values = build(evaluator, side)?;
        // The LP must not see a payoff that no game can produce.
        if let Some(&bad) = values.iter().find(|&&v| !is_share(v)) {
            let backend = if side == Side::Gpu { "GPU" } else { "CPU" };
            checked_value(&format!("{backend}'s payoff matrix entry"), bad)?;
        }
        Ok(values)
    })?;
    let Some(gpu) = second else {
        return Ok((first, None));
    };
    let d = crate::evaluator::max_abs_difference(&first, &gpu);
    if d > PAYOFF_TOLERANCE {
        return Err(Error::Disagree {
            difference: d,
            tolerance: PAYOFF_TOLERANCE,
        });
    }
    Ok((first, Some(d)))
}

/// `max_π min_c Σ_a π_a w[c][a]` over distributions π: the LP's value and π.
/// `column(c)` gives w[c][·] for constraint c.
fn maximin(
    strategies: usize,
    constraints: usize,
    column: impl Fn(usize, usize) -> f64,
) -> Result<(f64, Vec<f64>)> {
    let mut lp = Lp::new(OptimizationDirection::Maximize);
    let pi: Vec<_> = (0..strategies)
        .map(|_| lp.add_var(0.0, (0.0, 1.0)))
        .collect();
    let t = lp.add_var(1.0, (f64::NEG_INFINITY, f64::INFINITY));
    for c in 0..constraints {
        let mut terms: Vec<(microlp::Variable, f64)> = pi
            .iter()
            .enumerate()
            .map(|(a, &v)| (v, column(c, a)))
            .filter(|(_, w)| *w != 0.0)
            .collect();
        terms.push((t, -1.0));
        lp.add_constraint(terms, ComparisonOp::Ge, 0.0);
    }
    lp.add_constraint(
        pi.iter().map(|&v| (v, 1.0)).collect::<Vec<_>>(),
        ComparisonOp::Eq,
        1.0,
    );
    match lp.solve() {
        Ok(SolveOutcome::Solution(solution)) => {
            let mut weights: Vec<f64> = pi.iter().map(|&v| solution[v].max(0.0)).collect();
            let total: f64 = weights.iter().sum();
            weights.iter_mut().for_each(|w| *w /= total);
            Ok((solution[t], weights))
        }
        Ok(_) => Err(Error::Lp("it stopped before an answer".into())),
        Err(e) => Err(Error::Lp(e.to_string())),
    }
}

/// Probabilities below this are dropped from the printed policy (the rest
/// renormalised): simplex vertices carry round-off of that order.
const POLICY_EPSILON: f64 = 1e-12;

fn joint_policy(matrix: &PayoffMatrix, weights: &[f64]) -> Policy {
    let kept: Vec<(usize, f64)> = weights
        .iter()
        .copied()
        .enumerate()
        .filter(|&(_, w)| w > POLICY_EPSILON)
        .collect();
    let total: f64 = kept.iter().map(|(_, w)| w).sum();
    Policy::Joint {
        support: kept
            .into_iter()
            .map(|(a, w)| (matrix.strategies[a].clone(), w / total))
            .collect(),
    }
}

/// The security value of coalition j and an optimal policy.
#[derive(Clone, Debug)]
pub struct SecurityValue {
    /// `v_j`.
    pub value: f64,
    /// An optimal policy (a `joint` policy over the coalition's members).
    pub policy: Policy,
    /// Strategies and replies of the LP, and how they are indexed.
    pub strategies: usize,
    /// See `strategies`.
    pub replies: usize,
    /// What strategies and replies are.
    pub basis: Basis,
    /// With both backends: `max |GPU − CPU|` of the payoff matrix.
    pub max_gpu_cpu: Option<f64>,
    /// The others' pure reply (in player order over the non-members) that
    /// holds the policy to its value.
    pub worst_reply: Vec<usize>,
    /// The state where it does.
    pub worst_state: usize,
    /// An independent check of the LP: the policy evaluated exactly (on the
    /// CPU) against every pure reply, the minimum over replies and states.
    /// `None` from [`Evaluator::power_curve`], which skips it.
    pub check: Option<f64>,
    /// What the backend seam chose and why.
    pub notes: Vec<String>,
}

impl SecurityValue {
    /// `|check − value|`, when checked.
    pub fn check_error(&self) -> Option<f64> {
        self.check.map(|c| (c - self.value).abs())
    }
}

/// Solve coalition j's security value (without the check).
pub(crate) fn security_value(
    evaluator: &mut Evaluator,
    problem: &Problem,
    j: usize,
    backend: Backend,
) -> Result<SecurityValue> {
    let matrix = payoff_matrix(evaluator, problem, j, backend)?;
    let (strategies, replies) = (matrix.strategies.len(), matrix.replies.len());
    let (value, weights) = maximin(strategies, matrix.states * replies, |c, a| {
        matrix.value(c / replies, a, c % replies)
    })?;
    let value = checked_value("security value", value)?;
    let achieved = |r: usize, x: usize| -> f64 {
        weights
            .iter()
            .enumerate()
            .map(|(a, w)| w * matrix.value(x, a, r))
            .sum()
    };
    let worst = (0..replies * matrix.states)
        .min_by(|&c, &d| {
            achieved(c % replies, c / replies).total_cmp(&achieved(d % replies, d / replies))
        })
        .expect("at least one reply");
    Ok(SecurityValue {
        value,
        policy: joint_policy(&matrix, &weights),
        strategies,
        replies,
        basis: matrix.basis,
        max_gpu_cpu: matrix.max_gpu_cpu,
        worst_reply: matrix.replies[worst % replies].clone(),
        worst_state: worst / replies,
        check: None,
        notes: matrix.notes,
    })
}

/// `min_x min_{pure replies} r_j` of `policy` for coalition j, by evaluating
/// the problem (exactly, on the CPU) against every reply of the LP: an
/// independent check of the LP's value.
pub(crate) fn check_policy(
    evaluator: &mut Evaluator,
    problem: &Problem,
    j: usize,
    policy: &Policy,
) -> Result<f64> {
    let matrix_replies: Vec<Vec<usize>> = if problem.game().is_symmetric() {
        let m = problem.players() - problem.coalitions()[j].members.len();
        let mut walk = CountVectors::new(m as u32, problem.actions());
        let mut out = Vec::new();
        while let Some(v) = walk.next_vector() {
            out.push(representative(v));
        }
        out
    } else {
        let m = problem.players() - problem.coalitions()[j].members.len();
        let k = problem.actions() as u64;
        (0..k.pow(m as u32))
            .map(|index| {
                (0..m)
                    .map(|i| ((index / k.pow(i as u32)) % k) as usize)
                    .collect()
            })
            .collect()
    };
    let others = others_of(problem, j);
    let mut worst = f64::INFINITY;
    for reply in matrix_replies {
        let mut action_of = vec![0; problem.players()];
        for (&i, &a) in others.iter().zip(&reply) {
            action_of[i] = a;
        }
        let coalitions: Vec<Coalition> = problem
            .coalitions()
            .iter()
            .enumerate()
            .map(|(o, c)| {
                let policy = if o == j {
                    policy.clone()
                } else {
                    Policy::Pure {
                        actions: c.members.iter().map(|&i| action_of[i]).collect(),
                    }
                };
                Coalition::new(c.members.clone(), policy)
            })
            .collect();
        let run = evaluator.evaluate(
            &problem.with_coalitions(coalitions)?,
            &Options {
                backend: Backend::Cpu,
                method: Method::Exact,
                ..Default::default()
            },
        )?;
        worst = worst.min(run.min_over_states(j));
    }
    Ok(worst)
}

/// The best response to the others' given policies when only the state is
/// unknown: `max_π min_x r_j(x, π, π_{-j})`.
#[derive(Clone, Debug)]
pub struct BestResponse {
    /// The value.
    pub value: f64,
    /// An optimal policy.
    pub policy: Policy,
    /// What `copy` of all the other coalitions gets there (min over states),
    /// when the coalition is large enough to copy them.
    pub copy_value: Option<f64>,
    /// What the backend seam chose and why.
    pub notes: Vec<String>,
}

/// Solve the best response of coalition j to the others' policies.
pub(crate) fn best_response(
    evaluator: &mut Evaluator,
    problem: &Problem,
    j: usize,
    backend: Backend,
) -> Result<BestResponse> {
    let matrix = payoff_matrix(evaluator, problem, j, backend)?;
    let others = others_of(problem, j);
    // The probability of each reply under the others' policies.
    let probability: Vec<f64> = if problem.game().is_symmetric() {
        let counts = CountsPlan::new(problem, &Plan::new(problem))?;
        let space = &counts.space;
        let q = &counts.others[j];
        let lookup: std::collections::HashMap<u32, f64> = q.entries.iter().copied().collect();
        matrix
            .replies
            .iter()
            .map(|reply| {
                let mut c = vec![0u32; problem.actions()];
                reply.iter().for_each(|&a| c[a] += 1);
                lookup.get(&space.index(&c)).copied().unwrap_or(0.0)
            })
            .collect()
    } else {
        matrix
            .replies
            .iter()
            .map(|reply| {
                problem
                    .coalitions()
                    .iter()
                    .enumerate()
                    .filter(|&(o, _)| o != j)
                    .map(|(_, c)| {
                        let joint: Vec<usize> = c
                            .members
                            .iter()
                            .map(|i| reply[others.iter().position(|o| o == i).expect("an other")])
                            .collect();
                        c.policy.probability(
                            &c.members,
                            &joint,
                            problem.actions(),
                            problem.coalitions(),
                        )
                    })
                    .product()
            })
            .collect()
    };
    let replies = matrix.replies.len();
    let expected = |x: usize, a: usize| -> f64 {
        (0..replies)
            .map(|r| probability[r] * matrix.value(x, a, r))
            .sum()
    };
    let (value, weights) = maximin(matrix.strategies.len(), matrix.states, expected)?;
    let value = checked_value("best response's value", value)?;
    let group: Vec<usize> = (0..problem.coalitions().len())
        .filter(|&o| o != j)
        .collect();
    let copy = Policy::Copy {
        of: group,
        rest_action: 0,
    };
    let copy_value = match problem.with_policy(j, copy) {
        Ok(p) => Some(
            evaluator
                .evaluate(
                    &p,
                    &Options {
                        backend: Backend::Cpu,
                        ..Default::default()
                    },
                )?
                .min_over_states(j),
        ),
        Err(_) => None,
    };
    Ok(BestResponse {
        value,
        policy: joint_policy(&matrix, &weights),
        copy_value,
        notes: matrix.notes,
    })
}

/// One point of the power curve.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CurvePoint {
    /// Coalition size s.
    pub size: usize,
    /// `v(s)`: its security value against the other n − s players.
    pub value: f64,
    /// `s / n`.
    pub fraction: f64,
    /// Theorem 1's `1 − 1/k` (plurality game, strict majority), else `None`.
    pub theorem1: Option<f64>,
    /// Theorem 2's `q/(q+1)`, q = ⌊s/(n − s)⌋ ≥ 1, else `None`.
    pub theorem2: Option<f64>,
    /// LP strategies.
    pub strategies: usize,
    /// LP replies × states.
    pub constraints: usize,
}

/// v(s) for s = 1..n−1: the first s players against the rest.
pub(crate) fn curve(
    evaluator: &mut Evaluator,
    game: Game,
    players: usize,
    actions: usize,
    backend: Backend,
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
    let mut points = Vec::new();
    for s in 1..players {
        let problem = base.with_coalitions(vec![
            Coalition::new((0..s).collect(), Policy::Uniform),
            Coalition::new((s..players).collect(), Policy::Uniform),
        ])?;
        let v = security_value(evaluator, &problem, 0, backend)?;
        let q = s / (players - s);
        points.push(CurvePoint {
            size: s,
            value: v.value,
            fraction: s as f64 / players as f64,
            theorem1: (plurality && 2 * s > players).then(|| 1.0 - 1.0 / actions as f64),
            theorem2: (q >= 1).then(|| q as f64 / (q + 1) as f64),
            strategies: v.strategies,
            constraints: v.replies * problem.states(),
        });
        watch.report(s as u64, players as u64 - 1);
        watch.check()?;
    }
    Ok(points)
}

/// How far the LP's value may be from its policy's exact evaluation (the
/// solver's own tolerance is about 1e-9).
const CHECK_TOLERANCE: f64 = 1e-7;
/// How far outside [0, 1] a payoff or value may lie by rounding (the GPU's
/// f32 payoffs included).
const VALUE_TOLERANCE: f64 = 1e-4;

/// Whether `v` can be a share of the unit (finite, in [0, 1] up to rounding).
fn is_share(v: f64) -> bool {
    v.is_finite() && (-VALUE_TOLERANCE..=1.0 + VALUE_TOLERANCE).contains(&v)
}

/// `v` when it can be a share of the unit (finite, in [0, 1] up to
/// rounding), else the error that refuses it.
fn checked_value(what: &str, v: f64) -> Result<f64> {
    if is_share(v) {
        Ok(v)
    } else {
        Err(Error::InvalidResult(format!(
            "the {what} came out as {v}, not a share of the unit; it is not printed"
        )))
    }
}

fn check_coalition(problem: &Problem, j: usize) -> Result<()> {
    let m = problem.coalitions().len();
    if j >= m {
        return Err(Error::usage(
            "coalition",
            format!("coalition {j} does not exist (0..{m})"),
        ));
    }
    Ok(())
}

impl Evaluator {
    /// The security value of coalition `coalition`: the most it can secure
    /// whatever the state and the other players do (who may coordinate),
    /// with an optimal policy, the reply that holds it there, and an
    /// independent check (the policy evaluated against every pure reply).
    ///
    /// ```
    /// use unitsum_gpu::{Backend, Coalition, Evaluator, Game, Policy, Problem};
    /// // Two players, two actions, plurality: a lone player can secure 1/2
    /// // (matched: 1/2 each; unmatched: 1/2 each too).
    /// let problem = Problem::new(2, 2, Game::Plurality, vec![
    ///     Coalition::new(vec![0], Policy::Uniform),
    ///     Coalition::new(vec![1], Policy::Uniform),
    /// ])?;
    /// let v = Evaluator::new().security_value(&problem, 0, Backend::Cpu)?;
    /// assert!((v.value - 0.5).abs() < 1e-12);
    /// assert!(v.check_error().unwrap() < 1e-12);
    /// # Ok::<(), unitsum_gpu::Error>(())
    /// ```
    pub fn security_value(
        &mut self,
        problem: &Problem,
        coalition: usize,
        backend: Backend,
    ) -> Result<SecurityValue> {
        check_coalition(problem, coalition)?;
        let mut v = security_value(self, problem, coalition, backend)?;
        let check = check_policy(self, problem, coalition, &v.policy)?;
        v.check = Some(check);
        let difference = (check - v.value).abs();
        if difference.is_nan() || difference > CHECK_TOLERANCE {
            return Err(Error::InvalidResult(format!(
                "the security value {} is not what its policy gets against every pure reply \
                 ({check}, beyond the check's tolerance {CHECK_TOLERANCE:.0e}); it is not printed",
                v.value
            )));
        }
        Ok(v)
    }

    /// Coalition `coalition`'s best response to the others' policies when
    /// only the state is unknown: `max_π min_x r_j(x, π, π_{-j})`.
    pub fn best_response(
        &mut self,
        problem: &Problem,
        coalition: usize,
        backend: Backend,
    ) -> Result<BestResponse> {
        check_coalition(problem, coalition)?;
        best_response(self, problem, coalition, backend)
    }

    /// The power curve of `game`: v(s) for s = 1..n−1, the first s players
    /// against the other n − s, beside the theorems' bounds. Progress goes
    /// to [`Evaluator::set_progress`] (points done, in all).
    ///
    /// ```
    /// use unitsum_gpu::{Backend, Evaluator, Game};
    /// let curve = Evaluator::new().power_curve(Game::Plurality, 5, 3, Backend::Cpu)?;
    /// assert_eq!(curve.len(), 4);
    /// // Theorem 1: a strict majority (s = 3, 4 of 5) secures at least 1 − 1/k.
    /// for p in curve.iter().filter(|p| p.size >= 3) {
    ///     assert!(p.value >= p.theorem1.unwrap() - 1e-9);
    /// }
    /// # Ok::<(), unitsum_gpu::Error>(())
    /// ```
    pub fn power_curve(
        &mut self,
        game: Game,
        players: usize,
        actions: usize,
        backend: Backend,
    ) -> Result<Vec<CurvePoint>> {
        if players < 2 {
            return Err(Error::usage("players", "a curve needs at least 2 players"));
        }
        crate::sweep::check_players(&[players], "players").map_err(Error::into_usage)?;
        curve(self, game, players, actions, backend)
    }
}
