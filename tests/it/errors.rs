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

fn the_base_spec_is_valid() {
    Problem::from_value(&base()).unwrap();
}

/// The malformed specs of `tests/data/bad-specs.jsonl`, one JSON object a
/// line: the spec, the JSON path its error must name (`too large` for a
/// refusal as too large) and words the message must contain. The Python
/// tests read the same file.
fn bad_specs() -> Vec<(Value, String, String)> {
    let text = include_str!("../data/bad-specs.jsonl");
    text.lines()
        .map(|line| {
            let case: Value = serde_json::from_str(line).expect("a JSON line");
            let text = |key: &str| case[key].as_str().expect("a string").to_string();
            (case["spec"].clone(), text("path"), text("words"))
        })
        .collect()
}

fn every_malformed_spec_names_its_path() {
    let cases = bad_specs();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    for (spec, path, words) in cases {
        expect_error(spec, &path, &words);
    }
}

fn a_spec_from_the_table_repaired_is_valid() {
    // The table's first case is the base spec with an unknown family: with
    // the family put back, it parses (so each case fails for its own edit).
    let (mut spec, path, _) = bad_specs().swap_remove(0);
    assert_eq!(path, "game.family");
    spec["game"]["family"] = json!("proportional");
    assert_eq!(spec, base());
    Problem::from_value(&spec).unwrap();
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

/// `examples/congestion-blocks.json` with its member lists written as
/// ranges (exclusive and inclusive), and the same with lists.
fn blocks_spec(ranges: bool) -> Value {
    let m = |list: Value, range: &str| if ranges { json!(range) } else { list };
    json!({ "players": 6, "actions": 3,
        "game": { "family": "congestion", "values": [[3.0, 2.0, 1.0]] },
        "coalitions": [
            { "members": m(json!([0, 1, 2, 3]), "0..4"), "policy": { "kind": "blocks", "blocks": [
                { "members": m(json!([0, 1]), "0..=1"), "policy": { "kind": "common", "dist": [0.6, 0.4, 0.0] } },
                { "members": m(json!([2, 3]), "2..4"), "policy": { "kind": "independent", "marginal": [0.2, 0.3, 0.5] } } ] } },
            { "members": m(json!([4]), "4..=4"), "policy": { "kind": "pure", "actions": [0] } },
            { "members": m(json!([5]), "5..6"), "policy": { "kind": "uniform" } } ] })
}

fn member_ranges_are_the_lists_they_stand_for() {
    let listed = Problem::from_value(&blocks_spec(false)).unwrap();
    let ranged = Problem::from_value(&blocks_spec(true)).unwrap();
    assert_eq!(ranged, listed);
    let file = Problem::load("examples/congestion-blocks.json").unwrap();
    assert_eq!(ranged, file);
    assert_eq!(
        super::common::cpu(&ranged).shares,
        super::common::cpu(&listed).shares
    );
    // Written back as lists; the text parses to the same problem.
    let written = ranged.to_value();
    assert_eq!(written["coalitions"][0]["members"], json!([0, 1, 2, 3]));
    assert_eq!(
        written["coalitions"][0]["policy"]["blocks"][1]["members"],
        json!([2, 3])
    );
    assert_eq!(written, listed.to_value());
    assert_eq!(Problem::from_json(&ranged.to_json()).unwrap(), ranged);
}

/// A range standing for 10^12 players is refused by the bound on what
/// ranges may stand for, before a list is built (this would not return
/// otherwise), and so are many ranges that together pass it.
fn huge_ranges_are_refused_before_a_list_is_built() {
    let mut spec = base();
    spec["players"] = json!(1_000_000_000_000u64);
    spec["coalitions"][0]["members"] = json!("0..1000000000000");
    expect_error(spec.clone(), "coalitions[0].members", "beyond the");
    let half = unitsum_gpu::MAX_INPUT_VALUES / 2 + 1;
    spec["coalitions"][0]["members"] = json!(format!("0..{half}"));
    spec["coalitions"][1]["members"] = json!(format!("{half}..{}", 2 * half));
    expect_error(spec, "coalitions[1].members", "in all");
}

fn the_cli_evaluates_a_1000_player_spec_written_with_ranges() {
    let eval = |path: &str| {
        let (code, out, err) = super::common::binary(&[
            "eval",
            path,
            "--backend",
            "cpu",
            "--method",
            "counts",
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<Value>(&out).unwrap()["shares"].clone()
    };
    let ranged = eval("examples/ranges.json");
    assert_eq!(ranged.as_array().map(Vec::len), Some(3));
    // The same spec with its ranges written out as lists gives the same shares.
    let problem = Problem::load("examples/ranges.json").unwrap();
    assert_eq!(problem.players(), 1000);
    let text = std::fs::read_to_string("examples/ranges.json").unwrap();
    assert!(
        !text.contains("[0, 1, 2"),
        "the example is written with ranges"
    );
    let readme = std::fs::read_to_string("README.md").unwrap();
    assert!(
        readme.contains(&text),
        "README's \"Spec format\" shows the example as it is"
    );
    let dir = std::env::temp_dir().join(format!("unitsum-ranges-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let listed = dir.join("listed.json");
    std::fs::write(&listed, problem.to_json()).unwrap();
    assert_eq!(eval(&listed.display().to_string()), ranged);
    std::fs::remove_dir_all(&dir).ok();
}

/// Each bad-spec case written with a range, through the binary: exit code 2
/// and the JSON path on stderr.
fn each_bad_range_exits_2_with_its_path() {
    let dir = std::env::temp_dir().join(format!("unitsum-bad-ranges-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut tried = 0;
    for (i, (spec, path, _)) in bad_specs().into_iter().enumerate() {
        if path == "too large" || !spec.to_string().contains("..") {
            continue;
        }
        let file = dir.join(format!("case-{i}.json"));
        std::fs::write(&file, spec.to_string()).unwrap();
        let (code, _, err) =
            super::common::binary(&["eval", &file.display().to_string(), "--backend", "cpu"]);
        assert_eq!(code, 2, "{path}: {err}");
        assert!(err.contains(&format!("{path}: ")), "{path}: {err}");
        tried += 1;
    }
    assert!(tried >= 14, "{tried} range cases");
    std::fs::remove_dir_all(&dir).ok();
}

super::trials! {
    cpu: [the_base_spec_is_valid, every_malformed_spec_names_its_path, a_spec_from_the_table_repaired_is_valid, invalid_json_is_an_error, randomly_mutated_specs_never_panic_nor_give_a_wrong_number, member_ranges_are_the_lists_they_stand_for, huge_ranges_are_refused_before_a_list_is_built, the_cli_evaluates_a_1000_player_spec_written_with_ranges, each_bad_range_exits_2_with_its_path],
    gpu: [],
}
