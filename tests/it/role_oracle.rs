//! Guarantees per role (docs/THEORY.md, "Guarantees at scale"): the double
//! oracle over per-role count vectors against the dense LP on small role
//! games, its two certificates recomputed from the printed JSON by an
//! independent payoff (`Game::player_shares` on a profile built from the
//! per-role counts), its per-role `counts` policy fed back to `eval`, and
//! the GPU's shares of its certificates.

use super::common::{binary, json_u64s, role_game};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use unitsum_gpu::internals::{double_oracle_with, ShareSource};
use unitsum_gpu::{
    Backend, Basis, Coalition, Evaluator, Game, GuaranteeOptions, Policy, Problem, Solver,
};

/// Coalition 0 is `mine`, the rest one uniform coalition.
fn role_problem(game: Game, roles: &[usize], k: usize, mine: Vec<usize>) -> Problem {
    let n = roles.len();
    let rest: Vec<usize> = (0..n).filter(|i| !mine.contains(i)).collect();
    Problem::new_with_roles(
        n,
        k,
        Some(roles.to_vec()),
        game,
        vec![
            Coalition::new(mine, Policy::Uniform),
            Coalition::new(rest, Policy::Uniform),
        ],
    )
    .unwrap()
}

/// A random small role game: n = 5 to 8 players in two or three roles,
/// k = 2 to 3, one or two states, coalition 0 a random group.
fn random_role_problem(rng: &mut StdRng, family: &str) -> Problem {
    let k = rng.random_range(2..=3);
    let n: usize = rng.random_range(5..=if k == 2 { 8 } else { 6 });
    let distinct = rng.random_range(2..=3);
    let mut roles: Vec<usize> = (0..n).map(|_| rng.random_range(0..distinct)).collect();
    roles[0] = 0;
    roles[n - 1] = 1;
    let states = rng.random_range(1..=2);
    let game = role_game(rng, family, &roles, k, states);
    let size = rng.random_range(1..n);
    let mut players: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        players.swap(i, rng.random_range(0..=i));
    }
    let mut mine = players[..size].to_vec();
    mine.sort_unstable();
    role_problem(game, &roles, k, mine)
}

fn solver(solver: Solver) -> GuaranteeOptions {
    GuaranteeOptions {
        solver,
        spy: Some(true),
        ..Default::default()
    }
}

fn role_double_oracle_equals_the_dense_lp() {
    let mut rng = StdRng::seed_from_u64(2901);
    let mut evaluator = Evaluator::new();
    for family in ["proportional", "congestion"] {
        for case in 0..12 {
            let problem = random_role_problem(&mut rng, family);
            let name = format!("{family} case {case}");
            let dense = evaluator
                .security_value_with(&problem, 0, &solver(Solver::Dense))
                .unwrap();
            let oracle = evaluator
                .security_value_with(&problem, 0, &solver(Solver::DoubleOracle))
                .unwrap();
            assert_eq!(oracle.solver, Solver::DoubleOracle, "{name}");
            assert_eq!(oracle.basis, Basis::RoleCountVectors, "{name}");
            assert_eq!(dense.basis, Basis::RoleCountVectors, "{name}");
            let upper = oracle.upper.unwrap();
            assert!(upper - oracle.lower <= unitsum_gpu::GAP, "{name}: gap");
            // The dense value lies within the certified bounds.
            assert!(
                dense.value >= oracle.lower - 1e-9 && dense.value <= upper + 1e-9,
                "{name}: dense {} outside [{}, {upper}]",
                dense.value,
                oracle.lower
            );
            assert!(oracle.check_error().unwrap() <= 1e-9, "{name}: check");
            let (a, b) = (dense.spy_value.unwrap(), oracle.spy_value.unwrap());
            assert!((a - b).abs() <= 1e-12, "{name}: spy {a} ≠ {b}");
        }
    }
}

/// The present roles, ascending (the blocks of a per-role count vector).
fn present(roles: &[usize]) -> Vec<usize> {
    let mut p = roles.to_vec();
    p.sort_unstable();
    p.dedup();
    p
}

/// `f_x(N, M)` from the game's definition: in each role block, the
/// coalition's members of that role take the actions of `n`'s block in
/// ascending order, the others those of `m`'s; the coalition's shares
/// summed.
fn payoff(problem: &Problem, x: usize, n: &[usize], m: &[usize]) -> f64 {
    let (k, roles) = (problem.actions(), problem.roles());
    let blocks = present(roles);
    let mine = &problem.coalitions()[0].members;
    let mut queues: Vec<Vec<usize>> = vec![Vec::new(); 2 * blocks.len()];
    for (t, _) in blocks.iter().enumerate() {
        for (side, counts) in [n, m].iter().enumerate() {
            for a in 0..k {
                let q = &mut queues[2 * t + side];
                q.extend(std::iter::repeat_n(a, counts[t * k + a]));
            }
        }
    }
    queues.iter_mut().for_each(|q| q.reverse());
    let profile: Vec<usize> = (0..problem.players())
        .map(|i| {
            let t = blocks.binary_search(&roles[i]).unwrap();
            let side = usize::from(!mine.contains(&i));
            queues[2 * t + side].pop().expect("counts match the roles")
        })
        .collect();
    let shares = problem.game().player_shares(x, &profile, k);
    mine.iter().map(|&i| shares[i]).sum()
}

/// Every per-role count vector of `players` (block 0 outermost).
fn every_vector(problem: &Problem, players: &[usize]) -> Vec<Vec<usize>> {
    let (k, roles) = (problem.actions(), problem.roles());
    let mut all = vec![Vec::new()];
    for r in present(roles) {
        let total = players.iter().filter(|&&i| roles[i] == r).count();
        let block: Vec<Vec<usize>> = (0..(total + 1).pow(k as u32))
            .map(|i| {
                (0..k)
                    .map(|d| (i / (total + 1).pow(d as u32)) % (total + 1))
                    .collect()
            })
            .filter(|v: &Vec<usize>| v.iter().sum::<usize>() == total)
            .collect();
        all = all
            .iter()
            .flat_map(|prefix| {
                block.iter().map(move |b| {
                    let mut v = prefix.clone();
                    v.extend(b);
                    v
                })
            })
            .collect();
    }
    all
}

fn lower_of(problem: &Problem, policy: &[(Vec<usize>, f64)]) -> f64 {
    let others = &problem.coalitions()[1].members;
    let mut lowest = f64::INFINITY;
    for x in 0..problem.states() {
        for m in every_vector(problem, others) {
            let v: f64 = policy
                .iter()
                .map(|(n, p)| p * payoff(problem, x, n, &m))
                .sum();
            lowest = lowest.min(v);
        }
    }
    lowest
}

fn upper_of(problem: &Problem, mix: &[(usize, Vec<usize>, f64)]) -> f64 {
    every_vector(problem, &problem.coalitions()[0].members)
        .iter()
        .map(|n| {
            mix.iter()
                .map(|(x, m, p)| p * payoff(problem, *x, n, m))
                .sum::<f64>()
        })
        .fold(f64::NEG_INFINITY, f64::max)
}

fn counts_of(v: &Value) -> Vec<usize> {
    json_u64s(v).into_iter().map(|c| c as usize).collect()
}

/// Two roles (4 and 3 players), k = 3, the coalition 2 + 2 of them: both
/// certificates recomputed from the JSON by the independent payoff; a
/// perturbed policy or reply mix fails the recomputation; the per-role
/// `counts` policy fed back to `eval` against the worst reply reproduces
/// the lower bound.
fn role_certificates_recompute_from_the_printed_json() {
    let roles = [0, 0, 0, 0, 1, 1, 1];
    let mut rng = StdRng::seed_from_u64(2903);
    for family in ["proportional", "congestion"] {
        let game = role_game(&mut rng, family, &roles, 3, 2);
        let problem = role_problem(game, &roles, 3, vec![0, 1, 4, 5]);
        let path = std::env::temp_dir().join(format!(
            "unitsum-role-oracle-{}-{family}.json",
            std::process::id()
        ));
        std::fs::write(&path, problem.to_json()).unwrap();
        let spec = path.to_str().unwrap();
        let args = ["guarantee", spec, "--solver", "double-oracle"];
        let (code, out, err) = binary(&[&args[..], &["--format", "json"]].concat());
        assert_eq!(code, 0, "{err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["basis"], "per-role count vectors", "{family}");
        let (lower, upper) = (v["lower"].as_f64().unwrap(), v["upper"].as_f64().unwrap());
        assert!(upper - lower <= 1e-9, "{family}: gap {}", upper - lower);
        let policy: Vec<(Vec<usize>, f64)> = v["policy"]["support"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (counts_of(&e["counts"]), e["p"].as_f64().unwrap()))
            .collect();
        assert!(
            policy.iter().all(|(n, _)| n.len() == 6),
            "{family}: per role"
        );
        let mix: Vec<(usize, Vec<usize>, f64)> = v["reply_mix"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let x = e["state"].as_u64().unwrap() as usize;
                (x, counts_of(&e["counts"]), e["p"].as_f64().unwrap())
            })
            .collect();
        let recomputed = lower_of(&problem, &policy);
        assert!(
            (recomputed - lower).abs() <= 1e-12,
            "{family}: lower {lower}, recomputed {recomputed}"
        );
        let best = upper_of(&problem, &mix);
        assert!(
            (best - upper).abs() <= 1e-12,
            "{family}: upper {upper}, recomputed {best}"
        );
        // Perturbed: half the first entry's probability moved onto a
        // vector outside the support (policy and reply mix alike).
        let outside = every_vector(&problem, &problem.coalitions()[0].members)
            .into_iter()
            .find(|c| policy.iter().all(|(d, _)| d != c))
            .unwrap();
        let mut perturbed = policy.clone();
        let moved = perturbed[0].1 / 2.0;
        perturbed[0].1 -= moved;
        perturbed.push((outside, moved));
        let changed = lower_of(&problem, &perturbed);
        assert!((changed - lower).abs() > 1e-9, "{family}: policy {changed}");
        let (x, m, _) = mix[0].clone();
        let elsewhere = every_vector(&problem, &problem.coalitions()[1].members)
            .into_iter()
            .find(|c| mix.iter().all(|(y, d, _)| (*y, d) != (x, c)))
            .unwrap();
        let mut shifted = mix.clone();
        let moved = shifted[0].2 / 2.0;
        shifted[0].2 -= moved;
        shifted.push((x, elsewhere, moved));
        let changed = upper_of(&problem, &shifted);
        assert!(
            (changed - upper).abs() > 1e-9,
            "{family}: reply mix {changed} (from {m:?})"
        );
        // The per-role counts policy against the worst reply, by `eval`.
        let worst = json_u64s(&v["worst_reply"]);
        let mut doc: Value = serde_json::from_str(&problem.to_json()).unwrap();
        doc["coalitions"][0]["policy"] = v["policy"].clone();
        doc["coalitions"][1]["policy"] = serde_json::json!({ "kind": "pure", "actions": worst });
        std::fs::write(&path, doc.to_string()).unwrap();
        let (code, out, err) = binary(&["eval", spec, "--backend", "cpu", "--format", "json"]);
        assert_eq!(code, 0, "{err}");
        let e: Value = serde_json::from_str(&out).unwrap();
        let x = v["worst_state"].as_u64().unwrap() as usize;
        let r = e["shares"][0][x].as_f64().unwrap();
        assert!(
            (r - lower).abs() <= 1e-9,
            "{family}: eval {r}, lower {lower}"
        );
        let _ = std::fs::remove_file(&path);
    }
}

/// A table game has no counts: the double oracle is still refused for it,
/// naming the flag; a role game's share table likewise.
fn the_double_oracle_refuses_what_has_no_counts() {
    let mut rng = StdRng::seed_from_u64(2905);
    let table = unitsum_gpu::internals::random_game(&mut rng, "table", 4, 2, 1).unwrap();
    let problem = Problem::new(
        4,
        2,
        table,
        vec![
            Coalition::new(vec![0, 1], Policy::Uniform),
            Coalition::new(vec![2, 3], Policy::Uniform),
        ],
    )
    .unwrap();
    let mut evaluator = Evaluator::new();
    let err = evaluator
        .security_value_with(&problem, 0, &solver(Solver::DoubleOracle))
        .expect_err("refused")
        .to_string();
    assert!(err.contains("solver") && err.contains("table"), "{err}");
    let roles = [0, 0, 1, 1];
    let game = role_game(&mut rng, "proportional", &roles, 2, 1);
    let problem = role_problem(game, &roles, 2, vec![0, 2]);
    let err = double_oracle_with(
        &mut evaluator,
        &problem,
        0,
        &solver(Solver::DoubleOracle),
        ShareSource::Table,
    )
    .expect_err("refused")
    .to_string();
    assert!(
        err.contains("shares") && err.contains("on the fly"),
        "{err}"
    );
}

/// `auto` keeps the dense LP for small role games and takes the double
/// oracle beyond its threshold; two roles × 12, k = 3, coalition (7, 5).
fn auto_takes_the_double_oracle_for_large_role_games() {
    let mut rng = StdRng::seed_from_u64(2907);
    let roles: Vec<usize> = (0..24).map(|i| usize::from(i >= 12)).collect();
    let game = role_game(&mut rng, "congestion", &roles, 3, 1);
    let mine: Vec<usize> = (0..7).chain(12..17).collect();
    let problem = role_problem(game, &roles, 3, mine);
    let mut evaluator = Evaluator::new();
    let v = evaluator
        .security_value_with(&problem, 0, &GuaranteeOptions::default())
        .unwrap();
    assert_eq!(v.solver, Solver::DoubleOracle);
    assert!(v.upper.unwrap() - v.lower <= 1e-9);
    assert!(v.check_error().unwrap() <= 1e-9);
    let small = role_problem(
        role_game(&mut rng, "congestion", &[0, 0, 1, 1], 2, 1),
        &[0, 0, 1, 1],
        2,
        vec![0, 2],
    );
    let v = evaluator
        .security_value_with(&small, 0, &GuaranteeOptions::default())
        .unwrap();
    assert_eq!(v.solver, Solver::Dense);
}

/// The GPU's shares of the certificates' per-role count vectors agree with
/// the CPU's.
fn gpu_role_double_oracle_shares_match(gpu: &mut Evaluator) {
    let mut rng = StdRng::seed_from_u64(2909);
    for family in ["proportional", "congestion"] {
        let roles: Vec<usize> = (0..10).map(|i| usize::from(i >= 6)).collect();
        let game = role_game(&mut rng, family, &roles, 3, 2);
        let problem = role_problem(game, &roles, 3, vec![0, 1, 2, 6, 7]);
        let options = GuaranteeOptions {
            backend: Backend::Both,
            solver: Solver::DoubleOracle,
            ..Default::default()
        };
        let v = gpu.security_value_with(&problem, 0, &options).unwrap();
        let d = v.max_gpu_cpu.expect("compared");
        assert!(
            d <= unitsum_gpu::internals::PAYOFF_TOLERANCE,
            "{family}: {d}"
        );
        assert!(v.upper.unwrap() - v.lower <= 1e-9, "{family}");
    }
}

super::trials!(
    cpu: [
        role_double_oracle_equals_the_dense_lp,
        role_certificates_recompute_from_the_printed_json,
        the_double_oracle_refuses_what_has_no_counts,
        auto_takes_the_double_oracle_for_large_role_games,
    ],
    gpu: [gpu_role_double_oracle_shares_match],
);
