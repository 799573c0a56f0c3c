//! The counts method's one driver, for both backends: lay out the count
//! distributions ([`CountsFlat`]), fill the share table `h_b(x, C)` (the
//! `count_shares` kernel or its twin), then sum each coalition's pairs (the
//! `count_pairs` kernel or its twin) or build a payoff matrix (`payoff_counts`).
//! On the GPU the share table never leaves the device.

use crate::counts::direct::{all_count_vectors, CountsFlat, CountsPlan};
use crate::error::Result;
use crate::plan::FlatPlan;
use crate::watch::Watch;

/// What a backend runs for the counts method.
pub(crate) trait CountKernels {
    /// A layout with its share table in place, where the kernels read it.
    type Loaded;

    /// Fill `layout`'s share table for the count vectors `vectors` of `flat`'s game.
    fn load(
        &mut self,
        flat: &FlatPlan,
        vectors: &[u32],
        layout: CountsFlat,
    ) -> Result<Self::Loaded>;

    /// Items of coalition j's pair sum.
    fn items(loaded: &Self::Loaded, j: usize) -> u64;

    /// Coalition j's pair sum, one value per state.
    fn pair_sum(&mut self, loaded: &Self::Loaded, j: usize, watch: Watch<'_>) -> Result<Vec<f64>>;

    /// The payoff matrix of the layout's first config (`payoff_counts`).
    fn payoff(&mut self, loaded: &Self::Loaded) -> Result<Vec<f64>>;
}

/// The layout of `counts` for `flat`'s game, loaded on `kernels`.
pub(crate) fn load<K: CountKernels>(
    kernels: &mut K,
    flat: &FlatPlan,
    counts: &CountsPlan,
) -> Result<K::Loaded> {
    let vectors = all_count_vectors(&counts.space);
    let layout = CountsFlat::new(counts, flat.config.states as usize)?;
    kernels.load(flat, &vectors, layout)
}

/// `r_j(x)` by the counts method: sums per slot `j * states + x`.
pub(crate) fn run<K: CountKernels>(
    kernels: &mut K,
    flat: &FlatPlan,
    counts: &CountsPlan,
    watch: Watch<'_>,
) -> Result<Vec<f64>> {
    let loaded = load(kernels, flat, counts)?;
    let coalitions = counts.coalitions.len();
    let total: u64 = (0..coalitions).map(|j| K::items(&loaded, j)).sum();
    let mut done = 0;
    let mut sums = Vec::with_capacity(coalitions * flat.config.states as usize);
    for j in 0..coalitions {
        let report = |d: u64, _: u64| watch.report(done + d, total);
        sums.extend(kernels.pair_sum(&loaded, j, watch.stage(&report))?);
        done += K::items(&loaded, j);
    }
    Ok(sums)
}
