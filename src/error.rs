//! The library's one error type. Every variant keeps its kind through sweeps
//! and guarantees, so a caller (the binary, the Python package) can tell bad
//! input from a failed run: [`Error::is_bad_input`].

use thiserror::Error;

/// What to do instead when a job is refused as too large. The binary turns
/// it into the flag to use; the library's messages name no flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Remedy {
    /// The CPU backend has no such limit.
    CpuBackend,
    /// Sampling (Monte Carlo) has no such limit.
    Sampling,
    /// The counts method answers exactly (a symmetric game where it fits).
    Counts,
    /// Only a smaller problem fits.
    SmallerProblem,
    /// The job fits in the machine's memory but not in the memory limit
    /// ([`crate::Options::memory_limit`]): raise the limit to run it.
    MemoryLimit,
}

/// Everything that can go wrong while loading or evaluating a game.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The spec (or a game built in code, or an option) is malformed. `path`
    /// is the JSON path of the offending value, e.g.
    /// `coalitions[1].policy.marginals[0]`, or the option's name.
    #[error("{path}: {message}")]
    Spec {
        /// JSON path of the offending value, or the option's name.
        path: String,
        /// What is wrong and, where possible, how to fix it.
        message: String,
    },
    /// An option of a call (a flag of the binary) has a bad value. `option`
    /// is its name as the library spells it (`samples`); the binary writes
    /// it as the flag (`--samples`).
    #[error("{option}: {message}")]
    Usage {
        /// The option's name.
        option: String,
        /// What is wrong with its value.
        message: String,
    },
    /// A file could not be read (a spec, a grid, rows to resume from).
    #[error("cannot read {path}: {source}")]
    Read {
        /// File path.
        path: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be written (rows, plots, saved failures).
    #[error("cannot write {path}: {source}")]
    Write {
        /// File path.
        path: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The problem is well formed but too large for the requested method or
    /// backend; refused before the work starts.
    #[error("{message}")]
    TooLarge {
        /// What is too large, and the limit.
        message: String,
        /// What has no such limit.
        remedy: Remedy,
    },
    /// No GPU adapter is available.
    #[error("no GPU adapter found: {0}")]
    NoAdapter(String),
    /// The GPU reported an error (validation, device lost, mapping failure).
    #[error("GPU error: {0}")]
    Gpu(String),
    /// A GPU dispatch processed fewer or more items than it was given: the
    /// result would be silently wrong, so it is refused.
    #[error("GPU dispatch processed {got} items instead of {expected} (driver cut a loop?)")]
    GpuCheckFailed {
        /// Items the host dispatched.
        expected: u64,
        /// Items the kernel reports it processed.
        got: u64,
    },
    /// The two backends computed the same quantity differently.
    #[error(
        "the GPU and CPU results differ by {difference:.2e}, beyond the tolerance {tolerance:.0e}"
    )]
    Disagree {
        /// `max |GPU − CPU|` (infinite when either is not finite).
        difference: f64,
        /// The largest difference allowed.
        tolerance: f64,
    },
    /// A computed result failed its own checks (finite, within [0, 1],
    /// unit-sum, within the backend's rounding): it is refused rather than
    /// reported, whatever caused it.
    #[error("invalid result: {0}")]
    InvalidResult(String),
    /// The linear-programming solver failed or stopped without an answer.
    #[error("the LP solver failed: {0}")]
    Lp(String),
    /// The evaluation was stopped through its [`crate::Cancel`] handle.
    #[error("cancelled")]
    Cancelled,
}

impl Error {
    /// A spec error at `path`.
    pub fn spec(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Spec {
            path: path.into(),
            message: message.into(),
        }
    }

    /// A bad value of the option `option`.
    pub fn usage(option: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Usage {
            option: option.into(),
            message: message.into(),
        }
    }

    /// A job refused as too large, with what to use instead.
    pub fn too_large(message: impl Into<String>, remedy: Remedy) -> Self {
        Error::TooLarge {
            message: message.into(),
            remedy,
        }
    }

    /// A spec error at a path that names an option instead: a usage error.
    pub(crate) fn into_usage(self) -> Self {
        match self {
            Error::Spec { path, message } => Error::Usage {
                option: path,
                message,
            },
            other => other,
        }
    }

    /// A file that could not be read.
    pub fn read(path: impl AsRef<std::path::Path>, source: std::io::Error) -> Self {
        Error::Read {
            path: path.as_ref().display().to_string(),
            source,
        }
    }

    /// A file that could not be written.
    pub fn write(path: impl AsRef<std::path::Path>, source: std::io::Error) -> Self {
        Error::Write {
            path: path.as_ref().display().to_string(),
            source,
        }
    }

    /// Whether the error is the user's input or usage (the binary's exit
    /// code 2) rather than a failed run (exit code 1).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            Error::Spec { .. }
                | Error::Usage { .. }
                | Error::Read { .. }
                | Error::TooLarge { .. }
                | Error::NoAdapter(_)
        )
    }
}

/// Result with the library's [`enum@Error`].
pub type Result<T> = std::result::Result<T, Error>;
