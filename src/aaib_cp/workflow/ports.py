"""What the kernel needs from outside: the store it persists to, and a clock.

:class:`aaib_cp.db.Store` (SQLite) satisfies :class:`CaseStore`; the kernel itself
never imports it. Every method the engine, :mod:`.access` and :mod:`.team` call on
the store is listed here, with the store's own signature.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from aaib_cp.workflow.guards import CaseView
from aaib_cp.workflow.model import Case, Event, TeamMember
from aaib_cp.workflow.spec import WorkflowDefinition

__all__ = ["CaseStore", "TimeSource"]

#: Gives the current time (timezone-aware); tests pass a fixed one.
TimeSource = Callable[[], datetime]


class CaseStore(Protocol):
    """Persistence for workflows, cases, their audit trails and their teams."""

    # -- transactions and workflows
    def transaction(self) -> contextlib.AbstractContextManager[Any]:
        """One transaction: all of it commits, or none of it."""
        ...

    def save_workflow(self, definition: WorkflowDefinition, *, at: datetime) -> None:
        """Keep the exact text of a workflow so its cases can always be reloaded."""
        ...

    def workflow_source(self, content_hash: str) -> Mapping[str, Any]:
        """The stored workflow (``source_text``, ``filename``) by content hash."""
        ...

    # -- cases
    def next_case_id(self, year: int, prefix: str) -> str:
        """Allocate the next case reference for ``year``."""
        ...

    def insert_case(self, case: Case, *, at: datetime) -> None:
        """Insert a new case."""
        ...

    def get_case(self, case_id: str) -> Case:
        """The case with reference ``case_id`` (CaseNotFound otherwise)."""
        ...

    def list_cases(self, *, state: str | None = None) -> list[Case]:
        """Every case, optionally only those in ``state``."""
        ...

    def update_case(
        self,
        case: Case,
        *,
        at: datetime,
        state: str | None = None,
        previous_state: str | None = None,
        fields: Mapping[str, Any] | None = None,
        workflow: WorkflowDefinition | None = None,
    ) -> int:
        """Write a change based on ``case`` as read (StaleCaseError if it changed); new version."""
        ...

    def view(self, case: Case) -> CaseView:
        """A guard's view of the case and its records."""
        ...

    # -- the audit trail
    def append_event(
        self,
        case_id: str,
        *,
        at: datetime,
        actor: str,
        role: str | None,
        kind: str,
        trigger: str | None = None,
        from_state: str | None = None,
        to_state: str | None = None,
        reason: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> Event:
        """Append one hash-chained event (inside a transaction)."""
        ...

    def events(self, case_id: str) -> list[Event]:
        """The events of a case, in order."""
        ...

    def move_events(self, case_ids: Sequence[str]) -> dict[str, list[Event]]:
        """The events that moved each case, in order."""
        ...

    def event_rows(self, case_id: str) -> list[dict[str, Any]]:
        """The raw event rows of a case, in order (to verify the hash chain)."""
        ...

    def audit_head(self, case_id: str) -> tuple[int, str] | None:
        """The recorded last event number and hash of a case."""
        ...

    # -- the team
    def add_team_member(self, member: TeamMember, *, independent: bool = False) -> bool:
        """Appoint a member in a role; False if already appointed in it."""
        ...

    def stand_down(
        self, case_id: str, name: str, role: str, *, at: datetime, by: str, reason: str
    ) -> bool:
        """Record that a member no longer serves in a role; False if they did not."""
        ...

    def declare_affiliation(self, name: str, agency: str, *, at: datetime, by: str) -> bool:
        """Record that ``name`` is affiliated with ``agency``; False if already declared."""
        ...

    def affiliations(self, name: str) -> list[str]:
        """The agencies ``name`` has declared an affiliation with."""
        ...
