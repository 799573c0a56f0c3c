//! What the crate's integration tests and benches reach beyond the public
//! API: the kernels' Rust twins, the fast CPU paths, the plan and the GPU
//! context with its probes. Hidden from the docs and free to change.

pub use crate::counts::direct::{all_count_vectors, CountSpace};
pub use crate::counts::vectors::{count_vector_rank, CountVectors};
pub use crate::cpu::best_response::{
    best_response, pass_data, scan, set_floor, walk, Partial, PassMix, PassParams, NO_FLOOR,
};
pub use crate::cpu::count_pairs::count_pairs;
pub use crate::cpu::count_shares::count_shares;
pub use crate::cpu::digits::add_to_digits;
pub use crate::cpu::enumerate::enumerate;
pub use crate::cpu::families::{action_shares, anonymous_ranks, count_vector_rank as family_rank};
pub use crate::cpu::fast::{enumerate_with, sample_lanes, ShareMemo};
pub use crate::cpu::oracle::oracle;
pub use crate::cpu::philox::philox4x32_10;
pub use crate::cpu::profile::ProfileState;
pub use crate::cpu::sample::{accumulate_sample, draw_profile, sample};
pub use crate::cpu::stream_counts::{
    field as stream_field, stream_counts, stream_data, StreamData, StreamInput,
};
pub use crate::gpu::{GpuContext, Schedule};
pub use crate::guarantee::{
    best_response_by, best_response_dense, double_oracle_with, payoff_matrix, GivenRoute,
    PayoffMatrix, ShareSource, Simplex, PAYOFF_TOLERANCE,
};
pub use crate::plan::{sampling_thresholds, FlatPlan, Plan};
pub use crate::spec::generate::{distribution, random_game, random_joint, random_marginals};

/// The cases `unitsum-gpu bench` and the criterion benches time, and the
/// counting allocator behind their peak-memory column.
pub use crate::bench::{cases, heap};

/// The evaluator's GPU context (opened on first call), for the twin probes.
pub fn gpu(evaluator: &mut crate::Evaluator) -> crate::Result<&mut GpuContext> {
    evaluator.gpu()
}

/// Run `work` in fixed chunks of `chunk` items on every core, as the CPU
/// backend does, and add the chunks' sums in order.
pub fn chunked_by(
    items: u64,
    chunk: u64,
    width: usize,
    work: impl Fn(u64, u64) -> Vec<f64> + Sync,
) -> Vec<f64> {
    crate::cpu::chunked_by(items, chunk, width, Default::default(), work).expect("not cancelled")
}

/// Exact enumeration of `flat` on the GPU: the sums per slot (for tests that
/// feed the GPU a faulty input).
pub fn gpu_enumerate(evaluator: &mut crate::Evaluator, flat: &FlatPlan) -> crate::Result<Vec<f64>> {
    evaluator.gpu()?.enumerate(flat, Default::default())
}

/// The checks every result passes before it is returned (finite, in [0, 1],
/// unit-sum within the backend's rounding), clamping rounding-level
/// excursions into [0, 1].
pub fn verify(evaluation: &mut crate::Evaluation) -> crate::Result<()> {
    evaluation.verify()
}

/// `max_x |Σ_j r_j(x) − 1|` of `shares[j][x]`, infinite when one is not finite.
pub fn unit_sum_error(shares: &[Vec<f64>]) -> f64 {
    crate::evaluator::unit_sum_error(shares, shares.first().map_or(0, Vec::len))
}

/// The best-response pass of `shaders/best_response.wgsl` on the GPU over
/// `simplex` (`outer` states) against `mix`, the floor the best value of
/// `hints`: every dispatch's parameters and workgroups with the partials
/// the kernel wrote, and the words and reals it read (what the twin
/// [`best_response`] takes).
#[allow(clippy::type_complexity, reason = "a test hook, read once")]
pub fn gpu_best_response_partials(
    evaluator: &mut crate::Evaluator,
    flat: &FlatPlan,
    simplex: &Simplex,
    outer: u32,
    walks_coalition: bool,
    mix: &PassMix,
    hints: &[u32],
) -> crate::Result<(Vec<((PassParams, u32), Vec<Partial>)>, Vec<u32>, Vec<f64>)> {
    let pass = crate::gpu::best_response::Pass {
        flat,
        simplex,
        outer,
        walks_coalition,
        mix,
        hints,
    };
    let (partials, words, reals, _) = evaluator
        .gpu()?
        .best_response_partials(&pass, &crate::watch::Watch::new(None, None))?;
    Ok((partials, words, reals))
}

/// The GPU pass's answer (the CPU twin's value and item, see
/// `src/gpu/best_response.rs`), the floor the best value of `hints`.
pub fn gpu_best_response(
    evaluator: &mut crate::Evaluator,
    flat: &FlatPlan,
    simplex: &Simplex,
    outer: u32,
    walks_coalition: bool,
    mix: &PassMix,
    hints: &[u32],
) -> crate::Result<(f64, u32)> {
    let pass = crate::gpu::best_response::Pass {
        flat,
        simplex,
        outer,
        walks_coalition,
        mix,
        hints,
    };
    evaluator
        .gpu()?
        .best_response(&pass, &crate::watch::Watch::new(None, None))
}

/// The stated bound on `|GPU value − CPU value|` of the best-response pass
/// (`src/gpu/best_response.rs`, `PassBound`), in f64 or f32.
pub fn pass_error_bound(f64: bool, k: usize, mix: &PassMix) -> f64 {
    crate::gpu::best_response::PassBound::new(f64, k, mix).eps
}

/// The counts method's streamed pass of `problem` (its `counts = stream`
/// route) as `shaders/stream_counts.wgsl` takes it, with the problem's plan.
pub fn stream_input(problem: &crate::Problem) -> crate::Result<(FlatPlan, StreamInput)> {
    use crate::counts::route::Route;
    let plan = Plan::new(problem);
    let flat = FlatPlan::new(problem, &plan)?;
    let (route, _) = Route::new(problem, &plan, crate::CountsAlgorithm::Stream, u64::MAX)?;
    let Route::Stream(stream) = route else {
        unreachable!("counts = stream gives the stream route or an error")
    };
    Ok((flat, stream.kernel_input()))
}

/// The streamed pass's raw sums on the GPU (slots, then the mass) from the
/// words and reals `data` (for tests that edit them).
pub fn gpu_stream_sums(
    evaluator: &mut crate::Evaluator,
    flat: &FlatPlan,
    input: &StreamInput,
    data: &StreamData,
) -> crate::Result<Vec<f64>> {
    evaluator
        .gpu()?
        .stream_counts_sums(flat, input, data, Default::default())
}
