//! The oracle: `r_j(x) = Σ_{a ∈ A^n} Π_j' π_j'(a_{c_j'}) Σ_{i ∈ c_j} s_i(x, a)`
//! computed literally, over all k^n profiles, from each policy's probability
//! function and each family's definition. Independent of the plan and of the
//! count-vector shortcuts, so the fast evaluators are tested against it.

use crate::model::problem::Problem;

/// Largest k^n the oracle walks (it is meant for small test cases).
pub const ORACLE_MAX_PROFILES: u64 = 1 << 22;

/// `r[j][x]` by brute force; `None` when k^n exceeds `ORACLE_MAX_PROFILES`.
pub fn oracle(problem: &Problem) -> Option<Vec<Vec<f64>>> {
    let n = problem.players();
    let k = problem.actions();
    let total = (k as u64)
        .checked_pow(n as u32)
        .filter(|&t| t <= ORACLE_MAX_PROFILES)?;
    let coalitions = problem.coalitions();
    let mut r = vec![vec![0.0; problem.states()]; coalitions.len()];
    let mut profile = vec![0usize; n];
    for index in 0..total {
        let mut rest = index;
        for a in profile.iter_mut() {
            *a = (rest % k as u64) as usize;
            rest /= k as u64;
        }
        let weight: f64 = coalitions
            .iter()
            .map(|c| {
                let joint: Vec<usize> = c.members.iter().map(|&i| profile[i]).collect();
                c.policy
                    .probability(&c.members, &joint, k, coalitions, problem.roles())
            })
            .product();
        if weight == 0.0 {
            continue;
        }
        for (x, _) in r[0].clone().iter().enumerate() {
            let shares = problem.game().player_shares(x, &profile, k);
            for (j, c) in coalitions.iter().enumerate() {
                r[j][x] += weight * c.members.iter().map(|&i| shares[i]).sum::<f64>();
            }
        }
    }
    Some(r)
}
