"""The benchmark command still runs (at a tiny size), so it cannot rot unnoticed.

The figures themselves are not checked: timings are not tests. What is checked is
that every implemented measurement reports a median beside a baseline and a ratio.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO

EXPECTED = {
    "fire_throughput",
    "open_and_fire",
    "startup",
    "search",
    "public_report",
    "chronology_import",
    "public_report_pdf",
    "chronology_show",
    "import_memory",
    "audit_verify",
    "workflow_check",
    "web_case_page",
}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "results.json"
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run.py"), "--quick", "--json-out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    return result, out


class TestQuickRun:
    def test_exits_cleanly(self, quick_run):
        """`python benchmarks/run.py --quick` exits 0."""
        result, _ = quick_run
        assert 0 == result.returncode, result.stderr[-2000:]

    def test_json_has_every_measurement_with_a_ratio(self, quick_run):
        """The JSON has a row with a baseline and a ratio for every measurement."""
        _, out = quick_run
        results = json.loads(out.read_text("utf-8"))["results"]
        assert EXPECTED == {r["measurement"] for r in results}
        assert [] == [r for r in results if not (r["baseline_value"] > 0 and r["ratio"] > 0)]

    def test_table_shows_every_measurement(self, quick_run):
        """The printed table names every measurement and has a ratio column."""
        result, _ = quick_run
        header = next(line for line in result.stdout.splitlines() if "measurement" in line)
        assert "ratio" in header
        assert [] == [name for name in sorted(EXPECTED) if name not in result.stdout]

    def test_open_and_fire_reports_growth(self, quick_run):
        """Measurement 2 runs at three sizes and reports its growth across them."""
        _, out = quick_run
        rows = json.loads(out.read_text("utf-8"))["results"]
        sizes = {r["size"] for r in rows if r["measurement"] == "open_and_fire"}
        growth = [r for r in rows if r["variant"].startswith("growth")]
        assert (3, 1) == (len(sizes), len(growth))


class TestArguments:
    def test_unknown_measurement_is_a_usage_error(self):
        """--only with an unknown name exits 2 and lists the known ones."""
        result = subprocess.run(
            [sys.executable, str(REPO / "benchmarks" / "run.py"), "--only", "nope"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert 2 == result.returncode
        assert "fire_throughput" in result.stderr
