"""SQL for consultation on the draft (parties, representations) and feedback sessions.

Their tables are made by ``safety_0001`` (:mod:`aaib_cp.recommendations.sql`), and
the paragraph a representation cites by ``consultation_0001_paragraph`` (here);
representation references (``R1``) come from the per-case counters of
:mod:`aaib_cp.evidence.sql`. The guard facts about them are registered here.
"""

from __future__ import annotations

import json
from datetime import date, datetime

from aaib_cp.db.connection import Database, Migrations, fetch_rows
from aaib_cp.db.facts import FactRegistry
from aaib_cp.db.store import Store
from aaib_cp.recommendations.model import FeedbackSession, Party, Representation

__all__ = [
    "MIGRATIONS",
    "add_party",
    "dispose",
    "feedback_sessions",
    "find_party",
    "insert_feedback",
    "insert_representation",
    "parties",
    "representations",
]

#: This module's facts about a case (joined by :mod:`aaib_cp.wiring`).
FACTS = FactRegistry()

#: This module's schema changes (joined by :mod:`aaib_cp.wiring`, after ``safety_0001``).
MIGRATIONS = Migrations()


@MIGRATIONS.register("consultation_0001_paragraph")
def paragraph_column(db: Database) -> None:
    """The draft's paragraph number a representation cites (NULL: none cited)."""
    db.execute("ALTER TABLE representations ADD COLUMN paragraph TEXT")


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
    paragraph: str | None = None,
) -> Representation:
    """Record a representation (``text`` None: the party made none)."""
    store.db.execute(
        "INSERT INTO representations (case_id, ref, party_id, text, received_on, recorded_at,"
        " recorded_by, paragraph) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [case_id, ref, party.id, text, received_on.isoformat(), at.isoformat(), by, paragraph],
    )
    return Representation(ref, party.label, text, received_on, by, paragraph=paragraph)


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
