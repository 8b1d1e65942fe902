"""Shared set-up for the casebook tests: a case in the evidence phase with a team."""

from __future__ import annotations

from datetime import date

from aaib_cp import Engine

CHIEF = {"actor": "Chris", "role": "chief_investigator"}
LEAD = {"actor": "Lee", "role": "lead_investigator"}
SAM = {"actor": "Sam", "role": "investigator"}


def case_in_evidence(engine: Engine, workflow) -> str:
    """Open a case and bring it to 'evidence' with Lee (lead) and Sam (investigator)."""
    case = engine.open_case(
        workflow, title="Child A", known_on=date(2026, 2, 25), actor="Ana", role="notifier"
    )
    engine.fire(case.id, "start_triage", **CHIEF)
    engine.fire(
        case.id,
        "decide_investigate",
        reason="why",
        fields={"classification": "serious_harm", "depth": "field"},
        **CHIEF,
    )
    engine.appoint(case.id, "Lee", "lead_investigator", **CHIEF)
    engine.fire(case.id, "agree_scope", fields={"terms_of_reference": "scope"}, **LEAD)
    engine.appoint(case.id, "Sam", "investigator", **LEAD)
    return case.id
