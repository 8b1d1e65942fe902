"""The code stays ruff clean (ruff is a test dependency)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_ruff_clean():
    """`ruff check` reports nothing on the package, tests and benchmarks."""
    targets = [p for p in ("src", "tests", "benchmarks") if (REPO / p).is_dir()]
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", *targets], cwd=REPO, capture_output=True, text=True
    )
    assert 0 == result.returncode, result.stdout + result.stderr
