#!/usr/bin/env python3
"""Peer comparison for symmetric games: deviation payoffs of plurality (one
player on each pure action against n-1 uniform players) by gameanalysis
(egtaonline's Python library for large symmetric games) and by unitsum-gpu,
same cases, same run, checked to agree to 1e-9. Run from the repository root:

    python3 -m venv VENV && VENV/bin/pip install numpy scipy && VENV/bin/pip install --no-deps gameanalysis
    # gameanalysis calls scipy.special.comb with positional flags that current scipy refuses:
    sed -i 's/sps.comb(n, k, False)/sps.comb(n, k, exact=False)/; s/sps.comb(n_, k_, True)/sps.comb(n_, k_, exact=True)/; s/sps.comb(n, k, True)/sps.comb(n, k, exact=True)/' VENV/lib/python3*/site-packages/gameanalysis/utils.py
    VENV/bin/python benches/peers/gameanalysis_compare.py [--cases 1000:3,128:4,60:5,384:4] [--peer-memory-gb 8]

gameanalysis runs under an address-space limit (--peer-memory-gb), so that a
case its tables cannot hold ends in a MemoryError, reported as such, instead
of taking the machine's memory.

Each side is timed as a whole process under /usr/bin/time (wall seconds,
peak resident memory). gameanalysis builds its payoff table (every count
vector of n players) and then computes all k deviation payoffs in one call;
unitsum-gpu evaluates one spec per action, so its figure is k processes
added up (each one builds its own share table).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import textwrap

PEER = textwrap.dedent(
    """
    import sys, time, json
    import numpy as np
    from gameanalysis import paygame
    n, k = int(sys.argv[1]), int(sys.argv[2])
    def vectors(total, slots):
        if slots == 1:
            yield (total,); return
        for c in range(total + 1):
            for rest in vectors(total - c, slots - 1):
                yield (c,) + rest
    t0 = time.time()
    prof = np.array(list(vectors(n, k)), dtype=int)
    best = np.argmax(prof, axis=1)  # most chosen action, ties to the lower index
    pay = np.zeros(prof.shape)
    rows = np.arange(len(prof))
    pay[rows, best] = 1.0 / prof[rows, best]
    pay[prof == 0] = 0.0
    game = paygame.game(n, k, prof, pay)
    t1 = time.time()
    dev = game.deviation_payoffs(np.full(k, 1.0 / k))
    t2 = time.time()
    print(json.dumps({"build": t1 - t0, "evaluate": t2 - t1, "deviation": [float(d) for d in dev]}))
    """
)


def timed(cmd, memory_bytes=None):
    """Run cmd under /usr/bin/time: (stdout or None when it failed, wall
    seconds, peak RSS in MB, the last line of its stderr)."""
    def limit():
        if memory_bytes is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        run = subprocess.run(
            ["/usr/bin/time", "-f", "%e %M", "-o", t.name] + cmd,
            capture_output=True, text=True, preexec_fn=limit,
        )
        wall, rss_kb = t.read().split()[-2:]
    last = (run.stderr.strip().splitlines() or [""])[-1]
    return (run.stdout if run.returncode == 0 else None), float(wall), int(rss_kb) / 1024, last


def spec(n, k, action):
    return {
        "players": n,
        "actions": k,
        "game": {"family": "plurality"},
        "coalitions": [
            {"members": [0], "policy": {"kind": "pure", "actions": [action]}},
            {"members": list(range(1, n)), "policy": {"kind": "uniform"}},
        ],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", default="1000:3,128:4,60:5,384:4")
    parser.add_argument("--peer-memory-gb", type=float, default=8.0,
                        help="address-space limit of the gameanalysis process")
    parser.add_argument("--binary", help="a built unitsum-gpu (default: cargo build --release)")
    args = parser.parse_args()
    binary = args.binary
    if binary is None:
        subprocess.run(["cargo", "build", "--release", "--quiet"], check=True)
        binary = os.path.join("target", "release", "unitsum-gpu")
    print(f"{'case':<16} {'gameanalysis':>24} {'unitsum-gpu (k processes)':>30} {'max |diff|':>11}")
    with tempfile.TemporaryDirectory() as tmp:
        peer = os.path.join(tmp, "peer.py")
        with open(peer, "w") as f:
            f.write(PEER)
        for case in args.cases.split(","):
            n, k = map(int, case.split(":"))
            out, peer_wall, peer_mb, why = timed(
                [sys.executable, peer, str(n), str(k)], int(args.peer_memory_gb * 2**30))
            theirs = json.loads(out)["deviation"] if out is not None else None
            ours, wall, mb = [], 0.0, 0.0
            for b in range(k):
                path = os.path.join(tmp, f"dev-{n}-{k}-{b}.json")
                with open(path, "w") as f:
                    json.dump(spec(n, k, b), f)
                out, w, m, why_ours = timed([binary, "eval", path, "--backend", "cpu", "--method", "counts", "--format", "json"])
                if out is None:
                    sys.exit(f"n={n} k={k}: unitsum-gpu failed: {why_ours}")
                ours.append(json.loads(out)["shares"][0][0])
                wall, mb = wall + w, max(mb, m)
            if theirs is None:
                print(f"n={n:<5} k={k:<5} failed after {peer_wall:.1f} s at {peer_mb:.0f} MB ({why})"
                      f" {wall:>10.2f} s {mb:>8.0f} MB")
                continue
            diff = max(abs(a - b) for a, b in zip(ours, theirs))
            print(f"n={n:<5} k={k:<5} {peer_wall:>10.2f} s {peer_mb:>8.0f} MB {wall:>16.2f} s {mb:>8.0f} MB {diff:>11.1e}")
            if not diff <= 1e-9:
                sys.exit(f"n={n} k={k}: the two disagree by {diff:.3e}")


if __name__ == "__main__":
    main()
