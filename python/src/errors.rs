//! The core's errors raised as the package's exceptions, by kind. The
//! classes live in Python (`unitsum_gpu/errors.py`) so that a spec error can
//! be both a `UnitsumError` and a `ValueError`.

use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};
use unitsum_gpu::{Error, Remedy};

/// `unitsum_gpu.errors`, imported once (by [`load`], at the module's
/// import): raising an error then runs no import machinery, which would
/// run Python code, and so a pending Ctrl-C, in its place.
static CLASSES: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn classes(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    CLASSES
        .get_or_try_init(py, || Ok(py.import("unitsum_gpu.errors")?.unbind()))
        .map(|m| m.bind(py))
}

/// Import the exception classes (at the extension's import).
pub(crate) fn load(py: Python<'_>) -> PyResult<()> {
    classes(py).map(|_| ())
}

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
                    Remedy::Counts => "counts method",
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
    let class = classes(py)?.getattr(class)?;
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
    Python::attach(|py| build(py, &error).unwrap_or_else(|failure| fallback(py, &error, failure)))
}

/// Where raising `message` as its class failed: a Ctrl-C that came
/// meanwhile wins, anything else keeps the message.
fn fallback(py: Python<'_>, message: impl std::fmt::Display, failure: PyErr) -> PyErr {
    if failure.is_instance_of::<PyKeyboardInterrupt>(py) {
        return failure;
    }
    PyRuntimeError::new_err(format!("{message} (and raising it failed: {failure})"))
}

/// A failure that no input should cause (a bug): a `UnitsumError` that
/// says so, rather than a panic or a bare `RuntimeError`.
pub(crate) fn internal(message: impl std::fmt::Display) -> PyErr {
    let message = format!("internal error in unitsum-gpu (please report it): {message}");
    Python::attach(|py| {
        let raised = classes(py)
            .and_then(|m| m.getattr("UnitsumError"))
            .and_then(|class| class.call1((&message,)));
        match raised {
            Ok(exception) => PyErr::from_value(exception),
            Err(failure) => fallback(py, message, failure),
        }
    })
}

/// `body`, with a panic (a bug, in the core or here) raised as a
/// `UnitsumError` that says so: PyO3 would raise `PanicException`, a
/// `BaseException` that `except Exception` does not catch.
pub(crate) fn guarded<T>(body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(body))
        .unwrap_or_else(|payload| Err(internal(panic_message(&*payload))))
}

/// What a panic said.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// An `Error::Usage` as the exception object, for the Python layer to
/// raise (its own checks name their keyword as the library's do).
#[pyfunction]
pub(crate) fn usage_error(py: Python<'_>, option: &str, message: &str) -> Py<PyAny> {
    to_py_err(Error::usage(option, message))
        .into_value(py)
        .into_any()
}
