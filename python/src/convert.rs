//! Python objects to and from the spec's JSON values.
//!
//! A spec from Python (`Problem.from_dict`) is turned into the same
//! `serde_json::Value` a spec file parses to, so that one parser (the core
//! crate's) validates both, with the same JSON paths in its errors. numpy
//! arrays are read directly from their buffer, once. The limits of a spec
//! file hold here too: at most `MAX_INPUT_VALUES` values and `MAX_DEPTH`
//! levels (a list that contains itself is refused, not followed forever).

use numpy::{
    PyArray1, PyArrayDescrMethods, PyArrayMethods, PyReadonlyArray1, PyUntypedArray,
    PyUntypedArrayMethods,
};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};
use unitsum_gpu::{Error, MAX_DEPTH, MAX_INPUT_VALUES};

use crate::args::{bad_value, shown, type_name};
use crate::errors::internal;

/// Converts one Python object, counting values against the limit.
struct ToJson {
    values: u64,
}

/// A spec error at `path` (the root is `(root)`, as in the core's errors).
fn at(path: &str, message: impl Into<String>) -> Error {
    Error::spec(if path.is_empty() { "(root)" } else { path }, message)
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn number(v: f64, path: &str) -> Result<Value, Error> {
    Number::from_f64(v)
        .map(Value::Number)
        .ok_or_else(|| at(path, format!("{v} is not a finite number")))
}

impl ToJson {
    fn count(&mut self, n: u64, path: &str) -> Result<(), Error> {
        self.values = self.values.saturating_add(n);
        if self.values > MAX_INPUT_VALUES {
            return Err(at(
                path,
                format!("the spec holds more than {MAX_INPUT_VALUES} values, beyond what a spec may hold"),
            ));
        }
        Ok(())
    }

    fn convert(&mut self, obj: &Bound<'_, PyAny>, path: &str, depth: usize) -> PyResult<Value> {
        if depth > MAX_DEPTH {
            return Err(at(path, format!("nested deeper than {MAX_DEPTH} levels")).into_pyerr());
        }
        self.count(1, path).map_err(Error::into_pyerr)?;
        // bool before int: Python's bool is an int.
        if let Ok(b) = obj.cast::<PyBool>() {
            return Ok(Value::Bool(b.is_true()));
        }
        if obj.is_none() {
            return Ok(Value::Null);
        }
        if let Ok(s) = obj.cast::<PyString>() {
            return Ok(Value::String(unicode(s, path, "a string")?));
        }
        if obj.cast::<PyInt>().is_ok() {
            return integer(obj, path);
        }
        if let Ok(f) = obj.cast::<PyFloat>() {
            return number(f.value(), path).map_err(Error::into_pyerr);
        }
        if let Ok(d) = obj.cast::<PyDict>() {
            let mut map = Map::new();
            for (key, value) in d.iter() {
                let Ok(key) = key.cast::<PyString>() else {
                    return Err(
                        at(path, format!("a key is {}, not a string", type_name(&key)))
                            .into_pyerr(),
                    );
                };
                let key = unicode(key, path, "a key")?;
                let value = self.convert(&value, &child(path, &key), depth + 1)?;
                map.insert(key, value);
            }
            return Ok(Value::Object(map));
        }
        if let Ok(list) = obj.cast::<PyList>() {
            return self.sequence(list.iter(), path, depth);
        }
        if let Ok(tuple) = obj.cast::<PyTuple>() {
            return self.sequence(tuple.iter(), path, depth);
        }
        if let Ok(array) = obj.cast::<PyUntypedArray>() {
            return self.array(array, path, depth);
        }
        // numpy scalars and other numbers: an integer where it has
        // `__index__`, else a float where it has `__float__`.
        if obj.hasattr("__index__")? {
            return integer(obj, path);
        }
        if obj.hasattr("__float__")? {
            return match obj.extract::<f64>() {
                Ok(v) => number(v, path).map_err(Error::into_pyerr),
                Err(e) if bad_value(obj.py(), &e) => {
                    Err(at(path, format!("{} is not a number: {e}", shown(obj))).into_pyerr())
                }
                Err(e) => Err(e),
            };
        }
        Err(at(
            path,
            format!(
                "{} is not a spec value (expected a dict, list, tuple, numpy array, number, string, bool or None)",
                type_name(obj)
            ),
        )
        .into_pyerr())
    }

    fn sequence<'py>(
        &mut self,
        items: impl Iterator<Item = Bound<'py, PyAny>>,
        path: &str,
        depth: usize,
    ) -> PyResult<Value> {
        let mut out = Vec::new();
        for (i, item) in items.enumerate() {
            out.push(self.convert(&item, &format!("{path}[{i}]"), depth + 1)?);
        }
        Ok(Value::Array(out))
    }

    /// A numpy array as nested lists: integers stay integers, floats
    /// floats; anything else is refused with its dtype. Its dimensions count
    /// as levels of nesting and its lists and numbers as values, both
    /// checked before numpy converts anything.
    fn array(
        &mut self,
        array: &Bound<'_, PyUntypedArray>,
        path: &str,
        depth: usize,
    ) -> PyResult<Value> {
        let shape = array.shape().to_vec();
        if depth + shape.len() > MAX_DEPTH {
            return Err(at(path, format!("nested deeper than {MAX_DEPTH} levels")).into_pyerr());
        }
        // The lists at each level, then the numbers: what nesting builds.
        let (mut level, mut values) = (1u64, 0u64);
        for &extent in &shape {
            level = level.saturating_mul(extent as u64);
            values = values.saturating_add(level);
        }
        self.count(values, path).map_err(Error::into_pyerr)?;
        let kind = array.dtype().kind();
        let flat: Vec<Value> = match kind {
            b'f' => {
                let converted = flat_as(array, "float64")?;
                let typed = converted.cast::<PyArray1<f64>>()?.try_readonly();
                let typed = typed.map_err(internal)?;
                let mut out = Vec::with_capacity(typed.len());
                for (i, &v) in slice(&typed)?.iter().enumerate() {
                    out.push(number(v, &element_path(path, &shape, i)).map_err(Error::into_pyerr)?);
                }
                out
            }
            b'i' | b'u' | b'b' => {
                let converted = flat_as(array, if kind == b'u' { "uint64" } else { "int64" })?;
                if kind == b'u' {
                    let typed = converted.cast::<PyArray1<u64>>()?.try_readonly();
                    let typed = typed.map_err(internal)?;
                    slice(&typed)?.iter().map(|&v| Value::from(v)).collect()
                } else {
                    let typed = converted.cast::<PyArray1<i64>>()?.try_readonly();
                    let typed = typed.map_err(internal)?;
                    slice(&typed)?.iter().map(|&v| Value::from(v)).collect()
                }
            }
            _ => {
                let dtype = array.dtype().str()?.to_string();
                return Err(at(
                    path,
                    format!(
                        "a numpy array of dtype {dtype} is not a spec value (expected numbers)"
                    ),
                )
                .into_pyerr());
            }
        };
        Ok(nest(flat, &shape))
    }
}

/// The JSON path of a numpy array's flat element `index`: `path[i][j]`.
fn element_path(path: &str, shape: &[usize], mut index: usize) -> String {
    let mut indices = vec![0; shape.len()];
    for (slot, &extent) in indices.iter_mut().zip(shape).rev() {
        *slot = index % extent.max(1);
        index /= extent.max(1);
    }
    let mut out = path.to_string();
    for i in indices {
        out.push_str(&format!("[{i}]"));
    }
    out
}

/// `array.astype(dtype)` in C order, flattened (a copy only where the dtype
/// or the layout differs). Flat, it is read whatever its dimensions
/// (rust-numpy's n-dimensional views stop at 32).
fn flat_as<'py>(array: &Bound<'py, PyUntypedArray>, dtype: &str) -> PyResult<Bound<'py, PyAny>> {
    let numpy = array.py().import("numpy")?;
    numpy
        .call_method1("ascontiguousarray", (array, dtype))?
        .call_method1("reshape", (-1,))
}

/// A flat, contiguous array's elements.
fn slice<'a, T: numpy::Element>(array: &'a PyReadonlyArray1<'_, T>) -> PyResult<&'a [T]> {
    array.as_slice().map_err(internal)
}

/// A string of the spec as UTF-8: one with a lone surrogate (which JSON
/// cannot hold) is a spec error at `path`.
fn unicode(string: &Bound<'_, PyString>, path: &str, what: &str) -> PyResult<String> {
    crate::args::utf8(string)?.ok_or_else(|| {
        let shown = shown(string.as_any());
        at(
            path,
            format!("{what} {shown} is not valid Unicode (a lone surrogate)"),
        )
        .into_pyerr()
    })
}

/// Flat row-major elements nested into lists of `shape`.
fn nest(flat: Vec<Value>, shape: &[usize]) -> Value {
    match shape {
        [] => flat.into_iter().next().unwrap_or(Value::Null),
        [_] => Value::Array(flat),
        [first, rest @ ..] => {
            // Saturating: a zero-size array may have huge extents beside its 0.
            let stride = rest.iter().fold(1usize, |p, &d| p.saturating_mul(d));
            let mut items = flat.into_iter();
            Value::Array(
                (0..*first)
                    .map(|_| nest(items.by_ref().take(stride).collect(), rest))
                    .collect(),
            )
        }
    }
}

fn integer(obj: &Bound<'_, PyAny>, path: &str) -> PyResult<Value> {
    if let Ok(v) = obj.extract::<u64>() {
        return Ok(Value::from(v));
    }
    if let Ok(v) = obj.extract::<i64>() {
        return Ok(Value::from(v));
    }
    Err(at(path, format!("{} does not fit in 64 bits", shown(obj))).into_pyerr())
}

/// A Python object (dict, lists, numpy arrays, numbers) as a JSON value.
pub(crate) fn to_json(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    ToJson { values: 0 }.convert(obj, "", 0)
}

/// A JSON value as plain Python objects (dicts, lists, ints, floats, str).
pub(crate) fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(v) = n.as_u64() {
                v.into_pyobject(py)?.into_any()
            } else if let Some(v) = n.as_i64() {
                v.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// Raising core errors as the package's exceptions.
pub(crate) trait IntoPyErr {
    fn into_pyerr(self) -> PyErr;
}

impl IntoPyErr for Error {
    fn into_pyerr(self) -> PyErr {
        crate::errors::to_py_err(self)
    }
}
