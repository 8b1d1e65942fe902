"""Domain records of an investigation, as frozen records (:mod:`.record`).

Records are built from outside data with named constructors (``Case.from_row``),
never ``Case(**row)``, so the storage layout can change without touching callers.
This module imports nothing from SQLite or click.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, ClassVar

from aaib_cp.workflow.record import Record

__all__ = ["Case", "Event", "EventKind", "TeamMember"]


class EventKind:
    """Every kind of event in a case's append-only audit trail, in one list.

    The kernel writes the first group; each phase's service writes its own. A test
    fails when code writes a kind not listed here (:data:`ALL`).
    """

    # the workflow kernel
    OPENED = "opened"
    TRANSITION = "transition"
    REFUSED = "refused"
    FIELD_SET = "field_set"
    APPOINTED = "appointed"
    STOOD_DOWN = "stood_down"
    WORKFLOW_CHANGED = "workflow_changed"
    # identity: accounts, grants, affiliations and the agency registry (the registry trail;
    # a declaration is also written on the trail of every case it affects)
    ACCOUNT_ADDED = "account_added"
    ACCOUNT_DISABLED = "account_disabled"
    ACCOUNT_ENABLED = "account_enabled"
    ROLE_GRANTED = "role_granted"
    ROLE_REVOKED = "role_revoked"
    AFFILIATIONS_DECLARED = "affiliations_declared"
    AGENCY_REGISTERED = "agency_registered"
    AGENCY_ALIAS_ADDED = "agency_alias_added"
    INVITATION_ISSUED = "invitation_issued"
    SIGNED_IN = "signed_in"
    SIGNED_OUT = "signed_out"
    SIGN_IN_FAILED = "sign_in_failed"
    PASSWORD_SET = "password_set"
    #: a one-time-password second factor set up, put in force or removed
    SECOND_FACTOR_CHANGED = "second_factor_changed"
    #: a digest of due and overdue clocks e-mailed to an account (aaib remind)
    REMINDER_SENT = "reminder_sent"
    #: an existing case's records, sealed under a newly created audit key
    SEALED = "sealed"
    # evidence: agencies, people, the evidence register and custody, the chronology
    AGENCY_ADDED = "agency_added"
    AGENCY_NO_EVIDENCE = "agency_no_evidence"
    INDEPENDENCE_CONFLICT = "independence_conflict"
    PERSON_ADDED = "person_added"
    EVIDENCE_ADDED = "evidence_added"
    EVIDENCE_CORRECTED = "evidence_corrected"
    EVIDENCE_ACCESSED = "evidence_accessed"
    EVIDENCE_EXPORTED = "evidence_exported"
    EVIDENCE_PROTECTED = "evidence_protected"
    DISCLOSURE_APPROVED = "disclosure_approved"
    CHRONOLOGY_ADDED = "chronology_added"
    CHRONOLOGY_IMPORTED = "chronology_imported"
    CHRONOLOGY_TAGGED = "chronology_tagged"
    # analysis: acts, factors, classification and its second signature, findings
    ACT_ADDED = "act_added"
    ACT_CLASSIFIED = "act_classified"
    ACT_RECLASSIFIED = "act_reclassified"
    CLASSIFICATION_ACCESSED = "classification_accessed"
    CLASSIFICATION_CONFIRMED = "classification_confirmed"
    CLASSIFICATION_RETURNED = "classification_returned"
    FACTOR_ADDED = "factor_added"
    FINDING_ADDED = "finding_added"
    # recommendations, responses, safety actions, consultation, feedback
    RECOMMENDATION_ADDED = "recommendation_added"
    RECOMMENDATION_ISSUED = "recommendation_issued"
    RECOMMENDATION_RESPONSE = "recommendation_response"
    RECOMMENDATION_ASSESSED = "recommendation_assessed"
    RECOMMENDATION_CLOSED = "recommendation_closed"
    SAFETY_ACTION_ADDED = "safety_action_added"
    DRAFT_SENT = "draft_sent"
    REPRESENTATION_RECORDED = "representation_recorded"
    REPRESENTATION_DISPOSED = "representation_disposed"
    FEEDBACK_SESSION = "feedback_session"
    NOTE_ADDED = "note_added"
    # reports
    REPORT_GENERATED = "report_generated"

    #: kinds that move the case between states, in replay order
    MOVES = frozenset({OPENED, TRANSITION})
    #: every kind above (a test checks that no other is ever written)
    ALL: ClassVar[frozenset[str]] = frozenset()


EventKind.ALL = frozenset(
    value for name, value in vars(EventKind).items() if name.isupper() and isinstance(value, str)
)


def _loads(value: Any) -> dict[str, Any]:
    if value in (None, ""):
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    loaded = json.loads(value)
    return loaded if isinstance(loaded, dict) else {}


class Case(Record):
    """One investigation: where it stands in its workflow, and its recorded fields."""

    id: str
    title: str
    workflow_name: str
    workflow_version: str
    workflow_hash: str
    state: str
    previous_state: str | None
    version: int
    opened_at: datetime
    opened_by: str
    known_on: date
    fields: Mapping[str, Any]

    def __init__(
        self,
        id: str,
        title: str,
        workflow_name: str,
        workflow_version: str,
        workflow_hash: str,
        state: str,
        previous_state: str | None,
        version: int,
        opened_at: datetime,
        opened_by: str,
        known_on: date,
        fields: Mapping[str, Any] | None = None,
    ) -> None:
        self._set_fields(
            id,
            title,
            workflow_name,
            workflow_version,
            workflow_hash,
            state,
            previous_state,
            version,
            opened_at,
            opened_by,
            known_on,
            dict() if fields is None else fields,
        )

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Case:
        """Build a case from a stored row."""
        return cls(
            id=row["id"],
            title=row["title"],
            workflow_name=row["workflow_name"],
            workflow_version=str(row["workflow_version"]),
            workflow_hash=row["workflow_hash"],
            state=row["state"],
            previous_state=row["previous_state"],
            version=int(row["version"]),
            opened_at=datetime.fromisoformat(row["opened_at"]),
            opened_by=row["opened_by"],
            known_on=date.fromisoformat(row["known_on"]),
            fields=_loads(row["fields"]),
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping (dates as ISO strings)."""
        return {
            "id": self.id,
            "title": self.title,
            "workflow": {
                "name": self.workflow_name,
                "version": self.workflow_version,
                "hash": self.workflow_hash,
            },
            "state": self.state,
            "previous_state": self.previous_state,
            "version": self.version,
            "opened_at": self.opened_at.isoformat(),
            "opened_by": self.opened_by,
            "known_on": self.known_on.isoformat(),
            "fields": dict(self.fields),
        }


class Event(Record):
    """One entry of a case's append-only, hash-chained audit trail."""

    seq: int
    case_id: str
    n: int
    at: datetime
    actor: str
    role: str | None
    kind: str
    trigger: str | None
    from_state: str | None
    to_state: str | None
    reason: str | None
    detail: Mapping[str, Any]
    prev_hash: str
    hash: str
    #: the acting account, and the administrator acting for it (None before accounts)
    account_id: int | None
    delegate_id: int | None

    def __init__(
        self,
        seq: int,
        case_id: str,
        n: int,
        at: datetime,
        actor: str,
        role: str | None,
        kind: str,
        trigger: str | None,
        from_state: str | None,
        to_state: str | None,
        reason: str | None,
        detail: Mapping[str, Any],
        prev_hash: str,
        hash: str,
        account_id: int | None = None,
        delegate_id: int | None = None,
    ) -> None:
        self._set_fields(
            seq,
            case_id,
            n,
            at,
            actor,
            role,
            kind,
            trigger,
            from_state,
            to_state,
            reason,
            detail,
            prev_hash,
            hash,
            account_id,
            delegate_id,
        )

    @property
    def allowed(self) -> bool:
        """False for a refused attempt."""
        return self.kind != EventKind.REFUSED

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Event:
        """Build an event from a stored row."""
        return cls(
            seq=int(row["seq"]),
            case_id=row["case_id"],
            n=int(row["n"]),
            at=datetime.fromisoformat(row["at"]),
            actor=row["actor"],
            role=row["role"],
            kind=row["kind"],
            trigger=row["trigger"],
            from_state=row["from_state"],
            to_state=row["to_state"],
            reason=row["reason"],
            detail=_loads(row["detail"]),
            prev_hash=row["prev_hash"],
            hash=row["hash"],
            account_id=row.get("account_id"),
            delegate_id=row.get("delegate_id"),
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "n": self.n,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "account_id": self.account_id,
            "delegate_id": self.delegate_id,
            "role": self.role,
            "kind": self.kind,
            "trigger": self.trigger,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "reason": self.reason,
            "detail": dict(self.detail),
            "hash": self.hash,
        }


class TeamMember(Record):
    """An account appointed to a case's investigation team in a case role."""

    case_id: str
    name: str
    role: str
    appointed_at: datetime
    appointed_by: str
    account_id: int | None

    def __init__(
        self,
        case_id: str,
        name: str,
        role: str,
        appointed_at: datetime,
        appointed_by: str,
        account_id: int | None = None,
    ) -> None:
        self._set_fields(case_id, name, role, appointed_at, appointed_by, account_id)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> TeamMember:
        """Build a team member from a stored row."""
        return cls(
            case_id=row["case_id"],
            name=row["name"],
            role=row["role"],
            appointed_at=datetime.fromisoformat(row["appointed_at"]),
            appointed_by=row["appointed_by"],
            account_id=row.get("account_id"),
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "name": self.name,
            "account_id": self.account_id,
            "role": self.role,
            "appointed_at": self.appointed_at.isoformat(),
            "appointed_by": self.appointed_by,
        }
