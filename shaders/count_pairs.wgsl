// One coalition's pair sum of the counts method (src/counts/direct.rs):
// Σ_N P(N) Σ_M Q(M) Σ_b N_b h_b(x, N + M). An item is one P entry against one
// chunk of Q entries; N + M is found by adding cube indices and looking up
// its rank; h comes from the share table (count_shares.wgsl).
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
    for (var t = 0u; t < mine; t++) {
        // Items stay below 2^32 (checked by the host): no high word.
        let item = dispatch.first_lo + gid.x * dispatch.per_thread + t;
        let a = item / config.chunks;
        let chunk = item % config.chunks;
        let cell_n = words[config.p_cell + a];
        let p = reals[config.p_prob + a];
        var n = decode_cell(cell_n);
        let end = min((chunk + 1u) * config.chunk, config.q_entries);
        for (var q = chunk * config.chunk; q < end; q++) {
            let r = words[config.rank_of_cell + cell_n + words[config.q_cell + q]];
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
