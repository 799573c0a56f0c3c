//! The names a user types for the options that take one of a few values
//! (`--backend cpu`, `backend="cpu"`): defined once here, with a line of
//! help per value, and parsed here, so that the CLI and the Python package
//! accept the same spellings and refuse a wrong one with the same message.

use crate::counts::route::CountsAlgorithm;
use crate::error::{Error, Result};
use crate::evaluator::{Backend, Method};
use crate::guarantee::Solver;

/// An option whose values have names.
///
/// ```
/// use unitsum_gpu::{Backend, Choice};
/// assert_eq!("gpu".parse::<Backend>()?, Backend::Gpu);
/// assert_eq!(Backend::Both.to_string(), "both");
/// let e = "gpus".parse::<Backend>().unwrap_err();
/// assert_eq!(e.to_string(), "backend: \"gpus\": expected one of auto, cpu, gpu, both");
/// assert_eq!(Backend::NAMES.len(), 4);
/// # Ok::<(), unitsum_gpu::Error>(())
/// ```
pub trait Choice: Sized + Copy + PartialEq + 'static {
    /// The option's name, as the library spells it (`backend`).
    const OPTION: &'static str;
    /// Every value: its name, one line of help, the value; in the order
    /// help lists them.
    const NAMES: &'static [(&'static str, &'static str, Self)];

    /// The value's name.
    fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, _, v)| *v == self)
            .map_or("?", |(name, _, _)| name)
    }

    /// The value named `text`, or a usage error naming the option and what
    /// it accepts.
    fn parse_name(text: &str) -> Result<Self> {
        Self::NAMES
            .iter()
            .find(|(name, _, _)| *name == text)
            .map(|&(_, _, v)| v)
            .ok_or_else(|| Error::usage(Self::OPTION, expected::<Self>(text)))
    }
}

/// `"text": expected one of a, b, c`: the message of a wrong name.
pub fn expected<T: Choice>(text: &str) -> String {
    let names: Vec<&str> = T::NAMES.iter().map(|(name, _, _)| *name).collect();
    format!("{text:?}: expected one of {}", names.join(", "))
}

/// `Display` and `FromStr` by the names of [`Choice`].
macro_rules! named {
    ($type:ty) => {
        impl std::fmt::Display for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(Choice::name(*self))
            }
        }

        impl std::str::FromStr for $type {
            type Err = Error;
            fn from_str(text: &str) -> Result<Self> {
                Self::parse_name(text)
            }
        }
    };
}

impl Choice for Backend {
    const OPTION: &'static str = "backend";
    const NAMES: &'static [(&'static str, &'static str, Self)] = &[
        (
            "auto",
            "a hardware GPU when there is one, else the CPU (software adapters skipped)",
            Backend::Auto,
        ),
        ("cpu", "the f64 reference", Backend::Cpu),
        (
            "gpu",
            "the WGSL kernels on the preferred adapter, software ones included",
            Backend::Gpu,
        ),
        ("both", "both, compared", Backend::Both),
    ];
}
named!(Backend);

impl Choice for Method {
    const OPTION: &'static str = "method";
    const NAMES: &'static [(&'static str, &'static str, Self)] = &[
        (
            "auto",
            "the cheapest exact method within its limits, else sample",
            Method::Auto,
        ),
        (
            "exact",
            "enumerate the product of the policies' supports",
            Method::Exact,
        ),
        ("sample", "Monte Carlo with error bars", Method::Sample),
        (
            "counts",
            "sum over count vectors (symmetric games)",
            Method::Counts,
        ),
    ];
}
named!(Method);

impl Choice for CountsAlgorithm {
    const OPTION: &'static str = "counts";
    const NAMES: &'static [(&'static str, &'static str, Self)] = &[
        (
            "auto",
            "the cheapest of the four by estimated cost, within the memory limit",
            CountsAlgorithm::Auto,
        ),
        (
            "direct",
            "the pair sum over count distributions (what the GPU runs)",
            CountsAlgorithm::Direct,
        ),
        (
            "fft",
            "fast convolution on the count grid (CPU), kept within its rounding bound",
            CountsAlgorithm::Fft,
        ),
        (
            "leave-one-out",
            "leave-one-out distributions on the count simplex (CPU): many small parts, or one run of identical players",
            CountsAlgorithm::LeaveOneOut,
        ),
        (
            "stream",
            "one streamed pass over the simplex of the largest group on one marginal (CPU): deviation payoffs, one large group",
            CountsAlgorithm::Stream,
        ),
    ];
}
named!(CountsAlgorithm);

impl Choice for Solver {
    const OPTION: &'static str = "solver";
    const NAMES: &'static [(&'static str, &'static str, Self)] = &[
        (
            "auto",
            "the dense LP for small games and table games, else the double oracle",
            Solver::Auto,
        ),
        (
            "dense",
            "one LP over every strategy and reply",
            Solver::Dense,
        ),
        (
            "double-oracle",
            "row and column generation with certified bounds (symmetric and role-dependent games)",
            Solver::DoubleOracle,
        ),
    ];
}
named!(Solver);

#[cfg(test)]
mod tests {
    use super::*;

    /// Each name is the one serde writes (JSON output and input agree with
    /// the flags), and every value has one.
    fn serde_agrees<T: Choice + serde::Serialize + std::fmt::Debug>(count: usize) {
        assert_eq!(T::NAMES.len(), count, "{}", T::OPTION);
        for &(name, help, value) in T::NAMES {
            assert_eq!(serde_json::to_value(value).unwrap(), name);
            assert_eq!(T::parse_name(name).unwrap(), value);
            assert!(!help.is_empty());
        }
        let e = T::parse_name("nonsense").unwrap_err();
        assert!(e.is_bad_input());
        assert!(e
            .to_string()
            .starts_with(&format!("{}: \"nonsense\": expected one of", T::OPTION)));
    }

    #[test]
    fn names_are_serdes_and_parse_back() {
        serde_agrees::<Backend>(4);
        serde_agrees::<Method>(4);
        serde_agrees::<CountsAlgorithm>(5);
        serde_agrees::<Solver>(3);
    }
}
