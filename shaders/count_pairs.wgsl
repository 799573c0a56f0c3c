// One coalition's pair sum of the counts method (src/counts/direct.rs):
// Σ_N P(N) Σ_M Q(M) Σ_b N_b h_b(x, N + M). An item is one P entry against one
// chunk of Q entries; the rank of N + M comes from the rank tables (suffix
// sums add); h comes from the share table (count_shares.wgsl).
// Rust twin: src/cpu/count_pairs.rs (keep in sync). Composed with
// counts_layout.wgsl and dispatch.wgsl; driven by src/counts/driver.rs.

@compute @workgroup_size(WORKGROUP_SIZE)
fn count_pairs(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(workgroup_id) wid: vec3<u32>,
) {
    clear_accumulators(config.states);
    let mine = thread_items(gid.x);
    let k = config.actions;
    let digits = config.actions - config.blocks;
    for (var t = 0u; t < mine; t++) {
        // Items stay below 2^32 (checked by the host): no high word.
        let item = dispatch.first_lo + gid.x * dispatch.per_thread + t;
        let a = item / config.chunks;
        let chunk = item % config.chunks;
        let p = reals[config.p_prob + a];
        var n = decode_counts(config.p_sums + a * digits);
        var bases = rank_bases(config.p_sums + a * digits);
        let end = min((chunk + 1u) * config.chunk, config.q_entries);
        for (var q = chunk * config.chunk; q < end; q++) {
            let r = rank_of_sum(&bases, config.q_sums + q * digits);
            let w = p * reals[config.q_prob + q];
            for (var x = 0u; x < config.states; x++) {
                let h = config.shares + (x * config.rows + r) * k;
                var total = 0.0;
                for (var b = 0u; b < k; b++) {
                    total += f32(n[b]) * reals[h + b];
                }
                acc[x] += acc_t(w * total);
            }
        }
    }
    finish(lid.x, wid.x, config.states, mine);
}
