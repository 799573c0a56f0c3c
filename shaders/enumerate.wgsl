// Exact enumeration of the product of the parts' supports (src/plan.rs).
// Each thread walks a contiguous run of profiles with an odometer over the
// parts' outcome digits, updating the profile (profile.wgsl) and the weight's
// suffix products incrementally, and accumulates weight × coalition share
// per slot `j * states + x`. Rust twin: src/cpu/enumerate.rs (keep in sync).
// Composed with families.wgsl, profile.wgsl, digits.wgsl and dispatch.wgsl.

var<private> suffix_weight: array<f32, 65>;

fn outcome_probability(p: u32, o: u32) -> f32 {
    return reals[part_word(p, PART_FIRST_PROBABILITY) + o];
}

fn update_weights(top: u32) {
    for (var q = i32(top); q >= 0; q--) {
        let p = u32(q);
        suffix_weight[p] = outcome_probability(p, digit[p]) * suffix_weight[p + 1u];
    }
}

fn start_walk(offset: u32) {
    for (var p = 0u; p < config.parts; p++) {
        digit[p] = dispatch.digits[p / 4u][p % 4u];
    }
    add_to_digits(offset);
    reset_to_base();
    for (var p = 0u; p < config.parts; p++) {
        apply_outcome(p, digit[p], true);
    }
    suffix_weight[config.parts] = 1.0;
    if config.parts > 0u {
        update_weights(config.parts - 1u);
    }
    profile_changed();
}

// Odometer step: part 0 moves every step, part p+1 when part p wraps.
fn advance() {
    var p = 0u;
    loop {
        if p >= config.parts {
            break;
        }
        let before = digit[p];
        digit[p] += 1u;
        if digit[p] < part_word(p, PART_OUTCOMES) {
            change_outcome(p, before, digit[p]);
            break;
        }
        digit[p] = 0u;
        change_outcome(p, before, 0u);
        p += 1u;
    }
    update_weights(min(p, config.parts - 1u));
    profile_changed();
}

fn accumulate(weight: f32) {
    for (var x = 0u; x < config.states; x++) {
        prepare_state(x);
        for (var j = 0u; j < config.coalitions; j++) {
            acc[j * config.states + x] += acc_t(weight * coalition_share(j, x));
        }
    }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn enumerate(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(workgroup_id) wid: vec3<u32>,
) {
    clear_accumulators(config.slots);
    let mine = thread_items(gid.x);
    if mine > 0u {
        start_walk(gid.x * dispatch.per_thread);
        for (var t = 0u; t < mine; t++) {
            accumulate(suffix_weight[0]);
            if t + 1u < mine {
                advance();
            }
        }
    }
    finish(lid.x, wid.x, config.slots, mine);
}
