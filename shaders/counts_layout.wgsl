// The counts method's data layout (src/counts/direct.rs, `CountsFlat`), shared by
// count_pairs.wgsl and payoff_counts.wgsl. Rust twin of `decode_cell`:
// src/cpu/counts_layout.rs (keep in sync). MAX_ACTIONS comes from src/model/limits.rs.

// Must be kept in sync with `CountsConfig` in src/counts/direct.rs.
struct CountsConfig {
    actions: u32,
    states: u32,
    radix: u32,
    rows: u32,
    p_entries: u32,
    q_entries: u32,
    chunk: u32,
    chunks: u32,
    p_totals: u32,
    p_cell: u32,
    q_cell: u32,
    rank_of_cell: u32,
    p_prob: u32,
    q_prob: u32,
    shares: u32,
    blocks: u32,
}

@group(0) @binding(0) var<uniform> config: CountsConfig;
@group(0) @binding(2) var<storage, read> words: array<u32>;
@group(0) @binding(3) var<storage, read> reals: array<f32>;

// The count vector of a cube index (block 0 and within it c_0 the most
// significant digit) whose role blocks sum to the totals at
// words[config.p_totals..]; each block's last count is implied.
fn decode_cell(cell: u32) -> array<u32, MAX_ACTIONS> {
    let k = config.actions / config.blocks;
    var n: array<u32, MAX_ACTIONS>;
    var rest = cell;
    for (var r = config.blocks; r > 0u; r--) {
        let first = (r - 1u) * k;
        var used = 0u;
        for (var b = k - 1u; b > 0u; b--) {
            n[first + b - 1u] = rest % config.radix;
            rest /= config.radix;
            used += n[first + b - 1u];
        }
        n[first + k - 1u] = words[config.p_totals + r - 1u] - used;
    }
    return n;
}
