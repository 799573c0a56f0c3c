//! The characteristic function (`Evaluator::power`) as the dict the Python
//! `power` returns: columns over compositions as numpy arrays, the values
//! per role, the core and the checks.

use numpy::ndarray::Array2;
use numpy::{PyArray1, PyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use unitsum_gpu::{Power, PowerProperty};

use crate::errors::internal;

/// A property of v as a dict: checked, holds, least_slack, witness.
fn property<'py>(py: Python<'py>, p: &PowerProperty) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("checked", p.checked)?;
    d.set_item("holds", p.holds)?;
    d.set_item("least_slack", p.least_slack)?;
    d.set_item("witness", p.witness.clone())?;
    Ok(d)
}

/// `power` as a dict.
pub(crate) fn power_dict<'py>(py: Python<'py>, power: &Power) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let roles = power.roles.len();
    let flat: Vec<i64> = power
        .points
        .iter()
        .flat_map(|p| p.composition.iter().map(|&c| c as i64))
        .collect();
    let compositions =
        Array2::from_shape_vec((power.points.len(), roles), flat).map_err(internal)?;
    d.set_item("composition", PyArray2::from_owned_array(py, compositions))?;
    let column = |f: &dyn Fn(&unitsum_gpu::PowerPoint) -> f64| {
        PyArray1::from_vec(py, power.points.iter().map(f).collect())
    };
    let sizes: Vec<i64> = power.points.iter().map(|p| p.size as i64).collect();
    d.set_item("size", PyArray1::from_vec(py, sizes))?;
    d.set_item("value", column(&|p| p.value))?;
    d.set_item("upper", column(&|p| p.upper.unwrap_or(f64::NAN)))?;
    d.set_item("fraction", column(&|p| p.fraction))?;
    let solvers: Vec<Option<String>> = power
        .points
        .iter()
        .map(|p| p.solver.map(|s| s.to_string()))
        .collect();
    d.set_item("solver", solvers)?;
    d.set_item("roles", power.roles.clone())?;
    d.set_item("role_sizes", power.role_sizes.clone())?;
    d.set_item("shapley", PyArray1::from_vec(py, power.shapley.clone()))?;
    d.set_item("banzhaf", PyArray1::from_vec(py, power.banzhaf.clone()))?;
    d.set_item("efficiency_error", power.efficiency_error)?;
    let core = PyDict::new(py);
    core.set_item("empty", power.core.empty)?;
    core.set_item(
        "allocation",
        PyArray1::from_vec(py, power.core.allocation.clone()),
    )?;
    core.set_item("least_excess", power.core.least_excess)?;
    core.set_item("violated", power.core.violated.clone())?;
    d.set_item("core", core)?;
    d.set_item("superadditive", property(py, &power.superadditive)?)?;
    d.set_item("monotone", property(py, &power.monotone)?)?;
    Ok(d)
}
