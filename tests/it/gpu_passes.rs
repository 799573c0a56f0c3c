//! The double oracle's best-response pass on the GPU
//! (`shaders/best_response.wgsl`) against its twin (`src/cpu/best_response.rs`)
//! on seeded random games and mixes of every symmetric family, k = 2..5, both
//! walks, many dispatches; a perturbed weight the comparison must catch;
//! skipping (the thread's best, the host's floor) against a walk that skips
//! nothing, with a too-small tail that the comparison must catch; and the
//! whole double oracle on the GPU against the CPU.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use unitsum_gpu::internals::{
    best_response, double_oracle_with, gpu, gpu_best_response, gpu_best_response_partials,
    pass_data, pass_error_bound, random_game, scan, set_floor, walk, FlatPlan, PassMix, Plan,
    Schedule, ShareSource, Simplex,
};
use unitsum_gpu::{Backend, Coalition, Evaluator, GuaranteeOptions, Policy, Problem, Solver};

/// The symmetric families.
const FAMILIES: [&str; 4] = ["plurality", "proportional", "congestion", "anonymous"];

/// How far the f64 kernel may be from its twin (both f64, the kernel's
/// divisions and contractions its own).
const F64_TOLERANCE: f64 = 1e-12;

fn split_problem(game: unitsum_gpu::Game, n: usize, k: usize, s: usize) -> Problem {
    Problem::new(
        n,
        k,
        game,
        vec![
            Coalition::new((0..s).collect(), Policy::Uniform),
            Coalition::new((s..n).collect(), Policy::Uniform),
        ],
    )
    .unwrap()
}

/// A random count vector of `total` players over k actions.
fn random_vector(rng: &mut StdRng, total: u32, k: usize) -> Vec<u32> {
    let simplex = Simplex::new(total, k);
    let mut v = vec![0; k];
    simplex.unrank(rng.random_range(0..simplex.len()), &mut v);
    v
}

/// A random mix of `entries` count vectors of `total` players, states below
/// `states`, positive weights summing to 1 (negated when `negate`).
fn random_mix(
    rng: &mut StdRng,
    total: u32,
    k: usize,
    states: u32,
    entries: usize,
    negate: bool,
) -> PassMix {
    let raw: Vec<f64> = (0..entries).map(|_| rng.random_range(0.01..1.0)).collect();
    let sum: f64 = raw.iter().sum();
    PassMix {
        counts: (0..entries)
            .flat_map(|_| random_vector(rng, total, k))
            .collect(),
        states: (0..entries).map(|_| rng.random_range(0..states)).collect(),
        weights: raw
            .iter()
            .map(|w| if negate { -w / sum } else { w / sum })
            .collect(),
    }
}

/// One random case: a game of `family`, k actions, 2 states, its plan, the
/// walked simplex and outer states, and a mix of the other side.
struct Case {
    name: String,
    flat: FlatPlan,
    simplex: Simplex,
    outer: u32,
    walks_coalition: bool,
    mix: PassMix,
}

fn cases(rng: &mut StdRng) -> Vec<Case> {
    let mut all = Vec::new();
    for family in FAMILIES {
        for k in 2..=5 {
            let n = if k == 5 { 14 } else { 18 };
            let s = rng.random_range(1..n);
            let game = random_game(rng, family, n, k, 2).unwrap();
            let problem = split_problem(game, n, k, s);
            let states = problem.states() as u32;
            for walks_coalition in [true, false] {
                let (walked, other) = if walks_coalition {
                    (s, n - s)
                } else {
                    (n - s, s)
                };
                let entries = rng.random_range(1..7);
                all.push(Case {
                    name: format!("{family} k={k} s={s} coalition walked: {walks_coalition}"),
                    flat: FlatPlan::new(&problem, &Plan::new(&problem)).unwrap(),
                    simplex: Simplex::new(walked as u32, k),
                    outer: if walks_coalition { 1 } else { states },
                    walks_coalition,
                    mix: random_mix(rng, other as u32, k, states, entries, !walks_coalition),
                });
            }
        }
    }
    all
}

/// `max |kernel − twin|` over every partial of `case`'s pass (the floor the
/// best of `hints`), with the twin reading `reals` transformed by `edit`;
/// panics when the processed counts differ or, with `check_items`, the
/// items of equal values or the entries evaluated.
fn kernel_against_twin(
    evaluator: &mut Evaluator,
    case: &Case,
    hints: &[u32],
    check_items: bool,
    edit: impl Fn(&mut Vec<f64>, u32),
) -> f64 {
    let (dispatches, words, mut reals) = gpu_best_response_partials(
        evaluator,
        &case.flat,
        &case.simplex,
        case.outer,
        case.walks_coalition,
        &case.mix,
        hints,
    )
    .unwrap();
    edit(&mut reals, dispatches[0].0 .0.mix_weights);
    let mut worst: f64 = 0.0;
    let mut processed = 0u64;
    for ((params, groups), partials) in &dispatches {
        let twin = best_response(&case.flat, params, &words, &reals, &case.simplex, *groups);
        assert_eq!(twin.len(), partials.len(), "{}", case.name);
        for (g, (t, k)) in twin.iter().zip(partials).enumerate() {
            assert_eq!(t.done, k.done, "{}: workgroup {g} processed", case.name);
            processed += u64::from(k.done);
            if check_items {
                assert_eq!(t.evaluated, k.evaluated, "{}: workgroup {g}", case.name);
                assert_eq!(t.item == u32::MAX, k.item == u32::MAX, "{}", case.name);
                if t.value == k.value {
                    assert_eq!(t.item, k.item, "{}: workgroup {g}'s best item", case.name);
                }
            }
            if t.item != u32::MAX && k.item != u32::MAX {
                worst = worst.max((t.value - k.value).abs());
            }
        }
    }
    assert_eq!(
        processed,
        u64::from(case.outer) * case.simplex.len(),
        "{}: every item once",
        case.name
    );
    worst
}

/// The twin's walk over every item of `case`'s pass in one piece (one
/// thread: its best skips the most), its tail widened by `slack`, the floor
/// the value of `hint`'s item, each tail entry then passed through `tail`:
/// the best (value, item) and the mix entries evaluated.
fn whole_pass_with(
    case: &Case,
    slack: f64,
    hint: Option<u32>,
    tail: impl Fn(f64) -> f64,
) -> ((f64, u32), u64) {
    let (base, words, mut reals) = pass_data(
        &case.flat,
        &case.simplex,
        case.walks_coalition,
        &case.mix,
        slack,
    );
    if let Some(h) = hint {
        let (value, _) = scan(&case.flat, &base, &words, &reals, &case.simplex, h, 1).unwrap();
        set_floor(&base, &mut reals, value, slack);
    }
    let at = base.mix_tail as usize;
    for t in &mut reals[at..=at + case.mix.weights.len()] {
        *t = tail(*t);
    }
    let items = (u64::from(case.outer) * case.simplex.len()) as u32;
    let (best, evaluated) = walk(&case.flat, &base, &words, &reals, &case.simplex, 0, items);
    (best.unwrap(), u64::from(evaluated))
}

/// The GPU's answer (value, item) to `case` with the floor's `hints`.
fn case_best(evaluator: &mut Evaluator, case: &Case, hints: &[u32]) -> (f64, u32) {
    gpu_best_response(
        evaluator,
        &case.flat,
        &case.simplex,
        case.outer,
        case.walks_coalition,
        &case.mix,
        hints,
    )
    .unwrap()
}

/// [`whole_pass_with`] without a floor, the tail as the kernel's.
fn whole_pass(case: &Case, slack: f64) -> ((f64, u32), u64) {
    whole_pass_with(case, slack, None, |t| t)
}

/// Items times entries: what a walk that skips nothing evaluates.
fn full_work(case: &Case) -> u64 {
    u64::from(case.outer) * case.simplex.len() * case.mix.weights.len() as u64
}

/// The twin's skipping (its thread's best, a floor, the tail widened as for
/// f32) leaves its answer bit for bit that of a walk that skips nothing (an
/// infinite tail), while evaluating fewer entries; a too-small tail (zero:
/// what a coalition's pass would use if payoffs were ignored) does change
/// the answer, so the comparison can fail.
fn skipping_keeps_the_twins_answer_and_a_too_small_tail_does_not() {
    let mut rng = StdRng::seed_from_u64(34);
    let (mut work, mut full, mut changed) = (0, 0, 0);
    for case in cases(&mut rng) {
        let (exact, all) = whole_pass_with(&case, 0.0, None, |_| f64::INFINITY);
        assert_eq!(all, full_work(&case), "{}", case.name);
        let slack = pass_error_bound(false, case.simplex.actions(), &case.mix);
        let hint = rng.random_range(0..(u64::from(case.outer) * case.simplex.len()) as u32);
        for (skipping, evaluated) in [
            whole_pass(&case, 0.0),
            whole_pass(&case, slack),
            whole_pass_with(&case, slack, Some(hint), |t| t),
            whole_pass_with(&case, 0.0, Some(exact.1), |t| t),
        ] {
            assert_eq!(skipping.0.to_bits(), exact.0.to_bits(), "{}", case.name);
            assert_eq!(skipping.1, exact.1, "{}", case.name);
            work += evaluated;
            full += all;
        }
        let (wrong, _) = whole_pass_with(&case, 0.0, None, |_| 0.0);
        changed += usize::from(wrong != exact);
    }
    assert!(4 * work < 3 * full, "evaluated {work} of {full} entries");
    assert!(changed >= 4, "a zero tail changed {changed} answers");
}

fn gpu_best_response_equals_its_twin(evaluator: &mut Evaluator) {
    assert!(
        gpu(evaluator).unwrap().shader_f64(),
        "lavapipe has SHADER_F64"
    );
    let mut rng = StdRng::seed_from_u64(28);
    for (i, case) in cases(&mut rng).iter().enumerate() {
        // Every third case cut into many small dispatches and submits.
        let schedule = if i % 3 == 0 {
            Schedule {
                max_workgroups: 2,
                dispatches_per_submit: 3,
                max_items_per_thread: 3,
            }
        } else {
            Schedule::default()
        };
        gpu(evaluator).unwrap().set_schedule(schedule);
        let d = kernel_against_twin(evaluator, case, &[], true, |_, _| {});
        // With a floor (a random item and the best): items skipped from
        // their first entries, the twin's choices the same.
        let best = whole_pass(case, 0.0).0 .1;
        let hints = [best / 2, best];
        let with_floor = kernel_against_twin(evaluator, case, &hints, true, |_, _| {});
        gpu(evaluator).unwrap().set_schedule(Schedule::default());
        assert!(
            with_floor <= F64_TOLERANCE,
            "{} (floor): max |kernel − twin| = {with_floor:e}",
            case.name
        );
        assert!(
            d <= F64_TOLERANCE,
            "{}: max |kernel − twin| = {d:e}",
            case.name
        );
    }
}

/// The mix's weights raised by 1e-6 (relative) in the twin's input move
/// the coalition's best values (positive) by far more than the tolerance:
/// the comparison above can fail. (A worst reply's best can be 0 whatever
/// the weights: the coalition's count vectors all off the top.)
fn gpu_best_response_perturbed_weight_fails_the_twin_comparison(evaluator: &mut Evaluator) {
    let mut rng = StdRng::seed_from_u64(29);
    let all = cases(&mut rng);
    for case in all.iter().filter(|c| c.walks_coalition).step_by(3) {
        let entries = case.mix.weights.len();
        let d = kernel_against_twin(evaluator, case, &[], true, |reals, at| {
            for w in &mut reals[at as usize..at as usize + entries] {
                *w *= 1.0 + 1e-6;
            }
        });
        assert!(d > 1e3 * F64_TOLERANCE, "{}: {d:e}", case.name);
    }
}

/// The GPU's answer is the twin's own best over the whole pass (a CPU walk
/// of every item in one piece): value bit for bit, ties to the lowest item.
fn gpu_best_response_answer_is_the_cpu_best_over_every_item(evaluator: &mut Evaluator) {
    let mut rng = StdRng::seed_from_u64(30);
    for case in cases(&mut rng) {
        let (value, item) = case_best(evaluator, &case, &[]);
        let ((cpu, cpu_item), _) = whole_pass(&case, 0.0);
        assert_eq!(value.to_bits(), cpu.to_bits(), "{}", case.name);
        assert_eq!(item, cpu_item, "{}", case.name);
    }
}

/// With hints (a random item, the best's, or both) the kernel skips items
/// from their first entries for the floor, and its answer is still the
/// CPU's best over every item, to the bit, ties to the lowest item, in f64
/// and in f32; fewer entries are evaluated than without skipping.
fn gpu_best_response_with_a_floor_is_the_cpu_best(evaluator: &mut Evaluator) {
    let mut rng = StdRng::seed_from_u64(35);
    let (mut work, mut full) = (0u64, 0u64);
    for f64 in [true, false] {
        gpu(evaluator).unwrap().set_pass_f64(f64);
        for case in cases(&mut rng) {
            let ((cpu, cpu_item), _) = whole_pass_with(&case, 0.0, None, |_| f64::INFINITY);
            let items = (u64::from(case.outer) * case.simplex.len()) as u32;
            let random = rng.random_range(0..items);
            for hints in [
                vec![random],
                vec![cpu_item],
                vec![random, cpu_item, items + 5],
            ] {
                let (value, item) = case_best(evaluator, &case, &hints);
                let name = format!("{} (f64: {f64}, hints {hints:?})", case.name);
                assert_eq!(value.to_bits(), cpu.to_bits(), "{name}");
                assert_eq!(item, cpu_item, "{name}");
            }
            let (dispatches, _, _) = gpu_best_response_partials(
                evaluator,
                &case.flat,
                &case.simplex,
                case.outer,
                case.walks_coalition,
                &case.mix,
                &[cpu_item],
            )
            .unwrap();
            work += dispatches
                .iter()
                .flat_map(|d| &d.1)
                .map(|p| u64::from(p.evaluated))
                .sum::<u64>();
            full += full_work(&case);
        }
    }
    gpu(evaluator).unwrap().set_pass_f64(true);
    assert!(4 * work < 3 * full, "evaluated {work} of {full} entries");
}

/// The f32 kernel (what an adapter without SHADER_F64 runs) stays within
/// its stated error bound of the f64 twin, and its answer, rechecked on
/// the CPU, is still the CPU's to the bit.
fn gpu_best_response_in_f32_within_its_bound_and_exact_after_recheck(evaluator: &mut Evaluator) {
    gpu(evaluator).unwrap().set_pass_f64(false);
    let mut rng = StdRng::seed_from_u64(33);
    let mut largest: f64 = 0.0;
    for case in cases(&mut rng) {
        // Near-ties may round to ties in f32: items are not compared.
        let d = kernel_against_twin(evaluator, &case, &[], false, |_, _| {});
        let eps = pass_error_bound(false, case.simplex.actions(), &case.mix);
        assert!(
            d <= eps,
            "{}: f32 kernel {d:e} from its twin, bound {eps:e}",
            case.name
        );
        largest = largest.max(d);
        let (value, item) = case_best(evaluator, &case, &[]);
        let ((cpu, cpu_item), _) = whole_pass(&case, 0.0);
        assert_eq!(value.to_bits(), cpu.to_bits(), "{} (f32)", case.name);
        assert_eq!(item, cpu_item, "{} (f32)", case.name);
    }
    gpu(evaluator).unwrap().set_pass_f64(true);
    // The f32 kernel does differ from the twin (the test above is not
    // comparing f64 with f64).
    assert!(largest > 1e-9, "{largest:e}");
}

/// The whole double oracle with its passes on the GPU prints the CPU's
/// certificates (the same f64 sums), on every symmetric family at k = 2..5;
/// `both` compares them.
fn the_double_oracle_on_the_gpu_equals_the_cpu(evaluator: &mut Evaluator) {
    let mut rng = StdRng::seed_from_u64(31);
    for family in FAMILIES {
        for k in 2..=5 {
            let (n, s) = if k == 5 { (10, 4) } else { (14, 6) };
            let game = random_game(&mut rng, family, n, k, 2).unwrap();
            let problem = split_problem(game, n, k, s);
            let run = |evaluator: &mut Evaluator, backend| {
                let options = GuaranteeOptions {
                    backend,
                    solver: Solver::DoubleOracle,
                    spy: Some(false),
                    ..Default::default()
                };
                double_oracle_with(evaluator, &problem, 0, &options, ShareSource::Streamed).unwrap()
            };
            let cpu = run(evaluator, Backend::Cpu);
            let on_gpu = run(evaluator, Backend::Gpu);
            let name = format!("{family} k={k}");
            assert!(
                on_gpu.notes.iter().any(|n| n.contains("passes on the GPU")),
                "{name}: {:?}",
                on_gpu.notes
            );
            assert_eq!(on_gpu.lower.to_bits(), cpu.lower.to_bits(), "{name}");
            assert_eq!(on_gpu.upper, cpu.upper, "{name}");
            assert!(cpu.upper.unwrap() - cpu.lower <= 1e-9, "{name}");
            let both = run(evaluator, Backend::Both);
            assert_eq!(both.max_gpu_cpu, Some(0.0), "{name}");
        }
    }
}

/// `auto` runs the passes on the GPU only on a hardware adapter: on
/// lavapipe (device type Cpu) it stays on the CPU and says why.
fn auto_runs_the_passes_on_a_hardware_gpu_only(evaluator: &mut Evaluator) {
    let software = evaluator.adapters().first().is_none_or(|a| a.software);
    let mut rng = StdRng::seed_from_u64(32);
    let game = random_game(&mut rng, "plurality", 16, 3, 1).unwrap();
    let problem = split_problem(game, 16, 3, 7);
    let options = GuaranteeOptions {
        backend: Backend::Auto,
        solver: Solver::DoubleOracle,
        ..Default::default()
    };
    let v = double_oracle_with(evaluator, &problem, 0, &options, ShareSource::Streamed).unwrap();
    let on_gpu = v.notes.iter().any(|n| n.contains("passes on the GPU"));
    assert_eq!(on_gpu, !software, "{:?}", v.notes);
    if software {
        assert!(
            v.notes
                .iter()
                .any(|n| n.contains("skipped the software adapter")),
            "{:?}",
            v.notes
        );
    }
}

super::trials!(
    cpu: [skipping_keeps_the_twins_answer_and_a_too_small_tail_does_not],
    gpu: [
        gpu_best_response_equals_its_twin,
        gpu_best_response_with_a_floor_is_the_cpu_best,
        gpu_best_response_perturbed_weight_fails_the_twin_comparison,
        gpu_best_response_answer_is_the_cpu_best_over_every_item,
        gpu_best_response_in_f32_within_its_bound_and_exact_after_recheck,
        the_double_oracle_on_the_gpu_equals_the_cpu,
        auto_runs_the_passes_on_a_hardware_gpu_only,
    ],
);
