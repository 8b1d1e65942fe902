"""SQL for a case's records: agencies, people, evidence items, chronology entries.

Evidence items cannot be changed or deleted (a correction is a new version);
pseudonyms cannot be changed; counters only go up, so a pseudonym or an item
reference is never reused. Guard facts about these records are in
:mod:`aaib_cp.evidence.sql_facts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any

from aaib_cp.db.connection import Database, Migrations, fetch_rows
from aaib_cp.db.deferred import deferred_indexing
from aaib_cp.db.store import Store
from aaib_cp.evidence.model import Agency, ChronologyEntry, EvidenceItem, Person
from aaib_cp.evidence.sql_chronology import chronology, find_entry
from aaib_cp.workflow.model import Event

__all__ = [
    "agencies",
    "chronology",
    "custody_events",
    "evidence_items",
    "evidence_versions",
    "file_items",
    "find_agency",
    "find_entry",
    "insert_agency",
    "insert_entries",
    "insert_evidence",
    "insert_person",
    "next_number",
    "people",
    "record_no_evidence",
    "set_key_episode",
]

#: This module's schema changes, in order (joined by :mod:`aaib_cp.wiring`).
MIGRATIONS = Migrations()

_SCHEMA = [
    """
    CREATE TABLE record_counters (
        case_id TEXT NOT NULL REFERENCES cases(id),
        counter TEXT NOT NULL,
        last INTEGER NOT NULL,
        PRIMARY KEY (case_id, counter)
    )
    """,
    """
    CREATE TABLE agencies (
        id INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        added_at TEXT NOT NULL,
        added_by TEXT NOT NULL,
        UNIQUE (case_id, name COLLATE NOCASE)
    )
    """,
    """
    CREATE TABLE agency_no_evidence (
        id INTEGER PRIMARY KEY,
        agency_id INTEGER NOT NULL REFERENCES agencies(id),
        reason TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        recorded_by TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE persons (
        id INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        pseudonym TEXT NOT NULL,
        role TEXT NOT NULL,
        real_name TEXT NOT NULL,
        date_of_birth TEXT,
        address TEXT,
        agency_id INTEGER REFERENCES agencies(id),
        added_at TEXT NOT NULL,
        added_by TEXT NOT NULL,
        UNIQUE (case_id, pseudonym)
    )
    """,
    """
    CREATE TRIGGER persons_pseudonym_fixed BEFORE UPDATE OF pseudonym, case_id ON persons
    BEGIN SELECT RAISE(ABORT, 'a pseudonym is stable: it cannot be changed'); END
    """,
    """
    CREATE TABLE evidence_items (
        id INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        ref TEXT NOT NULL,
        version INTEGER NOT NULL,
        supersedes INTEGER REFERENCES evidence_items(id),
        kind TEXT NOT NULL,
        agency_id INTEGER REFERENCES agencies(id),
        obtained_how TEXT NOT NULL,
        obtained_on TEXT NOT NULL,
        description TEXT NOT NULL,
        sha256 TEXT,
        file_name TEXT,
        file_size INTEGER,
        registered_at TEXT NOT NULL,
        registered_by TEXT NOT NULL,
        correction_reason TEXT,
        UNIQUE (case_id, ref, version)
    )
    """,
    """
    CREATE TRIGGER evidence_no_update BEFORE UPDATE ON evidence_items
    BEGIN SELECT RAISE(ABORT, 'evidence items are immutable: register a correction instead');
    END
    """,
    """
    CREATE TRIGGER evidence_no_delete BEFORE DELETE ON evidence_items
    BEGIN SELECT RAISE(ABORT, 'evidence items are immutable: they cannot be deleted'); END
    """,
    """
    CREATE TABLE chronology_entries (
        id INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        ref TEXT NOT NULL,
        when_text TEXT NOT NULL,
        agency_id INTEGER NOT NULL REFERENCES agencies(id),
        what TEXT NOT NULL,
        evidence_id INTEGER REFERENCES evidence_items(id),
        key_episode INTEGER NOT NULL DEFAULT 0,
        source TEXT NOT NULL,
        added_at TEXT NOT NULL,
        added_by TEXT NOT NULL,
        UNIQUE (case_id, ref)
    )
    """,
    """
    CREATE TRIGGER chronology_fixed BEFORE UPDATE OF case_id, ref, when_text, agency_id, what,
        evidence_id, source ON chronology_entries
    BEGIN SELECT RAISE(ABORT, 'chronology entries are fixed once recorded'); END
    """,
    """
    CREATE TABLE chronology_people (
        entry_id INTEGER NOT NULL REFERENCES chronology_entries(id),
        person_id INTEGER NOT NULL REFERENCES persons(id),
        PRIMARY KEY (entry_id, person_id)
    )
    """,
    """CREATE INDEX chronology_case ON chronology_entries(case_id)""",
    """CREATE INDEX evidence_case ON evidence_items(case_id, ref)""",
]


@MIGRATIONS.register("records_0001")
def records_schema(db: Database) -> None:
    """Agencies, people (pseudonymised), evidence items and the chronology."""
    for statement in _SCHEMA:
        db.execute(statement)


def next_number(store: Store, case_id: str, counter: str, count: int = 1) -> int:
    """The next number of a per-case counter (inside a transaction); never reused.

    ``count`` reserves that many numbers at once; the first is returned.
    """
    (last,) = store.db.execute(
        "INSERT INTO record_counters (case_id, counter, last) VALUES (?, ?, ?) "
        "ON CONFLICT(case_id, counter) DO UPDATE SET last = last + excluded.last RETURNING last",
        [case_id, counter, count],
    ).fetchone()
    return int(last) - count + 1


# -- agencies ----------------------------------------------------------------------
_AGENCY_SQL = (
    "SELECT a.*, (SELECT reason FROM agency_no_evidence n WHERE n.agency_id = a.id"
    " ORDER BY n.id DESC LIMIT 1) AS no_evidence_reason FROM agencies a"
)


def insert_agency(
    store: Store, case_id: str, name: str, kind: str, *, organisation_id: int, at: datetime, by: str
) -> Agency | None:
    """Add an agency (linked to its registry entry); None if the case has one by that name."""
    cursor = store.db.execute(
        "INSERT OR IGNORE INTO agencies (case_id, name, kind, added_at, added_by, organisation_id)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [case_id, name, kind, at.isoformat(), by, organisation_id],
    )
    if cursor.rowcount != 1:
        return None
    return Agency(int(cursor.lastrowid or 0), case_id, name, kind, at, by)


def agencies(store: Store, case_id: str) -> list[Agency]:
    """The case's agencies, in the order they were added."""
    rows = fetch_rows(store.db, f"{_AGENCY_SQL} WHERE a.case_id = ? ORDER BY a.id", [case_id])
    return [Agency.from_row(r) for r in rows]


def find_agency(store: Store, case_id: str, name: str) -> Agency | None:
    """The case's agency called ``name`` (case-insensitive), or None."""
    rows = fetch_rows(
        store.db,
        f"{_AGENCY_SQL} WHERE a.case_id = ? AND a.name = ? COLLATE NOCASE",
        [case_id, name.strip()],
    )
    return Agency.from_row(rows[0]) if rows else None


def record_no_evidence(store: Store, agency: Agency, reason: str, *, at: datetime, by: str) -> None:
    """Record why an agency supplies no evidence item."""
    store.db.execute(
        "INSERT INTO agency_no_evidence (agency_id, reason, recorded_at, recorded_by)"
        " VALUES (?, ?, ?, ?)",
        [agency.id, reason, at.isoformat(), by],
    )


# -- people ------------------------------------------------------------------------
def insert_person(
    store: Store,
    case_id: str,
    *,
    pseudonym: str,
    role: str,
    real_name: str,
    date_of_birth: str | None,
    address: str | None,
    agency: Agency | None,
    at: datetime,
    by: str,
) -> Person:
    """Register a person under an already allocated pseudonym."""
    cursor = store.db.execute(
        "INSERT INTO persons (case_id, pseudonym, role, real_name, date_of_birth, address,"
        " agency_id, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            case_id,
            pseudonym,
            role,
            real_name,
            date_of_birth,
            address,
            agency.id if agency else None,
            at.isoformat(),
            by,
        ],
    )
    return Person(
        id=int(cursor.lastrowid or 0),
        case_id=case_id,
        pseudonym=pseudonym,
        role=role,
        agency=agency.name if agency else None,
        real_name=real_name,
        date_of_birth=date_of_birth,
        address=address,
        added_at=at,
    )


def people(store: Store, case_id: str) -> list[Person]:
    """The case's people, in registration order."""
    rows = fetch_rows(
        store.db,
        "SELECT p.*, a.name AS agency FROM persons p LEFT JOIN agencies a ON a.id = p.agency_id"
        " WHERE p.case_id = ? ORDER BY p.id",
        [case_id],
    )
    return [Person.from_row(r) for r in rows]


# -- evidence ----------------------------------------------------------------------
_EVIDENCE_SQL = (
    "SELECT e.*, a.name AS agency, EXISTS (SELECT 1 FROM evidence_items s"
    " WHERE s.supersedes = e.id) AS superseded"
    " FROM evidence_items e LEFT JOIN agencies a ON a.id = e.agency_id"
)


def insert_evidence(
    store: Store,
    case_id: str,
    *,
    ref: str,
    version: int,
    supersedes: int | None,
    kind: str,
    agency: Agency | None,
    obtained_how: str,
    obtained_on: date,
    description: str,
    sha256: str | None,
    file_name: str | None,
    file_size: int | None,
    at: datetime,
    by: str,
    correction_reason: str | None = None,
) -> EvidenceItem:
    """Register one version of an evidence item."""
    cursor = store.db.execute(
        "INSERT INTO evidence_items (case_id, ref, version, supersedes, kind, agency_id,"
        " obtained_how, obtained_on, description, sha256, file_name, file_size, registered_at,"
        " registered_by, correction_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            case_id,
            ref,
            version,
            supersedes,
            kind,
            agency.id if agency else None,
            obtained_how,
            obtained_on.isoformat(),
            description,
            sha256,
            file_name,
            file_size,
            at.isoformat(),
            by,
            correction_reason,
        ],
    )
    rows = fetch_rows(store.db, f"{_EVIDENCE_SQL} WHERE e.id = ?", [cursor.lastrowid])
    return EvidenceItem.from_row(rows[0])


def evidence_items(store: Store, case_id: str, *, all_versions: bool = False) -> list[EvidenceItem]:
    """The case's evidence items (current versions, or every version)."""
    rows = fetch_rows(store.db, f"{_EVIDENCE_SQL} WHERE e.case_id = ? ORDER BY e.id", [case_id])
    items = [EvidenceItem.from_row(r) for r in rows]
    if not all_versions:
        items = [i for i in items if not i.superseded]
    return sorted(items, key=lambda i: (int(i.ref[1:]), i.version))


def evidence_versions(store: Store, case_id: str, ref: str) -> list[EvidenceItem]:
    """Every version of one item, oldest first."""
    rows = fetch_rows(
        store.db,
        f"{_EVIDENCE_SQL} WHERE e.case_id = ? AND e.ref = ? ORDER BY e.version",
        [case_id, ref],
    )
    return [EvidenceItem.from_row(r) for r in rows]


def file_items(store: Store, case_id: str | None = None) -> list[EvidenceItem]:
    """Every version, of every case or one, that has a stored file."""
    where = "WHERE e.sha256 IS NOT NULL" + (" AND e.case_id = ?" if case_id else "")
    rows = fetch_rows(
        store.db, f"{_EVIDENCE_SQL} {where} ORDER BY e.case_id, e.id", [case_id] if case_id else []
    )
    return [EvidenceItem.from_row(r) for r in rows]


def custody_events(store: Store, case_id: str, ref: str) -> list[Event]:
    """The audit events about one evidence item: its chain of custody."""
    rows = fetch_rows(
        store.db,
        "SELECT * FROM events WHERE case_id = ? AND kind LIKE 'evidence_%'"
        " AND json_extract(detail, '$.item') = ? ORDER BY n",
        [case_id, ref],
    )
    return [Event.from_row(r) for r in rows]


# -- chronology --------------------------------------------------------------------
def insert_entries(
    store: Store,
    case_id: str,
    entries: Sequence[tuple[str, Any]],
    *,
    source: str,
    at: datetime,
    by: str,
) -> None:
    """Record chronology entries: ``(ref, draft)`` pairs, each draft a ``DraftEntry``."""
    added = at.isoformat()
    store.db.conn.executemany(
        "INSERT INTO chronology_entries (case_id, ref, when_text, agency_id, what, evidence_id,"
        " key_episode, source, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                case_id,
                ref,
                d.when.text,
                d.agency.id,
                d.what,
                d.evidence.id if d.evidence is not None else None,
                int(d.key_episode),
                source,
                added,
                by,
            )
            for ref, d in entries
        ],
    )
    store.db.conn.executemany(
        "INSERT INTO chronology_people (entry_id, person_id)"
        " SELECT id, ? FROM chronology_entries WHERE case_id = ? AND ref = ?",
        [
            (person_id, case_id, ref)
            for ref, d in entries
            for person_id in dict.fromkeys(p.id for p in d.people)
        ],
    )


def bulk_entries(store: Store) -> AbstractContextManager[None]:
    """Entries written in bulk inside this block are indexed for search once, at its
    end, in the same transaction (see :mod:`aaib_cp.db.deferred`)."""
    return deferred_indexing(store.db, "chronology_entries")


def set_key_episode(store: Store, entry: ChronologyEntry, flag: bool) -> None:
    """Tag or untag an entry as a key practice episode."""
    store.db.execute(
        "UPDATE chronology_entries SET key_episode = ? WHERE id = ?", [int(flag), entry.id]
    )
