"""Terminal conventions: tables fit the width, an interrupted demo leaves nothing, each
blocker once, shell completion of case ids and triggers."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.shell_completion import ShellComplete
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from aaib_cp.cli import cli
from aaib_cp.cli._common import MIN_COLUMN, column_caps, table
from tests.people import cli_args

NOTIFIER = ["--actor", "Ana", "--role", "notifier"]
CHIEF = ["--actor", "Chris", "--role", "chief_investigator"]
LEAD = ["--actor", "Lee", "--role", "lead_investigator"]


def run(db: Path, *args: str, **env: str):
    full, signed = cli_args(db, ["--db", str(db), *args])
    return CliRunner().invoke(
        cli, full, env={"AAIB_SYNCHRONOUS": "OFF", "COLUMNS": "", **env, **signed}
    )


def ok(db: Path, *args: str, **env: str) -> str:
    result = run(db, *args, **env)
    assert 0 == result.exit_code, result.output
    return result.output


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AAIB_", "COLUMNS"))}
    return {**env, "AAIB_SYNCHRONOUS": "OFF", **extra}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A case in 'evidence' with a long reason on its history, and no agency yet."""
    path = tmp_path / "cases.db"
    ok(path, "init")
    ok(path, *NOTIFIER, "notify", "--title", "Child A", "--known-on", "2026-01-05")
    ok(path, *CHIEF, "advance", "CP-2026-0001", "start_triage")
    ok(
        path, *CHIEF, "advance", "CP-2026-0001", "decide_investigate", "--set",
        "classification=serious_harm", "--set", "depth=field", "--reason",
        "Several agencies involved; wider lessons likely about information sharing " * 2,
    )  # fmt: skip
    ok(path, *CHIEF, "team", "appoint", "CP-2026-0001", "Lee", "--as", "lead_investigator")
    ok(path, *LEAD, "advance", "CP-2026-0001", "agree_scope", "--set", "terms_of_reference=t")
    return path


class TestWidth:
    @given(
        st.lists(st.integers(min_value=1, max_value=300), min_size=1, max_size=8),
        st.integers(min_value=20, max_value=400),
    )
    def test_caps_fit_when_they_can(self, natural, width):
        """The capped widths plus the gaps fit the width whenever the minimum does."""
        caps = column_caps(natural, width)
        used = [c if c is not None else w for c, w in zip(caps, natural, strict=True)]
        assert all(u <= w for u, w in zip(used, natural, strict=True))
        if sum(min(w, MIN_COLUMN) for w in natural) + 2 * (len(natural) - 1) <= width:
            assert sum(used) + 2 * (len(natural) - 1) <= width
        if sum(natural) + 2 * (len(natural) - 1) <= width:
            assert [None] * len(natural) == caps

    @given(
        st.lists(
            st.lists(st.text(alphabet="abc de", max_size=60), min_size=3, max_size=3),
            max_size=6,
        ),
        st.integers(min_value=40, max_value=120),
    )
    def test_table_lines_fit(self, rows, width):
        """Every line of a table is at most COLUMNS wide, and no cell text is lost."""
        os.environ["COLUMNS"] = str(width)
        try:
            text = table(rows, ["one", "two", "three"])
        finally:
            del os.environ["COLUMNS"]
        assert max(len(line) for line in text.splitlines()) <= width
        shown = sorted(c for c in text if c not in " -\n")
        given_ = sorted(c for c in "onetwothree" + "".join(map("".join, rows)) if c != " ")
        assert given_ == shown

    def test_history_fits_columns(self, db):
        """history wraps to COLUMNS; piped without COLUMNS, each event stays on one line."""
        narrow = ok(db, "history", "CP-2026-0001", COLUMNS="80")
        assert max(len(line) for line in narrow.splitlines()) <= 80
        wide = ok(db, "history", "CP-2026-0001")
        assert 7 == len(wide.splitlines())  # header, rule, five events
        assert max(len(line) for line in wide.splitlines()) > 80

    def test_history_in_a_real_process(self, db, tmp_path):
        """A real process honours COLUMNS too."""
        result = subprocess.run(
            [sys.executable, "-m", "aaib_cp", "--db", str(db), "history", "CP-2026-0001"],
            env=subprocess_env(COLUMNS="72"), capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert 0 == result.returncode, result.stderr
        assert max(len(line) for line in result.stdout.splitlines()) <= 72


def test_status_shows_each_blocker_once(db):
    """Two guards failing for the same reason give one 'blocked:' line."""
    out = ok(db, "status", "CP-2026-0001")
    assert 1 == out.count("blocked: no agency is registered on the case")


# -- the demo ---------------------------------------------------------------------------
def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def history_of(path: Path) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT * FROM events ORDER BY case_id, n").fetchall()
    finally:
        con.close()


class TestDemo:
    def test_interrupted_demo_writes_nothing(self, tmp_path, monkeypatch):
        """Ctrl-C at the very end (writing the report): no database, no report, exit 130."""
        from aaib_cp.reports.build import Publisher

        def interrupt(*args, **kwargs):
            raise KeyboardInterrupt

        monkeypatch.setattr(Publisher, "write", interrupt)
        result = CliRunner().invoke(cli, ["demo", "--db", str(tmp_path / "d.db")])
        assert 130 == result.exit_code
        assert "interrupted; stopped, nothing was written" in result.output
        assert [] == list(tmp_path.iterdir())

    def test_closed_pipe_leaves_the_previous_demo(self, tmp_path):
        """`aaib demo | head -2`: exit 1, one line on stderr, the previous demo unchanged."""
        env = subprocess_env()
        command = [sys.executable, "-m", "aaib_cp", "demo"]
        first = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, timeout=300)
        assert 0 == first.returncode, first.stderr
        before = history_of(tmp_path / "aaib-demo.db")
        process = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        process.stdout.readline()
        process.stdout.close()  # what head does after its lines
        _, err = process.communicate(timeout=300)
        assert 1 == process.returncode
        assert (
            b"aaib demo: its output was closed; stopped, nothing was written "
            b"(the previous demo is unchanged)\n"
        ) == err
        assert before == history_of(tmp_path / "aaib-demo.db")
        assert [] == leftovers(tmp_path)

    def test_sigint_in_a_real_process(self, tmp_path):
        """SIGINT mid-run: exit 130, no database and no hidden files left."""
        process = subprocess.Popen(
            [sys.executable, "-m", "aaib_cp", "demo"],
            cwd=tmp_path, env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        process.stdout.readline()
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=300)
        if process.returncode == 0:
            pytest.skip("the demo finished before the signal arrived")
        assert 130 == process.returncode, err
        assert b"interrupted; stopped, nothing was written (no demo database was made)" in err
        assert [] == list(tmp_path.iterdir())


# -- completion -------------------------------------------------------------------------
def completions(db: Path, args: list[str], incomplete: str) -> list[str]:
    complete = ShellComplete(cli, {}, "aaib", "_AAIB_COMPLETE")
    return [c.value for c in complete.get_completions(["--db", str(db), *args], incomplete)]


class TestCompletion:
    def test_case_ids(self, db):
        """CASE arguments complete from the database, on any command."""
        ok(db, *NOTIFIER, "notify", "--title", "Child B", "--known-on", "2026-01-06")
        assert ["CP-2026-0001", "CP-2026-0002"] == completions(db, ["status"], "CP")
        assert ["CP-2026-0002"] == completions(db, ["chronology", "show"], "CP-2026-0002")
        assert [] == completions(db, ["history"], "XX")

    def test_triggers_of_the_case(self, db):
        """TRIGGER completes with the triggers from the case's current state."""
        assert ["begin_analysis", "suspend", "discontinue"] == completions(
            db, ["advance", "CP-2026-0001"], ""
        )
        assert ["suspend"] == completions(db, ["advance", "CP-2026-0001"], "su")
        assert [] == completions(db, ["advance", "CP-2099-0001"], "")

    def test_no_database_no_file(self, tmp_path):
        """Completing against a database that does not exist offers nothing and creates nothing."""
        assert [] == completions(tmp_path / "none.db", ["status"], "")
        assert [] == list(tmp_path.iterdir())

    def test_in_a_real_shell_protocol(self, db):
        """The bash protocol through a real process: _AAIB_COMPLETE=bash_complete."""
        result = subprocess.run(
            [sys.executable, "-m", "aaib_cp"],
            env=subprocess_env(
                _AAIB_COMPLETE="bash_complete", COMP_WORDS=f"aaib --db {db} advance CP-2026-0001 b",
                COMP_CWORD="5",
            ),
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert "plain,begin_analysis" == result.stdout.strip()
