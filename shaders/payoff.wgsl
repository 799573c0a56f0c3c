// Payoff matrices of the guarantee LP (src/guarantee.rs), one invocation per
// entry (2-D grid): the bindings and the entry index they share (no Rust
// twin: it computes nothing of the model; host side src/gpu/payoff.rs).
// payoff_counts: composed with payoff_counts.wgsl (its CountsConfig, words and
// reals); payoff_profiles: with payoff_profiles.wgsl, families.wgsl and
// profile.wgsl.

@group(0) @binding(4) var<storage, read> payoff_in: array<u32>;
@group(0) @binding(5) var<storage, read_write> payoff_out: array<f32>;

fn entry_index(gid: vec3<u32>, groups: vec3<u32>) -> u32 {
    return gid.y * groups.x * 64u + gid.x;
}
