// The count-vector payoff matrix: out[(x * |P| + a) * |Q| + q] =
// Σ_b N_a[b] h_b(x, N_a + M_q), P = the coalition's count vectors, Q the
// others' (layout of CountsConfig, src/symmetric.rs). Rust mirror:
// payoff_counts in src/cpu/payoff.rs. Composed with payoff.wgsl.

const MAX_ACTIONS: u32 = 16u;

// Must be kept in sync with `CountsConfig` in src/symmetric.rs.
struct CountsConfig {
    actions: u32,
    states: u32,
    radix: u32,
    rows: u32,
    p_entries: u32,
    q_entries: u32,
    chunk: u32,
    chunks: u32,
    p_total: u32,
    p_cell: u32,
    q_cell: u32,
    rank_of_cell: u32,
    p_prob: u32,
    q_prob: u32,
    shares: u32,
    pad: u32,
}

@group(0) @binding(0) var<uniform> config: CountsConfig;
@group(0) @binding(2) var<storage, read> words: array<u32>;
@group(0) @binding(3) var<storage, read> reals: array<f32>;

@compute @workgroup_size(64)
fn payoff_counts(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let t = entry_index(gid, groups);
    if t >= config.p_entries * config.q_entries {
        return;
    }
    let a = t / config.q_entries;
    let q = t % config.q_entries;
    let k = config.actions;
    let cell_n = words[config.p_cell + a];
    var n: array<u32, MAX_ACTIONS>;
    var rest = cell_n;
    var used = 0u;
    for (var b = k - 1u; b > 0u; b--) {
        n[b - 1u] = rest % config.radix;
        rest /= config.radix;
        used += n[b - 1u];
    }
    n[k - 1u] = config.p_total - used;
    let r = words[config.rank_of_cell + cell_n + words[config.q_cell + q]];
    for (var x = 0u; x < config.states; x++) {
        let h = config.shares + (x * config.rows + r) * k;
        var total = 0.0;
        for (var b = 0u; b < k; b++) {
            total += f32(n[b]) * reals[h + b];
        }
        payoff_out[(x * config.p_entries + a) * config.q_entries + q] = total;
    }
}
