"""Every refusal is a UnitsumError of its kind, never a panic or a bare
Python error: arguments out of range or of the wrong type, specs too deep or
not Unicode, and a Ctrl-C that is pending as a call returns."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import time
import typing
from typing import Any, Callable, Iterator, List, Tuple

import numpy as np
import pytest

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

#: The arguments that have no default, and small games, all in range.
IN_RANGE = {"problem": DUEL, "preset": "theorem1", "players": 3, "actions": 2}
#: Arguments a file path or JSON text may fill: a string that is not valid
#: Unicode names no file (a FileError, tested below), not a bad keyword.
PATHS = ("problem", "preset", "game")
#: Parameters the walks leave out (none: every integer is converted by
#: the bindings' one helper).
SKIPPED: Tuple[str, ...] = ()


def public_callables() -> List[Tuple[str, Callable[..., Any]]]:
    """Every public function of the package and every public method of
    its :class:`Evaluator`."""
    functions = [(n, getattr(us, n)) for n in us.__all__ if inspect.isfunction(getattr(us, n))]
    evaluator = us.Evaluator()
    methods = [
        (f"Evaluator.{n}", getattr(evaluator, n))
        for n, _ in inspect.getmembers(us.Evaluator, inspect.isfunction)
        if not n.startswith("_")
    ]
    return functions + methods


def admits(hint: Any, kind: type) -> bool:
    """Whether a type hint takes a ``kind``, itself or inside a Union,
    tuple or sequence."""
    return hint is kind or any(admits(arg, kind) for arg in typing.get_args(hint))


def shaped(hint: Any, kind: type, value: Any) -> Any:
    """``value`` where ``hint`` takes a ``kind``: itself, or inside the
    tuple or list that holds one (``shard=(value, 0)``)."""
    if hint is kind:
        return value
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) is typing.Union:
        return value if kind in args else shaped(next(a for a in args if admits(a, kind)), kind, value)
    if typing.get_origin(hint) is tuple:
        return (shaped(args[0], kind, value),) + (0,) * (len(args) - 1)
    return [shaped(args[0], kind, value)]


def parameters(kind: type) -> Iterator[Tuple[str, Callable[..., Any], str, Any]]:
    """``(function name, function, parameter, hint)`` for every parameter of
    every public callable whose hint takes a ``kind`` (``object``: all)."""
    for name, function in public_callables():
        hints = typing.get_type_hints(function)
        for parameter in inspect.signature(function).parameters:
            if parameter in SKIPPED:
                continue
            hint = hints.get(parameter, Any)
            if kind is object or admits(hint, kind):
                yield name, function, parameter, hint


def call(function: Callable[..., Any], **given: Any) -> Any:
    """``function`` with the ``given`` arguments, the others in range or default."""
    arguments = {k: v for k, v in IN_RANGE.items() if k in inspect.signature(function).parameters}
    return function(**{**arguments, **given})


def cases(kind: type, values: Tuple[Any, ...], skip: Tuple[str, ...] = ()) -> List[Any]:
    return [
        pytest.param(function, parameter, shaped(hint, kind, value) if kind is not object else value,
                     id=f"{name}-{parameter}-{value!r}")
        for name, function, parameter, hint in parameters(kind)
        if parameter not in skip
        for value in values
    ]


def test_the_walks_other_arguments_are_in_range():
    # What the walks below refuse, the tested argument alone causes.
    for _, function in public_callables():
        call(function)


def test_the_walk_covers_every_integer_argument():
    # The walk below must be able to miss nothing: these are the integer
    # arguments the package has (a new one joins the walk by itself).
    walked = {(name, parameter) for name, _, parameter, _ in parameters(int)}
    for name in ("evaluate", "Evaluator.evaluate"):
        assert {(name, "samples"), (name, "seed")} <= walked
    for name in ("security_value", "Evaluator.security_value"):
        assert {(name, "coalition"), (name, "max_iterations")} <= walked
    for name in ("power_curve", "Evaluator.power_curve"):
        assert {(name, p) for p in ("players", "actions", "states", "seed", "sizes", "max_iterations")} <= walked
    for name in ("sweep", "Evaluator.sweep"):
        assert {(name, p) for p in ("players", "actions", "games", "samples", "seed", "shard")} <= walked
    for name in ("check", "Evaluator.check"):
        assert {(name, "samples"), (name, "seed")} <= walked


@pytest.mark.parametrize("function, parameter, value", cases(int, (-1, -(2**70), 2**64, 2**70, 10**30)))
def test_integer_arguments_out_of_range_are_usage_errors_naming_them(function, parameter, value):
    with pytest.raises(us.UsageError) as e:
        call(function, **{parameter: value})
    assert e.value.option == parameter, str(e.value)
    assert isinstance(e.value, us.UnitsumError) and isinstance(e.value, ValueError)


@pytest.mark.parametrize("function, parameter, value", cases(float, (10**400, float("nan"))))
def test_number_arguments_that_are_no_finite_number_are_usage_errors(function, parameter, value):
    # 10**400 is no float (PyO3 raised OverflowError); NaN is none of the
    # numbers any of these takes.
    with pytest.raises(us.UsageError) as e:
        call(function, **{parameter: value})
    assert e.value.option == parameter, str(e.value)


@pytest.mark.parametrize("function, parameter, value", cases(object, (object(),)))
def test_arguments_of_the_wrong_type_are_usage_errors_naming_them(function, parameter, value):
    with pytest.raises(us.UsageError) as e:
        call(function, **{parameter: value})
    assert e.value.option == parameter, str(e.value)


@pytest.mark.parametrize("function, parameter, value", cases(str, ("\ud800",), skip=PATHS))
def test_strings_that_are_not_unicode_are_usage_errors_naming_them(function, parameter, value):
    with pytest.raises(us.UsageError) as e:
        call(function, **{parameter: value})
    assert e.value.option == parameter, str(e.value)


def test_a_numpy_array_too_deep_is_a_spec_error_naming_its_path():
    def weights(array: np.ndarray) -> dict:
        return {**DUEL, "game": {"family": "proportional", "weights": array}}

    # 33 and 40 dimensions panicked in rust-numpy's views (at most 32):
    # read flat now, they reach the spec's parser, which names the value.
    for ndim in (33, 40):
        with pytest.raises(us.SpecError) as e:
            us.Problem.from_dict(weights(np.zeros((1,) * ndim)))
        assert e.value.path.startswith("game.weights"), e.value.path
    # Dimensions are levels of nesting, counted from where the array sits.
    with pytest.raises(us.SpecError, match="nested deeper than 64") as e:
        us.Problem.from_dict(weights(np.zeros((1,) * 63)))
    assert e.value.path == "game.weights"
    with pytest.raises(us.SpecError, match="nested deeper than 64") as e:
        us.Problem.from_dict({**DUEL, "players": [[[np.zeros((1,) * 61)]]]})
    assert e.value.path == "players[0][0][0]"
    # An empty array still builds its lists: 2**20 of 2**20 empty lists is
    # refused for its size at once (it counted as 0 values and built them).
    started = time.perf_counter()
    with pytest.raises(us.SpecError, match="more than") as e:
        us.Problem.from_dict(weights(np.empty((2**20, 2**20, 0))))
    assert e.value.path == "game.weights" and time.perf_counter() - started < 5


def test_lone_surrogates_in_a_spec_are_spec_errors_naming_their_path():
    with pytest.raises(us.SpecError, match="not valid Unicode") as e:
        us.Problem.from_dict({**DUEL, "game": {"family": "\ud800"}})
    assert e.value.path == "game.family"
    with pytest.raises(us.SpecError, match="not valid Unicode") as e:
        us.Problem.from_dict({**DUEL, "game": {"family": "plurality", "\ud800": 1}})
    assert e.value.path == "game"
    with pytest.raises(us.SpecError, match="not valid Unicode") as e:
        us.Problem.from_json('{"players": "\ud800"}')
    assert e.value.path == "(root)"
    # A path that no file system can hold names no file.
    with pytest.raises(us.FileError):
        us.Problem.from_json("no-such-\ud800.json")
    with pytest.raises(us.FileError):
        us.sweep("no-such-\ud800.json")


INTERRUPTED_AS_IT_RETURNS = """
import _thread, signal, sys, threading
import unitsum_gpu as us

# A process started in the background inherits SIGINT ignored, and Python
# then installs no handler: restore the one an interactive user has.
signal.signal(signal.SIGINT, signal.default_int_handler)

# 4^12 profiles: long enough for the other thread to run while Rust computes.
spec = {"players": 12, "actions": 4, "game": {"family": "proportional", "weights": [[1, 2, 3, 4]]},
        "coalitions": [{"members": list(range(6)), "policy": {"kind": "uniform"}},
                       {"members": list(range(6, 12)), "policy": {"kind": "uniform"}}]}
# The main thread keeps the GIL until Rust releases it for the call: the
# interrupt (a notebook's, which interrupt_main simulates without a signal)
# comes during the call, and is pending when it returns.
sys.setswitchinterval(1000)
for attempt in range(2):  # the first touches numpy's C API for the first time
    go = threading.Event()
    def interrupt():
        go.wait()
        _thread.interrupt_main()
    thread = threading.Thread(target=interrupt)
    thread.start()
    go.set()
    try:
        us.evaluate(spec, backend="cpu", method="exact")
        print("returned")
    except BaseException as e:
        print(type(e).__name__)
    thread.join()
print(us.evaluate({"players": 2, "actions": 2, "game": {"family": "plurality"},
                   "coalitions": [{"members": [0], "policy": {"kind": "uniform"}},
                                  {"members": [1], "policy": {"kind": "uniform"}}]},
                  backend="cpu").shares.sum())
"""


def test_an_interrupt_pending_as_a_call_returns_raises_keyboard_interrupt():
    out = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_AS_IT_RETURNS], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["KeyboardInterrupt", "KeyboardInterrupt", "1.0"], out.stdout + out.stderr


def test_importing_and_evaluating_prints_no_error_line() -> None:
    # The loaders printed "error: XDG_RUNTIME_DIR is invalid or not set"
    # four times on a successful call with the variable unset.
    env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
    code = (
        "import unitsum_gpu as us\n"
        "r = us.evaluate({'players': 3, 'actions': 2, 'game': {'family': 'plurality'},"
        " 'coalitions': [{'members': [0, 1], 'policy': {'kind': 'common'}},"
        " {'members': [2], 'policy': {'kind': 'uniform'}}]})\n"
        "assert r.shares.shape == (2, 1)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "error:" not in out.stderr, out.stderr
