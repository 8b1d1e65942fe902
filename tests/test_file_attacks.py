"""Hostile files: every attack is one line, exit 1, and the database unchanged.

Inputs must be regular files read within a bound (a FIFO would hang, a symlink to
/dev/zero would exhaust memory); outputs replace only regular files (as root,
``report -o /dev/null`` once replaced the device node). Each attack runs through
CliRunner and, for the ones a real process could get wrong (a hang, a device), in a
subprocess as well.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from aaib_cp.evidence.chronology_csv import IMPORT_MAX_BYTES
from aaib_cp.evidence.files import MAX_FILE_BYTES
from aaib_cp.workflow.yaml_source import DEFAULT_MAX_BYTES
from tests.file_helpers import (
    LEAD,
    aaib,
    assert_one_line_refusal,
    digest,
    dump,
    invoke,
)

CASE = "CP-2026-0001"
LONG_NAME = "a" * 300


@pytest.fixture
def db(case_db: Path) -> Path:
    return case_db


@pytest.fixture
def hostile(tmp_path: Path) -> dict[str, Path]:
    """A FIFO, a symlink to /dev/zero, a folder and a link into /proc."""
    folder = tmp_path / "hostile"
    folder.mkdir()
    os.mkfifo(folder / "fifo.csv")
    (folder / "zero.csv").symlink_to("/dev/zero")
    (folder / "folder.csv").mkdir()
    (folder / "environ.csv").symlink_to("/proc/self/environ")
    return {p.stem: p for p in folder.iterdir()}


INPUT_PROBLEMS = {
    "fifo": "is a FIFO (named pipe), not a regular file; refused",
    "zero": "is a character device, not a regular file; refused",
    "folder": "is a folder, not a regular file; refused",
    "huge": "is larger than {limit} bytes; refused",
    "environ": "is a system file (/proc, /sys or /dev); refused",
}
INPUT_COMMANDS = {
    "chronology import": lambda path: [*LEAD, "chronology", "import", CASE, str(path),
                                       "--agency", "Northshire Police"],
    "evidence add": lambda path: [*LEAD, "evidence", "add", CASE, "--kind", "document",
                                  "--description", "d", "--obtained-how", "h",
                                  "--obtained-on", "2026-01-21", "--file", str(path)],
    "notify --workflow": lambda path: ["--actor", "Ana", "--role", "notifier", "notify",
                                       "--title", "B", "--known-on", "2026-01-05",
                                       "--workflow", str(path)],
}  # fmt: skip
INPUT_LIMITS = {
    "chronology import": IMPORT_MAX_BYTES,
    "evidence add": MAX_FILE_BYTES,
    "notify --workflow": DEFAULT_MAX_BYTES,
}


class TestInputs:
    @pytest.mark.parametrize("kind", sorted(INPUT_PROBLEMS))
    @pytest.mark.parametrize("command", sorted(INPUT_COMMANDS))
    def test_refused_in_one_line(self, db, hostile, kind, command):
        """Anything but a regular file within the bound is refused, before any memory is spent."""
        limit = INPUT_LIMITS[command]
        if kind == "huge":  # sparse: costs no disk, would cost memory if read whole
            hostile[kind] = hostile["folder"].parent / "huge.csv"
            with open(hostile[kind], "wb") as fh:
                fh.truncate(limit + 1)
        before = dump(db)
        result = invoke(db, *INPUT_COMMANDS[command](hostile[kind]))
        assert 1 == result.exit_code, result.output
        assert_one_line_refusal(result.output, INPUT_PROBLEMS[kind].format(limit=limit))
        assert before == dump(db)

    def test_large_workflow_refused_by_size(self, db, tmp_path):
        """A workflow file past its 1 MB bound is refused from its size alone."""
        big = tmp_path / "big.yaml"
        with open(big, "wb") as fh:
            fh.truncate(1_000_001)
        result = invoke(db, "workflow", "validate", str(big))
        assert 1 == result.exit_code
        assert f"{big}:1:1: is larger than 1000000 bytes; refused" == result.output.splitlines()[0]

    @pytest.mark.parametrize("kind", ["fifo", "zero", "environ"])
    def test_subprocess_does_not_hang_or_copy(self, db, hostile, kind):
        """In a real process, a FIFO returns at once and /proc is not copied into the store."""
        before = dump(db)
        result = aaib(db, *INPUT_COMMANDS["evidence add"](hostile[kind]), timeout=30)
        assert 1 == result.returncode, result.stderr
        assert_one_line_refusal(result.stderr, INPUT_PROBLEMS[kind])
        assert before == dump(db)
        assert 1 == len(list((db.parent / "cases-evidence").iterdir()))

    def test_subprocess_fifo_import(self, db, hostile):
        """A chronology import from a FIFO is refused in a real process without waiting."""
        result = aaib(db, *INPUT_COMMANDS["chronology import"](hostile["fifo"]), timeout=30)
        assert 1 == result.returncode
        assert_one_line_refusal(result.stderr, INPUT_PROBLEMS["fifo"])


def _special_targets(tmp_path: Path, suffix: str) -> dict[str, tuple[Path, str]]:
    folder = tmp_path / "targets"
    folder.mkdir()
    os.mkfifo(folder / f"fifo{suffix}")
    kept = folder / "kept.txt"
    kept.write_text("not to be replaced\n")
    (folder / f"link{suffix}").symlink_to(kept)
    (folder / f"folder{suffix}").mkdir()
    missing = folder / "nowhere"
    return {
        "device": (Path("/dev/null"), "/dev/null is a character device, not a regular file"),
        "fifo": (folder / f"fifo{suffix}", "is a FIFO (named pipe), not a regular file"),
        "symlink": (folder / f"link{suffix}", "is a symbolic link, not a regular file"),
        "folder": (folder / f"folder{suffix}", f"folder{suffix} is a folder; give a file name"),
        "long name": (folder / f"{LONG_NAME}{suffix}", "File name too long"),
        "missing folder": (missing / f"r{suffix}", f"folder {missing} does not exist"),
    }


OUTPUT_COMMANDS = {
    "report": lambda out: [*LEAD, "report", CASE, "--audience", "restricted",
                           "--format", "html", "-o", str(out)],
    "chronology plot": lambda out: ["chronology", "plot", CASE, "-o", str(out)],
    "workflow show": lambda out: ["workflow", "show", "child-protection", "-o", str(out)],
    "evidence export": lambda out: [*LEAD, "evidence", "export", CASE, "E1", "-o", str(out)],
}  # fmt: skip


class TestOutputs:
    @pytest.mark.parametrize(
        "target", ["device", "fifo", "symlink", "folder", "long name", "missing folder"]
    )
    @pytest.mark.parametrize("command", sorted(OUTPUT_COMMANDS))
    def test_only_a_regular_file_is_replaced(self, db, tmp_path, target, command):
        """Devices, FIFOs, symlinks and folders are never replaced; nothing is left behind."""
        if command == "chronology plot" and target == "device":
            pytest.skip("the plot refuses a name without .svg or .png first")
        if command == "evidence export" and target == "folder":
            pytest.skip("a folder is where evidence export puts the file under its own name")
        suffix = ".svg" if command == "chronology plot" else ".html"
        path, needle = _special_targets(tmp_path, suffix)[target]
        before = dump(db)
        result = invoke(db, *OUTPUT_COMMANDS[command](path))
        assert 1 == result.exit_code, result.output
        assert_one_line_refusal(result.output, needle)
        assert before == dump(db)
        assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)
        assert "not to be replaced\n" == (tmp_path / "targets" / "kept.txt").read_text()
        assert [] == sorted(p.name for p in (tmp_path / "targets").glob(".aaib-*"))

    def test_export_into_a_file_or_symlink(self, db, tmp_path):
        """The public export refuses a file, a symlink or a non-empty folder as its folder."""
        (tmp_path / "full").mkdir()
        (tmp_path / "full" / "x").write_text("x")
        (tmp_path / "link").symlink_to(tmp_path / "full")
        for name, needle in [
            ("cases.db", "is a regular file"),
            ("link", "is a symbolic link"),
            ("full", "is a folder that is not empty"),
        ]:
            target = db.parent / name if name == "cases.db" else tmp_path / name
            result = invoke(db, "export", "--public", "-o", str(target))
            assert 1 == result.exit_code, result.output
            assert_one_line_refusal(result.output, needle)

    def test_subprocess_dev_null_survives(self, db):
        """As any user (root included), report -o /dev/null leaves the device node alone."""
        before = dump(db)
        result = aaib(db, *OUTPUT_COMMANDS["report"](Path("/dev/null")))
        assert 1 == result.returncode, result.stderr
        assert_one_line_refusal(result.stderr, "/dev/null is a character device")
        assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)
        assert before == dump(db)

    def test_subprocess_long_name(self, db, tmp_path):
        """A 300-character output name is one line in a real process."""
        result = aaib(db, *OUTPUT_COMMANDS["report"](tmp_path / f"{LONG_NAME}.html"))
        assert 1 == result.returncode
        assert_one_line_refusal(result.stderr, "File name too long")


class TestPrivateFiles:
    def test_new_database_evidence_and_outputs_are_private(self, db, tmp_path):
        """The database and its -wal/-shm are 0600, the evidence folder 0700, its files 0400."""
        fresh = tmp_path / "fresh.db"
        invoke(fresh, "init")
        assert 0o600 == stat.S_IMODE(fresh.stat().st_mode)
        for suffix in ("-wal", "-shm"):  # present while a connection is open
            assert not Path(f"{fresh}{suffix}").exists()
        evidence = db.parent / "cases-evidence"
        assert 0o700 == stat.S_IMODE(evidence.stat().st_mode)
        assert {0o400} == {stat.S_IMODE(p.stat().st_mode) for p in evidence.iterdir()}
        report = tmp_path / "r.html"
        assert 0 == invoke(db, *OUTPUT_COMMANDS["report"](report)).exit_code
        assert 0o600 == stat.S_IMODE(report.stat().st_mode)

    def test_wal_files_share_the_database_mode(self, tmp_path):
        """While a command runs, SQLite creates -wal and -shm with the database's 0600."""
        from aaib_cp.db import Store

        fresh = tmp_path / "fresh.db"
        invoke(fresh, "init")
        with Store.open(fresh) as store, store.transaction():
            store.db.execute("CREATE TABLE IF NOT EXISTS scratch (x)")
            modes = {stat.S_IMODE(Path(f"{fresh}{s}").stat().st_mode) for s in ("-wal", "-shm")}
        assert {0o600} == modes

    def test_replaced_output_keeps_its_mode(self, db, tmp_path):
        """A report written over an existing regular file keeps that file's permissions."""
        report = tmp_path / "r.html"
        report.write_text("old")
        report.chmod(0o644)
        assert 0 == invoke(db, *OUTPUT_COMMANDS["report"](report)).exit_code
        assert 0o644 == stat.S_IMODE(report.stat().st_mode)
        assert report.read_text().startswith("<!DOCTYPE html>")


class TestSymlinkedDatabase:
    def test_evidence_is_found_through_a_symlink(self, db, tmp_path):
        """A database reached through a symlink in another folder finds its evidence files."""
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        link = elsewhere / "link.db"
        link.symlink_to(db)
        result = invoke(link, "evidence", "verify", CASE)
        assert 0 == result.exit_code, result.output
        assert "Evidence intact: 1 stored file(s) verified.\n" == result.output
        assert 0 == invoke(link, "audit", "verify").exit_code
        assert aaib(link, "evidence", "verify", CASE).returncode == 0

    @pytest.mark.parametrize("kind", ["fifo", "zero", "folder"])
    def test_database_must_be_a_regular_file(self, hostile, kind):
        """--db naming a FIFO, a device or a folder is one line (and never blocks)."""
        result = aaib(hostile[kind], "list", timeout=30)
        assert 1 == result.returncode
        assert_one_line_refusal(result.stderr, "not a database file")

    def test_demo_never_waits_on_a_fifo(self, hostile):
        """aaib demo --db FIFO is refused at once (SQLite would wait on it for a writer)."""
        done = subprocess.run(
            [sys.executable, "-m", "aaib_cp", "demo", "--db", str(hostile["fifo"])],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert 1 == done.returncode
        assert_one_line_refusal(done.stderr, "exists and is not a demo database")

    def test_read_commands_leave_the_file_alone(self, db):
        """list, history, audit verify and the rest open read-only: the file's bytes stay."""
        before = digest(db)
        for args in (["list"], ["history", CASE], ["audit", "verify"], ["deadlines"]):
            assert 0 == invoke(db, *args).exit_code
        assert before == digest(db)
