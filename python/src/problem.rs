//! `unitsum_gpu.Problem`: a validated spec (players, actions, game,
//! coalitions with their policies), built from a dict, JSON text or a file.

use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};
use unitsum_gpu::{Error, Problem};

use crate::convert::{to_json, to_py, IntoPyErr};
use crate::errors::guarded;

/// The first non-blank characters that make `Problem.from_json`'s source
/// JSON text (an object, an array or a string) rather than a file path.
const JSON_TEXT_STARTS: [char; 3] = ['{', '[', '"'];

/// A validated problem: n players, k actions, a game and coalitions.
///
/// Build it with :meth:`Problem.from_dict` or :meth:`Problem.from_json`;
/// it is immutable, equal to another with the same spec, and pickles as
/// its spec (for process pools and Dask).
#[pyclass(frozen, name = "Problem", module = "unitsum_gpu")]
pub(crate) struct PyProblem {
    pub(crate) problem: Problem,
}

#[pymethods]
impl PyProblem {
    /// A problem from a spec given as a dict (the JSON spec format; arrays
    /// may be numpy arrays, e.g. a table game's shares of shape
    /// ``(S, k**n, n)``). Raises ``SpecError`` naming the JSON path.
    #[staticmethod]
    fn from_dict(spec: &Bound<'_, PyAny>) -> PyResult<Self> {
        guarded(|| {
            let value = to_json(spec)?;
            let problem = Problem::from_value(&value).map_err(IntoPyErr::into_pyerr)?;
            Ok(PyProblem { problem })
        })
    }

    /// A problem from JSON text (a string whose first non-blank character is
    /// ``{``, ``[`` or ``"``) or from the
    /// path of a spec file (``str`` or ``os.PathLike``).
    #[staticmethod]
    fn from_json(py: Python<'_>, source: &Bound<'_, PyAny>) -> PyResult<Self> {
        guarded(|| {
            if let Ok(text) = source.cast::<PyString>() {
                if text
                    .to_string_lossy()
                    .trim_start()
                    .starts_with(JSON_TEXT_STARTS)
                {
                    let Some(text) = crate::args::utf8(text)? else {
                        return Err(Error::spec(
                            "(root)",
                            "the JSON text is not valid Unicode (a lone surrogate)",
                        )
                        .into_pyerr());
                    };
                    let problem = Problem::from_json(&text).map_err(IntoPyErr::into_pyerr)?;
                    return Ok(PyProblem { problem });
                }
            }
            let path = crate::args::file_path(source, "source")?;
            let problem = py
                .detach(|| Problem::load(&path))
                .map_err(IntoPyErr::into_pyerr)?;
            Ok(PyProblem { problem })
        })
    }

    /// The spec as a dict of plain Python values (``json.dumps`` writes it).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guarded(|| to_py(py, &self.problem.to_value()))
    }

    /// The spec as pretty JSON text.
    fn to_json(&self) -> String {
        self.problem.to_json()
    }

    /// n.
    #[getter]
    fn players(&self) -> usize {
        self.problem.players()
    }

    /// k.
    #[getter]
    fn actions(&self) -> usize {
        self.problem.actions()
    }

    /// S, the game's states.
    #[getter]
    fn states(&self) -> usize {
        self.problem.states()
    }

    /// The game's family (``plurality``, ``proportional``, ...).
    #[getter]
    fn family(&self) -> &'static str {
        self.problem.game().family()
    }

    /// Each player's role (context); all 0 without ``roles`` in the spec.
    #[getter]
    fn roles(&self) -> Vec<usize> {
        self.problem.roles().to_vec()
    }

    /// The coalitions' members, in order.
    #[getter]
    fn coalitions(&self) -> Vec<Vec<usize>> {
        self.problem
            .coalitions()
            .iter()
            .map(|c| c.members.clone())
            .collect()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyProblem>()
            .is_ok_and(|o| o.get().problem == self.problem)
    }

    fn __repr__(&self) -> String {
        let p = &self.problem;
        format!(
            "Problem(family={:?}, players={}, actions={}, states={}, coalitions={:?})",
            p.game().family(),
            p.players(),
            p.actions(),
            p.states(),
            p.coalitions()
                .iter()
                .map(|c| c.members.len())
                .collect::<Vec<_>>()
        )
    }

    /// Pickled as its spec text.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        guarded(|| {
            let py = slf.py();
            let from_json = slf.get_type().getattr("from_json")?;
            let args = PyTuple::new(py, [slf.get().problem.to_json()])?;
            PyTuple::new(py, [from_json.into_any(), args.into_any()])
        })
    }
}
