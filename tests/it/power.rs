//! The characteristic function (`Evaluator::power`, `unitsum-gpu power`):
//! Shapley and Banzhaf values against brute force over orders and subsets
//! of players, v against security values of other coalitions of the same
//! composition, the core against its definition, resuming.

use std::collections::HashMap;

use unitsum_gpu::{
    Backend, Coalition, Evaluator, Game, Policy, Power, PowerOptions, Problem, POWER_TOLERANCE,
};

use super::common::binary;

/// A role game: congestion with role-indexed values, roles `roles`.
fn role_game(roles: Vec<usize>, states: usize) -> Problem {
    let n = roles.len();
    let values: Vec<Vec<Vec<f64>>> = (0..states)
        .map(|x| {
            vec![
                vec![3.0 + x as f64, 1.0, 2.0],
                vec![1.0, 2.0 + x as f64, 4.0],
            ]
        })
        .collect();
    Problem::from_value(&serde_json::json!({
        "players": n, "actions": 3, "roles": roles,
        "game": {"family": "congestion", "values": values},
        "coalitions": [{"members": format!("0..{n}"), "policy": {"kind": "uniform"}}],
    }))
    .expect("a role game")
}

/// v of a set of players, through its composition.
fn v_of(power: &Power, roles: &[usize], set: u32) -> f64 {
    let mut composition = vec![0; power.roles.len()];
    for (i, role) in roles.iter().enumerate() {
        if set & (1 << i) != 0 {
            composition[power.roles.iter().position(|r| r == role).unwrap()] += 1;
        }
    }
    let at: HashMap<&[usize], f64> = power
        .points
        .iter()
        .map(|p| (p.composition.as_slice(), p.value))
        .collect();
    at[composition.as_slice()]
}

/// Shapley by every order of the players, Banzhaf by every subset: one
/// value per player.
fn brute_force(power: &Power, roles: &[usize]) -> (Vec<f64>, Vec<f64>) {
    let n = roles.len();
    let mut orders: Vec<Vec<usize>> = vec![vec![]];
    for _ in 0..n {
        orders = orders
            .iter()
            .flat_map(|o| {
                (0..n)
                    .filter(|i| !o.contains(i))
                    .map(move |i| [o.clone(), vec![i]].concat())
            })
            .collect();
    }
    let mut shapley = vec![0.0; n];
    for order in &orders {
        let mut set = 0u32;
        for &i in order {
            shapley[i] += v_of(power, roles, set | 1 << i) - v_of(power, roles, set);
            set |= 1 << i;
        }
    }
    shapley.iter_mut().for_each(|s| *s /= orders.len() as f64);
    let banzhaf = (0..n)
        .map(|i| {
            (0..1u32 << n)
                .filter(|set| set & (1 << i) == 0)
                .map(|set| v_of(power, roles, set | 1 << i) - v_of(power, roles, set))
                .sum::<f64>()
                / (1u64 << (n - 1)) as f64
        })
        .collect();
    (shapley, banzhaf)
}

fn power_of(problem: &Problem) -> Power {
    Evaluator::new()
        .power(problem, &PowerOptions::default(), &mut |_| Ok(()))
        .expect("power")
}

fn shapley_and_banzhaf_agree_with_brute_force() {
    let roles = vec![0, 1, 1, 0, 1];
    let power = power_of(&role_game(roles.clone(), 2));
    let (shapley, banzhaf) = brute_force(&power, &roles);
    for (i, role) in roles.iter().enumerate() {
        let r = power.roles.iter().position(|x| x == role).unwrap();
        assert!(
            (shapley[i] - power.shapley[r]).abs() < 1e-12,
            "{shapley:?} vs {:?}",
            power.shapley
        );
        assert!(
            (banzhaf[i] - power.banzhaf[r]).abs() < 1e-12,
            "{banzhaf:?} vs {:?}",
            power.banzhaf
        );
    }
    assert!(power.efficiency_error < 1e-12);
    // The roles differ: so do their values (else the test shows nothing).
    assert!(
        (power.shapley[0] - power.shapley[1]).abs() > 1e-3,
        "{:?}",
        power.shapley
    );
    // A perturbed v fails the comparison.
    let mut perturbed = power.clone();
    perturbed.points[3].value += 1e-6;
    let (wrong, _) = brute_force(&perturbed, &roles);
    assert!(wrong
        .iter()
        .zip(&shapley)
        .any(|(a, b)| (a - b).abs() > 1e-8));
}

/// v depends on the composition only: other members of the same
/// composition (the last of each role, not the first) secure the same.
fn v_is_the_security_value_of_any_coalition_of_its_composition() {
    let roles = vec![1, 0, 1, 0, 0];
    let problem = role_game(roles.clone(), 1);
    let power = power_of(&problem);
    let mut evaluator = Evaluator::new();
    for p in power
        .points
        .iter()
        .filter(|p| p.size > 0 && p.size < roles.len())
    {
        let mut wanted = p.composition.clone();
        let mut members = Vec::new();
        for i in (0..roles.len()).rev() {
            let r = power.roles.iter().position(|x| *x == roles[i]).unwrap();
            if wanted[r] > 0 {
                wanted[r] -= 1;
                members.push(i);
            }
        }
        let others: Vec<usize> = (0..roles.len()).filter(|i| !members.contains(i)).collect();
        let split = problem
            .with_coalitions(vec![
                Coalition::new(members, Policy::Uniform),
                Coalition::new(others, Policy::Uniform),
            ])
            .unwrap();
        let v = evaluator.security_value(&split, 0, Backend::Cpu).unwrap();
        assert!(
            (v.value - p.value).abs() < 1e-9,
            "{:?}: {} vs {}",
            p.composition,
            v.value,
            p.value
        );
    }
}

/// In a symmetric game the core is non-empty exactly when v(s) ≤ s/n for
/// every s (checked here from the power curve, another route), and the
/// first s beyond is the witness.
fn the_symmetric_core_is_the_head_count_test() {
    for (game, n) in [(Game::Plurality, 7), (Game::Plurality, 4)] {
        let problem = Problem::new(
            n,
            3,
            game.clone(),
            vec![Coalition::new((0..n).collect(), Policy::Uniform)],
        )
        .unwrap();
        let power = power_of(&problem);
        let curve = Evaluator::new()
            .power_curve(game, n, 3, Backend::Cpu)
            .unwrap();
        let first_beyond = curve
            .iter()
            .find(|p| p.value > p.size as f64 / n as f64 + POWER_TOLERANCE)
            .map(|p| vec![p.size]);
        assert_eq!(power.core.empty, first_beyond.is_some());
        assert_eq!(power.core.violated, first_beyond);
        for p in &curve {
            assert!((power.points[p.size].value - p.value).abs() < 1e-9);
        }
        assert!((power.shapley[0] - 1.0 / n as f64).abs() < 1e-15);
        assert!(power.monotone.holds);
    }
}

fn power_prints_rows_then_a_summary_and_resumes() {
    let dir = std::env::temp_dir().join(format!("unitsum-power-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for format in ["json", "csv"] {
        let out = dir.join(format!("v.{format}"));
        let out_s = out.to_str().unwrap();
        let args = [
            "power",
            "--players",
            "6",
            "--actions",
            "3",
            "--format",
            format,
            "--out",
            out_s,
        ];
        let (code, _, err) = binary(&args);
        assert_eq!(code, 0, "{err}");
        assert!(err.contains("core: empty: v(4)"), "{err}");
        let whole = std::fs::read_to_string(&out).unwrap();
        let lines: Vec<&str> = whole.lines().collect();
        // Seven compositions, then the summary (JSON) or after the header (CSV).
        assert_eq!(lines.len(), 8);
        if format == "json" {
            let summary: serde_json::Value = serde_json::from_str(lines[7]).unwrap();
            assert_eq!(summary["core"]["empty"], true);
            assert_eq!(summary["shapley"].as_array().unwrap().len(), 1);
        } else {
            assert_eq!(lines[0], "composition,size,value,upper,fraction,solver");
        }
        // Cut the file after three lines and half a fourth: resuming solves
        // the rest and writes the same file.
        let cut = lines[..3].join("\n") + "\n" + &lines[3][..10];
        std::fs::write(&out, cut).unwrap();
        let (code, _, err) = binary(&[&args[..], &["--resume"]].concat());
        assert_eq!(code, 0, "{err}");
        let resumed = if format == "json" { 3 } else { 2 };
        assert!(err.contains(&format!("({resumed} resumed)")), "{err}");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), whole);
        // Resuming a complete file solves nothing and writes it again.
        let (code, _, err) = binary(&[&args[..], &["--resume"]].concat());
        assert_eq!(code, 0, "{err}");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), whole);
        // Another game cannot resume this file.
        let other = [
            "power",
            "--players",
            "5",
            "--format",
            format,
            "--out",
            out_s,
            "--resume",
        ];
        let (code, _, err) = binary(&other);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("resume"), "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn power_refuses_what_it_cannot_answer() {
    // A table game: players need not be interchangeable.
    let (code, _, err) = binary(&[
        "power",
        "--family",
        "table",
        "--players",
        "3",
        "--actions",
        "2",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("game") && err.contains("interchangeable"),
        "{err}"
    );
    // Too many compositions: three roles of 60 players.
    let roles: Vec<usize> = (0..180).map(|i| i % 3).collect();
    let weights: Vec<Vec<f64>> = (0..3).map(|r| vec![1.0 + r as f64, 2.0]).collect();
    let spec = serde_json::json!({
        "players": 180, "actions": 2, "roles": roles,
        "game": {"family": "proportional", "weights": [weights]},
        "coalitions": [{"members": "0..180", "policy": {"kind": "uniform"}}],
    });
    let path =
        std::env::temp_dir().join(format!("unitsum-power-roles-{}.json", std::process::id()));
    std::fs::write(&path, spec.to_string()).unwrap();
    let (code, _, err) = binary(&["power", path.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("226981 compositions"), "{err}");
    let _ = std::fs::remove_file(&path);
    // A spec with family flags, --resume without --out.
    let (code, _, err) = binary(&["power", "examples/contexts.json", "--players", "4"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("players"), "{err}");
    let (code, _, err) = binary(&["power", "--resume"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--out"), "{err}");
}

trials!(
    cpu: [
        shapley_and_banzhaf_agree_with_brute_force,
        v_is_the_security_value_of_any_coalition_of_its_composition,
        the_symmetric_core_is_the_head_count_test,
        power_prints_rows_then_a_summary_and_resumes,
        power_refuses_what_it_cannot_answer,
    ],
    gpu: [],
);
