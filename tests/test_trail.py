"""The audit head in the case row, and a transition written in one UPDATE and one INSERT."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from aaib_cp import StaleCaseError
from aaib_cp.db import Store
from aaib_cp.oversight import verify
from aaib_cp.workflow.engine import Engine
from tests.people import as_role

FIXTURE = Path(__file__).with_name("fixtures") / "previous-release.db"
CHIEF = as_role("Chris", "chief_investigator")


def opened(engine: Engine, workflow) -> str:
    case = engine.open_case(
        workflow, title="Child A", known_on=date(2026, 2, 25), **as_role("Ana", "notifier")
    )
    engine.fire(case.id, "start_triage", **CHIEF)
    return case.id


def intact(engine: Engine, case_id: str) -> None:
    found = verify(engine, case_id)
    assert found.intact, (found.broken, found.problems)


def test_the_migration_moves_every_head_into_its_case_row(tmp_path):
    db = tmp_path / "old.db"
    shutil.copy(FIXTURE, db)
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT case_id, n, hash FROM audit_heads").fetchall()
    before = {case: (n, h, None) for case, n, h in rows}  # no MAC before 0003_integrity
    assert before
    with Store.open(db) as store:
        assert before == store.heads()
        tables = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master")}
        assert "audit_heads" not in tables


def test_a_head_moved_since_the_case_was_read_is_chained_from(engine, store, workflow):
    """A refusal appended after the case was read (same version, later head): the move
    reads the row again inside the transaction and chains from the real head."""
    case_id = opened(engine, workflow)
    case = store.get_case(case_id)
    actor = engine.access.current(CHIEF["actor"])
    engine.access.record_refusal(
        case, actor=actor, role="chief_investigator", trigger="x", message="no", blockers=[]
    )
    with store.transaction():
        event = store.move_case(
            case, at=engine.clock(), actor=actor, role="chief_investigator",
            trigger="suspend", to_state="suspended", reason="why",
        )  # fmt: skip
    assert (4, event.hash) == store.audit_head(case_id)
    assert engine.verify(case_id) is None
    intact(engine, case_id)


def test_a_case_changed_since_it_was_read_is_stale_and_nothing_is_written(engine, store, workflow):
    case_id = opened(engine, workflow)
    case = store.get_case(case_id)
    engine.fire(case_id, "suspend", **CHIEF, reason="first")
    head = store.audit_head(case_id)
    actor = engine.access.current(CHIEF["actor"])
    with pytest.raises(StaleCaseError), store.transaction():
        store.move_case(
            case, at=engine.clock(), actor=actor, role="chief_investigator",
            trigger="suspend", to_state="suspended", reason="second",
        )  # fmt: skip
    assert head == store.audit_head(case_id)
    assert "suspended" == store.get_case(case_id).state


def test_a_move_whose_update_triggers_write_other_rows_records_and_verifies(
    engine, store, workflow
):
    """The first move after the public index was refreshed marks the case stale again
    (a trigger's row, not a case record): the log is read, and only the case row is on
    the event."""
    case_id = opened(engine, workflow)
    with store.transaction():
        store.db.execute("DELETE FROM public_index_stale WHERE case_id = ?", [case_id])
    event = engine.fire(case_id, "suspend", **CHIEF, reason="why")
    content = json.loads(store.event_rows(case_id)[-1]["content"])
    assert [f'cases/["{case_id}"]'] == list(content)
    assert event.hash == store.audit_head(case_id)[1]
    marked = store.db.execute(
        "SELECT count(*) FROM public_index_stale WHERE case_id = ?", [case_id]
    )
    assert 1 == marked.fetchone()[0]
    intact(engine, case_id)


def test_fields_set_by_a_move_are_hashed_as_stored(engine, store, workflow):
    case_id = opened(engine, workflow)
    engine.fire(
        case_id,
        "decide_investigate",
        **CHIEF,
        reason="why",
        fields={"classification": "child_death", "depth": "formal"},
    )
    assert {"classification": "child_death", "depth": "formal"} == dict(
        store.get_case(case_id).fields
    )
    intact(engine, case_id)
    with store.transaction():  # a field edited behind the engine's back
        store.db.execute(
            "UPDATE cases SET fields = json_set(fields, '$.depth', 'desk') WHERE id = ?",
            [case_id],
        )
    assert not verify(engine, case_id).intact
