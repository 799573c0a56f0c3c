//! Typed errors of the library. The binary maps them to exit codes: every
//! variant except [`Error::GpuCheckFailed`] and [`Error::Gpu`] is bad input or
//! usage (exit 2).

use thiserror::Error;

/// Everything that can go wrong while loading or evaluating a game.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The spec (or a game built in code) is malformed. `path` is the JSON
    /// path of the offending value, e.g. `coalitions[1].policy.marginals[0]`.
    #[error("{path}: {message}")]
    Spec {
        /// JSON path of the offending value.
        path: String,
        /// What is wrong and, where possible, how to fix it.
        message: String,
    },
    /// The spec file could not be read.
    #[error("cannot read {path}: {message}")]
    Io {
        /// File path.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// The problem is well formed but too large for the requested method or backend.
    #[error("{0}")]
    TooLarge(String),
    /// No GPU adapter is available.
    #[error("no GPU adapter found: {0}")]
    NoAdapter(String),
    /// The GPU reported an error (validation, device lost, mapping failure).
    #[error("GPU error: {0}")]
    Gpu(String),
    /// A GPU dispatch processed fewer or more profiles than it was given:
    /// the result would be silently wrong, so it is refused.
    #[error("GPU dispatch processed {got} profiles instead of {expected} (driver cut a loop?)")]
    GpuCheckFailed {
        /// Profiles the host dispatched.
        expected: u64,
        /// Profiles the kernel reports it processed.
        got: u64,
    },
}

impl Error {
    /// A spec error at `path`.
    pub fn spec(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Spec {
            path: path.into(),
            message: message.into(),
        }
    }

    /// Whether the error is the user's input (exit code 2) rather than a failed run.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            Error::Spec { .. } | Error::Io { .. } | Error::TooLarge(_) | Error::NoAdapter(_)
        )
    }
}

/// Result with the library's [`enum@Error`].
pub type Result<T> = std::result::Result<T, Error>;
