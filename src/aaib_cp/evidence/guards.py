"""Guards of the evidence: every agency has supplied evidence and appears in the chronology.

Each reads facts computed by :mod:`aaib_cp.evidence.sql`; :mod:`aaib_cp.wiring` adds
:data:`GUARDS` to the shared registry.
"""

from __future__ import annotations

from aaib_cp.workflow.guards import CaseView, GuardRegistry, names_list

__all__ = ["GUARDS"]

#: This phase's guards.
GUARDS = GuardRegistry()


@GUARDS.register(
    "every_agency_supplied_evidence",
    describe="every involved agency has supplied evidence or a recorded reason why not",
    facts=lambda _: {
        "agency_names": ([], ["Police"]),
        "agencies_without_evidence": ([], ["Police"]),
    },
)
def every_agency_supplied_evidence(view: CaseView, param: None) -> str | None:
    """At least one agency is registered, and each has an evidence item or a no-evidence reason."""
    if not view.fact("agency_names"):
        return "no agency is registered on the case"
    missing = view.fact("agencies_without_evidence")
    if not missing:
        return None
    return f"no evidence item or recorded reason from: {names_list(missing)}"


@GUARDS.register(
    "chronology_covers_every_agency",
    describe="the chronology has at least one entry from every involved agency",
    facts=lambda _: {
        "agency_names": ([], ["Police"]),
        "agencies_without_chronology": ([], ["Police"]),
    },
)
def chronology_covers_every_agency(view: CaseView, param: None) -> str | None:
    """At least one agency is registered, and each has an entry in the chronology."""
    if not view.fact("agency_names"):
        return "no agency is registered on the case"
    missing = view.fact("agencies_without_chronology")
    if not missing:
        return None
    return f"the chronology has no entry from: {names_list(missing)}"
