// The share table of the counts method: h_b(x, C) at (x * rows + r) * k + b
// for every count vector C of all n players (the r-th in rank order, given in
// count_vectors), from the family functions (families.wgsl). One invocation
// per count vector. Rust twin: src/cpu/count_shares.rs (keep in sync).

@group(0) @binding(4) var<storage, read> count_vectors: array<u32>;
@group(0) @binding(5) var<storage, read_write> share_table: array<f32>;

@compute @workgroup_size(64)
fn count_shares(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let k = config.actions;
    let rows = arrayLength(&count_vectors) / k;
    // 2-D grid: at most 65535 workgroups per dimension.
    let r = gid.y * groups.x * 64u + gid.x;
    if r >= rows {
        return;
    }
    for (var b = 0u; b < k; b++) {
        counts[b] = count_vectors[r * k + b];
    }
    if config.family == FAMILY_ANONYMOUS {
        anonymous_ranks();
    }
    for (var x = 0u; x < config.states; x++) {
        action_shares(x);
        for (var b = 0u; b < k; b++) {
            share_table[(x * rows + r) * k + b] = action_share[b];
        }
    }
}
