//! The core's errors raised as the package's exceptions, by kind. The
//! classes live in Python (`unitsum_gpu/errors.py`) so that a spec error can
//! be both a `UnitsumError` and a `ValueError`.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use unitsum_gpu::{Error, Remedy};

/// The exception class name and its attributes for `error`.
fn describe<'py>(py: Python<'py>, error: &Error) -> PyResult<(&'static str, Bound<'py, PyDict>)> {
    let fields = PyDict::new(py);
    let class = match error {
        Error::Spec { path, message } => {
            fields.set_item("path", path)?;
            fields.set_item("detail", message)?;
            "SpecError"
        }
        Error::Usage { option, message } => {
            fields.set_item("option", option)?;
            fields.set_item("detail", message)?;
            "UsageError"
        }
        Error::Read { .. } | Error::Write { .. } => "FileError",
        Error::TooLarge { remedy, .. } => {
            fields.set_item(
                "remedy",
                match remedy {
                    Remedy::CpuBackend => "cpu backend",
                    Remedy::Sampling => "sampling",
                    Remedy::MemoryLimit => "memory limit",
                    _ => "smaller problem",
                },
            )?;
            "TooLargeError"
        }
        Error::NoAdapter(_) => "NoAdapterError",
        Error::Gpu(_) => "GpuError",
        Error::GpuCheckFailed { expected, got } => {
            fields.set_item("expected", expected)?;
            fields.set_item("got", got)?;
            "GpuCheckFailedError"
        }
        Error::Disagree {
            difference,
            tolerance,
        } => {
            fields.set_item("difference", difference)?;
            fields.set_item("tolerance", tolerance)?;
            "DisagreeError"
        }
        Error::InvalidResult(_) => "InvalidResultError",
        Error::Lp(_) => "LpError",
        Error::Cancelled => "CancelledError",
        _ => "UnitsumError",
    };
    Ok((class, fields))
}

fn build(py: Python<'_>, error: &Error) -> PyResult<PyErr> {
    let (class, fields) = describe(py, error)?;
    let module = py.import("unitsum_gpu.errors")?;
    let class = module.getattr(class)?;
    let exception = match error {
        // OSError's own form: errno, message, file name.
        Error::Read { path, source } | Error::Write { path, source } => {
            let message = match error {
                Error::Read { .. } => format!("cannot read: {source}"),
                _ => format!("cannot write: {source}"),
            };
            class.call1((source.raw_os_error(), message, path))?
        }
        _ => class.call1((error.to_string(),))?,
    };
    for (key, value) in fields.iter() {
        exception.setattr(key.cast::<pyo3::types::PyString>()?, value)?;
    }
    Ok(PyErr::from_value(exception))
}

/// `error` as the package's exception of its kind.
pub(crate) fn to_py_err(error: Error) -> PyErr {
    Python::attach(|py| {
        build(py, &error).unwrap_or_else(|failure| {
            PyRuntimeError::new_err(format!("{error} (and raising it failed: {failure})"))
        })
    })
}
