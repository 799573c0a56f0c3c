//! The WGSL kernels against their Rust twins: whole evaluations on seeded
//! random problems, each shared WGSL function on the same inputs, and a
//! perturbed input that the comparison must catch.

use super::common::*;
use unitsum_gpu::internals::{FlatPlan, Plan};
use unitsum_gpu::{
    Backend, BackendUsed, Coalition, Evaluator, Game, Method, Options, Policy, Problem,
};

fn exact_gpu() -> Options {
    Options {
        backend: Backend::Gpu,
        method: Method::Exact,
        ..Default::default()
    }
}

fn gpu_equals_cpu_on_every_family_and_policy_kind(gpu: &mut Evaluator) {
    let problems = all_random_problems(3);
    for (name, problem) in &problems {
        let c = cpu(problem);
        let g = gpu.evaluate(problem, &exact_gpu()).unwrap();
        assert_eq!(g.backend, BackendUsed::Gpu);
        assert!(!g.adapter.is_empty());
        assert_eq!(g.profiles, c.profiles, "{name}");
        assert_close(name, &g.shares, &c.shares, GPU_TOLERANCE);
        assert_identities(name, &g.shares, GPU_TOLERANCE);
    }
}

fn gpu_many_dispatches_and_submits(gpu: &mut Evaluator) {
    // 4^9 = 262144 profiles cut into dispatches of 2 workgroups × 64 threads × 5
    // profiles, 3 dispatches per submit: ~410 dispatches, ~137 readbacks.
    let problem = Problem::new(
        10,
        4,
        Game::Proportional {
            weights: vec![vec![1.0, 2.0, 3.0, 4.0], vec![4.0, 1.0, 1.0, 1.0]],
        },
        vec![
            Coalition::new(vec![0, 1, 2, 3, 4, 5], Policy::Uniform),
            Coalition::new(
                vec![6, 7, 8],
                Policy::Independent {
                    marginals: vec![vec![0.1, 0.2, 0.3, 0.4]; 3],
                },
            ),
            Coalition::new(vec![9], Policy::Pure { actions: vec![2] }),
        ],
    )
    .unwrap();
    let c = cpu(&problem);
    unitsum_gpu::internals::gpu(gpu)
        .unwrap()
        .set_schedule(unitsum_gpu::internals::Schedule {
            max_workgroups: 2,
            dispatches_per_submit: 3,
            max_items_per_thread: 5,
        });
    let g = gpu.evaluate(&problem, &exact_gpu());
    unitsum_gpu::internals::gpu(gpu)
        .unwrap()
        .set_schedule(Default::default());
    let g = g.unwrap();
    assert_eq!(g.profiles, Some(262_144));
    assert_close("many dispatches", &g.shares, &c.shares, GPU_TOLERANCE);
}

fn gpu_large_enumeration_matches_cpu(gpu: &mut Evaluator) {
    // 4^11 ≈ 4.2 million profiles: threads walk hundreds of profiles each.
    let problem = Problem::new(
        12,
        4,
        Game::Plurality,
        vec![
            Coalition::new((0..7).collect(), Policy::Common { dist: None }),
            Coalition::new((7..12).collect(), Policy::Uniform),
        ],
    )
    .unwrap();
    let c = cpu(&problem);
    let g = gpu.evaluate(&problem, &exact_gpu()).unwrap();
    assert_eq!(g.profiles, Some(4 * 4u64.pow(5)));
    assert_close("plurality n=12", &g.shares, &c.shares, GPU_TOLERANCE);
    let problem = Problem::new(
        11,
        4,
        Game::Congestion {
            values: vec![vec![1.0, 2.0, 0.5, 3.0]],
        },
        vec![Coalition::new((0..11).collect(), Policy::Uniform)],
    )
    .unwrap();
    let c = cpu(&problem);
    let g = gpu.evaluate(&problem, &exact_gpu()).unwrap();
    assert_eq!(g.profiles, Some(4u64.pow(11)));
    assert_close("congestion n=11", &g.shares, &c.shares, GPU_TOLERANCE);
}

fn a_fault_on_the_gpu_side_makes_the_cross_check_fail(gpu: &mut Evaluator) {
    let make = |weights: Vec<Vec<f64>>| {
        Problem::new(
            5,
            3,
            Game::Proportional { weights },
            vec![
                Coalition::new(vec![0, 1, 2], Policy::Common { dist: None }),
                Coalition::new(vec![3, 4], Policy::Uniform),
            ],
        )
        .unwrap()
    };
    let problem = make(vec![vec![1.0, 2.0, 3.0]]);
    let both = gpu
        .evaluate(
            &problem,
            &Options {
                backend: Backend::Both,
                method: Method::Exact,
                ..Default::default()
            },
        )
        .unwrap();
    let check = both.cross_check.clone().expect("both backends ran");
    assert!(check.agree, "difference {}", check.max_abs_difference);
    assert_eq!(check.gpu.backend, BackendUsed::Gpu);
    // The GPU reads a table with one weight moved by 3%, the CPU the true one:
    // the GPU's sums move beyond the tolerance.
    let flat = |p: &Problem| FlatPlan::new(p, &Plan::new(p)).unwrap();
    let (truth, faulty) = (flat(&problem), flat(&make(vec![vec![1.0, 2.0, 3.1]])));
    let cpu_sums = unitsum_gpu::internals::enumerate(&truth, 0, truth.profiles.unwrap());
    let gpu_sums = unitsum_gpu::internals::gpu_enumerate(gpu, &faulty).unwrap();
    let d = cpu_sums
        .iter()
        .zip(&gpu_sums)
        .map(|(c, g)| (c - g).abs())
        .fold(0.0, f64::max);
    assert!(
        d > GPU_TOLERANCE,
        "a 3% fault moved the sums by only {d:.1e}"
    );
    // A NaN from the GPU never agrees.
    let mut broken = (*check.gpu).clone();
    broken.shares[1][0] = f64::NAN;
    assert_eq!(both.max_abs_difference(&broken), f64::INFINITY);
}

super::trials! {
    cpu: [],
    gpu: [gpu_equals_cpu_on_every_family_and_policy_kind, gpu_many_dispatches_and_submits, gpu_large_enumeration_matches_cpu, a_fault_on_the_gpu_side_makes_the_cross_check_fail],
}
