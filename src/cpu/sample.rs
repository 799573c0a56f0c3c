//! Twin of `shaders/sample.wgsl` (keep in sync), in f64: the same Philox
//! draws, the same threshold search and the same order of additions, so that
//! both backends see the same profiles. The fast CPU sampler
//! ([`crate::cpu::fast`]) computes these sums 16 samples at a time and is
//! tested against this one.

use super::philox::philox4x32_10;
use super::profile::ProfileState;
use crate::plan::FlatPlan;

/// Twin of `draw_profile`: sample `index`'s profile under `seed` (Philox
/// keyed by the seed, counter `(index, part / 4)`, word `part % 4`).
pub fn draw_profile(profile: &mut ProfileState<'_>, seed: u64, index: u64) {
    profile.reset_to_base();
    let key = [seed as u32, (seed >> 32) as u32];
    let mut words = [0; 4];
    for p in 0..profile.config().parts as usize {
        if p % 4 == 0 {
            words = philox4x32_10([index as u32, (index >> 32) as u32, (p / 4) as u32, 0], key);
        }
        let outcome = profile.sample_outcome(p, words[p % 4]);
        profile.apply_outcome(p, outcome, true);
    }
    profile.profile_changed();
}

/// Twin of `accumulate_sample`: add the profile's shares y and y² per slot
/// (Σ y in `acc[..slots]`, Σ y² in `acc[slots..]`).
#[inline(always)]
pub fn accumulate_sample(profile: &mut ProfileState<'_>, acc: &mut [f64]) {
    let c = profile.config();
    let (slots, states) = (c.slots as usize, c.states as usize);
    for x in 0..states {
        profile.prepare_state(x);
        for j in 0..c.coalitions as usize {
            let y = profile.coalition_share(j, x);
            acc[j * states + x] += y;
            acc[slots + j * states + x] += y * y;
        }
    }
}

/// Twin of the `sample` kernel for one thread: Σ y per slot, then Σ y² per
/// slot, over samples `first .. first + count`.
pub fn sample(flat: &FlatPlan, seed: u64, first: u64, count: u64) -> Vec<f64> {
    let mut acc = vec![0.0; 2 * flat.config.slots as usize];
    let mut profile = ProfileState::new(flat);
    for index in first..first + count {
        draw_profile(&mut profile, seed, index);
        accumulate_sample(&mut profile, &mut acc);
    }
    acc
}
