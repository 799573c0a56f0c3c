"""The CLI and the Python package refuse the same mistake in the same
words: both translate into the library, whose rules and messages are
written once (issue 26). Each bad option runs through both; the CLI's
``--option: detail`` must carry Python's ``UsageError.detail`` verbatim."""

from __future__ import annotations

from typing import Any, Callable, List

import pytest
from conftest import EXAMPLES, run_cli

import unitsum_gpu as us

THEOREM1 = str(EXAMPLES / "theorem1.json")
BIG = str(EXAMPLES / "big-plurality.json")

CASES: List[Any] = [
    ("backend", ["eval", THEOREM1, "--backend", "gpus"], lambda: us.evaluate(THEOREM1, backend="gpus")),
    ("method", ["eval", THEOREM1, "--method", "exacts"], lambda: us.evaluate(THEOREM1, method="exacts")),
    (
        "counts",
        ["eval", THEOREM1, "--method", "counts", "--counts", "fast"],
        lambda: us.evaluate(THEOREM1, method="counts", counts="fast"),
    ),
    ("solver", ["guarantee", THEOREM1, "--solver", "simplex"], lambda: us.security_value(THEOREM1, solver="simplex")),
    ("samples", ["check", THEOREM1, "--samples", "0"], lambda: us.check(THEOREM1, samples=0)),
    ("samples", ["check", BIG, "--samples", "1000000000"], lambda: us.check(BIG, samples=1_000_000_000)),
    (
        "states",
        ["guarantee", "--curve", "--states", "2"],
        lambda: us.power_curve(states=2),
    ),
    (
        "states",
        ["guarantee", "--curve", "--family", "proportional", "--params", '{"weights": [[1, 2, 3]]}', "--states", "2"],
        lambda: us.power_curve(family="proportional", params={"weights": [[1, 2, 3]]}, states=2),
    ),
    ("players", ["guarantee", "--curve", "--players", "1"], lambda: us.power_curve(players=1)),
    (
        "family",
        ["guarantee", "--curve", "--family", "nonesuch"],
        lambda: us.power_curve(family="nonesuch"),
    ),
]


@pytest.mark.parametrize("option, argv, call", CASES, ids=[" ".join(c[1][2:]) for c in CASES])
def test_the_cli_and_python_share_the_message(option: str, argv: List[str], call: Callable[[], Any]) -> None:
    with pytest.raises(us.UsageError) as raised:
        call()
    assert raised.value.option == option
    detail = raised.value.detail
    assert detail
    out = run_cli(*argv)
    assert out.returncode == 2, out.stderr
    assert f"--{option}: {detail}" in out.stderr, (out.stderr, detail)


def test_a_different_mistake_gives_a_different_message() -> None:
    # The comparison can fail: another wrong name is another message.
    with pytest.raises(us.UsageError) as raised:
        us.evaluate(THEOREM1, backend="gpu2")
    out = run_cli("eval", THEOREM1, "--backend", "gpus")
    assert raised.value.detail not in out.stderr
