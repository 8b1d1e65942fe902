"""Protected material: investigators' notes and approved disclosures (pure records).

Evidence items of some kinds, marked items and notes are protected material: they
leave the investigation only through an approved disclosure, on one of
:data:`DISCLOSURE_GROUNDS`. :mod:`aaib_cp.evidence.protection` runs the commands.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

__all__ = ["DISCLOSURE_GROUNDS", "PROTECTED_KINDS", "Disclosure", "Note"]

#: Evidence kinds protected unless marked otherwise (witness statements and the like).
PROTECTED_KINDS = ("interview",)

#: The only grounds on which protected material may be disclosed.
DISCLOSURE_GROUNDS: dict[str, str] = {
    "serious_continuing_risk": "disclosure is needed to address a serious and continuing risk "
    "to the safety of a child or others",
    "court_order": "the High Court has ordered disclosure",
}


@attrs.frozen
class Note:
    """An investigator's note: protected material by default."""

    ref: str
    text: str = attrs.field(repr=False)
    protected: bool
    added_at: datetime
    added_by: str

    def to_json(self, *, with_text: bool = False) -> dict[str, Any]:
        """A JSON-ready mapping; the text only when asked."""
        data: dict[str, Any] = {
            "ref": self.ref,
            "protected": self.protected,
            "added_at": self.added_at.isoformat(),
            "added_by": self.added_by,
        }
        if with_text:
            data["text"] = self.text
        return data


@attrs.frozen
class Disclosure:
    """An approved disclosure of protected material: who asked, who approved, on what ground."""

    ref: str
    item: str
    ground: str
    requested_by: str
    approved_by: str
    recipient: str
    reason: str
    approved_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Disclosure:
        """Build from a stored row."""
        return cls(
            ref=row["ref"],
            item=row["item"],
            ground=row["ground"],
            requested_by=row["requested_by"],
            approved_by=row["approved_by"],
            recipient=row["recipient"],
            reason=row["reason"],
            approved_at=datetime.fromisoformat(row["approved_at"]),
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "ref": self.ref,
            "item": self.item,
            "ground": self.ground,
            "requested_by": self.requested_by,
            "approved_by": self.approved_by,
            "recipient": self.recipient,
            "reason": self.reason,
            "approved_at": self.approved_at.isoformat(),
        }
