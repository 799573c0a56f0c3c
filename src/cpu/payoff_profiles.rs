//! Twin of `shaders/payoff_profiles.wgsl` (keep in sync), in f64: the
//! guarantee LP's payoff matrix in any game, where strategies and replies are
//! joint actions (a plan of two parts, see [`crate::guarantee`]).

use super::profile::ProfileState;
use crate::plan::FlatPlan;

/// Twin of `payoff_profiles`: `out[(x * R0 + d0) * R1 + d1]` = coalition
/// `coalition`'s share when part 0 plays outcome d0 and part 1 outcome d1.
pub fn payoff_profiles(flat: &FlatPlan, coalition: usize) -> Vec<f64> {
    let (r0, r1) = (flat.radices[0] as usize, flat.radices[1] as usize);
    let states = flat.config.states as usize;
    let mut out = vec![0.0; states * r0 * r1];
    let mut profile = ProfileState::new(flat);
    for d1 in 0..r1 {
        for d0 in 0..r0 {
            profile.reset_to_base();
            profile.apply_outcome(0, d0 as u32, true);
            profile.apply_outcome(1, d1 as u32, true);
            profile.profile_changed();
            for x in 0..states {
                profile.prepare_state(x);
                out[(x * r0 + d0) * r1 + d1] = profile.coalition_share(coalition, x);
            }
        }
    }
    out
}
