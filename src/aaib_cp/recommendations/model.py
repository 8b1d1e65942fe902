"""Safety recommendations, consultation on the draft and feedback.

Pure domain code (no SQLite, no click): the attrs records, the vocabularies and
the deadline rules. :mod:`aaib_cp.recommendations.service` orchestrates the commands and
:mod:`aaib_cp.recommendations.sql` holds the SQL.

Deadlines are calendar days from the workflow's settings: an issued recommendation
must be answered within ``recommendation_response_days`` (90) of the day it was
issued; each response must be assessed within ``response_assessment_days`` (60) of
the day it was received; each party sent the draft may make representations within
``representation_days`` (60) of the day it was sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import attrs

from aaib_cp.evidence.model import normalise_choice
from aaib_cp.exceptions import InputError
from aaib_cp.workflow.input_text import parse_date

__all__ = [
    "ASSESSMENT_GRADES",
    "AWAITING_ASSESSMENT",
    "AWAITING_RESPONSE",
    "DISPOSITIONS",
    "PRIORITIES",
    "FeedbackSession",
    "Overdue",
    "Party",
    "Recommendation",
    "Representation",
    "Response",
    "SafetyAction",
    "due_after",
    "is_overdue",
    "normalise_choice",
    "not_future",
    "parse_ref",
    "recommendation_ref",
    "settle_messages",
]

#: Priorities of a recommendation, most pressing first.
PRIORITIES: dict[str, str] = {
    "urgent": "a serious risk now: issued at once, before the final report",
    "high": "to be acted on first once the report is issued",
    "normal": "issued with the final report",
}

#: The AAIB's grades for an addressee's response.
ASSESSMENT_GRADES: dict[str, str] = {
    "adequate": "the action taken or planned will address the safety issue",
    "partially_adequate": "the action will only partly address the safety issue",
    "not_adequate": "the action will not address the safety issue",
}
#: The grade shown before any response is received.
AWAITING_RESPONSE = "awaiting response"
#: The grade shown when the latest response is not yet assessed.
AWAITING_ASSESSMENT = "awaiting assessment"

#: How a representation on the draft was dealt with.
DISPOSITIONS: dict[str, str] = {
    "accepted": "the report is amended as asked",
    "partly_accepted": "the report is amended in part; the reason says what was not",
    "not_accepted": "the report is not amended; the reason says why",
}

_REF_RE = re.compile(r"^(?P<case>.+)-SR(?P<n>\d{2,})$")


def not_future(what: str, value: date | str | None, today: date) -> date:
    """A date (or ISO text) not after ``today``; ``today`` when not given."""
    if value is None:
        return today
    day = parse_date(value, what)
    if day > today:
        raise InputError(f"{what}: {day.isoformat()} is in the future")
    return day


def recommendation_ref(case_id: str, n: int) -> str:
    """The stable reference of a case's ``n``-th recommendation: ``CP-2026-0001-SR01``."""
    if n < 1:
        raise ValueError(f"n must be at least 1 (got {n})")
    return f"{case_id}-SR{n:02d}"


def parse_ref(case_id: str, ref: str) -> str:
    """Accept ``CP-2026-0001-SR01``, ``SR01``, ``SR1`` or ``1``; the full reference."""
    text = ref.strip().upper()
    match = _REF_RE.match(text)
    if match:
        if match["case"] != case_id.upper():
            raise InputError(f"recommendation {ref!r} belongs to {match['case']}, not {case_id}")
        return recommendation_ref(case_id, int(match["n"]))
    short = text.removeprefix("SR")
    if short.isdigit() and int(short) >= 1:
        return recommendation_ref(case_id, int(short))
    raise InputError(
        f"recommendation: {ref!r} is not a reference (expected {case_id}-SR01 or SR01)"
    )


def due_after(start: date, days: int) -> date:
    """The due date ``days`` calendar days after ``start``."""
    if days < 0:
        raise ValueError(f"days must be 0 or more (got {days})")
    return start + timedelta(days=days)


def is_overdue(due: date | None, today: date, *, done: bool) -> bool:
    """True when something not done was due before ``today`` (the due day itself is in time)."""
    return due is not None and not done and today > due


def _d(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


@attrs.frozen
class Response:
    """An addressee's response to a recommendation, and the AAIB's assessment of it."""

    n: int
    text: str
    received_on: date
    assessment_due: date
    recorded_by: str
    grade: str | None = None
    assessment: str | None = None
    assessed_on: date | None = None
    assessed_by: str | None = None

    @property
    def assessed(self) -> bool:
        """True once graded."""
        return self.grade is not None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Response:
        """Build from a stored row."""
        return cls(
            n=int(row["n"]),
            text=row["text"],
            received_on=date.fromisoformat(row["received_on"]),
            assessment_due=date.fromisoformat(row["assessment_due"]),
            recorded_by=row["recorded_by"],
            grade=row["grade"],
            assessment=row["assessment"],
            assessed_on=_d(row["assessed_on"]),
            assessed_by=row["assessed_by"],
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "n": self.n,
            "text": self.text,
            "received_on": self.received_on.isoformat(),
            "assessment_due": self.assessment_due.isoformat(),
            "grade": self.grade,
            "assessment": self.assessment,
            "assessed_on": self.assessed_on.isoformat() if self.assessed_on else None,
            "assessed_by": self.assessed_by,
        }


@attrs.frozen
class Recommendation:
    """A safety recommendation: stable reference, addressee, text, findings, priority.

    ``status`` (open / closed) is separate from the grade of the latest response.
    A recommendation is a draft until issued; issuing starts its response clock.
    """

    id: int
    case_id: str
    ref: str
    addressee: str
    addressee_is_agency: bool
    text: str
    priority: str
    findings: tuple[str, ...]
    status: str
    added_at: datetime
    added_by: str
    issued_on: date | None = None
    response_due: date | None = None
    close_reason: str | None = None
    responses: tuple[Response, ...] = ()

    @property
    def issued(self) -> bool:
        """True once issued to the addressee."""
        return self.issued_on is not None

    @property
    def latest(self) -> Response | None:
        """The latest response, if any."""
        return self.responses[-1] if self.responses else None

    @property
    def grade(self) -> str:
        """The latest response's grade, ``awaiting response`` or ``awaiting assessment``."""
        latest = self.latest
        if latest is None:
            return AWAITING_RESPONSE
        return latest.grade.replace("_", " ") if latest.grade else AWAITING_ASSESSMENT

    def overdue(self, today: date) -> list[Overdue]:
        """What is late about it on ``today``: the response, or an assessment."""
        if not self.issued or self.status == "closed":
            return []
        late: list[Overdue] = []
        if is_overdue(self.response_due, today, done=bool(self.responses)):
            assert self.response_due is not None
            late.append(
                Overdue(
                    self.case_id,
                    self.ref,
                    "response",
                    self.addressee,
                    self.response_due,
                    (today - self.response_due).days,
                )
            )
        for r in self.responses:
            if is_overdue(r.assessment_due, today, done=r.assessed):
                late.append(
                    Overdue(
                        self.case_id,
                        self.ref,
                        "assessment",
                        self.addressee,
                        r.assessment_due,
                        (today - r.assessment_due).days,
                    )
                )
        return late

    def missing_for_close(self) -> str | None:
        """Why the case cannot close over this recommendation (None if settled)."""
        if self.status == "closed":
            return None
        if not self.issued:
            return f"{self.ref} is not issued"
        latest = self.latest
        if latest is None:
            return f"{self.ref} has no response"
        if not latest.assessed:
            return f"{self.ref}'s response of {latest.received_on} is not assessed"
        return None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "ref": self.ref,
            "addressee": self.addressee,
            "addressee_is_agency": self.addressee_is_agency,
            "text": self.text,
            "priority": self.priority,
            "findings": list(self.findings),
            "status": self.status,
            "grade": self.grade,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
            "response_due": self.response_due.isoformat() if self.response_due else None,
            "close_reason": self.close_reason,
            "added_at": self.added_at.isoformat(),
            "added_by": self.added_by,
            "responses": [r.to_json() for r in self.responses],
        }


@attrs.frozen
class Overdue:
    """Something late about a recommendation: its ``response`` or an ``assessment``."""

    case_id: str
    ref: str
    what: str
    addressee: str
    due: date
    days_late: int

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "case": self.case_id,
            "recommendation": self.ref,
            "what": self.what,
            "addressee": self.addressee,
            "due": self.due.isoformat(),
            "days_late": self.days_late,
        }


@attrs.frozen
class SafetyAction:
    """Safety action an organisation took on its own (recorded apart from recommendations)."""

    ref: str
    organisation: str
    text: str
    taken_on: date | None
    recorded_by: str

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> SafetyAction:
        """Build from a stored row."""
        return cls(
            ref=row["ref"],
            organisation=row["organisation"],
            text=row["text"],
            taken_on=_d(row["taken_on"]),
            recorded_by=row["recorded_by"],
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "ref": self.ref,
            "organisation": self.organisation,
            "text": self.text,
            "taken_on": self.taken_on.isoformat() if self.taken_on else None,
            "recorded_by": self.recorded_by,
        }


@attrs.frozen
class Party:
    """A directly involved party sent the draft: an agency, or a person by pseudonym."""

    id: int
    label: str
    kind: str
    sent_on: date
    due_on: date
    answered: bool = False

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Party:
        """Build from a stored row."""
        return cls(
            id=int(row["id"]),
            label=row["label"],
            kind=row["kind"],
            sent_on=date.fromisoformat(row["sent_on"]),
            due_on=date.fromisoformat(row["due_on"]),
            answered=bool(row.get("answered", False)),
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "party": self.label,
            "kind": self.kind,
            "sent_on": self.sent_on.isoformat(),
            "due_on": self.due_on.isoformat(),
            "answered": self.answered,
        }


@attrs.frozen
class Representation:
    """A party's representation on the draft (or a record that it made none)."""

    ref: str
    party: str
    text: str | None
    received_on: date
    recorded_by: str
    disposition: str | None = None
    reason: str | None = None
    disposed_by: str | None = None
    #: the draft's paragraph the representation cites (``2.3.1``), if any
    paragraph: str | None = None

    @property
    def none_made(self) -> bool:
        """True when this records that the party made no representation."""
        return self.text is None

    @property
    def needs_disposition(self) -> bool:
        """True while a real representation has no disposition."""
        return not self.none_made and self.disposition is None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Representation:
        """Build from a stored row (joined with the party's label as ``party``)."""
        return cls(
            ref=row["ref"],
            party=row["party"],
            text=row["text"],
            received_on=date.fromisoformat(row["received_on"]),
            recorded_by=row["recorded_by"],
            disposition=row["disposition"],
            reason=row["disposition_reason"],
            disposed_by=row["disposed_by"],
            paragraph=row.get("paragraph"),
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "ref": self.ref,
            "party": self.party,
            "paragraph": self.paragraph,
            "text": self.text,
            "none_made": self.none_made,
            "received_on": self.received_on.isoformat(),
            "disposition": self.disposition,
            "reason": self.reason,
            "disposed_by": self.disposed_by,
        }


@attrs.frozen
class FeedbackSession:
    """A session where staff (or others) heard the outcome of the investigation."""

    held_on: date
    audience: str
    attendees: tuple[str, ...]
    recorded_by: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "held_on": self.held_on.isoformat(),
            "audience": self.audience,
            "attendees": list(self.attendees),
            "recorded_by": self.recorded_by,
        }


def settle_messages(recommendations: Sequence[Recommendation]) -> list[str]:
    """What keeps each recommendation from being settled, one message per recommendation."""
    return [m for m in (r.missing_for_close() for r in recommendations) if m]
