"""A complete sample investigation, from notification to closed, on fictional people.

Used by ``aaib demo`` and by the tests, so the demo can never silently rot.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from .definition import load_workflow
from .engine import Engine
from .exceptions import TransitionRefused

__all__ = ["run_demo"]

CHIEF = ("Chris Ode", "chief_investigator")
LEAD = ("Lee Park", "lead_investigator")


def run_demo(engine: Engine, *, say: Callable[[str], None] = print) -> str:
    """Run the sample investigation in ``engine``; returns the case reference."""
    definition = load_workflow("child-protection")
    known_on = engine.clock().date() - timedelta(days=2)
    case = engine.open_case(
        definition,
        title="Child A (sample case)",
        known_on=known_on,
        actor="Ana Ruiz",
        role="notifier",
        reason="Local authority notification",
    )
    say(f"Opened {case.id} in '{case.state}' (incident known on {known_on}).")

    def fire(trigger: str, who: tuple[str, str], **kwargs: object) -> None:
        event = engine.fire(case.id, trigger, actor=who[0], role=who[1], **kwargs)  # type: ignore[arg-type]
        say(f"  {trigger:<28} {event.from_state} -> {event.to_state}")

    fire("start_triage", CHIEF)
    fire(
        "decide_investigate",
        CHIEF,
        fields={"classification": "serious_harm", "depth": "field"},
        reason="Several agencies were involved; practice may hold wider lessons.",
    )
    try:
        engine.fire(
            case.id,
            "agree_scope",
            actor=CHIEF[0],
            role=CHIEF[1],
            fields={"terms_of_reference": "Multi-agency response, Jan-Mar"},
        )
    except TransitionRefused as refused:
        say(f"  refused, as it should be:    {refused}")
    engine.appoint(case.id, LEAD[0], LEAD[1], actor=CHIEF[0], role=CHIEF[1])
    say(f"  appointed {LEAD[0]} as independent lead investigator")
    fire(
        "agree_scope",
        LEAD,
        fields={"terms_of_reference": "How agencies shared information about Child A, Jan-Mar."},
    )
    fire("suspend", LEAD, reason="Criminal proceedings under way; police asked for a pause.")
    fire("resume", LEAD, reason="The police have completed their interviews.")
    engine.appoint(case.id, "Sam Idowu", "investigator", actor=LEAD[0], role=LEAD[1])
    say("  appointed Sam Idowu as investigator")
    fire("begin_analysis", LEAD)
    fire("begin_classification", LEAD)
    engine.appoint(case.id, "Rita Haas", "reviewer", actor=LEAD[0], role=LEAD[1])
    say("  appointed Rita Haas as reviewer")
    fire("begin_recommendations", LEAD)
    fire("write_draft", LEAD)
    fire("send_for_consultation", LEAD)
    fire("issue_final_report", LEAD)
    fire("track_responses", LEAD)
    fire("close", LEAD, reason="All recommendations answered and assessed.")
    final = engine.get(case.id)
    broken = engine.verify(case.id)
    say(f"{case.id} is '{final.state}'. Audit trail: {'intact' if broken is None else broken}.")
    return case.id
