"""Shared test journeys: record what the shipped workflow's guards need, in one place.

When a guard is added to workflows/child-protection.yaml, extend the matching
helper here so every test that walks a case through that transition keeps working.
"""

from __future__ import annotations

from aaib_cp.casebook import Casebook
from aaib_cp.engine import Engine
from aaib_cp.safetybook import SafetyBook

LEAD = {"actor": "Lee", "role": "lead_investigator"}
#: The agency :func:`supply_evidence` registers.
AGENCY = "Northshire Children's Services"


def supply_evidence(engine: Engine, case_id: str, *, who: dict[str, str] = LEAD) -> None:
    """One agency with an evidence item, a child, and a chronology entry citing the item."""
    book = Casebook(engine)
    agency = AGENCY
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


def consult(engine: Engine, case_id: str, *, who: dict[str, str] = LEAD) -> None:
    """In consultation: send the draft to the agency, which makes no representation.

    Satisfies the guards of ``issue_final_report`` (needs :func:`supply_evidence` first).
    """
    book = SafetyBook(engine)
    book.send_draft(case_id, [AGENCY], **who)
    book.represent(case_id, AGENCY, none=True, **who)


def settle_and_feed_back(engine: Engine, case_id: str, *, who: dict[str, str] = LEAD) -> None:
    """In response tracking: close every open recommendation, record a feedback session.

    Satisfies the guards of ``close``.
    """
    book = SafetyBook(engine)
    for rec in book.recommendations(case_id):
        if rec.status != "closed":
            book.close_recommendation(case_id, rec.ref, reason="settled for the test", **who)
    book.add_feedback(case_id, held_on=engine.clock().date(), attendees=["Sam"], **who)
