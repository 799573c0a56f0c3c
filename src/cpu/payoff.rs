//! Rust mirrors of `shaders/payoff.wgsl`: the payoff matrix of a coalition
//! for the guarantee LP, one entry per state, coalition strategy and reply.
//! `payoff_counts`: symmetric games, strategies and replies are count vectors
//! (the layout of [`crate::symmetric::CountsFlat`] with P = the coalition's
//! count vectors, Q = the others'). `payoff_profiles`: any game, strategies and
//! replies are joint actions (a plan of two parts, see [`crate::guarantee`]).

use super::profile::ProfileState;
use crate::plan::FlatPlan;
use crate::symmetric::CountsConfig;

/// Twin of `payoff_counts`: `out[(x * |P| + a) * |Q| + q] = Σ_b N_a[b] h_b(x, N_a + M_q)`.
pub fn payoff_counts(c: &CountsConfig, words: &[u32], reals: &[f64]) -> Vec<f64> {
    let k = c.actions as usize;
    let (p, q_entries) = (c.p_entries as usize, c.q_entries as usize);
    let mut out = vec![0.0; c.states as usize * p * q_entries];
    let mut n = vec![0u32; k];
    for a in 0..p {
        let cell_n = words[c.p_cell as usize + a];
        c.decode_cell(cell_n, &mut n);
        for q in 0..q_entries {
            let r = words[(c.rank_of_cell + cell_n + words[c.q_cell as usize + q]) as usize];
            for x in 0..c.states {
                let h = (c.shares + (x * c.rows + r) * c.actions) as usize;
                let total: f64 = (0..k).map(|b| f64::from(n[b]) * reals[h + b]).sum();
                out[(x as usize * p + a) * q_entries + q] = total;
            }
        }
    }
    out
}

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
