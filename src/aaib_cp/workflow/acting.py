"""Acting as one account: identity given once, and the rule for which role it acts in.

``with engine.acting_as(account) as act:`` binds the actor (and optionally the role);
``act.fire``, ``act.appoint``, ``act.set_field`` and ``act.stand_down`` then take no
``actor=``/``role=``, and every phase's service is reachable as an attribute of ``act``
(``act.evidence``, ``act.analysis``, ...): the services :mod:`aaib_cp.wiring` lists in
:data:`SERVICES`, each with the actor and role filled in.

Without a role, the act uses the one role the account holds that the action needs
(:func:`choose_role`): an organisation role it was granted, or a case role it holds by
appointment on that case. The command line asks the same rule (:func:`held_roles`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from aaib_cp.exceptions import AaibCpError, InputError, RoleRefused
from aaib_cp.workflow.identity import ADMINISTRATOR, Account, Actor, as_actor
from aaib_cp.workflow.model import Case, Event, TeamMember

if TYPE_CHECKING:
    from datetime import date

    from aaib_cp.workflow.engine import Engine
    from aaib_cp.workflow.ports import CaseStore
    from aaib_cp.workflow.spec import WorkflowDefinition

__all__ = [
    "SERVICES",
    "Acting",
    "ActingMixin",
    "BoundService",
    "choose_role",
    "held_roles",
    "needs",
]

F = TypeVar("F", bound=Callable[..., Any])

#: Phase services an :class:`Acting` offers by attribute: name -> factory(engine).
#: Filled by :mod:`aaib_cp.wiring` (the kernel knows no phase).
SERVICES: dict[str, Callable[[Engine], object]] = {}


def held_roles(
    store: CaseStore, account: Account, team: Sequence[TeamMember] | None = None
) -> list[str]:
    """The workflow roles ``account`` holds: granted organisation roles, then case roles.

    Case roles are those it serves in on ``team`` (a case's), or on any case when None.
    """
    granted = sorted(r for r in account.roles if r != ADMINISTRATOR)
    if team is None:
        serving = store.accounts.case_roles(account.id)
    else:
        serving = sorted(m.role for m in team if m.account_id == account.id)
    return list(dict.fromkeys([*granted, *serving]))


def choose_role(
    account: Account,
    held: Sequence[str],
    needed: Sequence[str] | None = None,
    *,
    action: str = "act",
    how: str = "role=",
) -> str:
    """The one role of ``held`` that ``needed`` allows (every held role when None).

    Raises :class:`RoleRefused` when the account holds none of them, and
    :class:`InputError` listing the held roles when more than one would do. ``how`` says
    how the caller names a role (``role=`` in Python, ``--role`` on the command line).
    """
    usable = [r for r in held if needed is None or r in needed]
    if len(usable) == 1:
        return usable[0]
    if not held:
        raise RoleRefused(
            f"{account.login} holds no role: an administrator grants one"
            " (aaib user grant) or appoints you to a case (aaib team appoint)"
        )
    if not usable:
        raise RoleRefused(
            f"{account.name} may not {action}: it needs {' or '.join(needed or ())};"
            f" roles held: {', '.join(held)}"
        )
    raise InputError(f"say in which role: {how}, one of the roles you hold: {', '.join(usable)}")


def needs(permission: str) -> Callable[[F], F]:
    """Mark a service method with the workflow permission it checks (to choose a role)."""

    def mark(func: F) -> F:
        func.__dict__["permission"] = permission
        return func

    return mark


class BoundService:
    """A phase service whose methods take the act's actor and role unless given."""

    def __init__(self, acting: Acting, service: object) -> None:
        self._acting = acting
        self._service = service

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._service, name)
        if not callable(value) or name.startswith("_"):
            return value
        params = inspect.signature(value).parameters
        if "actor" not in params:
            return value
        role = params.get("role")
        acting_role = role is not None and role.kind is inspect.Parameter.KEYWORD_ONLY

        @functools.wraps(value)
        def call(*args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("actor", self._acting.actor)
            if acting_role and "role" not in kwargs:
                assert role is not None
                names = list(params)
                at = names.index("case_id") if "case_id" in names else None
                case_id = kwargs.get(
                    "case_id", args[at] if at is not None and at < len(args) else None
                )
                needed = self._acting.permitted(case_id, getattr(value, "permission", None))
                try:
                    kwargs["role"] = self._acting.role_for(
                        case_id, needed, action=name.strip("_").replace("_", " ")
                    )
                except AaibCpError:
                    if role.default is not None:
                        raise
                    kwargs["role"] = None  # the role is optional here: the service decides
            return value(*args, **kwargs)

        return call

    def __dir__(self) -> list[str]:
        return sorted(n for n in dir(self._service) if not n.startswith("_"))


class Acting:
    """One account acting on an engine: ``Acting(engine, account, role=None)``.

    >>> with engine.acting_as(chris) as act:                     # doctest: +SKIP
    ...     act.fire(case_id, "start_triage")
    ...     act.evidence.add_agency(case_id, "Northshire Police", "police")
    """

    def __init__(self, engine: Engine, account: Account | Actor, role: str | None = None) -> None:
        self.engine = engine
        self.actor = as_actor(account)
        self.role = role
        self._services: dict[str, BoundService] = {}

    def __enter__(self) -> Acting:
        return self

    def __exit__(self, *exc: object) -> None:
        self._services.clear()

    def __getattr__(self, name: str) -> BoundService:
        factory = SERVICES.get(name)
        if factory is None or name.startswith("_"):
            known = ", ".join(sorted(SERVICES)) or "none (import aaib_cp.wiring)"
            raise AttributeError(f"an act has no service {name!r}; services: {known}")
        if name not in self._services:
            self._services[name] = BoundService(self, factory(self.engine))
        return self._services[name]

    # -- which role --------------------------------------------------------------
    def held(self, case_id: str | None = None) -> list[str]:
        """The roles the account holds (on ``case_id``'s team, for case roles)."""
        account = self.engine.accounts.get(self.actor.account.login)
        team = self.engine.team(case_id) if case_id is not None else None
        return held_roles(self.engine.store, account, team)

    def permitted(self, case_id: str | None, permission: str | None) -> Sequence[str] | None:
        """The roles the case's workflow grants ``permission`` (None: any role will do)."""
        if case_id is None or permission is None:
            return None
        return self.engine.definition_for(self.engine.get(case_id)).roles_for(permission)

    def role_for(
        self, case_id: str | None, needed: Sequence[str] | None, *, action: str = "act"
    ) -> str:
        """The act's role, or the one role the account holds that ``needed`` allows."""
        if self.role is not None:
            return self.role
        return choose_role(self.actor.account, self.held(case_id), needed, action=action)

    def _appointer(self, case_id: str, case_role: str, verb: str) -> str:
        """The role in which this account appoints to (or stands down from) ``case_role``."""
        spec = self._definition(case_id).roles.get(case_role)
        needed = spec.appointed_by if spec is not None else None
        return self.role_for(case_id, needed, action=f"{verb} a {case_role}")

    def _definition(self, case_id: str) -> WorkflowDefinition:
        return self.engine.definition_for(self.engine.get(case_id))

    # -- the kernel's actions ------------------------------------------------------
    def open_case(
        self,
        definition: WorkflowDefinition,
        *,
        title: str,
        known_on: date,
        reason: str | None = None,
        role: str | None = None,
    ) -> Case:
        """Open a case, as this account, in the one organisation role it holds (or ``role``)."""
        needed = [name for name, spec in definition.roles.items() if not spec.is_case_role]
        role = role or self.role_for(None, needed, action="open a case")
        return self.engine.open_case(
            definition, title=title, known_on=known_on, actor=self.actor, role=role, reason=reason
        )

    def fire(self, case_id: str, trigger: str, **kwargs: Any) -> Event:
        """:meth:`Engine.fire <aaib_cp.workflow.engine.Engine.fire>` as this account."""
        case = self.engine.get(case_id)
        transition = self.engine.definition_for(case).transition(case.state, trigger)
        needed = transition.roles if transition is not None else None
        role = kwargs.pop("role", None) or self.role_for(case_id, needed, action=trigger)
        return self.engine.fire(case_id, trigger, actor=self.actor, role=role, **kwargs)

    def appoint(
        self, case_id: str, appointee: Account, case_role: str, *, role: str | None = None
    ) -> TeamMember:
        """Appoint ``appointee`` to ``case_role`` on the case, as this account."""
        role = role or self._appointer(case_id, case_role, "appoint")
        return self.engine.appoint(case_id, appointee, case_role, actor=self.actor, role=role)

    def stand_down(
        self, case_id: str, member: Account, case_role: str, *, reason: str, role: str | None = None
    ) -> None:
        """Stand ``member`` down from ``case_role`` on the case, as this account."""
        role = role or self._appointer(case_id, case_role, "stand down")
        self.engine.stand_down(
            case_id, member, case_role, actor=self.actor, role=role, reason=reason
        )

    def set_field(
        self,
        case_id: str,
        name: str,
        value: Any,
        *,
        reason: str | None = None,
        role: str | None = None,
    ) -> Case:
        """Record or amend a case field, as this account."""
        needed = self._definition(case_id).roles_setting(name)
        role = role or self.role_for(case_id, needed, action=f"set {name}")
        return self.engine.set_field(
            case_id, name, value, actor=self.actor, role=role, reason=reason
        )


class ActingMixin:
    """Gives :class:`~aaib_cp.workflow.engine.Engine` its ``acting_as``."""

    def acting_as(self, account: Account | Actor, role: str | None = None) -> Acting:
        """An :class:`Acting` for ``account`` (and ``role``): identity given once."""
        engine: Any = self
        return Acting(engine, account, role)
