// Monte Carlo: each sample draws every random part's outcome independently
// (Philox4x32-10 keyed by the seed, counter = (sample index, part / 4), word
// part % 4; the outcome is the number of the part's thresholds ≤ the word),
// and adds each coalition's share y and y² per slot: accumulators
// [0, slots) hold Σ y, [slots, 2 slots) Σ y². Rust twin: src/cpu/sample.rs (keep in sync).
// Composed with families.wgsl, profile.wgsl, philox.wgsl and dispatch.wgsl.

fn draw_profile(index_lo: u32, index_hi: u32) {
    reset_to_base();
    let key = vec2<u32>(dispatch.seed_lo, dispatch.seed_hi);
    var words4 = vec4<u32>(0u);
    for (var p = 0u; p < config.parts; p++) {
        if p % 4u == 0u {
            words4 = philox4x32_10(vec4<u32>(index_lo, index_hi, p / 4u, 0u), key);
        }
        apply_outcome(p, sample_outcome(p, words4[p % 4u]), true);
    }
    profile_changed();
}

fn accumulate_sample() {
    for (var x = 0u; x < config.states; x++) {
        prepare_state(x);
        for (var j = 0u; j < config.coalitions; j++) {
            let y = acc_t(coalition_share(j, x));
            let slot = j * config.states + x;
            acc[slot] += y;
            acc[config.slots + slot] += y * y;
        }
    }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn sample(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(workgroup_id) wid: vec3<u32>,
) {
    clear_accumulators(2u * config.slots);
    let mine = thread_items(gid.x);
    let start = gid.x * dispatch.per_thread;
    for (var t = 0u; t < mine; t++) {
        // 64-bit sample index: dispatch's first + start + t, with carry.
        let offset = start + t;
        let lo = dispatch.first_lo + offset;
        let hi = dispatch.first_hi + select(0u, 1u, lo < offset);
        draw_profile(lo, hi);
        accumulate_sample();
    }
    finish(lid.x, wid.x, 2u * config.slots, mine);
}
