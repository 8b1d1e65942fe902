"""Shared set-up for the safety tests: a case walked to a given state with its team."""

from __future__ import annotations

from datetime import UTC, date, datetime

from aaib_cp import Engine
from aaib_cp.recommendations.service import SafetyBook
from tests.journeys import AGENCY, analyse_and_classify, consult, supply_evidence
from tests.people import acct, as_role
from tests.records_helpers import CHIEF, LEAD, case_in_evidence

REVIEWER = as_role("Rita", "reviewer")
CHAIR = as_role("Pat", "panel_chair")
SAM = as_role("Sam", "investigator")

_PATH = [
    ("analysis", "begin_analysis"),
    ("classification", "begin_classification"),
    ("recommendations", "begin_recommendations"),
    ("draft_report", "write_draft"),
    ("consultation", "send_for_consultation"),
    ("final_report", "issue_final_report"),
    ("response_tracking", "track_responses"),
]


def at(day: date) -> datetime:
    """Nine in the morning, UTC, on ``day``."""
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC)


def case_at(engine: Engine, workflow, state: str) -> str:
    """A case brought to ``state`` (evidence or later): lead, investigator, reviewer, chair."""
    case_id = case_in_evidence(engine, workflow)
    supply_evidence(engine, case_id)
    engine.appoint(case_id, acct("Rita"), "reviewer", **LEAD)
    engine.appoint(case_id, acct("Pat"), "panel_chair", **CHIEF)
    for _dest, trigger in _PATH:
        if engine.get(case_id).state == state:
            break
        if trigger == "issue_final_report":
            consult(engine, case_id)
        if trigger == "begin_recommendations":
            analyse_and_classify(engine, case_id)
        engine.fire(case_id, trigger, **LEAD)
    assert state == engine.get(case_id).state
    return case_id


def book(engine: Engine) -> SafetyBook:
    """A safety book over the engine."""
    return SafetyBook(engine)


__all__ = ["AGENCY", "CHAIR", "CHIEF", "LEAD", "REVIEWER", "SAM", "at", "book", "case_at"]
