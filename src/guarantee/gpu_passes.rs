//! The double oracle's two passes on the GPU (`shaders/best_response.wgsl`,
//! host side `src/gpu/best_response.rs`), behind the same seam as the CPU
//! passes ([`Oracles`]): shares on the fly from the family, and answers that
//! are the CPU's f64 values and ranks (the host recomputes every workgroup
//! that could hold the winner), so the certificates are those of the CPU.
//!
//! Each pass is given the items that won its earlier passes as hints: the
//! best of them against the new mix is the kernel's floor, below which it
//! skips items from their first entries (src/gpu/best_response.rs). Near
//! the double oracle's end the winner is usually one of them.

use super::passes::{Found, Oracles, Vector};
use super::shares::{Shares, Streamed};
use super::simplex::Simplex;
use crate::cpu::best_response::PassMix;
use crate::error::Result;
use crate::gpu::best_response::Pass;
use crate::gpu::GpuContext;
use crate::watch::Watch;

/// Refuse a product of role blocks: the kernel walks one block's simplex.
fn one_block(simplex: &Simplex) -> Result<()> {
    if simplex.blocks() == 1 {
        Ok(())
    } else {
        Err(crate::error::Error::too_large(
            "the GPU's double-oracle passes walk one block of count vectors; a role game's \
             per-role count vectors are walked on the CPU",
            crate::error::Remedy::CpuBackend,
        ))
    }
}

/// Winners kept as hints per pass: enough for the recent rounds, few
/// enough that valuing them on the CPU stays negligible.
const HINTS: usize = 64;

/// The passes on `gpu`, with the winners of each pass so far (items of the
/// simplex they were found on).
pub(crate) struct GpuPasses<'a> {
    gpu: &'a mut GpuContext,
    worst: Vec<u32>,
    best: Vec<u32>,
}

impl<'a> GpuPasses<'a> {
    pub(crate) fn new(gpu: &'a mut GpuContext) -> Self {
        GpuPasses {
            gpu,
            worst: Vec::new(),
            best: Vec::new(),
        }
    }
}

/// `item` added to `hints` (most recent last, at most [`HINTS`]).
fn remember(hints: &mut Vec<u32>, item: u32) {
    hints.retain(|&h| h != item);
    if hints.len() == HINTS {
        hints.remove(0);
    }
    hints.push(item);
}

impl Oracles<Streamed> for GpuPasses<'_> {
    fn worst_reply(
        &mut self,
        shares: &Streamed,
        others: &Simplex,
        mix: &[(&Vector<()>, f64)],
        watch: &Watch<'_>,
    ) -> Result<Found> {
        one_block(others)?;
        // Negated weights: the kernel maximises, and −Σ(−p f) = Σ p f exactly.
        let mix = PassMix {
            counts: mix
                .iter()
                .flat_map(|(n, _)| n.counts.iter().copied())
                .collect(),
            states: vec![0; mix.len()],
            weights: mix.iter().map(|&(_, p)| -p).collect(),
        };
        let pass = Pass {
            flat: shares.flat(),
            simplex: others,
            outer: shares.states() as u32,
            walks_coalition: false,
            mix: &mix,
            hints: &self.worst,
        };
        let (value, item) = self.gpu.best_response(&pass, watch)?;
        remember(&mut self.worst, item);
        Ok(Found {
            value: -value,
            rank: u64::from(item) % others.len(),
            state: (u64::from(item) / others.len()) as usize,
        })
    }

    fn best_strategy(
        &mut self,
        shares: &Streamed,
        coalition: &Simplex,
        mix: &[(usize, &Vector<()>, f64)],
        watch: &Watch<'_>,
    ) -> Result<Found> {
        let mix = PassMix {
            counts: mix
                .iter()
                .flat_map(|(_, m, _)| m.counts.iter().copied())
                .collect(),
            states: mix.iter().map(|&(x, _, _)| x as u32).collect(),
            weights: mix.iter().map(|&(_, _, w)| w).collect(),
        };
        let pass = Pass {
            flat: shares.flat(),
            simplex: coalition,
            outer: 1,
            walks_coalition: true,
            mix: &mix,
            hints: &self.best,
        };
        let (value, item) = self.gpu.best_response(&pass, watch)?;
        remember(&mut self.best, item);
        Ok(Found {
            value,
            rank: u64::from(item),
            state: 0,
        })
    }
}
