"""A sweep spread over a Dask cluster: one task per shard, rows gathered
into one pandas DataFrame and written as CSV.

    python examples/python/dask_sweep.py                       # a LocalCluster on this machine
    python examples/python/dask_sweep.py --scheduler tcp://host:8786 --shards 64

On SLURM or Kubernetes, start the cluster with dask-jobqueue
(``SLURMCluster``) or dask-kubernetes (``KubeCluster``) and pass its
scheduler's address: the shards are the same ``shard=(i, n)`` as the CLI's
``--shard I/N``, so a plain job array of the CLI computes the same rows.
"""

from __future__ import annotations

import argparse
from typing import Any, Dict, List, Optional

import pandas as pd
from distributed import Client, LocalCluster

import unitsum_gpu as us


def shard_rows(preset: Any, shard: int, shards: int, options: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Every row of one shard (runs on a worker)."""
    return list(us.sweep(preset, shard=(shard, shards), **options))


def run(
    client: Client, preset: Any, shards: int, options: Dict[str, Any]
) -> pd.DataFrame:
    """The sweep's rows, computed shard by shard on the cluster, in point order."""
    futures = [client.submit(shard_rows, preset, i, shards, options, pure=False) for i in range(shards)]
    rows = [row for part in client.gather(futures) for row in part]
    frame = pd.DataFrame(rows)
    return frame.sort_values("point", kind="stable").reset_index(drop=True)


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="theorem2", help="theorem1, theorem2 or a grid file")
    parser.add_argument("--players", default="3..=8")
    parser.add_argument("--actions", default="2..=3")
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes")
    parser.add_argument("--scheduler", help="address of a running Dask scheduler")
    parser.add_argument("--out", default="sweep.csv")
    args = parser.parse_args(argv)
    options: Dict[str, Any] = {}
    if args.preset in ("theorem1", "theorem2"):
        options = {"players": args.players, "actions": args.actions}
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        client = Client(LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True))
    with client:
        frame = run(client, args.preset, args.shards, options)
    frame.to_csv(args.out, index=False)
    failed = int((frame["holds"] == False).sum())  # noqa: E712 (None is not a failure)
    print(f"{len(frame)} rows to {args.out}; {failed} below their bound")


if __name__ == "__main__":
    main()
