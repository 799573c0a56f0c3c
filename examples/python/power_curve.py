"""A power curve and a sweep, as a researcher would start: how much can s of
n players secure against the rest, and do the theorems' bounds hold?

    python examples/python/power_curve.py [--players 9] [--actions 3] [--out curve]

Writes OUT.csv (the curve), OUT-sweep.csv (Theorem 2's sweep) and, when
matplotlib is installed, OUT.png.
"""

from __future__ import annotations

import argparse
from typing import List, Optional

import numpy as np

import unitsum_gpu as us


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--family", default="plurality")
    parser.add_argument("--players", type=int, default=9)
    parser.add_argument("--actions", type=int, default=3)
    parser.add_argument("--out", default="curve")
    args = parser.parse_args(argv)

    curve = us.power_curve(args.family, args.players, args.actions)
    numeric = [c for c in curve if c != "solver"]  # the solver column holds names
    table = np.column_stack([curve[c] for c in numeric])
    np.savetxt(f"{args.out}.csv", table, delimiter=",", header=",".join(numeric), comments="", fmt="%.12g")
    for s, v in zip(curve["size"], curve["value"]):
        print(f"s = {s}: v(s) = {v:.6f}")

    rows = list(us.sweep("theorem2", families="plurality,proportional", players="4..=7", actions="2..=3"))
    keys = list(rows[0])
    with open(f"{args.out}-sweep.csv", "w") as f:
        f.write(",".join(keys) + "\n")
        for row in rows:
            f.write(",".join(str(row[k]).replace(",", ";") for k in keys) + "\n")
    failed = [r["point"] for r in rows if r["holds"] is False]
    print(f"Theorem 2's sweep: {len(rows)} points, {len(failed)} below the bound")

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: wrote CSV only")
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(curve["fraction"], curve["value"], "o-", label="security value v(s)")
    if not np.all(np.isnan(curve["spy"])):
        ax.plot(curve["fraction"], curve["spy"], ".:", label="spy value (the others see its actions)")
    ax.plot(curve["fraction"], curve["theorem1"], "s--", label="Theorem 1: 1 - 1/k")
    ax.plot(curve["fraction"], curve["theorem2"], "^--", label="Theorem 2: q/(q+1)")
    ax.set_xlabel("coalition's fraction of the players s/n")
    ax.set_ylabel("share of the unit")
    ax.set_title(f"{args.family}, n = {args.players}, k = {args.actions}")
    ax.legend()
    fig.savefig(f"{args.out}.png", dpi=120, bbox_inches="tight")
    print(f"plot: {args.out}.png")


if __name__ == "__main__":
    main()
