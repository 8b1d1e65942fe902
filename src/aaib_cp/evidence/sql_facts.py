"""SQL for the guard facts about a case's agencies, evidence and chronology.

The facts the workflow's guards read (``agency_names``, ``agencies_without_evidence``,
``agencies_without_chronology``), over the tables :mod:`aaib_cp.evidence.sql` creates.
Apart from the records and their SQL, so that a guard reading a fact (``aaib status``)
imports neither.
"""

from __future__ import annotations

from aaib_cp.db.connection import Database
from aaib_cp.db.facts import FactRegistry

__all__ = ["agencies_without_chronology", "agencies_without_evidence", "agency_names"]

#: This module's facts about a case (joined by :mod:`aaib_cp.wiring`).
FACTS = FactRegistry()


@FACTS.register("agency_names")
def agency_names(db: Database, case_id: str) -> list[str]:
    """Names of the agencies registered on the case."""
    rows = db.execute("SELECT name FROM agencies WHERE case_id = ? ORDER BY id", [case_id])
    return [r[0] for r in rows]


@FACTS.register("agencies_without_evidence")
def agencies_without_evidence(db: Database, case_id: str) -> list[str]:
    """Agencies with neither an evidence item nor a recorded reason why not."""
    rows = db.execute(
        "SELECT a.name FROM agencies a WHERE a.case_id = ?"
        " AND NOT EXISTS (SELECT 1 FROM evidence_items e WHERE e.agency_id = a.id)"
        " AND NOT EXISTS (SELECT 1 FROM agency_no_evidence n WHERE n.agency_id = a.id)"
        " ORDER BY a.id",
        [case_id],
    )
    return [r[0] for r in rows]


@FACTS.register("agencies_without_chronology")
def agencies_without_chronology(db: Database, case_id: str) -> list[str]:
    """Agencies with no entry in the chronology."""
    rows = db.execute(
        "SELECT a.name FROM agencies a WHERE a.case_id = ?"
        " AND NOT EXISTS (SELECT 1 FROM chronology_entries c WHERE c.agency_id = a.id)"
        " ORDER BY a.id",
        [case_id],
    )
    return [r[0] for r in rows]
