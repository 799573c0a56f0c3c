// Exact enumeration of the product of the parts' supports (src/plan.rs).
// Each thread walks a contiguous run of `profiles_per_thread` profiles with
// an odometer over the parts' outcome digits, updating counts, the table
// index and the weight's suffix products incrementally; the workgroup
// reduces its threads' accumulators with a fixed-shape tree and writes one
// partial per slot; the host adds partials in f64. Every thread adds the
// number of profiles it processed to `processed`, which the host checks.
// Rust mirror: src/cpu/enumerate.rs (same function names).
// Composed with families.wgsl and digits.wgsl; the host prepends `alias acc_t = f64;` (or f32).

const WORKGROUP_SIZE: u32 = 64u;
const MAX_SLOTS: u32 = 64u;
const MAX_COALITION_COUNTS: u32 = 256u;

// Must be kept in sync with `DispatchParams` in src/gpu/enumerate.rs.
struct Dispatch {
    // Mixed-radix digits of the dispatch's first profile, part 0 first.
    digits: array<vec4<u32>, 16>,
    profiles: u32,
    profiles_per_thread: u32,
    // Index into `processed`, and first partial of this dispatch.
    counter: u32,
    partial_base: u32,
}

@group(0) @binding(1) var<uniform> dispatch: Dispatch;
@group(0) @binding(4) var<storage, read_write> partials: array<acc_t>;
@group(0) @binding(5) var<storage, read_write> processed: array<atomic<u32>>;

var<private> coalition_counts: array<u32, MAX_COALITION_COUNTS>;
var<private> suffix_weight: array<f32, 65>;
var<private> table_index: u32;
var<private> acc: array<acc_t, MAX_SLOTS>;
var<workgroup> scratch: array<acc_t, WORKGROUP_SIZE>;

fn outcome_probability(p: u32, o: u32) -> f32 {
    return reals[part_word(p, 4u) + o];
}

fn start_digits(offset: u32) {
    for (var p = 0u; p < config.parts; p++) {
        digit[p] = dispatch.digits[p / 4u][p % 4u];
    }
    add_to_digits(offset);
}

// Add (or remove) the actions of outcome `o` of part `p` to the counts.
fn apply_outcome(p: u32, o: u32, add: bool) {
    let first_player = part_word(p, 1u);
    let size = part_word(p, 2u);
    let first_action = part_word(p, 3u) + o * size;
    let k = config.actions;
    for (var r = 0u; r < size; r++) {
        let i = words[first_player + r];
        let a = words[first_action + r];
        let c = words[config.player_coalition + i] * k + a;
        let step = a * words[config.player_stride + i];
        if add {
            counts[a] += 1u;
            coalition_counts[c] += 1u;
            table_index += step;
        } else {
            counts[a] -= 1u;
            coalition_counts[c] -= 1u;
            table_index -= step;
        }
    }
}

fn update_weights(top: u32) {
    for (var q = i32(top); q >= 0; q--) {
        let p = u32(q);
        suffix_weight[p] = outcome_probability(p, digit[p]) * suffix_weight[p + 1u];
    }
}

fn start_walk(offset: u32) {
    start_digits(offset);
    let k = config.actions;
    for (var b = 0u; b < k; b++) {
        counts[b] = words[config.base_counts + b];
    }
    for (var c = 0u; c < config.coalitions * k; c++) {
        coalition_counts[c] = words[config.base_coalition_counts + c];
    }
    table_index = config.base_table_index;
    for (var p = 0u; p < config.parts; p++) {
        apply_outcome(p, digit[p], true);
    }
    suffix_weight[config.parts] = 1.0;
    if config.parts > 0u {
        update_weights(config.parts - 1u);
    }
    if config.family == FAMILY_ANONYMOUS {
        anonymous_ranks();
    }
}

// Odometer step: part 0 moves every step, part p+1 when part p wraps.
fn advance() {
    var p = 0u;
    loop {
        if p >= config.parts {
            break;
        }
        apply_outcome(p, digit[p], false);
        digit[p] += 1u;
        if digit[p] < part_word(p, 0u) {
            apply_outcome(p, digit[p], true);
            break;
        }
        digit[p] = 0u;
        apply_outcome(p, 0u, true);
        p += 1u;
    }
    update_weights(min(p, config.parts - 1u));
    if config.family == FAMILY_ANONYMOUS {
        anonymous_ranks();
    }
}

fn accumulate(weight: f32) {
    let k = config.actions;
    let m = config.coalitions;
    for (var x = 0u; x < config.states; x++) {
        if config.family == FAMILY_TABLE {
            let row = config.family_params + (x * config.table_profiles + table_index) * m;
            for (var j = 0u; j < m; j++) {
                acc[j * config.states + x] += acc_t(weight * reals[row + j]);
            }
        } else {
            action_shares(x);
            for (var j = 0u; j < m; j++) {
                var total = 0.0;
                for (var b = 0u; b < k; b++) {
                    total += f32(coalition_counts[j * k + b]) * action_share[b];
                }
                acc[j * config.states + x] += acc_t(weight * total);
            }
        }
    }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn enumerate(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(workgroup_id) wid: vec3<u32>,
) {
    for (var s = 0u; s < config.slots; s++) {
        acc[s] = acc_t(0);
    }
    let per_thread = dispatch.profiles_per_thread;
    let start = gid.x * per_thread;
    var mine = 0u;
    if start < dispatch.profiles {
        mine = min(per_thread, dispatch.profiles - start);
    }
    if mine > 0u {
        start_walk(start);
        for (var t = 0u; t < mine; t++) {
            accumulate(suffix_weight[0]);
            if t + 1u < mine {
                advance();
            }
        }
        atomicAdd(&processed[dispatch.counter], mine);
    }
    for (var s = 0u; s < config.slots; s++) {
        scratch[lid.x] = acc[s];
        workgroupBarrier();
        for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride /= 2u) {
            if lid.x < stride {
                scratch[lid.x] += scratch[lid.x + stride];
            }
            workgroupBarrier();
        }
        if lid.x == 0u {
            partials[dispatch.partial_base + wid.x * config.slots + s] = scratch[0];
        }
        workgroupBarrier();
    }
}
