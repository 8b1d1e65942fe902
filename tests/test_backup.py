"""Backups that restore: `aaib backup` / `aaib restore`, and Litestream replication to a
file replica restored with `litestream restore`; each followed by a passing
`aaib audit verify` with every record present."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from aaib_cp.cli import cli
from tests.test_integrity_attacks import CASE, OPEN, aaib
from tests.test_integrity_attacks import sealed as sealed  # the shared fixture

TABLES = ("cases", "events", "team", "findings", "chronology_entries", "evidence_items")


def counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


@pytest.fixture
def live(sealed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("AAIB_KEY_DIR", raising=False)
    shutil.copytree(sealed, tmp_path / "live")
    return tmp_path / "live" / "aaib.db"


def test_backup_restore_round_trip(live, tmp_path):
    before = counts(live)
    dest = tmp_path / "backup"
    made = aaib(live, "backup", str(dest))
    assert 0 == made.returncode, made.stderr
    assert f"Backed up {live} to {dest} (1 evidence file(s)); verified." == made.stdout.strip()
    assert not (dest / "aaib-keys" / "audit.key").exists()  # secret keys stay in custody
    assert 0o600 == (dest / "aaib.db").stat().st_mode & 0o777
    # the disaster: database and evidence lost; the key folder survives with its custodian
    for path in live.parent.glob("aaib.db*"):
        path.unlink()
    shutil.rmtree(live.parent / "aaib-evidence")
    restored = aaib(live, "restore", str(dest))
    assert 0 == restored.returncode, restored.stderr
    assert before == counts(live)
    verified = aaib(live, "audit", "verify")
    assert 0 == verified.returncode, verified.stderr
    assert "2 case(s) and 1 evidence file(s) verified" in verified.stdout


def test_restore_refuses_to_overwrite_and_checks_the_manifest(live, tmp_path, monkeypatch):
    dest = tmp_path / "backup"
    monkeypatch.setenv("AAIB_DB", str(live))
    runner = CliRunner()
    assert 0 == runner.invoke(cli, ["backup", str(dest)]).exit_code
    refused = runner.invoke(cli, ["restore", str(dest)])
    assert 1 == refused.exit_code
    assert f"Error: {live} exists; restore over it with --force\n" == refused.output
    again = runner.invoke(cli, ["backup", str(dest)])
    assert 1 == again.exit_code and "already exists" in again.output
    with sqlite3.connect(dest / "aaib.db") as conn:
        conn.execute("UPDATE cases SET title = 'edited in the backup'")
    altered = runner.invoke(cli, ["restore", "--force", str(dest)])
    assert 1 == altered.exit_code
    assert "aaib.db does not match the manifest (altered)" in altered.output
    assert 0 == aaib(live, "audit", "verify").returncode  # the live database is unchanged


def test_restoring_an_old_backup_reports_the_rollback(live, tmp_path):
    dest = tmp_path / "backup"
    assert 0 == aaib(live, "backup", str(dest)).returncode
    assert 0 == aaib(live, "advance", OPEN, "discontinue", "--reason", "moved").returncode
    assert 0 == aaib(live, "audit", "checkpoint").returncode
    restored = aaib(live, "restore", "--force", str(dest))
    assert 1 == restored.returncode
    assert f"case {OPEN}: its events: rolled back or truncated" in restored.stderr
    assert 1 == len(restored.stderr.splitlines())


def _litestream() -> str | None:
    exe = shutil.which("litestream") or str(Path(sys.executable).with_name("litestream"))
    try:
        ok = subprocess.run([exe, "version"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return None
    return exe if ok else None


def test_litestream_replicate_and_restore_round_trip(live, tmp_path):
    """Replicate to a file replica while commands write, restore with `litestream restore`,
    and verify the restored copy with the original keys and evidence."""
    exe = _litestream()
    if exe is None:
        pytest.skip("the litestream binary cannot run on this platform")
    config = tmp_path / "litestream.yml"
    config.write_text(
        f"dbs:\n  - path: {live}\n    replica:\n      type: file\n"
        f"      path: {tmp_path / 'replica'}\n      sync-interval: 100ms\n"
    )
    proc = subprocess.Popen(
        [exe, "replicate", "-config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(1.5)
        assert 0 == aaib(live, "advance", OPEN, "discontinue", "--reason", "moved").returncode
        opened = aaib(
            live, "notify", "--title", "Child C", "--known-on", "2026-11-20", "--role", "notifier"
        )
        assert 0 == opened.returncode
        time.sleep(2.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    restored = tmp_path / "site-b" / "aaib.db"
    restored.parent.mkdir()
    result = subprocess.run(
        [exe, "restore", "-config", str(config), "-o", str(restored), str(live)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert 0 == result.returncode, result.stderr
    shutil.copytree(live.parent / "aaib-evidence", restored.parent / "aaib-evidence")
    assert counts(live) == counts(restored)
    env_keys = {**os.environ, "AAIB_KEY_DIR": str(live.parent / "aaib-keys")}
    verified = subprocess.run(
        [sys.executable, "-m", "aaib_cp", "--db", str(restored), "audit", "verify", "--json"],
        capture_output=True,
        text=True,
        env=env_keys,
        timeout=120,
    )
    assert 0 == verified.returncode, verified.stderr
    data = json.loads(verified.stdout)
    assert data["keyed"] and data["checkpoint"] and 3 == data["checked"]
    assert CASE in {r[0] for r in sqlite3.connect(restored).execute("SELECT id FROM cases")}
