// Game families: the share of one player on each action given the action
// counts, for every symmetric family and the role-dependent ones (whose
// "actions" are (role, action) cells), and the count-vector rank of the
// `anonymous` family. Shared by every kernel (composed, not copied).
// Rust twins: src/cpu/families.rs (same function names; keep in sync).
// `Config` must be kept in sync with `Config` in src/plan.rs; MAX_ACTIONS and
// the FAMILY_* ids come from src/model/limits.rs. `real_t` (the reals and the
// shares) is aliased by the composition: f32, or f64 for best_response.wgsl
// on adapters with SHADER_F64.

struct Config {
    players: u32,
    actions: u32,
    states: u32,
    coalitions: u32,
    parts: u32,
    family: u32,
    slots: u32,
    anon_rows: u32,
    part_info: u32,
    base_counts: u32,
    base_coalition_counts: u32,
    player_coalition: u32,
    player_stride: u32,
    binom: u32,
    table_profiles: u32,
    base_table_index: u32,
    family_params: u32,
    roles: u32,
    pad1: u32,
    pad2: u32,
}

@group(0) @binding(0) var<uniform> config: Config;
@group(0) @binding(2) var<storage, read> words: array<u32>;
@group(0) @binding(3) var<storage, read> reals: array<real_t>;

// Action counts of the current profile (all players).
var<private> counts: array<u32, MAX_ACTIONS>;
// Output of action_shares: the share of one player on each action.
var<private> action_share: array<real_t, MAX_ACTIONS>;
// anonymous only: rank of the others' count vector C - e_b, per own action b.
var<private> others_rank: array<u32, MAX_ACTIONS>;

fn binom(a: u32, b: u32) -> u32 {
    return words[config.binom + a * config.actions + b];
}

// Rank of `v` among the count vectors of its sum, lexicographic ascending.
// Σ_{v'<v_p} C(rem - v' + after - 1, after - 1) = C(rem + after, after) - C(rem - v_p + after, after).
fn count_vector_rank(v: array<u32, MAX_ACTIONS>) -> u32 {
    let k = config.actions;
    var remaining = 0u;
    for (var b = 0u; b < k; b++) {
        remaining += v[b];
    }
    var rank = 0u;
    for (var p = 0u; p + 1u < k; p++) {
        let after = k - 1u - p;
        rank += binom(remaining + after, after) - binom(remaining - v[p] + after, after);
        remaining -= v[p];
    }
    return rank;
}

// anonymous: others_rank[b] = rank(counts - e_b) for every occupied b.
fn anonymous_ranks() {
    var others = counts;
    for (var b = 0u; b < config.actions; b++) {
        if counts[b] > 0u {
            others[b] -= 1u;
            others_rank[b] = count_vector_rank(others);
            others[b] += 1u;
        }
    }
}

fn plurality_action_shares() {
    var top = 0u;
    for (var b = 0u; b < config.actions; b++) {
        action_share[b] = 0.0;
        if counts[b] > counts[top] {
            top = b;
        }
    }
    action_share[top] = 1.0 / real_t(counts[top]);
}

fn proportional_action_shares(x: u32) {
    let w = config.family_params + x * config.actions;
    var total = real_t(0.0);
    for (var b = 0u; b < config.actions; b++) {
        total += real_t(counts[b]) * reals[w + b];
    }
    for (var b = 0u; b < config.actions; b++) {
        action_share[b] = reals[w + b] / total;
    }
}

fn congestion_action_shares(x: u32) {
    let v = config.family_params + x * config.actions;
    var total = real_t(0.0);
    for (var b = 0u; b < config.actions; b++) {
        if counts[b] > 0u {
            total += reals[v + b];
        }
    }
    for (var b = 0u; b < config.actions; b++) {
        action_share[b] = select(0.0, reals[v + b] / real_t(counts[b]) / total, counts[b] > 0u);
    }
}

// Role-dependent congestion: `actions` counts (role block, action) cells
// `r * k + b`; the players on action b split the mean of their roles'
// values, v[x][r][b] / count(b) each, normalised over all players.
fn role_congestion_action_shares(x: u32) {
    let cells = config.actions;
    let k = cells / config.roles;
    let v = config.family_params + x * cells;
    var total = real_t(0.0);
    for (var b = 0u; b < k; b++) {
        let players = action_players(b, k);
        if players > 0u {
            for (var r = 0u; r < config.roles; r++) {
                total += real_t(counts[r * k + b]) / real_t(players) * reals[v + r * k + b];
            }
        }
    }
    for (var c = 0u; c < cells; c++) {
        let players = action_players(c % k, k);
        action_share[c] = select(0.0, reals[v + c] / real_t(players) / total, players > 0u);
    }
}

// Players on action b over every role block.
fn action_players(b: u32, k: u32) -> u32 {
    var players = 0u;
    for (var r = 0u; r < config.roles; r++) {
        players += counts[r * k + b];
    }
    return players;
}

// Needs anonymous_ranks() for the current counts.
fn anonymous_action_shares(x: u32) {
    let k = config.actions;
    var total = real_t(0.0);
    for (var b = 0u; b < k; b++) {
        var u = real_t(0.0);
        if counts[b] > 0u {
            u = reals[config.family_params + (x * config.anon_rows + others_rank[b]) * k + b];
        }
        action_share[b] = u;
        total += real_t(counts[b]) * u;
    }
    for (var b = 0u; b < k; b++) {
        action_share[b] /= total;
    }
}

// Symmetric families only (not table).
fn action_shares(x: u32) {
    switch config.family {
        case FAMILY_PLURALITY: { plurality_action_shares(); }
        case FAMILY_PROPORTIONAL: { proportional_action_shares(x); }
        case FAMILY_CONGESTION: { congestion_action_shares(x); }
        case FAMILY_ROLE_CONGESTION: { role_congestion_action_shares(x); }
        default: { anonymous_action_shares(x); }
    }
}
