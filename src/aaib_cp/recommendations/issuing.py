"""Issuing recommendations: one at a time, or every pending one with the final report.

The rule lives here once. :meth:`RecommendationService.issue_recommendation
<aaib_cp.recommendations.recommending.RecommendationService.issue_recommendation>` issues
one; the effect :func:`issue_with_final_report`, registered for every trigger, issues
every draft when a case first enters a state of its workflow's ``published`` phase,
whatever that workflow calls the trigger (``issue_final_report``,
``publish_final_report``, ...). :mod:`aaib_cp.wiring` adds :data:`EFFECTS` to the engine's.
"""

from __future__ import annotations

from datetime import datetime

from aaib_cp.db import Store
from aaib_cp.recommendations import sql as sdb
from aaib_cp.recommendations.model import Recommendation, due_after
from aaib_cp.workflow.definition import WorkflowDefinition
from aaib_cp.workflow.effects import EVERY_TRIGGER, EffectRegistry
from aaib_cp.workflow.identity import Actor
from aaib_cp.workflow.model import Case, EventKind

__all__ = ["EFFECTS", "issue", "issue_pending", "issue_with_final_report"]

#: This module's effects (joined by :mod:`aaib_cp.wiring`).
EFFECTS = EffectRegistry()


def issue(
    store: Store,
    case: Case,
    rec: Recommendation,
    *,
    definition: WorkflowDefinition,
    at: datetime,
    actor: Actor,
    role: str | None,
    with_report: bool = False,
) -> None:
    """Issue ``rec`` today, its response due ``recommendation_response_days`` later; audited."""
    today = at.date()
    due = due_after(today, int(definition.setting("recommendation_response_days")))
    sdb.issue(store, rec, on=today, due=due)
    detail = {"recommendation": rec.ref, "response_due": due.isoformat()}
    if with_report:
        detail["with"] = "final report"
    store.append_event(
        case.id, at=at, actor=actor, role=role, kind=EventKind.RECOMMENDATION_ISSUED, detail=detail
    )


def issue_pending(
    store: Store,
    case: Case,
    *,
    definition: WorkflowDefinition,
    at: datetime,
    actor: Actor,
    role: str | None,
) -> list[str]:
    """Issue every draft (not closed) recommendation of the case; one audit event each."""
    issued = []
    for rec in sdb.recommendations(store, case.id):
        if rec.issued or rec.status == "closed":
            continue
        issue(
            store, case, rec, definition=definition, at=at, actor=actor, role=role, with_report=True
        )
        issued.append(rec.ref)
    return issued


def _first_time_published(store: Store, case: Case, definition: WorkflowDefinition) -> bool:
    published = definition.phase_states("published")
    if case.state not in published:
        return False
    return sdb.moves_into(store, case.id, sorted(published)) == 1


@EFFECTS.register(EVERY_TRIGGER)
def issue_with_final_report(
    store: Store,
    case: Case,
    *,
    definition: WorkflowDefinition,
    at: datetime,
    actor: Actor,
    role: str | None,
) -> None:
    """After a move: on first entering the ``published`` phase, issue every pending draft."""
    if _first_time_published(store, case, definition):
        issue_pending(store, case, definition=definition, at=at, actor=actor, role=role)
