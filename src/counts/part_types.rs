//! The counts method's view of a plan: each coalition's random parts as
//! count distributions, identical parts of one coalition merged into one
//! *type* taken `copies` times (its `uniform` players, equal marginals), and
//! each coalition's fixed players as one more part with one outcome.

use crate::model::problem::Problem;
use crate::plan::Plan;

/// Unit roundoff of f64.
const U: f64 = f64::EPSILON / 2.0;

/// One outcome of a part: its count vector over the k actions and probability.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Outcome {
    pub counts: Vec<u32>,
    pub probability: f64,
}

/// An outcome as the frequency pass reads it.
#[derive(Clone, Debug)]
pub(crate) struct Term {
    /// Count on the last axis (its phase step along a row).
    pub step: usize,
    pub probability: f64,
    /// `(b, p_o · o_b)` for the actions b the outcome counts.
    pub weights: Vec<(usize, f64)>,
}

/// A part of one coalition taken `copies` times, independently.
#[derive(Clone, Debug)]
pub(crate) struct PartType {
    pub coalition: usize,
    pub copies: u32,
    pub outcomes: Vec<Outcome>,
    pub terms: Vec<Term>,
    /// `Σ_o p_o o_b` for each action b: the part's expected count of b.
    pub mass: Vec<f64>,
    /// Bound on the rounding error of the part's spectrum at one frequency
    /// (twiddles, their products and the sum over outcomes), relative to
    /// the total probability 1 (and to `mass[b]` for `Â_b`).
    pub error: f64,
}

impl PartType {
    pub fn new(coalition: usize, outcomes: Vec<Outcome>, k: usize) -> PartType {
        let mut mass = vec![0.0; k];
        for o in &outcomes {
            for (m, &c) in mass.iter_mut().zip(&o.counts) {
                *m += o.probability * f64::from(c);
            }
        }
        // Each twiddle within 8u (a table entry from sin_cos), k−1 of them
        // multiplied (3u each), then a sum over the outcomes.
        let axes = (k - 1) as f64;
        let error = U * (8.0 * axes + 3.0 * axes + 2.0 * outcomes.len() as f64 + 4.0);
        let terms = outcomes
            .iter()
            .map(|o| Term {
                step: o.counts[k - 2] as usize,
                probability: o.probability,
                weights: (0..k)
                    .filter(|&b| o.counts[b] > 0)
                    .map(|b| (b, o.probability * f64::from(o.counts[b])))
                    .collect(),
            })
            .collect();
        PartType {
            coalition,
            copies: 1,
            outcomes,
            terms,
            mass,
            error,
        }
    }
}

/// The part types of `problem`, in the order of the plan's parts, then each
/// coalition's fixed players (every player in one block: the symmetric view).
pub(crate) fn part_types(problem: &Problem, plan: &Plan) -> Vec<PartType> {
    let one_block = vec![0; problem.players()];
    typed_parts(problem, plan, &one_block, 1)
        .expect("one block holds every part")
        .pop()
        .expect("one block")
}

/// The part types of a role-dependent game, per role block (the problem's
/// count blocks, roles present in ascending order): each part's outcomes counted over the k
/// actions of its players' block. `Err` names the first part whose players
/// span several blocks (a `joint`, `common` or `counts` policy over members
/// of several roles couples the blocks' counts).
pub(crate) fn part_types_by_role(
    problem: &Problem,
    plan: &Plan,
) -> Result<Vec<Vec<PartType>>, String> {
    let (block_of, blocks) = problem.count_blocks();
    typed_parts(problem, plan, &block_of, blocks)
}

/// [`part_types`] per block `block_of[i]` of `blocks`; `Err` for a part
/// spanning blocks.
fn typed_parts(
    problem: &Problem,
    plan: &Plan,
    block_of: &[usize],
    blocks: usize,
) -> Result<Vec<Vec<PartType>>, String> {
    let k = problem.actions();
    let m = problem.coalitions().len();
    let coalition_of = problem.coalition_of();
    let mut in_part = vec![false; problem.players()];
    let mut types: Vec<Vec<PartType>> = vec![Vec::new(); blocks];
    let mut seen = std::collections::HashMap::new();
    for part in &plan.parts {
        let block = block_of[part.players[0]];
        if let Some(&other) = part.players.iter().find(|&&i| block_of[i] != block) {
            return Err(format!(
                "players {} and {other} of coalition {} are drawn together but have different \
                 roles, which couples the roles' counts",
                part.players[0], coalition_of[other]
            ));
        }
        let mut outcomes: Vec<Outcome> = Vec::new();
        for (actions, p) in &part.outcomes {
            let mut counts = vec![0u32; k];
            for &a in actions {
                counts[a] += 1;
            }
            // Outcomes with the same counts (permutations in a joint policy) merge.
            match outcomes.iter_mut().find(|o| o.counts == counts) {
                Some(o) => o.probability += p,
                None => outcomes.push(Outcome {
                    counts,
                    probability: *p,
                }),
            }
        }
        for &i in &part.players {
            in_part[i] = true;
        }
        let j = coalition_of[part.players[0]];
        let key: (usize, usize, Vec<(Vec<u32>, u64)>) = (
            j,
            block,
            outcomes
                .iter()
                .map(|o| (o.counts.clone(), o.probability.to_bits()))
                .collect(),
        );
        let block_types = &mut types[block];
        match seen.get(&key) {
            Some(&t) => {
                let t: usize = t;
                block_types[t].copies += 1;
            }
            None => {
                seen.insert(key, block_types.len());
                block_types.push(PartType::new(j, outcomes, k));
            }
        }
    }
    // Each coalition's fixed players (in each block) are one more part with
    // one outcome.
    let mut base = vec![vec![0u32; k]; m * blocks];
    for i in (0..problem.players()).filter(|&i| !in_part[i]) {
        base[block_of[i] * m + coalition_of[i]][plan.base[i]] += 1;
    }
    for (at, counts) in base.into_iter().enumerate() {
        if counts.iter().any(|&c| c > 0) {
            types[at / m].push(PartType::new(
                at % m,
                vec![Outcome {
                    counts,
                    probability: 1.0,
                }],
                k,
            ));
        }
    }
    Ok(types)
}
