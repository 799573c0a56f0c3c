"""security_value and power_curve: hand-worked values, the check, the theorems."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import EXAMPLES, cli_json, cli_json_lines

import unitsum_gpu as us

DUEL = {
    "players": 2,
    "actions": 2,
    "game": {"family": "plurality"},
    "coalitions": [
        {"members": [0], "policy": {"kind": "uniform"}},
        {"members": [1], "policy": {"kind": "uniform"}},
    ],
}


def test_a_lone_player_secures_half():
    # Matched or not, two players of the plurality game split the unit.
    v = us.security_value(DUEL)
    assert abs(v.value - 0.5) < 1e-12
    assert v.against == "worst" and v.check_error < 1e-12
    # The policy is a spec's policy: evaluated against the worst reply it gets v.
    spec = dict(DUEL)
    spec["coalitions"] = [
        {"members": [0], "policy": v.policy},
        {"members": [1], "policy": {"kind": "pure", "actions": v.worst_reply}},
    ]
    r = us.evaluate(spec, backend="cpu")
    assert abs(r.shares[0, v.worst_state] - v.value) < 1e-9


def test_the_security_value_equals_the_clis():
    path = EXAMPLES / "theorem1.json"
    v = us.security_value(path, coalition=0)
    cli = cli_json("guarantee", str(path), "--format", "json")
    assert v.value == cli["value"] and v.policy == cli["policy"]
    assert v.worst_reply == cli["worst_reply"] and v.strategies == cli["strategies"]
    # Theorem 1: the majority of 4 of 7 secures at least 1 - 1/k.
    assert v.value >= 1 - 1 / 3 - 1e-9


def test_best_response_to_given_policies():
    b = us.security_value(EXAMPLES / "theorem2-proportional.json", against="given")
    cli = cli_json("guarantee", str(EXAMPLES / "theorem2-proportional.json"), "--against", "given", "--format", "json")
    assert b.value == cli["value"] and b.copy_value == cli["copy_value"]
    assert b.copy_value is None or b.value >= b.copy_value - 1e-9
    with pytest.raises(us.UsageError) as e:
        us.security_value(DUEL, against="best")
    assert e.value.option == "against"
    with pytest.raises(us.UsageError) as e:
        us.security_value(DUEL, coalition=5)
    assert e.value.option == "coalition"


def test_power_curve_columns_and_bounds():
    curve = us.power_curve("plurality", 7, 3)
    assert list(curve) == ["size", "value", "fraction", "theorem1", "theorem2", "strategies", "constraints"]
    np.testing.assert_array_equal(curve["size"], np.arange(1, 7))
    assert curve["value"].dtype == np.float64 and curve["size"].dtype == np.int64
    majority = curve["size"] > 7 / 2
    assert np.all(curve["value"][majority] >= curve["theorem1"][majority] - 1e-9)
    assert np.all(np.isnan(curve["theorem1"][~majority]))
    copies = ~np.isnan(curve["theorem2"])
    assert np.all(curve["value"][copies] >= curve["theorem2"][copies] - 1e-9)
    assert np.all(np.diff(curve["value"]) >= -1e-9)  # more players secure more
    cli = cli_json_lines("guarantee", "--curve", "--players", "7", "--actions", "3", "--format", "json")
    np.testing.assert_array_equal(curve["value"], [p["value"] for p in cli])
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame(curve)
    assert frame.shape == (6, 7)


def test_power_curve_with_parameters_and_drawn_games():
    given = us.power_curve("proportional", 5, 2, params={"weights": np.array([[1.0, 2.0]])})
    drawn = us.power_curve("proportional", 5, 2, states=2, seed=3)
    assert given["value"].shape == drawn["value"].shape == (4,)
    with pytest.raises(us.SpecError) as e:
        us.power_curve("proportional", 5, 2, params={"weights": [[1.0]]})
    assert e.value.path == "game.weights[0]"
    with pytest.raises(us.UsageError) as e:
        us.power_curve("proportional", 5, 2, params={"weights": "heavy"})
    assert e.value.option == "params"
    with pytest.raises(us.UsageError) as e:
        us.power_curve("plurality", 5, 2, seed=1)
    assert e.value.option == "seed"
    with pytest.raises(us.UsageError) as e:
        us.power_curve("plurality", 1, 2)
    assert e.value.option == "players"


def test_check():
    report = us.check(EXAMPLES / "theorem1.json")
    assert report["passed"] and report["coverage"] == "every profile" and report["violation"] is None
    # A table game that is not unit-sum fails the check (without raising).
    spec = dict(DUEL)
    spec["game"] = {"family": "table", "shares": [[[1.0, 0.0], [0.5, 0.5], [0.5, 0.5], [0.0, 1.0]]]}
    assert us.check(spec)["passed"]
    with pytest.raises(us.UsageError):
        us.check(spec, samples=0)
