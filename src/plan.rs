//! The enumeration plan: every policy reduced to independent *parts*, each a
//! discrete distribution over the actions of a fixed list of players, and
//! flattened into the arrays that the enumeration kernel (WGSL) and its Rust
//! mirror both read.
//!
//! The exact expectation is the sum over the product of the parts' outcomes
//! (never over all k^n profiles when supports are smaller), each profile
//! weighted by the product of its outcomes' probabilities.

use bytemuck::{Pod, Zeroable};

use crate::counts::vectors::binomial;
use crate::error::{Error, Remedy, Result};
use crate::model::count_blocks::{hypergeometric_split, CountBlocks};
use crate::model::game::Game;
use crate::model::policy::Policy;
use crate::model::problem::Problem;

/// One independent random part of the coalitions' policies.
#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    /// The players whose actions this part sets.
    pub players: Vec<usize>,
    /// Outcomes: one action per player in `players`, and its probability (> 0).
    pub outcomes: Vec<(Vec<usize>, f64)>,
}

/// A problem reduced to independent parts.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Action of every player that no random part sets.
    pub base: Vec<usize>,
    /// The random parts (each with at least two outcomes).
    pub parts: Vec<Part>,
    /// Profiles in the product of the parts' supports; `None` beyond
    /// `MAX_EXACT_PROFILES`.
    pub profiles: Option<u64>,
}

/// Largest profile count the exact evaluator accepts; beyond it, sample.
pub const MAX_EXACT_PROFILES: u64 = 1 << 63;

impl Plan {
    /// Expand every coalition's policy into parts.
    pub fn new(problem: &Problem) -> Plan {
        let mut base = vec![0; problem.players()];
        let mut parts = Vec::new();
        for c in problem.coalitions() {
            expand(
                problem, &c.policy, &c.members, &c.members, &mut base, &mut parts,
            );
        }
        // A part with one outcome is deterministic: it belongs to the base.
        parts.retain(|part| {
            if part.outcomes.len() == 1 {
                for (&i, &a) in part.players.iter().zip(&part.outcomes[0].0) {
                    base[i] = a;
                }
                false
            } else {
                true
            }
        });
        let profiles = parts
            .iter()
            .try_fold(1u64, |acc, p| acc.checked_mul(p.outcomes.len() as u64))
            .filter(|&p| p <= MAX_EXACT_PROFILES);
        Plan {
            base,
            parts,
            profiles,
        }
    }

    /// `log10` of the number of profiles to enumerate (finite even beyond u64).
    pub fn log10_profiles(&self) -> f64 {
        self.parts
            .iter()
            .map(|p| (p.outcomes.len() as f64).log10())
            .sum()
    }
}

/// Expand `policy`, written for the players `own`, onto the players `target`
/// (the same players, or a copier's run that plays what `own` would).
fn expand(
    problem: &Problem,
    policy: &Policy,
    own: &[usize],
    target: &[usize],
    base: &mut [usize],
    parts: &mut Vec<Part>,
) {
    let k = problem.actions();
    match policy {
        Policy::Pure { actions } => {
            for (&i, &a) in target.iter().zip(actions) {
                base[i] = a;
            }
        }
        Policy::Uniform => {
            let uniform = vec![1.0 / k as f64; k];
            parts.extend(target.iter().map(|&i| single(i, &uniform)));
        }
        Policy::Independent { marginals } => {
            parts.extend(target.iter().zip(marginals).map(|(&i, m)| single(i, m)));
        }
        Policy::Common { dist } => {
            let uniform = vec![1.0 / k as f64; k];
            let dist = dist.as_deref().unwrap_or(&uniform);
            parts.push(Part {
                players: target.to_vec(),
                outcomes: dist
                    .iter()
                    .enumerate()
                    .filter(|(_, &p)| p > 0.0)
                    .map(|(a, &p)| (vec![a; target.len()], p))
                    .collect(),
            });
        }
        Policy::Joint { support } => parts.push(Part {
            players: target.to_vec(),
            outcomes: support.iter().filter(|(_, p)| *p > 0.0).cloned().collect(),
        }),
        Policy::Counts { support } => parts.push(Part {
            players: target.to_vec(),
            outcomes: count_outcomes(problem, support, own),
        }),
        Policy::Copy {
            of,
            rest_action,
            by,
            translate,
        } => expand_copy(
            problem,
            of,
            *rest_action,
            *by,
            translate.as_deref(),
            target,
            base,
            parts,
        ),
        Policy::Blocks { blocks } => {
            for block in blocks {
                let sub: Vec<usize> = block
                    .members
                    .iter()
                    .map(|m| {
                        target[own
                            .iter()
                            .position(|o| o == m)
                            .expect("validated partition")]
                    })
                    .collect();
                expand(problem, &block.policy, &block.members, &sub, base, parts);
            }
        }
    }
}

/// A `copy` policy: each run of the copiers `target` plays what the copied
/// coalitions would (their policies expanded onto the run, translated where
/// asked); copiers in no run play `rest_action`.
#[allow(clippy::too_many_arguments)]
fn expand_copy(
    problem: &Problem,
    of: &[usize],
    rest_action: usize,
    by: crate::model::policy::CopyMatch,
    translate: Option<&[Vec<usize>]>,
    target: &[usize],
    base: &mut [usize],
    parts: &mut Vec<Part>,
) {
    let coalitions = problem.coalitions();
    let copy = crate::model::policy::CopyRuns::new(target, of, coalitions, by, problem.roles());
    for run in &copy.runs {
        for (&j, targets) in of.iter().zip(run) {
            let copied = &coalitions[j];
            let first_part = parts.len();
            expand(
                problem,
                &copied.policy,
                &copied.members,
                targets,
                base,
                parts,
            );
            if let Some(sigma) = translate {
                translate_copy(
                    problem.roles(),
                    sigma,
                    &copied.members,
                    targets,
                    base,
                    &mut parts[first_part..],
                );
            }
        }
    }
    for &i in &copy.rest {
        base[i] = rest_action;
    }
}

/// One player's own part: a distribution over the actions, its zero
/// probabilities left out.
fn single(player: usize, dist: &[f64]) -> Part {
    Part {
        players: vec![player],
        outcomes: dist
            .iter()
            .enumerate()
            .filter(|(_, &p)| p > 0.0)
            .map(|(a, &p)| (vec![a], p))
            .collect(),
    }
}

/// A `counts` policy's outcomes, arranged over the policy's own members (in
/// their roles) and played by the targets in order: one representative
/// arrangement per count vector where shares depend on counts only, else
/// every arrangement with an equal part of the vector's probability.
fn count_outcomes(
    problem: &Problem,
    support: &[(Vec<usize>, f64)],
    own: &[usize],
) -> Vec<(Vec<usize>, f64)> {
    let k = problem.actions();
    let len = support.first().map_or(k, |(c, _)| c.len());
    let blocks = CountBlocks::new(own, problem.roles(), k, len).expect("validated counts");
    if let Some(per_role) = problem.counts_split_by_role(own, &blocks) {
        // Each vector's split over the roles, one arrangement per table.
        let sizes = per_role.sizes();
        return support
            .iter()
            .filter(|(_, p)| *p > 0.0)
            .flat_map(|(counts, p)| {
                hypergeometric_split(counts, &sizes, crate::MAX_COUNTS_ARRANGEMENTS as usize)
                    .expect("validated: the tables fit")
                    .into_iter()
                    .map(|(x, q)| (per_role.representative(&x), p * q))
                    .collect::<Vec<_>>()
            })
            .collect();
    }
    if problem.counts_by_representative(blocks.per_role()) {
        // Shares depend on counts only: one arrangement stands for all.
        support
            .iter()
            .filter(|(_, p)| *p > 0.0)
            .map(|(counts, p)| (blocks.representative(counts), *p))
            .collect()
    } else {
        support
            .iter()
            .filter(|(_, p)| *p > 0.0)
            .flat_map(|(counts, p)| {
                let each = p / blocks.arrangements(counts);
                blocks
                    .every_arrangement(counts)
                    .into_iter()
                    .map(move |a| (a, each))
            })
            .collect()
    }
}

/// A translated copy: copier t plays σ_{r_t}(σ_{r_s}⁻¹(a)) where its copied
/// player s plays a, in the base and in the parts the copy just expanded.
fn translate_copy(
    roles: &[usize],
    sigma: &[Vec<usize>],
    copied: &[usize],
    targets: &[usize],
    base: &mut [usize],
    parts: &mut [Part],
) {
    let source: std::collections::HashMap<usize, usize> =
        targets.iter().zip(copied).map(|(&t, &s)| (t, s)).collect();
    let map = |t: usize, a: usize| {
        crate::model::policy::translated(Some(sigma), roles[source[&t]], roles[t], a)
    };
    for &t in targets {
        base[t] = map(t, base[t]);
    }
    for part in parts {
        for (actions, _) in &mut part.outcomes {
            for (a, &t) in actions.iter_mut().zip(&part.players) {
                *a = map(t, *a);
            }
        }
    }
}

/// Family ids (the WGSL side gets them from [`crate::model::limits::wgsl_constants`]).
pub(crate) mod family_id {
    /// `plurality`
    pub const PLURALITY: u32 = 0;
    /// `proportional`
    pub const PROPORTIONAL: u32 = 1;
    /// `congestion`
    pub const CONGESTION: u32 = 2;
    /// `anonymous`
    pub const ANONYMOUS: u32 = 3;
    /// `table`
    pub const TABLE: u32 = 4;
    /// `congestion` with role-indexed values (`proportional` with
    /// role-indexed weights is `PROPORTIONAL` over (role, action) cells).
    pub const ROLE_CONGESTION: u32 = 5;
}

use crate::model::limits::PART_INFO_STRIDE;

/// One part's entry of the `part_info` table, decoded by name: the WGSL side
/// reads field `PART_<NAME>` through `part_word`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartInfo {
    /// Outcomes (the part's radix), field 0.
    pub outcomes: u32,
    /// Word offset of the part's players, field 1.
    pub first_player: u32,
    /// Players the part sets, field 2.
    pub players: u32,
    /// Word offset of outcome 0's actions (`players` per outcome), field 3.
    pub first_action: u32,
    /// Real offset of outcome 0's probability, field 4.
    pub first_probability: u32,
    /// Word offset of the sampling thresholds (`outcomes − 1`), field 5.
    pub first_threshold: u32,
}

/// Sizes and offsets into the flat arrays. Must be kept in sync with `Config`
/// in `shaders/families.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct Config {
    /// n
    pub players: u32,
    /// The action cells the counts index: k, or in a role-dependent game
    /// one per (role block, action), `block * k + a` (R·k in all).
    pub actions: u32,
    /// S
    pub states: u32,
    /// m
    pub coalitions: u32,
    /// Random parts (each ≥ 2 outcomes).
    pub parts: u32,
    /// One of [`family_id`].
    pub family: u32,
    /// Accumulator slots: coalitions × states, slot `j * states + x`.
    pub slots: u32,
    /// Rows per state of the `anonymous` weights (count vectors of n-1 over k).
    pub anon_rows: u32,
    /// Offset (u32 words) of the part table.
    pub part_info: u32,
    /// Offset of the k action counts of the base profile.
    pub base_counts: u32,
    /// Offset of the m×k per-coalition counts of the base profile.
    pub base_coalition_counts: u32,
    /// Offset of each player's coalition.
    pub player_coalition: u32,
    /// Offset of each player's table stride k^i (0 when not a table game).
    pub player_stride: u32,
    /// Offset of the binomial table `C(a, b)` at `a * k + b`.
    pub binom: u32,
    /// Profiles per state in a table game (k^n), else 0.
    pub table_profiles: u32,
    /// Table index of the base profile.
    pub base_table_index: u32,
    /// Offset (real words) of the family's parameters.
    pub family_params: u32,
    /// Role blocks R of the action cells (1 without role-indexed parameters).
    pub roles: u32,
    /// Unused, keeps the struct a multiple of 16 bytes.
    pub pad: [u32; 2],
}

/// A plan flattened into one u32 array and one real array (f64 here; the GPU
/// gets an f32 copy), read by the kernel and its Rust mirror alike.
#[derive(Clone, Debug)]
pub struct FlatPlan {
    /// Sizes and offsets.
    pub config: Config,
    /// Integer data.
    pub words: Vec<u32>,
    /// Real data (probabilities, family parameters).
    pub reals: Vec<f64>,
    /// Profiles to enumerate (`None`: too many, see [`Plan::profiles`]).
    pub profiles: Option<u64>,
    /// `log10` of the profile count.
    pub log10_profiles: f64,
    /// Outcome count of every part, for decoding profile indices.
    pub radices: Vec<u32>,
}

impl FlatPlan {
    /// Flatten a problem's plan and game tables.
    pub fn new(problem: &Problem, plan: &Plan) -> Result<FlatPlan> {
        let n = problem.players();
        let states = problem.states();
        let m = problem.coalitions().len();
        // Role-dependent games count (role block, action) cells: shares are
        // functions of those counts, as they are of action counts otherwise.
        let (block_of, blocks) = problem.count_blocks();
        let actions = problem.actions();
        let k = blocks * actions;
        let cell = |i: usize, a: usize| -> u32 { (block_of[i] * actions + a) as u32 };
        let mut coalition_of = vec![0u32; n];
        for (j, c) in problem.coalitions().iter().enumerate() {
            for &i in &c.members {
                coalition_of[i] = j as u32;
            }
        }
        let mut words: Vec<u32> = Vec::new();
        let mut reals: Vec<f64> = Vec::new();

        let mut config = Config {
            players: n as u32,
            actions: k as u32,
            states: states as u32,
            coalitions: m as u32,
            parts: plan.parts.len() as u32,
            slots: (m * states) as u32,
            roles: blocks as u32,
            ..Config::default()
        };
        config.part_info = push_parts(plan, &cell, &mut words, &mut reals)?;
        push_base(problem, plan, &cell, &coalition_of, &mut config, &mut words)?;
        config.binom = push_binomials(n, k, &mut words)?;
        config.family_params = offset(reals.len())?;
        push_family(problem.game(), &coalition_of, m, &mut config, &mut reals);
        offset(words.len())?;
        offset(reals.len())?;
        Ok(FlatPlan {
            config,
            words,
            reals,
            profiles: plan.profiles,
            log10_profiles: plan.log10_profiles(),
            radices: plan.parts.iter().map(|p| p.outcomes.len() as u32).collect(),
        })
    }

    /// The profile count for exact enumeration, or the error that says to sample.
    pub fn exact_profiles(&self) -> Result<u64> {
        self.profiles.ok_or_else(|| {
            Error::too_large(
                format!(
                    "exact enumeration needs about 10^{:.1} profiles, beyond 2^63",
                    self.log10_profiles
                ),
                Remedy::Sampling,
            )
        })
    }

    /// Part `p`'s entry of the part table.
    pub fn part(&self, p: usize) -> PartInfo {
        let at = self.config.part_info as usize + PART_INFO_STRIDE * p;
        let w = &self.words[at..at + 6];
        PartInfo {
            outcomes: w[0],
            first_player: w[1],
            players: w[2],
            first_action: w[3],
            first_probability: w[4],
            first_threshold: w[5],
        }
    }

    /// Mixed-radix digits (one per part, part 0 least significant) of a
    /// profile number.
    pub fn digits(&self, mut index: u64) -> Vec<u32> {
        self.radices
            .iter()
            .map(|&r| {
                let d = (index % u64::from(r)) as u32;
                index /= u64::from(r);
                d
            })
            .collect()
    }
}

/// `len` as a 32-bit offset into the flat arrays: the kernel indexes them
/// with u32, so a plan beyond that is too large for exact enumeration.
fn offset(len: usize) -> Result<u32> {
    u32::try_from(len).map_err(|_| {
        Error::too_large(
            "the plan does not fit the kernel's 32-bit indices".to_string(),
            Remedy::Sampling,
        )
    })
}

/// The parts: their info table first, then each part's players, the cells
/// its outcomes set (`cell(player, action)`), its probabilities and its
/// sampling thresholds. Returns the table's offset.
fn push_parts(
    plan: &Plan,
    cell: &impl Fn(usize, usize) -> u32,
    words: &mut Vec<u32>,
    reals: &mut Vec<f64>,
) -> Result<u32> {
    let part_info = offset(words.len())?;
    words.resize(words.len() + PART_INFO_STRIDE * plan.parts.len(), 0);
    for (p, part) in plan.parts.iter().enumerate() {
        let first_player = offset(words.len())?;
        words.extend(part.players.iter().map(|&i| i as u32));
        let first_action = offset(words.len())?;
        for (outcome, _) in &part.outcomes {
            words.extend(outcome.iter().zip(&part.players).map(|(&a, &i)| cell(i, a)));
        }
        let first_probability = offset(reals.len())?;
        reals.extend(part.outcomes.iter().map(|(_, p)| *p));
        let first_threshold = offset(words.len())?;
        words.extend(sampling_thresholds(&part.outcomes));
        let info = PartInfo {
            outcomes: part.outcomes.len() as u32,
            first_player,
            players: part.players.len() as u32,
            first_action,
            first_probability,
            first_threshold,
        };
        let at = part_info as usize + PART_INFO_STRIDE * p;
        words[at..at + 6].copy_from_slice(&[
            info.outcomes,
            info.first_player,
            info.players,
            info.first_action,
            info.first_probability,
            info.first_threshold,
        ]);
    }
    Ok(part_info)
}

/// The base profile: its cell counts, overall and per coalition, each
/// player's coalition, the table strides and the base's table index. Players
/// in parts are left out: the walker adds them.
fn push_base(
    problem: &Problem,
    plan: &Plan,
    cell: &impl Fn(usize, usize) -> u32,
    coalition_of: &[u32],
    config: &mut Config,
    words: &mut Vec<u32>,
) -> Result<()> {
    let n = config.players as usize;
    let k = config.actions as usize;
    let m = config.coalitions as usize;
    let in_part: std::collections::HashSet<usize> = plan
        .parts
        .iter()
        .flat_map(|p| p.players.iter().copied())
        .collect();
    let mut base_counts = vec![0u32; k];
    let mut base_coalition_counts = vec![0u32; m * k];
    let table = matches!(problem.game(), Game::Table { .. });
    let strides: Vec<u32> = (0..n)
        .map(|i| if table { (k as u32).pow(i as u32) } else { 0 })
        .collect();
    let mut base_table_index = 0u32;
    for i in (0..n).filter(|i| !in_part.contains(i)) {
        let a = plan.base[i];
        let c = cell(i, a) as usize;
        base_counts[c] += 1;
        base_coalition_counts[coalition_of[i] as usize * k + c] += 1;
        base_table_index += a as u32 * strides[i];
    }
    config.base_counts = offset(words.len())?;
    words.extend(&base_counts);
    config.base_coalition_counts = offset(words.len())?;
    words.extend(&base_coalition_counts);
    config.player_coalition = offset(words.len())?;
    words.extend(coalition_of);
    config.player_stride = offset(words.len())?;
    words.extend(&strides);
    config.base_table_index = base_table_index;
    Ok(())
}

/// The binomial table `C(a, b)` for a ≤ n + k, b < k (the anonymous rank
/// needs a ≤ n + k - 2), saturated at u32. Returns its offset.
fn push_binomials(n: usize, k: usize, words: &mut Vec<u32>) -> Result<u32> {
    let at = offset(words.len())?;
    for a in 0..=(n + k) as u64 {
        for b in 0..k as u64 {
            words.push(binomial(a, b).min(u64::from(u32::MAX)) as u32);
        }
    }
    Ok(at)
}

/// The family's id and parameters; a table game stores per-coalition share
/// totals, the only sums the kernel needs.
fn push_family(
    game: &Game,
    coalition_of: &[u32],
    m: usize,
    config: &mut Config,
    reals: &mut Vec<f64>,
) {
    match game {
        Game::Plurality => config.family = family_id::PLURALITY,
        Game::Proportional { .. } => {
            config.family = family_id::PROPORTIONAL;
            reals.extend(game.normalised_params());
        }
        Game::Congestion { .. } => {
            config.family = family_id::CONGESTION;
            reals.extend(game.normalised_params());
        }
        Game::Anonymous { weights } => {
            config.family = family_id::ANONYMOUS;
            config.anon_rows = weights[0].len() as u32;
            reals.extend(game.normalised_params());
        }
        Game::RoleProportional { .. } => {
            // Proportional over the cells: w[x][block·k + a].
            config.family = family_id::PROPORTIONAL;
            reals.extend(game.normalised_params());
        }
        Game::RoleCongestion { .. } => {
            config.family = family_id::ROLE_CONGESTION;
            reals.extend(game.normalised_params());
        }
        Game::Table { shares } => {
            config.family = family_id::TABLE;
            config.table_profiles = shares[0].len() as u32;
            // Per coalition totals: the kernel needs Σ_{i∈c_j} s_i, not each s_i.
            for state in shares {
                for row in state {
                    let mut totals = vec![0.0; m];
                    for (i, s) in row.iter().enumerate() {
                        totals[coalition_of[i] as usize] += s;
                    }
                    reals.extend(totals);
                }
            }
        }
    }
}

/// Thresholds `T_o = floor(cdf_o · 2^32)` for o < outcomes − 1: a uniform u32
/// word r selects the outcome numbered by how many thresholds are ≤ r, which
/// is exact given r (probabilities rounded to multiples of 2^-32).
pub fn sampling_thresholds(outcomes: &[(Vec<usize>, f64)]) -> Vec<u32> {
    let total: f64 = outcomes.iter().map(|(_, p)| p).sum();
    let mut cumulative = 0.0;
    outcomes[..outcomes.len() - 1]
        .iter()
        .map(|(_, p)| {
            cumulative += p;
            ((cumulative / total) * 4_294_967_296.0)
                .floor()
                .min(u32::MAX as f64) as u32
        })
        .collect()
}
