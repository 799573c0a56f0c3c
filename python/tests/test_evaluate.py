"""evaluate: hand-worked cases, identities, the CLI's numbers, threads, Ctrl-C, the GPU."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from conftest import ROOT, cli_json, example_specs

import unitsum_gpu as us

THREE = {
    "players": 3,
    "actions": 3,
    "game": {"family": "plurality"},
    "coalitions": [
        {"members": [0, 1], "policy": {"kind": "common"}},
        {"members": [2], "policy": {"kind": "uniform"}},
    ],
}


def test_hand_worked_plurality():
    # The pair always holds the plurality; the outsider matches it with
    # probability 1/3 and then gets 1/3 of the unit: r_1 = 1/9, r_0 = 8/9.
    r = us.evaluate(THREE, backend="cpu")
    np.testing.assert_allclose(r.shares[:, 0], [8 / 9, 1 / 9], rtol=0, atol=1e-15)
    assert r.method == "exact" and r.backend == "cpu" and r.work == 9
    assert r.stderr is None and r.interval95 is None and r.cross_check is None


def test_hand_worked_proportional_two_states():
    # One player each, pure actions 0 and 1: shares w_a / (w_0 + w_1) per state.
    spec = {
        "players": 2,
        "actions": 2,
        "game": {"family": "proportional", "weights": np.array([[1.0, 3.0], [2.0, 2.0]])},
        "coalitions": [
            {"members": [0], "policy": {"kind": "pure", "actions": [0]}},
            {"members": [1], "policy": {"kind": "pure", "actions": [1]}},
        ],
    }
    r = us.evaluate(spec, backend="cpu")
    np.testing.assert_allclose(r.shares, [[0.25, 0.5], [0.75, 0.5]], atol=1e-15)
    np.testing.assert_allclose(r.min_over_states(), [0.25, 0.5])


@pytest.mark.parametrize("path", example_specs(), ids=lambda p: p.name)
def test_identities_shapes_and_the_cli_on_every_example(path):
    problem = us.Problem.from_json(path)
    r = us.evaluate(problem, backend="cpu")
    assert r.shares.dtype == np.float64
    assert r.shares.shape == (len(problem.coalitions), problem.states)
    assert np.all((r.shares >= 0) & (r.shares <= 1))
    tolerance = 1e-9 + (r.rounding_bound or 0.0)
    if r.method == "sample":
        assert r.stderr.shape == r.shares.shape
        assert r.interval95.shape == r.shares.shape + (2,)
        np.testing.assert_allclose(r.interval95[..., 1] - r.interval95[..., 0], 2 * 1.96 * r.stderr)
    np.testing.assert_allclose(r.shares.sum(axis=0), 1.0, rtol=0, atol=tolerance)
    assert r.unit_sum_error <= tolerance
    # The CLI computes the same numbers (the same library, another door).
    cli = cli_json("eval", str(path), "--backend", "cpu", "--format", "json")
    assert cli["method"] == r.method
    np.testing.assert_array_equal(r.shares, np.array(cli["shares"]))
    if r.stderr is not None:
        np.testing.assert_array_equal(r.stderr, np.array(cli["stderr"]))
    mine = r.to_dict()
    for key in ("shares", "method", "backend", "profiles", "count_pairs", "samples", "min_over_states"):
        assert mine[key] == cli.get(key), key
    # Shares clamped into [0, 1] are counted (the CLI's JSON omits a 0).
    assert mine["clamped"] == cli.get("clamped", 0)
    assert np.all((r.shares >= 0) & (r.shares <= 1))


def test_a_perturbed_input_changes_the_numbers():
    # The agreement above must be able to fail: another game gives other shares.
    a = us.evaluate(THREE, backend="cpu").shares
    b = us.evaluate({**THREE, "actions": 2}, backend="cpu").shares
    assert np.abs(a - b).max() > 0.05


def test_sampling_and_its_error_bars():
    exact = us.evaluate(THREE, backend="cpu").shares
    r = us.evaluate(THREE, backend="cpu", method="sample", samples=20_000, seed=7)
    assert r.method == "sample" and r.samples == 20_000 and r.seed == 7 and r.work == 20_000
    assert np.all(np.abs(r.shares - exact) <= 5 * r.stderr)
    again = us.evaluate(THREE, backend="cpu", method="sample", samples=20_000, seed=7)
    np.testing.assert_array_equal(r.shares, again.shares)


def test_bad_arguments_raise_usage_errors_naming_the_option():
    cases = [
        (dict(backend="cuda"), "backend"),
        (dict(method="guess"), "method"),
        (dict(method="exact", samples=10), "samples"),
        (dict(method="counts", seed=1), "seed"),
        (dict(method="exact", counts="fft"), "counts"),
        (dict(tolerance=1e-3), "tolerance"),
        (dict(backend="both", tolerance=float("nan")), "tolerance"),
        (dict(memory_limit_gib=0), "memory_limit_gib"),
        (dict(method="sample", samples=1), "samples"),
        (dict(method="sample", samples=-1), "samples"),
    ]
    for options, option in cases:
        with pytest.raises(us.UsageError) as e:
            us.evaluate(THREE, **options)
        assert e.value.option == option, options
        assert isinstance(e.value, ValueError)


def test_too_large_is_refused_before_the_work():
    big = {
        "players": 40,
        "actions": 4,
        "game": {"family": "proportional", "weights": [[1, 2, 3, 4]]},
        "coalitions": [
            {"members": list(range(20)), "policy": {"kind": "independent", "marginals": [[0.1, 0.2, 0.3, 0.4]] * 20}},
            {"members": list(range(20, 40)), "policy": {"kind": "uniform"}},
        ],
    }
    with pytest.raises(us.TooLargeError) as e:
        us.evaluate(big, backend="cpu", method="exact")
    # The game is symmetric: the refusal names the route that answers exactly.
    assert e.value.remedy == "counts method"
    r = us.evaluate(big, backend="cpu", method="counts")
    np.testing.assert_allclose(r.shares.sum(axis=0), 1.0, rtol=0, atol=1e-9)


def test_four_threads_give_the_same_numbers():
    problem = us.Problem.from_json(ROOT / "examples" / "theorem2-proportional.json")
    expected = us.evaluate(problem, backend="cpu").shares
    evaluator = us.Evaluator()
    results: dict = {}

    def work(i: int) -> None:
        results[i] = [evaluator.evaluate(problem, backend="cpu").shares for _ in range(5)]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4
    for runs in results.values():
        for shares in runs:
            np.testing.assert_array_equal(shares, expected)


def test_the_gil_is_released_while_rust_computes():
    # A Python thread keeps counting while the main thread evaluates.
    spec = {
        "players": 12,
        "actions": 4,
        "game": {"family": "proportional", "weights": [[1, 2, 3, 4]]},
        "coalitions": [
            {"members": list(range(6)), "policy": {"kind": "uniform"}},
            {"members": list(range(6, 12)), "policy": {"kind": "uniform"}},
        ],
    }
    ticks = []
    stop = threading.Event()

    def count() -> None:
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t.start()
    started = time.perf_counter()
    us.evaluate(spec, backend="cpu", method="exact")
    seconds = time.perf_counter() - started
    stop.set()
    t.join()
    assert seconds > 0.05, "the evaluation is too short to tell"
    assert len(ticks) >= 10, f"{len(ticks)} ticks in {seconds:.2f} s: the GIL was held"


CTRL_C = """
import os, signal, threading, time, unitsum_gpu as us
# A process started in the background inherits SIGINT ignored, and Python
# then installs no handler: restore the one an interactive user has.
signal.signal(signal.SIGINT, signal.default_int_handler)
spec = {"players": 14, "actions": 4, "game": {"family": "proportional", "weights": [[1, 2, 3, 4]]},
        "coalitions": [{"members": list(range(7)), "policy": {"kind": "uniform"}},
                       {"members": list(range(7, 14)), "policy": {"kind": "uniform"}}]}
threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
started = time.perf_counter()
try:
    us.evaluate(spec, backend="cpu", method="exact")
    print("finished")
except KeyboardInterrupt:
    print("interrupted", time.perf_counter() - started)
r = us.evaluate({"players": 2, "actions": 2, "game": {"family": "plurality"},
                 "coalitions": [{"members": [0], "policy": {"kind": "uniform"}},
                                {"members": [1], "policy": {"kind": "uniform"}}]}, backend="cpu")
print("after", r.shares.sum())
"""


def test_ctrl_c_interrupts_a_long_cpu_evaluation_within_a_second():
    # 4^14 = 2.7e8 profiles: tens of seconds on two cores, unless interrupted.
    out = subprocess.run([sys.executable, "-c", CTRL_C], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split()
    assert lines[0] == "interrupted", out.stdout
    assert float(lines[1]) < 0.5 + 1.0, out.stdout
    assert lines[2:] == ["after", "1.0"], out.stdout


def test_gpu_matches_cpu(gpu):
    for path in example_specs():
        problem = us.Problem.from_json(path)
        try:
            r = us.evaluate(problem, backend="both", method="exact")
        except (us.TooLargeError, us.UsageError):
            continue
        assert r.cross_check is not None and r.cross_check.agree
        assert r.cross_check.gpu.backend == "gpu"
        assert r.cross_check.max_abs_difference <= us.DEFAULT_TOLERANCE
        np.testing.assert_allclose(r.cross_check.gpu.shares, r.shares, atol=1e-5)


def test_gpu_alone_and_the_devices(gpu):
    devices = us.devices()
    assert devices[0]["selected"] and {"name", "api", "software"} <= set(devices[0])
    r = us.evaluate(THREE, backend="gpu")
    assert r.backend == "gpu" and r.adapter
    np.testing.assert_allclose(r.shares[:, 0], [8 / 9, 1 / 9], atol=1e-6)


def test_gpu_calls_from_threads_take_turns(gpu):
    evaluator = us.Evaluator()
    expected = evaluator.evaluate(THREE, backend="gpu").shares
    results = []

    def work() -> None:
        results.append(evaluator.evaluate(THREE, backend="gpu").shares)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4
    for shares in results:
        np.testing.assert_array_equal(shares, expected)
