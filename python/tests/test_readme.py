"""The README's Python blocks as tests.

``python`` blocks run in one namespace, in order, from the repository's root;
blocks marked ``run-by-python`` (commands that need the package) run with
this interpreter first on PATH. The rules of the info strings and of the
expected output (``...`` lines, ``[..]`` within a line, ``? N`` exit codes)
are those of ``tests/it/readme.rs``, which runs every other block.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import List

import pytest

from conftest import ROOT, cli_binary


@dataclass
class Block:
    line: int
    lang: str
    attrs: str
    body: List[str] = field(default_factory=list)


def blocks(markdown: str) -> List[Block]:
    """Every fenced block of ``markdown``."""
    found: List[Block] = []
    current = None
    for number, line in enumerate(markdown.splitlines(), start=1):
        stripped = line.lstrip()
        if current is None and stripped.startswith("```"):
            lang, _, attrs = stripped[3:].strip().partition(" ")
            current = Block(number, lang, attrs.strip())
        elif current is not None and stripped.rstrip() == "```":
            found.append(current)
            current = None
        elif current is not None:
            current.body.append(line)
    assert current is None, "an unclosed fence"
    return found


def readme_blocks() -> List[Block]:
    return blocks((ROOT / "README.md").read_text())


def line_matches(pattern: str, line: str) -> bool:
    regex = ".*".join(re.escape(piece) for piece in pattern.split("[..]"))
    return re.fullmatch(regex, line, flags=re.DOTALL) is not None


def output_matches(expected: List[str], actual: List[str]) -> bool:
    """``...`` stands for any number of lines."""
    if not expected:
        return not actual
    first, rest = expected[0], expected[1:]
    if first == "...":
        return any(output_matches(rest, actual[skip:]) for skip in range(len(actual) + 1))
    return bool(actual) and line_matches(first, actual[0]) and output_matches(rest, actual[1:])


def run(command: str, cwd: Path) -> subprocess.CompletedProcess:
    path = os.pathsep.join([str(Path(sys.executable).parent), str(cli_binary().parent),
                            os.environ.get("PATH", "")])
    env = {**os.environ, "PATH": path}
    env.pop("XDG_RUNTIME_DIR", None)
    return subprocess.run(["sh", "-c", "exec 2>&1\n" + command], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def scratch(tmp_path: Path) -> Path:
    """The tree as the README's commands expect it, with an empty docs/."""
    for linked in ("examples", "benches", "python"):
        (tmp_path / linked).symlink_to(ROOT / linked)
    (tmp_path / "docs").mkdir()
    return tmp_path


def test_the_python_blocks_run_as_written(monkeypatch):
    python = [b for b in readme_blocks() if b.lang == "python"]
    assert python, "the README's Python blocks were not found"
    monkeypatch.chdir(ROOT)
    namespace: dict = {"__name__": "readme"}
    for block in python:
        code = compile("\n" * block.line + "\n".join(block.body), str(ROOT / "README.md"), "exec")
        exec(code, namespace)
    assert namespace["r"].shares.shape == (2, 1)


def test_the_commands_that_need_the_package_run_as_written(tmp_path):
    marked = [b for b in readme_blocks() if "run-by-python" in b.attrs]
    assert len(marked) >= 2
    cwd = scratch(tmp_path)
    for block in marked:
        if block.lang == "console":
            sessions = []
            for line in block.body:
                if line.startswith("$ "):
                    sessions.append([line[2:], [], 0])
                elif line.startswith("? "):
                    sessions[-1][2] = int(line[2:])
                else:
                    sessions[-1][1].append(line)
            for command, expected, code in sessions:
                done = run(command, cwd)
                assert done.returncode == code and output_matches(expected, done.stdout.splitlines()), (
                    f"README.md:{block.line}: `{command}` exited {done.returncode} and printed\n"
                    f"{done.stdout}\nexpected\n" + "\n".join(expected))
        else:
            assert block.lang == "sh", f"README.md:{block.line}"
            for command in (c for c in block.body if c.strip() and not c.startswith("#")):
                done = run(command, cwd)
                assert done.returncode == 0, f"README.md:{block.line}: `{command}`:\n{done.stdout}"
                assert "error:" not in done.stdout, done.stdout


def test_the_matcher_can_fail():
    expected = ["a [..] c", "...", "z"]
    assert output_matches(expected, ["a b c", "x", "z"])
    assert not output_matches(expected, ["a b d", "z"])
    assert not output_matches(expected, ["a b c", "z", "extra"])
    assert not line_matches("0.82116402]", "0.82116403]")
