"""The engine: fire triggers on cases, checking roles and guards, one transaction each.

The engine is pure domain logic over a :class:`~aaib_cp.workflow.ports.CaseStore` (the
SQLite :class:`~aaib_cp.db.Store` is one), a :class:`~aaib_cp.workflow.guards.GuardRegistry`
and a clock. Every attempt to fire a trigger, allowed or refused, is appended to
the case's audit trail; a refused attempt changes nothing else. Authorisation for
services is in :mod:`.access`, the team in :mod:`.team`; the engine offers both.
``engine.acting_as(account)`` binds the actor once (:mod:`.acting`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from aaib_cp.exceptions import (
    InputError,
    RoleRefused,
    StaleCaseError,
    TransitionRefused,
)
from aaib_cp.workflow import access
from aaib_cp.workflow.access import Access
from aaib_cp.workflow.accounts import Accounts
from aaib_cp.workflow.acting import ActingMixin
from aaib_cp.workflow.audit import ChainBreak
from aaib_cp.workflow.cache import WorkflowCache
from aaib_cp.workflow.case_fields import CaseFields
from aaib_cp.workflow.decisions import (
    Blocker,
    CaseStatus,
    Decision,
    TriggerOption,
    coerce_field,
    coerce_fields,
    guard_blockers,
    option_for,
    refusal,
)
from aaib_cp.workflow.effects import EffectRegistry, default_effects
from aaib_cp.workflow.guards import CaseView, GuardRegistry, default_registry
from aaib_cp.workflow.identity import Account, Actor
from aaib_cp.workflow.input_text import clean_line, clean_text
from aaib_cp.workflow.integrity import replay_state, verify_case
from aaib_cp.workflow.model import Case, Event, EventKind, TeamMember
from aaib_cp.workflow.ports import CaseStore, TimeSource
from aaib_cp.workflow.spec import WorkflowDefinition
from aaib_cp.workflow.team import Team

if TYPE_CHECKING:
    from aaib_cp.workflow.machine import CompiledWorkflow

__all__ = [
    "Blocker",
    "CaseStatus",
    "CaseStore",
    "Decision",
    "Engine",
    "TriggerOption",
    "coerce_field",
    "replay_state",
]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Engine(ActingMixin):
    """Runs investigations: opens cases and fires triggers on them.

    >>> engine = Engine(Store.memory())                        # doctest: +SKIP
    >>> case = engine.open_case(load_workflow("child-protection"), title="...",
    ...                         known_on=date(2026, 1, 5), actor=ana, role="notifier")
    """

    def __init__(
        self,
        store: CaseStore,
        *,
        guards: GuardRegistry | None = None,
        clock: TimeSource = _utcnow,
        effects: EffectRegistry | None = None,
    ) -> None:
        self.store = store
        self.guards = guards or default_registry()
        self.effects = effects if effects is not None else default_effects()
        self.clock = clock
        self.workflows = WorkflowCache(store, self.guards)
        self.access = Access(store, clock, self.definition_for)
        self.teams = Team(self.access)
        self.case_fields = CaseFields(self.access)
        self.accounts = Accounts(store, clock)

    # -- workflows (see :mod:`.cache`) -------------------------------------------
    def compiled(self, definition: WorkflowDefinition) -> CompiledWorkflow:
        """The machine for a definition, built once per content hash, when first needed."""
        return self.workflows.compiled(definition)

    def definition_for(self, case: Case) -> WorkflowDefinition:
        """The exact workflow the case runs under, as stored with it (read once per engine)."""
        return self.workflows.definition_for(case)

    # -- opening and reading -------------------------------------------------
    def open_case(
        self,
        definition: WorkflowDefinition,
        *,
        title: str,
        known_on: date,
        actor: Account | Actor,
        role: str,
        reason: str | None = None,
    ) -> Case:
        """Open a case in the workflow's initial state; returns it with its reference."""
        title = clean_line(title, "title")
        actor = access.check_actor(definition, self.access.current(actor), role)
        problem = access.opener_problem(definition, actor, role)
        if problem:
            raise self.accounts.refused(actor, f"cannot open a case: {problem}")
        if reason is not None:
            reason = clean_text(reason, "reason")
        now = self.clock()
        if known_on > now.date():
            raise InputError(f"known_on: {known_on.isoformat()} is in the future")
        with self.store.transaction():
            self.store.save_workflow(definition, at=now)
            case_id = self.store.next_case_id(now.year, definition.case_prefix)
            case = Case(
                id=case_id,
                title=title.strip(),
                workflow_name=definition.name,
                workflow_version=definition.version,
                workflow_hash=definition.content_hash,
                state=definition.initial,
                previous_state=None,
                version=1,
                opened_at=now,
                opened_by=actor.label,
                known_on=known_on,
                fields={},
            )
            self.store.insert_case(case, at=now)
            self.store.append_event(
                case_id,
                at=now,
                actor=actor,
                role=role,
                kind=EventKind.OPENED,
                to_state=definition.initial,
                reason=reason,
                detail={
                    "title": case.title,
                    "known_on": known_on.isoformat(),
                    "workflow": definition.name,
                    "workflow_version": definition.version,
                    "workflow_hash": definition.content_hash,
                },
            )
        self.workflows.remember(definition)
        return case

    def get(self, case_id: str) -> Case:
        """The case with reference ``case_id``."""
        return self.store.get_case(case_id)

    def history(self, case_id: str) -> list[Event]:
        """Every event of the case, in order."""
        self.store.get_case(case_id)
        return self.store.events(case_id)

    @staticmethod
    def check_actor(definition: WorkflowDefinition, actor: object, role: str | None) -> Actor:
        """``actor`` as an Actor; refused if disabled; InputError for an unknown role."""
        return access.check_actor(definition, actor, role)

    def decide(
        self,
        case: Case,
        trigger: str,
        *,
        role: str | None,
        actor: Actor | None = None,
        reason: str | None = None,
        fields: Mapping[str, Any] | None = None,
        view: CaseView | None = None,
    ) -> Decision:
        """Everything that blocks ``trigger`` for ``case`` now (role, inputs, guards).

        With ``actor``, the role must also be held: granted, or appointed on the case.
        """
        definition = self.definition_for(case)
        transition = definition.transition(case.state, trigger)
        if transition is None:
            return Decision(case, trigger, None, ())
        blockers: list[Blocker] = []
        if role not in transition.roles:
            blockers.append(
                Blocker(
                    "role",
                    role or "",
                    f"role {role!r} may not fire {trigger!r}; "
                    f"it needs {' or '.join(transition.roles)}",
                )
            )
        base = view if view is not None else self.store.view(case)
        if actor is not None and not blockers:
            missing = access.appointment_missing(case, definition, actor, role, base)
            if missing:
                blockers.append(Blocker("role", role or "", missing))
        if transition.reason_required and not (reason and reason.strip()):
            blockers.append(Blocker("reason", "reason", f"{trigger!r} needs a reason"))
        given = dict(fields or {})
        for name in transition.sets:
            if given.get(name) in (None, ""):
                blockers.append(Blocker("field", name, f"{trigger!r} needs a value for '{name}'"))
        if not transition.guards:
            return Decision(case, trigger, transition, tuple(blockers))
        merged = {**case.fields, **{k: v for k, v in given.items() if v not in (None, "")}}
        would_be = case.evolve(fields=merged)
        guard_view = base.with_case(would_be) if hasattr(base, "with_case") else base
        blockers += guard_blockers(self.guards, transition, guard_view)
        return Decision(case, trigger, transition, tuple(blockers))

    def status(
        self, case_id: str, *, role: str | None = None, today: date | None = None
    ) -> CaseStatus:
        """The case's state, its clocks as of ``today``, and every trigger, with its blockers."""
        case = self.store.get_case(case_id)
        definition = self.definition_for(case)
        view = self.store.view(case)
        options = []
        for t in definition.triggers_from(case.state):
            decision = self.decide(case, t.trigger, role=role or t.roles[0], view=view)
            options.append(option_for(case, definition, t, decision, for_role=role is not None))
        clocks = tuple(self.clocks(case, definition, today=today))
        state = next((c for c in clocks if c.kind == "state"), None)
        return CaseStatus(case, definition, tuple(options), state, clocks)

    def deadline(self, case: Case, definition: WorkflowDefinition) -> Any:
        """The clock on the case's current state, if the state declares a deadline."""
        from aaib_cp.workflow.clocks import state_clock

        return state_clock(case, definition, self.store.events(case.id), today=self.clock().date())

    def clocks(
        self, case: Case, definition: WorkflowDefinition | None = None, *, today: date | None = None
    ) -> list[Any]:
        """Every clock of the case (see :func:`.clocks.case_clocks`), as of ``today``."""
        from aaib_cp.workflow.clocks import case_clocks

        definition = definition or self.definition_for(case)
        when = today or self.clock().date()
        return case_clocks(case, definition, self.store.events(case.id), today=when)

    def open_cases(self, cases: Sequence[Case] | None = None) -> list[Case]:
        """The cases that have not ended (each workflow is loaded once)."""
        cases = self.store.list_cases() if cases is None else cases
        return [c for c in cases if not self.definition_for(c).states[c.state].terminal]

    def open_clocks(
        self,
        cases: Sequence[Case] | None = None,
        *,
        today: date | None = None,
        progress: Callable[[Sequence[Case]], Any] | None = None,
    ) -> list[Any]:
        """Every clock of every open case, by due date (see :func:`.clocks.open_clocks`).

        The events of all the cases are read in one query. ``progress`` wraps the
        list of cases while they are worked through (e.g. a progress bar).
        """
        from aaib_cp.workflow.clocks import open_clocks

        open_ = self.open_cases(cases)
        events = self.store.move_events([c.id for c in open_])
        definitions = {c.workflow_hash: self.definition_for(c) for c in open_}
        when = today or self.clock().date()
        if progress is None:
            return open_clocks(open_, definitions, events, today=when)
        with progress(open_) as bar:
            return open_clocks(bar, definitions, events, today=when)

    # -- acting ------------------------------------------------------------------
    def fire(
        self,
        case_id: str,
        trigger: str,
        *,
        actor: Account | Actor,
        role: str | None,
        reason: str | None = None,
        fields: Mapping[str, Any] | None = None,
        expected_version: int | None = None,
    ) -> Event:
        """Fire ``trigger`` on the case, or record the refusal and raise.

        Checks the role, the inputs the transition needs and every guard; then, in
        one transaction, writes the new state (failing with
        :class:`~aaib_cp.exceptions.StaleCaseError` if the case changed since it
        was read, or since ``expected_version``), appends the event and runs the
        trigger's effects (:mod:`aaib_cp.workflow.effects`).
        Raises a :class:`~aaib_cp.exceptions.TransitionRefused` subclass when refused;
        the refusal is then the only thing written.
        """
        trigger = clean_line(trigger, "trigger", max_len=100)
        case = self.store.get_case(case_id)
        definition = self.definition_for(case)
        actor = access.check_actor(definition, self.access.current(actor), role)
        if reason is not None:
            reason = clean_text(reason, "reason")
        if expected_version is not None and expected_version != case.version:
            raise StaleCaseError(
                f"case {case.id} changed underneath you (read at version {expected_version}, "
                f"now version {case.version} in state {case.state!r}); nothing was changed"
            )
        transition = definition.transition(case.state, trigger)
        clean_fields = coerce_fields(definition, transition, fields)
        decision = self.decide(
            case, trigger, role=role, actor=actor, reason=reason, fields=clean_fields
        )
        now = self.clock()
        if not decision.allowed:
            error = refusal(decision, definition)
            self.access.record_refusal(
                case,
                actor=actor,
                role=role,
                trigger=trigger,
                message=str(error),
                blockers=[b.as_dict() for b in decision.blockers],
                reason=reason,
                at=now,
            )
            raise error
        assert transition is not None
        dest = self.compiled(definition).move(case.state, trigger, previous=case.previous_state)
        new_fields = {**case.fields, **clean_fields} if clean_fields else None
        with self.store.transaction():
            event = self.store.move_case(
                case,
                at=now,
                actor=actor,
                role=role,
                trigger=trigger,
                to_state=dest,
                reason=reason,
                fields=new_fields,
                detail={"fields": clean_fields} if clean_fields else None,
            )
            moved = case.evolve(state=dest, previous_state=case.state, version=case.version + 1)
            self.effects.run(
                trigger,
                self.store,
                moved,
                definition=definition,
                at=now,
                actor=actor,
                role=role,
            )
            return event

    # -- authorisation (see :mod:`.access`) --------------------------------------
    @staticmethod
    def appointment_missing(
        case: Case, definition: WorkflowDefinition, actor: Actor, role: str | None, view: CaseView
    ) -> str | None:
        """Why ``actor`` does not hold ``role`` (None if they do)."""
        return access.appointment_missing(case, definition, actor, role, view)

    def authorise(
        self, case_id: str, *, actor: object, role: str | None, action: str, permission: str
    ) -> tuple[Case, WorkflowDefinition, Actor]:
        """See :meth:`Access.authorise <aaib_cp.workflow.access.Access.authorise>`."""
        return self.access.authorise(
            case_id, actor=actor, role=role, action=action, permission=permission
        )

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
        """See :meth:`Access.check_permission <aaib_cp.workflow.access.Access.check_permission>`."""
        self.access.check_permission(
            case, definition, actor=actor, role=role, action=action, permission=permission
        )

    def record_change(
        self, case: Case, *, actor: Actor, role: str | None, kind: str, detail: Mapping[str, Any]
    ) -> Event:
        """See :meth:`Access.record_change <aaib_cp.workflow.access.Access.record_change>`."""
        return self.access.record_change(case, actor=actor, role=role, kind=kind, detail=detail)

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
        """See :meth:`Access.refuse <aaib_cp.workflow.access.Access.refuse>`."""
        return self.access.refuse(
            case, actor=actor, role=role, action=action, message=message, error=error
        )

    def set_field(
        self,
        case_id: str,
        name: str,
        value: Any,
        *,
        actor: object,
        role: str | None,
        reason: str | None = None,
    ) -> Case:
        """See :meth:`CaseFields.set_field <aaib_cp.workflow.case_fields.CaseFields.set_field>`."""
        return self.case_fields.set_field(
            case_id, name, value, actor=actor, role=role, reason=reason
        )

    # -- the team (see :mod:`.team`) --------------------------------------------------
    def appoint(
        self, case_id: str, appointee: Account, case_role: str, *, actor: object, role: str | None
    ) -> TeamMember:
        """See :meth:`Team.appoint <aaib_cp.workflow.team.Team.appoint>`."""
        return self.teams.appoint(case_id, appointee, case_role, actor=actor, role=role)

    def stand_down(
        self,
        case_id: str,
        member: Account,
        case_role: str,
        *,
        actor: object,
        role: str | None,
        reason: str,
    ) -> None:
        """See :meth:`Team.stand_down <aaib_cp.workflow.team.Team.stand_down>`."""
        self.teams.stand_down(case_id, member, case_role, actor=actor, role=role, reason=reason)

    def team(self, case_id: str) -> Sequence[TeamMember]:
        """The case's investigation team."""
        return self.teams.members(case_id)

    # -- integrity -----------------------------------------------------------------
    def replay(self, case_id: str) -> tuple[str, str | None]:
        """The ``(state, previous_state)`` that replaying the case's events gives."""
        case = self.store.get_case(case_id)
        return replay_state(self.definition_for(case), self.store.events(case_id))

    def verify(self, case_id: str) -> ChainBreak | None:
        """Check the case's audit chain, its recorded head, and that replay matches its state."""
        return verify_case(self.store, self.store.get_case(case_id), self.definition_for)
