"""Guards of consultation and recommendations: the draft is answered, feedback given, all settled.

Each reads facts computed by :mod:`aaib_cp.recommendations.sql`; :mod:`aaib_cp.wiring` adds
:data:`GUARDS` to the shared registry.
"""

from __future__ import annotations

from aaib_cp.workflow.guards import CaseView, GuardRegistry, names_list

__all__ = ["GUARDS"]

#: This phase's guards.
GUARDS = GuardRegistry()


@GUARDS.register(
    "draft_sent_to_parties",
    describe="the draft report has been sent to at least one directly involved party",
    facts=lambda _: {"consultation_parties": ([], ["Police"])},
)
def draft_sent_to_parties(view: CaseView, param: None) -> str | None:
    """At least one party was sent the draft for consultation."""
    if view.fact("consultation_parties"):
        return None
    return "the draft has not been sent to any party (aaib consultation send)"


@GUARDS.register(
    "every_party_answered",
    describe="every party sent the draft has made representations or is recorded as making none",
    facts=lambda _: {"parties_not_answered": ([], ["Police"])},
)
def every_party_answered(view: CaseView, param: None) -> str | None:
    """Each party has a representation, or a record that it made none (e.g. the period ended)."""
    missing = view.fact("parties_not_answered")
    if not missing:
        return None
    return f"no representation, nor a record of none, from: {names_list(missing)}"


@GUARDS.register(
    "representations_dispositioned",
    describe="every representation on the draft is accepted, partly accepted or not accepted",
    facts=lambda _: {"representations_undisposed": ([], ["R1"])},
)
def representations_dispositioned(view: CaseView, param: None) -> str | None:
    """Every representation has a disposition."""
    missing = view.fact("representations_undisposed")
    if not missing:
        return None
    return f"representations without a disposition: {names_list(missing)}"


@GUARDS.register(
    "feedback_session_recorded",
    describe="a feedback session with staff has been recorded",
    facts=lambda _: {"feedback_sessions": (1, 0)},
)
def feedback_session_recorded(view: CaseView, param: None) -> str | None:
    """At least one feedback session is recorded."""
    if view.fact("feedback_sessions"):
        return None
    return "no feedback session with staff is recorded (aaib feedback add)"


@GUARDS.register(
    "recommendations_settled",
    describe="every recommendation is issued, answered and assessed, or closed",
    facts=lambda _: {"recommendations_unsettled": ([], ["CP-2026-0001-SR01 has no response"])},
)
def recommendations_settled(view: CaseView, param: None) -> str | None:
    """Each recommendation not closed is issued and its latest response assessed."""
    missing = view.fact("recommendations_unsettled")
    if not missing:
        return None
    return "; ".join(missing)
