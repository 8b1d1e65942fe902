"""SQL for learning across cases: theme counts and the rows of the public dataset.

Themes count by case: ``since`` keeps cases opened on or after that date. The rows
read here are raw (free text as written); :mod:`aaib_cp.learning.service` anonymises them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from aaib_cp.db.connection import fetch_rows
from aaib_cp.db.store import Store
from aaib_cp.learning import sql_search as search

__all__ = [
    "all_people",
    "factor_counts",
    "has_recommendations",
    "public_rows",
    "recommendation_rows",
    "source_rows",
]


def _since(since: date | None) -> tuple[str, list[Any]]:
    if since is None:
        return "", []
    return " AND substr(c.opened_at, 1, 10) >= ?", [since.isoformat()]


def has_recommendations(store: Store) -> bool:
    """True when this database has the recommendations tables."""
    row = store.db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'recommendation_responses'"
    ).fetchone()
    return row is not None


def factor_counts(store: Store, since: date | None = None) -> list[dict[str, Any]]:
    """Per factor code: level, label (latest recorded), factors and cases; most cases first."""
    clause, params = _since(since)
    return fetch_rows(
        store.db,
        "SELECT f.code, f.level, (SELECT label FROM factors l WHERE l.code = f.code"
        " ORDER BY l.id DESC LIMIT 1) AS label, f.taxonomy, count(*) AS factors,"
        " count(DISTINCT f.case_id) AS cases, group_concat(DISTINCT f.case_id) AS case_ids"
        f" FROM factors f JOIN cases c ON c.id = f.case_id WHERE 1 = 1{clause}"
        " GROUP BY f.code ORDER BY cases DESC, factors DESC, f.code",
        params,
    )


def recommendation_rows(store: Store, since: date | None = None) -> list[dict[str, Any]]:
    """Every recommendation with its status and latest response grade (none without them)."""
    if not has_recommendations(store):
        return []
    clause, params = _since(since)
    return fetch_rows(
        store.db,
        "SELECT r.case_id, r.ref, r.addressee, r.text, r.priority, r.status, r.issued_on,"
        " r.response_due, (SELECT x.grade FROM recommendation_responses x"
        " WHERE x.recommendation_id = r.id ORDER BY x.n DESC LIMIT 1) AS grade,"
        " (SELECT count(*) FROM recommendation_responses x"
        " WHERE x.recommendation_id = r.id) AS responses"
        f" FROM recommendations r JOIN cases c ON c.id = r.case_id WHERE 1 = 1{clause}"
        " ORDER BY r.case_id, r.id",
        params,
    )


def response_rows(store: Store, case_id: str) -> list[dict[str, Any]]:
    """A case's responses to recommendations (none without the tables)."""
    if not has_recommendations(store):
        return []
    return fetch_rows(
        store.db,
        "SELECT r.ref AS recommendation, x.n, x.text, x.received_on, x.grade, x.assessed_on"
        " FROM recommendation_responses x JOIN recommendations r ON r.id = x.recommendation_id"
        " WHERE r.case_id = ? ORDER BY r.id, x.n",
        [case_id],
    )


def all_people(store: Store) -> list[dict[str, Any]]:
    """Every registered person of every case, with their restricted identifiers."""
    return fetch_rows(
        store.db,
        "SELECT p.case_id, p.pseudonym, p.role, p.real_name, p.date_of_birth, p.address,"
        " a.name AS agency FROM persons p LEFT JOIN agencies a ON a.id = p.agency_id"
        " ORDER BY p.case_id, p.id",
    )


def source_rows(store: Store, case_id: str, kinds: Sequence[str]) -> list[tuple[str, str, str]]:
    """``(kind, ref, text)`` of a case's records of ``kinds``, as the search index has them."""
    out: list[tuple[str, str, str]] = []
    for source in search.SOURCES:
        if source.kind not in kinds:
            continue
        rows = store.db.execute(
            f"SELECT {source.ref}, {source.text} FROM {source.table} AS NEW"
            f" WHERE {source.case} = ? ORDER BY NEW.id",
            [case_id],
        )
        out.extend((source.kind, str(ref), str(text)) for ref, text in rows)
    return out


def public_rows(store: Store, case_id: str) -> dict[str, list[dict[str, Any]]]:
    """The raw rows of one case for the public dataset (restricted columns left out)."""
    db = store.db
    people = {
        r["id"]: r
        for r in fetch_rows(
            db,
            "SELECT p.id, p.pseudonym, p.role, a.name AS agency FROM persons p"
            " LEFT JOIN agencies a ON a.id = p.agency_id WHERE p.case_id = ? ORDER BY p.id",
            [case_id],
        )
    }
    who: dict[int, list[str]] = {}
    for entry_id, person_id in db.execute(
        "SELECT cp.entry_id, cp.person_id FROM chronology_people cp"
        " JOIN chronology_entries c ON c.id = cp.entry_id WHERE c.case_id = ?"
        " ORDER BY cp.person_id",
        [case_id],
    ):
        who.setdefault(entry_id, []).append(people[person_id]["pseudonym"])
    chronology = []
    for r in fetch_rows(
        db,
        "SELECT c.id, c.ref, c.when_text, a.name AS agency, c.what, c.key_episode"
        " FROM chronology_entries c JOIN agencies a ON a.id = c.agency_id"
        " WHERE c.case_id = ? ORDER BY c.id",
        [case_id],
    ):
        chronology.append(
            {
                "case_id": case_id,
                "ref": r["ref"],
                "when": r["when_text"],
                "agency": r["agency"],
                "people": "; ".join(who.get(r["id"], [])),
                "what": r["what"],
                "key_episode": bool(r["key_episode"]),
            }
        )
    links: dict[tuple[str, int, str], list[str]] = {}
    for owner, owner_id, target, label in db.execute(
        "SELECT l.owner, l.owner_id, l.target, coalesce(a.ref, f.ref) FROM analysis_links l"
        " LEFT JOIN acts a ON l.target = 'act' AND a.id = l.target_id"
        " LEFT JOIN factors f ON l.target = 'factor' AND f.id = l.target_id"
        " WHERE l.target IN ('act', 'factor') AND coalesce(a.case_id, f.case_id) = ?"
        " ORDER BY l.owner_id, l.position",
        [case_id],
    ):
        links.setdefault((owner, owner_id, target), []).append(label)
    acts = [
        {
            "case_id": case_id,
            "ref": r["ref"],
            "kind": r["kind"],
            "person": r["pseudonym"],
            "when": r["when_text"],
            "description": r["description"],
        }
        for r in fetch_rows(
            db,
            "SELECT a.*, p.pseudonym FROM acts a JOIN persons p ON p.id = a.person_id"
            " WHERE a.case_id = ? ORDER BY a.id",
            [case_id],
        )
    ]
    factors = [
        {
            "case_id": case_id,
            "ref": r["ref"],
            "code": r["code"],
            "level": r["level"],
            "label": r["label"],
            "taxonomy": r["taxonomy"],
            "note": r["note"],
            "acts": "; ".join(links.get(("factor", r["id"], "act"), [])),
        }
        for r in fetch_rows(db, "SELECT * FROM factors WHERE case_id = ? ORDER BY id", [case_id])
    ]
    findings = [
        {
            "case_id": case_id,
            "ref": r["ref"],
            "kind": r["kind"],
            "text": r["text"],
            "acts": "; ".join(links.get(("finding", r["id"], "act"), [])),
            "factors": "; ".join(links.get(("finding", r["id"], "factor"), [])),
        }
        for r in fetch_rows(db, "SELECT * FROM findings WHERE case_id = ? ORDER BY id", [case_id])
    ]
    recommendations = [
        {k: r[k] for k in ("case_id", "ref", "addressee", "text", "priority", "status", "grade")}
        for r in recommendation_rows(store)
        if r["case_id"] == case_id
    ]
    responses = [{"case_id": case_id, **r} for r in response_rows(store, case_id)]
    return {
        "people": [
            {
                "case_id": case_id,
                "pseudonym": p["pseudonym"],
                "role": p["role"],
                "agency": p["agency"],
            }
            for p in people.values()
        ],
        "chronology": chronology,
        "acts": acts,
        "factors": factors,
        "findings": findings,
        "recommendations": recommendations,
        "responses": responses,
    }
