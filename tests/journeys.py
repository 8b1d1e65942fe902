"""Shared test journeys: record what the shipped workflow's guards need, in one place.

When a guard is added to workflows/child-protection.yaml, extend the matching
helper here so every test that walks a case through that transition keeps working.
"""

from __future__ import annotations

from aaib_cp.casebook import Casebook
from aaib_cp.engine import Engine

LEAD = {"actor": "Lee", "role": "lead_investigator"}


def supply_evidence(engine: Engine, case_id: str, *, who: dict[str, str] = LEAD) -> None:
    """One agency with an evidence item, a child, and a chronology entry citing the item."""
    book = Casebook(engine)
    agency = "Northshire Children's Services"
    book.add_agency(case_id, agency, "social_care", **who)
    book.add_person(case_id, "Amy Example", "child", **who)
    item = book.add_evidence(
        case_id,
        kind="case_record",
        description="Case file",
        obtained_how="requested",
        obtained_on=engine.clock().date(),
        agency=agency,
        **who,
    )
    book.add_entry(
        case_id,
        when="2026-01-10",
        agency=agency,
        what="Home visit",
        people=["Amy Example"],
        evidence=item.ref,
        **who,
    )
