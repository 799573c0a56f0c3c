"""Shared fixtures: the repository's paths, the CLI binary, the GPU marker."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, Dict, List

import pytest

import unitsum_gpu as us

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def cli_binary() -> Path:
    """The CLI built by ``cargo test`` (or ``UNITSUM_GPU_BIN``)."""
    path = Path(os.environ.get("UNITSUM_GPU_BIN", ROOT / "target" / "debug" / "unitsum-gpu"))
    if not path.exists():
        pytest.fail(f"the CLI {path} is missing: run `cargo build` first (scripts/test does)")
    return path


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """Run the CLI; its output as text."""
    return subprocess.run(
        [str(cli_binary()), *args], capture_output=True, text=True, cwd=ROOT, timeout=600
    )


def cli_json(*args: str) -> Any:
    out = run_cli(*args)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def cli_json_lines(*args: str) -> List[Dict[str, Any]]:
    out = run_cli(*args)
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def has_adapter() -> bool:
    try:
        return len(us.devices()) > 0
    except us.UnitsumError:
        return False


@pytest.fixture
def gpu() -> None:
    """Skip (visibly, with the reason) where no GPU adapter exists; fail
    instead under ``UNITSUM_REQUIRE_GPU=1`` (CI, which has lavapipe)."""
    if has_adapter():
        return
    if os.environ.get("UNITSUM_REQUIRE_GPU") == "1":
        pytest.fail("UNITSUM_REQUIRE_GPU=1 but wgpu sees no adapter")
    pytest.skip("no GPU adapter (install mesa-vulkan-drivers for lavapipe)")


def example_specs() -> List[Path]:
    return sorted(EXAMPLES.glob("*.json"))


def bad_specs() -> List[Dict[str, Any]]:
    """The malformed specs the Rust error tests check too."""
    text = (ROOT / "tests" / "data" / "bad-specs.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]
