"""Per-call cost of ``Evaluator.evaluate`` from Python on a small problem
(n = 4, k = 3, CPU): the same call and spec as ``cargo bench --bench
overhead`` times from Rust. Run from the repository root:

    python python/benches/overhead.py
"""

from __future__ import annotations

import statistics
import time

import unitsum_gpu as us

SPEC = "benches/specs/overhead-plurality-n4-k3.json"


def main() -> None:
    problem = us.Problem.from_json(SPEC)
    evaluator = us.Evaluator()
    for _ in range(1000):
        evaluator.evaluate(problem, backend="cpu")
    runs = []
    for _ in range(10):
        calls = 5000
        started = time.perf_counter()
        for _ in range(calls):
            evaluator.evaluate(problem, backend="cpu")
        runs.append((time.perf_counter() - started) / calls * 1e6)
    print(f"evaluate n=4 k=3 cpu (Python): median {statistics.median(runs):.2f} µs a call "
          f"(min {min(runs):.2f}, max {max(runs):.2f}; 10 runs of 5000 calls)")


if __name__ == "__main__":
    main()
