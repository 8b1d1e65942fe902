"""Attacks on a sealed, checkpointed demo database, each made with a plain SQLite
connection (as an insider with write access to the file would), and each caught by
``aaib audit verify`` in one line naming the case (or the schema object), exit 1.

The insider rewrites use the project's own hashing code (``event_hash``); only the
tests marked "with the key" also use the audit key, and those are caught by the
signed checkpoint log or the witness's copy of a checkpoint.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from aaib_cp.cli import cli
from aaib_cp.db.keys import KeyRing
from aaib_cp.workflow.audit import event_hash, event_mac, head_mac
from tests.people import signed_in

CASE = "CP-2026-0001"  # the demo's case, closed, opened before the key existed
OPEN = "CP-2026-0002"  # opened after the key, still open


def aaib(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AAIB_")}
    env |= {"AAIB_DB": str(db), "AAIB_ROLE": "chief_investigator"}
    if args[0] != "demo":  # the demo's administrator and chief, who may also notify here
        env |= signed_in(db, "Chris Ode", "chief_investigator", "notifier")
    return subprocess.run(
        [sys.executable, "-m", "aaib_cp", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo, upgraded with an audit key by `aaib init`, checkpointed for a witness."""
    folder = tmp_path_factory.mktemp("sealed")
    db = folder / "aaib.db"
    assert 0 == aaib(db, "demo", "--db", str(db)).returncode
    init = aaib(db, "init")
    assert "Upgraded" in init.stdout and "1 case(s) sealed" in init.stdout, init.stdout
    opened = aaib(
        db, "notify", "--title", "Child B", "--known-on", "2026-11-18", "--role", "notifier"
    )
    assert OPEN == opened.stdout.strip(), opened.stderr
    assert 0 == aaib(db, "advance", OPEN, "start_triage").returncode
    taken = aaib(db, "audit", "checkpoint", "-o", str(folder / "witness.json"))
    assert 0 == taken.returncode, taken.stderr
    return folder


@pytest.fixture
def db(sealed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the sealed database, its evidence, keys and witness file."""
    monkeypatch.delenv("AAIB_KEY_DIR", raising=False)
    shutil.copytree(sealed, tmp_path / "copy")
    return tmp_path / "copy" / "aaib.db"


def broken(db: Path, *args: str) -> list[str]:
    """verify's problem lines; asserts it failed with exit 1 and no traceback."""
    result = aaib(db, "audit", "verify", *args)
    assert 1 == result.returncode, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return [line for line in result.stderr.splitlines() if not line.startswith("Note:")]


def one_line(db: Path, *expected: str, args: tuple[str, ...] = ()) -> None:
    (line,) = broken(db, *args)
    for part in expected:
        assert part in line, line


@contextlib.contextmanager
def tamper(db: Path) -> Iterator[sqlite3.Connection]:
    """A raw connection with every trigger dropped, then put back exactly as it was."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.row_factory = sqlite3.Row
    triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
    saved = [(r["name"], r["sql"]) for r in triggers]
    for name, _ in saved:
        conn.execute(f'DROP TRIGGER "{name}"')
    try:
        yield conn
    finally:
        for _, sql in saved:
            conn.execute(sql)
        conn.close()


def rechain(
    conn: sqlite3.Connection, key: tuple[str, bytes] | None = None, case: str = CASE
) -> None:
    """Recompute every hash of the case (and, with the key, every MAC) and its head."""
    prev = "0" * 64
    select = "SELECT * FROM events WHERE case_id = ? ORDER BY n"
    rows = [dict(r) for r in conn.execute(select, [case])]
    for n, row in enumerate(rows, start=1):
        row |= {"n": n, "prev_hash": prev}
        row["hash"] = event_hash(prev, row)
        row["mac"] = event_mac(*key, row["hash"]) if key else row["mac"]
        conn.execute(
            "UPDATE events SET n = ?, prev_hash = ?, hash = ?, mac = ? WHERE seq = ?",
            [n, prev, row["hash"], row["mac"], row["seq"]],
        )
        prev = row["hash"]
    last = len(rows)
    mac = head_mac(*key, case, last, prev) if key else None
    conn.execute(
        "UPDATE cases SET audit_n = ?, audit_hash = ?, audit_mac = coalesce(?, audit_mac)"
        " WHERE id = ?",
        [last, prev, mac, case],
    )


def test_the_sealed_demo_verifies(db):
    result = aaib(db, "audit", "verify", "--witness", str(db.parent / "witness.json"))
    assert 0 == result.returncode, result.stderr
    assert "Audit trail intact: 2 case(s) and 1 evidence file(s) verified." in result.stdout


def test_insider_rewrite_with_the_projects_hashing_is_detected(db):
    """Events 3 and 5 edited (actor, reason), every hash and the head recomputed."""
    with tamper(db) as conn:
        conn.execute("UPDATE events SET actor = 'Someone Else' WHERE case_id = ? AND n = 3", [CASE])
        conn.execute(
            "UPDATE events SET reason = 'nothing to see' WHERE case_id = ? AND n = 5", [CASE]
        )
        rechain(conn)
    # events 1-63 predate the key; the sealing event 64 authenticates all of them
    one_line(db, CASE, "event 64", "not authenticated by the audit key")


def test_insider_rewrite_of_a_case_keyed_from_the_start_names_the_event(tmp_path):
    db = tmp_path / "keyed.db"
    assert 0 == aaib(db, "init").returncode
    opened = aaib(
        db, "notify", "--title", "Child B", "--known-on", "2026-11-18", "--role", "notifier"
    )
    case = opened.stdout.strip()
    assert 0 == aaib(db, "advance", case, "start_triage").returncode
    assert 0 == aaib(db, "advance", case, "discontinue", "--reason", "moved away").returncode
    with tamper(db) as conn:
        conn.execute("UPDATE events SET reason = 'no reason' WHERE n = 3")
        rechain(conn, case=case)
    one_line(db, case, "event 3", "not authenticated by the audit key")


def test_erasing_refused_events_from_the_middle_is_detected(db):
    with tamper(db) as conn:
        conn.execute("DELETE FROM events WHERE case_id = ? AND kind = 'refused'", [CASE])
        rechain(conn)
    one_line(db, CASE, "not authenticated")


def test_truncation_with_the_head_fixed_is_detected(db):
    assert 0 == aaib(db, "advance", OPEN, "discontinue", "--reason", "moved away").returncode
    with tamper(db) as conn:
        conn.execute("DELETE FROM events WHERE case_id = ? AND n > 2", [OPEN])
        row = conn.execute("SELECT hash FROM events WHERE case_id = ? AND n = 2", [OPEN]).fetchone()
        conn.execute("UPDATE cases SET audit_n = 2, audit_hash = ? WHERE id = ?", [row[0], OPEN])
        conn.execute(
            "UPDATE cases SET state = 'triage', previous_state = NULL WHERE id = ?", [OPEN]
        )
    one_line(db, OPEN, "event 2", "recorded head", "not authenticated")


def test_truncation_back_to_an_earlier_real_head_is_caught_by_the_checkpoint(db):
    """The insider keeps the head row (with its MAC) from before later events: chain and
    MACs all hold; only the signed checkpoint shows the events were there."""
    select = "SELECT audit_n, audit_hash, audit_mac FROM cases WHERE id = ?"
    with sqlite3.connect(db) as conn:
        saved = conn.execute(select, [OPEN]).fetchone()
        states = conn.execute("SELECT state, previous_state FROM cases WHERE id = ?", [OPEN])
        state = states.fetchone()
    assert 0 == aaib(db, "advance", OPEN, "discontinue", "--reason", "moved away").returncode
    assert 0 == aaib(db, "audit", "checkpoint").returncode
    with tamper(db) as conn:
        conn.execute("DELETE FROM events WHERE case_id = ? AND n > ?", [OPEN, saved[0]])
        conn.execute("UPDATE cases SET state = ?, previous_state = ? WHERE id = ?", [*state, OPEN])
        conn.execute(
            "UPDATE cases SET audit_n = ?, audit_hash = ?, audit_mac = ? WHERE id = ?",
            [*saved, OPEN],
        )
    one_line(db, OPEN, "rolled back or truncated", f"{saved[0]} event(s)")


def test_a_deleted_case_is_detected(db):
    with tamper(db) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            if "case_id" in columns:
                conn.execute(f'DELETE FROM "{table}" WHERE case_id = ?', [CASE])
        conn.execute("DELETE FROM cases WHERE id = ?", [CASE])
    lines = broken(db)
    assert any(CASE in line and "deleted" in line for line in lines), lines
    assert any("1 case(s)" in line and "holds 2" in line for line in lines), lines


def test_restoring_an_older_copy_is_detected(db, tmp_path):
    older = tmp_path / "older.db"
    with sqlite3.connect(db) as src, sqlite3.connect(older) as dst:
        src.backup(dst)
    assert 0 == aaib(db, "advance", OPEN, "discontinue", "--reason", "moved away").returncode
    assert 0 == aaib(db, "audit", "checkpoint").returncode
    shutil.copyfile(older, db)
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    one_line(db, OPEN, "rolled back or truncated")


def test_rechained_by_a_key_holder_is_caught_by_the_checkpoint_and_the_witness(db):
    """An insider with the audit key rewrites event 3 and recomputes hashes and MACs."""
    key = KeyRing.load(db.parent / "aaib-keys").current
    assert key is not None
    with tamper(db) as conn:
        conn.execute("UPDATE events SET actor = 'Someone Else' WHERE case_id = ? AND n = 3", [CASE])
        rechain(conn, key)
    one_line(db, CASE, "re-chained")
    # ... and when the checkpoint log is removed as well, the witness's copy catches it
    (db.parent / "aaib-keys" / "checkpoints.log").unlink()
    assert 0 == aaib(db, "audit", "verify").returncode
    witness = str(db.parent / "witness.json")
    lines = broken(db, "--witness", witness)
    assert any(CASE in line and "re-chained" in line for line in lines), lines
    assert any("log lacks its checkpoint" in line for line in lines), lines


def test_dropped_append_only_triggers_are_detected(db):
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TRIGGER events_no_update")
    one_line(db, "schema: trigger events_no_update is missing")


@pytest.mark.parametrize(
    ("sql", "record"),
    [
        (
            f"UPDATE cases SET fields = json_set(fields, '$.depth', 'desk') WHERE id = '{CASE}'",
            f"cases {CASE}",
        ),
        ("UPDATE team SET appointed_by = 'Lee Park' WHERE role = 'lead_investigator'", "team/"),
        ("UPDATE findings SET text = 'No one could have known' WHERE ref = 'F1'", "findings F1"),
        ("UPDATE chronology_entries SET what = 'Nothing happened' WHERE ref = 'C2'", "C2"),
        (
            "UPDATE recommendations SET text = 'Carry on' WHERE ref = 'CP-2026-0001-SR01'",
            "recommendations CP-2026-0001-SR01",
        ),
    ],
)
def test_edited_records_are_detected_naming_case_and_record(db, sql, record):
    with tamper(db) as conn:
        assert 1 == conn.execute(sql).rowcount
    one_line(db, CASE, record, "changed since this event wrote it")


def test_swapped_evidence_file_with_updated_sha256_is_detected(db):
    folder = db.parent / "aaib-evidence"
    (old,) = list(folder.iterdir())
    forged = b"a different case record"
    sha = hashlib.sha256(forged).hexdigest()
    (folder / sha).write_bytes(forged)
    old.chmod(0o600)
    old.unlink()
    with tamper(db) as conn:
        conn.execute("UPDATE evidence_items SET sha256 = ? WHERE ref = 'E1'", [sha])
    one_line(db, CASE, "evidence_items E1", "changed since this event wrote it")


def test_an_added_record_is_detected(db):
    with tamper(db) as conn:
        conn.execute(
            "INSERT INTO findings (case_id, ref, kind, text, added_at, added_by)"
            " VALUES (?, 'F9', 'finding', 'Invented', '2026-01-01', 'x')",
            [CASE],
        )
    one_line(db, CASE, "findings F9", "not written by any event")


def test_verify_json_and_checkpoint_through_clirunner(db, monkeypatch):
    monkeypatch.setenv("AAIB_DB", str(db))
    runner = CliRunner()
    found = runner.invoke(cli, ["audit", "verify", "--json"])
    assert 0 == found.exit_code, found.output
    data = json.loads(found.output)
    assert data["keyed"] and data["checkpoint"] and not data["broken"] and not data["problems"]
    taken = runner.invoke(cli, ["audit", "checkpoint", "--json"])
    assert 0 == taken.exit_code, taken.output
    body = json.loads(taken.output)["checkpoint"]
    assert 2 == body["seq"] and 2 == body["case_count"]
    assert [64, 2] == [body["cases"][CASE][0], body["cases"][OPEN][0]]


def test_checkpoint_refuses_a_tampered_database(db):
    with tamper(db) as conn:
        conn.execute("UPDATE findings SET text = 'edited' WHERE ref = 'F1'")
    result = aaib(db, "audit", "checkpoint")
    assert 1 == result.returncode
    assert result.stderr.startswith("Error: no checkpoint taken: the database does not verify")
    assert 1 == len(result.stderr.strip().splitlines())


def test_a_rotated_key_still_verifies_older_events(db):
    rotated = aaib(db, "audit", "rotate-key")
    assert 0 == rotated.returncode and "retired" in rotated.stdout
    assert 0 == aaib(db, "advance", OPEN, "discontinue", "--reason", "moved away").returncode
    assert 0 == aaib(db, "audit", "verify").returncode
    keys = sorted(p.name for p in (db.parent / "aaib-keys").glob("audit*.key"))
    assert 2 == len(keys)


def test_a_key_rings_repr_names_its_keys_never_shows_them(db):
    """A repr ends up in logs and tracebacks: the key ids only, not the key bytes."""
    ring = KeyRing.load(db.parent / "aaib-keys")
    assert ring.keys and ring.current_id in repr(ring)
    for key in ring.keys.values():
        assert repr(key) not in repr(ring) and key.hex() not in repr(ring)
