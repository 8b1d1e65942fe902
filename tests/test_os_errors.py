"""Operating-system and SQLite failures: one line naming the file, exit 1, the database unchanged.

Disk full is simulated two ways: SQLite's own ``PRAGMA max_page_count`` (a real
SQLITE_FULL from SQLite, in this process) and, where the tests run as root with
mount namespaces, a really full tmpfs (tests/disk_full_worker.py). Read-only and
permission-denied cases lower root's power to ignore file modes
(tests/file_helpers.py), so they run as root too.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from aaib_cp.db import connection
from aaib_cp.workflow import safe_files
from tests.file_helpers import (
    IS_ROOT,
    LEAD,
    POLICE,
    aaib,
    assert_one_line_refusal,
    can_drop_root_powers,
    digest,
    dump,
    invoke,
    without_dac_override,
)
from tests.people import cli_args, signed_in

CASE = "CP-2026-0001"
BIG_TEXT = "x" * 19_000
ADD_ENTRY = [*LEAD, "chronology", "add", CASE, "--when", "2026-01-15", "--agency", POLICE,
             "--what", BIG_TEXT]  # fmt: skip
READS = (
    ["list"],
    ["history", CASE],
    ["audit", "verify"],
    ["deadlines"],
    ["show", CASE],
    ["status", CASE],
    ["search", "call-out"],
    ["chronology", "show", CASE],
    ["evidence", "verify"],
    ["team", "list", CASE],
)
FULL = "the disk is full; nothing was changed"
READ_ONLY = "the database cannot be written (read-only file or folder); nothing was changed"
needs_ordinary_user = pytest.mark.skipif(
    not can_drop_root_powers(), reason="root without setpriv ignores file modes"
)


@pytest.fixture
def db(case_db: Path) -> Path:
    return case_db


@pytest.fixture
def no_new_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every connection the command opens may not grow the file: SQLite reports SQLITE_FULL."""
    real = sqlite3.connect

    def connect(*args, **kwargs):
        conn = real(*args, **kwargs)
        (pages,) = conn.execute("PRAGMA page_count").fetchone()
        conn.execute(f"PRAGMA max_page_count = {max(pages, 1)}")
        return conn

    monkeypatch.setattr(connection.sqlite3, "connect", connect)


class TestDiskFull:
    def test_database_full(self, db, no_new_pages):
        """A write that needs a new page is one line: the disk is full, nothing changed."""
        before = dump(db)
        result = invoke(db, *ADD_ENTRY)
        assert 1 == result.exit_code, result.output
        assert_one_line_refusal(result.output, f"{db}: {FULL}")
        assert before == dump(db)

    def test_reads_still_work_when_full(self, db, no_new_pages):
        """Reading needs no new page: every read command still answers."""
        for args in READS:
            assert 0 == invoke(db, *args).exit_code, args

    def test_evidence_file_removed_when_database_full(self, db, no_new_pages, tmp_path):
        """The copied evidence file is removed again when the register write fails."""
        source = tmp_path / "statement.txt"
        source.write_text("A witness statement (fictional). " * 2000)
        stored = sorted((db.parent / "cases-evidence").iterdir())
        before = dump(db)
        result = invoke(
            db, *LEAD, "evidence", "add", CASE, "--kind", "document", "--description",
            BIG_TEXT[:4000], "--obtained-how", "h", "--obtained-on", "2026-01-21",
            "--file", str(source),
        )  # fmt: skip
        assert 1 == result.exit_code, result.output
        assert_one_line_refusal(result.output, FULL)
        assert before == dump(db)
        assert stored == sorted((db.parent / "cases-evidence").iterdir())

    def test_output_full(self, db, tmp_path, monkeypatch):
        """A report that cannot be written leaves the old file, no temporary file, no event."""
        old = tmp_path / "r.html"
        old.write_text("the previous report")

        def full(fd: int, data: bytes) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(safe_files.os, "write", full)
        before = dump(db)
        result = invoke(db, *LEAD, "report", CASE, "--audience", "restricted", "-o", str(old))
        monkeypatch.undo()
        assert 1 == result.exit_code, result.output
        assert_one_line_refusal(result.output, f"output: cannot write {old} (the disk is full)")
        assert before == dump(db)
        assert "the previous report" == old.read_text()
        assert ["r.html"] == sorted(p.name for p in tmp_path.iterdir() if p.is_file())

    @pytest.mark.parametrize("spare", [0, 48 * 1024])
    def test_really_full_file_system(self, case_template, tmp_path, spare):
        """On a really full tmpfs: one line per command, nothing changed, nothing left behind."""
        if not IS_ROOT or shutil.which("unshare") is None:
            pytest.skip("mounting a small tmpfs needs root and unshare")
        probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
        if probe.returncode != 0:
            pytest.skip("no mount namespaces here")
        work = tmp_path / "full"
        work.mkdir()
        commands = [
            ADD_ENTRY,
            [*LEAD, "evidence", "add", CASE, "--kind", "document", "--description", "d",
             "--obtained-how", "h", "--obtained-on", "2026-01-21", "--file", "{work}/big.txt"],
            [*LEAD, "report", CASE, "--audience", "restricted", "-o", "{work}/r.html"],
        ]  # fmt: skip
        worker = Path(__file__).with_name("disk_full_worker.py")
        commands = [cli_args(case_template, c)[0] for c in commands]
        token = signed_in(case_template, "Lee", "lead_investigator")
        done = subprocess.run(
            ["unshare", "-m", sys.executable, str(worker), str(case_template), str(work),
             str(spare), json.dumps(commands)],
            capture_output=True, text=True, timeout=300, check=True,
            env={**os.environ, **token},
        )  # fmt: skip
        report = json.loads(done.stdout)
        assert report["same"]
        assert [] == report["leftovers"]
        for result in report["results"]:
            assert 1 == result["code"], result
            assert_one_line_refusal(result["stderr"], "the disk is full")


class TestReadOnly:
    def _read_only(self, db: Path, *, folder: bool) -> None:
        for extra in (Path(f"{db}-wal"), Path(f"{db}-shm")):
            extra.unlink(missing_ok=True)
        db.chmod(0o444)
        if folder:
            db.parent.chmod(0o555)

    @pytest.mark.parametrize("folder", [False, True], ids=["file", "file-and-folder"])
    def test_reads_and_verify_work(self, db, folder):
        """A read-only copy can be listed, shown and verified: opened read-only, no migration."""
        self._read_only(db, folder=folder)
        before = digest(db)
        with without_dac_override():
            results = [invoke(db, *args) for args in READS]
        assert [0] * len(READS) == [r.exit_code for r in results], [r.output for r in results]
        assert results[2].output.startswith("Audit trail intact: 1 case(s)")
        assert before == digest(db)

    @pytest.mark.parametrize("folder", [False, True], ids=["file", "file-and-folder"])
    def test_write_is_one_line(self, db, folder):
        """A write to a read-only database is one line naming it; nothing changes."""
        self._read_only(db, folder=folder)
        before = dump(db)
        with without_dac_override():
            result = invoke(db, *ADD_ENTRY)
        assert 1 == result.exit_code, result.output
        assert_one_line_refusal(result.output, f"{db}: {READ_ONLY}")
        assert before == dump(db)

    @needs_ordinary_user
    @pytest.mark.parametrize("folder", [False, True], ids=["file", "file-and-folder"])
    def test_subprocess(self, db, folder):
        """In a real process: verify passes, a write is one line, the file is untouched."""
        self._read_only(db, folder=folder)
        before = digest(db)
        verified = aaib(db, "audit", "verify", as_ordinary_user=True)
        assert 0 == verified.returncode, verified.stderr
        assert verified.stdout.startswith("Audit trail intact")
        written = aaib(db, *ADD_ENTRY, as_ordinary_user=True)
        assert 1 == written.returncode
        assert_one_line_refusal(written.stderr, READ_ONLY)
        assert before == digest(db)


class TestPermissionsAndNames:
    def test_locked(self, db, monkeypatch):
        """While another program holds the write lock, a write is one line; reads go on."""
        monkeypatch.setitem(connection.connect.__kwdefaults__, "busy_timeout_ms", 200)
        signed_in(db, "Lee", "lead_investigator")  # before the lock: signing in writes
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            before = dump(db)
            result = invoke(db, *ADD_ENTRY)
            assert 0 == invoke(db, "audit", "verify").exit_code
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert 1 == result.exit_code, result.output
        assert_one_line_refusal(result.output, f"{db}: the database is busy")
        assert before == dump(db)

    @pytest.mark.parametrize("target", ["file", "folder"])
    def test_permission_denied(self, db, target):
        """A database that cannot be read, or a folder that cannot be entered, is one line."""
        (db if target == "file" else db.parent).chmod(0)
        try:
            with without_dac_override():
                result = invoke(db, "list")
        finally:
            db.parent.chmod(0o755)
            db.chmod(0o600)
        assert 1 == result.exit_code, result.output
        assert_one_line_refusal(result.output, "(Permission denied)")
        assert str(db) in result.output

    @needs_ordinary_user
    def test_permission_denied_subprocess(self, db):
        """The same in a real process."""
        db.chmod(0)
        result = aaib(db, "list", as_ordinary_user=True)
        db.chmod(0o600)
        assert 1 == result.returncode
        assert_one_line_refusal(result.stderr, f"{db}: cannot read the database (Permission")

    @pytest.mark.parametrize("command", [["init"], ["list"]])
    def test_database_name_too_long(self, tmp_path, command):
        """A 300-character database name is one line, through CliRunner and a real process."""
        db = tmp_path / ("d" * 300 + ".db")
        result = invoke(db, *command)
        assert 1 == result.exit_code, result.output
        assert_one_line_refusal(result.output, "(File name too long)")
        process = aaib(db, *command)
        assert 1 == process.returncode
        assert_one_line_refusal(process.stderr, "(File name too long)")

    def test_new_database_in_read_only_folder(self, tmp_path):
        """aaib init where no file can be created is one line."""
        folder = tmp_path / "locked"
        folder.mkdir(mode=0o555)
        with without_dac_override():
            result = invoke(folder / "cases.db", "init")
        assert 1 == result.exit_code
        assert_one_line_refusal(result.output, "cannot create the database (Permission denied)")
        assert [] == list(folder.iterdir())
        assert stat.S_IMODE(folder.stat().st_mode) == 0o555
