"""The parts of a report that follow from the analysis, read through the safety book.

Moved here from ``SafetyBook.report_parts`` so that the recommendations phase never
imports the reports phase built on it.
"""

from __future__ import annotations

from typing import Any

from aaib_cp.recommendations.service import SafetyBook
from aaib_cp.reports import model as rm
from aaib_cp.workflow.engine import Engine

__all__ = ["safety_parts"]


def safety_parts(engine: Engine, case_id: str) -> dict[str, Any]:
    """The parts of :class:`~aaib_cp.reports.ReportData` the safety records fill.

    Keys: ``recommendations``, ``safety_actions``, ``consultation``, ``feedback``
    and ``protected`` (evidence reference -> protected flag, for
    ``EvidenceSummary.protected``). People appear by pseudonym only.
    """
    book = SafetyBook(engine)
    recs = tuple(
        rm.Recommendation(
            ref=r.ref,
            addressee=r.addressee,
            text=r.text,
            priority=r.priority,
            status=r.status,
            response_grade=r.grade,
            deadline=r.response_due.isoformat() if r.response_due else None,
        )
        for r in book.recommendations(case_id)
    )
    actions = tuple(
        rm.SafetyAction(
            agency=a.organisation,
            text=a.text,
            date=a.taken_on.isoformat() if a.taken_on else None,
        )
        for a in book.safety_actions(case_id)
    )
    parties = book.parties(case_id)
    consultation = None
    if parties:
        counts: dict[str, int] = {}
        cited: list[rm.CitedParagraph] = []
        for rep in book.representations(case_id):
            if rep.none_made:
                continue
            key = (rep.disposition or "not yet dispositioned").replace("_", " ")
            counts[key] = counts.get(key, 0) + 1
            if rep.paragraph:
                cited.append(rm.CitedParagraph(rep.ref, rep.party, rep.paragraph, key))
        consultation = rm.Consultation(
            parties=tuple(p.label for p in parties),
            representations=tuple(counts.items()),
            cited=tuple(cited),
        )
    feedback = tuple(
        rm.FeedbackSession(
            date=s.held_on.isoformat(), attendees=len(s.attendees), audience=s.audience
        )
        for s in book.feedback(case_id)
    )
    return {
        "recommendations": recs,
        "safety_actions": actions,
        "consultation": consultation,
        "feedback": feedback,
        "protected": book.protected_items(case_id),
    }
