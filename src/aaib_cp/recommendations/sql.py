"""SQL for recommendations, their responses and safety actions; the schema of this phase.

References (``CP-2026-0001-SR01``, ``SA1``) come from the per-case counters of
:mod:`aaib_cp.evidence.sql`, so none is ever reused. The consultation and feedback
tables made by ``safety_0001`` are read and written by
:mod:`aaib_cp.recommendations.sql_consultation`; notes, protection marks and
disclosures belong to :mod:`aaib_cp.evidence.sql_protection`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from aaib_cp.db.connection import Database, Migrations, fetch_rows
from aaib_cp.db.facts import FactRegistry
from aaib_cp.db.store import Store
from aaib_cp.recommendations.model import (
    Recommendation,
    Response,
    SafetyAction,
    settle_messages,
)
from aaib_cp.workflow.model import EventKind

__all__ = [
    "close_recommendation",
    "insert_recommendation",
    "insert_response",
    "insert_safety_action",
    "issue",
    "recommendations",
    "safety_actions",
    "set_assessment",
]

#: This module's schema changes, in order (joined by :mod:`aaib_cp.wiring`).
MIGRATIONS = Migrations()
#: This module's facts about a case (joined by :mod:`aaib_cp.wiring`).
FACTS = FactRegistry()

_SCHEMA = [
    """
    CREATE TABLE recommendations (
        id INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        ref TEXT NOT NULL UNIQUE,
        addressee TEXT NOT NULL,
        agency_id INTEGER REFERENCES agencies(id),
        text TEXT NOT NULL,
        priority TEXT NOT NULL,
        findings TEXT NOT NULL DEFAULT '[]',
        status TEXT NOT NULL DEFAULT 'open',
        issued_on TEXT,
        response_due TEXT,
        close_reason TEXT,
        added_at TEXT NOT NULL,
        added_by TEXT NOT NULL
    )
    """,
    """
    CREATE TRIGGER recommendations_fixed BEFORE UPDATE OF case_id, ref, addressee, agency_id,
        text, priority, findings ON recommendations
    BEGIN SELECT RAISE(ABORT, 'a recommendation is fixed once recorded: add a new one'); END
    """,
    """
    CREATE TRIGGER recommendations_no_delete BEFORE DELETE ON recommendations
    BEGIN SELECT RAISE(ABORT, 'recommendations cannot be deleted: close them instead'); END
    """,
    """
    CREATE TABLE recommendation_responses (
        id INTEGER PRIMARY KEY,
        recommendation_id INTEGER NOT NULL REFERENCES recommendations(id),
        n INTEGER NOT NULL,
        text TEXT NOT NULL,
        received_on TEXT NOT NULL,
        assessment_due TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        recorded_by TEXT NOT NULL,
        grade TEXT,
        assessment TEXT,
        assessed_on TEXT,
        assessed_by TEXT,
        UNIQUE (recommendation_id, n)
    )
    """,
    """
    CREATE TABLE safety_actions (
        id INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        ref TEXT NOT NULL,
        organisation TEXT NOT NULL,
        agency_id INTEGER REFERENCES agencies(id),
        text TEXT NOT NULL,
        taken_on TEXT,
        recorded_at TEXT NOT NULL,
        recorded_by TEXT NOT NULL,
        UNIQUE (case_id, ref)
    )
    """,
    """
    CREATE TABLE consultation_parties (
        id INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        label TEXT NOT NULL,
        kind TEXT NOT NULL,
        sent_on TEXT NOT NULL,
        due_on TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        recorded_by TEXT NOT NULL,
        UNIQUE (case_id, label COLLATE NOCASE)
    )
    """,
    """
    CREATE TABLE representations (
        id INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        ref TEXT NOT NULL,
        party_id INTEGER NOT NULL REFERENCES consultation_parties(id),
        text TEXT,
        received_on TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        recorded_by TEXT NOT NULL,
        disposition TEXT,
        disposition_reason TEXT,
        disposed_at TEXT,
        disposed_by TEXT,
        UNIQUE (case_id, ref)
    )
    """,
    """
    CREATE TABLE feedback_sessions (
        id INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        held_on TEXT NOT NULL,
        audience TEXT NOT NULL,
        attendees TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        recorded_by TEXT NOT NULL
    )
    """,
    """CREATE INDEX recommendations_case ON recommendations(case_id)""",
    """CREATE INDEX recommendations_open ON recommendations(status, issued_on)""",
]


@MIGRATIONS.register("safety_0001")
def safety_schema(db: Database) -> None:
    """Recommendations and responses, safety actions, consultation and feedback."""
    for statement in _SCHEMA:
        db.execute(statement)


# -- recommendations ---------------------------------------------------------------
def insert_recommendation(
    store: Store,
    case_id: str,
    *,
    ref: str,
    addressee: str,
    agency_id: int | None,
    text: str,
    priority: str,
    findings: Sequence[str],
    at: datetime,
    by: str,
) -> None:
    """Record a (draft) recommendation."""
    store.db.execute(
        "INSERT INTO recommendations (case_id, ref, addressee, agency_id, text, priority,"
        " findings, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            case_id,
            ref,
            addressee,
            agency_id,
            text,
            priority,
            json.dumps(list(findings)),
            at.isoformat(),
            by,
        ],
    )


def _build(rows: list[dict[str, Any]], responses: list[dict[str, Any]]) -> list[Recommendation]:
    by_rec: dict[int, list[Response]] = {}
    for r in responses:
        by_rec.setdefault(r["recommendation_id"], []).append(Response.from_row(r))
    out = []
    for r in rows:
        out.append(
            Recommendation(
                id=int(r["id"]),
                case_id=r["case_id"],
                ref=r["ref"],
                addressee=r["addressee"],
                addressee_is_agency=r["agency_id"] is not None,
                text=r["text"],
                priority=r["priority"],
                findings=tuple(json.loads(r["findings"])),
                status=r["status"],
                added_at=datetime.fromisoformat(r["added_at"]),
                added_by=r["added_by"],
                issued_on=date.fromisoformat(r["issued_on"]) if r["issued_on"] else None,
                response_due=date.fromisoformat(r["response_due"]) if r["response_due"] else None,
                close_reason=r["close_reason"],
                responses=tuple(by_rec.get(int(r["id"]), ())),
            )
        )
    return out


def recommendations(
    db: Database | Store, case_id: str | None = None, *, issued_open: bool = False
) -> list[Recommendation]:
    """A case's recommendations (or every case's), in reference order, with their responses.

    ``issued_open`` keeps only issued, open ones (what ``overdue`` looks at).
    """
    db = db.db if isinstance(db, Store) else db
    where, params = [], []
    if case_id is not None:
        where.append("case_id = ?")
        params.append(case_id)
    if issued_open:
        where.append("status = 'open' AND issued_on IS NOT NULL")
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    rows = fetch_rows(db, f"SELECT * FROM recommendations{clause} ORDER BY case_id, id", params)
    responses = fetch_rows(
        db,
        "SELECT * FROM recommendation_responses WHERE recommendation_id IN"
        f" (SELECT id FROM recommendations{clause}) ORDER BY recommendation_id, n",
        params,
    )
    return _build(rows, responses)


def issue(store: Store, rec: Recommendation, *, on: date, due: date) -> None:
    """Mark a recommendation issued on ``on`` with its response due on ``due``."""
    store.db.execute(
        "UPDATE recommendations SET issued_on = ?, response_due = ? WHERE id = ?"
        " AND issued_on IS NULL",
        [on.isoformat(), due.isoformat(), rec.id],
    )


def insert_response(
    store: Store,
    rec: Recommendation,
    *,
    text: str,
    received_on: date,
    due: date,
    at: datetime,
    by: str,
) -> int:
    """Record a response; returns its number (1, 2, ... per recommendation)."""
    n = len(rec.responses) + 1
    store.db.execute(
        "INSERT INTO recommendation_responses (recommendation_id, n, text, received_on,"
        " assessment_due, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [rec.id, n, text, received_on.isoformat(), due.isoformat(), at.isoformat(), by],
    )
    return n


def set_assessment(
    store: Store, rec: Recommendation, n: int, *, grade: str, text: str, on: date, by: str
) -> None:
    """Grade response ``n`` of a recommendation."""
    store.db.execute(
        "UPDATE recommendation_responses SET grade = ?, assessment = ?, assessed_on = ?,"
        " assessed_by = ? WHERE recommendation_id = ? AND n = ?",
        [grade, text, on.isoformat(), by, rec.id, n],
    )


def close_recommendation(store: Store, rec: Recommendation, *, reason: str | None) -> None:
    """Set a recommendation's status to closed."""
    store.db.execute(
        "UPDATE recommendations SET status = 'closed', close_reason = ? WHERE id = ?",
        [reason, rec.id],
    )


# -- safety actions ----------------------------------------------------------------
def insert_safety_action(
    store: Store,
    case_id: str,
    *,
    ref: str,
    organisation: str,
    agency_id: int | None,
    text: str,
    taken_on: date | None,
    at: datetime,
    by: str,
) -> SafetyAction:
    """Record safety action an organisation took on its own."""
    store.db.execute(
        "INSERT INTO safety_actions (case_id, ref, organisation, agency_id, text, taken_on,"
        " recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            case_id,
            ref,
            organisation,
            agency_id,
            text,
            taken_on.isoformat() if taken_on else None,
            at.isoformat(),
            by,
        ],
    )
    return SafetyAction(ref, organisation, text, taken_on, by)


def safety_actions(store: Store, case_id: str) -> list[SafetyAction]:
    """The case's recorded safety actions, in order."""
    rows = fetch_rows(
        store.db, "SELECT * FROM safety_actions WHERE case_id = ? ORDER BY id", [case_id]
    )
    return [SafetyAction.from_row(r) for r in rows]


# -- facts for guards --------------------------------------------------------------
@FACTS.register("recommendations_unsettled")
def recommendations_unsettled(db: Database, case_id: str) -> list[str]:
    """Per recommendation not closed, what is missing: issue, response or assessment."""
    return settle_messages(recommendations(db, case_id))


def moves_into(store: Store, case_id: str, states: Sequence[str]) -> int:
    """How many times the case has moved into one of ``states`` (opened or a transition)."""
    (n,) = store.db.execute(
        "SELECT count(*) FROM events WHERE case_id = ? AND kind IN (?, ?)"
        " AND to_state IN (SELECT value FROM json_each(?))",
        [case_id, EventKind.OPENED, EventKind.TRANSITION, json.dumps(list(states))],
    ).fetchone()
    return int(n)
