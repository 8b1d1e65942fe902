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
from aaib_cp.workflow.identity import Account, Actor, Organisation
from aaib_cp.workflow.model import Case, Event, TeamMember
from aaib_cp.workflow.spec import WorkflowDefinition

__all__ = ["AccountStore", "CaseStore", "TimeSource"]

#: Gives the current time (timezone-aware); tests pass a fixed one.
TimeSource = Callable[[], datetime]


class AccountStore(Protocol):
    """Persistence for accounts, their grants and affiliations, and the agency registry."""

    def get(self, account_id: int) -> Account:
        """The account with ``account_id`` (RecordNotFound otherwise)."""
        ...

    def by_login(self, login: str) -> Account | None:
        """The account whose login is ``login`` in any spelling, or None."""
        ...

    def by_name(self, name: str) -> Account | None:
        """The account whose display name is ``name`` in any spelling, or None."""
        ...

    def all(self) -> list[Account]:
        """Every account, by login."""
        ...

    def count_holding(self, role: str) -> int:
        """How many active accounts hold organisation role ``role``."""
        ...

    def case_roles(self, account_id: int) -> list[str]:
        """The case roles the account serves in now, on any case."""
        ...

    def insert_account(
        self, *, login: str, name: str, email: str | None, at: datetime, by: int | None
    ) -> Account:
        """Add an account."""
        ...

    def set_active(self, account_id: int, active: bool) -> None:
        """Enable or disable an account."""
        ...

    def grant(self, account_id: int, role: str, *, at: datetime, by: int | None) -> bool:
        """Grant an organisation role; False if already held."""
        ...

    def revoke(self, account_id: int, role: str) -> bool:
        """Withdraw an organisation role; False if it was not held."""
        ...

    def password_hash(self, account_id: int) -> str | None:
        """The account's password hash, if any."""
        ...

    def use_totp_step(self, account_id: int, step: int) -> bool:
        """Record that a one-time code's time step was used; False if already used."""
        ...

    def set_password_hash(self, account_id: int, value: str) -> None:
        """Store a new password hash."""
        ...

    def totp(self, account_id: int) -> tuple[str | None, bool]:
        """The one-time-password secret (None if none) and whether it is in force."""
        ...

    def set_totp(self, account_id: int, secret: str | None, *, active: bool) -> None:
        """Store (or with None, remove) the one-time-password secret."""
        ...

    def declare(
        self, account_id: int, organisation_ids: list[int], *, at: datetime, by: int
    ) -> None:
        """Record the account's affiliations (possibly none) as declared."""
        ...

    def cases_serving(self, account_id: int) -> list[str]:
        """The cases on which the account holds (or held) a case role."""
        ...

    def organisation(self, organisation_id: int) -> Organisation:
        """The registry entry ``organisation_id``."""
        ...

    def find_organisation(self, name: str) -> Organisation | None:
        """The registry entry named ``name`` or with it as an alias, in any spelling."""
        ...

    def organisations(self) -> list[Organisation]:
        """Every registry entry."""
        ...

    def insert_organisation(self, name: str, *, at: datetime, by: int | None) -> Organisation:
        """Add a registry entry."""
        ...

    def add_organisation_name(self, organisation_id: int, name: str, *, alias: bool) -> None:
        """Make ``name`` lead to the registry entry."""
        ...

    def organisation_keys(self) -> list[tuple[str, int, str]]:
        """Every (key, registry id, name) the registry answers to."""
        ...

    def insert_credential(
        self,
        secret_hash: str,
        account_id: int,
        *,
        kind: str,
        label: str,
        at: datetime,
        expires_at: datetime | None,
    ) -> None:
        """Keep the hash of a token or invitation."""
        ...

    def credential(self, secret_hash: str) -> dict[str, Any] | None:
        """The credential row with this hash, or None."""
        ...

    def credential_count(self, account_id: int) -> int:
        """How many credentials were ever issued to the account."""
        ...

    def use_credential(self, secret_hash: str, *, at: datetime) -> None:
        """Mark a credential used."""
        ...

    def revoke_credential(self, secret_hash: str, *, at: datetime) -> None:
        """Revoke one credential."""
        ...

    def revoke_credentials(self, account_id: int, *, at: datetime, kind: str | None = None) -> int:
        """Revoke every live credential of an account."""
        ...

    def append_registry_event(
        self,
        *,
        at: datetime,
        actor: str,
        account_id: int | None,
        delegate_id: int | None,
        kind: str,
        detail: Mapping[str, Any],
    ) -> None:
        """Append one event to the registry's audit trail."""
        ...


class CaseStore(Protocol):
    """Persistence for workflows, cases, their audit trails and their teams."""

    @property
    def accounts(self) -> AccountStore:
        """Accounts, grants and the agency registry."""
        ...

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

    def case_and_account(self, case_id: str, account_id: int) -> tuple[Case, Account]:
        """The case and the account as stored now, read together (CaseNotFound first)."""
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
        actor: Actor,
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

    def move_case(
        self,
        case: Case,
        *,
        at: datetime,
        actor: Actor,
        role: str | None,
        trigger: str,
        to_state: str,
        reason: str | None = None,
        fields: Mapping[str, Any] | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> Event:
        """Move ``case`` as read to ``to_state`` (and ``fields``) and append the transition
        event (inside a transaction); StaleCaseError if the case changed since it was read."""
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
        self, case_id: str, account_id: int, role: str, *, at: datetime, by: str, reason: str
    ) -> bool:
        """Record that an account no longer serves in a role; False if it did not."""
        ...

    def involved_organisations(self, case_id: str) -> dict[int, str]:
        """Registry ids of the agencies involved in the case, with the case's names for them."""
        ...
