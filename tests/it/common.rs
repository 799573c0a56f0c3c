//! Seeded random problems of every family and policy kind, and the shared GPU.

use std::sync::{Mutex, MutexGuard, OnceLock};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use unitsum_gpu::{
    Backend, Block, Coalition, Evaluation, Evaluator, Game, Options, Policy, Problem,
};

/// CPU exact vs the brute-force oracle: both f64 over ≤ 4096 profiles.
pub const CPU_ORACLE_TOLERANCE: f64 = 1e-12;
/// GPU vs CPU: the GPU's shares and weights are f32 (relative 6e-8 each),
/// summed over at most a few thousand profiles in f64: 1e-5 is the bound.
pub const GPU_TOLERANCE: f64 = 1e-5;

pub const FAMILIES: [&str; 5] = [
    "plurality",
    "proportional",
    "congestion",
    "anonymous",
    "table",
];
pub const KINDS: [&str; 8] = [
    "pure",
    "uniform",
    "independent",
    "common",
    "joint",
    "counts",
    "copy",
    "blocks",
];

use unitsum_gpu::internals::distribution;

/// A JSON array of non-negative integers (a printed reply, counts).
pub fn json_u64s(v: &serde_json::Value) -> Vec<u64> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|a| a.as_u64().expect("a non-negative integer"))
        .collect()
}

/// A random game of `family` with 1 to 3 states (the library's generator).
pub fn random_game(rng: &mut StdRng, family: &str, n: usize, k: usize) -> Game {
    let states = rng.random_range(1..=3);
    unitsum_gpu::internals::random_game(rng, family, n, k, states).expect("known family")
}

/// A random policy of `kind` for `members`; `copyable` are the coalitions a
/// copy may name (their policies contain no copy), with their sizes.
pub fn random_policy(
    rng: &mut StdRng,
    kind: &str,
    members: &[usize],
    k: usize,
    copyable: &[(usize, usize)],
) -> Policy {
    let size = members.len();
    match kind {
        "pure" => Policy::Pure {
            actions: (0..size).map(|_| rng.random_range(0..k)).collect(),
        },
        "uniform" => Policy::Uniform,
        "independent" => Policy::Independent {
            marginals: (0..size).map(|_| distribution(rng, k)).collect(),
        },
        "common" => Policy::Common {
            dist: if rng.random_bool(0.5) {
                Some(distribution(rng, k))
            } else {
                None
            },
        },
        "joint" => {
            let entries = rng.random_range(1..=4);
            let p = distribution(rng, entries);
            Policy::Joint {
                support: p
                    .into_iter()
                    .map(|p| ((0..size).map(|_| rng.random_range(0..k)).collect(), p))
                    .collect(),
            }
        }
        "counts" => {
            // 1 to 4 distinct count vectors of the members, random weights.
            let mut vectors: Vec<Vec<usize>> = Vec::new();
            for _ in 0..rng.random_range(1..=4) {
                let mut counts = vec![0; k];
                (0..size).for_each(|_| counts[rng.random_range(0..k)] += 1);
                if !vectors.contains(&counts) {
                    vectors.push(counts);
                }
            }
            let p = distribution(rng, vectors.len());
            Policy::Counts {
                support: vectors.into_iter().zip(p).collect(),
            }
        }
        "copy" => {
            let fitting: Vec<usize> = copyable
                .iter()
                .filter(|(_, s)| *s <= size)
                .map(|(j, _)| *j)
                .collect();
            if fitting.is_empty() {
                return Policy::Uniform;
            }
            Policy::copy(
                vec![fitting[rng.random_range(0..fitting.len())]],
                rng.random_range(0..k),
            )
        }
        "blocks" => {
            if size < 2 {
                return Policy::Uniform;
            }
            let cut = rng.random_range(1..size);
            let mut shuffled = members.to_vec();
            for i in (1..shuffled.len()).rev() {
                shuffled.swap(i, rng.random_range(0..=i));
            }
            // Every kind but those that nest or copy.
            let simple: Vec<&str> = KINDS
                .into_iter()
                .filter(|k| !["copy", "blocks"].contains(k))
                .collect();
            let blocks = [&shuffled[..cut], &shuffled[cut..]]
                .iter()
                .map(|part| {
                    let kind = simple[rng.random_range(0..simple.len())];
                    Block {
                        members: part.to_vec(),
                        policy: random_policy(rng, kind, part, k, &[]),
                    }
                })
                .collect();
            Policy::Blocks { blocks }
        }
        other => panic!("unknown kind {other}"),
    }
}

/// `game` with one coalition of all n players, each uniform: every count
/// vector of n players has positive probability.
pub fn everyone_uniform(n: usize, k: usize, game: Game) -> Problem {
    Problem::new(
        n,
        k,
        game,
        vec![Coalition::new((0..n).collect(), Policy::Uniform)],
    )
    .unwrap()
}

/// A random problem of `family` in which coalition 0 plays `kind` (the
/// others random). Small enough for the oracle: k^n ≤ 3^7.
pub fn random_problem(seed: u64, family: &str, kind: &str) -> Problem {
    let mut rng = StdRng::seed_from_u64(seed);
    let k = rng.random_range(2..=3);
    let n = rng.random_range(2..=if k == 2 { 8 } else { 6 });
    let mut players: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        players.swap(i, rng.random_range(0..=i));
    }
    // Coalition 0 is the largest, so that copy usually fits.
    let m = rng.random_range(2..=3.min(n));
    let mut cuts: Vec<usize> = vec![0, n.div_ceil(2)];
    if m == 3 && n - cuts[1] >= 2 {
        cuts.push(rng.random_range(cuts[1] + 1..n));
    }
    cuts.push(n);
    let groups: Vec<Vec<usize>> = cuts
        .windows(2)
        .map(|w| players[w[0]..w[1]].to_vec())
        .collect();
    // The other coalitions play any kind but copy (a copy of a copy is refused).
    let others: Vec<&str> = KINDS.into_iter().filter(|&k| k != "copy").collect();
    let mut policies: Vec<Option<Policy>> = vec![None; groups.len()];
    for j in 1..groups.len() {
        let kind = others[rng.random_range(0..others.len())];
        policies[j] = Some(random_policy(&mut rng, kind, &groups[j], k, &[]));
    }
    let copyable: Vec<(usize, usize)> = (1..groups.len()).map(|j| (j, groups[j].len())).collect();
    policies[0] = Some(random_policy(&mut rng, kind, &groups[0], k, &copyable));
    let game = random_game(&mut rng, family, n, k);
    let coalitions = groups
        .into_iter()
        .zip(policies)
        .map(|(members, policy)| Coalition::new(members, policy.expect("set")))
        .collect();
    Problem::new(n, k, game, coalitions).expect("random problems are valid")
}

/// Every (family, kind) pair, `per_pair` seeds each.
pub fn all_random_problems(per_pair: u64) -> Vec<(String, Problem)> {
    let mut out = Vec::new();
    for (f, family) in FAMILIES.iter().enumerate() {
        for (p, kind) in KINDS.iter().enumerate() {
            for s in 0..per_pair {
                let seed = 1000 * f as u64 + 100 * p as u64 + s;
                out.push((
                    format!("{family}/{kind}/seed {seed}"),
                    random_problem(seed, family, kind),
                ));
            }
        }
    }
    out
}

pub fn cpu(problem: &Problem) -> Evaluation {
    unitsum_gpu::evaluate(
        problem,
        &Options {
            backend: Backend::Cpu,
            method: unitsum_gpu::Method::Exact,
            ..Default::default()
        },
    )
    .expect("cpu evaluation")
}

/// The shared GPU evaluator, or `None` when this machine has no adapter
/// (then the harness reports the GPU tests as ignored, or failed where
/// UNITSUM_REQUIRE_GPU=1).
pub fn gpu() -> Option<MutexGuard<'static, Evaluator>> {
    static GPU: OnceLock<Option<Mutex<Evaluator>>> = OnceLock::new();
    let shared = GPU.get_or_init(|| {
        let mut evaluator = Evaluator::new();
        unitsum_gpu::internals::gpu(&mut evaluator).ok()?;
        Some(Mutex::new(evaluator))
    });
    shared
        .as_ref()
        .map(|m| m.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
}

pub fn assert_close(what: &str, a: &[Vec<f64>], b: &[Vec<f64>], tolerance: f64) {
    assert_eq!(a.len(), b.len(), "{what}: coalition count");
    for (j, (ra, rb)) in a.iter().zip(b).enumerate() {
        for (x, (va, vb)) in ra.iter().zip(rb).enumerate() {
            let d = (va - vb).abs();
            assert!(
                d <= tolerance,
                "{what}: r_{j}({x}) = {va} vs {vb}, difference {d:.3e} > tolerance {tolerance:.0e}"
            );
        }
    }
}

pub fn assert_identities(what: &str, r: &[Vec<f64>], tolerance: f64) {
    for x in 0..r[0].len() {
        let total: f64 = r.iter().map(|row| row[x]).sum();
        assert!(
            (total - 1.0).abs() <= tolerance,
            "{what}: Σ_j r_j({x}) = {total}"
        );
        for (j, row) in r.iter().enumerate() {
            assert!(
                row[x] >= -tolerance && row[x] <= 1.0 + tolerance,
                "{what}: r_{j}({x}) = {} outside [0, 1]",
                row[x]
            );
        }
    }
}

/// Run the `unitsum-gpu` binary: (exit code, stdout, stderr).
pub fn binary(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_unitsum-gpu"))
        .args(args)
        .output()
        .expect("binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A small theorem1 sweep writing to `out`, with `extra` flags (the files
/// and resume tests' sweep).
pub fn small_sweep<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "sweep",
        "theorem1",
        "--players",
        "3..=6",
        "--actions",
        "2",
        "--opponents",
        "uniform,pure",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    args
}

/// A random role game of `family` (`proportional`, else congestion) with
/// `states` states over `roles`: role r's parameters row r, in [0.1, 2).
pub fn role_game(rng: &mut StdRng, family: &str, roles: &[usize], k: usize, states: usize) -> Game {
    let rows = roles.iter().max().unwrap() + 1;
    let params: Vec<Vec<Vec<f64>>> = (0..states)
        .map(|_| {
            (0..rows)
                .map(|_| (0..k).map(|_| rng.random_range(0.1..2.0)).collect())
                .collect()
        })
        .collect();
    match family {
        "proportional" => Game::RoleProportional {
            roles: roles.to_vec(),
            weights: params,
        },
        _ => Game::RoleCongestion {
            roles: roles.to_vec(),
            values: params,
        },
    }
}
