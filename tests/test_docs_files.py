"""docs/reliability.md "Files and operating-system errors": its example runs as shown."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

DOC = REPO / "docs" / "reliability.md"
SECTION = "## Files and operating-system errors"


def example() -> list[tuple[str, str]]:
    """The section's console block as ``(command, expected output)`` pairs."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```console\n(.*?)```", section, re.S)
    assert block is not None, "the section needs a console example"
    pairs: list[tuple[str, list[str]]] = []
    for line in block[1].splitlines():
        if line.startswith("$ "):
            pairs.append((line[2:], []))
        else:
            pairs[-1][1].append(line)
    return [(command, "".join(f"{o}\n" for o in out)) for command, out in pairs]


def test_example_output_is_real(tmp_path: Path) -> None:
    """Each command, run by bash in a folder holding the demo database, prints what is shown."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("AAIB_DB", None)
    subprocess.run(["aaib", "demo"], cwd=tmp_path, env=env, check=True, capture_output=True)
    for command, expected in example():
        done = subprocess.run(
            ["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert expected == done.stdout + done.stderr, command
