"""A sweep spread over a Dask cluster: one task per shard, rows gathered
in point order and written in the library's row format: one JSON object per
line, as ``unitsum-gpu sweep --format json --out FILE`` writes them (the
rows' keys and values are the CLI's, so ``pandas.read_json(FILE, lines=True)``
reads either).

    python examples/python/dask_sweep.py                       # a LocalCluster on this machine
    python examples/python/dask_sweep.py --scheduler tcp://host:8786 --shards 64

On SLURM or Kubernetes, start the cluster with dask-jobqueue
(``SLURMCluster``) or dask-kubernetes (``KubeCluster``) and pass its
scheduler's address: the shards are the same ``shard=(i, n)`` as the CLI's
``--shard I/N``, so a plain job array of the CLI computes the same rows.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Dict, List, Optional

from distributed import Client, LocalCluster

import unitsum_gpu as us


def shard_rows(preset: Any, shard: int, shards: int, options: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Every row of one shard (runs on a worker)."""
    return list(us.sweep(preset, shard=(shard, shards), **options))


def run(client: Client, preset: Any, shards: int, options: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The sweep's rows, computed shard by shard on the cluster, in the sweep's order."""
    futures = [client.submit(shard_rows, preset, i, shards, options, pure=False) for i in range(shards)]
    parts = client.gather(futures)
    # Shard i holds the points i, i + n, i + 2n, ...: interleaved back, the
    # rows are in the order an unsharded sweep writes them.
    return [part[p] for p in range(max(map(len, parts), default=0)) for part in parts if p < len(part)]


def write_rows(rows: List[Dict[str, Any]], path: str) -> None:
    """The rows as the CLI's ``--format json`` writes them: one compact JSON
    object per line."""
    with open(path, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, separators=(",", ":"), allow_nan=False) + "\n")


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="theorem2", help="theorem1, theorem2 or a grid file")
    parser.add_argument("--players", default="3..=8")
    parser.add_argument("--actions", default="2..=3")
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes")
    parser.add_argument("--scheduler", help="address of a running Dask scheduler")
    parser.add_argument("--out", default="sweep.jsonl", help="rows, one JSON object per line")
    args = parser.parse_args(argv)
    options: Dict[str, Any] = {}
    if args.preset in ("theorem1", "theorem2"):
        options = {"players": args.players, "actions": args.actions}
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        client = Client(LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True))
    with client:
        rows = run(client, args.preset, args.shards, options)
    write_rows(rows, args.out)
    # The CLI's closing line (None, a point without a bound, neither holds nor fails).
    holds = sum(1 for r in rows if r["holds"] is True)
    fail = sum(1 for r in rows if r["holds"] is False)
    line = f"wrote {len(rows)} row{'' if len(rows) == 1 else 's'} to {args.out}: {holds} hold"
    if fail:
        line += f", {fail} fail"
    if len(rows) - holds - fail:
        line += f", {len(rows) - holds - fail} without a bound"
    print(line, file=sys.stderr)


if __name__ == "__main__":
    main()
