//! Coalition policies: distributions over the joint actions of a coalition's
//! members (docs/THEORY.md, "Policies").

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
    Counts {
        /// The support: (one count per action, probability).
        support: Vec<(Vec<usize>, f64)>,
    },
    /// Theorem 2's strategy: `q = ⌊|members| / |group|⌋` consecutive runs of
    /// members each play an independent draw of the copied group's policy, the
    /// group being the listed coalitions' members concatenated; leftover
    /// members play `rest_action`.
    Copy {
        /// Indices of the copied coalitions.
        of: Vec<usize>,
        /// Action of the members left over after the runs.
        rest_action: usize,
    },
    /// Independent sub-policies on a partition of the coalition.
    Blocks {
        /// The blocks; their members partition the coalition's members.
        blocks: Vec<Block>,
    },
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
    pub fn probability(
        &self,
        members: &[usize],
        joint: &[usize],
        actions: usize,
        coalitions: &[crate::Coalition],
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
                let mut counts = vec![0; actions];
                joint.iter().for_each(|&a| counts[a] += 1);
                support
                    .iter()
                    .filter(|(c, _)| *c == counts)
                    .map(|(_, p)| p / arrangements(&counts))
                    .sum()
            }
            Policy::Copy { of, rest_action } => {
                let group: usize = of.iter().map(|&j| coalitions[j].members.len()).sum();
                let runs = joint.len() / group;
                let mut p = 1.0;
                for run in 0..runs {
                    let mut at = run * group;
                    for &j in of {
                        let c = &coalitions[j];
                        let len = c.members.len();
                        p *= c.policy.probability(
                            &c.members,
                            &joint[at..at + len],
                            actions,
                            coalitions,
                        );
                        at += len;
                    }
                }
                if joint[runs * group..].iter().any(|&a| a != *rest_action) {
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
                    b.policy.probability(&b.members, &sub, actions, coalitions)
                })
                .product(),
        }
    }
}

/// How many joint actions have the counts `counts`: the multinomial
/// coefficient `(Σ c)! / Π c_b!`, as a float (exact up to 2^53).
pub(crate) fn arrangements(counts: &[usize]) -> f64 {
    let mut total = 0usize;
    let mut ways = 1.0;
    for &c in counts {
        for i in 1..=c {
            total += 1;
            ways = ways * total as f64 / i as f64;
        }
    }
    ways
}
