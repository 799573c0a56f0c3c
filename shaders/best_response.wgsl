// The double oracle's best-response pass (docs/THEORY.md, "Guarantees at
// scale"): every item `x * len + rank` of one side's simplex of count vectors
// V (x: the outer state, one of them when the coalition is walked) valued
// against the other side's mix as
//   coalition walked (best strategy): Σ_e w_e f_{x_e}(V, M_e)
//   others walked (worst reply):      Σ_e w_e f_x(N_e, V)
// with f_x(N, M) = Σ_b N_b h_b(x, N + M), the shares h from families.wgsl on
// the fly. The host negates the worst reply's weights, so that both passes
// maximise. Each thread walks `per_thread` consecutive items (unranks the
// first, then advances), keeps the first best (ties: the lowest item), and
// the workgroup reduces to one partial (value, item, items processed) by a
// fixed tree, ties to the lower item. The host takes the best partials and
// recomputes them on the CPU (src/gpu/best_response.rs).
// Rust twin: src/cpu/best_response.rs (keep in sync). `real_t` is f64 with
// SHADER_F64, else f32. Composed with families.wgsl and simplex.wgsl (the
// walk: unrank, advance).

// Must be kept in sync with `PassParams` in src/cpu/best_response.rs.
struct PassParams {
    // Players of the walked side and its count vectors, C(total + k − 1, k − 1).
    total: u32,
    len: u32,
    // This dispatch's first item and items, and items per thread.
    first: u32,
    count: u32,
    per_thread: u32,
    // Mix entries; 1 when the walked vector is the coalition's N, 0 the others' M.
    entries: u32,
    walks_coalition: u32,
    // Word offsets of the walked simplex's binomials C(a, b) (at a * k + b),
    // of the mix's count vectors (k words each) and of its states; real
    // offset of its (signed) weights.
    simplex_binom: u32,
    mix_counts: u32,
    mix_states: u32,
    mix_weights: u32,
    // Real offsets of the tail table (entries + 1 reals: tail[e] bounds what
    // entries e.. can add) and of the floor.
    mix_tail: u32,
    floor: u32,
    // This dispatch's first partial.
    partial_base: u32,
}

const NO_ITEM: u32 = 0xffffffffu;

@group(0) @binding(1) var<uniform> pass_params: PassParams;
@group(0) @binding(4) var<storage, read_write> best_values: array<real_t>;
// Per partial: (best item, items processed, entries evaluated).
@group(0) @binding(5) var<storage, read_write> best_items: array<u32>;

var<workgroup> group_values: array<real_t, WORKGROUP_SIZE>;
var<workgroup> group_items: array<u32, WORKGROUP_SIZE>;
var<workgroup> group_done: array<u32, WORKGROUP_SIZE>;
var<workgroup> group_evaluated: array<u32, WORKGROUP_SIZE>;
// item_value's sum and the entries it evaluated.
var<private> item_sum: real_t;
var<private> evaluated: u32;

// item_sum = Σ_e w_e f(walked, mix entry e) in the mix's order; false (the
// item abandoned) as soon as the partial sum plus tail[e + 1] is below
// `threshold`.
fn item_value(x: u32, threshold: real_t) -> bool {
    let k = config.actions;
    let coalition = pass_params.walks_coalition == 1u;
    item_sum = real_t(0.0);
    for (var e = 0u; e < pass_params.entries; e++) {
        let m = pass_params.mix_counts + e * k;
        for (var b = 0u; b < k; b++) {
            counts[b] = walked[b] + words[m + b];
        }
        if config.family == FAMILY_ANONYMOUS {
            anonymous_ranks();
        }
        action_shares(select(x, words[pass_params.mix_states + e], coalition));
        var f = real_t(0.0);
        for (var b = 0u; b < k; b++) {
            f += real_t(select(words[m + b], walked[b], coalition)) * action_share[b];
        }
        item_sum += reals[pass_params.mix_weights + e] * f;
        evaluated += 1u;
        if item_sum + reals[pass_params.mix_tail + e + 1u] < threshold {
            return false;
        }
    }
    return true;
}

// Whether (v, i) beats (than, than_i): larger, ties to the lower item.
fn beats(v: real_t, i: u32, than: real_t, than_i: u32) -> bool {
    if i == NO_ITEM {
        return false;
    }
    return than_i == NO_ITEM || v > than || (v == than && i < than_i);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn best_response(
    @builtin(local_invocation_index) lid: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
) {
    let k = config.actions;
    simplex_total = pass_params.total;
    simplex_positions = k;
    simplex_binom_at = pass_params.simplex_binom;
    let offset = (wid.x * WORKGROUP_SIZE + lid) * pass_params.per_thread;
    var items = 0u;
    if offset < pass_params.count {
        items = min(pass_params.per_thread, pass_params.count - offset);
    }
    var best = real_t(0.0);
    var best_item = NO_ITEM;
    let floor = reals[pass_params.floor];
    evaluated = 0u;
    if items > 0u {
        let item = pass_params.first + offset;
        var x = item / pass_params.len;
        unrank(item % pass_params.len);
        for (var i = 0u; i < items; i++) {
            if i > 0u && !advance() {
                // The next state's first vector, (0, …, 0, total).
                x += 1u;
                for (var b = 0u; b < k; b++) {
                    walked[b] = 0u;
                }
                walked[k - 1u] = pass_params.total;
            }
            let threshold = select(floor, max(floor, best), best_item != NO_ITEM);
            if item_value(x, threshold) && (best_item == NO_ITEM || item_sum > best) {
                best = item_sum;
                best_item = item + i;
            }
        }
    }
    group_values[lid] = best;
    group_items[lid] = best_item;
    group_done[lid] = items;
    group_evaluated[lid] = evaluated;
    workgroupBarrier();
    for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride /= 2u) {
        if lid < stride {
            let other = lid + stride;
            if beats(group_values[other], group_items[other], group_values[lid], group_items[lid]) {
                group_values[lid] = group_values[other];
                group_items[lid] = group_items[other];
            }
            group_done[lid] += group_done[other];
            group_evaluated[lid] += group_evaluated[other];
        }
        workgroupBarrier();
    }
    if lid == 0u {
        let at = pass_params.partial_base + wid.x;
        best_values[at] = group_values[0];
        best_items[3u * at] = group_items[0];
        best_items[3u * at + 1u] = group_done[0];
        best_items[3u * at + 2u] = group_evaluated[0];
    }
}
