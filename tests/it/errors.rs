//! Bad input gets a typed error naming the JSON path, never a panic.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use unitsum_gpu::{Error, Problem};

fn base() -> Value {
    json!({ "players": 4, "actions": 3,
        "game": { "family": "proportional", "weights": [[1.0, 2.0, 3.0]] },
        "coalitions": [
            { "members": [0, 1], "policy": { "kind": "independent", "marginals": [[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]] } },
            { "members": [2, 3], "policy": { "kind": "uniform" } } ] })
}

fn expect_error(spec: Value, path: &str, words: &str) {
    match Problem::from_value(&spec) {
        Err(Error::Spec { path: p, message }) => {
            assert_eq!(p, path, "message: {message}");
            assert!(
                message.contains(words),
                "{path}: {message:?} lacks {words:?}"
            );
        }
        Err(Error::TooLarge { message: m, .. }) => {
            assert!(path == "too large" && m.contains(words), "{m}")
        }
        other => panic!("{path}: expected an error, got {other:?}"),
    }
}

fn with(edit: impl FnOnce(&mut Value)) -> Value {
    let mut v = base();
    edit(&mut v);
    v
}

fn the_base_spec_is_valid() {
    Problem::from_value(&base()).unwrap();
}

fn every_malformed_spec_names_its_path() {
    expect_error(
        with(|v| v["game"]["family"] = json!("poker")),
        "game.family",
        "unknown family",
    );
    expect_error(
        with(|v| v["coalitions"][1]["policy"]["kind"] = json!("random")),
        "coalitions[1].policy.kind",
        "unknown policy kind",
    );
    expect_error(
        with(|v| v["players"] = json!(-1)),
        "players",
        "non-negative integer",
    );
    expect_error(with(|v| v["players"] = json!(0)), "players", "at least 1");
    expect_error(
        with(|v| v["actions"] = json!(99)),
        "actions",
        "between 1 and 16",
    );
    expect_error(
        with(|v| {
            v.as_object_mut().unwrap().remove("game");
        }),
        "game",
        "missing",
    );
    expect_error(
        with(|v| v["game"]["weights"] = json!([[1.0, 2.0]])),
        "game.weights[0]",
        "expected one per action",
    );
    expect_error(
        with(|v| v["game"]["weights"][0][1] = json!(0.0)),
        "game.weights[0][1]",
        "positive",
    );
    expect_error(
        with(|v| v["game"]["weights"][0][1] = json!(-2.0)),
        "game.weights[0][1]",
        "positive",
    );
    expect_error(
        with(|v| v["game"]["weights"][0][1] = json!("x")),
        "game.weights[0][1]",
        "expected a number",
    );
    expect_error(
        with(|v| v["coalitions"][1]["members"] = json!([2, 2])),
        "coalitions[1].members[1]",
        "already a member",
    );
    expect_error(
        with(|v| v["coalitions"][1]["members"] = json!([2, 7])),
        "coalitions[1].members[1]",
        "out of range",
    );
    expect_error(
        with(|v| v["coalitions"][1]["members"] = json!([2])),
        "coalitions",
        "partition",
    );
    expect_error(
        with(|v| v["coalitions"][1]["members"] = json!([2, 0])),
        "coalitions[1].members[1]",
        "already a member",
    );
    expect_error(
        with(|v| v["coalitions"][0]["policy"]["marginals"][0] = json!([0.5, 0.6, 0.0])),
        "coalitions[0].policy.marginals[0]",
        "sum to",
    );
    expect_error(
        with(|v| v["coalitions"][0]["policy"]["marginals"][0] = json!([1.5, -0.5, 0.0])),
        "coalitions[0].policy.marginals[0][1]",
        "≥ 0",
    );
    expect_error(
        with(|v| v["coalitions"][0]["policy"]["marginals"] = json!([[1.0, 0.0, 0.0]])),
        "coalitions[0].policy.marginals",
        "one per member",
    );
    expect_error(
        with(|v| v["coalitions"][0]["policy"] = json!({"kind": "pure", "actions": [0, 3]})),
        "coalitions[0].policy.actions[1]",
        "out of range",
    );
    expect_error(
        with(|v| {
            v["coalitions"][0]["policy"] = json!({"kind": "independent", "marginal": [0.5, 0.5]})
        }),
        "coalitions[0].policy.marginal",
        "one per action",
    );
    expect_error(
        with(|v| v["coalitions"][0]["policy"] = json!({"kind": "common", "dist": [0.5, 0.5, 0.5]})),
        "coalitions[0].policy.dist",
        "sum to",
    );
    expect_error(
        with(|v| v["coalitions"][0]["policy"] = json!({"kind": "joint", "support": []})),
        "coalitions[0].policy.support",
        "empty",
    );
    expect_error(
        with(|v| {
            v["coalitions"][0]["policy"] =
                json!({"kind": "joint", "support": [{"actions": [0], "p": 1.0}]})
        }),
        "coalitions[0].policy.support[0].actions",
        "one per member",
    );
    expect_error(
        with(|v| {
            v["coalitions"][0]["policy"] =
                json!({"kind": "joint", "support": [{"actions": [0, 1], "p": 0.7}]})
        }),
        "coalitions[0].policy.support",
        "sum to",
    );
    expect_error(
        with(|v| v["coalitions"][0]["policy"] = json!({"kind": "copy", "of": 0})),
        "coalitions[0].policy.of[0]",
        "itself",
    );
    expect_error(
        with(|v| v["coalitions"][0]["policy"] = json!({"kind": "copy", "of": 5})),
        "coalitions[0].policy.of[0]",
        "does not exist",
    );
    expect_error(
        with(|v| {
            v["coalitions"][0]["policy"] = json!({"kind": "copy", "of": [1], "rest_action": 3})
        }),
        "coalitions[0].policy.rest_action",
        "out of range",
    );
    expect_error(
        with(|v| {
            v["coalitions"][0]["policy"] = json!({"kind": "copy", "of": 1});
            v["coalitions"][1]["policy"] = json!({"kind": "copy", "of": 0});
        }),
        "coalitions[0].policy.of[0]",
        "copy of a copy",
    );
    expect_error(
        with(|v| {
            v["coalitions"][0]["members"] = json!([0]);
            v["coalitions"][1]["members"] = json!([1, 2, 3]);
            v["coalitions"][0]["policy"] = json!({"kind": "copy", "of": 1});
        }),
        "coalitions[0].policy.of",
        "at least as large",
    );
    expect_error(
        with(|v| {
            v["coalitions"][0]["policy"] = json!({"kind": "blocks", "blocks": [
        {"members": [0], "policy": {"kind": "uniform"}}]})
        }),
        "coalitions[0].policy.blocks",
        "in no block",
    );
    expect_error(
        with(|v| {
            v["coalitions"][0]["policy"] = json!({"kind": "blocks", "blocks": [
        {"members": [0, 2], "policy": {"kind": "uniform"}}]})
        }),
        "coalitions[0].policy.blocks[0].members[1]",
        "not a member",
    );
    expect_error(
        with(|v| {
            v["coalitions"][0]["policy"] = json!({"kind": "blocks", "blocks": [
        {"members": [0], "policy": {"kind": "uniform"}}, {"members": [1, 0], "policy": {"kind": "uniform"}}]})
        }),
        "coalitions[0].policy.blocks[1].members[1]",
        "two blocks",
    );
    expect_error(
        with(|v| {
            v["coalitions"][0]["policy"] = json!({"kind": "blocks", "blocks": [
        {"members": [0, 1], "policy": {"kind": "pure", "actions": [0, 9]}}]})
        }),
        "coalitions[0].policy.blocks[0].policy.actions[1]",
        "out of range",
    );
    expect_error(
        with(|v| v["game"] = json!({"family": "table", "shares": [[[0.5, 0.5, 0.0, 0.0]]]})),
        "game.shares[0]",
        "one per profile",
    );
    expect_error(json!("not an object"), "(root)", "expected an object");
}

fn table_and_anonymous_games_are_checked() {
    let two = |game: Value| {
        json!({ "players": 2, "actions": 2, "game": game,
        "coalitions": [ { "members": [0], "policy": { "kind": "uniform" } }, { "members": [1], "policy": { "kind": "uniform" } } ] })
    };
    expect_error(
        two(
            json!({"family": "table", "shares": [[[1.0, 0.0], [0.5, 0.5], [0.5, 0.6], [0.0, 1.0]]]}),
        ),
        "game.shares[0][2]",
        "not 1",
    );
    expect_error(
        two(
            json!({"family": "table", "shares": [[[1.0, 0.0], [1.5, -0.5], [0.5, 0.5], [0.0, 1.0]]]}),
        ),
        "game.shares[0][1][1]",
        "non-negative",
    );
    expect_error(
        two(json!({"family": "anonymous", "weights": [[[1.0, 2.0]]]})),
        "game.weights[0]",
        "has 1 rows",
    );
    expect_error(
        two(json!({"family": "anonymous", "weights": [[[1.0, -2.0], [1.0, 1.0]]]})),
        "game.weights[0][0][1]",
        "non-negative",
    );
    // Counts (2, 0): both on action 0, each sees (1, 0) = rank 1: w[1][0] = 0 → 0/0.
    expect_error(
        two(json!({"family": "anonymous", "weights": [[[1.0, 1.0], [0.0, 1.0]]]})),
        "game.weights[0]",
        "total weight is 0",
    );
    expect_error(
        json!({ "players": 40, "actions": 4, "game": {"family": "table", "shares": []},
        "coalitions": [ { "members": (0..40).collect::<Vec<_>>(), "policy": { "kind": "uniform" } } ] }),
        "too large",
        "a symmetric family needs none",
    );
}

fn invalid_json_is_an_error() {
    match unitsum_gpu::Problem::from_json("{ \"players\": 3, ") {
        Err(Error::Spec { message, .. }) => assert!(message.contains("not valid JSON")),
        other => panic!("{other:?}"),
    }
}

pub fn mutate(rng: &mut StdRng, v: &mut Value, depth: u32) {
    let replacement = || -> Vec<Value> {
        vec![
            json!(-1),
            json!(0),
            json!(1e308),
            json!(1.5),
            json!("x"),
            Value::Null,
            json!([]),
            json!({}),
            json!(4294967297u64),
            json!(2),
            json!([0.5, 0.5]),
        ]
    };
    match v {
        Value::Object(map) if !map.is_empty() && depth < 8 => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let key = &keys[rng.random_range(0..keys.len())];
            if rng.random_bool(0.1) {
                map.remove(key);
            } else {
                mutate(rng, map.get_mut(key).unwrap(), depth + 1);
            }
        }
        Value::Array(items) if !items.is_empty() && depth < 8 => match rng.random_range(0..10) {
            0 => {
                items.pop();
            }
            1 => {
                let first = items[0].clone();
                items.push(first);
            }
            _ => {
                let i = rng.random_range(0..items.len());
                mutate(rng, &mut items[i], depth + 1);
            }
        },
        _ => {
            let options = replacement();
            *v = options[rng.random_range(0..options.len())].clone();
        }
    }
}

fn randomly_mutated_specs_never_panic_nor_give_a_wrong_number() {
    let mut rng = StdRng::seed_from_u64(11);
    let mut accepted = 0;
    for (name, problem) in super::common::all_random_problems(1) {
        let original = problem.to_value();
        for _ in 0..40 {
            let mut v = original.clone();
            for _ in 0..rng.random_range(1..=3) {
                mutate(&mut rng, &mut v, 0);
            }
            if let Ok(p) = Problem::from_value(&v) {
                accepted += 1;
                // A spec that is accepted evaluates to shares that are shares.
                if let Ok(r) = unitsum_gpu::evaluate(
                    &p,
                    &unitsum_gpu::Options {
                        backend: unitsum_gpu::Backend::Cpu,
                        ..Default::default()
                    },
                ) {
                    super::common::assert_identities(&name, &r.shares, 1e-8);
                }
            }
        }
    }
    assert!(
        accepted > 0,
        "the mutations never produced a valid spec: the test checks nothing"
    );
}

super::trials! {
    cpu: [the_base_spec_is_valid, every_malformed_spec_names_its_path, table_and_anonymous_games_are_checked, invalid_json_is_an_error, randomly_mutated_specs_never_panic_nor_give_a_wrong_number],
    gpu: [],
}
