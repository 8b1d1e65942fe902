"""Helpers for the file and operating-system attack tests: a case database, and root made ordinary.

The tests may run as root, for whom file permissions do not apply: a 0444 file
is writable. :func:`without_dac_override` lowers the capabilities that let root
ignore permissions (in this thread, reversibly), and :func:`aaib` does the same for
a real process with ``setpriv``; both leave a non-root user as they are.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from click.testing import CliRunner, Result

from aaib_cp.cli import cli
from tests.people import cli_args

LEAD = ["--actor", "Lee", "--role", "lead_investigator"]
CHIEF = ["--actor", "Chris", "--role", "chief_investigator"]
POLICE = "Northshire Police"
#: CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER: what lets root ignore file modes.
_DAC_CAPS = (1, 2, 3)
_SETPRIV_DROP = "-dac_override,-dac_read_search,-fowner"
IS_ROOT = os.geteuid() == 0


def dump(db: Path, *, immutable: bool = False) -> list[str]:
    """A logical dump of the database, to compare before and after (it writes nothing).

    ``immutable`` reads the file alone, where no ``-shm`` can be made (a full disk).
    """
    conn = sqlite3.connect(f"file:{db}?mode=ro{'&immutable=1' if immutable else ''}", uri=True)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def digest(path: Path) -> str:
    """The SHA-256 of a file's bytes (the database file must not change on a read)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def invoke(db: Path, *args: str) -> Result:
    """Run ``aaib --db DB ARGS`` in this process (``--actor NAME`` signs NAME in)."""
    full, signed = cli_args(db, list(args))
    return CliRunner().invoke(
        cli, ["--db", str(db), *full], env={"AAIB_SYNCHRONOUS": "OFF", **signed}
    )


def ok(db: Path, *args: str) -> str:
    result = invoke(db, *args)
    assert 0 == result.exit_code, result.output
    return result.output


def build_case(db: Path, evidence_file: Path) -> str:
    """A database with one case in 'evidence', an agency, a child and an item with a file."""
    ok(db, "init")
    case = ok(
        db, "--actor", "Ana", "--role", "notifier", "notify", "--title", "Child A",
        "--known-on", "2026-01-05",
    ).strip()  # fmt: skip
    ok(db, *CHIEF, "advance", case, "start_triage")
    ok(
        db, *CHIEF, "advance", case, "decide_investigate", "--set", "classification=other",
        "--set", "depth=field", "--reason", "r",
    )  # fmt: skip
    ok(db, *CHIEF, "team", "appoint", case, "Lee", "--as", "lead_investigator")
    ok(db, *LEAD, "advance", case, "agree_scope", "--set", "terms_of_reference=t")
    ok(db, *LEAD, "agency", "add", case, POLICE, "--kind", "police")
    ok(db, *LEAD, "person", "add", case, "Jo Bloggs", "--as", "child", "--dob", "2020-01-02")
    evidence_file.write_text("A police log (fictional).\n")
    ok(
        db, *LEAD, "evidence", "add", case, "--kind", "document", "--description", "Log",
        "--obtained-how", "requested", "--obtained-on", "2026-01-20", "--agency", POLICE,
        "--file", str(evidence_file),
    )  # fmt: skip
    ok(
        db, *LEAD, "chronology", "add", case, "--when", "2026-01-14", "--agency", POLICE,
        "--what", "Call-out; child present", "--evidence", "E1",
    )  # fmt: skip
    return case


def copy_database(source: Path, folder: Path) -> Path:
    """Copy a (closed) database and its evidence folder into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    shutil.copy2(source, target)
    evidence = source.parent / f"{source.stem}-evidence"
    if evidence.exists():
        shutil.copytree(evidence, folder / evidence.name)
    return target


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _capabilities() -> tuple[ctypes.CDLL, _CapHeader, ctypes.Array[_CapData]]:
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (_CapData * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget failed")
    return libc, header, data


@contextlib.contextmanager
def without_dac_override() -> Iterator[None]:
    """File permissions apply in this thread, even as root (a no-op for other users)."""
    if not IS_ROOT:
        yield
        return
    libc, header, data = _capabilities()
    saved = data[0].effective
    data[0].effective = saved & ~sum(1 << cap for cap in _DAC_CAPS)
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")
    try:
        yield
    finally:
        data[0].effective = saved
        libc.capset(ctypes.byref(header), data)


def can_drop_root_powers() -> bool:
    """True when the process is not root, or root can give up ignoring file modes."""
    if not IS_ROOT:
        return True
    return shutil.which("setpriv") is not None and sys.platform.startswith("linux")


def aaib(
    db: Path, *args: str, as_ordinary_user: bool = False, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run ``aaib --db DB ARGS`` in a real process (file modes enforced if asked, even as root)."""
    full, signed = cli_args(db, list(args))
    command: Sequence[str] = [sys.executable, "-m", "aaib_cp", "--db", str(db), *full]
    if as_ordinary_user and IS_ROOT:
        command = [
            "setpriv", "--bounding-set", _SETPRIV_DROP, "--inh-caps", _SETPRIV_DROP, *command,
        ]  # fmt: skip
    env = {**os.environ, "AAIB_SYNCHRONOUS": "OFF", **signed}
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)


def assert_one_line_refusal(output: str, needle: str) -> None:
    """The error is exactly one line, holds ``needle``, and no traceback."""
    lines = output.strip().splitlines()
    assert 1 == len(lines), output
    assert needle in lines[0], output
    assert "Traceback" not in output
