"""Crash and concurrency safety, with real processes.

A worker firing transitions is killed with SIGKILL at random moments; afterwards
the database is intact, the audit chains verify and every state equals the
replay of its events. Two processes racing on one case: exactly one wins.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from aaib_cp import Engine, Store, load_workflow
from tests.people import as_role, signed_in

WORKER = Path(__file__).with_name("crash_worker.py")
KILLS = 8


def make_db(path: Path, cases: int) -> list[str]:
    store = Store.open(path, create=True)
    engine = Engine(store)
    workflow = load_workflow("child-protection")
    ids = []
    for i in range(cases):
        case = engine.open_case(
            workflow, title=f"Child {i}", known_on=date(2026, 1, 5), **as_role("Ana", "notifier")
        )
        engine.fire(case.id, "start_triage", **as_role("Chris", "chief_investigator"))
        ids.append(case.id)
    store.close()
    return ids


def aaib(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AAIB_DB": str(db),
        "AAIB_ROLE": "chief_investigator",
        **signed_in(db, "Chris", "chief_investigator"),
    }
    return subprocess.run(
        [sys.executable, "-m", "aaib_cp", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_at_random_moments_loses_nothing(tmp_path):
    """After repeated SIGKILLs mid-write: integrity ok, chains verify, states equal replay."""
    db = tmp_path / "crash.db"
    ids = make_db(db, cases=4)
    rng = random.Random(20261123)
    fired = 0
    for _ in range(KILLS):
        proc = subprocess.Popen(
            [sys.executable, str(WORKER), str(db)], stdout=subprocess.PIPE, text=True
        )
        assert "running" == proc.stdout.readline().strip()
        time.sleep(rng.uniform(0.02, 0.25))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
        assert -signal.SIGKILL == proc.returncode
    with sqlite3.connect(db) as conn:
        assert [("ok",)] == conn.execute("PRAGMA integrity_check").fetchall()
        fired = conn.execute("SELECT count(*) FROM events WHERE kind = 'transition'").fetchone()[0]
    assert fired > len(ids) + KILLS  # the workers really did work between kills
    result = aaib("audit", "verify", db=db)
    assert 0 == result.returncode, result.stdout + result.stderr
    with Store.open(db) as store:
        engine = Engine(store)
        for case_id in ids:
            case = engine.get(case_id)
            assert (case.state, case.previous_state) == engine.replay(case_id)


def test_two_processes_race_exactly_one_wins(tmp_path):
    """Two processes fire conflicting transitions on the case version they both saw."""
    db = tmp_path / "race.db"
    ids = make_db(db, cases=3)
    for case_id in ids:
        with Store.open(db) as store:
            version = str(store.get_case(case_id).version)
        env = {
            **os.environ,
            "AAIB_DB": str(db),
            "AAIB_ROLE": "chief_investigator",
            **signed_in(db, "Chris", "chief_investigator"),
        }
        commands = [
            [
                sys.executable,
                "-m",
                "aaib_cp",
                "advance",
                case_id,
                "discontinue",
                "--reason",
                "family moved abroad",
                "--expect-version",
                version,
            ],
            [
                sys.executable,
                "-m",
                "aaib_cp",
                "advance",
                case_id,
                "decide_investigate",
                "--set",
                "classification=other",
                "--set",
                "depth=field",
                "--reason",
                "lessons",
                "--expect-version",
                version,
            ],
        ]
        procs = [
            subprocess.Popen(c, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for c in commands
        ]
        outputs = [p.communicate(timeout=60) for p in procs]
        results = [(p.returncode, out, err) for p, (out, err) in zip(procs, outputs, strict=True)]
        codes = sorted(code for code, _, _ in results)
        assert [0, 1] == codes, results
        loser = next(r for r in results if r[0] == 1)
        assert "changed underneath you" in loser[2]
        assert 1 == len(loser[2].strip().splitlines())
    assert 0 == aaib("audit", "verify", db=db).returncode


def test_stale_read_in_process_fails_cleanly(tmp_path):
    """Two engines on two connections: the second write based on a stale read fails."""
    db = tmp_path / "stale.db"
    (case_id,) = make_db(db, cases=1)
    first, second = Store.open(db), Store.open(db)
    try:
        stale = second.get_case(case_id)
        Engine(first).fire(
            case_id, "discontinue", **as_role("Chris", "chief_investigator"), reason="r"
        )
        from aaib_cp import StaleCaseError

        with pytest.raises(StaleCaseError, match="changed underneath you"), second.transaction():
            second.update_case(stale, at=stale.opened_at, state="scoping")
        assert "discontinued" == second.get_case(case_id).state
    finally:
        first.close()
        second.close()
