// The counts method's streamed pass (src/counts/stream.rs), general group +
// rest form: every cell G of the group's simplex (c players over the d
// actions its marginal reaches, in rank order) weighs w = Π_a E_a[G_a] with
// the host's tables E_a[x] = exp(D_a[x]) ≤ 1, so that no exp or log runs
// here (WGSL has none in f64 on Vulkan). A cell with w below the cutoff
// (e^−80, from the host) is skipped, by the same test as the twin's. A kept
// cell adds w to the mass (the last accumulator) and, per rest total T and
// state x, with the family's shares h = h(x, G + T), w (c_j/c) P(T) Σ_b G_b h_b
// to each group coalition's slot j * states + x and w W_j(T)_b h_b to each
// rest entry's. Each thread walks `per_thread` consecutive cells (unranks
// the first, then advances), counts the cells it visited, and the workgroup
// reduces to one partial per accumulator by a fixed tree (dispatch.wgsl);
// the host adds the partials in f64 and divides by the mass.
// Rust twin: src/cpu/stream_counts.rs (keep in sync). Composed with
// families.wgsl, simplex.wgsl and dispatch.wgsl, `real_t` and `acc_t` f64
// (the host refuses adapters without SHADER_F64). The header's word offset
// is the dispatch's digits[0].

// Header fields; must be kept in sync with `field` in src/cpu/stream_counts.rs.
const STREAM_COPIES = 0u;
const STREAM_AXES = 1u;
const STREAM_TOTALS = 2u;
const STREAM_BINOM = 3u;
const STREAM_AXIS_ACTIONS = 4u;
const STREAM_REST_COUNTS = 5u;
const STREAM_GROUP_START = 6u;
const STREAM_GROUP_COALITION = 7u;
const STREAM_REST_START = 8u;
const STREAM_REST_SLOT = 9u;
const STREAM_TABLES = 10u;
const STREAM_GROUP_COEF = 11u;
const STREAM_REST_VALUE = 12u;
const STREAM_CUTOFF = 13u;

var<private> stream_header: u32;
// The group's counts on every action (0 off its axes).
var<private> group: array<u32, MAX_ACTIONS>;

fn stream_word(f: u32) -> u32 {
    return words[stream_header + f];
}

// Π_a E_a[G_a], axis by axis (twin: cell_weight).
fn cell_weight() -> real_t {
    let tables = stream_word(STREAM_TABLES);
    let stride = stream_word(STREAM_COPIES) + 1u;
    var w = real_t(1.0);
    for (var i = 0u; i < simplex_positions; i++) {
        w *= reals[tables + i * stride + walked[i]];
    }
    return w;
}

// A kept cell's terms (twin: accumulate_cell).
fn accumulate_cell(w: real_t) {
    let k = config.actions;
    let states = config.states;
    acc[config.coalitions * states] += w;
    for (var b = 0u; b < k; b++) {
        group[b] = 0u;
    }
    let axis_actions = stream_word(STREAM_AXIS_ACTIONS);
    for (var i = 0u; i < simplex_positions; i++) {
        group[words[axis_actions + i]] = walked[i];
    }
    let rest_counts = stream_word(STREAM_REST_COUNTS);
    let group_start = stream_word(STREAM_GROUP_START);
    let group_coalition = stream_word(STREAM_GROUP_COALITION);
    let group_coef = stream_word(STREAM_GROUP_COEF);
    let rest_start = stream_word(STREAM_REST_START);
    let rest_slot = stream_word(STREAM_REST_SLOT);
    let rest_value = stream_word(STREAM_REST_VALUE);
    for (var t = 0u; t < stream_word(STREAM_TOTALS); t++) {
        for (var b = 0u; b < k; b++) {
            counts[b] = group[b] + words[rest_counts + t * k + b];
        }
        if config.family == FAMILY_ANONYMOUS {
            anonymous_ranks();
        }
        for (var x = 0u; x < states; x++) {
            action_shares(x);
            var gh = real_t(0.0);
            for (var b = 0u; b < k; b++) {
                gh += real_t(group[b]) * action_share[b];
            }
            for (var e = words[group_start + t]; e < words[group_start + t + 1u]; e++) {
                let j = words[group_coalition + e];
                acc[j * states + x] += w * reals[group_coef + e] * gh;
            }
            for (var e = words[rest_start + t]; e < words[rest_start + t + 1u]; e++) {
                let slot = words[rest_slot + e];
                acc[(slot / k) * states + x] += w * reals[rest_value + e] * action_share[slot % k];
            }
        }
    }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn stream_counts(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(workgroup_id) wid: vec3<u32>,
) {
    stream_header = dispatch.digits[0].x;
    simplex_total = stream_word(STREAM_COPIES);
    simplex_positions = stream_word(STREAM_AXES);
    simplex_binom_at = stream_word(STREAM_BINOM);
    let accumulators = config.slots + 1u;
    clear_accumulators(accumulators);
    let mine = thread_items(gid.x);
    // Cells visited, counted in the loop: a loop cut short by the driver
    // shows in the host's check.
    var visited = 0u;
    if mine > 0u {
        unrank(dispatch.first_lo + gid.x * dispatch.per_thread);
        let cutoff = reals[stream_word(STREAM_CUTOFF)];
        for (var t = 0u; t < mine; t++) {
            if t > 0u {
                _ = advance();
            }
            let w = cell_weight();
            if w >= cutoff {
                accumulate_cell(w);
            }
            visited += 1u;
        }
    }
    finish(lid.x, wid.x, accumulators, visited);
}
