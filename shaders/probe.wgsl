// Test kernels: run the shared WGSL functions (families.wgsl, profile.wgsl,
// digits.wgsl, philox.wgsl)
// on inputs from the host so that tests compare them with their Rust twins
// (src/cpu/families.rs, src/cpu/profile.rs, src/cpu/digits.rs,
// src/cpu/philox.rs) on the same inputs. Host side: src/gpu/probe.rs.

@group(0) @binding(1) var<storage, read_write> probe_words: array<u32>;
@group(0) @binding(4) var<storage, read> probe_in: array<u32>;
@group(0) @binding(5) var<storage, read_write> probe_out: array<f32>;

// One count vector per invocation (k words each in probe_in): its rank in
// probe_words, and action_shares for every state in probe_out (symmetric
// families; the counts must sum to n).
@compute @workgroup_size(64)
fn probe_families(@builtin(global_invocation_id) gid: vec3<u32>) {
    let k = config.actions;
    let cases = arrayLength(&probe_in) / k;
    let t = gid.x;
    if t >= cases {
        return;
    }
    var v: array<u32, MAX_ACTIONS>;
    for (var b = 0u; b < k; b++) {
        counts[b] = probe_in[t * k + b];
        v[b] = counts[b];
    }
    probe_words[t] = count_vector_rank(v);
    if config.family == FAMILY_TABLE {
        return;
    }
    if config.family == FAMILY_ANONYMOUS {
        anonymous_ranks();
    }
    for (var x = 0u; x < config.states; x++) {
        action_shares(x);
        for (var b = 0u; b < k; b++) {
            probe_out[(t * config.states + x) * k + b] = action_share[b];
        }
    }
}

// One case per invocation: P digits then an offset (P + 1 words); the digits
// after add_to_digits go to probe_words.
@compute @workgroup_size(64)
fn probe_digits(@builtin(global_invocation_id) gid: vec3<u32>) {
    let width = config.parts + 1u;
    let t = gid.x;
    if t >= arrayLength(&probe_in) / width {
        return;
    }
    for (var p = 0u; p < config.parts; p++) {
        digit[p] = probe_in[t * width + p];
    }
    add_to_digits(probe_in[t * width + config.parts]);
    for (var p = 0u; p < config.parts; p++) {
        probe_words[t * config.parts + p] = digit[p];
    }
}

// One case per invocation: counter (4 words) and key (2 words); the four
// Philox words go to probe_words.
@compute @workgroup_size(64)
fn probe_philox(@builtin(global_invocation_id) gid: vec3<u32>) {
    let t = gid.x;
    if t >= arrayLength(&probe_in) / 6u {
        return;
    }
    let i = t * 6u;
    let r = philox4x32_10(
        vec4<u32>(probe_in[i], probe_in[i + 1u], probe_in[i + 2u], probe_in[i + 3u]),
        vec2<u32>(probe_in[i + 4u], probe_in[i + 5u]),
    );
    for (var w = 0u; w < 4u; w++) {
        probe_words[t * 4u + w] = r[w];
    }
}

// One case per invocation: a part and a uniform word; the outcome goes to probe_words.
@compute @workgroup_size(64)
fn probe_outcomes(@builtin(global_invocation_id) gid: vec3<u32>) {
    let t = gid.x;
    if t >= arrayLength(&probe_in) / 2u {
        return;
    }
    probe_words[t] = sample_outcome(probe_in[2u * t], probe_in[2u * t + 1u]);
}
