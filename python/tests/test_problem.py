"""Problem: from dicts, JSON and files, numpy arrays, errors with JSON paths."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
from conftest import EXAMPLES, bad_specs, example_specs

import unitsum_gpu as us

THREE = {
    "players": 3,
    "actions": 2,
    "game": {"family": "plurality"},
    "coalitions": [
        {"members": [0, 1], "policy": {"kind": "common"}},
        {"members": [2], "policy": {"kind": "uniform"}},
    ],
}


@pytest.mark.parametrize("path", example_specs(), ids=lambda p: p.name)
def test_every_example_round_trips(path):
    problem = us.Problem.from_json(path)
    assert us.Problem.from_dict(problem.to_dict()) == problem
    assert us.Problem.from_json(problem.to_json()) == problem
    assert us.Problem.from_json(str(path)) == problem
    assert pickle.loads(pickle.dumps(problem)) == problem
    json.dumps(problem.to_dict())  # plain Python values


def test_properties():
    p = us.Problem.from_dict(THREE)
    assert (p.players, p.actions, p.states, p.family) == (3, 2, 1, "plurality")
    assert p.coalitions == [[0, 1], [2]]
    assert "players=3" in repr(p)
    assert p != us.Problem.from_dict({**THREE, "actions": 3})


def test_numpy_arrays_are_accepted():
    n, k = 2, 2
    # A table game of shape (S, k**n, n): player 0 wins when the actions match.
    shares = np.array([[[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]]])
    spec = {
        "players": np.int64(n),
        "actions": k,
        "game": {"family": "table", "shares": shares},
        "coalitions": [
            {"members": np.array([0]), "policy": {"kind": "uniform"}},
            {"members": (1,), "policy": {"kind": "pure", "actions": np.array([1], dtype=np.uint8)}},
        ],
    }
    p = us.Problem.from_dict(spec)
    assert p.to_dict()["game"]["shares"] == shares.tolist()
    r = us.evaluate(p, backend="cpu")
    np.testing.assert_allclose(r.shares[:, 0], [0.5, 0.5], atol=1e-15)
    # A Fortran-ordered float32 array reads the same.
    weights = np.asfortranarray(np.array([[1, 2], [3, 4]], dtype=np.float32))
    q = us.Problem.from_dict({**THREE, "game": {"family": "proportional", "weights": weights}})
    assert q.to_dict()["game"]["weights"] == [[1.0, 2.0], [3.0, 4.0]]


@pytest.mark.parametrize("case", bad_specs(), ids=lambda c: c["path"] + ": " + c["words"])
def test_every_bad_spec_raises_its_error_with_its_path(case):
    if case["path"] == "too large":
        with pytest.raises(us.TooLargeError, match=case["words"]):
            us.Problem.from_dict(case["spec"])
        return
    with pytest.raises(us.SpecError) as raised:
        us.Problem.from_dict(case["spec"])
    assert raised.value.path == case["path"]
    assert case["words"] in raised.value.detail
    assert isinstance(raised.value, ValueError)
    # The same spec as JSON text names the same path.
    with pytest.raises(us.SpecError) as again:
        us.Problem.from_json(json.dumps(case["spec"]))
    assert again.value.path == case["path"]


def test_python_values_that_json_cannot_hold_are_spec_errors():
    with pytest.raises(us.SpecError) as e:
        us.Problem.from_dict({**THREE, "game": {"family": "proportional", "weights": np.array([[1.0, np.nan]])}})
    assert e.value.path == "game.weights[0][1]"
    with pytest.raises(us.SpecError) as e:
        us.Problem.from_dict({**THREE, "players": 2**70})
    assert e.value.path == "players"
    with pytest.raises(us.SpecError) as e:
        us.Problem.from_dict({**THREE, "game": {"family": "plurality", 3: 1}})
    assert "not a string" in str(e.value) and e.value.path == "game"
    with pytest.raises(us.SpecError, match="not a spec value"):
        us.Problem.from_dict({**THREE, "players": object()})
    with pytest.raises(us.SpecError, match="dtype"):
        us.Problem.from_dict({**THREE, "players": np.array(["a"])})
    looped: list = []
    looped.append(looped)
    with pytest.raises(us.SpecError, match="nested deeper than 64"):
        us.Problem.from_dict({**THREE, "players": looped})
    with pytest.raises(us.SpecError, match="expected an object"):
        us.Problem.from_dict([1, 2])


def test_files_and_text():
    with pytest.raises(us.FileError) as e:
        us.Problem.from_json(EXAMPLES / "no-such-spec.json")
    assert isinstance(e.value, OSError)
    with pytest.raises(us.SpecError, match="not valid JSON"):
        us.Problem.from_json('{ "players": 3, ')
