//! `unitsum_gpu.sweep(...)`: the points of a preset or a grid, evaluated
//! one per `next()` into the rows the CLI writes (`--format json`).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use pyo3::prelude::*;
use pyo3::types::PyString;
use unitsum_gpu::sweep::{self, Point, Shard, Sizes, SweepOptions};
use unitsum_gpu::{Backend, Error, Evaluator};

use crate::args::{file_path, integer, number, pair, text};
use crate::convert::{to_json, to_py, IntoPyErr};
use crate::errors::guarded;
use crate::evaluator::{choice, Pool, PyEvaluator};

/// A range flag's value: `"3..=11"`-style text or a list of integers.
pub(crate) fn values(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<usize>> {
    if value.is_instance_of::<PyString>() {
        return sweep::parse_range(&text(value, what)?, what).map_err(IntoPyErr::into_pyerr);
    }
    match value.try_iter() {
        Ok(items) => items.map(|item| integer(&item?, what)).collect(),
        Err(_) => Ok(vec![integer(value, what)?]),
    }
}

/// A list flag's value: comma-separated text or a list of strings.
fn names(value: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    if value.is_instance_of::<PyString>() {
        return text(value, what);
    }
    let Ok(items) = value.try_iter() else {
        return Err(Error::usage(
            what,
            "expected a comma-separated string or a list of strings",
        )
        .into_pyerr());
    };
    let items: Vec<String> = items
        .map(|item| text(&item?, what))
        .collect::<PyResult<_>>()?;
    Ok(items.join(","))
}

/// A sweep's remaining points, evaluated one per `next()`.
#[pyclass(frozen, name = "Sweep", module = "unitsum_gpu._native")]
pub(crate) struct PySweep {
    pool: Arc<Pool>,
    points: Mutex<VecDeque<Point>>,
    options: SweepOptions,
    total: usize,
}

#[pymethods]
impl PySweep {
    /// Points of the sweep (of its shard), evaluated or not.
    #[getter]
    fn total(&self) -> usize {
        self.total
    }

    fn __len__(&self) -> usize {
        self.points
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    fn __iter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        guarded(|| {
            let next = self
                .points
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop_front();
            let Some(point) = next else {
                return Ok(None);
            };
            let options = self.options;
            let row = self.pool.run(py, options.backend, |e| {
                e.sweep_point(&point, &options)
                    .map_err(|e| with_point(&point.key, e))
            })?;
            let value = serde_json::to_value(&row)
                .map_err(|e| crate::errors::internal(format!("row of {}: {e}", point.key)))?;
            to_py(py, &value).map(Some)
        })
    }
}

/// A point's error, with the point named where the kind allows it.
fn with_point(key: &str, error: Error) -> Error {
    match error {
        Error::Spec { path, message } => Error::spec(path, format!("point {key}: {message}")),
        Error::TooLarge { message, remedy } => {
            Error::too_large(format!("point {key}: {message}"), remedy)
        }
        Error::InvalidResult(message) => Error::InvalidResult(format!("point {key}: {message}")),
        other => other,
    }
}

/// The points of a sweep (`kind` = `theorem1`, `theorem2`, `contexts` or `grid`,
/// with `grid` a dict or a path), sharded, checked, ready to evaluate.
/// A preset's defaults (players, actions, families, games, opponents): the
/// library's, the same as the CLI's flags.
#[pyfunction]
pub(crate) fn preset_defaults(
    kind: &str,
) -> Option<(
    &'static str,
    &'static str,
    &'static str,
    usize,
    &'static str,
)> {
    sweep::preset_defaults(kind).map(|d| (d.players, d.actions, d.families, d.games, d.opponents))
}

#[pyfunction]
#[pyo3(name = "sweep", signature = (evaluator, kind, grid, players, actions, sizes, families, games, opponents, backend, method, samples, seed, tolerance, shard))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn new_sweep(
    py: Python<'_>,
    evaluator: &Bound<'_, PyEvaluator>,
    kind: &str,
    grid: Option<&Bound<'_, PyAny>>,
    players: &Bound<'_, PyAny>,
    actions: &Bound<'_, PyAny>,
    sizes: &Bound<'_, PyAny>,
    families: &Bound<'_, PyAny>,
    games: &Bound<'_, PyAny>,
    opponents: &Bound<'_, PyAny>,
    backend: &Bound<'_, PyAny>,
    method: &Bound<'_, PyAny>,
    samples: &Bound<'_, PyAny>,
    seed: &Bound<'_, PyAny>,
    tolerance: &Bound<'_, PyAny>,
    shard: Option<&Bound<'_, PyAny>>,
) -> PyResult<PySweep> {
    guarded(|| {
        let backend: Backend = choice("backend", backend)?;
        let (sizes, games) = (text(sizes, "sizes")?, integer::<usize>(games, "games")?);
        // Checked whatever the preset, though only some presets use them.
        let families = names(families, "families")?;
        let opponents = names(opponents, "opponents")?;
        let (samples, seed) = (integer(samples, "samples")?, integer(seed, "seed")?);
        let tolerance = number(tolerance, "tolerance")?;
        let shard = shard.map(|s| pair::<usize>(s, "shard")).transpose()?;
        let options = SweepOptions {
            backend,
            method: choice("method", method)?,
            samples,
            seed,
            tolerance,
        };
        // Samples and tolerance: the library's rule, as the CLI's.
        options.check().map_err(IntoPyErr::into_pyerr)?;
        // Before the points: the point limits count this shard's.
        let shard = match shard {
            None => Shard::ALL,
            Some((i, n)) => Shard::new(i, n).map_err(IntoPyErr::into_pyerr)?,
        };
        let preset = Preset {
            players,
            actions,
            opponents,
            seed,
            shard,
        };
        let points = match kind {
            "theorem1" => preset.theorem1(py, &sizes)?,
            "theorem2" | "contexts" => preset.theorem2(py, kind, &families, games)?,
            "grid" => grid_points(py, grid, shard)?,
            other => {
                return Err(Error::usage(
                    "preset",
                    format!(
                        "{other:?}: expected \"theorem1\", \"theorem2\", \"contexts\" or a grid"
                    ),
                )
                .into_pyerr())
            }
        };
        let validator = Evaluator::new();
        for point in &points {
            validator
                .validate_point(point)
                .map_err(|e| with_point(&point.key, e).into_pyerr())?;
        }
        Ok(PySweep {
            pool: evaluator.get().pool.clone(),
            total: points.len(),
            points: Mutex::new(points.into()),
            options,
        })
    })
}

/// A preset's keywords, converted where every preset uses them.
struct Preset<'a, 'py> {
    players: &'a Bound<'py, PyAny>,
    actions: &'a Bound<'py, PyAny>,
    opponents: String,
    seed: u64,
    shard: Shard,
}

impl Preset<'_, '_> {
    fn theorem1(&self, py: Python<'_>, sizes: &str) -> PyResult<Vec<Point>> {
        let sizes = match sizes {
            "majority" => Sizes::Majority,
            "all" => Sizes::All,
            other => {
                return Err(Error::usage(
                    "sizes",
                    format!("{other:?}: expected \"majority\" or \"all\""),
                )
                .into_pyerr())
            }
        };
        let (players, actions) = self.ranges()?;
        let opponents = sweep::parse_opponents(&self.opponents).map_err(IntoPyErr::into_pyerr)?;
        let (seed, shard) = (self.seed, self.shard);
        py.detach(|| sweep::theorem1(&players, &actions, sizes, &opponents, seed, shard))
            .map_err(IntoPyErr::into_pyerr)
    }

    /// `theorem2` or `contexts`.
    fn theorem2(
        &self,
        py: Python<'_>,
        kind: &str,
        families: &str,
        games: usize,
    ) -> PyResult<Vec<Point>> {
        if games == 0 || games > sweep::MAX_GAMES {
            return Err(Error::usage(
                "games",
                format!("{games}: expected 1 to {} games", sweep::MAX_GAMES),
            )
            .into_pyerr());
        }
        let families: Vec<String> = families.split(',').map(|f| f.trim().to_string()).collect();
        let (players, actions) = self.ranges()?;
        let opponents = sweep::parse_opponents(&self.opponents).map_err(IntoPyErr::into_pyerr)?;
        let preset = if kind == "theorem2" {
            sweep::theorem2
        } else {
            sweep::contexts
        };
        let (seed, shard) = (self.seed, self.shard);
        py.detach(|| {
            preset(
                &families, &players, &actions, games, &opponents, seed, shard,
            )
        })
        .map_err(IntoPyErr::into_pyerr)
    }

    fn ranges(&self) -> PyResult<(Vec<usize>, Vec<usize>)> {
        Ok((
            values(self.players, "players")?,
            values(self.actions, "actions")?,
        ))
    }
}

/// The points of a grid given as a dict or as the path of a grid file.
fn grid_points(
    py: Python<'_>,
    grid: Option<&Bound<'_, PyAny>>,
    shard: Shard,
) -> PyResult<Vec<Point>> {
    let Some(grid) = grid else {
        return Err(
            Error::usage("grid", "give a grid dict or the path of a grid file").into_pyerr(),
        );
    };
    if grid.cast::<pyo3::types::PyDict>().is_ok() {
        let value = to_json(grid)?;
        py.detach(|| sweep::grid(&value, shard))
            .map_err(IntoPyErr::into_pyerr)
    } else {
        let path = file_path(grid, "preset")?;
        py.detach(|| sweep::grid_file(&path, shard))
            .map_err(IntoPyErr::into_pyerr)
    }
}
