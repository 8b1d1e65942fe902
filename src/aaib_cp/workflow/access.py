"""Who may do what on a case: the one authorisation API, and the one event writer for services.

A role may take an action when the workflow grants it (``roles``); a case role must
also be held, through appointment, by the person acting. A refusal is recorded on the
case's audit trail before it is raised. :class:`~aaib_cp.workflow.engine.Engine`
offers the same methods (``engine.authorise(...)``), delegating here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from aaib_cp.exceptions import CaseNotFound, InputError, RoleRefused, TransitionRefused
from aaib_cp.workflow.guards import CaseView
from aaib_cp.workflow.identity import ADMINISTRATOR, Account, Actor, as_actor
from aaib_cp.workflow.model import Case, Event, EventKind
from aaib_cp.workflow.ports import CaseStore, TimeSource
from aaib_cp.workflow.spec import DUTIES, WorkflowDefinition, suggest

__all__ = [
    "Access",
    "CaseService",
    "appointment_missing",
    "check_actor",
    "must_differ",
    "opener_problem",
    "separation_problem",
]


def check_actor(definition: WorkflowDefinition, actor: object, role: str | None) -> Actor:
    """``actor`` as an :class:`Actor`; refused if disabled, or a delegate is no administrator.

    InputError for an unknown role; TypeError for a typed name instead of an account.
    """
    who = as_actor(actor)
    if not who.account.active:
        raise RoleRefused(f"account {who.account.login} is disabled")
    if who.delegate is not None:
        if not who.delegate.active:
            raise RoleRefused(f"account {who.delegate.login} is disabled")
        if not who.delegate.holds(ADMINISTRATOR):
            raise RoleRefused(
                f"{who.delegate.name} may act for {who.account.name} only as an administrator"
            )
    if role is not None and role not in definition.roles:
        raise InputError(
            f"role: unknown role {role!r}{suggest(role, definition.roles)}; "
            f"one of {', '.join(definition.roles)}"
        )
    return who


def opener_problem(definition: WorkflowDefinition, actor: Actor, role: str) -> str | None:
    """Why ``actor`` may not open a case in ``role`` (None: they may): a case is opened in
    an organisation role the account was granted."""
    spec = definition.roles[role]
    if spec.is_case_role:
        return f"{role} is a case role: a case is opened in an organisation role"
    if not actor.account.holds(role):
        return (
            f"{actor.account.name} does not hold the role {role}"
            " (an administrator grants it: aaib user grant)"
        )
    return None


def appointment_missing(
    case: Case, definition: WorkflowDefinition, actor: Actor, role: str | None, view: CaseView
) -> str | None:
    """Why ``actor`` does not hold ``role`` (None if they do).

    An organisation role is held through an administrator's grant, a case role through
    appointment to ``case``. Compared by account id, never by name.
    """
    spec = definition.roles.get(role or "")
    if spec is None:
        return None
    if not spec.is_case_role:
        if actor.account.holds(spec.name):
            return None
        return (
            f"{actor.account.name} does not hold the role {spec.name}"
            " (an administrator grants it: aaib user grant)"
        )
    if any(m.account_id == actor.id and m.role == role for m in view.team()):
        return None
    return f"{actor.account.name} is not appointed as {role} on {case.id}"


def may_read(definition: WorkflowDefinition, actor: Actor, view: CaseView) -> bool:
    """True when ``actor`` may see the case: they hold (by grant) an organisation role of
    its workflow, or serve on its team. Compared by account id, never by name."""
    account = actor.account
    if any(account.holds(r.name) for r in definition.roles.values() if not r.is_case_role):
        return True
    return any(m.account_id == account.id for m in view.team())


def must_differ(
    definition: WorkflowDefinition, first: str, then: str, *, done_by: frozenset[int], actor: Actor
) -> bool:
    """True when ``actor`` may not do duty ``then`` because an account of ``done_by`` did
    ``first`` and the workflow's ``separation`` keeps the two apart. An administrator
    acting for someone counts as both of them."""
    return definition.separates(first, then) and bool(done_by & actor.ids)


def separation_problem(
    definition: WorkflowDefinition,
    first: str,
    then: str,
    *,
    done_by: frozenset[int],
    actor: Actor,
    what: str,
) -> str | None:
    """Why ``actor`` may not do duty ``then`` after ``done_by`` did ``first`` (None: may).

    The rule is :func:`must_differ`; ``what`` says what ``actor`` did, for the refusal.
    """
    if not must_differ(definition, first, then, done_by=done_by, actor=actor):
        return None
    return (
        f"{actor.label} {what} and so cannot {DUTIES[then]}: another person must"
        " (separation of duties)"
    )


class Access:
    """Authorises actions on cases over a store, recording refusals and changes."""

    def __init__(
        self,
        store: CaseStore,
        clock: TimeSource,
        definition_for: Callable[[Case], WorkflowDefinition],
    ) -> None:
        self.store = store
        self.clock = clock
        self.definition_for = definition_for
        #: the actor :meth:`case_and_actor` last gave (the same account gives the same one)
        self._last_actor: Actor | None = None

    def current(self, actor: object) -> Actor:
        """``actor`` re-read from the store, so a grant revoked or an account disabled since
        it was loaded counts now."""
        who = as_actor(actor)
        accounts = self.store.accounts
        delegate = accounts.get(who.delegate.id) if who.delegate else None
        return Actor(accounts.get(who.id), delegate)

    def case_and_actor(self, case_id: str, actor: object) -> tuple[Case, Actor]:
        """The case, and ``actor`` re-read as :meth:`current` does, in one statement when
        no one acts for the account (CaseNotFound before any problem with ``actor``)."""
        if isinstance(actor, Account) or (isinstance(actor, Actor) and actor.delegate is None):
            account_id = actor.id
            case, account = self.store.case_and_account(case_id, account_id)
            last = self._last_actor
            if last is None or last.account is not account:
                last = self._last_actor = Actor(account)
            return case, last
        case = self.store.get_case(case_id)
        return case, self.current(actor)

    def readable(self, case_id: str, *, actor: object) -> Case:
        """The case, if ``actor`` may see it (:func:`may_read`); otherwise
        :class:`CaseNotFound`, as if it did not exist, so its reference leaks nothing."""
        case = self.store.get_case(case_id)
        if not may_read(self.definition_for(case), self.current(actor), self.store.view(case)):
            raise CaseNotFound(case_id)
        return case

    def readable_cases(self, *, actor: object, state: str | None = None) -> list[Case]:
        """The cases ``actor`` may see, in reference order."""
        who = self.current(actor)
        return [
            c
            for c in self.store.list_cases(state=state)
            if may_read(self.definition_for(c), who, self.store.view(c))
        ]

    def authorise(
        self, case_id: str, *, actor: object, role: str | None, action: str, permission: str
    ) -> tuple[Case, WorkflowDefinition, Actor]:
        """Check that ``actor`` may do ``action`` on an open case in ``role``.

        ``permission`` is one of the workflow's actions (``register_evidence``,
        ``analyse``, ... see :data:`~aaib_cp.workflow.spec.ACTIONS`): the case's workflow
        says which roles hold it, and a case role must also be held on the case.
        ``action`` says in words what is being done, for the refusal. Returns the case,
        its workflow and the actor as now stored. A refusal is recorded on the audit
        trail and raised as :class:`RoleRefused`.
        """
        case = self.store.get_case(case_id)
        definition = self.definition_for(case)
        who = check_actor(definition, self.current(actor), role)
        if definition.states[case.state].terminal:
            raise InputError(f"{case.id} has ended ({case.state}); its records are final")
        self.check_permission(
            case, definition, actor=who, role=role, action=action, permission=permission
        )
        return case, definition, who

    def check_permission(
        self,
        case: Case,
        definition: WorkflowDefinition,
        *,
        actor: Actor,
        role: str | None,
        action: str,
        permission: str,
    ) -> None:
        """Refuse (audited) unless the workflow grants ``role`` the ``permission`` (and it is held).

        A workflow that grants the permission to no role refuses everyone, and says so.
        """
        roles = definition.roles_for(permission)
        refusal = (
            f"role {role!r} may not {action}; it needs {' or '.join(roles)}"
            if roles
            else f"workflow {definition.name} grants no role permission to {action}"
        )
        self.permit(
            case, definition, actor=actor, role=role, action=action, roles=roles, refusal=refusal
        )

    def permit(
        self,
        case: Case,
        definition: WorkflowDefinition,
        *,
        actor: Actor,
        role: str | None,
        action: str,
        roles: Sequence[str],
        refusal: str,
    ) -> None:
        """Refuse (audited) unless ``role`` is one of ``roles`` and, if a case role, held.

        ``refusal`` is the message when the role is not allowed at all.
        """
        if role not in roles:
            raise self.refuse(case, actor=actor, role=role, action=action, message=refusal)
        missing = appointment_missing(case, definition, actor, role, self.store.view(case))
        if missing:
            raise self.refuse(case, actor=actor, role=role, action=action, message=missing)

    def record_change(
        self, case: Case, *, actor: Actor, role: str | None, kind: str, detail: Mapping[str, Any]
    ) -> Event:
        """Inside the caller's transaction: bump the case's version (so a guard decision
        based on the old records fails as stale) and append the audit event."""
        now = self.clock()
        self.store.update_case(case, at=now)
        return self.store.append_event(
            case.id, at=now, actor=actor, role=role, kind=kind, detail=detail
        )

    def refuse(
        self,
        case: Case,
        *,
        actor: Actor,
        role: str | None,
        action: str,
        message: str,
        error: type[TransitionRefused] = RoleRefused,
    ) -> TransitionRefused:
        """Record a refused action on the case's audit trail and return the error to raise."""
        self.record_refusal(
            case,
            actor=actor,
            role=role,
            trigger=action,
            message=message,
            blockers=[{"kind": "role", "name": role or "", "message": message}],
        )
        return error(f"{case.id}: {message}")

    def record_refusal(
        self,
        case: Case,
        *,
        actor: Actor,
        role: str | None,
        trigger: str,
        message: str,
        blockers: Sequence[Mapping[str, Any]],
        reason: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """Append a refusal event, in a transaction of its own (nothing else changes)."""
        with self.store.transaction():
            self.store.append_event(
                case.id,
                at=at or self.clock(),
                actor=actor,
                role=role,
                kind=EventKind.REFUSED,
                trigger=trigger,
                from_state=case.state,
                reason=reason,
                detail={"refused": message, "blockers": list(blockers)},
            )


class CaseService:
    """Base of a kernel service that changes cases through ``access`` (team, fields)."""

    def __init__(self, access: Access) -> None:
        self.access = access
        self.store = access.store
        self.clock = access.clock
        self.definition_for = access.definition_for
