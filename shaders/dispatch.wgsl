// What every kernel that runs over many dispatches shares: the per-dispatch
// parameters, the per-thread accumulators, the workgroup reduction into one
// partial per accumulator, and the processed-items counter the host checks.
// Host side (no Rust twin: it computes nothing of the model): src/gpu/run.rs
// (`DispatchParams`, `GpuContext::run`). The host prepends
// `alias acc_t = f64;` (or f32 without SHADER_F64) and src/model/limits.rs's constants.

// Must be kept in sync with `DispatchParams` in src/gpu/run.rs.
struct Dispatch {
    // enumerate: mixed-radix digits of the dispatch's first profile;
    // stream_counts: digits[0].x is the word offset of its header.
    digits: array<vec4<u32>, 16>,
    // sample: index of the dispatch's first sample (u64 as lo, hi).
    first_lo: u32,
    first_hi: u32,
    // Items (profiles or samples) in this dispatch, and per thread.
    count: u32,
    per_thread: u32,
    // Index into `processed`, and first partial of this dispatch.
    counter: u32,
    partial_base: u32,
    seed_lo: u32,
    seed_hi: u32,
}

@group(0) @binding(1) var<uniform> dispatch: Dispatch;
@group(0) @binding(4) var<storage, read_write> partials: array<acc_t>;
@group(0) @binding(5) var<storage, read_write> processed: array<atomic<u32>>;

var<private> acc: array<acc_t, MAX_ACCUMULATORS>;
var<workgroup> scratch: array<acc_t, WORKGROUP_SIZE>;

// Items of this thread: [gid * per_thread, + thread_items).
fn thread_items(gid: u32) -> u32 {
    let start = gid * dispatch.per_thread;
    if start >= dispatch.count {
        return 0u;
    }
    return min(dispatch.per_thread, dispatch.count - start);
}

fn clear_accumulators(accumulators: u32) {
    for (var s = 0u; s < accumulators; s++) {
        acc[s] = acc_t(0);
    }
}

// Count this thread's items, then reduce `accumulators` values over the
// workgroup with a fixed-shape tree (deterministic) and store one partial each.
// Every thread of the workgroup must call it (barriers).
fn finish(lid: u32, wid: u32, accumulators: u32, items: u32) {
    if items > 0u {
        atomicAdd(&processed[dispatch.counter], items);
    }
    for (var s = 0u; s < accumulators; s++) {
        scratch[lid] = acc[s];
        workgroupBarrier();
        for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride /= 2u) {
            if lid < stride {
                scratch[lid] += scratch[lid + stride];
            }
            workgroupBarrier();
        }
        if lid == 0u {
            partials[dispatch.partial_base + wid * accumulators + s] = scratch[0];
        }
        workgroupBarrier();
    }
}
