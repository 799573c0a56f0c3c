//! The CPU backend (Rust mirror of the kernel, over the plan's parts) against
//! the oracle (THEORY.md's formula over all k^n profiles), on seeded random
//! problems of every family and policy kind.

use super::common::*;
use unitsum_gpu::cpu::oracle::oracle;

#[test]
fn cpu_equals_oracle_on_every_family_and_policy_kind() {
    let problems = all_random_problems(4);
    assert_eq!(problems.len(), 5 * 7 * 4);
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

#[test]
fn enumeration_is_over_the_supports_not_all_profiles() {
    // 7 players, k = 3: a common draw (3 outcomes) and 3 uniform players (27).
    let problem = unitsum_gpu::load_spec(std::path::Path::new("examples/theorem1.json")).unwrap();
    assert_eq!(cpu(&problem).profiles, Some(3 * 27));
}

#[test]
fn specs_round_trip_through_json() {
    for (name, problem) in all_random_problems(1) {
        let again = unitsum_gpu::parse_value(&unitsum_gpu::to_value(&problem)).unwrap();
        assert_eq!(again, problem, "{name}");
    }
}

#[test]
fn cpu_result_does_not_depend_on_chunking() {
    // Large enough for several chunks: bit-identical to itself run to run.
    let problem = random_problem(7, "proportional", "uniform");
    let a = cpu(&problem);
    let b = cpu(&problem);
    assert_eq!(a.shares, b.shares);
}

/// The CPU's fast paths (shares looked up per count vector, part 0's cycles
/// summed in closed form) against the plain walk of the kernel's twins, over
/// whole ranges and ranges that start and end mid-cycle. The sums are the
/// same up to the order of the additions.
#[test]
fn share_table_and_whole_cycles_give_the_sums_of_the_plain_walk() {
    use unitsum_gpu::cpu::enumerate::{enumerate, enumerate_with, ShareMemo};
    use unitsum_gpu::plan::{FlatPlan, Plan};
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
    assert_eq!(memos, 4 * 7 * 2, "one table per symmetric problem");
}
