"""Contexts from Python: roles in a spec dict, copying by role and translated,
per-role counts, the symmetry check, guarantees and the contexts sweep."""

from __future__ import annotations

import copy
from typing import Any, Dict

import numpy as np
import pytest
from conftest import EXAMPLES, cli_json_lines

import unitsum_gpu as us

# Two locations whose best resource differs: role 0 gathers most with
# action 0 (weight 3), role 1 with action 1. Players 0 and 1 (role 0) copy
# player 2 (role 1), who plays 1.
TWO_LOCATIONS: Dict[str, Any] = {
    "players": 3,
    "actions": 2,
    "roles": [0, 0, 1],
    "game": {"family": "proportional", "weights": [[[3.0, 1.0], [1.0, 3.0]]]},
    "coalitions": [
        {"members": [0, 1], "policy": {"kind": "copy", "of": 1}},
        {"members": [2], "policy": {"kind": "pure", "actions": [1]}},
    ],
}


def copier_share(**copy_options: Any) -> float:
    """r_0 of TWO_LOCATIONS with the copy's options replaced."""
    spec = copy.deepcopy(TWO_LOCATIONS)
    spec["coalitions"][0]["policy"].update(copy_options)
    return float(us.evaluate(spec, backend="cpu").shares[0, 0])


def test_copying_across_contexts_as_worked_by_hand():
    # By position: both copiers play raw action 1 (weight 1 each in role 0)
    # against the copied player's 3: 2 / 5, below Theorem 2's 2/3.
    assert abs(copier_share() - 2 / 5) < 1e-15
    # Translated (σ_0 = id, σ_1 swaps): canonical action 0 ("the best
    # resource here") becomes raw 0 in role 0: 3 + 3 against 3, 2/3.
    assert abs(copier_share(translate=[[0, 1], [1, 0]]) - 2 / 3) < 1e-15
    # By role: no copier shares the copied player's role, no run: refused.
    with pytest.raises(us.SpecError) as e:
        copier_share(match="role")
    assert "coalitions[0].policy" in e.value.path


def test_roles_round_trip_and_the_example_matches_the_spec_dict():
    problem = us.Problem.from_dict(TWO_LOCATIONS)
    assert problem.roles == [0, 0, 1]
    assert us.Problem.from_dict(problem.to_dict()) == problem
    example = us.Problem.from_json((EXAMPLES / "contexts.json").read_text())
    assert example.roles == [0, 0, 1]
    assert abs(us.evaluate(example, backend="cpu").shares[0, 0] - 2 / 3) < 1e-15
    # Without roles, every player has role 0.
    plain = dict(TWO_LOCATIONS, roles=None)
    plain.pop("roles")
    plain["game"] = {"family": "proportional", "weights": [[3.0, 1.0]]}
    assert us.Problem.from_dict(plain).roles == [0, 0, 0]


def test_bad_roles_name_their_path():
    spec = dict(TWO_LOCATIONS, roles=[0, 1])
    with pytest.raises(us.SpecError) as e:
        us.Problem.from_dict(spec)
    assert e.value.path == "roles"
    spec = dict(TWO_LOCATIONS, roles=[0, -1, 1])
    with pytest.raises(us.SpecError) as e:
        us.Problem.from_dict(spec)
    assert e.value.path == "roles[1]"


def test_check_reports_role_symmetry_and_canonical_symmetry():
    report = us.check(EXAMPLES / "contexts.json")
    assert report["passed"] and report["symmetry"] == "role" and report["roles"] == 2
    # The spec's translated copy is checked by default, as on the CLI.
    assert report["canonical"] is True
    wrong = us.check(EXAMPLES / "contexts.json", translate=[[0, 1], [0, 1]])
    assert not wrong["passed"] and wrong["canonical"] is False
    assert wrong["violation"]["property"] == "symmetry in canonical actions"
    for bad in ([[0, 0], [1, 0]], [[0, 1], [-1, 0]]):
        with pytest.raises(us.UsageError) as e:
            us.check(EXAMPLES / "contexts.json", translate=bad)
        assert e.value.option == "translate"


def test_per_role_counts_policy_as_worked_by_hand():
    # Coalition {0 (role 0), 2 (role 1)}: half the time role 0 plays 0 and
    # role 1 plays 1 (weights 2 + 2), half the time the reverse (1 + 1);
    # the others (one per role) uniform.
    spec = {
        "players": 4,
        "actions": 2,
        "roles": [0, 0, 1, 1],
        "game": {"family": "proportional", "weights": [[[2.0, 1.0], [1.0, 2.0]]]},
        "coalitions": [
            {"members": [0, 2], "policy": {"kind": "counts", "support": [
                {"counts": [1, 0, 0, 1], "p": 0.5}, {"counts": [0, 1, 1, 0], "p": 0.5}]}},
            {"members": [1, 3], "policy": {"kind": "uniform"}},
        ],
    }
    others = [3, 4, 2, 3]  # w_1 + w_3 over the four uniform pairs
    expected = 0.5 * np.mean([4 / (4 + o) for o in others]) + 0.5 * np.mean([2 / (2 + o) for o in others])
    r = us.evaluate(spec, backend="cpu")
    assert abs(r.shares[0, 0] - expected) < 1e-15
    assert abs(r.shares[:, 0].sum() - 1) < 1e-15
    counts = us.evaluate(spec, backend="cpu", method="counts")
    assert abs(counts.shares[0, 0] - expected) < 1e-12


def test_guarantees_run_over_per_role_count_vectors():
    v = us.security_value(EXAMPLES / "contexts.json")
    assert v.basis == "per-role count vectors"
    # Both copiers on action 0 (3 + 3), the other's best reply 3: 2/3.
    assert abs(v.value - 2 / 3) < 1e-12 and v.check_error < 1e-12
    # The double oracle runs over the same per-role count vectors, certified.
    w = us.security_value(EXAMPLES / "contexts.json", solver="double-oracle")
    assert w.solver == "double-oracle" and w.basis == "per-role count vectors"
    assert abs(w.value - v.value) < 1e-9 and w.upper - w.lower <= 1e-9
    assert all(len(e["counts"]) == 2 * 2 for e in w.policy["support"])


def test_contexts_sweep_rows_equal_the_clis_and_hold_where_a_bound_applies():
    rows = list(us.sweep("contexts", players="3..=4", actions=2, opponents="uniform,pure"))
    cli = cli_json_lines(
        "sweep", "contexts", "--players", "3..=4", "--actions", "2", "--opponents", "uniform,pure",
        "--format", "json",
    )
    strip = lambda rs: {r["point"]: {k: v for k, v in r.items() if k != "seconds"} for r in rs}  # noqa: E731
    assert len(rows) == len(cli) > 50 and strip(rows) == strip(cli)
    assert {r["sweep"] for r in rows} == {"contexts/order", "contexts/role", "contexts/translated"}
    for r in rows:
        if r["bound"] is not None:
            assert r["holds"], r["point"]
    # Copies by position (no bound applies) fall below ⌊m1/m2⌋'s on some rows.
    def below(r: Dict[str, Any]) -> bool:
        q = r["sizes"][0] // r["sizes"][1]
        return r["min_shares"][0] < q / (q + 1) - 1e-6

    assert any(r["sweep"] == "contexts/order" and below(r) for r in rows)
    assert not any(r["sweep"] == "contexts/translated" and r["family"] == "proportional" and below(r) for r in rows)
