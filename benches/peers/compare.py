#!/usr/bin/env python3
"""Peer comparison: a plain numpy brute force over all k^n profiles against
unitsum-gpu's exact CPU evaluator, on the same specs, checked to agree, timed
in the same run. Run from the repository root:

    pip install numpy && python3 benches/peers/compare.py [--sizes 10,11,12]

It builds the release binary first (cargo build --release). The numpy code is
what a researcher would write: vectorised over chunks of profiles, plurality
shares from the action counts, weights from independent uniform policies.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

K = 4
CHUNK = 1 << 20


def spec(n):
    s = n // 2 + 1
    return {
        "players": n,
        "actions": K,
        "game": {"family": "plurality"},
        "coalitions": [
            {"members": list(range(s)), "policy": {"kind": "uniform"}},
            {"members": list(range(s, n)), "policy": {"kind": "uniform"}},
        ],
    }


def numpy_shares(n):
    """r_j for the spec above: every profile, plurality shares, uniform weights."""
    s = n // 2 + 1
    total = K ** n
    weight = float(K) ** -n
    powers = K ** np.arange(n, dtype=np.int64)
    r = np.zeros(2)
    for start in range(0, total, CHUNK):
        index = np.arange(start, min(start + CHUNK, total), dtype=np.int64)
        actions = (index[:, None] // powers[None, :]) % K  # profiles × players
        counts = np.stack([(actions == b).sum(axis=1) for b in range(K)], axis=1)
        top = counts.argmax(axis=1)  # first maximum: ties to the lower action
        on_top = actions == top[:, None]
        share = on_top / counts[np.arange(len(index)), top][:, None]
        r[0] += share[:, :s].sum()
        r[1] += share[:, s:].sum()
    return r * weight


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,11,12", help="players n (k = 4)")
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], check=True)
    binary = os.path.join("target", "release", "unitsum-gpu")
    print(f"{'case':<34} {'profiles':>12} {'numpy s':>9} {'unitsum s':>10} {'ratio':>8}  max |diff|")
    for n in [int(x) for x in args.sizes.split(",")]:
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(spec(n), f)
            path = f.name
        started = time.perf_counter()
        expected = numpy_shares(n)
        numpy_seconds = time.perf_counter() - started
        out = subprocess.run(
            [binary, "eval", path, "--backend", "cpu", "--method", "exact", "--format", "json"],
            check=True, capture_output=True, text=True,
        )
        result = json.loads(out.stdout)
        ours = np.array([row[0] for row in result["shares"]])
        diff = float(np.abs(ours - expected).max())
        if diff > 1e-9:
            sys.exit(f"n = {n}: unitsum-gpu {ours} and numpy {expected} disagree by {diff}")
        ratio = numpy_seconds / result["seconds"]
        print(f"{'plurality n=' + str(n) + ' k=4 uniform':<34} {K ** n:>12} {numpy_seconds:>9.3f} "
              f"{result['seconds']:>10.4f} {ratio:>7.1f}x  {diff:.1e}")
        os.unlink(path)


if __name__ == "__main__":
    main()
