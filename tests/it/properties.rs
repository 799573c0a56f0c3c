//! Property tests with proptest: the model's invariants on generated small
//! problems, each failure shrunk to a minimal problem and its seed kept in
//! tests/data/properties.proptest-regressions (replayed first on every run).
//!
//! 1. Unit sum and bounds of every family and policy kind (CPU exact, and
//!    the oracle's unclamped sums, which must also equal the CPU's).
//! 2. The twins agree: the GPU's exact shares equal the CPU's within
//!    [`GPU_TOLERANCE`].
//! 3. Spec round trips: to_value / to_json and back give the same problem,
//!    the same text and the same shares.
//! 4. The counts method, with each algorithm, equals enumeration within
//!    1e-12 on symmetric games.
//! 5. A perturbed weight makes every one of those cross-checks fail, and
//!    the runner shrinks such a failure to the smallest problem.
//!
//! Problems are built from shrinkable structure (sizes, a coalition label
//! per player, a policy kind per coalition, small integer weights): a
//! failure shrinks towards fewer players and actions, one state, uniform
//! policies and equal weights. Besides the five families, `proportional`
//! and `congestion` with roles are generated too. The number of cases is
//! fixed; the seed is proptest's (random, or `PROPTEST_RNG_SEED`).

use std::cell::RefCell;

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestError, TestRunner};
use unitsum_gpu::{
    Backend, Block, Coalition, CountsAlgorithm, Evaluation, Evaluator, Game, Method, Options,
    Policy, Problem,
};

use super::common::{FAMILIES, GPU_TOLERANCE, KINDS};

/// Where failing seeds are kept (proptest appends; commit new lines).
const REGRESSIONS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/properties.proptest-regressions"
);
/// Σ_j r_j(x) = 1 and 0 ≤ r_j ≤ 1 on the CPU (f64).
const UNIT_SUM: f64 = 1e-9;
/// Counts vs enumeration and CPU vs oracle: f64, summation order only.
const EXACT: f64 = 1e-12;
const SYMMETRIC: [&str; 4] = ["plurality", "proportional", "congestion", "anonymous"];
/// `proportional` and `congestion` with contexts: a role per player (0 to
/// 2), role-indexed parameters (docs/THEORY.md, "Contexts").
const WITH_ROLES: [&str; 2] = ["proportional+roles", "congestion+roles"];
const ALGORITHMS: [CountsAlgorithm; 4] = [
    CountsAlgorithm::Direct,
    CountsAlgorithm::Fft,
    CountsAlgorithm::LeaveOneOut,
    CountsAlgorithm::Auto,
];

/// Cases per property (per family and kind in 1., per algorithm in 4.):
/// about 2 s for the whole file (lavapipe, two cores; 7 × 8 × 96 +
/// 2 × 1024 + 6 × 512 + 256 + 32 cases), 30 s with
/// `UNITSUM_PROPTEST_SCALE=20`.
const UNIT_SUM_CASES: u32 = 96;
const TWIN_CASES: u32 = 1024;
const ROUND_TRIP_CASES: u32 = 1024;
const COUNTS_CASES: u32 = 512;
const PERTURBED_CASES: u32 = 256;
const GPU_PERTURBED_CASES: u32 = 32;

/// Most players, actions and states of a generated problem (k^n ≤ 729).
const MAX_PLAYERS: usize = 6;
const MAX_ACTIONS: usize = 3;
const MAX_STATES: usize = 2;
/// Most coalitions, and the integers each one's policy is read from.
const MAX_COALITIONS: usize = 3;
const POOL: usize = 40;

/// The runner's configuration: `cases` new cases (after the kept seeds;
/// `UNITSUM_PROPTEST_SCALE=m` runs m times as many, for a longer local
/// search), shrinking bounded so that a failure is reported within CI's time.
fn config(cases: u32) -> Config {
    let scale = std::env::var("UNITSUM_PROPTEST_SCALE")
        .ok()
        .and_then(|s| s.parse::<u32>().ok())
        .unwrap_or(1);
    Config {
        cases: cases.saturating_mul(scale),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(REGRESSIONS))),
        max_shrink_iters: 4096,
        max_shrink_time: 60_000,
        ..Config::default()
    }
}

/// Run `test` on `cases` values of `strategy`; a failure panics with the
/// shrunk value described by `describe`.
fn check<S: Strategy>(
    what: &str,
    cases: u32,
    strategy: S,
    describe: impl Fn(&S::Value) -> String,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let mut runner = TestRunner::new(config(cases));
    match runner.run(&strategy, test) {
        Ok(()) => {}
        Err(TestError::Fail(reason, value)) => panic!(
            "{what}: {reason}\nminimal failing input (seed kept in {REGRESSIONS}):\n{}",
            describe(&value)
        ),
        Err(e) => panic!("{what}: {e}"),
    }
}

fn spec(problem: &Problem) -> String {
    serde_json::to_string(&problem.to_value()).expect("a spec serialises")
}

// ---------------------------------------------------------------------------
// Generated problems.

/// The policy kinds in shrinking order: a failure shrinks towards `uniform`.
const ORDER: [&str; 8] = [
    "uniform",
    "pure",
    "common",
    "independent",
    "joint",
    "counts",
    "blocks",
    "copy",
];
/// The kinds a block may play.
const SIMPLE: usize = 6;

/// The shrinkable structure a problem is read from.
#[derive(Clone, Debug)]
struct Genome {
    n: usize,
    k: usize,
    states: usize,
    family: usize,
    /// A coalition label per player (the first n count), numbered again by
    /// first appearance: player 0 is in coalition 0.
    labels: Vec<usize>,
    /// Per coalition: its kind (index into [`ORDER`]), a rotation of its
    /// members, and integers its policy's content is read from.
    kinds: Vec<usize>,
    rotations: Vec<usize>,
    content: Vec<Vec<u32>>,
    /// A role per player (the first n count), for the families with roles.
    roles: Vec<usize>,
    /// Integers the game's parameters are read from (weights 1 + v, table
    /// entries v).
    game: Vec<u32>,
}

/// Integers read in turn, cyclically.
struct Reader<'a> {
    pool: &'a [u32],
    at: usize,
}

impl Reader<'_> {
    fn new(pool: &[u32]) -> Reader<'_> {
        Reader { pool, at: 0 }
    }
    fn next(&mut self) -> u32 {
        let v = self.pool[self.at % self.pool.len()];
        self.at += 1;
        v
    }
    fn below(&mut self, m: usize) -> usize {
        self.next() as usize % m
    }
    /// A distribution over `len` outcomes from integer weights (uniform when
    /// they are all zero).
    fn distribution(&mut self, len: usize) -> Vec<f64> {
        let w: Vec<f64> = (0..len).map(|_| self.next() as f64).collect();
        let total: f64 = w.iter().sum();
        if total == 0.0 {
            vec![1.0 / len as f64; len]
        } else {
            w.iter().map(|v| v / total).collect()
        }
    }
    fn positive_rows(&mut self, rows: usize, len: usize) -> Vec<Vec<f64>> {
        (0..rows)
            .map(|_| (0..len).map(|_| 1.0 + self.next() as f64).collect())
            .collect()
    }
}

/// `families`: the families drawn from (by index); `kind0`: the kinds
/// coalition 0 may play (the others play any).
fn genomes(families: usize, kind0: Vec<usize>) -> impl Strategy<Value = Genome> {
    (
        1..=MAX_PLAYERS,
        1..=MAX_ACTIONS,
        1..=MAX_STATES,
        0..families,
        prop::collection::vec(0..MAX_COALITIONS, MAX_PLAYERS),
        prop::sample::select(kind0),
        prop::collection::vec(0..ORDER.len(), MAX_COALITIONS - 1),
        prop::collection::vec(0..MAX_PLAYERS, MAX_COALITIONS),
        prop::collection::vec(prop::collection::vec(0..=4u32, POOL), MAX_COALITIONS),
        prop::collection::vec(0..=8u32, 64),
        prop::collection::vec(0..3usize, MAX_PLAYERS),
    )
        .prop_map(
            |(n, k, states, family, labels, kind0, others, rotations, content, game, roles)| {
                let mut kinds = vec![kind0];
                kinds.extend(others);
                Genome {
                    n,
                    k,
                    states,
                    family,
                    labels,
                    kinds,
                    rotations,
                    content,
                    game,
                    roles,
                }
            },
        )
}

/// Problems of the given families whose coalition 0 plays one of `kind0`
/// (names from [`KINDS`]): genomes in which coalition 0 cannot play its kind
/// (a copy with nothing to copy, blocks of one member) are skipped.
fn problems(families: Vec<&'static str>, kind0: &[&str]) -> impl Strategy<Value = Problem> {
    let kind0: Vec<usize> = kind0
        .iter()
        .map(|k| ORDER.iter().position(|o| o == k).expect("a known kind"))
        .collect();
    genomes(families.len(), kind0).prop_filter_map("coalition 0 cannot play its kind", move |g| {
        build(&g, families[g.family])
    })
}

/// The coalitions' members: labels numbered by first appearance, each
/// coalition's members ascending, then rotated.
fn coalitions_of(g: &Genome) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = Vec::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, &label) in g.labels[..g.n].iter().enumerate() {
        let j = match order.iter().position(|&l| l == label) {
            Some(j) => j,
            None => {
                order.push(label);
                groups.push(Vec::new());
                order.len() - 1
            }
        };
        groups[j].push(i);
    }
    for (j, members) in groups.iter_mut().enumerate() {
        let r = g.rotations[j] % members.len();
        members.rotate_left(r);
    }
    groups
}

/// The problem a genome reads as, `None` when coalition 0 cannot play its
/// kind. Panics when the library refuses a problem the generator meant to
/// be valid (a bug of one or the other).
fn build(g: &Genome, family: &str) -> Option<Problem> {
    let groups = coalitions_of(g);
    let (n, k) = (g.n, g.k);
    let kinds: Vec<&str> = (0..groups.len()).map(|j| ORDER[g.kinds[j]]).collect();
    let copying: Vec<bool> = kinds.iter().map(|&kind| kind == "copy").collect();
    let mut policies = Vec::new();
    for (j, members) in groups.iter().enumerate() {
        let mut read = Reader::new(&g.content[j]);
        let policy = match kinds[j] {
            "copy" => {
                // Copy one coalition, or two together, that does not copy
                // and fits; otherwise (coalition 0 skips the genome) uniform.
                let fits: Vec<usize> = (0..groups.len())
                    .filter(|&t| t != j && !copying[t] && groups[t].len() <= members.len())
                    .collect();
                if fits.is_empty() {
                    if j == 0 {
                        return None;
                    }
                    Policy::Uniform
                } else {
                    let first = fits[read.below(fits.len())];
                    let mut of = vec![first];
                    let second = fits.iter().copied().find(|&t| {
                        t != first && groups[t].len() + groups[first].len() <= members.len()
                    });
                    if let Some(second) = second.filter(|_| read.below(2) == 1) {
                        of.push(second);
                    }
                    Policy::copy(of, read.below(k))
                }
            }
            "blocks" if members.len() < 2 => {
                if j == 0 {
                    return None;
                }
                Policy::Uniform
            }
            "blocks" => {
                let cut = 1 + read.below(members.len() - 1);
                let blocks = [&members[..cut], &members[cut..]]
                    .into_iter()
                    .map(|part| {
                        let kind = ORDER[read.below(SIMPLE)];
                        Block {
                            members: part.to_vec(),
                            policy: simple_policy(&mut read, kind, part.len(), k),
                        }
                    })
                    .collect();
                Policy::Blocks { blocks }
            }
            kind => simple_policy(&mut read, kind, members.len(), k),
        };
        policies.push(policy);
    }
    let game = game(g, family);
    let coalitions = groups
        .into_iter()
        .zip(policies)
        .map(|(members, policy)| Coalition::new(members, policy))
        .collect::<Vec<_>>();
    match Problem::new(n, k, game.clone(), coalitions.clone()) {
        Ok(problem) => Some(problem),
        Err(e) => panic!("generated an invalid problem: {e}\n{game:?}\n{coalitions:?}"),
    }
}

/// A policy of a kind that neither nests nor copies, for `size` members.
fn simple_policy(read: &mut Reader, kind: &str, size: usize, k: usize) -> Policy {
    match kind {
        "uniform" => Policy::Uniform,
        "pure" => Policy::Pure {
            actions: (0..size).map(|_| read.below(k)).collect(),
        },
        "common" => Policy::Common {
            dist: (read.below(2) == 1).then(|| read.distribution(k)),
        },
        "independent" => Policy::Independent {
            marginals: (0..size).map(|_| read.distribution(k)).collect(),
        },
        "joint" => {
            let entries = 1 + read.below(3);
            let actions: Vec<Vec<usize>> = (0..entries)
                .map(|_| (0..size).map(|_| read.below(k)).collect())
                .collect();
            let p = read.distribution(entries);
            Policy::Joint {
                support: actions.into_iter().zip(p).collect(),
            }
        }
        "counts" => {
            // Count vectors of joint actions, equal vectors merged.
            let entries = 1 + read.below(3);
            let mut vectors: Vec<Vec<usize>> = Vec::new();
            for _ in 0..entries {
                let mut counts = vec![0; k];
                (0..size).for_each(|_| counts[read.below(k)] += 1);
                if !vectors.contains(&counts) {
                    vectors.push(counts);
                }
            }
            let p = read.distribution(vectors.len());
            Policy::Counts {
                support: vectors.into_iter().zip(p).collect(),
            }
        }
        other => unreachable!("{other} is not a simple kind"),
    }
}

fn game(g: &Genome, family: &str) -> Game {
    let mut read = Reader::new(&g.game);
    let (n, k, states) = (g.n, g.k, g.states);
    match family {
        "plurality" => Game::Plurality,
        "proportional" => Game::Proportional {
            weights: read.positive_rows(states, k),
        },
        "congestion" => Game::Congestion {
            values: read.positive_rows(states, k),
        },
        "proportional+roles" | "congestion+roles" => {
            let roles = g.roles[..n].to_vec();
            let count = roles.iter().max().map_or(1, |r| r + 1);
            let rows: Vec<Vec<Vec<f64>>> =
                (0..states).map(|_| read.positive_rows(count, k)).collect();
            if family == "proportional+roles" {
                Game::RoleProportional {
                    roles,
                    weights: rows,
                }
            } else {
                Game::RoleCongestion {
                    roles,
                    values: rows,
                }
            }
        }
        "anonymous" => {
            let others = count_vectors(n - 1, k);
            Game::Anonymous {
                weights: (0..states).map(|_| read.positive_rows(others, k)).collect(),
            }
        }
        "table" => Game::Table {
            shares: (0..states)
                .map(|_| (0..k.pow(n as u32)).map(|_| read.distribution(n)).collect())
                .collect(),
        },
        other => unreachable!("unknown family {other}"),
    }
}

/// Count vectors of `m` players over `k` actions: C(m + k − 1, k − 1).
fn count_vectors(m: usize, k: usize) -> usize {
    (1..k).fold(1, |c, i| c * (m + i) / i)
}

// ---------------------------------------------------------------------------
// The checks, as functions that fail a case (so that 5. can feed them a
// perturbed input and see them fail).

fn run(
    evaluator: &mut Evaluator,
    problem: &Problem,
    backend: Backend,
    method: Method,
    counts: CountsAlgorithm,
) -> Result<Evaluation, TestCaseError> {
    let options = Options {
        backend,
        method,
        counts,
        ..Default::default()
    };
    evaluator.evaluate(problem, &options).map_err(|e| {
        TestCaseError::fail(format!("{backend:?} {method:?} ({counts:?}) refused: {e}"))
    })
}

fn cpu_exact(problem: &Problem) -> Result<Evaluation, TestCaseError> {
    let mut cpu = Evaluator::new();
    run(
        &mut cpu,
        problem,
        Backend::Cpu,
        Method::Exact,
        CountsAlgorithm::Auto,
    )
}

/// Σ_j r_j(x) = 1 and 0 ≤ r_j(x) ≤ 1, within `tolerance`.
fn unit_sum_and_bounds(what: &str, r: &[Vec<f64>], tolerance: f64) -> Result<(), TestCaseError> {
    let states = r.first().map_or(0, Vec::len);
    if states == 0 || r.iter().any(|row| row.len() != states) {
        return Err(TestCaseError::fail(format!("{what}: ragged shares {r:?}")));
    }
    for x in 0..states {
        let total: f64 = r.iter().map(|row| row[x]).sum();
        prop_assert!(
            (total - 1.0).abs() <= tolerance,
            "{}: Σ_j r_j({}) = {} (shares {:?})",
            what,
            x,
            total,
            r
        );
        for (j, row) in r.iter().enumerate() {
            prop_assert!(
                (-tolerance..=1.0 + tolerance).contains(&row[x]),
                "{}: r_{}({}) = {} outside [0, 1]",
                what,
                j,
                x,
                row[x]
            );
        }
    }
    Ok(())
}

/// |a − b| ≤ tolerance everywhere, with the same shape.
fn close(what: &str, a: &[Vec<f64>], b: &[Vec<f64>], tolerance: f64) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.len(), b.len(), "{}: coalitions", what);
    for (j, (ra, rb)) in a.iter().zip(b).enumerate() {
        prop_assert_eq!(ra.len(), rb.len(), "{}: states of coalition {}", what, j);
        for (x, (va, vb)) in ra.iter().zip(rb).enumerate() {
            let d = (va - vb).abs();
            // NaN fails too.
            prop_assert!(
                d <= tolerance,
                "{}: r_{}({}) = {} vs {}, difference {:.3e} > {:.0e}",
                what,
                j,
                x,
                va,
                vb,
                d,
                tolerance
            );
        }
    }
    Ok(())
}

/// 1. The CPU's exact shares and the oracle's (unclamped) sums are unit-sum
///    and in [0, 1], and equal.
fn unit_sum_case(problem: &Problem) -> Result<(), TestCaseError> {
    let exact = cpu_exact(problem)?;
    unit_sum_and_bounds("cpu exact", &exact.shares, UNIT_SUM)?;
    prop_assert!(
        exact.unit_sum_error <= UNIT_SUM,
        "unit_sum_error {}",
        exact.unit_sum_error
    );
    let oracle = unitsum_gpu::internals::oracle(problem)
        .ok_or_else(|| TestCaseError::fail("the oracle refused a small problem"))?;
    unit_sum_and_bounds("oracle", &oracle, UNIT_SUM)?;
    close("cpu exact vs oracle", &exact.shares, &oracle, EXACT)
}

/// 2. The GPU's exact shares equal the CPU's.
fn twins_case(gpu: &mut Evaluator, problem: &Problem) -> Result<(), TestCaseError> {
    let c = cpu_exact(problem)?;
    let g = run(
        gpu,
        problem,
        Backend::Gpu,
        Method::Exact,
        CountsAlgorithm::Auto,
    )?;
    prop_assert_eq!(g.profiles, c.profiles);
    close("gpu vs cpu", &g.shares, &c.shares, GPU_TOLERANCE)?;
    unit_sum_and_bounds("gpu", &g.shares, GPU_TOLERANCE)
}

/// 3. Value, text and serde forms give back the same problem, text and shares.
fn round_trip_case(problem: &Problem) -> Result<(), TestCaseError> {
    let expected = problem.clone();
    let value = problem.to_value();
    let again = Problem::from_value(&value)
        .map_err(|e| TestCaseError::fail(format!("from_value refused its own spec: {e}")))?;
    prop_assert_eq!(&again, &expected, "from_value(to_value)");
    prop_assert_eq!(
        again.to_json(),
        problem.to_json(),
        "to_json after the round trip"
    );
    let text = problem.to_json();
    let parsed = Problem::from_json(&text)
        .map_err(|e| TestCaseError::fail(format!("from_json refused its own spec: {e}")))?;
    prop_assert_eq!(&parsed, &expected, "from_json(to_json)");
    let serde: Problem = serde_json::from_str(&serde_json::to_string(problem).unwrap())
        .map_err(|e| TestCaseError::fail(format!("serde refused its own spec: {e}")))?;
    prop_assert_eq!(&serde, &expected, "serde round trip");
    let (a, b) = (cpu_exact(problem)?, cpu_exact(&again)?);
    // The same problem: the same numbers, to the bit.
    close("shares after the round trip", &a.shares, &b.shares, 0.0)
}

/// 4. Counts with `algorithm` equal enumeration.
fn counts_case(problem: &Problem, algorithm: CountsAlgorithm) -> Result<(), TestCaseError> {
    let exact = cpu_exact(problem)?;
    let counts = run(
        &mut Evaluator::new(),
        problem,
        Backend::Cpu,
        Method::Counts,
        algorithm,
    )?;
    close(
        &format!("counts ({algorithm:?}) vs exact"),
        &counts.shares,
        &exact.shares,
        EXACT,
    )
}

// ---------------------------------------------------------------------------
// The properties.

/// The five families, then the two with roles.
fn every_family() -> Vec<&'static str> {
    FAMILIES.into_iter().chain(WITH_ROLES).collect()
}

/// 1. Every (family, kind of coalition 0) pair, the other coalitions any kind.
fn unit_sum_and_bounds_of_every_family_and_policy_kind() {
    for family in every_family() {
        for kind in KINDS {
            check(
                &format!("unit sum: {family}, coalition 0 {kind}"),
                UNIT_SUM_CASES,
                problems(vec![family], &[kind]),
                spec,
                |problem| unit_sum_case(&problem),
            );
        }
    }
}

/// 2. GPU vs CPU on problems of every family and kind.
fn gpu_equals_cpu_on_generated_problems(gpu: &mut Evaluator) {
    let gpu = RefCell::new(gpu);
    check(
        "gpu vs cpu",
        TWIN_CASES,
        problems(every_family(), &KINDS),
        spec,
        |problem| twins_case(&mut gpu.borrow_mut(), &problem),
    );
}

/// 3. Spec round trips.
fn specs_round_trip() {
    check(
        "spec round trip",
        ROUND_TRIP_CASES,
        problems(every_family(), &KINDS),
        spec,
        |problem| round_trip_case(&problem),
    );
}

/// Found by `specs_round_trip` and shrunk to one player of role 1: a
/// problem whose players all share one role other than 0 was written
/// without `"roles"` and read back with role 0. Kept as a test.
fn a_single_nonzero_role_survives_a_round_trip() {
    let problem = Problem::new(
        2,
        2,
        Game::RoleProportional {
            roles: vec![1, 1],
            weights: vec![vec![vec![1.0, 1.0], vec![1.0, 2.0]]],
        },
        vec![Coalition::new(
            vec![0, 1],
            Policy::Pure {
                actions: vec![0, 1],
            },
        )],
    )
    .unwrap();
    assert_eq!(problem.roles(), &[1, 1]);
    let again = Problem::from_value(&problem.to_value()).unwrap();
    assert_eq!(again.to_json(), problem.to_json());
    assert_eq!(again, problem);
}

/// 4. Counts equal enumeration, each algorithm, symmetric families; the
///    role-dependent ones by the direct sum, `Auto` and leave-one-out per
///    role (which refuses, as bad input naming the roles, a plan whose
///    parts span roles).
fn counts_equal_enumeration_with_every_algorithm() {
    for algorithm in ALGORITHMS {
        check(
            &format!("counts ({algorithm:?}) vs exact"),
            COUNTS_CASES,
            problems(SYMMETRIC.to_vec(), &KINDS),
            spec,
            |problem| counts_case(&problem, algorithm),
        );
    }
    for algorithm in [CountsAlgorithm::Direct, CountsAlgorithm::Auto] {
        check(
            &format!("counts ({algorithm:?}) vs exact, with roles"),
            COUNTS_CASES,
            problems(WITH_ROLES.to_vec(), &KINDS),
            spec,
            |problem| counts_case(&problem, algorithm),
        );
    }
    check(
        "counts (LeaveOneOut per role) vs exact, with roles",
        COUNTS_CASES,
        problems(WITH_ROLES.to_vec(), &KINDS),
        spec,
        |problem| {
            let options = Options {
                backend: Backend::Cpu,
                method: Method::Counts,
                counts: CountsAlgorithm::LeaveOneOut,
                ..Default::default()
            };
            match unitsum_gpu::evaluate(&problem, &options) {
                Err(e) if e.is_bad_input() && e.to_string().contains("roles") => Ok(()),
                Err(e) => Err(TestCaseError::fail(format!("refused: {e}"))),
                Ok(counts) => close(
                    "leave-one-out per role vs exact",
                    &counts.shares,
                    &cpu_exact(&problem)?.shares,
                    EXACT,
                ),
            }
        },
    );
}

// ---------------------------------------------------------------------------
// 5. Perturbed inputs: every cross-check must be able to fail.

/// Two coalitions on different pure actions in a proportional game, and the
/// same problem with one weight (of the first coalition's action, in one
/// state) multiplied by 2 to 5: coalition 0's share in that state moves by
/// more than 0.005 (a b u w (f − 1) / ((a w f + b u)(a w + b u)) with
/// weights 1..=9 and n ≤ 6), far beyond every tolerance.
#[derive(Clone, Debug)]
struct Perturbed {
    original: Problem,
    perturbed: Problem,
    state: usize,
}

fn perturbed() -> impl Strategy<Value = Perturbed> {
    (
        2..=MAX_PLAYERS,
        2..=MAX_ACTIONS,
        1..=MAX_STATES,
        prop::collection::vec(any::<bool>(), MAX_PLAYERS),
        (0..MAX_ACTIONS, 1..MAX_ACTIONS),
        prop::collection::vec(1..=9u32, MAX_STATES * MAX_ACTIONS),
        (0..MAX_STATES, 2..=5u32),
    )
        .prop_map(|(n, k, states, side, (act, shift), w, (state, factor))| {
            // Player 0 in coalition 0, player 1 in coalition 1, the rest by `side`.
            let mut groups = [vec![0], vec![1]];
            (2..n).for_each(|i| groups[usize::from(side[i])].push(i));
            let (act, other) = (act % k, (act + shift) % k);
            let other = if other == act { (act + 1) % k } else { other };
            let weights: Vec<Vec<f64>> = (0..states)
                .map(|x| (0..k).map(|a| w[x * MAX_ACTIONS + a] as f64).collect())
                .collect();
            let state = state % states;
            let mut changed = weights.clone();
            changed[state][act] *= factor as f64;
            let problem = |weights| {
                let pure = |members: &Vec<usize>, a| {
                    Coalition::new(
                        members.clone(),
                        Policy::Pure {
                            actions: vec![a; members.len()],
                        },
                    )
                };
                Problem::new(
                    n,
                    k,
                    Game::Proportional { weights },
                    vec![pure(&groups[0], act), pure(&groups[1], other)],
                )
                .expect("a valid problem")
            };
            Perturbed {
                original: problem(weights),
                perturbed: problem(changed),
                state,
            }
        })
}

fn describe(p: &Perturbed) -> String {
    format!(
        "state {}\noriginal:  {}\nperturbed: {}",
        p.state,
        spec(&p.original),
        spec(&p.perturbed)
    )
}

/// `check` must fail.
fn must_fail(what: &str, check: Result<(), TestCaseError>) -> Result<(), TestCaseError> {
    match check {
        Err(_) => Ok(()),
        Ok(()) => Err(TestCaseError::fail(format!(
            "{what}: the cross-check passed a perturbed input"
        ))),
    }
}

/// The CPU-side cross-checks (1, 3, 4) each fail on a perturbed input.
fn perturbed_inputs_fail_every_cross_check() {
    check(
        "perturbed inputs",
        PERTURBED_CASES,
        perturbed(),
        describe,
        |p| {
            let a = cpu_exact(&p.original)?;
            let b = cpu_exact(&p.perturbed)?;
            prop_assert!(
                (a.shares[0][p.state] - b.shares[0][p.state]).abs() > 5e-3,
                "the perturbation moved r_0({}) only from {} to {}",
                p.state,
                a.shares[0][p.state],
                b.shares[0][p.state]
            );
            // Comparisons at each tolerance in use.
            for tolerance in [0.0, EXACT, UNIT_SUM, GPU_TOLERANCE] {
                must_fail("close", close("perturbed", &a.shares, &b.shares, tolerance))?;
            }
            // 1: one share moved by 1e-6 breaks the unit sum; one above 1 the bounds.
            let mut moved = a.shares.clone();
            moved[0][p.state] += 1e-6;
            must_fail("unit sum", unit_sum_and_bounds("moved", &moved, UNIT_SUM))?;
            let mut above = a.shares.clone();
            above[0][p.state] = 1.0 + 1e-6;
            above[1][p.state] = -1e-6;
            must_fail("bounds", unit_sum_and_bounds("above", &above, UNIT_SUM))?;
            // 3: the perturbed spec is another problem, another text, other shares.
            let value = p.perturbed.to_value();
            let again = Problem::from_value(&value).expect("a valid spec");
            prop_assert_ne!(&again, &p.original);
            prop_assert_ne!(again.to_json(), p.original.to_json());
            must_fail(
                "round trip shares",
                close("round trip", &cpu_exact(&again)?.shares, &a.shares, 0.0),
            )?;
            // 4: counts of the perturbed problem against enumeration of the original.
            for algorithm in ALGORITHMS {
                let counts = run(
                    &mut Evaluator::new(),
                    &p.perturbed,
                    Backend::Cpu,
                    Method::Counts,
                    algorithm,
                )?;
                must_fail(
                    "counts vs exact",
                    close("counts", &counts.shares, &a.shares, EXACT),
                )?;
            }
            Ok(())
        },
    );
}

/// 2: the GPU's shares of a perturbed problem fail against the CPU's.
fn gpu_perturbed_input_fails_the_twin_check(gpu: &mut Evaluator) {
    let gpu = RefCell::new(gpu);
    check(
        "perturbed twins",
        GPU_PERTURBED_CASES,
        perturbed(),
        describe,
        |p| {
            let c = cpu_exact(&p.original)?;
            let g = run(
                &mut gpu.borrow_mut(),
                &p.perturbed,
                Backend::Gpu,
                Method::Exact,
                CountsAlgorithm::Auto,
            )?;
            must_fail(
                "gpu vs cpu",
                close("perturbed", &g.shares, &c.shares, GPU_TOLERANCE),
            )
        },
    );
}

/// A false property (the perturbed problem's shares equal the original's)
/// fails, and the runner shrinks it to the smallest problem: two players,
/// two actions, one state, weights 1, the factor 2.
fn a_failing_property_is_found_and_shrunk() {
    let mut runner = TestRunner::new(Config {
        cases: 16,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&perturbed(), |p| {
        let a = cpu_exact(&p.original)?;
        let b = cpu_exact(&p.perturbed)?;
        close("false property", &a.shares, &b.shares, GPU_TOLERANCE)
    });
    let Err(TestError::Fail(_, minimal)) = result else {
        panic!("the false property was not refuted: {result:?}");
    };
    assert_eq!(
        (
            minimal.original.players(),
            minimal.original.actions(),
            minimal.original.states()
        ),
        (2, 2, 1),
        "not shrunk: {}",
        describe(&minimal)
    );
    let Game::Proportional { weights } = minimal.perturbed.game() else {
        panic!("{}", describe(&minimal));
    };
    assert!(
        weights[0].contains(&2.0) && weights[0].iter().all(|&w| w == 1.0 || w == 2.0),
        "not shrunk: {}",
        describe(&minimal)
    );
}

super::trials!(
    cpu: [
        unit_sum_and_bounds_of_every_family_and_policy_kind,
        specs_round_trip,
        a_single_nonzero_role_survives_a_round_trip,
        counts_equal_enumeration_with_every_algorithm,
        perturbed_inputs_fail_every_cross_check,
        a_failing_property_is_found_and_shrunk,
    ],
    gpu: [
        gpu_equals_cpu_on_generated_problems,
        gpu_perturbed_input_fails_the_twin_check,
    ],
);
