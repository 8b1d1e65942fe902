"""SQL for the analysis: acts of concern, contributory factors, classifications, findings.

Acts, factors and findings are fixed once recorded. Classifications are never changed
or deleted: reclassifying an act adds version n+1, and the earlier versions stay as
superseded. Reviews (confirmations and returns) are append-only. Links from a record
to chronology entries, evidence items, acts and factors live in one table. The guard
facts about these records are in :mod:`aaib_cp.analysis.sql_facts`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from aaib_cp.analysis.model import Act, Classification, Factor, Finding, Review
from aaib_cp.db.connection import Database, Migrations, fetch_rows
from aaib_cp.db.store import Store

__all__ = [
    "acts",
    "classifications",
    "factors",
    "findings",
    "insert_act",
    "insert_classification",
    "insert_factor",
    "insert_finding",
    "insert_review",
]

#: This module's schema changes, in order (joined by :mod:`aaib_cp.wiring`).
MIGRATIONS = Migrations()

_SCHEMA = [
    """
    CREATE TABLE acts (
        id INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        ref TEXT NOT NULL,
        kind TEXT NOT NULL,
        person_id INTEGER NOT NULL REFERENCES persons(id),
        when_text TEXT NOT NULL,
        description TEXT NOT NULL,
        added_at TEXT NOT NULL,
        added_by TEXT NOT NULL,
        UNIQUE (case_id, ref)
    )
    """,
    """
    CREATE TABLE factors (
        id INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        ref TEXT NOT NULL,
        code TEXT NOT NULL,
        label TEXT NOT NULL,
        level TEXT NOT NULL,
        taxonomy TEXT NOT NULL,
        taxonomy_version INTEGER NOT NULL,
        taxonomy_hash TEXT NOT NULL,
        note TEXT NOT NULL,
        added_at TEXT NOT NULL,
        added_by TEXT NOT NULL,
        UNIQUE (case_id, ref)
    )
    """,
    """
    CREATE TABLE classifications (
        id INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        act_id INTEGER NOT NULL REFERENCES acts(id),
        version INTEGER NOT NULL,
        tree TEXT NOT NULL,
        tree_version INTEGER NOT NULL,
        tree_hash TEXT NOT NULL,
        outcome TEXT NOT NULL,
        category TEXT NOT NULL,
        refers_onward INTEGER NOT NULL,
        record TEXT NOT NULL,
        classified_at TEXT NOT NULL,
        classified_by TEXT NOT NULL,
        role TEXT NOT NULL,
        UNIQUE (act_id, version)
    )
    """,
    """
    CREATE TABLE classification_reviews (
        id INTEGER PRIMARY KEY,
        classification_id INTEGER NOT NULL REFERENCES classifications(id),
        action TEXT NOT NULL CHECK (action IN ('confirmed', 'returned')),
        reason TEXT,
        reviewed_at TEXT NOT NULL,
        reviewed_by TEXT NOT NULL,
        role TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        ref TEXT NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        added_at TEXT NOT NULL,
        added_by TEXT NOT NULL,
        UNIQUE (case_id, ref)
    )
    """,
    """
    CREATE TABLE analysis_links (
        owner TEXT NOT NULL,
        owner_id INTEGER NOT NULL,
        target TEXT NOT NULL,
        target_id INTEGER NOT NULL,
        position INTEGER NOT NULL,
        PRIMARY KEY (owner, owner_id, target, target_id)
    )
    """,
    """CREATE INDEX acts_case ON acts(case_id)""",
    """CREATE INDEX factors_case ON factors(case_id)""",
    """CREATE INDEX classifications_case ON classifications(case_id, act_id, version)""",
    """CREATE INDEX findings_case ON findings(case_id)""",
]
_FIXED = {
    "acts": "acts of concern are fixed once recorded",
    "factors": "contributory factors are fixed once recorded",
    "findings": "findings are fixed once recorded",
    "classifications": "classifications are kept as recorded: classify the act again instead",
    "classification_reviews": "reviews are kept as recorded",
    "analysis_links": "links are fixed once recorded",
}


@MIGRATIONS.register("analysis_0001")
def analysis_schema(db: Database) -> None:
    """Acts of concern, contributory factors, classifications (versioned), findings."""
    for statement in _SCHEMA:
        db.execute(statement)
    for table, message in _FIXED.items():
        for verb in ("UPDATE", "DELETE"):
            db.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}"
                f" BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )


def _link(store: Store, owner: str, owner_id: int, target: str, ids: Sequence[int]) -> None:
    for position, target_id in enumerate(dict.fromkeys(ids)):
        store.db.execute(
            "INSERT INTO analysis_links (owner, owner_id, target, target_id, position)"
            " VALUES (?, ?, ?, ?, ?)",
            [owner, owner_id, target, target_id, position],
        )


_LABEL_SQL = {
    "chronology": "SELECT l.owner_id, c.ref FROM analysis_links l"
    " JOIN chronology_entries c ON c.id = l.target_id",
    "evidence": "SELECT l.owner_id, CASE WHEN e.version = 1 THEN e.ref"
    " ELSE e.ref || 'v' || e.version END FROM analysis_links l"
    " JOIN evidence_items e ON e.id = l.target_id",
    "act": "SELECT l.owner_id, a.ref FROM analysis_links l JOIN acts a ON a.id = l.target_id",
    "factor": "SELECT l.owner_id, f.ref FROM analysis_links l JOIN factors f ON f.id = l.target_id",
}


def _links(store: Store, case_id: str, owner: str, target: str) -> dict[int, tuple[str, ...]]:
    """For every ``owner`` record of the case: the labels of its linked ``target`` records."""
    table = {"act": "acts", "factor": "factors", "finding": "findings"}[owner]
    rows = store.db.execute(
        f"{_LABEL_SQL[target]} JOIN {table} o ON o.id = l.owner_id"
        " WHERE l.owner = ? AND l.target = ? AND o.case_id = ? ORDER BY l.owner_id, l.position",
        [owner, target, case_id],
    )
    out: dict[int, list[str]] = {}
    for owner_id, label in rows:
        out.setdefault(owner_id, []).append(label)
    return {k: tuple(v) for k, v in out.items()}


# -- acts ----------------------------------------------------------------------------
def insert_act(
    store: Store,
    case_id: str,
    *,
    ref: str,
    kind: str,
    person_id: int,
    when: str,
    description: str,
    chronology_ids: Sequence[int],
    evidence_ids: Sequence[int],
    at: datetime,
    by: str,
) -> int:
    """Record an act of concern and its links; returns its row id."""
    cursor = store.db.execute(
        "INSERT INTO acts (case_id, ref, kind, person_id, when_text, description, added_at,"
        " added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [case_id, ref, kind, person_id, when, description, at.isoformat(), by],
    )
    act_id = int(cursor.lastrowid or 0)
    _link(store, "act", act_id, "chronology", chronology_ids)
    _link(store, "act", act_id, "evidence", evidence_ids)
    return act_id


def acts(store: Store, case_id: str) -> list[Act]:
    """The case's acts of concern, in the order recorded, with their review status."""
    rows = fetch_rows(
        store.db,
        "SELECT a.*, p.pseudonym FROM acts a JOIN persons p ON p.id = a.person_id"
        " WHERE a.case_id = ? ORDER BY a.id",
        [case_id],
    )
    chron = _links(store, case_id, "act", "chronology")
    evidence = _links(store, case_id, "act", "evidence")
    status = {c.act: c.status for c in classifications(store, case_id) if not c.superseded}
    bearing: dict[str, list[str]] = {}
    for f in factors(store, case_id):
        for act in f.acts:
            bearing.setdefault(act, []).append(f.ref)
    return [
        Act(
            id=r["id"],
            case_id=case_id,
            ref=r["ref"],
            kind=r["kind"],
            person=r["pseudonym"],
            when=r["when_text"],
            description=r["description"],
            chronology=chron.get(r["id"], ()),
            evidence=evidence.get(r["id"], ()),
            added_at=datetime.fromisoformat(r["added_at"]),
            added_by=r["added_by"],
            status=status.get(r["ref"], "unclassified"),
            factors=tuple(bearing.get(r["ref"], ())),
        )
        for r in rows
    ]


# -- factors -------------------------------------------------------------------------
def insert_factor(
    store: Store,
    case_id: str,
    *,
    ref: str,
    code: str,
    label: str,
    level: str,
    taxonomy: tuple[str, int, str],
    note: str,
    act_ids: Sequence[int],
    evidence_ids: Sequence[int],
    at: datetime,
    by: str,
) -> int:
    """Record a contributory factor and its links; returns its row id."""
    name, version, digest = taxonomy
    cursor = store.db.execute(
        "INSERT INTO factors (case_id, ref, code, label, level, taxonomy, taxonomy_version,"
        " taxonomy_hash, note, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [case_id, ref, code, label, level, name, version, digest, note, at.isoformat(), by],
    )
    factor_id = int(cursor.lastrowid or 0)
    _link(store, "factor", factor_id, "act", act_ids)
    _link(store, "factor", factor_id, "evidence", evidence_ids)
    return factor_id


def factors(store: Store, case_id: str) -> list[Factor]:
    """The case's contributory factors, in the order recorded."""
    rows = fetch_rows(store.db, "SELECT * FROM factors WHERE case_id = ? ORDER BY id", [case_id])
    on_acts = _links(store, case_id, "factor", "act")
    evidence = _links(store, case_id, "factor", "evidence")
    return [
        Factor(
            id=r["id"],
            case_id=case_id,
            ref=r["ref"],
            code=r["code"],
            label=r["label"],
            level=r["level"],
            taxonomy=r["taxonomy"],
            taxonomy_version=int(r["taxonomy_version"]),
            taxonomy_hash=r["taxonomy_hash"],
            note=r["note"],
            acts=on_acts.get(r["id"], ()),
            evidence=evidence.get(r["id"], ()),
            added_at=datetime.fromisoformat(r["added_at"]),
            added_by=r["added_by"],
        )
        for r in rows
    ]


# -- classifications -----------------------------------------------------------------
def insert_classification(
    store: Store,
    case_id: str,
    *,
    act_id: int,
    version: int,
    record: dict[str, Any],
    evidence_ids: Sequence[int],
    at: datetime,
    by: str,
    by_ids: Sequence[int],
    role: str,
) -> int:
    """Store one version of an act's classification (with the accounts' ids); its row id."""
    outcome = record["outcome"]
    cursor = store.db.execute(
        "INSERT INTO classifications (case_id, act_id, version, tree, tree_version, tree_hash,"
        " outcome, category, refers_onward, record, classified_at, classified_by, role,"
        " classified_by_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            case_id,
            act_id,
            version,
            record["tree"],
            record["version"],
            record["content_hash"],
            outcome["id"],
            outcome["category"],
            int(bool(outcome["refers_onward"])),
            json.dumps(record, sort_keys=True, ensure_ascii=False),
            at.isoformat(),
            by,
            role,
            ",".join(map(str, by_ids)),
        ],
    )
    row_id = int(cursor.lastrowid or 0)
    _link(store, "classification", row_id, "evidence", evidence_ids)
    return row_id


def insert_review(
    store: Store,
    classification_id: int,
    *,
    action: str,
    reason: str | None,
    at: datetime,
    by: str,
    role: str,
) -> None:
    """Record a reviewer's confirmation or return."""
    store.db.execute(
        "INSERT INTO classification_reviews (classification_id, action, reason, reviewed_at,"
        " reviewed_by, role) VALUES (?, ?, ?, ?, ?, ?)",
        [classification_id, action, reason, at.isoformat(), by, role],
    )


def classifications(store: Store, case_id: str, act_ref: str | None = None) -> list[Classification]:
    """Every version of every act's classification (or one act's), oldest first."""
    where = "c.case_id = ?" + (" AND a.ref = ?" if act_ref else "")
    params = [case_id, act_ref] if act_ref else [case_id]
    rows = fetch_rows(
        store.db,
        "SELECT c.*, a.ref AS act_ref, (SELECT MAX(version) FROM classifications l"
        " WHERE l.act_id = c.act_id) AS latest FROM classifications c"
        f" JOIN acts a ON a.id = c.act_id WHERE {where} ORDER BY c.act_id, c.version",
        params,
    )
    reviews: dict[int, list[Review]] = {}
    for r in fetch_rows(
        store.db,
        "SELECT r.* FROM classification_reviews r JOIN classifications c"
        " ON c.id = r.classification_id WHERE c.case_id = ? ORDER BY r.id",
        [case_id],
    ):
        reviews.setdefault(r["classification_id"], []).append(
            Review(
                r["action"],
                r["reason"],
                datetime.fromisoformat(r["reviewed_at"]),
                r["reviewed_by"],
                r["role"],
            )
        )
    return [
        Classification(
            id=r["id"],
            case_id=case_id,
            act=r["act_ref"],
            version=int(r["version"]),
            record=json.loads(r["record"]),
            classified_at=datetime.fromisoformat(r["classified_at"]),
            classified_by=r["classified_by"],
            role=r["role"],
            classified_by_ids=frozenset(
                int(i) for i in (r.get("classified_by_ids") or "").split(",") if i
            ),
            superseded=int(r["version"]) < int(r["latest"]),
            reviews=tuple(reviews.get(r["id"], ())),
        )
        for r in rows
    ]


# -- findings ------------------------------------------------------------------------
def insert_finding(
    store: Store,
    case_id: str,
    *,
    ref: str,
    kind: str,
    text: str,
    act_ids: Sequence[int],
    factor_ids: Sequence[int],
    evidence_ids: Sequence[int],
    at: datetime,
    by: str,
) -> int:
    """Record a finding and its links; returns its row id."""
    cursor = store.db.execute(
        "INSERT INTO findings (case_id, ref, kind, text, added_at, added_by)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [case_id, ref, kind, text, at.isoformat(), by],
    )
    finding_id = int(cursor.lastrowid or 0)
    _link(store, "finding", finding_id, "act", act_ids)
    _link(store, "finding", finding_id, "factor", factor_ids)
    _link(store, "finding", finding_id, "evidence", evidence_ids)
    return finding_id


def findings(store: Store, case_id: str) -> list[Finding]:
    """The case's findings, in the order recorded."""
    rows = fetch_rows(store.db, "SELECT * FROM findings WHERE case_id = ? ORDER BY id", [case_id])
    links = {t: _links(store, case_id, "finding", t) for t in ("act", "factor", "evidence")}
    return [
        Finding(
            id=r["id"],
            case_id=case_id,
            ref=r["ref"],
            kind=r["kind"],
            text=r["text"],
            acts=links["act"].get(r["id"], ()),
            factors=links["factor"].get(r["id"], ()),
            evidence=links["evidence"].get(r["id"], ()),
            added_at=datetime.fromisoformat(r["added_at"]),
            added_by=r["added_by"],
        )
        for r in rows
    ]
