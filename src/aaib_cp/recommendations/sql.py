"""SQL for recommendations, responses, safety actions, consultation, feedback and protection.

References (``CP-2026-0001-SR01``, ``SA1``, ``R1``, ``N1``, ``D1``) come from the
per-case counters of :mod:`aaib_cp.evidence.sql`, so none is ever reused. The
effect that issues pending recommendations with the final report and the guard
facts about these records are registered here.
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
    Disclosure,
    FeedbackSession,
    Note,
    Party,
    Recommendation,
    Representation,
    Response,
    SafetyAction,
    due_after,
    settle_messages,
)
from aaib_cp.workflow.effects import EffectRegistry
from aaib_cp.workflow.model import Case

__all__ = [
    "add_party",
    "close_recommendation",
    "disclosures",
    "dispose",
    "evidence_protection",
    "feedback_sessions",
    "find_party",
    "insert_disclosure",
    "insert_feedback",
    "insert_note",
    "insert_recommendation",
    "insert_representation",
    "insert_response",
    "insert_safety_action",
    "issue",
    "issue_pending",
    "mark_protection",
    "notes",
    "parties",
    "recommendations",
    "representations",
    "safety_actions",
    "set_assessment",
]

#: This module's schema changes, in order (joined by :mod:`aaib_cp.wiring`).
MIGRATIONS = Migrations()
#: This module's facts about a case (joined by :mod:`aaib_cp.wiring`).
FACTS = FactRegistry()
#: This module's effects (joined by :mod:`aaib_cp.wiring`).
EFFECTS = EffectRegistry()

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
    """
    CREATE TABLE case_notes (
        id INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        ref TEXT NOT NULL,
        text TEXT NOT NULL,
        protected INTEGER NOT NULL,
        added_at TEXT NOT NULL,
        added_by TEXT NOT NULL,
        UNIQUE (case_id, ref)
    )
    """,
    """
    CREATE TRIGGER notes_fixed BEFORE UPDATE OF case_id, ref, text ON case_notes
    BEGIN SELECT RAISE(ABORT, 'notes are fixed once recorded'); END
    """,
    """
    CREATE TABLE protection_marks (
        id INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        item TEXT NOT NULL,
        protected INTEGER NOT NULL,
        reason TEXT NOT NULL,
        marked_at TEXT NOT NULL,
        marked_by TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE disclosures (
        id INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        ref TEXT NOT NULL,
        item TEXT NOT NULL,
        ground TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        approved_by TEXT NOT NULL,
        recipient TEXT NOT NULL,
        reason TEXT NOT NULL,
        approved_at TEXT NOT NULL,
        UNIQUE (case_id, ref)
    )
    """,
    """
    CREATE TRIGGER disclosures_fixed BEFORE UPDATE ON disclosures
    BEGIN SELECT RAISE(ABORT, 'disclosures are an audit record: they cannot be changed'); END
    """,
    """CREATE INDEX recommendations_case ON recommendations(case_id)""",
    """CREATE INDEX recommendations_open ON recommendations(status, issued_on)""",
]

#: Evidence kinds protected unless marked otherwise (witness statements and the like).
PROTECTED_KINDS = ("interview",)


@MIGRATIONS.register("safety_0001")
def safety_schema(db: Database) -> None:
    """Recommendations and responses, safety actions, consultation, feedback, protection."""
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


def issue_pending(
    store: Store, case: Case, *, definition: Any, at: datetime, actor: str, role: str | None
) -> list[str]:
    """Issue every draft recommendation of the case today; audited, one event each."""
    days = int(definition.setting("recommendation_response_days"))
    issued = []
    for rec in recommendations(store, case.id):
        if rec.issued or rec.status == "closed":
            continue
        due = due_after(at.date(), days)
        issue(store, rec, on=at.date(), due=due)
        store.append_event(
            case.id,
            at=at,
            actor=actor,
            role=role,
            kind="recommendation_issued",
            detail={
                "recommendation": rec.ref,
                "response_due": due.isoformat(),
                "with": "final report",
            },
        )
        issued.append(rec.ref)
    return issued


@EFFECTS.register("issue_final_report")
def _issue_with_final_report(
    store: Store, case: Case, *, definition: Any, at: datetime, actor: str, role: str | None
) -> None:
    issue_pending(store, case, definition=definition, at=at, actor=actor, role=role)


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


# -- consultation ------------------------------------------------------------------
_PARTY_SQL = (
    "SELECT p.*, EXISTS (SELECT 1 FROM representations r WHERE r.party_id = p.id) AS answered"
    " FROM consultation_parties p"
)


def add_party(
    store: Store,
    case_id: str,
    *,
    label: str,
    kind: str,
    sent_on: date,
    due_on: date,
    at: datetime,
    by: str,
) -> bool:
    """Record that the draft was sent to a party; False if it already was."""
    cursor = store.db.execute(
        "INSERT OR IGNORE INTO consultation_parties (case_id, label, kind, sent_on, due_on,"
        " recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [case_id, label, kind, sent_on.isoformat(), due_on.isoformat(), at.isoformat(), by],
    )
    return cursor.rowcount == 1


def parties(store: Store, case_id: str) -> list[Party]:
    """The parties sent the draft, in order."""
    rows = fetch_rows(store.db, f"{_PARTY_SQL} WHERE p.case_id = ? ORDER BY p.id", [case_id])
    return [Party.from_row(r) for r in rows]


def find_party(store: Store, case_id: str, label: str) -> Party | None:
    """The party called ``label`` (case-insensitive), or None."""
    rows = fetch_rows(
        store.db,
        f"{_PARTY_SQL} WHERE p.case_id = ? AND p.label = ? COLLATE NOCASE",
        [case_id, label.strip()],
    )
    return Party.from_row(rows[0]) if rows else None


def insert_representation(
    store: Store,
    case_id: str,
    *,
    ref: str,
    party: Party,
    text: str | None,
    received_on: date,
    at: datetime,
    by: str,
) -> Representation:
    """Record a representation (``text`` None: the party made none)."""
    store.db.execute(
        "INSERT INTO representations (case_id, ref, party_id, text, received_on, recorded_at,"
        " recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [case_id, ref, party.id, text, received_on.isoformat(), at.isoformat(), by],
    )
    return Representation(ref, party.label, text, received_on, by)


def representations(store: Store, case_id: str) -> list[Representation]:
    """The case's representations, in order."""
    rows = fetch_rows(
        store.db,
        "SELECT r.*, p.label AS party FROM representations r"
        " JOIN consultation_parties p ON p.id = r.party_id WHERE r.case_id = ? ORDER BY r.id",
        [case_id],
    )
    return [Representation.from_row(r) for r in rows]


def dispose(
    store: Store,
    case_id: str,
    ref: str,
    *,
    disposition: str,
    reason: str | None,
    at: datetime,
    by: str,
) -> None:
    """Record how a representation was dealt with."""
    store.db.execute(
        "UPDATE representations SET disposition = ?, disposition_reason = ?, disposed_at = ?,"
        " disposed_by = ? WHERE case_id = ? AND ref = ?",
        [disposition, reason, at.isoformat(), by, case_id, ref],
    )


# -- feedback ----------------------------------------------------------------------
def insert_feedback(store: Store, case_id: str, session: FeedbackSession, *, at: datetime) -> None:
    """Record a feedback session."""
    store.db.execute(
        "INSERT INTO feedback_sessions (case_id, held_on, audience, attendees, recorded_at,"
        " recorded_by) VALUES (?, ?, ?, ?, ?, ?)",
        [
            case_id,
            session.held_on.isoformat(),
            session.audience,
            json.dumps(list(session.attendees)),
            at.isoformat(),
            session.recorded_by,
        ],
    )


def feedback_sessions(store: Store, case_id: str) -> list[FeedbackSession]:
    """The case's feedback sessions, in the order they were held."""
    rows = fetch_rows(
        store.db,
        "SELECT * FROM feedback_sessions WHERE case_id = ? ORDER BY held_on, id",
        [case_id],
    )
    return [
        FeedbackSession(
            date.fromisoformat(r["held_on"]),
            r["audience"],
            tuple(json.loads(r["attendees"])),
            r["recorded_by"],
        )
        for r in rows
    ]


# -- notes, protection and disclosure ------------------------------------------------
def insert_note(
    store: Store, case_id: str, *, ref: str, text: str, protected: bool, at: datetime, by: str
) -> Note:
    """Record an investigator's note."""
    store.db.execute(
        "INSERT INTO case_notes (case_id, ref, text, protected, added_at, added_by)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [case_id, ref, text, int(protected), at.isoformat(), by],
    )
    return Note(ref, text, protected, at, by)


def notes(store: Store, case_id: str) -> list[Note]:
    """The case's notes, in order."""
    rows = fetch_rows(store.db, "SELECT * FROM case_notes WHERE case_id = ? ORDER BY id", [case_id])
    return [
        Note(
            r["ref"],
            r["text"],
            bool(r["protected"]),
            datetime.fromisoformat(r["added_at"]),
            r["added_by"],
        )
        for r in rows
    ]


def mark_protection(
    store: Store, case_id: str, item: str, *, protected: bool, reason: str, at: datetime, by: str
) -> None:
    """Mark an evidence item protected (or not); the latest mark counts."""
    store.db.execute(
        "INSERT INTO protection_marks (case_id, item, protected, reason, marked_at, marked_by)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [case_id, item, int(protected), reason, at.isoformat(), by],
    )


def evidence_protection(db: Database | Store, case_id: str) -> dict[str, bool]:
    """Whether each evidence item (by ref) is protected: its latest mark, else by its kind."""
    db = db.db if isinstance(db, Store) else db
    kinds = {
        r["ref"]: r["kind"]
        for r in fetch_rows(
            db, "SELECT ref, kind FROM evidence_items WHERE case_id = ? ORDER BY id", [case_id]
        )
    }
    flags = {ref: kind in PROTECTED_KINDS for ref, kind in kinds.items()}
    for r in fetch_rows(
        db, "SELECT item, protected FROM protection_marks WHERE case_id = ? ORDER BY id", [case_id]
    ):
        flags[r["item"]] = bool(r["protected"])
    return flags


def insert_disclosure(
    store: Store,
    case_id: str,
    *,
    ref: str,
    item: str,
    ground: str,
    requested_by: str,
    approved_by: str,
    recipient: str,
    reason: str,
    at: datetime,
) -> Disclosure:
    """Record an approved disclosure of protected material."""
    store.db.execute(
        "INSERT INTO disclosures (case_id, ref, item, ground, requested_by, approved_by,"
        " recipient, reason, approved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [case_id, ref, item, ground, requested_by, approved_by, recipient, reason, at.isoformat()],
    )
    return Disclosure(ref, item, ground, requested_by, approved_by, recipient, reason, at)


def disclosures(store: Store, case_id: str, item: str | None = None) -> list[Disclosure]:
    """The case's approved disclosures (of one item, or all), in order."""
    sql = "SELECT * FROM disclosures WHERE case_id = ?" + (" AND item = ?" if item else "")
    rows = fetch_rows(store.db, sql + " ORDER BY id", [case_id, item] if item else [case_id])
    return [Disclosure.from_row(r) for r in rows]


# -- facts for guards --------------------------------------------------------------
@FACTS.register("consultation_parties")
def consultation_party_labels(db: Database, case_id: str) -> list[str]:
    """The parties the draft was sent to."""
    rows = db.execute(
        "SELECT label FROM consultation_parties WHERE case_id = ? ORDER BY id", [case_id]
    )
    return [r[0] for r in rows]


@FACTS.register("parties_not_answered")
def parties_not_answered(db: Database, case_id: str) -> list[str]:
    """Parties with neither a representation nor a record that they made none."""
    rows = db.execute(
        "SELECT p.label FROM consultation_parties p WHERE p.case_id = ? AND NOT EXISTS"
        " (SELECT 1 FROM representations r WHERE r.party_id = p.id) ORDER BY p.id",
        [case_id],
    )
    return [r[0] for r in rows]


@FACTS.register("representations_undisposed")
def representations_undisposed(db: Database, case_id: str) -> list[str]:
    """References of representations without a disposition."""
    rows = db.execute(
        "SELECT ref FROM representations WHERE case_id = ? AND text IS NOT NULL"
        " AND disposition IS NULL ORDER BY id",
        [case_id],
    )
    return [r[0] for r in rows]


@FACTS.register("feedback_sessions")
def feedback_count(db: Database, case_id: str) -> int:
    """How many feedback sessions are recorded."""
    row = db.execute("SELECT count(*) FROM feedback_sessions WHERE case_id = ?", [case_id])
    return int(row.fetchone()[0])


@FACTS.register("recommendations_unsettled")
def recommendations_unsettled(db: Database, case_id: str) -> list[str]:
    """Per recommendation not closed, what is missing: issue, response or assessment."""
    return settle_messages(recommendations(db, case_id))
