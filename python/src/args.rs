//! Keyword arguments from Python, converted in one place: a value of the
//! wrong type or out of range is a `UsageError` naming its keyword, never
//! PyO3's `OverflowError`, `TypeError` or `UnicodeEncodeError`.

use std::path::PathBuf;

use pyo3::exceptions::{PyOverflowError, PyTypeError, PyUnicodeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyString};
use unitsum_gpu::Error;

use crate::convert::IntoPyErr;

/// The unsigned integer types of the core's options, with their largest value.
pub(crate) trait Unsigned: TryFrom<u64> {
    const MAX: u64;
}

impl Unsigned for u64 {
    const MAX: u64 = u64::MAX;
}

impl Unsigned for usize {
    const MAX: u64 = usize::MAX as u64;
}

fn refuse(option: &str, message: String) -> PyErr {
    Error::usage(option, message).into_pyerr()
}

/// `value` as Python writes it, or `<type>` where that fails (an int of
/// more digits than Python converts, a raising `__repr__`).
pub(crate) fn shown(value: &Bound<'_, PyAny>) -> String {
    match value.repr() {
        Ok(text) => text.to_string_lossy().into_owned(),
        Err(_) => format!("<{}>", type_name(value)),
    }
}

pub(crate) fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into())
}

/// Whether a failed conversion failed on the value (its type or range),
/// not on something else that must propagate (KeyboardInterrupt, MemoryError).
pub(crate) fn bad_value(py: Python<'_>, error: &PyErr) -> bool {
    error.is_instance_of::<PyTypeError>(py)
        || error.is_instance_of::<PyValueError>(py)
        || error.is_instance_of::<PyOverflowError>(py)
}

/// An integer keyword (a Python or numpy integer, not a bool) in `0..=T::MAX`.
pub(crate) fn integer<T: Unsigned>(value: &Bound<'_, PyAny>, option: &str) -> PyResult<T> {
    let expected = || format!("{}: expected an integer from 0 to {}", shown(value), T::MAX);
    if value.is_instance_of::<PyBool>() {
        return Err(refuse(option, expected()));
    }
    let wide = match value.extract::<i128>() {
        Ok(wide) => wide,
        Err(e) if bad_value(value.py(), &e) => return Err(refuse(option, expected())),
        Err(e) => return Err(e),
    };
    u64::try_from(wide)
        .ok()
        .filter(|&v| v <= T::MAX)
        .and_then(|v| T::try_from(v).ok())
        .ok_or_else(|| refuse(option, expected()))
}

/// [`integer`], where `None` means the default.
pub(crate) fn optional_integer<T: Unsigned>(
    value: Option<&Bound<'_, PyAny>>,
    option: &str,
) -> PyResult<Option<T>> {
    value
        .filter(|v| !v.is_none())
        .map(|v| integer(v, option))
        .transpose()
}

/// A number keyword (a Python or numpy number, not a bool); its range is
/// the caller's to check.
pub(crate) fn number(value: &Bound<'_, PyAny>, option: &str) -> PyResult<f64> {
    let expected = || refuse(option, format!("{}: expected a number", shown(value)));
    if value.is_instance_of::<PyBool>() {
        return Err(expected());
    }
    match value.extract::<f64>() {
        Ok(v) => Ok(v),
        Err(e) if bad_value(value.py(), &e) => Err(expected()),
        Err(e) => Err(e),
    }
}

/// [`number`], where `None` means the default.
pub(crate) fn optional_number(
    value: Option<&Bound<'_, PyAny>>,
    option: &str,
) -> PyResult<Option<f64>> {
    value
        .filter(|v| !v.is_none())
        .map(|v| number(v, option))
        .transpose()
}

/// A string keyword, as UTF-8 (a lone surrogate cannot be: refused).
pub(crate) fn text(value: &Bound<'_, PyAny>, option: &str) -> PyResult<String> {
    let Ok(string) = value.cast::<PyString>() else {
        return Err(refuse(
            option,
            format!(
                "{}: expected a string, not {}",
                shown(value),
                type_name(value)
            ),
        ));
    };
    utf8(string)?.ok_or_else(|| {
        refuse(
            option,
            format!("{}: not valid Unicode (a lone surrogate)", shown(value)),
        )
    })
}

/// [`text`], where `None` means the default.
pub(crate) fn optional_text(
    value: Option<&Bound<'_, PyAny>>,
    option: &str,
) -> PyResult<Option<String>> {
    value
        .filter(|v| !v.is_none())
        .map(|v| text(v, option))
        .transpose()
}

/// A Python string as UTF-8; `None` where it holds a lone surrogate (which
/// UTF-8 cannot encode; any other failure propagates as itself).
pub(crate) fn utf8(string: &Bound<'_, PyString>) -> PyResult<Option<String>> {
    match string.to_cow() {
        Ok(text) => Ok(Some(text.into_owned())),
        Err(e) if e.is_instance_of::<PyUnicodeError>(string.py()) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A yes/no keyword (a bool or numpy bool), where `None` means the default.
pub(crate) fn optional_flag(
    value: Option<&Bound<'_, PyAny>>,
    option: &str,
) -> PyResult<Option<bool>> {
    match value.filter(|v| !v.is_none()) {
        None => Ok(None),
        Some(v) => v.extract::<bool>().map(Some).map_err(|_| {
            refuse(
                option,
                format!("{}: expected True, False or None", shown(v)),
            )
        }),
    }
}

/// A pair of integer keywords given as one, e.g. `shard=(i, n)`.
pub(crate) fn pair<T: Unsigned>(value: &Bound<'_, PyAny>, option: &str) -> PyResult<(T, T)> {
    let items: Option<Vec<Bound<'_, PyAny>>> = value
        .try_iter()
        .ok()
        .filter(|_| !value.is_instance_of::<PyString>())
        .and_then(|items| items.collect::<PyResult<Vec<_>>>().ok());
    match items.as_deref() {
        Some([first, second]) => Ok((integer(first, option)?, integer(second, option)?)),
        _ => Err(refuse(
            option,
            format!("{}: expected a pair of integers (I, N)", shown(value)),
        )),
    }
}

/// The path a file argument names (`str` or `os.PathLike`). A value of
/// another type is a `UsageError` naming `option`; a path that is not valid
/// Unicode cannot be opened, a `FileError`.
pub(crate) fn file_path(value: &Bound<'_, PyAny>, option: &str) -> PyResult<PathBuf> {
    let py = value.py();
    let path = match py.import("os")?.call_method1("fspath", (value,)) {
        Ok(path) => path,
        Err(e) if e.is_instance_of::<PyTypeError>(py) => {
            return Err(refuse(
                option,
                format!(
                    "{}: expected JSON text, a dict or a path (str or os.PathLike), not {}",
                    shown(value),
                    type_name(value)
                ),
            ))
        }
        Err(e) => return Err(e),
    };
    match path.extract::<PathBuf>() {
        Ok(path) => Ok(path),
        // UnicodeEncodeError is a ValueError.
        Err(e) if bad_value(py, &e) => Err(Error::Read {
            path: shown(&path),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the path is not valid in this file system's encoding",
            ),
        }
        .into_pyerr()),
        Err(e) => Err(e),
    }
}
