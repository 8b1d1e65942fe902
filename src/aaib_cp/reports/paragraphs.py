"""The paragraph numbers of a case's draft, which consultees cite in their representations.

The numbers come from the same :func:`~aaib_cp.reports.document.outline` every report
format renders, and depend only on the case's records (never the audience), so a number
cited against the draft points at the same paragraph in the final report.
"""

from __future__ import annotations

from aaib_cp.reports.blocks import Heading, Para
from aaib_cp.reports.build import build_report_data
from aaib_cp.reports.render import document_for
from aaib_cp.workflow.engine import Engine

__all__ = ["draft_paragraphs"]


def draft_paragraphs(engine: Engine, case_id: str) -> list[str]:
    """The numbers of the draft's sections (``2``, ``2.3``) and paragraphs (``2.3.1``), in
    order, as the case's records now number them."""
    data = build_report_data(engine, case_id, audience="restricted", pictures=False)
    document = document_for(data, audience="restricted")
    return [b.number for b in document.blocks if isinstance(b, Heading | Para) and b.number]
