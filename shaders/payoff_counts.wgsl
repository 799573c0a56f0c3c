// The count-vector payoff matrix: out[(x * |P| + a) * |Q| + q] =
// Σ_b N_a[b] h_b(x, N_a + M_q), P = the coalition's count vectors, Q the
// others' (layout of CountsConfig, src/counts/direct.rs). Rust twin:
// src/cpu/payoff_counts.rs (keep in sync). Composed with counts_layout.wgsl
// and payoff.wgsl.

@compute @workgroup_size(64)
fn payoff_counts(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let t = entry_index(gid, groups);
    if t >= config.p_entries * config.q_entries {
        return;
    }
    let a = t / config.q_entries;
    let q = t % config.q_entries;
    let k = config.actions;
    let digits = config.actions - config.blocks;
    var n = decode_counts(config.p_sums + a * digits);
    var bases = rank_bases(config.p_sums + a * digits);
    let r = rank_of_sum(&bases, config.q_sums + q * digits);
    for (var x = 0u; x < config.states; x++) {
        let h = config.shares + (x * config.rows + r) * k;
        var total = 0.0;
        for (var b = 0u; b < k; b++) {
            total += f32(n[b]) * reals[h + b];
        }
        payoff_out[(x * config.p_entries + a) * config.q_entries + q] = total;
    }
}
