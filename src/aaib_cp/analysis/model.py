"""The stored records of a case's analysis: acts, contributory factors, findings, classifications.

Pure attrs records, read back by :mod:`aaib_cp.analysis.sql`. Classifications are the
safe space: restricted, each version kept, each reading audited by the service.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

__all__ = [
    "ACT_KINDS",
    "FINDING_KINDS",
    "STATUSES",
    "Act",
    "Classification",
    "Factor",
    "Finding",
    "Review",
]

#: What an act of concern can be.
ACT_KINDS: tuple[str, ...] = ("act", "omission")
#: Kinds of finding, in the order reports list them.
FINDING_KINDS: tuple[str, ...] = ("causal", "contributory", "other")
#: Review status of a classification, and what each means.
STATUSES: Mapping[str, str] = {
    "not_required": "honest error or at-risk outcome: no second signature needed",
    "awaiting_confirmation": "refers the person onward: awaits confirmation by a reviewer",
    "confirmed": "confirmed by a reviewer",
    "returned": "returned by a reviewer: classify the act again",
}


def _when(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


@attrs.frozen
class Act:
    """An act or omission of concern (a key decision), by a registered person."""

    id: int
    case_id: str
    ref: str
    kind: str
    person: str
    when: str
    description: str
    chronology: tuple[str, ...]
    evidence: tuple[str, ...]
    added_at: datetime
    added_by: str
    #: review status of the current classification, or ``unclassified``
    status: str = "unclassified"
    factors: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping (the person by pseudonym; no classification outcome)."""
        return {
            "act": self.ref,
            "kind": self.kind,
            "person": self.person,
            "when": self.when,
            "description": self.description,
            "chronology": list(self.chronology),
            "evidence": list(self.evidence),
            "factors": list(self.factors),
            "classification": self.status,
            "added_at": self.added_at.isoformat(),
            "added_by": self.added_by,
        }


@attrs.frozen
class Factor:
    """A contributory factor coded against a taxonomy, bearing on one or more acts."""

    id: int
    case_id: str
    ref: str
    code: str
    label: str
    level: str
    taxonomy: str
    taxonomy_version: int
    taxonomy_hash: str
    note: str
    acts: tuple[str, ...]
    evidence: tuple[str, ...]
    added_at: datetime
    added_by: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "factor": self.ref,
            "code": self.code,
            "label": self.label,
            "level": self.level,
            "taxonomy": {
                "name": self.taxonomy,
                "version": self.taxonomy_version,
                "content_hash": self.taxonomy_hash,
            },
            "note": self.note,
            "acts": list(self.acts),
            "evidence": list(self.evidence),
            "added_at": self.added_at.isoformat(),
            "added_by": self.added_by,
        }


@attrs.frozen
class Finding:
    """A statement of what was found: causal, contributory or other."""

    id: int
    case_id: str
    ref: str
    kind: str
    text: str
    acts: tuple[str, ...]
    factors: tuple[str, ...]
    evidence: tuple[str, ...]
    added_at: datetime
    added_by: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "finding": self.ref,
            "kind": self.kind,
            "text": self.text,
            "acts": list(self.acts),
            "factors": list(self.factors),
            "evidence": list(self.evidence),
            "added_at": self.added_at.isoformat(),
            "added_by": self.added_by,
        }


@attrs.frozen
class Review:
    """A reviewer's confirmation of a classification, or its return with a reason."""

    action: str  # "confirmed" | "returned"
    reason: str | None
    at: datetime
    by: str
    role: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "action": self.action,
            "reason": self.reason,
            "at": self.at.isoformat(),
            "by": self.by,
            "role": self.role,
        }


@attrs.frozen
class Classification:
    """One stored version of an act's classification (restricted: the safe space)."""

    id: int
    case_id: str
    act: str
    version: int
    record: Mapping[str, Any]
    classified_at: datetime
    classified_by: str
    role: str
    superseded: bool = False
    reviews: tuple[Review, ...] = ()
    classified_by_ids: frozenset[int] = frozenset()

    @property
    def outcome(self) -> Mapping[str, Any]:
        """The outcome reached (id, label, category, response, marx, nhs_outcome, ...)."""
        return self.record["outcome"]

    @property
    def label(self) -> str:
        """``A2 v1``."""
        return f"{self.act} v{self.version}"

    @property
    def needs_confirmation(self) -> bool:
        """Whether the outcome refers the person onward, so a reviewer must confirm it."""
        return bool(self.outcome["refers_onward"])

    @property
    def evidence(self) -> tuple[str, ...]:
        """Every evidence label the answers cite."""
        return tuple(self.record["evidence"])

    @property
    def status(self) -> str:
        """One of :data:`STATUSES`."""
        if not self.needs_confirmation:
            return "not_required"
        if not self.reviews:
            return "awaiting_confirmation"
        return self.reviews[-1].action

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping (restricted: the answers and rationales)."""
        return {
            "act": self.act,
            "version": self.version,
            "superseded": self.superseded,
            "status": self.status,
            "classified_at": self.classified_at.isoformat(),
            "classified_by": self.classified_by,
            "role": self.role,
            "record": dict(self.record),
            "reviews": [r.to_json() for r in self.reviews],
        }
