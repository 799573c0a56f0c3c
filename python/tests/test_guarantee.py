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
    assert b.informed_copy_value == cli["informed_copy_value"]
    assert b.copy_value is None or b.value >= b.copy_value - 1e-9
    with pytest.raises(us.UsageError) as e:
        us.security_value(DUEL, against="best")
    assert e.value.option == "against"
    with pytest.raises(us.UsageError) as e:
        us.security_value(DUEL, coalition=5)
    assert e.value.option == "coalition"


def test_power_curve_columns_and_bounds():
    curve = us.power_curve("plurality", 7, 3)
    assert list(curve) == [
        "size", "value", "upper", "spy", "fraction", "theorem1", "theorem2",
        "strategies", "constraints", "solver",
    ]
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
    assert frame.shape == (6, 10)
    # Up to 200 players the spy value comes along: never above v.
    assert np.all(curve["spy"] <= curve["value"] + 1e-12)
    np.testing.assert_array_equal(curve["spy"], [p["spy"] for p in cli])


def half_and_half(n: int, s: int) -> dict:
    return {
        "players": n,
        "actions": 3,
        "game": {"family": "plurality"},
        "coalitions": [
            {"members": list(range(s)), "policy": {"kind": "uniform"}},
            {"members": list(range(s, n)), "policy": {"kind": "uniform"}},
        ],
    }


def test_the_double_oracle_certifies_what_the_dense_lp_finds():
    spec = half_and_half(12, 5)
    dense = us.security_value(spec, solver="dense")
    oracle = us.security_value(spec, solver="double-oracle")
    assert dense.solver == "dense" and dense.upper is None and dense.reply_mix == []
    assert oracle.solver == "double-oracle" and oracle.stopped is None
    assert abs(oracle.value - dense.value) <= 1e-9
    assert oracle.lower <= oracle.upper <= oracle.lower + us.GAP
    assert oracle.policy["kind"] == "counts"
    assert all(set(r) == {"state", "counts", "p"} for r in oracle.reply_mix)
    assert abs(sum(r["p"] for r in oracle.reply_mix) - 1) < 1e-12
    assert oracle.spy_value is not None and oracle.spy_value <= oracle.value + 1e-12
    # The counts policy is a spec's policy: against the worst reply it gets v.
    played = dict(spec)
    played["coalitions"] = [
        {"members": list(range(5)), "policy": oracle.policy},
        {"members": list(range(5, 12)), "policy": {"kind": "pure", "actions": oracle.worst_reply}},
    ]
    r = us.evaluate(played, backend="cpu")
    assert abs(r.shares[0, oracle.worst_state] - oracle.value) <= 1e-9


def test_the_double_oracle_at_scale_and_its_options():
    curve = us.power_curve("plurality", 1000, 3, sizes="501,750", spy=False)
    np.testing.assert_array_equal(curve["size"], [501, 750])
    assert curve["solver"] == ["double-oracle", "double-oracle"]
    assert np.all(curve["upper"] - curve["value"] <= us.GAP)
    assert np.all(curve["value"] >= curve["theorem1"] - 1e-9) and np.all(np.isnan(curve["spy"]))
    capped = us.security_value(half_and_half(60, 20), solver="double-oracle", max_iterations=1)
    assert capped.stopped is not None and "cap" in capped.stopped
    assert capped.upper > capped.lower
    for option, value in [("max_iterations", 0), ("max_seconds", -1.0), ("solver", "simplex")]:
        with pytest.raises(us.UsageError) as e:
            us.security_value(DUEL, **{option: value})
        assert e.value.option == option
    with pytest.raises(us.UsageError) as e:
        us.security_value(DUEL, against="given", spy=True)
    assert e.value.option == "spy"
    with pytest.raises(us.UsageError) as e:
        us.power_curve("plurality", 10, 3, sizes=[10])
    assert e.value.option == "sizes"
    table = EXAMPLES / "table.json"
    with pytest.raises(us.UsageError) as e:
        us.security_value(table, solver="double-oracle")
    assert e.value.option == "solver"


def test_the_informed_copy_gets_at_most_the_copy():
    b = us.security_value(EXAMPLES / "theorem2-proportional.json", against="given")
    assert b.informed_copy_value is not None and b.informed_copy_value <= b.copy_value + 1e-12


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
