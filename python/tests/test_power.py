"""``power``: the characteristic function, its Shapley and Banzhaf values
and core, the same as the CLI's and as brute force over orders."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest

import unitsum_gpu as us
from conftest import EXAMPLES, run_cli


def test_power_is_the_clis():
    mine = us.power("plurality", players=6, actions=3)
    out = run_cli("power", "--players", "6", "--actions", "3", "--format", "json")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    rows, summary = lines[:-1], lines[-1]
    assert [r["value"] for r in rows] == mine["value"].tolist()
    assert summary["shapley"] == mine["shapley"].tolist()
    assert summary["banzhaf"] == mine["banzhaf"].tolist()
    assert summary["core"]["violated"] == mine["core"]["violated"] == [4]


def test_shapley_by_brute_force_on_a_role_game():
    spec = json.loads((EXAMPLES / "contexts.json").read_text())
    spec["roles"] = [0, 1, 1, 0]
    spec["players"] = 4
    spec["game"]["weights"] = [[[3.0, 1.0], [1.0, 2.0]]]
    spec["coalitions"] = [{"members": [0, 1, 2, 3], "policy": {"kind": "uniform"}}]
    v = us.power(spec)
    index = {tuple(c): value for c, value in zip(v["composition"].tolist(), v["value"].tolist())}

    def worth(players):
        return index[tuple(sum(1 for i in players if spec["roles"][i] == r) for r in v["roles"])]

    shapley = np.zeros(4)
    for order in itertools.permutations(range(4)):
        for position, i in enumerate(order):
            shapley[i] += worth(order[: position + 1]) - worth(order[:position])
    shapley /= math.factorial(4)
    for i, role in enumerate(spec["roles"]):
        assert shapley[i] == pytest.approx(v["shapley"][v["roles"].index(role)], abs=1e-12)
    assert float((v["shapley"] * np.array(v["role_sizes"])).sum()) == pytest.approx(1.0, abs=1e-12)


def test_power_refuses_bad_arguments():
    for players in (-1, 10**9):
        with pytest.raises(us.UsageError) as e:
            us.power("plurality", players=players)
        assert e.value.option == "players"
    with pytest.raises(us.UsageError):
        us.power(3.5)  # type: ignore[arg-type]
    with pytest.raises(us.UsageError) as e:
        us.power("table", players=3, actions=2)
    assert e.value.option == "game"
    with pytest.raises(us.UsageError) as e:
        us.power("plurality", solver="simplex")
    assert e.value.option == "solver"
