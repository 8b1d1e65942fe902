"""SQL for the guard facts about a case's analysis: acts, factors and classifications.

The facts the workflow's guards read (``act_refs``, ``acts_unclassified``,
``classifications_unconfirmed``, ``acts_without_factors``,
``classifications_without_evidence``), over the tables :mod:`aaib_cp.analysis.sql` creates.
"""

from __future__ import annotations

import json
from typing import Any

from aaib_cp.db.connection import Database, fetch_rows
from aaib_cp.db.facts import FactRegistry

__all__ = [
    "act_refs",
    "acts_unclassified",
    "acts_without_factors",
    "classifications_unconfirmed",
    "classifications_without_evidence",
]

#: This module's facts about a case (joined by :mod:`aaib_cp.wiring`).
FACTS = FactRegistry()

_CURRENT = (
    "SELECT c.*, a.ref AS act_ref FROM classifications c JOIN acts a ON a.id = c.act_id"
    " WHERE c.case_id = ? AND c.version = (SELECT MAX(version) FROM classifications l"
    " WHERE l.act_id = c.act_id)"
)


@FACTS.register("act_refs")
def act_refs(db: Database, case_id: str) -> list[str]:
    """References of the case's acts of concern, in the order recorded."""
    return [
        r[0] for r in db.execute("SELECT ref FROM acts WHERE case_id = ? ORDER BY id", [case_id])
    ]


@FACTS.register("acts_unclassified")
def acts_unclassified(db: Database, case_id: str) -> list[str]:
    """Acts with no classification at all."""
    rows = db.execute(
        "SELECT a.ref FROM acts a WHERE a.case_id = ? AND NOT EXISTS"
        " (SELECT 1 FROM classifications c WHERE c.act_id = a.id) ORDER BY a.id",
        [case_id],
    )
    return [r[0] for r in rows]


@FACTS.register("classifications_unconfirmed")
def classifications_unconfirmed(db: Database, case_id: str) -> list[dict[str, Any]]:
    """Current classifications that refer the person onward and are not confirmed.

    Each is ``{"act", "version", "outcome", "status", "by", "reason"}``; status is
    ``awaiting_confirmation`` or ``returned`` (with the reviewer and reason).
    """
    out = []
    for r in fetch_rows(db, f"{_CURRENT} AND c.refers_onward = 1 ORDER BY c.act_id", [case_id]):
        last = db.execute(
            "SELECT action, reviewed_by, reason FROM classification_reviews"
            " WHERE classification_id = ? ORDER BY id DESC LIMIT 1",
            [r["id"]],
        ).fetchone()
        if last is not None and last[0] == "confirmed":
            continue
        out.append(
            {
                "act": r["act_ref"],
                "version": r["version"],
                "outcome": json.loads(r["record"])["outcome"]["label"],
                "status": "returned" if last is not None else "awaiting_confirmation",
                "by": last[1] if last is not None else None,
                "reason": last[2] if last is not None else None,
            }
        )
    return out


@FACTS.register("acts_without_factors")
def acts_without_factors(db: Database, case_id: str) -> list[str]:
    """Acts that no contributory factor bears on."""
    rows = db.execute(
        "SELECT a.ref FROM acts a WHERE a.case_id = ? AND NOT EXISTS (SELECT 1 FROM"
        " analysis_links l WHERE l.owner = 'factor' AND l.target = 'act' AND l.target_id = a.id)"
        " ORDER BY a.id",
        [case_id],
    )
    return [r[0] for r in rows]


@FACTS.register("classifications_without_evidence")
def classifications_without_evidence(db: Database, case_id: str) -> list[str]:
    """Acts whose current classification cites no evidence item."""
    rows = db.execute(
        f"{_CURRENT} AND NOT EXISTS (SELECT 1 FROM analysis_links k WHERE"
        " k.owner = 'classification' AND k.owner_id = c.id AND k.target = 'evidence')"
        " ORDER BY c.act_id",
        [case_id],
    )
    columns = [c[0] for c in rows.description]
    return [dict(zip(columns, r, strict=True))["act_ref"] for r in rows]
