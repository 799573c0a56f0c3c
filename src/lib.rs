//! # unitsum-gpu
//!
//! Expected coalition shares `r_j(x)` in unit-sum games (docs/THEORY.md in
//! the repository states the model), and what a coalition can secure.
//!
//! **The model.** A [`Problem`] is n players, k actions, a [`Game`] (one of
//! five families) and a partition of the players into [`Coalition`]s, each
//! with a [`Policy`]. Its serde form is the JSON spec format of the README:
//! [`Problem::from_json`], [`Problem::load`], [`Problem::to_json`].
//!
//! **The methods** ([`Method`]), each on two backends ([`Backend`]) that
//! compute the same function, the GPU through wgpu compute shaders (WGSL) and
//! the CPU by an f64 reference, so that each checks the other
//! ([`Backend::Both`]):
//! - *exact*: enumerate the product of the coalitions' policy supports;
//! - *counts*: in a symmetric game, sum over count vectors instead of
//!   profiles, polynomial in n;
//! - *sample*: Monte Carlo with error bars, the same Philox stream on both
//!   backends;
//! - *auto*: the cheapest exact method within its limits, else sampling.
//!
//! **The analyses**, all methods of one [`Evaluator`] (which keeps the GPU
//! device and pipelines between calls): [`Evaluator::evaluate`],
//! [`Evaluator::check`] (is the game unit-sum and symmetric?),
//! [`Evaluator::security_value`] (the most a coalition can secure, by linear
//! programming, or at scale by double oracle with certified bounds), [`Evaluator::best_response`], [`Evaluator::power_curve`],
//! [`Evaluator::sweep_point`] (the theorems' sweeps, [`sweep`]) and
//! [`Evaluator::adapters`].
//!
//! ```
//! use unitsum_gpu::{Backend, Coalition, Evaluator, Game, Options, Policy, Problem};
//! // Theorem 1: a majority playing a common uniform action in the plurality game.
//! let problem = Problem::new(5, 4, Game::Plurality, vec![
//!     Coalition::new(vec![0, 1, 2], Policy::Common { dist: None }),
//!     Coalition::new(vec![3, 4], Policy::Uniform),
//! ])?;
//! let mut evaluator = Evaluator::new();
//! let result = evaluator.evaluate(&problem, &Options { backend: Backend::Cpu, ..Default::default() })?;
//! assert!(result.shares[0][0] >= 1.0 - 1.0 / 4.0);
//! assert!(result.unit_sum_error < 1e-12);
//! # Ok::<(), unitsum_gpu::Error>(())
//! ```
//!
//! Errors are one enum, [`Error`], whose kind survives sweeps and guarantees:
//! [`Error::is_bad_input`] tells the user's input from a failed run.

mod bench;
mod check;
mod choice;
mod counts;
mod cpu;
mod error;
mod evaluator;
mod gpu;
mod guarantee;
mod memory;
mod model;
mod plan;
mod power;
mod spec;
pub mod sweep;
mod watch;

// The README's Rust block is compiled and run as a doctest; its other
// blocks are run by tests/it/readme.rs and python/tests/test_readme.py.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use check::{
    CheckReport, Property, Symmetry, Violation, DEFAULT_CHECK_SAMPLES, MAX_CHECK_SAMPLES,
};
pub use choice::{expected, Choice};
pub use counts::route::{CountsAlgorithm, FFT_ROUNDING_LIMIT};
pub use error::{Error, Remedy, Result};
pub use evaluator::{
    evaluate, Backend, BackendUsed, CrossCheck, Evaluation, Evaluator, Method, MethodUsed, Options,
    AUTO_COUNTS_MAX_PAIRS, AUTO_EXACT_MAX_PROFILES, DEFAULT_SAMPLES, DEFAULT_TOLERANCE,
};
pub use gpu::{ensure_runtime_dir, Adapter};
pub use guarantee::{
    curve_game, Basis, BestResponse, CurveOptions, CurvePoint, GuaranteeOptions, ReplyWeight,
    SecurityValue, Solver, AUTO_DENSE_MAX_ENTRIES, AUTO_SPY_MAX_PLAYERS, GAP, MAX_PAYOFF_ENTRIES,
};
pub use memory::{memory_limit_from_gib, DEFAULT_MEMORY_LIMIT};
pub use model::game::{Game, MAX_ROLES, MAX_STATES, MAX_TABLE_ENTRIES, UNIT_SUM_TOLERANCE};
pub use model::limits::MAX_ACTIONS;
pub use model::policy::{Block, CopyMatch, Policy};
pub use model::problem::{Coalition, Problem, MAX_COUNTS_ARRANGEMENTS};
pub use power::{
    family_problem, Core, Power, PowerOptions, PowerPoint, PowerProperty, MAX_COMPOSITIONS,
    POWER_TOLERANCE,
};
pub use spec::json::{parse_json, MAX_DEPTH, MAX_INPUT_BYTES, MAX_INPUT_VALUES};
pub use watch::{human_duration, Cancel, NoticeFn, ProgressFn, NOTICE_AFTER_SECONDS};

/// The crate's internals, for its own integration tests and benches only:
/// not part of the API, and free to change in any release.
#[doc(hidden)]
pub mod internals;
