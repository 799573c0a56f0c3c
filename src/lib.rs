//! # unitsum-gpu
//!
//! Expected coalition shares `r_j(x)` in unit-sum games (see THEORY.md in
//! the project's shared notes): exactly, by enumerating the product of the
//! coalitions' policy supports, on the GPU through wgpu compute shaders
//! (WGSL) and on the CPU by a reference implementation in f64 that computes
//! the same function, so that each checks the other.
//!
//! ```
//! use unitsum_gpu::{evaluate, Backend, Coalition, Game, Options, Policy, Problem};
//! // Theorem 1: a majority playing a common uniform action in the plurality game.
//! let problem = Problem::new(5, 4, Game::Plurality, vec![
//!     Coalition::new(vec![0, 1, 2], Policy::Common { dist: None }),
//!     Coalition::new(vec![3, 4], Policy::Uniform),
//! ])?;
//! let result = evaluate(&problem, &Options { backend: Backend::Cpu, ..Default::default() })?;
//! assert!(result.shares[0][0] >= 1.0 - 1.0 / 4.0);
//! assert!(result.unit_sum_error < 1e-12);
//! # Ok::<(), unitsum_gpu::Error>(())
//! ```

pub mod bench;
pub mod check;
pub mod counts;
pub mod cpu;
mod error;
mod eval;
pub mod families;
mod game;
pub mod generate;
pub mod gpu;
pub mod guarantee;
pub mod heap;
pub mod plan;
pub mod plot;
mod policy;
mod problem;
pub mod random;
pub mod report;
mod spec;
pub mod sweep;
pub mod symmetric;

pub use error::{Error, Result};
pub use eval::{
    evaluate, Backend, Evaluation, Evaluator, Method, Options, ProgressFn, AUTO_COUNTS_MAX_PAIRS,
    AUTO_EXACT_MAX_PROFILES, DEFAULT_SAMPLES,
};
pub use game::{profile_index, Game, MAX_TABLE_ENTRIES, UNIT_SUM_TOLERANCE};
pub use policy::{Block, Policy};
pub use problem::{Coalition, Problem, MAX_ACTIONS};
pub use spec::{load_spec, parse_spec, parse_value, policy_to_value, to_value};
