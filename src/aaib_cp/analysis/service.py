"""The analysis of a case: acts of concern, contributory factors, classifications, findings.

:class:`Analysis` orchestrates, as :class:`~aaib_cp.evidence.service.Casebook` does for the
evidence. It checks who is acting against the case's workflow: recording needs a role
the workflow grants ``analyse``; confirming or returning a classification needs a role
it grants ``confirm``, held by someone who is not the classifier; a case role must be
held on the case, and refusals are audited. Each command runs in one transaction that
bumps the case version and appends an audit event; every SQL statement is in
:mod:`aaib_cp.analysis.sql`.

The commands live in two focused parts: :class:`~aaib_cp.analysis.recording.AnalysisRecords`
(acts, factors, findings) and :class:`~aaib_cp.analysis.classifying.Classifying`
(classifications and their second signature).

Safe space: the audit events name the act, the version and the outcome category, never
the answers or their rationales; :meth:`Analysis.classification` records who read them.
"""

from __future__ import annotations

from aaib_cp.analysis.classifying import Classifying
from aaib_cp.analysis.recording import AnalysisRecords

__all__ = ["Analysis"]


class Analysis(AnalysisRecords, Classifying):
    """Human-factors analysis and just-culture classification of one case's acts.

    >>> analysis = Analysis(engine)                                        # doctest: +SKIP
    >>> act = analysis.add_act(case_id, person="Social Worker 1", when="2026-01-10",
    ...     description="Closed the case without a home visit", actor="Lee",
    ...     role="lead_investigator")
    """
