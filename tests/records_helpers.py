"""Shared set-up for the casebook tests: a case in the evidence phase with a team."""

from __future__ import annotations

from datetime import date

from aaib_cp import Engine
from tests.people import acct, as_role

CHIEF = as_role("Chris", "chief_investigator")
LEAD = as_role("Lee", "lead_investigator")
SAM = as_role("Sam", "investigator")


def case_in_evidence(engine: Engine, workflow) -> str:
    """Open a case and bring it to 'evidence' with Lee (lead) and Sam (investigator)."""
    case = engine.open_case(
        workflow, title="Child A", known_on=date(2026, 2, 25), **as_role("Ana", "notifier")
    )
    engine.fire(case.id, "start_triage", **CHIEF)
    engine.fire(
        case.id,
        "decide_investigate",
        reason="why",
        fields={"classification": "serious_harm", "depth": "field"},
        **CHIEF,
    )
    engine.appoint(case.id, acct("Lee"), "lead_investigator", **CHIEF)
    engine.fire(case.id, "agree_scope", fields={"terms_of_reference": "scope"}, **LEAD)
    engine.appoint(case.id, acct("Sam"), "investigator", **LEAD)
    return case.id
