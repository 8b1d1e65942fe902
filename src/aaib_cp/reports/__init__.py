"""Reports from a case's records (Markdown, HTML, PDF, Word); no database access.

Build a :class:`ReportData` (the integration fills it from the store), then::

    from aaib_cp.reports import render
    html = render(data, audience="public", fmt="html", redact=anon.redact, check=anon.check)

See ``docs/reports.md`` for the audiences and what each may contain.
"""

from __future__ import annotations

from aaib_cp.reports.model import (
    Act,
    Agency,
    Answer,
    CaseDetail,
    CaseInfo,
    ChronologyEntry,
    Classification,
    Consultation,
    EvidenceSummary,
    Factor,
    FeedbackSession,
    Finding,
    GlossaryTerm,
    KeyDate,
    Person,
    ProcessStep,
    Recommendation,
    ReportData,
    SafetyAction,
)
from aaib_cp.reports.render import (
    AUDIENCES,
    CATEGORY_LABELS,
    FORMATS,
    MARKINGS,
    document_for,
    markdown_escape,
    render,
    visible_text,
)

__all__ = [
    "AUDIENCES",
    "CATEGORY_LABELS",
    "FORMATS",
    "MARKINGS",
    "Act",
    "Agency",
    "Answer",
    "CaseDetail",
    "CaseInfo",
    "ChronologyEntry",
    "Classification",
    "Consultation",
    "EvidenceSummary",
    "Factor",
    "FeedbackSession",
    "Finding",
    "GlossaryTerm",
    "KeyDate",
    "Person",
    "ProcessStep",
    "Recommendation",
    "ReportData",
    "SafetyAction",
    "document_for",
    "markdown_escape",
    "render",
    "visible_text",
]
