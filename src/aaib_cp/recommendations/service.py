"""Recommendations and what follows them: responses, safety actions, consultation, feedback.

:class:`SafetyBook` is the one entry point for what follows from the analysis; it
joins the focused services, each in its own module:

- :class:`~aaib_cp.recommendations.recommending.RecommendationService`: recommendations
  and responses (issuing: :mod:`aaib_cp.recommendations.issuing`);
- :class:`~aaib_cp.recommendations.deadlines.RecommendationDeadlines`: overdue
  responses and assessments, running clocks;
- :class:`~aaib_cp.recommendations.actions.SafetyActionService`: safety actions;
- :class:`~aaib_cp.recommendations.consultation.ConsultationService`: the draft's parties
  and their representations;
- :class:`~aaib_cp.recommendations.feedback.FeedbackService`: feedback sessions;
- :class:`~aaib_cp.evidence.protection.Protection`: notes, protected material and
  disclosures (they belong to the evidence).

Who may do what is the case's workflow's to say (its ``permissions``: ``recommend``,
``assess``, ``consult``, ``dispose``, ``protect``, ``disclose``); refusals are audited.
Each command runs in one transaction that bumps the case version and appends an
audit event.
"""

from __future__ import annotations

from aaib_cp.evidence.protection import Protection
from aaib_cp.recommendations.actions import SafetyActionService
from aaib_cp.recommendations.consultation import ConsultationService
from aaib_cp.recommendations.deadlines import RecommendationDeadlines
from aaib_cp.recommendations.feedback import FeedbackService
from aaib_cp.recommendations.recommending import RecommendationService

__all__ = ["SafetyBook"]


class SafetyBook(
    RecommendationService,
    RecommendationDeadlines,
    SafetyActionService,
    ConsultationService,
    FeedbackService,
    Protection,
):
    """Records that follow from the analysis: recommendations, consultation, feedback.

    >>> book = SafetyBook(engine)                                      # doctest: +SKIP
    >>> rec = book.add_recommendation(case_id, text="...", to="Department for Education",
    ...                               actor="Lee", role="lead_investigator")
    """
