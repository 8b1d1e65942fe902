"""The README's examples run as written and print what the README shows, in a real shell."""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO
from tests.test_docs_examples import console_blocks

README = (REPO / "README.md").read_text()
_PYTHON = re.compile(r"^```python\n(.*?)^```$", re.S | re.M)


def blocks() -> list[list[tuple[str, str]]]:
    """Each console block of the README as (command, expected output) pairs."""
    return console_blocks(README)


def same(expected: str, actual: str) -> bool:
    """Line by line; an expected line ending in '...' matches any line with that start.

    Case references carry the current year, which the README shows as 2026.
    """
    actual = actual.replace(f"-{datetime.date.today().year}-", "-2026-")
    want, got = expected.splitlines(), actual.splitlines()
    if len(want) != len(got):
        return False
    return all(
        g.startswith(w[:-3]) if w.endswith("...") else w == g
        for w, g in zip(want, got, strict=True)
    )


def run(command: str, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    return (done.stdout + done.stderr).rstrip("\n")


def test_quickstart_and_demo_report_run_as_written(tmp_path):
    """Both console blocks: the demo's report, then a case from init to evidence."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AAIB_", "COLUMNS"))}
    env = {
        **base,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{base.get('PATH', '')}",
        "AAIB_CONFIG_DIR": str(tmp_path / ".config"),
        "AAIB_SYNCHRONOUS": "OFF",
    }
    demo_dir = tmp_path / "demo"
    demo_dir.mkdir()
    assert "Demo database" in run("aaib demo", demo_dir, env)
    for command, expected in blocks()[0]:
        assert same(expected, run(command, demo_dir, env)), command
    case_dir = tmp_path / "case"
    case_dir.mkdir()
    for command, expected in blocks()[1]:
        if command.startswith("export "):
            name, _, value = command.removeprefix("export ").partition("=")
            env[name] = value
            continue
        actual = run(command, case_dir, env)
        assert same(expected, actual), f"{command}\n{actual}"


def test_library_example_runs():
    """The README's Python example runs."""
    (code,) = _PYTHON.findall(README)
    exec(compile(code, "README.md", "exec"), {})
