//! Rust mirror of `shaders/sample.wgsl`, in f64: the same Philox draws, the
//! same threshold search, so that both backends see the same profiles.

use super::profile::ProfileState;
use crate::plan::FlatPlan;
use crate::random::philox4x32_10;

/// Twin of `draw_profile`.
fn draw_profile(profile: &mut ProfileState<'_>, flat: &FlatPlan, seed: u64, index: u64) {
    profile.reset_to_base();
    let key = [seed as u32, (seed >> 32) as u32];
    let mut words = [0u32; 4];
    for p in 0..flat.config.parts as usize {
        if p % 4 == 0 {
            words = philox4x32_10([index as u32, (index >> 32) as u32, (p / 4) as u32, 0], key);
        }
        let o = profile.sample_outcome(p, words[p % 4]);
        profile.apply_outcome(p, o, true);
    }
    profile.profile_changed();
}

/// Twin of the `sample` kernel for one thread: Σ y per slot, then Σ y² per
/// slot, over samples `first .. first + count`.
pub fn sample(flat: &FlatPlan, seed: u64, first: u64, count: u64) -> Vec<f64> {
    let c = &flat.config;
    let (slots, states) = (c.slots as usize, c.states as usize);
    let mut acc = vec![0.0; 2 * slots];
    let mut profile = ProfileState::new(flat);
    for index in first..first + count {
        draw_profile(&mut profile, flat, seed, index);
        for x in 0..states {
            profile.prepare_state(x);
            for j in 0..c.coalitions as usize {
                let y = profile.coalition_share(j, x);
                acc[j * states + x] += y;
                acc[slots + j * states + x] += y * y;
            }
        }
    }
    acc
}
