// The counts method's data layout (src/counts/direct.rs, `CountsFlat`), shared by
// count_pairs.wgsl and payoff_counts.wgsl: count vectors stored as their suffix
// sums, ranked in the product of per-block simplices by the rank tables
// (src/counts/space.rs, `RankTables`). Rust twins of `decode_counts`,
// `rank_bases` and `rank_of_sum`: src/cpu/counts_layout.rs (keep in sync).
// MAX_ACTIONS comes from src/model/limits.rs.

// Must be kept in sync with `CountsConfig` in src/counts/direct.rs.
struct CountsConfig {
    actions: u32,
    states: u32,
    table_len: u32,
    rows: u32,
    p_entries: u32,
    q_entries: u32,
    chunk: u32,
    chunks: u32,
    p_totals: u32,
    p_sums: u32,
    q_sums: u32,
    rank_tables: u32,
    p_prob: u32,
    q_prob: u32,
    shares: u32,
    blocks: u32,
}

@group(0) @binding(0) var<uniform> config: CountsConfig;
@group(0) @binding(2) var<storage, read> words: array<u32>;
@group(0) @binding(3) var<storage, read> reals: array<f32>;

// The count vector whose suffix sums s_1..s_{k-1} per block start at
// words[at], each block's total at words[config.p_totals..]:
// c_0 = total - s_1, c_b = s_b - s_{b+1}, c_{k-1} = s_{k-1}.
fn decode_counts(at: u32) -> array<u32, MAX_ACTIONS> {
    let k = config.actions / config.blocks;
    var n: array<u32, MAX_ACTIONS>;
    for (var r = 0u; r < config.blocks; r++) {
        let s = at + r * (k - 1u);
        var above = words[config.p_totals + r];
        for (var b = 0u; b < k - 1u; b++) {
            let sum = words[s + b];
            n[r * k + b] = above - sum;
            above = sum;
        }
        n[r * k + k - 1u] = above;
    }
    return n;
}

// Where the rank terms of N + M start for the N whose suffix sums start at
// words[at]: table i shifted by N's i-th suffix sum.
fn rank_bases(at: u32) -> array<u32, MAX_ACTIONS> {
    var bases: array<u32, MAX_ACTIONS>;
    for (var i = 0u; i < config.actions - config.blocks; i++) {
        bases[i] = config.rank_tables + i * config.table_len + words[at + i];
    }
    return bases;
}

// The rank of N + M among the count vectors of all n players, M's suffix
// sums at words[at] (u32 sums wrap; the true rank is below 2^32).
fn rank_of_sum(bases: ptr<function, array<u32, MAX_ACTIONS>>, at: u32) -> u32 {
    var r = 0u;
    for (var i = 0u; i < config.actions - config.blocks; i++) {
        r += words[(*bases)[i] + words[at + i]];
    }
    return r;
}
