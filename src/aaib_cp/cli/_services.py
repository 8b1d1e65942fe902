"""The record services the record commands work through, over the command's database."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aaib_cp.cli._common import Context
    from aaib_cp.evidence.protection import Protection
    from aaib_cp.evidence.service import Casebook
    from aaib_cp.recommendations.service import SafetyBook


def casebook(obj: Context) -> Casebook:
    """Agencies, people, evidence and chronology."""
    from aaib_cp.evidence.service import Casebook

    return Casebook(obj.engine())


def safety_book(obj: Context) -> SafetyBook:
    """Recommendations, safety actions, consultation and feedback."""
    from aaib_cp.recommendations.service import SafetyBook

    return SafetyBook(obj.engine())


def protection(obj: Context) -> Protection:
    """Notes, protected material and disclosures."""
    from aaib_cp.evidence.protection import Protection

    return Protection(obj.engine())
