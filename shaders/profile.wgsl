// The current profile, kept as the counts the share functions need: action
// counts (families.wgsl), each coalition's action counts and the table
// index; parts' outcomes are added or removed one at a time.
// Rust twin: src/cpu/profile.rs (same function names; keep in sync).
// Needs families.wgsl (config, words, reals, counts).

// The part table's entry of each part: PART_INFO_STRIDE words, field
// PART_<NAME> (constants from src/model/limits.rs) is PartInfo's <name> in src/plan.rs.

var<private> coalition_counts: array<u32, MAX_COALITION_COUNTS>;
var<private> table_index: u32;

fn part_word(p: u32, field: u32) -> u32 {
    return words[config.part_info + p * PART_INFO_STRIDE + field];
}

// Outcome of part `p` for the uniform word `r`: the number of thresholds
// T_o = floor(cdf_o · 2^32) (o < radix - 1) that are ≤ r, by binary search.
fn sample_outcome(p: u32, r: u32) -> u32 {
    let first = part_word(p, PART_FIRST_THRESHOLD);
    var lo = 0u;
    var hi = part_word(p, PART_OUTCOMES) - 1u;
    loop {
        if lo >= hi {
            break;
        }
        let mid = (lo + hi) / 2u;
        if words[first + mid] <= r {
            lo = mid + 1u;
        } else {
            hi = mid;
        }
    }
    return lo;
}

// The base profile: players that no random part sets.
fn reset_to_base() {
    let k = config.actions;
    for (var b = 0u; b < k; b++) {
        counts[b] = words[config.base_counts + b];
    }
    for (var c = 0u; c < config.coalitions * k; c++) {
        coalition_counts[c] = words[config.base_coalition_counts + c];
    }
    table_index = config.base_table_index;
}

// Add (or remove) the actions of outcome `o` of part `p`.
fn apply_outcome(p: u32, o: u32, add: bool) {
    let first_player = part_word(p, PART_FIRST_PLAYER);
    let size = part_word(p, PART_PLAYERS);
    let first_action = part_word(p, PART_FIRST_ACTION) + o * size;
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

// Part `p` moves from outcome `before` to outcome `after`.
fn change_outcome(p: u32, before: u32, after: u32) {
    apply_outcome(p, before, false);
    apply_outcome(p, after, true);
}

// After the counts changed: what the share functions precompute per profile.
fn profile_changed() {
    if config.family == FAMILY_ANONYMOUS {
        anonymous_ranks();
    }
}

// Before coalition_share(_, x): the per-action shares of state x.
fn prepare_state(x: u32) {
    if config.family != FAMILY_TABLE {
        action_shares(x);
    }
}

// Σ_{i ∈ c_j} s_i(x, a) for the current profile (after prepare_state(x)).
fn coalition_share(j: u32, x: u32) -> f32 {
    if config.family == FAMILY_TABLE {
        return reals[config.family_params + (x * config.table_profiles + table_index) * config.coalitions + j];
    }
    let k = config.actions;
    var total = 0.0;
    for (var b = 0u; b < k; b++) {
        total += f32(coalition_counts[j * k + b]) * action_share[b];
    }
    return total;
}
