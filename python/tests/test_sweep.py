"""sweep: the CLI's rows, shards, grids, errors, and the Dask example."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any, Dict, List

import pytest
from conftest import EXAMPLES, ROOT, cli_json_lines, run_cli

import unitsum_gpu as us


def keyed(rows: List[Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    """Rows by point, without the wall-clock seconds."""
    out = {}
    for row in rows:
        row = dict(row)
        row.pop("seconds")
        out[row["point"]] = row
    return out


def test_theorem1_rows_equal_the_clis():
    rows = list(us.sweep("theorem1", players="3..=7", actions=[2, 3]))
    cli = cli_json_lines("sweep", "theorem1", "--players", "3..=7", "--actions", "2..=3", "--format", "json")
    assert len(rows) == len(cli) > 10
    assert keyed(rows) == keyed(cli)
    assert all(r["holds"] for r in rows)


def test_theorem2_rows_equal_the_clis_and_hold():
    options = dict(families="plurality,congestion", players="4..=6", actions="2..=3", opponents="uniform,worst")
    rows = list(us.sweep("theorem2", **options))
    cli = cli_json_lines(
        "sweep", "theorem2", "--family", "plurality,congestion", "--players", "4..=6", "--actions", "2..=3",
        "--opponents", "uniform,worst", "--format", "json",
    )
    assert keyed(rows) == keyed(cli)
    assert all(r["holds"] for r in rows if r["bound"] is not None)


def test_shards_partition_the_sweep():
    whole = keyed(list(us.sweep("theorem1", players="3..=6", actions=2)))
    parts = [us.sweep("theorem1", players="3..=6", actions=2, shard=(i, 3)) for i in range(3)]
    assert sum(p.total for p in parts) == len(whole)
    merged: Dict[str, Any] = {}
    for part in parts:
        assert len(part) == part.total
        rows = keyed(list(part))
        assert len(part) == 0
        assert not set(rows) & set(merged)
        merged.update(rows)
    assert merged == whole


def test_a_grid_file_and_the_same_grid_as_a_dict():
    import json

    path = EXAMPLES / "grids" / "copy-grid.json"
    grid = json.loads(path.read_text())
    grid["players"] = [5]
    from_dict = keyed(list(us.sweep(grid)))
    small = ROOT / "target" / "copy-grid-small.json"
    small.write_text(json.dumps(grid))
    from_file = keyed(list(us.sweep(small)))
    cli = keyed(cli_json_lines("sweep", "grid", str(small), "--format", "json"))
    assert from_dict == from_file == cli
    assert len(cli) > 5


def test_bad_sweeps_raise_before_any_point_runs():
    with pytest.raises(us.UsageError) as e:
        us.sweep("theorem1", players="5..=3")
    assert e.value.option == "players"
    with pytest.raises(us.UsageError) as e:
        us.sweep("theorem1", shard=(3, 3))
    assert e.value.option == "shard"
    with pytest.raises(us.UsageError) as e:
        us.sweep("theorem2", games=0)
    assert e.value.option == "games"
    with pytest.raises(us.UsageError) as e:
        us.sweep("theorem1", opponents="best")
    with pytest.raises(us.TooLargeError):
        us.sweep("theorem1", players="101..=201", actions=5, opponents="worst")
    with pytest.raises(us.SpecError):
        us.sweep({"name": "broken"})
    with pytest.raises(us.FileError):
        us.sweep(ROOT / "no-such-grid.json")


def test_the_dask_example_writes_the_clis_rows(tmp_path):
    pytest.importorskip("distributed", reason="dask's distributed is not installed")
    out = tmp_path / "rows.jsonl"
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "python" / "dask_sweep.py"),
         "--preset", "theorem2", "--players", "3..=6", "--actions", "2..=3",
         "--shards", "5", "--workers", "2", "--out", str(out)],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    cli = cli_json_lines("sweep", "theorem2", "--players", "3..=6", "--actions", "2..=3", "--format", "json")

    def timeless(rows: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]

    # The CLI's rows (keys, values and order) from the shards gathered.
    assert len(rows) == len(cli) > 50
    assert timeless(rows) == timeless(cli)
    assert done.stderr.splitlines()[-1].startswith(f"wrote {len(rows)} rows to {out}: ")


def test_the_power_curve_example_runs(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "python" / "power_curve.py"), "--players", "6", "--out", "c"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "0 below the bound" in done.stdout
    lines = (tmp_path / "c.csv").read_text().splitlines()
    assert lines[0].startswith("size,value,upper,spy,fraction,theorem1,theorem2")
    assert len(lines) == 1 + 5


def test_preset_defaults_are_the_clis():
    """The presets' defaults live once in the library: Python's are the CLI's."""
    import re

    from unitsum_gpu import _native

    for kind in ("theorem1", "theorem2", "contexts"):
        players, actions, families, games, opponents = _native.preset_defaults(kind)
        help_text = run_cli("sweep", kind, "--help").stdout
        shown = dict(re.findall(r"--(\w+) <\w+>\s+.*?\[default: ([^\]]+)\]", help_text, flags=re.S))
        assert shown["players"] == players and shown["actions"] == actions, (kind, shown)
        assert shown["opponents"] == opponents
        if kind != "theorem1":
            assert shown["family"] == families and int(shown["games"]) == games
