// The joint-action payoff matrix: out[(x * R0 + d0) * R1 + d1] = the share of
// coalition payoff_in[0] when part 0 (its members) plays outcome d0 and part 1
// (everyone else) outcome d1. Rust twin: src/cpu/payoff_profiles.rs (keep in
// sync). Composed with families.wgsl, profile.wgsl and payoff.wgsl.

@compute @workgroup_size(64)
fn payoff_profiles(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let r0 = part_word(0u, PART_OUTCOMES);
    let r1 = part_word(1u, PART_OUTCOMES);
    let t = entry_index(gid, groups);
    if t >= r0 * r1 {
        return;
    }
    let d0 = t % r0;
    let d1 = t / r0;
    reset_to_base();
    apply_outcome(0u, d0, true);
    apply_outcome(1u, d1, true);
    profile_changed();
    for (var x = 0u; x < config.states; x++) {
        prepare_state(x);
        payoff_out[(x * r0 + d0) * r1 + d1] = coalition_share(payoff_in[0], x);
    }
}
