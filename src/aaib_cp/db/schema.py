"""The core schema: workflows, cases, their append-only events, and the team.

Statements run one by one (never ``executescript``, which commits the open
transaction first), so a migration is all-or-nothing.
"""

from __future__ import annotations

from aaib_cp.db.connection import Database, Migrations

__all__: list[str] = []

#: This module's schema changes, in order (joined by :mod:`aaib_cp.wiring`).
MIGRATIONS = Migrations()


_CORE = [
    """
    CREATE TABLE workflows (
        hash TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        filename TEXT NOT NULL,
        source_text TEXT NOT NULL,
        stored_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE cases (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        workflow_name TEXT NOT NULL,
        workflow_version TEXT NOT NULL,
        workflow_hash TEXT NOT NULL REFERENCES workflows(hash),
        state TEXT NOT NULL,
        previous_state TEXT,
        version INTEGER NOT NULL,
        opened_at TEXT NOT NULL,
        opened_by TEXT NOT NULL,
        known_on TEXT NOT NULL,
        fields TEXT NOT NULL DEFAULT '{}',
        updated_at TEXT NOT NULL
    )
    """,
    """CREATE INDEX cases_state ON cases(state)""",
    """
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        case_id TEXT NOT NULL REFERENCES cases(id),
        n INTEGER NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        role TEXT,
        kind TEXT NOT NULL,
        trigger TEXT,
        from_state TEXT,
        to_state TEXT,
        reason TEXT,
        detail TEXT NOT NULL DEFAULT '{}',
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        UNIQUE (case_id, n)
    )
    """,
    """
    CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: events cannot be changed');
    END
    """,
    """
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: events cannot be deleted');
    END
    """,
    """
    CREATE TABLE team (
        case_id TEXT NOT NULL REFERENCES cases(id),
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        appointed_at TEXT NOT NULL,
        appointed_by TEXT NOT NULL,
        PRIMARY KEY (case_id, name, role)
    )
    """,
    """CREATE TABLE case_counters(year INTEGER PRIMARY KEY, last INTEGER NOT NULL)""",
    """
    CREATE TABLE audit_heads (
        case_id TEXT PRIMARY KEY REFERENCES cases(id),
        n INTEGER NOT NULL,
        hash TEXT NOT NULL
    )
    """,
]


@MIGRATIONS.register("0001_core")
def core(db: Database) -> None:
    """Workflows, cases, events (append-only, hash-chained), team, reference counters."""
    for statement in _CORE:
        db.execute(statement)


_INDEPENDENCE = [
    """
    CREATE TABLE affiliations (
        name TEXT NOT NULL,
        agency TEXT NOT NULL COLLATE NOCASE,
        declared_at TEXT NOT NULL,
        declared_by TEXT NOT NULL,
        PRIMARY KEY (name, agency)
    )
    """,
    "ALTER TABLE team ADD COLUMN independent INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE team ADD COLUMN stood_down_at TEXT",
    "ALTER TABLE team ADD COLUMN stood_down_by TEXT",
    "ALTER TABLE team ADD COLUMN stood_down_reason TEXT",
]


@MIGRATIONS.register("0002_independence")
def independence(db: Database) -> None:
    """Declared agency affiliations; team members' independence and standing down."""
    for statement in _INDEPENDENCE:
        db.execute(statement)


_INTEGRITY = [
    # what each event changed: {record: sha256}, covered by the event's hash
    "ALTER TABLE events ADD COLUMN content TEXT",
    # HMAC of the event's hash under the audit key held outside the database
    "ALTER TABLE events ADD COLUMN mac TEXT",
    "ALTER TABLE audit_heads ADD COLUMN mac TEXT",
    """
    CREATE TABLE workflow_registrations (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        hash TEXT NOT NULL REFERENCES workflows(hash),
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        registered_at TEXT NOT NULL,
        registered_by TEXT NOT NULL,
        role TEXT,
        reason TEXT,
        mac TEXT,
        UNIQUE (name, version)
    )
    """,
    """
    CREATE TRIGGER workflow_registrations_no_update BEFORE UPDATE ON workflow_registrations
    BEGIN SELECT RAISE(ABORT, 'workflow registrations cannot be changed'); END
    """,
    """
    CREATE TRIGGER workflow_registrations_no_delete BEFORE DELETE ON workflow_registrations
    BEGIN SELECT RAISE(ABORT, 'workflow registrations cannot be deleted'); END
    """,
]


@MIGRATIONS.register("0003_integrity")
def integrity(db: Database) -> None:
    """Events carry the content hash of what they changed and a keyed MAC; registrations."""
    for statement in _INTEGRITY:
        db.execute(statement)


@MIGRATIONS.register("workflow_spec_0001")
def workflow_spec(db: Database) -> None:
    """Each stored workflow keeps its validated copy as JSON (see db/workflow_specs.py)."""
    from aaib_cp.db.workflow_specs import add_spec_columns

    add_spec_columns(db)


@MIGRATIONS.register("0004_deferred_indexes")
def deferred_indexes(db: Database) -> None:
    """Tables whose derived indexes are filled once, at the end of a bulk insert
    (see :func:`aaib_cp.db.deferred.deferred_indexing`)."""
    db.execute("CREATE TABLE deferred_indexes (tbl TEXT PRIMARY KEY, after INTEGER NOT NULL)")


_HEAD_IN_CASE = [
    # a case's audit head (last event number, hash, and its MAC under the audit key)
    # now lives in the case row, written by the statement that moves the case
    "ALTER TABLE cases ADD COLUMN audit_n INTEGER",
    "ALTER TABLE cases ADD COLUMN audit_hash TEXT",
    "ALTER TABLE cases ADD COLUMN audit_mac TEXT",
    """
    UPDATE cases SET (audit_n, audit_hash, audit_mac) =
        (SELECT h.n, h.hash, h.mac FROM audit_heads h WHERE h.case_id = cases.id)
    """,
    "DROP TABLE audit_heads",
]


@MIGRATIONS.register("0005_audit_head_in_case")
def audit_head_in_case(db: Database) -> None:
    """Each case's audit head moves from the table ``audit_heads`` into the case row."""
    for statement in _HEAD_IN_CASE:
        db.execute(statement)
