//! Coalition policies: distributions over the joint actions of a coalition's
//! members (docs/THEORY.md, "Policies").

use crate::model::count_blocks::CountBlocks;

/// A coalition's policy. Actions and distributions refer to the coalition's
/// members in the order they are listed.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Policy {
    /// Member `r` always plays `actions[r]`.
    Pure {
        /// One action per member.
        actions: Vec<usize>,
    },
    /// Every member independently uniform over the k actions.
    Uniform,
    /// Member `r` independently plays from `marginals[r]` (k probabilities).
    Independent {
        /// One distribution over the k actions per member.
        marginals: Vec<Vec<f64>>,
    },
    /// All members play one action drawn from `dist` (uniform when `None`):
    /// Theorem 1's strategy.
    Common {
        /// Distribution over the k actions; uniform when absent.
        dist: Option<Vec<f64>>,
    },
    /// Any correlated distribution: joint action `actions` with probability `p`.
    Joint {
        /// The support: (one action per member, probability).
        support: Vec<(Vec<usize>, f64)>,
    },
    /// A distribution over the coalition's count vectors: `counts` (how
    /// many members play each action, summing to the coalition's size) with
    /// probability `p`, the members assigned to the drawn counts by a
    /// uniformly random arrangement. The guarantee's policy at scale.
    ///
    /// With players in R > 1 roles, a vector may instead hold k counts per
    /// role (the distinct roles in ascending order, block-major: entry
    /// `b·k + a` counts the members of the b-th role playing a), each role's
    /// members arranged on their own: per-role counts, for role-symmetric
    /// games.
    Counts {
        /// The support: (one count per action, probability).
        support: Vec<(Vec<usize>, f64)>,
    },
    /// Theorem 2's strategy: `q = ⌊|members| / |group|⌋` consecutive runs of
    /// members each play an independent draw of the copied group's policy, the
    /// group being the listed coalitions' members concatenated; leftover
    /// members play `rest_action`.
    ///
    /// With [`CopyMatch::Role`], members are matched to copied players of
    /// their own role instead (docs/THEORY.md, "Contexts"); with `translate`,
    /// a member of role r copying a player of role r' who played a plays
    /// `translate[r][translate[r'].position(a)]` (actions read as strategies).
    Copy {
        /// Indices of the copied coalitions.
        of: Vec<usize>,
        /// Action of the members left over after the runs.
        rest_action: usize,
        /// Who copies whom: by position (the default) or by role.
        by: CopyMatch,
        /// Per role, the permutation from canonical actions to the role's
        /// actions (`None`: every role reads actions alike).
        translate: Option<Vec<Vec<usize>>>,
    },
    /// Independent sub-policies on a partition of the coalition.
    Blocks {
        /// The blocks; their members partition the coalition's members.
        blocks: Vec<Block>,
    },
}

/// How a `copy` policy matches its members to the copied players (the
/// spec's `"match"`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum CopyMatch {
    /// Run t's i-th member copies the group's i-th player (`"order"`).
    #[default]
    Order,
    /// Run t's members of role r copy the group's players of role r, in
    /// order (`"role"`): `q = min_r ⌊copiers_r / group_r⌋` runs.
    Role,
}

impl Policy {
    /// Theorem 2's copy of the coalitions `of`, by position and untranslated.
    pub fn copy(of: Vec<usize>, rest_action: usize) -> Policy {
        Policy::Copy {
            of,
            rest_action,
            by: CopyMatch::Order,
            translate: None,
        }
    }
}

/// Who copies whom under a `copy` policy of the players `target`: for each
/// run, for each copied coalition (in `of`'s order), the players that copy
/// its members (aligned with its members); then the members left over.
pub(crate) struct CopyRuns {
    pub runs: Vec<Vec<Vec<usize>>>,
    pub rest: Vec<usize>,
}

impl CopyRuns {
    /// The runs of `target` copying `of` matched `by`, roles from `roles`.
    pub(crate) fn new(
        target: &[usize],
        of: &[usize],
        coalitions: &[crate::Coalition],
        by: CopyMatch,
        roles: &[usize],
    ) -> CopyRuns {
        let group: Vec<usize> = of
            .iter()
            .flat_map(|&j| coalitions[j].members.iter().copied())
            .collect();
        // slot[t][g]: the index into `target` of the player copying group player g in run t.
        let slot: Vec<Vec<usize>> = match by {
            CopyMatch::Order => (0..target.len() / group.len())
                .map(|t| (0..group.len()).map(|g| t * group.len() + g).collect())
                .collect(),
            CopyMatch::Role => {
                let of_role =
                    |r: usize, list: &[usize]| list.iter().filter(|&&i| roles[i] == r).count();
                let group_roles: Vec<usize> = group.iter().map(|&g| roles[g]).collect();
                let runs = crate::model::game::distinct_sorted(&group_roles)
                    .into_iter()
                    .map(|r| of_role(r, target) / of_role(r, &group))
                    .min()
                    .unwrap_or(0);
                // Group player g is the i-th of its role r (g_r in all): run t
                // gives it the (t·g_r + i)-th target member of role r.
                let by_role = |r: usize| -> Vec<usize> {
                    (0..target.len())
                        .filter(|&i| roles[target[i]] == r)
                        .collect()
                };
                let members_of: Vec<Vec<usize>> = group_roles.iter().map(|&r| by_role(r)).collect();
                (0..runs)
                    .map(|t| {
                        (0..group.len())
                            .map(|g| {
                                let r = group_roles[g];
                                let i = group_roles[..g].iter().filter(|&&o| o == r).count();
                                members_of[g][t * of_role(r, &group) + i]
                            })
                            .collect()
                    })
                    .collect()
            }
        };
        let mut used = vec![false; target.len()];
        let runs = slot
            .iter()
            .map(|run| {
                let mut at = 0;
                of.iter()
                    .map(|&j| {
                        let len = coalitions[j].members.len();
                        let targets = run[at..at + len]
                            .iter()
                            .map(|&i| {
                                used[i] = true;
                                target[i]
                            })
                            .collect();
                        at += len;
                        targets
                    })
                    .collect()
            })
            .collect();
        CopyRuns {
            runs,
            rest: (0..target.len())
                .filter(|&i| !used[i])
                .map(|i| target[i])
                .collect(),
        }
    }
}

/// The action that a player of role `to` plays to copy `a` played in role
/// `from`: `σ_to(σ_from⁻¹(a))`, `translate` the permutations `σ_r`.
pub(crate) fn translated(
    translate: Option<&[Vec<usize>]>,
    from: usize,
    to: usize,
    a: usize,
) -> usize {
    match translate {
        None => a,
        Some(sigma) => {
            let canonical = sigma[from]
                .iter()
                .position(|&b| b == a)
                .expect("a permutation");
            sigma[to][canonical]
        }
    }
}

/// One block of a [`Policy::Blocks`] policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// Player indices (a subset of the coalition's members), in the order the
    /// sub-policy refers to them.
    pub members: Vec<usize>,
    /// The block's policy.
    pub policy: Policy,
}

impl Policy {
    /// The kind's name as written in spec files.
    pub fn kind(&self) -> &'static str {
        match self {
            Policy::Pure { .. } => "pure",
            Policy::Uniform => "uniform",
            Policy::Independent { .. } => "independent",
            Policy::Common { .. } => "common",
            Policy::Joint { .. } => "joint",
            Policy::Counts { .. } => "counts",
            Policy::Copy { .. } => "copy",
            Policy::Blocks { .. } => "blocks",
        }
    }

    /// Whether the policy copies another coalition anywhere (blocks included).
    pub fn contains_copy(&self) -> bool {
        match self {
            Policy::Copy { .. } => true,
            Policy::Blocks { blocks } => blocks.iter().any(|b| b.policy.contains_copy()),
            _ => false,
        }
    }

    /// Probability that the members (listed as `members`, player indices)
    /// play `joint[r]` each, straight from the definition. `coalitions` are
    /// all coalitions of the problem (for `copy`). Meant for oracles: it is
    /// exponential in nothing but slow in everything.
    /// `roles` are the players' roles (for `copy`).
    pub fn probability(
        &self,
        members: &[usize],
        joint: &[usize],
        actions: usize,
        coalitions: &[crate::Coalition],
        roles: &[usize],
    ) -> f64 {
        match self {
            Policy::Pure { actions: a } => f64::from(u8::from(a.as_slice() == joint)),
            Policy::Uniform => (actions as f64).powi(-(joint.len() as i32)),
            Policy::Independent { marginals } => {
                joint.iter().zip(marginals).map(|(&a, m)| m[a]).product()
            }
            Policy::Common { dist } => {
                let first = joint[0];
                if joint.iter().any(|&a| a != first) {
                    0.0
                } else {
                    dist.as_ref().map_or(1.0 / actions as f64, |d| d[first])
                }
            }
            Policy::Joint { support } => support
                .iter()
                .filter(|(a, _)| a.as_slice() == joint)
                .map(|(_, p)| p)
                .sum(),
            Policy::Counts { support } => {
                let len = support.first().map_or(actions, |(c, _)| c.len());
                // A vector that fits no layout (an unvalidated policy) has no mass.
                let Some(blocks) = CountBlocks::new(members, roles, actions, len) else {
                    return 0.0;
                };
                let counts = blocks.counts_of(joint);
                support
                    .iter()
                    .filter(|(c, _)| *c == counts)
                    .map(|(_, p)| p / blocks.arrangements(&counts))
                    .sum()
            }
            Policy::Copy {
                of,
                rest_action,
                by,
                translate,
            } => {
                let copy = CopyRuns::new(members, of, coalitions, *by, roles);
                let action_of = |player: usize| {
                    joint[members.iter().position(|&m| m == player).expect("a member")]
                };
                let mut p = 1.0;
                for run in &copy.runs {
                    for (&j, targets) in of.iter().zip(run) {
                        let c = &coalitions[j];
                        // What each copied member played, read back from its copier.
                        let source: Vec<usize> = c
                            .members
                            .iter()
                            .zip(targets)
                            .map(|(&s, &t)| {
                                translated(translate.as_deref(), roles[t], roles[s], action_of(t))
                            })
                            .collect();
                        p *= c
                            .policy
                            .probability(&c.members, &source, actions, coalitions, roles);
                    }
                }
                if copy.rest.iter().any(|&i| action_of(i) != *rest_action) {
                    return 0.0;
                }
                p
            }
            Policy::Blocks { blocks } => blocks
                .iter()
                .map(|b| {
                    let sub: Vec<usize> = b
                        .members
                        .iter()
                        .map(|m| joint[members.iter().position(|x| x == m).expect("validated")])
                        .collect();
                    b.policy
                        .probability(&b.members, &sub, actions, coalitions, roles)
                })
                .product(),
        }
    }
}
