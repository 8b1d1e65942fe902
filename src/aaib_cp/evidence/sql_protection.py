"""SQL for protected material: investigators' notes, protection marks and disclosures.

References (``N1``, ``D1``) come from the per-case counters of
:mod:`aaib_cp.evidence.sql`. These tables were first made by the recommendations'
migration ``safety_0001``; databases made since get them from ``protection_0001``
here, which creates each only if it does not exist yet, so both kinds of database
end up with the same schema.
"""

from __future__ import annotations

from datetime import datetime

from aaib_cp.db.connection import Database, Migrations, fetch_rows
from aaib_cp.db.store import Store
from aaib_cp.evidence.protection_model import PROTECTED_KINDS, Disclosure, Note

__all__ = [
    "disclosures",
    "evidence_protection",
    "insert_disclosure",
    "insert_note",
    "mark_protection",
    "notes",
]

#: This module's schema changes, in order (joined by :mod:`aaib_cp.wiring`).
MIGRATIONS = Migrations()

_SCHEMA = [
    """
    CREATE TABLE IF NOT EXISTS case_notes (
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
    CREATE TRIGGER IF NOT EXISTS notes_fixed BEFORE UPDATE OF case_id, ref, text ON case_notes
    BEGIN SELECT RAISE(ABORT, 'notes are fixed once recorded'); END
    """,
    """
    CREATE TABLE IF NOT EXISTS protection_marks (
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
    CREATE TABLE IF NOT EXISTS disclosures (
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
    CREATE TRIGGER IF NOT EXISTS disclosures_fixed BEFORE UPDATE ON disclosures
    BEGIN SELECT RAISE(ABORT, 'disclosures are an audit record: they cannot be changed'); END
    """,
]


@MIGRATIONS.register("protection_0001")
def protection_schema(db: Database) -> None:
    """Notes, protection marks and disclosures (already there if ``safety_0001`` made them)."""
    for statement in _SCHEMA:
        db.execute(statement)


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
    requested_by_id: int,
    approved_by: str,
    approved_by_ids: list[int],
    recipient: str,
    reason: str,
    at: datetime,
) -> Disclosure:
    """Record an approved disclosure of protected material (with the accounts' ids)."""
    store.db.execute(
        "INSERT INTO disclosures (case_id, ref, item, ground, requested_by, approved_by,"
        " recipient, reason, approved_at, requested_by_id, approved_by_ids)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            case_id,
            ref,
            item,
            ground,
            requested_by,
            approved_by,
            recipient,
            reason,
            at.isoformat(),
            requested_by_id,
            ",".join(map(str, approved_by_ids)),
        ],
    )
    return Disclosure(ref, item, ground, requested_by, approved_by, recipient, reason, at)


def disclosures(store: Store, case_id: str, item: str | None = None) -> list[Disclosure]:
    """The case's approved disclosures (of one item, or all), in order."""
    sql = "SELECT * FROM disclosures WHERE case_id = ?" + (" AND item = ?" if item else "")
    rows = fetch_rows(store.db, sql + " ORDER BY id", [case_id, item] if item else [case_id])
    return [Disclosure.from_row(r) for r in rows]
