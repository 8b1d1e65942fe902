"""Reports from a case's records, in Markdown and self-contained HTML; no database access.

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
    CaseInfo,
    ChronologyEntry,
    Classification,
    Consultation,
    EvidenceSummary,
    Factor,
    FeedbackSession,
    Finding,
    KeyDate,
    Person,
    Recommendation,
    ReportData,
    SafetyAction,
)
from aaib_cp.reports.render import (
    AUDIENCES,
    CATEGORY_LABELS,
    FORMATS,
    markdown_escape,
    render,
)

__all__ = [
    "AUDIENCES",
    "CATEGORY_LABELS",
    "FORMATS",
    "Act",
    "Agency",
    "Answer",
    "CaseInfo",
    "ChronologyEntry",
    "Classification",
    "Consultation",
    "EvidenceSummary",
    "Factor",
    "FeedbackSession",
    "Finding",
    "KeyDate",
    "Person",
    "Recommendation",
    "ReportData",
    "SafetyAction",
    "markdown_escape",
    "render",
]
