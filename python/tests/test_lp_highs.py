"""The guarantee LP at extreme coefficients against HiGHS (scipy): an
independent solver on a payoff matrix built independently, one pure
evaluation per pair of count vectors (issue 25: microlp gave up on
proportional weights with a ratio of 1e30, or returned a value its own
policy did not get)."""

from __future__ import annotations

import itertools
from typing import Any, Dict, List, Sequence

import numpy as np
import pytest

import unitsum_gpu as us

linprog = pytest.importorskip("scipy.optimize").linprog


def spec(weights: Sequence[Sequence[float]], ours: Sequence[int], theirs: Sequence[int]) -> Dict[str, Any]:
    """A proportional game of 6 players, 4 against 2, each side pure."""
    return {
        "players": 6,
        "actions": 3,
        "game": {"family": "proportional", "weights": [list(w) for w in weights]},
        "coalitions": [
            {"members": [0, 1, 2, 3], "policy": {"kind": "pure", "actions": list(ours)}},
            {"members": [4, 5], "policy": {"kind": "pure", "actions": list(theirs)}},
        ],
    }


def multisets(size: int, k: int) -> List[Sequence[int]]:
    """One joint action per count vector (a symmetric game sees only counts)."""
    return list(itertools.combinations_with_replacement(range(k), size))


def highs_security_value(weights: Sequence[Sequence[float]]) -> float:
    """max_pi min_(x, reply) sum_a pi_a w[x][a][reply], by HiGHS."""
    ours, theirs = multisets(4, 3), multisets(2, 3)
    states = len(weights)
    w = np.zeros((states * len(theirs), len(ours)))
    for a, mine in enumerate(ours):
        for r, reply in enumerate(theirs):
            shares = us.evaluate(spec(weights, mine, reply), backend="cpu", method="exact").shares
            for x in range(states):
                w[x * len(theirs) + r, a] = shares[0, x]
    # Variables (pi, t): maximise t subject to t <= w pi, sum pi = 1, pi >= 0.
    n = len(ours)
    cost = np.zeros(n + 1)
    cost[-1] = -1.0
    a_ub = np.hstack([-w, np.ones((w.shape[0], 1))])
    a_eq = np.hstack([np.ones((1, n)), np.zeros((1, 1))])
    bounds = [(0.0, 1.0)] * n + [(None, None)]
    result = linprog(cost, A_ub=a_ub, b_ub=np.zeros(w.shape[0]), A_eq=a_eq, b_eq=[1.0], bounds=bounds, method="highs")
    assert result.status == 0, result.message
    return float(-result.fun)


@pytest.mark.parametrize(
    "weights",
    [
        [[1.0, 1e-30, 3.0], [2.0, 1.0, 1e-30]],
        [[1e-40, 1e-10, 1.0], [1.0, 1e-35, 2.0]],
        [[1.0, 2.0, 1e-100], [1e-100, 1.0, 1.0]],
        [[1.0, 0.5, 3.0], [2.0, 1.0, 0.1]],
    ],
)
def test_the_security_value_equals_highs_at_extreme_weights(weights: List[List[float]]) -> None:
    expected = highs_security_value(weights)
    game = spec(weights, (0, 0, 0, 0), (0, 0))
    for coalition in game["coalitions"]:
        coalition["policy"] = {"kind": "uniform"}
    for solver in ("dense", "double-oracle"):
        v = us.security_value(game, solver=solver)
        assert abs(v.value - expected) < 1e-7, (solver, v.value, expected)
        assert v.check_error < 1e-7


def test_a_perturbed_game_fails_the_comparison() -> None:
    # The comparison can fail: another game's value is not this one's.
    game = spec([[1.0, 1e-30, 3.0], [2.0, 1.0, 1e-30]], (0, 0, 0, 0), (0, 0))
    for coalition in game["coalitions"]:
        coalition["policy"] = {"kind": "uniform"}
    v = us.security_value(game, solver="dense")
    assert abs(v.value - highs_security_value([[1.0, 0.5, 3.0], [2.0, 1.0, 0.1]])) > 1e-3
