//! The dense guarantee LP: a coalition's payoff matrix over all its strategies
//! and the others' replies (count vectors in symmetric games, joint actions
//! otherwise), solved by microlp.

use super::lp::maximin;
use super::{checked_value, is_share, Basis, BestResponse, SecurityValue, Solver};
use crate::counts::direct::{
    count_vectors_with_totals, CountDistribution, CountSpace, CountsPlan, Key,
};
use crate::error::{Error, Remedy, Result};
use crate::evaluator::{Backend, Evaluator, Method, Options, Side};
use crate::model::count_blocks::CountBlocks;
use crate::model::policy::Policy;
use crate::model::problem::{Coalition, Problem};
use crate::plan::{FlatPlan, Part, Plan};

/// Payoff matrices larger than this (states × strategies × replies) are refused.
pub const MAX_PAYOFF_ENTRIES: u64 = 20_000_000;

/// An LP solution whose optimum is bracketed more tightly than this counts
/// as exact (the double oracle's gap).
const EXACT_SLACK: f64 = 1e-9;

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

    /// `min_{x, r}` of strategy a's payoffs: what the others hold it to
    /// when they see it before replying.
    fn worst_against(&self, a: usize) -> f64 {
        (0..self.states)
            .flat_map(|x| (0..self.replies.len()).map(move |r| (x, r)))
            .map(|(x, r)| self.value(x, a, r))
            .fold(f64::INFINITY, f64::min)
    }
}

/// How `players`' actions are counted: per role block in a role-dependent
/// game (the blocks of [`CountSpace::of_problem`]), else in one block.
pub(super) fn counted_blocks(problem: &Problem, players: &[usize]) -> CountBlocks {
    let (_, blocks) = problem.count_blocks();
    CountBlocks::new(
        players,
        problem.roles(),
        problem.actions(),
        blocks * problem.actions(),
    )
    .expect("the game's role blocks")
}

/// Players in each block.
fn totals(blocks: &CountBlocks) -> Vec<u32> {
    blocks.sizes().iter().map(|&s| s as u32).collect()
}

/// The joint action that stands for count vector `v` (of `blocks`' players).
fn representative(blocks: &CountBlocks, v: &[u32]) -> Vec<usize> {
    blocks.representative(&v.iter().map(|&c| c as usize).collect::<Vec<_>>())
}

/// The key of `joint`'s count vector (one action per player counted by `blocks`).
fn key_of(space: &CountSpace, blocks: &CountBlocks, joint: &[usize]) -> Key {
    let counts: Vec<u32> = blocks.counts_of(joint).iter().map(|&c| c as u32).collect();
    space.key(&counts)
}

pub(super) fn others_of(problem: &Problem, j: usize) -> Vec<usize> {
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
    let members = problem.coalitions()[j].members.clone();
    let others = others_of(problem, j);
    if problem.game().has_counts() {
        // Only counts matter (per role block in a role-dependent game).
        count_payoff_matrix(evaluator, problem, backend, &members, &others)
    } else {
        joint_payoff_matrix(evaluator, problem, j, backend, &members, &others)
    }
}

/// The payoff matrix over count vectors (per role block in a role game):
/// each count vector of the members against each of the others'.
fn count_payoff_matrix(
    evaluator: &mut Evaluator,
    problem: &Problem,
    backend: Backend,
    members: &[usize],
    others: &[usize],
) -> Result<PayoffMatrix> {
    let k = problem.actions();
    let states = problem.states();
    let space = CountSpace::of_problem(problem)?;
    let (members_blocks, others_blocks) = (
        counted_blocks(problem, members),
        counted_blocks(problem, others),
    );
    let (member_totals, other_totals) = (totals(&members_blocks), totals(&others_blocks));
    let vectors = |totals: &[u32]| {
        totals.iter().fold(1u64, |n, &t| {
            n.saturating_mul(crate::counts::vectors::count_vectors(
                u64::from(t),
                k as u64,
            ))
        })
    };
    // Counted before they are listed.
    let entries = (states as u64)
        .saturating_mul(vectors(&member_totals))
        .saturating_mul(vectors(&other_totals));
    check_entries(entries)?;
    let list = |totals: &[u32]| -> Vec<Vec<u32>> {
        count_vectors_with_totals(totals, k)
            .chunks(space.actions)
            .map(<[u32]>::to_vec)
            .collect()
    };
    let (ns, ms) = (list(&member_totals), list(&other_totals));
    let uniform = |vectors: &[Vec<u32>], totals: &[u32]| CountDistribution {
        totals: totals.to_vec(),
        entries: vectors.iter().map(|v| (space.key(v), 1.0)).collect(),
    };
    let counts = CountsPlan {
        coalitions: vec![uniform(&ns, &member_totals)],
        others: vec![uniform(&ms, &other_totals)],
        space,
    };
    let flat = FlatPlan::new(problem, &Plan::new(problem))?;
    let mut notes = Vec::new();
    let (values, max_gpu_cpu) = compare(
        evaluator,
        backend,
        problem,
        &mut notes,
        |evaluator, side| evaluator.kernels(side)?.payoff_counts(&flat, &counts),
    )?;
    // Each count vector stands for one joint action: the coalition's
    // members in their listed order, the others in player order.
    Ok(PayoffMatrix {
        strategies: ns
            .iter()
            .map(|v| representative(&members_blocks, v))
            .collect(),
        replies: ms
            .iter()
            .map(|v| representative(&others_blocks, v))
            .collect(),
        states,
        values,
        basis: if members_blocks.per_role() {
            Basis::RoleCountVectors
        } else {
            Basis::CountVectors
        },
        max_gpu_cpu,
        notes,
    })
}

/// The payoff matrix of any game: every joint action of the coalition
/// against every joint action of the others, as a plan of two parts.
fn joint_payoff_matrix(
    evaluator: &mut Evaluator,
    problem: &Problem,
    j: usize,
    backend: Backend,
    members: &[usize],
    others: &[usize],
) -> Result<PayoffMatrix> {
    let (n, k, states) = (problem.players(), problem.actions(), problem.states());
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
        parts: vec![part(members, &strategies), part(others, &replies)],
        profiles: Some(entries / states as u64),
    };
    let flat = FlatPlan::new(problem, &plan)?;
    let mut notes = Vec::new();
    let (values, max_gpu_cpu) = compare(
        evaluator,
        backend,
        problem,
        &mut notes,
        |evaluator, side| evaluator.kernels(side)?.payoff_profiles(&flat, j),
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
                .check_range(crate::model::game::GPU_RANGE, "the GPU's f32 arithmetic")?;
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

fn joint_policy(matrix: &PayoffMatrix, weights: &[f64]) -> Policy {
    Policy::Joint {
        support: super::lp::support(weights)
            .into_iter()
            .map(|(a, w)| (matrix.strategies[a].clone(), w))
            .collect(),
    }
}

/// Solve coalition j's security value by one LP over its whole payoff
/// matrix (without the check); with `spy`, also the spy value.
pub(crate) fn security_value(
    evaluator: &mut Evaluator,
    problem: &Problem,
    j: usize,
    backend: Backend,
    spy: bool,
) -> Result<SecurityValue> {
    let matrix = payoff_matrix(evaluator, problem, j, backend)?;
    let (strategies, replies) = (matrix.strategies.len(), matrix.replies.len());
    let solution = maximin(strategies, matrix.states * replies, |c, a| {
        matrix.value(c / replies, a, c % replies)
    })?;
    let value = checked_value("security value", solution.value)?;
    let weights = solution.weights;
    // Beyond rounding, the floor the solve took (extreme entries) leaves the
    // optimum bracketed rather than exact.
    let upper = (solution.slack > EXACT_SLACK).then(|| (value + solution.slack).min(1.0));
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
    let spy_value = if spy {
        let informed = (0..strategies).map(|a| matrix.worst_against(a));
        Some(checked_value("spy value", informed.fold(0.0, f64::max))?)
    } else {
        None
    };
    Ok(SecurityValue {
        value,
        lower: value,
        upper,
        solver: Solver::Dense,
        iterations: None,
        stopped: None,
        policy: joint_policy(&matrix, &weights),
        reply_mix: Vec::new(),
        strategies,
        replies,
        basis: matrix.basis,
        max_gpu_cpu: matrix.max_gpu_cpu,
        worst_reply: matrix.replies[worst % replies].clone(),
        worst_state: worst / replies,
        check: None,
        spy_value,
        notes: matrix.notes,
    })
}

/// Every pure reply of the others: count-vector representatives (per role
/// in a role-dependent game) where only counts matter, else every joint
/// action (in player order).
fn every_reply(problem: &Problem, j: usize) -> Vec<Vec<usize>> {
    let others = others_of(problem, j);
    let m = others.len();
    if problem.game().has_counts() {
        let blocks = counted_blocks(problem, &others);
        let width = blocks.sizes().len() * problem.actions();
        count_vectors_with_totals(&totals(&blocks), problem.actions())
            .chunks(width)
            .map(|v| representative(&blocks, v))
            .collect()
    } else {
        let k = problem.actions() as u64;
        (0..k.pow(m as u32))
            .map(|index| {
                (0..m)
                    .map(|i| ((index / k.pow(i as u32)) % k) as usize)
                    .collect()
            })
            .collect()
    }
}

/// `r_j(x)` for every state when coalition j plays `policy` and the others
/// the pure `reply` (one action per non-member, in player order), evaluated
/// exactly on the CPU.
pub(crate) fn value_against(
    evaluator: &mut Evaluator,
    problem: &Problem,
    j: usize,
    policy: &Policy,
    reply: &[usize],
) -> Result<Vec<f64>> {
    let mut action_of = vec![0; problem.players()];
    for (&i, &a) in others_of(problem, j).iter().zip(reply) {
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
            method: Method::Auto,
            ..Default::default()
        },
    )?;
    if run.method == crate::evaluator::MethodUsed::Sample {
        return Err(Error::InvalidResult(
            "the guarantee's check would need sampling; it is not printed".into(),
        ));
    }
    Ok(run.shares[j].clone())
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
    let mut worst = f64::INFINITY;
    for reply in every_reply(problem, j) {
        let shares = value_against(evaluator, problem, j, policy, &reply)?;
        worst = shares.iter().copied().fold(worst, f64::min);
    }
    Ok(worst)
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
    let probability: Vec<f64> = if matrix.basis != Basis::JointActions {
        let counts = CountsPlan::new(problem, &Plan::new(problem))?;
        let blocks = counted_blocks(problem, &others);
        let lookup: std::collections::HashMap<Key, f64> =
            counts.others[j].entries.iter().copied().collect();
        matrix
            .replies
            .iter()
            .map(|reply| {
                let index = key_of(&counts.space, &blocks, reply);
                lookup.get(&index).copied().unwrap_or(0.0)
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
                            problem.roles(),
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
    let solution = maximin(matrix.strategies.len(), matrix.states, expected)?;
    let value = checked_value("best response's value", solution.value)?;
    let weights = solution.weights;
    let group: Vec<usize> = (0..problem.coalitions().len())
        .filter(|&o| o != j)
        .collect();
    let copy = Policy::copy(group, 0);
    let (copy_value, informed_copy_value) = match problem.with_policy(j, copy) {
        Ok(p) => {
            let given = evaluator
                .evaluate(
                    &p,
                    &Options {
                        backend: Backend::Cpu,
                        ..Default::default()
                    },
                )?
                .min_over_states(j);
            // Against an informed reply: each of the copy's draws meets the
            // others' worst reply to it.
            let draws = strategy_probabilities(&p, j, &matrix)?;
            let informed: f64 = draws
                .iter()
                .enumerate()
                .filter(|&(_, &q)| q > 0.0)
                .map(|(a, &q)| q * matrix.worst_against(a))
                .sum();
            (
                Some(given),
                Some(checked_value("copy's informed value", informed)?),
            )
        }
        Err(_) => (None, None),
    };
    Ok(BestResponse {
        value,
        route: "dense".into(),
        policy: joint_policy(&matrix, &weights),
        copy_value,
        informed_copy_value,
        notes: matrix.notes,
    })
}

/// The probability of each of `matrix`'s strategies (count vectors or joint
/// actions of coalition j) under coalition j's policy in `problem`.
fn strategy_probabilities(problem: &Problem, j: usize, matrix: &PayoffMatrix) -> Result<Vec<f64>> {
    let coalition = &problem.coalitions()[j];
    if matrix.basis != Basis::JointActions {
        let counts = CountsPlan::new(problem, &Plan::new(problem))?;
        let blocks = counted_blocks(problem, &coalition.members);
        let lookup: std::collections::HashMap<Key, f64> =
            counts.coalitions[j].entries.iter().copied().collect();
        return Ok(matrix
            .strategies
            .iter()
            .map(|joint| {
                let index = key_of(&counts.space, &blocks, joint);
                lookup.get(&index).copied().unwrap_or(0.0)
            })
            .collect());
    }
    Ok(matrix
        .strategies
        .iter()
        .map(|joint| {
            coalition.policy.probability(
                &coalition.members,
                joint,
                problem.actions(),
                problem.coalitions(),
                problem.roles(),
            )
        })
        .collect())
}
