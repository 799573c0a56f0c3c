//! The extension module `unitsum_gpu._native`: the core crate's public API
//! (problem, evaluator, guarantees, sweeps, checks, adapters) for the
//! Python package `unitsum_gpu`, whose Python layer (`unitsum_gpu/`) gives
//! it typed results and docstrings.

mod convert;
mod errors;
mod evaluator;
mod interrupt;
mod problem;
mod sweep;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<problem::PyProblem>()?;
    m.add_class::<evaluator::PyEvaluator>()?;
    m.add_class::<sweep::PySweep>()?;
    m.add_function(wrap_pyfunction!(sweep::new_sweep, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEFAULT_SAMPLES", unitsum_gpu::DEFAULT_SAMPLES)?;
    m.add("DEFAULT_TOLERANCE", unitsum_gpu::DEFAULT_TOLERANCE)?;
    m.add("GAP", unitsum_gpu::GAP)?;
    Ok(())
}
