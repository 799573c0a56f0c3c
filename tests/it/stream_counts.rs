//! The counts method's streamed pass on the GPU (`shaders/stream_counts.wgsl`)
//! against its twin (`src/cpu/stream_counts.rs`) on seeded random groups
//! beside rests of every policy kind, every symmetric family, one and many
//! dispatches; the twin against the CPU route (`counts = stream`) and the
//! direct pair sum; a perturbed table entry that the comparisons catch; and
//! `--backend gpu|both` running the kernel.

use unitsum_gpu::internals::{
    gpu, gpu_stream_sums, stream_counts, stream_data, stream_field, stream_input, FlatPlan,
    Schedule, StreamData, StreamInput,
};
use unitsum_gpu::{Backend, CountsAlgorithm, Evaluation, Evaluator, Method, Options, Problem};

use super::common::{assert_close, KINDS};
use super::scale::group_problem;

/// The symmetric families (the stream takes no role game).
const FAMILIES: [&str; 4] = ["plurality", "proportional", "congestion", "anonymous"];

/// How far the f64 kernel's sums may be from its twin's, relative to the
/// mass (both f64; the kernel's order of addition and divisions its own).
const F64_TOLERANCE: f64 = 1e-12;

fn counts(
    evaluator: &mut Evaluator,
    problem: &Problem,
    backend: Backend,
    algorithm: CountsAlgorithm,
) -> Evaluation {
    evaluator
        .evaluate(
            problem,
            &Options {
                backend,
                method: Method::Counts,
                counts: algorithm,
                tolerance: 1e-12,
                ..Default::default()
            },
        )
        .unwrap()
}

/// The group problems: every family and rest kind, at (n, k) = (30, 3)
/// unsplit and (14, 4) split into two group coalitions.
fn cases() -> Vec<(String, Problem)> {
    let mut all = Vec::new();
    for (f, family) in FAMILIES.iter().enumerate() {
        for (p, kind) in KINDS.iter().enumerate() {
            for s in 0..2u64 {
                let seed = 95_000 + 100 * f as u64 + 10 * p as u64 + s;
                let (n, k) = if s == 0 { (30, 3) } else { (14, 4) };
                let problem = group_problem(seed, family, kind, n, k, s == 1);
                all.push((format!("{family}/{kind}/seed {seed}"), problem));
            }
        }
    }
    all
}

/// The twin's sums over every cell of `input` (the mass last).
fn twin_sums(flat: &FlatPlan, input: &StreamInput, data: &StreamData) -> Vec<f64> {
    stream_counts(
        flat,
        &data.words,
        &data.reals,
        data.header,
        0,
        input.cells(),
    )
}

/// The twin's shares `r_j(x)` (sums over the mass) as rows per coalition.
fn shares(problem: &Problem, sums: &[f64]) -> Vec<Vec<f64>> {
    let (m, states) = (problem.coalitions().len(), problem.states());
    let mass = sums[m * states];
    (0..m)
        .map(|j| (0..states).map(|x| sums[j * states + x] / mass).collect())
        .collect()
}

/// Kernel and twin agree within 1e-12 of the mass on every case, in one
/// dispatch and (a tiny schedule) in many; the twin's shares equal the CPU
/// route's within 1e-12 and the direct pair sum's within 1e-11.
fn kernel_equals_its_twin_and_the_twin_the_cpu_routes(evaluator: &mut Evaluator) {
    let mut cpu = Evaluator::new();
    for (i, (name, problem)) in cases().into_iter().enumerate() {
        let (flat, input) = stream_input(&problem).unwrap();
        let data = stream_data(&flat, &input);
        let twin = twin_sums(&flat, &input, &data);
        let tiny = i % 2 == 1;
        if tiny {
            gpu(evaluator).unwrap().set_schedule(Schedule {
                max_workgroups: 2,
                dispatches_per_submit: 3,
                max_items_per_thread: 2,
            });
        }
        let kernel = gpu_stream_sums(evaluator, &flat, &input, &data);
        gpu(evaluator).unwrap().set_schedule(Schedule::default());
        let kernel = kernel.unwrap_or_else(|e| panic!("{name} (tiny schedule: {tiny}): {e:?}"));
        let mass = *twin.last().unwrap();
        assert!(mass >= 1.0, "{name}: mass {mass}");
        for (s, (a, b)) in kernel.iter().zip(&twin).enumerate() {
            assert!(
                (a - b).abs() <= F64_TOLERANCE * mass,
                "{name} (tiny schedule: {tiny}): sum {s}: kernel {a} twin {b}"
            );
        }
        let twin = shares(&problem, &twin);
        let route = counts(&mut cpu, &problem, Backend::Cpu, CountsAlgorithm::Stream);
        assert_close(
            &format!("{name}: twin vs stream route"),
            &twin,
            &route.shares,
            1e-12,
        );
        let direct = counts(&mut cpu, &problem, Backend::Cpu, CountsAlgorithm::Direct);
        assert_close(
            &format!("{name}: twin vs direct"),
            &twin,
            &direct.shares,
            1e-11,
        );
    }
}

/// One table entry changed by one part in 10^3 (the mode's entry of the
/// first axis, in the kernel's input only): kernel and twin no longer
/// agree, and the kernel's shares leave the CPU route's tolerance.
fn a_perturbed_table_entry_fails_the_comparisons(evaluator: &mut Evaluator) {
    for family in FAMILIES {
        let problem = group_problem(95_500, family, "independent", 30, 3, false);
        let (flat, input) = stream_input(&problem).unwrap();
        let data = stream_data(&flat, &input);
        let twin = twin_sums(&flat, &input, &data);
        let mut edited = data.clone();
        let tables = data.words[data.header as usize + stream_field::TABLES] as usize;
        let mode = (0..=input.copies as usize)
            .max_by(|&a, &b| input.tables[0][a].total_cmp(&input.tables[0][b]))
            .unwrap();
        edited.reals[tables + mode] *= 1.0 + 1e-3;
        let kernel = gpu_stream_sums(evaluator, &flat, &input, &edited).unwrap();
        let mass = *twin.last().unwrap();
        let worst = kernel
            .iter()
            .zip(&twin)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(worst > 1e3 * F64_TOLERANCE * mass, "{family}: {worst}");
        let route = counts(
            &mut Evaluator::new(),
            &problem,
            Backend::Cpu,
            CountsAlgorithm::Stream,
        );
        let moved = shares(&problem, &kernel);
        let d = moved
            .iter()
            .flatten()
            .zip(route.shares.iter().flatten())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(d > 1e-10, "{family}: the edit moved the shares by {d}");
    }
}

/// `--backend gpu` runs the kernel on the stream route (no pairs), equal to
/// the CPU route within 1e-12, a deviator's lifted CPU pass included;
/// `both` runs both and agrees within 1e-12; `auto` skips a software
/// adapter.
fn gpu_and_both_backends_run_the_stream_kernel(evaluator: &mut Evaluator) {
    for family in FAMILIES {
        for kind in ["pure", "independent", "common"] {
            let problem = group_problem(95_900, family, kind, 40, 3, false);
            let name = format!("{family}/{kind}");
            let on_gpu = counts(evaluator, &problem, Backend::Gpu, CountsAlgorithm::Stream);
            assert_eq!(
                on_gpu.counts_algorithm,
                Some(CountsAlgorithm::Stream),
                "{name}"
            );
            assert_eq!(on_gpu.count_pairs, None, "{name}");
            let on_cpu = counts(evaluator, &problem, Backend::Cpu, CountsAlgorithm::Stream);
            assert_close(&name, &on_gpu.shares, &on_cpu.shares, 1e-12);
            let both = counts(evaluator, &problem, Backend::Both, CountsAlgorithm::Stream);
            let check = both.cross_check.expect("both compares");
            assert!(check.agree, "{name}: {}", check.max_abs_difference);
        }
    }
    // auto runs the kernel on hardware GPUs only: on a software adapter
    // (lavapipe) it stays on the CPU and says so.
    if evaluator.adapters().first().is_some_and(|a| a.software) {
        let problem = group_problem(95_900, "plurality", "pure", 40, 3, false);
        let auto = counts(evaluator, &problem, Backend::Auto, CountsAlgorithm::Stream);
        assert_eq!(auto.backend, unitsum_gpu::BackendUsed::Cpu);
        assert!(
            auto.notes.iter().any(|n| n.contains("software adapter")),
            "{:?}",
            auto.notes
        );
    }
    // A deviator (one player, pure): the CPU takes the lifted pass.
    let deviation = unitsum_gpu::internals::cases::deviation(60, 4, 1).unwrap();
    let on_gpu = counts(evaluator, &deviation, Backend::Gpu, CountsAlgorithm::Stream);
    let on_cpu = counts(evaluator, &deviation, Backend::Cpu, CountsAlgorithm::Stream);
    assert_eq!(on_gpu.counts_algorithm, Some(CountsAlgorithm::Stream));
    assert_close("deviation", &on_gpu.shares, &on_cpu.shares, 1e-12);
}

/// Beyond the kernel's accumulators (12 singletons × 12 states + the mass
/// = 145 > 128), `--backend gpu` sums the pairs directly on the GPU, with a
/// note, as before the kernel; the shares still agree with the CPU's stream.
fn beyond_the_kernels_limits_the_gpu_sums_pairs(evaluator: &mut Evaluator) {
    let n = 12;
    let weights = (0..12).map(|x| vec![1.0, 2.0 + x as f64, 3.0]).collect();
    let problem = Problem::new(
        n,
        3,
        unitsum_gpu::Game::Proportional { weights },
        (0..n)
            .map(|i| unitsum_gpu::Coalition::new(vec![i], unitsum_gpu::Policy::Uniform))
            .collect(),
    )
    .unwrap();
    let on_gpu = counts(evaluator, &problem, Backend::Gpu, CountsAlgorithm::Stream);
    assert_eq!(on_gpu.counts_algorithm, Some(CountsAlgorithm::Direct));
    assert!(
        on_gpu
            .notes
            .iter()
            .any(|n| n.contains("beyond 128") && n.contains("directly")),
        "{:?}",
        on_gpu.notes
    );
    let on_cpu = counts(evaluator, &problem, Backend::Cpu, CountsAlgorithm::Stream);
    assert_eq!(on_cpu.counts_algorithm, Some(CountsAlgorithm::Stream));
    assert_close("145 sums", &on_gpu.shares, &on_cpu.shares, 1e-5);
}

/// Groups whose marginal misses an action (d = 2 of k = 3 axes, the middle
/// one or the first) beside a uniform rest: the kernel maps the axes to
/// their actions as the twin does, and both equal the CPU routes.
fn groups_on_fewer_axes_than_actions(evaluator: &mut Evaluator) {
    let mut cpu = Evaluator::new();
    for (marginal, axes) in [(vec![0.6, 0.0, 0.4], 2), (vec![0.0, 0.3, 0.7], 2)] {
        for family in FAMILIES {
            let n = 20;
            let game = unitsum_gpu::internals::random_game(
                &mut <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(7),
                family,
                n,
                3,
                2,
            )
            .unwrap();
            let problem = Problem::new(
                n,
                3,
                game,
                vec![
                    unitsum_gpu::Coalition::new(
                        (0..17).collect(),
                        unitsum_gpu::Policy::Independent {
                            marginals: vec![marginal.clone(); 17],
                        },
                    ),
                    unitsum_gpu::Coalition::new((17..n).collect(), unitsum_gpu::Policy::Uniform),
                ],
            )
            .unwrap();
            let name = format!("{family}, group marginal {marginal:?}");
            let (flat, input) = stream_input(&problem).unwrap();
            assert_eq!(input.axes.len(), axes, "{name}");
            let data = stream_data(&flat, &input);
            let twin = twin_sums(&flat, &input, &data);
            let kernel = gpu_stream_sums(evaluator, &flat, &input, &data).unwrap();
            let mass = *twin.last().unwrap();
            for (a, b) in kernel.iter().zip(&twin) {
                assert!((a - b).abs() <= F64_TOLERANCE * mass, "{name}: {a} vs {b}");
            }
            let twin = shares(&problem, &twin);
            let route = counts(&mut cpu, &problem, Backend::Cpu, CountsAlgorithm::Stream);
            assert_close(&name, &twin, &route.shares, 1e-12);
            let direct = counts(&mut cpu, &problem, Backend::Cpu, CountsAlgorithm::Direct);
            assert_close(&name, &twin, &direct.shares, 1e-11);
        }
    }
}

super::trials! {
    cpu: [],
    gpu: [kernel_equals_its_twin_and_the_twin_the_cpu_routes, a_perturbed_table_entry_fails_the_comparisons, gpu_and_both_backends_run_the_stream_kernel, beyond_the_kernels_limits_the_gpu_sums_pairs, groups_on_fewer_axes_than_actions],
}
