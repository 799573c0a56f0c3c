//! The extension module `unitsum_gpu._native`: the core crate's public API
//! (problem, evaluator, guarantees, sweeps, checks, adapters) for the
//! Python package `unitsum_gpu`, whose Python layer (`unitsum_gpu/`) gives
//! it typed results and docstrings.

mod args;
mod convert;
mod errors;
mod evaluator;
mod interrupt;
mod power;
mod problem;
mod sweep;

use std::panic::AssertUnwindSafe;

use numpy::{PyArray1, PyArrayMethods};
use pyo3::exceptions::{PyImportError, PyKeyboardInterrupt};
use pyo3::prelude::*;

/// Load what rust-numpy loads on first use (numpy's C API, its borrow
/// checker), now. It loads them by running Python code, where a pending
/// Ctrl-C raises, and it panics on any failure: on first use after a long
/// call, a notebook's interrupt became a `PanicException`. Here a failure
/// is a clean exception, and later calls load nothing.
fn load_numpy(py: Python<'_>) -> PyResult<()> {
    py.check_signals()?;
    let loaded = std::panic::catch_unwind(AssertUnwindSafe(|| {
        // An array over a Rust buffer: the C API and rust-numpy's own
        // container type; reading it: the borrow checker.
        let probe = PyArray1::from_vec(py, vec![0.0f64]);
        probe.try_readonly().is_ok()
    }));
    match loaded {
        Ok(_) => Ok(()),
        Err(payload) => {
            py.check_signals()?;
            let message = errors::panic_message(&*payload);
            // rust-numpy consumed the interrupt into its panic message.
            if message.contains("KeyboardInterrupt") {
                return Err(PyKeyboardInterrupt::new_err(()));
            }
            Err(PyImportError::new_err(format!(
                "unitsum_gpu: numpy's C API did not load: {message}"
            )))
        }
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The loaders' runtime directory, at import (before the module starts
    // threads of its own).
    unitsum_gpu::ensure_runtime_dir();
    load_numpy(m.py())?;
    errors::load(m.py())?;
    m.add_class::<problem::PyProblem>()?;
    m.add_class::<evaluator::PyEvaluator>()?;
    m.add_class::<sweep::PySweep>()?;
    m.add_function(wrap_pyfunction!(sweep::new_sweep, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::preset_defaults, m)?)?;
    m.add_function(wrap_pyfunction!(errors::usage_error, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEFAULT_SAMPLES", unitsum_gpu::DEFAULT_SAMPLES)?;
    m.add("DEFAULT_CHECK_SAMPLES", unitsum_gpu::DEFAULT_CHECK_SAMPLES)?;
    m.add(
        "DEFAULT_SWEEP_SAMPLES",
        unitsum_gpu::sweep::DEFAULT_SWEEP_SAMPLES,
    )?;
    m.add("DEFAULT_TOLERANCE", unitsum_gpu::DEFAULT_TOLERANCE)?;
    m.add("GAP", unitsum_gpu::GAP)?;
    Ok(())
}
