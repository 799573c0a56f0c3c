//! Rust twins of `shaders/families.wgsl` (keep in sync): the share of one player on each
//! action given the action counts (symmetric families; role-dependent ones
//! count (role, action) cells), read from a
//! [`FlatPlan`] exactly as the kernel reads its buffers, in f64.
//!
//! In a symmetric game a player's share depends only on the state, its action
//! b and the counts C, so `s_i = h_{a_i}(x, C)` and coalition j gets
//! `Σ_b N_j[b] h_b(x, C)`.
//!
//! The CPU sampler values 16 samples at once with the same operations for
//! plurality, proportional and congestion (`lane_shares` in
//! src/cpu/fast/sample_lanes.rs): a change here must be made there too, or the
//! sampler's bit-for-bit test against these twins fails.

use crate::plan::{family_id, FlatPlan};

fn binom(flat: &FlatPlan, a: u32, b: u32) -> u32 {
    flat.words[(flat.config.binom + a * flat.config.actions + b) as usize]
}

/// Twin of `count_vector_rank` (WGSL): the rank of `v` among count vectors
/// of the same sum, from the plan's binomial table.
pub fn count_vector_rank(flat: &FlatPlan, v: &[u32]) -> u32 {
    let k = flat.config.actions;
    let mut remaining: u32 = v.iter().sum();
    let mut rank = 0;
    for p in 0..k.saturating_sub(1) {
        let after = k - 1 - p;
        let c = v[p as usize];
        rank += binom(flat, remaining + after, after) - binom(flat, remaining - c + after, after);
        remaining -= c;
    }
    rank
}

/// Twin of `anonymous_ranks`: `others_rank[b] = rank(counts - e_b)` for each occupied b.
pub fn anonymous_ranks(flat: &FlatPlan, counts: &[u32], others_rank: &mut [u32]) {
    // A fixed array, not a Vec: the counts method calls this once per count vector.
    let mut buffer = [0u32; crate::model::limits::MAX_ACTIONS];
    let others = &mut buffer[..counts.len()];
    others.copy_from_slice(counts);
    for b in 0..counts.len() {
        if counts[b] > 0 {
            others[b] -= 1;
            others_rank[b] = count_vector_rank(flat, others);
            others[b] += 1;
        }
    }
}

/// Twin of `plurality_action_shares`.
pub fn plurality_action_shares(counts: &[u32], action_share: &mut [f64]) {
    let mut top = 0;
    for b in 0..counts.len() {
        action_share[b] = 0.0;
        if counts[b] > counts[top] {
            top = b;
        }
    }
    action_share[top] = 1.0 / f64::from(counts[top]);
}

/// Twin of `proportional_action_shares`.
pub fn proportional_action_shares(
    flat: &FlatPlan,
    x: u32,
    counts: &[u32],
    action_share: &mut [f64],
) {
    let w = &flat.reals[(flat.config.family_params + x * flat.config.actions) as usize..];
    let total: f64 = counts.iter().zip(w).map(|(&c, &w)| f64::from(c) * w).sum();
    for (b, share) in action_share.iter_mut().enumerate().take(counts.len()) {
        *share = w[b] / total;
    }
}

/// Twin of `congestion_action_shares`.
pub fn congestion_action_shares(flat: &FlatPlan, x: u32, counts: &[u32], action_share: &mut [f64]) {
    let v = &flat.reals[(flat.config.family_params + x * flat.config.actions) as usize..];
    let total: f64 = (0..counts.len())
        .filter(|&b| counts[b] > 0)
        .map(|b| v[b])
        .sum();
    for b in 0..counts.len() {
        action_share[b] = if counts[b] > 0 {
            v[b] / f64::from(counts[b]) / total
        } else {
            0.0
        };
    }
}

/// Twin of `role_congestion_action_shares`: `counts` over (role block,
/// action) cells `r * k + b`.
pub fn role_congestion_action_shares(
    flat: &FlatPlan,
    x: u32,
    counts: &[u32],
    action_share: &mut [f64],
) {
    let cells = flat.config.actions as usize;
    let roles = flat.config.roles as usize;
    let k = cells / roles;
    let v = &flat.reals[(flat.config.family_params as usize + x as usize * cells)..][..cells];
    let mut total = 0.0;
    for b in 0..k {
        let players = action_players(counts, b, k, roles);
        if players > 0 {
            for r in 0..roles {
                total += f64::from(counts[r * k + b]) / f64::from(players) * v[r * k + b];
            }
        }
    }
    for c in 0..cells {
        let players = action_players(counts, c % k, k, roles);
        action_share[c] = if players > 0 {
            v[c] / f64::from(players) / total
        } else {
            0.0
        };
    }
}

/// Twin of `action_players`: players on action b over every role block.
fn action_players(counts: &[u32], b: usize, k: usize, roles: usize) -> u32 {
    (0..roles).map(|r| counts[r * k + b]).sum()
}

/// Twin of `anonymous_action_shares`; needs [`anonymous_ranks`] of `counts`.
pub fn anonymous_action_shares(
    flat: &FlatPlan,
    x: u32,
    counts: &[u32],
    others_rank: &[u32],
    action_share: &mut [f64],
) {
    let c = &flat.config;
    let k = c.actions;
    let mut total = 0.0;
    for b in 0..k {
        let u = if counts[b as usize] > 0 {
            flat.reals
                [(c.family_params + (x * c.anon_rows + others_rank[b as usize]) * k + b) as usize]
        } else {
            0.0
        };
        action_share[b as usize] = u;
        total += f64::from(counts[b as usize]) * u;
    }
    for share in action_share.iter_mut().take(k as usize) {
        *share /= total;
    }
}

/// Twin of `action_shares`: dispatch on the family (symmetric families only).
#[inline]
pub fn action_shares(
    flat: &FlatPlan,
    x: u32,
    counts: &[u32],
    others_rank: &[u32],
    action_share: &mut [f64],
) {
    match flat.config.family {
        family_id::PLURALITY => plurality_action_shares(counts, action_share),
        family_id::PROPORTIONAL => proportional_action_shares(flat, x, counts, action_share),
        family_id::CONGESTION => congestion_action_shares(flat, x, counts, action_share),
        family_id::ROLE_CONGESTION => role_congestion_action_shares(flat, x, counts, action_share),
        _ => anonymous_action_shares(flat, x, counts, others_rank, action_share),
    }
}
