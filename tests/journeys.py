"""Shared test journeys: record what the shipped workflow's guards need, in one place.

When a guard is added to workflows/child-protection.yaml, extend the matching
helper here so every test that walks a case through that transition keeps working.
"""

from __future__ import annotations

from aaib_cp.evidence.service import Casebook
from aaib_cp.recommendations.service import SafetyBook
from aaib_cp.workflow.engine import Engine
from tests.people import as_role

LEAD = as_role("Lee", "lead_investigator")
DEFAULT_AGENCY = "Northshire Children's Services"
#: The agency :func:`supply_evidence` registers when the case has none.
AGENCY = DEFAULT_AGENCY


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


#: Answers to Reason's tree that end in a blameless error (no second signature needed).
BLAMELESS = {
    "actions_intended": False,
    "unauthorised_substance": False,
    "knowingly_violating": False,
    "substitution_test": True,
    "unsafe_acts_history": False,
}
#: Answers to Reason's tree that end in a possible reckless violation (refers onward).
RECKLESS = {
    "actions_intended": True,
    "consequences_intended": False,
    "unauthorised_substance": False,
    "knowingly_violating": True,
    "procedures_sound": True,
}
PEERS = "Two social workers in the same team with similar caseloads"


def answers(plan: dict[str, bool], evidence: tuple[str, ...] = ("E1",)) -> dict:
    """AnswerGiven for each answer in ``plan``, each with a rationale and the evidence."""
    from aaib_cp.analysis.classification import AnswerGiven

    return {q: AnswerGiven(a, f"Because of what {q} found", evidence) for q, a in plan.items()}


def analyse_and_classify(engine: Engine, case_id: str, *, who: dict[str, str] = LEAD) -> str:
    """What begin_recommendations needs: an act with a factor and an evidenced classification.

    Needs supply_evidence first (it cites E1 and C1); the act is a blameless error, so no
    reviewer's confirmation is needed. Returns the act's reference.
    """
    from aaib_cp.analysis.service import Analysis

    book = Casebook(engine)
    if not any(p.real_name == "Sue Example" for p in book.people(case_id)):  # a retry
        book.add_person(case_id, "Sue Example", "social worker", **who)
    analysis = Analysis(engine)
    act = analysis.add_act(
        case_id,
        person="Social Worker 1",
        when="2026-01-10",
        description="Closed the case after one home visit",
        chronology=["C1"],
        evidence=["E1"],
        **who,
    )
    analysis.add_factor(
        case_id, code="ORG.CASELOAD", acts=[act.ref], evidence=["E1"], note="30 cases", **who
    )
    analysis.classify(case_id, act.ref, answers(BLAMELESS), peers=PEERS, **who)
    return act.ref


def consult(engine: Engine, case_id: str, *, who: dict[str, str] = LEAD) -> None:
    """In consultation: send the draft to every agency, each recorded as making none.

    Satisfies the guards of ``issue_final_report`` (needs :func:`supply_evidence` first).
    """
    book = SafetyBook(engine)
    names = [a.name for a in Casebook(engine).agencies(case_id)]
    book.send_draft(case_id, names, **who)
    for name in names:
        book.represent(case_id, name, none=True, **who)


def settle_and_feed_back(engine: Engine, case_id: str, *, who: dict[str, str] = LEAD) -> None:
    """In response tracking: close every open recommendation, record a feedback session.

    Satisfies the guards of ``close``.
    """
    book = SafetyBook(engine)
    for rec in book.recommendations(case_id):
        if rec.status != "closed":
            book.close_recommendation(case_id, rec.ref, reason="settled for the test", **who)
    book.add_feedback(case_id, held_on=engine.clock().date(), attendees=["Sam"], **who)
