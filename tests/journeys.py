"""Shared test journeys: record what the shipped workflow's guards need, in one place.

When a guard is added to workflows/child-protection.yaml, extend the matching
helper here so every test that walks a case through that transition keeps working.
"""

from __future__ import annotations

from aaib_cp.casebook import Casebook
from aaib_cp.engine import Engine

LEAD = {"actor": "Lee", "role": "lead_investigator"}
DEFAULT_AGENCY = "Northshire Children's Services"


def supply_evidence(engine: Engine, case_id: str, *, who: dict[str, str] = LEAD) -> None:
    """Every agency (one is added if none) supplies an item and a chronology entry citing it."""
    book = Casebook(engine)
    if not book.agencies(case_id):
        book.add_agency(case_id, DEFAULT_AGENCY, "social_care", **who)
    if not any(p.role == "child" for p in book.people(case_id)):
        book.add_person(case_id, "Amy Example", "child", **who)
    for agency in book.agencies(case_id):
        item = book.add_evidence(
            case_id,
            kind="case_record",
            description=f"Case file from {agency.name}",
            obtained_how="requested",
            obtained_on=engine.clock().date(),
            agency=agency.name,
            **who,
        )
        book.add_entry(
            case_id,
            when="2026-01-10",
            agency=agency.name,
            what="Home visit",
            people=["Amy Example"],
            evidence=item.ref,
            **who,
        )
