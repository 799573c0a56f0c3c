"""Member ranges in specs: ``"members": "0..3"`` (end exclusive) or
``"0..=2"`` (end inclusive) stands for the list ``[0, 1, 2]``, for
coalitions and blocks alike; bad ranges are SpecErrors naming their path."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

import unitsum_gpu as us

from conftest import EXAMPLES

LISTED = {
    "players": 6,
    "actions": 3,
    "game": {"family": "congestion", "values": [[3.0, 2.0, 1.0]]},
    "coalitions": [
        {
            "members": [0, 1, 2, 3],
            "policy": {
                "kind": "blocks",
                "blocks": [
                    {"members": [0, 1], "policy": {"kind": "common", "dist": [0.6, 0.4, 0.0]}},
                    {"members": [2, 3], "policy": {"kind": "independent", "marginal": [0.2, 0.3, 0.5]}},
                ],
            },
        },
        {"members": [4], "policy": {"kind": "pure", "actions": [0]}},
        {"members": [5], "policy": {"kind": "uniform"}},
    ],
}


def ranged() -> dict:
    spec = copy.deepcopy(LISTED)
    spec["coalitions"][0]["members"] = "0..4"
    spec["coalitions"][0]["policy"]["blocks"][0]["members"] = "0..=1"
    spec["coalitions"][0]["policy"]["blocks"][1]["members"] = "2..4"
    spec["coalitions"][1]["members"] = "4..=4"
    spec["coalitions"][2]["members"] = "5..6"
    return spec


def test_a_range_evaluates_as_the_list_it_stands_for():
    listed = us.Problem.from_dict(LISTED)
    problem = us.Problem.from_dict(ranged())
    assert problem == listed
    assert problem.coalitions == [[0, 1, 2, 3], [4], [5]]
    np.testing.assert_array_equal(
        us.evaluate(problem, backend="cpu").shares, us.evaluate(listed, backend="cpu").shares
    )
    # Written back as lists.
    assert problem.to_dict() == listed.to_dict()
    assert problem.to_dict()["coalitions"][0]["members"] == [0, 1, 2, 3]
    # JSON text reads the same.
    assert us.Problem.from_json(json.dumps(ranged())) == listed


def test_the_small_three_player_range():
    spec = {
        "players": 3,
        "actions": 2,
        "game": {"family": "plurality"},
        "coalitions": [
            {"members": "0..3", "policy": {"kind": "common"}},
        ],
    }
    listed = {**spec, "coalitions": [{"members": [0, 1, 2], "policy": {"kind": "common"}}]}
    np.testing.assert_array_equal(
        us.evaluate(spec, backend="cpu").shares, us.evaluate(listed, backend="cpu").shares
    )


def test_the_1000_player_example_is_written_with_ranges():
    problem = us.Problem.from_json((EXAMPLES / "ranges.json").read_text())
    assert problem.players == 1000
    assert [len(c) for c in problem.coalitions] == [600, 300, 100]


@pytest.mark.parametrize(
    "members, path, words",
    [
        ("4..4", "coalitions[1].members", "is empty"),
        ("5..4", "coalitions[1].members", "is reversed"),
        ("four..6", "coalitions[1].members", "or a range"),
        ("4..7", "coalitions[1].members", "outside 0..6"),
        ("4..99999999999999999999", "coalitions[1].members", "overflows"),
    ],
)
def test_a_bad_range_names_its_path(members, path, words):
    spec = copy.deepcopy(LISTED)
    spec["coalitions"][1]["members"] = members
    with pytest.raises(us.SpecError) as raised:
        us.Problem.from_dict(spec)
    assert raised.value.path == path
    assert words in raised.value.detail


def test_a_range_where_a_list_of_actions_is_expected_says_so():
    spec = copy.deepcopy(LISTED)
    spec["coalitions"][1]["policy"]["actions"] = "0..1"
    with pytest.raises(us.SpecError) as raised:
        us.Problem.from_dict(spec)
    assert raised.value.path == "coalitions[1].policy.actions"
    assert "stands only for a list of players" in raised.value.detail


def test_a_range_of_a_trillion_players_is_refused():
    spec = copy.deepcopy(LISTED)
    spec["players"] = 10**12
    spec["coalitions"][2]["members"] = "5..1000000000000"
    with pytest.raises(us.SpecError) as raised:
        us.Problem.from_dict(spec)
    assert raised.value.path == "coalitions[2].members"
    assert "beyond the" in raised.value.detail
