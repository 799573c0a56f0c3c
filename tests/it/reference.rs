//! The CPU backend (Rust mirror of the kernel, over the plan's parts) against
//! the oracle (THEORY.md's formula over all k^n profiles), on seeded random
//! problems of every family and policy kind.

use super::common::*;
use unitsum_gpu::internals::oracle;

fn cpu_equals_oracle_on_every_family_and_policy_kind() {
    let problems = all_random_problems(4);
    assert_eq!(problems.len(), 5 * 8 * 4);
    for (name, problem) in &problems {
        let expected = oracle(problem).expect("small enough for the oracle");
        let result = cpu(problem);
        assert_close(name, &result.shares, &expected, CPU_ORACLE_TOLERANCE);
        assert_identities(name, &result.shares, 1e-12);
        assert!(
            result.unit_sum_error < 1e-12,
            "{name}: unit-sum error {}",
            result.unit_sum_error
        );
    }
}

fn enumeration_is_over_the_supports_not_all_profiles() {
    // 7 players, k = 3: a common draw (3 outcomes) and 3 uniform players (27).
    let problem =
        unitsum_gpu::Problem::load(std::path::Path::new("examples/theorem1.json")).unwrap();
    assert_eq!(cpu(&problem).profiles, Some(3 * 27));
}

fn specs_round_trip_through_json() {
    for (name, problem) in all_random_problems(1) {
        let again = unitsum_gpu::Problem::from_value(&problem.to_value()).unwrap();
        assert_eq!(again, problem, "{name}");
        // The serde form is the spec: the same text, the same problem.
        let text = serde_json::to_string(&problem).unwrap();
        assert_eq!(text, serde_json::to_string(&problem.to_value()).unwrap());
        let parsed: unitsum_gpu::Problem = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, problem, "{name}");
    }
    // Deserializing validates, with the JSON path in the error.
    let bad = r#"{ "players": 2, "actions": 2, "game": { "family": "plurality" },
        "coalitions": [ { "members": [0, 1], "policy": { "kind": "pure", "actions": [0, 5] } } ] }"#;
    let e = serde_json::from_str::<unitsum_gpu::Problem>(bad)
        .unwrap_err()
        .to_string();
    assert!(e.contains("coalitions[0].policy.actions[1]"), "{e}");
}

fn cpu_result_does_not_depend_on_chunking() {
    use unitsum_gpu::internals::{chunked_by, enumerate, FlatPlan, Plan};
    let mut rng = rand::SeedableRng::seed_from_u64(7);
    let problem = everyone_uniform(9, 3, random_game(&mut rng, "proportional", 9, 3));
    let flat = FlatPlan::new(&problem, &Plan::new(&problem)).unwrap();
    let profiles = flat.exact_profiles().unwrap();
    assert_eq!(profiles, 19_683);
    let width = flat.config.slots as usize;
    let whole = enumerate(&flat, 0, profiles);
    for chunk in [1, 97, profiles / 3 + 1] {
        // Really split: at least three chunks, each walked from its own start.
        assert!(
            profiles.div_ceil(chunk) >= 3,
            "{profiles} profiles, chunk {chunk}"
        );
        let split = chunked_by(profiles, chunk, width, |first, count| {
            enumerate(&flat, first, count)
        });
        for (s, w) in split.iter().zip(&whole) {
            // Other additions in another order: N ε with N = 19 683 terms.
            assert!((s - w).abs() <= 1e-11, "chunk {chunk}: {s} vs {w}");
        }
        // The same chunks give the same bits, whatever the threads did.
        let again = chunked_by(profiles, chunk, width, |first, count| {
            enumerate(&flat, first, count)
        });
        assert_eq!(split, again, "chunk {chunk}");
    }
}

/// The CPU's fast paths (shares looked up per count vector, part 0's cycles
/// summed in closed form) against the plain walk of the kernel's twins, over
/// whole ranges and ranges that start and end mid-cycle. The sums are the
/// same up to the order of the additions.
fn share_table_and_whole_cycles_give_the_sums_of_the_plain_walk() {
    use unitsum_gpu::internals::{enumerate, enumerate_with, ShareMemo};
    use unitsum_gpu::internals::{FlatPlan, Plan};
    let mut memos = 0;
    for (name, problem) in all_random_problems(2) {
        let flat = FlatPlan::new(&problem, &Plan::new(&problem)).unwrap();
        let profiles = flat.exact_profiles().unwrap();
        // A table however few the profiles: every symmetric family gets one.
        let Some(memo) = ShareMemo::new(&flat, u64::MAX) else {
            assert_eq!(problem.game().family(), "table", "{name}: no share table");
            continue;
        };
        memos += 1;
        let third = profiles / 3;
        for (start, count) in [(0, profiles), (third, profiles - third), (1, third)] {
            let fast = enumerate_with(&flat, Some(&memo), start, count);
            let plain = enumerate(&flat, start, count);
            assert_close(
                &format!("{name}: profiles {start}..+{count}"),
                &[fast],
                &[plain],
                1e-13,
            );
        }
    }
    assert_eq!(memos, 4 * 8 * 2, "one table per symmetric problem");
}

super::trials! {
    cpu: [cpu_equals_oracle_on_every_family_and_policy_kind, enumeration_is_over_the_supports_not_all_profiles, specs_round_trip_through_json, cpu_result_does_not_depend_on_chunking, share_table_and_whole_cycles_give_the_sums_of_the_plain_walk],
    gpu: [],
}
