//! The power of a coalition as a cooperative game: the characteristic
//! function v(S), the security value of every coalition S (docs/THEORY.md,
//! "The characteristic function"), and what cooperative game theory reads
//! from it: the Shapley and Banzhaf values, the core, superadditivity and
//! monotonicity.
//!
//! Players of one role are interchangeable in every family but `table`, so
//! v depends on S only through its composition: how many members of each
//! role it has (in a symmetric game, its size). Each composition is solved
//! once, by the guarantee's solvers, for the first members of each role.

mod core;
mod values;

use crate::error::{Error, Result};
use crate::evaluator::Evaluator;
use crate::guarantee::{GuaranteeOptions, Solver};
use crate::model::policy::Policy;
use crate::model::problem::{Coalition, Problem};

pub use self::core::{Core, PowerProperty, POWER_TOLERANCE};

/// The most compositions `power` solves: each one is a security value.
pub const MAX_COMPOSITIONS: usize = 100_000;

/// How a characteristic function is computed.
#[derive(Clone, Debug, Default)]
pub struct PowerOptions {
    /// How each composition's security value is solved (the spy value is
    /// not computed unless `guarantee.spy` asks for it).
    pub guarantee: GuaranteeOptions,
    /// Values already known (a resumed run): compositions found here are
    /// not solved again.
    pub known: Vec<PowerPoint>,
}

/// v at one composition.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PowerPoint {
    /// Members of each role (roles in ascending id order).
    pub composition: Vec<usize>,
    /// Members in all, |S|.
    pub size: usize,
    /// v(S): the security value (the certified lower bound with the double
    /// oracle); 0 for the empty coalition and 1 for all players.
    pub value: f64,
    /// The double oracle's certified upper bound, else `None`.
    pub upper: Option<f64>,
    /// |S| / n.
    pub fraction: f64,
    /// The solver that ran (`None` for the empty and the grand coalition).
    pub solver: Option<Solver>,
    /// Why the double oracle stopped before its gap, if a cap stopped it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

/// The characteristic function over every composition, and what is read
/// from it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Power {
    /// The role ids, ascending.
    pub roles: Vec<usize>,
    /// Players of each role.
    pub role_sizes: Vec<usize>,
    /// v at every composition, in mixed-radix order (role 0 fastest).
    #[serde(skip)]
    pub points: Vec<PowerPoint>,
    /// The Shapley value of one player of each role.
    pub shapley: Vec<f64>,
    /// The (non-normalised) Banzhaf value of one player of each role.
    pub banzhaf: Vec<f64>,
    /// `|Σ_r n_r φ_r − 1|`: the Shapley value's efficiency, a check of the
    /// weights (v(N) − v(∅) = 1 in a unit-sum game).
    pub efficiency_error: f64,
    /// The core.
    pub core: Core,
    /// v(S ∪ T) ≥ v(S) + v(T) for disjoint S, T.
    pub superadditive: PowerProperty,
    /// v(S) ≤ v(T) for S ⊆ T.
    pub monotone: PowerProperty,
}

/// The role ids of `problem` (ascending) and how many players each has.
fn role_sizes(problem: &Problem) -> (Vec<usize>, Vec<usize>) {
    let ids = crate::model::game::distinct_sorted(problem.roles());
    let sizes = ids
        .iter()
        .map(|id| problem.roles().iter().filter(|r| *r == id).count())
        .collect();
    (ids, sizes)
}

/// Every composition s with 0 ≤ s_r ≤ n_r, role 0 fastest.
pub(crate) fn compositions(role_sizes: &[usize]) -> Vec<Vec<usize>> {
    let mut all = vec![vec![0; role_sizes.len()]];
    for (r, &n) in role_sizes.iter().enumerate() {
        all = (0..=n)
            .flat_map(|c| {
                all.iter().map(move |s| {
                    let mut s = s.clone();
                    s[r] = c;
                    s
                })
            })
            .collect();
    }
    // Role 0 fastest: sort by the reversed digits.
    all.sort_by(|a, b| a.iter().rev().cmp(b.iter().rev()));
    all
}

/// The index of composition `s` in [`compositions`]' order.
pub(crate) fn composition_index(s: &[usize], role_sizes: &[usize]) -> usize {
    s.iter()
        .zip(role_sizes)
        .rev()
        .fold(0, |index, (&c, &n)| index * (n + 1) + c)
}

/// The two coalitions of composition `s`: the first `s_r` players of each
/// role, and the rest.
fn split(problem: &Problem, ids: &[usize], s: &[usize]) -> Vec<Coalition> {
    let mut taken = vec![0; ids.len()];
    let (mut members, mut others) = (Vec::new(), Vec::new());
    for (i, role) in problem.roles().iter().enumerate() {
        let r = ids.binary_search(role).expect("a present role");
        if taken[r] < s[r] {
            taken[r] += 1;
            members.push(i);
        } else {
            others.push(i);
        }
    }
    vec![
        Coalition::new(members, Policy::Uniform),
        Coalition::new(others, Policy::Uniform),
    ]
}

/// The problem `power` takes for a family's game of `players` over
/// `actions` (one coalition of everyone; `power` ignores coalitions),
/// `players` bounded before the player list is built.
///
/// ```
/// use unitsum_gpu::{family_problem, Game};
/// assert_eq!(family_problem(Game::Plurality, 9, 3)?.players(), 9);
/// let e = family_problem(Game::Plurality, 1_000_000_000, 3).unwrap_err();
/// assert!(e.to_string().starts_with("players: 1000000000 players: at most"));
/// # Ok::<(), unitsum_gpu::Error>(())
/// ```
pub fn family_problem(
    game: crate::model::game::Game,
    players: usize,
    actions: usize,
) -> Result<Problem> {
    crate::model::limits::check_players(&[players], "players").map_err(Error::into_usage)?;
    let everyone = vec![Coalition::new((0..players).collect(), Policy::Uniform)];
    Problem::new(players, actions, game, everyone).map_err(Error::into_usage)
}

/// Refuse what `power` cannot answer, before any work: a game whose
/// players of one role are not known to be interchangeable, too many
/// compositions.
fn check_input(problem: &Problem, role_sizes: &[usize]) -> Result<()> {
    if problem.game().family() == "table" {
        return Err(Error::usage(
            "game",
            "power needs players of one role to be interchangeable (a family's game); a \
             table game may treat each player differently: ask `guarantee` per coalition",
        ));
    }
    let count = role_sizes
        .iter()
        .try_fold(1usize, |p, &n| p.checked_mul(n + 1))
        .filter(|&c| c <= MAX_COMPOSITIONS);
    if count.is_none() {
        return Err(Error::usage(
            "players",
            format!(
                "{} compositions (Π (n_r + 1) over roles of sizes {role_sizes:?}), beyond \
                 {MAX_COMPOSITIONS}: each is a security value; use fewer players or roles",
                role_sizes.iter().map(|&n| (n + 1) as f64).product::<f64>()
            ),
        ));
    }
    Ok(())
}

/// Values given as known (a resumed run) must be valid points of this
/// game: a composition within the role sizes, its size, a value in [0, 1].
fn check_known(known: &[PowerPoint], sizes: &[usize]) -> Result<()> {
    for p in known {
        let fits = p.composition.len() == sizes.len()
            && p.composition.iter().zip(sizes).all(|(c, n)| c <= n)
            && p.size == p.composition.iter().sum::<usize>();
        if !fits || !(0.0..=1.0).contains(&p.value) {
            return Err(Error::usage(
                "resume",
                format!(
                    "a known point, composition {:?} with value {}, is not one of this game's \
                     (roles of sizes {sizes:?}, values in [0, 1])",
                    p.composition, p.value
                ),
            ));
        }
    }
    Ok(())
}

impl Evaluator {
    /// The characteristic function of `problem`'s game (its coalitions are
    /// ignored): v(S) for every composition of S by role, each point handed
    /// to `each` when solved, then the Shapley and Banzhaf values, the core
    /// and the checks.
    ///
    /// ```
    /// use unitsum_gpu::{Coalition, Evaluator, Game, Policy, PowerOptions, Problem};
    /// let problem = Problem::new(5, 3, Game::Plurality, vec![
    ///     Coalition::new((0..5).collect(), Policy::Uniform),
    /// ])?;
    /// let power = Evaluator::new().power(&problem, &PowerOptions::default(), &mut |_| Ok(()))?;
    /// assert_eq!(power.points.len(), 6);           // sizes 0..=5
    /// assert!((power.shapley[0] - 0.2).abs() < 1e-12); // symmetric: 1/n each
    /// assert!(power.core.empty);                   // a majority secures more than its share
    /// # Ok::<(), unitsum_gpu::Error>(())
    /// ```
    pub fn power(
        &mut self,
        problem: &Problem,
        options: &PowerOptions,
        each: &mut dyn FnMut(&PowerPoint) -> Result<()>,
    ) -> Result<Power> {
        let (ids, sizes) = role_sizes(problem);
        check_input(problem, &sizes)?;
        check_known(&options.known, &sizes)?;
        let n = problem.players();
        let points = self.power_points(problem, &ids, &sizes, options, each)?;
        let values: Vec<f64> = points.iter().map(|p| p.value).collect();
        let (shapley, banzhaf) = values::shapley_and_banzhaf(&values, &sizes);
        let efficiency_error = (shapley
            .iter()
            .zip(&sizes)
            .map(|(phi, &n)| phi * n as f64)
            .sum::<f64>()
            - 1.0)
            .abs();
        let core = core::core(&values, &sizes, n)?;
        let (superadditive, monotone) = core::properties(&values, &sizes);
        Ok(Power {
            roles: ids,
            role_sizes: sizes,
            points,
            shapley,
            banzhaf,
            efficiency_error,
            core,
            superadditive,
            monotone,
        })
    }

    /// v at every composition, each solved one handed to `each`; progress
    /// counts compositions (each security value's own is not reported).
    fn power_points(
        &mut self,
        problem: &Problem,
        ids: &[usize],
        sizes: &[usize],
        options: &PowerOptions,
        each: &mut dyn FnMut(&PowerPoint) -> Result<()>,
    ) -> Result<Vec<PowerPoint>> {
        let all = compositions(sizes);
        let (progress, cancel) = self.watch();
        let watch = crate::watch::Watch::new(progress.as_deref(), cancel.as_ref());
        self.set_progress(None);
        let known: std::collections::HashMap<&[usize], &PowerPoint> = options
            .known
            .iter()
            .map(|p| (p.composition.as_slice(), p))
            .collect();
        let outcome = (|| {
            let mut points = Vec::with_capacity(all.len());
            for (done, s) in all.iter().enumerate() {
                let point = match known.get(s.as_slice()) {
                    Some(&known) => known.clone(),
                    None => {
                        let point = self.power_point(problem, ids, s, &options.guarantee)?;
                        each(&point)?;
                        point
                    }
                };
                points.push(point);
                watch.report(done as u64 + 1, all.len() as u64);
                watch.check()?;
            }
            Ok(points)
        })();
        self.set_progress(progress);
        outcome
    }

    /// v at composition `s`.
    fn power_point(
        &mut self,
        problem: &Problem,
        ids: &[usize],
        s: &[usize],
        options: &GuaranteeOptions,
    ) -> Result<PowerPoint> {
        let n = problem.players();
        let size: usize = s.iter().sum();
        let fraction = size as f64 / n as f64;
        let trivial = |value: f64| PowerPoint {
            composition: s.to_vec(),
            size,
            value,
            upper: Some(value),
            fraction,
            solver: None,
            stopped: None,
        };
        // The empty coalition gets nothing; all players share the unit.
        if size == 0 {
            return Ok(trivial(0.0));
        }
        if size == n {
            return Ok(trivial(1.0));
        }
        let options = GuaranteeOptions {
            spy: Some(options.spy.unwrap_or(false)),
            ..options.clone()
        };
        let composed = problem.with_coalitions(split(problem, ids, s))?;
        let v = self.security_value_with(&composed, 0, &options)?;
        Ok(PowerPoint {
            composition: s.to_vec(),
            size,
            value: v.value,
            upper: v.upper,
            fraction,
            solver: Some(v.solver),
            stopped: v.stopped,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compositions_are_in_mixed_radix_order() {
        let sizes = [2, 1];
        let all = compositions(&sizes);
        assert_eq!(
            all,
            vec![
                vec![0, 0],
                vec![1, 0],
                vec![2, 0],
                vec![0, 1],
                vec![1, 1],
                vec![2, 1]
            ]
        );
        for (i, s) in all.iter().enumerate() {
            assert_eq!(composition_index(s, &sizes), i);
        }
    }
}
