"""Guards of the analysis: acts are classified (and confirmed), have factors and cite evidence.

Each reads facts computed by :mod:`aaib_cp.analysis.sql`; :mod:`aaib_cp.wiring` adds
:data:`GUARDS` to the shared registry.
"""

from __future__ import annotations

from aaib_cp.workflow.guards import CaseView, GuardRegistry

__all__ = ["GUARDS"]

#: This phase's guards.
GUARDS = GuardRegistry()


@GUARDS.register(
    "acts_classified",
    describe=(
        "every act of concern has a classification, confirmed by a reviewer where it"
        " refers the person onward"
    ),
    facts=lambda _: {
        "act_refs": ([], ["A1"]),
        "acts_unclassified": ([], ["A1"]),
        "classifications_unconfirmed": (
            [],
            [{"act": "A1", "outcome": "Sabotage", "status": "pending", "by": "", "reason": ""}],
        ),
    },
)
def acts_classified(view: CaseView, param: None) -> str | None:
    """At least one act is recorded; each is classified, wrongdoing outcomes confirmed."""
    if not view.fact("act_refs"):
        return "no act of concern is recorded (aaib act add)"
    problems = [f"act {ref} is not classified" for ref in view.fact("acts_unclassified")]
    for item in view.fact("classifications_unconfirmed"):
        what = f"act {item['act']} ({item['outcome'].lower()})"
        if item["status"] == "returned":
            problems.append(
                f"{what} was returned by reviewer {item['by']} ({item['reason']}) and must be"
                " classified again"
            )
        else:
            problems.append(f"{what} awaits confirmation by a reviewer")
    return "; ".join(problems) or None


@GUARDS.register(
    "acts_have_factors",
    describe="at least one contributory factor bears on every act of concern",
    facts=lambda _: {"acts_without_factors": ([], ["A1"])},
)
def acts_have_factors(view: CaseView, param: None) -> str | None:
    """Every act of concern has at least one contributory factor."""
    missing = view.fact("acts_without_factors")
    if not missing:
        return None
    return "; ".join(f"act {ref} has no contributory factor" for ref in missing)


@GUARDS.register(
    "classifications_cite_evidence",
    describe="every classification cites at least one evidence item",
    facts=lambda _: {"classifications_without_evidence": ([], ["A1"])},
)
def classifications_cite_evidence(view: CaseView, param: None) -> str | None:
    """The current classification of every act cites at least one evidence item."""
    missing = view.fact("classifications_without_evidence")
    if not missing:
        return None
    return "; ".join(f"the classification of act {ref} cites no evidence item" for ref in missing)
