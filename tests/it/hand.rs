//! Small cases worked by hand (the arithmetic is in each comment).

use super::common::*;
use unitsum_gpu::{Coalition, Evaluator, Game, Policy, Problem};

/// A hand-worked case: the problem and the expected r_j.
type Case = (Problem, Vec<f64>);

thread_local! {
    /// Where [`check`] collects the cases for the GPU run, when collecting.
    static COLLECTED: std::cell::RefCell<Option<Vec<Case>>> =
        const { std::cell::RefCell::new(None) };
}

/// The CPU's r_j against the hand-worked values (the GPU's in
/// [`every_hand_worked_case_on_the_gpu`]).
fn check(problem: Problem, expected: &[f64]) {
    let r = cpu(&problem);
    for (j, &e) in expected.iter().enumerate() {
        assert!(
            (r.shares[j][0] - e).abs() < 1e-14,
            "r_{j} = {} expected {e}",
            r.shares[j][0]
        );
    }
    COLLECTED.with(|c| {
        if let Some(cases) = c.borrow_mut().as_mut() {
            cases.push((problem, expected.to_vec()));
        }
    });
}

fn plurality_pair_with_common_action_against_one_uniform() {
    // n = 3, k = 2. The pair always holds the plurality action; the outsider
    // matches with probability 1/2 and then gets 1/3: r_1 = 1/6, r_0 = 5/6.
    let p = Problem::new(
        3,
        2,
        Game::Plurality,
        vec![
            Coalition::new(vec![0, 1], Policy::Common { dist: None }),
            Coalition::new(vec![2], Policy::Uniform),
        ],
    )
    .unwrap();
    check(p, &[5.0 / 6.0, 1.0 / 6.0]);
}

fn proportional_two_players() {
    // weights [1, 3]; player 0 on action 0, player 1 uniform:
    // 1/2 · 1/2 (both on 0) + 1/2 · 1/(1+3) = 0.375.
    let p = Problem::new(
        2,
        2,
        Game::Proportional {
            weights: vec![vec![1.0, 3.0]],
        },
        vec![
            Coalition::new(vec![0], Policy::Pure { actions: vec![0] }),
            Coalition::new(vec![1], Policy::Uniform),
        ],
    )
    .unwrap();
    check(p, &[0.375, 0.625]);
}

fn congestion_pair_against_a_coin() {
    // values [3, 1]; players 0, 1 on action 0; player 2 a fair coin.
    // Coin 0: all three split 3 → pair 2/3. Coin 1: pair splits 3 of 3 + 1 → 3/4.
    // r_pair = (2/3 + 3/4) / 2 = 17/24.
    let p = Problem::new(
        3,
        2,
        Game::Congestion {
            values: vec![vec![3.0, 1.0]],
        },
        vec![
            Coalition::new(
                vec![0, 1],
                Policy::Pure {
                    actions: vec![0, 0],
                },
            ),
            Coalition::new(
                vec![2],
                Policy::Independent {
                    marginals: vec![vec![0.5, 0.5]],
                },
            ),
        ],
    )
    .unwrap();
    check(p, &[17.0 / 24.0, 7.0 / 24.0]);
}

fn table_game_reads_profiles_in_player_0_least_significant_order() {
    // Profile index a0 + 2 a1. Player 1 on action 1: profiles 2 (a0 = 0) and 3 (a0 = 1).
    // s_0 = 0.25 at profile 2, 0 at profile 3; P(a0 = 0) = 0.2: r_0 = 0.05.
    let shares = vec![vec![
        vec![1.0, 0.0],
        vec![0.5, 0.5],
        vec![0.25, 0.75],
        vec![0.0, 1.0],
    ]];
    let p = Problem::new(
        2,
        2,
        Game::Table { shares },
        vec![
            Coalition::new(
                vec![0],
                Policy::Independent {
                    marginals: vec![vec![0.2, 0.8]],
                },
            ),
            Coalition::new(vec![1], Policy::Pure { actions: vec![1] }),
        ],
    )
    .unwrap();
    check(p, &[0.05, 0.95]);
}

fn copy_of_a_pure_player_gets_q_over_q_plus_1() {
    // Player 2 plays 1; the pair copies it (q = 2 runs of 1): all three on 1,
    // each 1/3: r_0 = 2/3 = q/(q+1).
    let p = Problem::new(
        3,
        2,
        Game::Plurality,
        vec![
            Coalition::new(vec![0, 1], Policy::copy(vec![1], 0)),
            Coalition::new(vec![2], Policy::Pure { actions: vec![1] }),
        ],
    )
    .unwrap();
    check(p, &[2.0 / 3.0, 1.0 / 3.0]);
}

fn anonymous_two_players() {
    // Others' count vectors over 1 player: rank 0 = (0,1), rank 1 = (1,0);
    // w = [[1, 2], [3, 4]] (rows = rank, columns = own action).
    // (0,0): both see (1,0) → 3 and 3 → 1/2 each.
    // (0,1): player 0 sees (0,1) → w[0][0] = 1; player 1 sees (1,0) → w[1][1] = 4 → 1/5.
    // Player 0 on 0, player 1 uniform: r_0 = (1/2 + 1/5) / 2 = 0.35.
    let p = Problem::new(
        2,
        2,
        Game::Anonymous {
            weights: vec![vec![vec![1.0, 2.0], vec![3.0, 4.0]]],
        },
        vec![
            Coalition::new(vec![0], Policy::Pure { actions: vec![0] }),
            Coalition::new(vec![1], Policy::Uniform),
        ],
    )
    .unwrap();
    check(p, &[0.35, 0.65]);
}

fn joint_policy_anti_coordination() {
    // Pair plays (0,1) or (1,0) with 1/2 each; player 2 on 0. Either way two
    // players on 0 (one of the pair and player 2) split 1: r_pair = 1/2.
    let p = Problem::new(
        3,
        2,
        Game::Plurality,
        vec![
            Coalition::new(
                vec![0, 1],
                Policy::Joint {
                    support: vec![(vec![0, 1], 0.5), (vec![1, 0], 0.5)],
                },
            ),
            Coalition::new(vec![2], Policy::Pure { actions: vec![0] }),
        ],
    )
    .unwrap();
    check(p, &[0.5, 0.5]);
}

fn plurality_ties_go_to_the_lower_action() {
    // (1, 0): one player on each action, tie → action 0 wins: player 1 gets everything.
    let p = Problem::new(
        2,
        2,
        Game::Plurality,
        vec![
            Coalition::new(vec![0], Policy::Pure { actions: vec![1] }),
            Coalition::new(vec![1], Policy::Pure { actions: vec![0] }),
        ],
    )
    .unwrap();
    check(p, &[0.0, 1.0]);
}

super::trials! {
    cpu: [plurality_pair_with_common_action_against_one_uniform, proportional_two_players, congestion_pair_against_a_coin, table_game_reads_profiles_in_player_0_least_significant_order, copy_of_a_pure_player_gets_q_over_q_plus_1, anonymous_two_players, joint_policy_anti_coordination, plurality_ties_go_to_the_lower_action],
    gpu: [every_hand_worked_case_on_the_gpu],
}

/// Every hand-worked case above, on the GPU (within its f32 tolerance).
fn every_hand_worked_case_on_the_gpu(gpu: &mut Evaluator) {
    COLLECTED.with(|c| *c.borrow_mut() = Some(Vec::new()));
    for case in [
        plurality_pair_with_common_action_against_one_uniform,
        proportional_two_players,
        congestion_pair_against_a_coin,
        table_game_reads_profiles_in_player_0_least_significant_order,
        copy_of_a_pure_player_gets_q_over_q_plus_1,
        anonymous_two_players,
        joint_policy_anti_coordination,
        plurality_ties_go_to_the_lower_action,
    ] {
        case();
    }
    let cases = COLLECTED
        .with(|c| c.borrow_mut().take())
        .expect("collecting");
    assert!(cases.len() >= 8, "only {} cases collected", cases.len());
    for (problem, expected) in cases {
        let g = gpu
            .evaluate(
                &problem,
                &unitsum_gpu::Options {
                    backend: unitsum_gpu::Backend::Gpu,
                    method: unitsum_gpu::Method::Exact,
                    ..Default::default()
                },
            )
            .unwrap();
        for (j, &e) in expected.iter().enumerate() {
            assert!(
                (g.shares[j][0] - e).abs() < GPU_TOLERANCE,
                "gpu r_{j} = {} expected {e}",
                g.shares[j][0]
            );
        }
    }
}
