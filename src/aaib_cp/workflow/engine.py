"""The engine: fire triggers on cases, checking roles and guards, one transaction each.

The engine is pure domain logic over a :class:`CaseStore` (the SQLite
:class:`~aaib_cp.db.Store` is one), a :class:`~aaib_cp.workflow.guards.GuardRegistry`
and a clock. Every attempt to fire a trigger, allowed or refused, is appended to
the case's audit trail; a refused attempt changes nothing else.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from aaib_cp.exceptions import (
    ConflictOfInterest,
    GuardFailed,
    InputError,
    RoleRefused,
    StaleCaseError,
    TransitionRefused,
    UnknownTrigger,
    WorkflowMismatch,
)
from aaib_cp.workflow.audit import ChainBreak, verify_chain
from aaib_cp.workflow.definition import (
    FieldDef,
    TransitionDef,
    WorkflowDefinition,
    suggest,
    workflow_from_text,
)
from aaib_cp.workflow.effects import EffectRegistry, default_effects
from aaib_cp.workflow.guards import CaseView, GuardRegistry, default_registry
from aaib_cp.workflow.input_text import clean_line, clean_text
from aaib_cp.workflow.model import Case, Event, EventKind, TeamMember

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

Clock = Callable[[], datetime]


class CaseStore(Protocol):
    """What the engine needs from persistence (see :class:`aaib_cp.db.Store`)."""

    def transaction(self) -> contextlib.AbstractContextManager[Any]: ...
    def save_workflow(self, definition: WorkflowDefinition, *, at: datetime) -> None: ...
    def workflow_source(self, content_hash: str) -> Mapping[str, Any]: ...
    def next_case_id(self, year: int, prefix: str) -> str: ...
    def insert_case(self, case: Case, *, at: datetime) -> None: ...
    def get_case(self, case_id: str) -> Case: ...
    def list_cases(self, *, state: str | None = ...) -> list[Case]: ...
    def update_case(self, case: Case, *, at: datetime, **changes: Any) -> int: ...
    def append_event(
        self, case_id: str, *, at: datetime, actor: str, role: str | None, kind: str, **content: Any
    ) -> Event: ...
    def events(self, case_id: str) -> list[Event]: ...
    def move_events(self, case_ids: Sequence[str]) -> dict[str, list[Event]]: ...
    def event_rows(self, case_id: str) -> list[dict[str, Any]]: ...
    def audit_head(self, case_id: str) -> tuple[int, str] | None: ...
    def add_team_member(self, member: TeamMember) -> bool: ...
    def view(self, case: Case) -> Any: ...


@attrs.frozen
class Blocker:
    """Why a trigger cannot fire now: ``kind`` is role, guard, reason or field."""

    kind: str
    name: str
    message: str


@attrs.frozen
class Decision:
    """Whether a trigger can fire for a case now, and if not, everything that blocks it."""

    case: Case
    trigger: str
    transition: TransitionDef | None
    blockers: tuple[Blocker, ...]

    @property
    def allowed(self) -> bool:
        """True when nothing blocks the trigger."""
        return self.transition is not None and not self.blockers


@attrs.frozen
class TriggerOption:
    """One trigger available from the case's state, as shown by ``status``."""

    trigger: str
    dest: str
    description: str
    roles: tuple[str, ...]
    reason_required: bool
    sets: tuple[str, ...]
    blockers: tuple[Blocker, ...]

    @property
    def can_fire(self) -> bool:
        """True if nothing but the caller's own inputs (reason, fields) blocks it."""
        return not [b for b in self.blockers if b.kind in ("guard", "role")]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "trigger": self.trigger,
            "dest": self.dest,
            "description": self.description,
            "roles": list(self.roles),
            "reason_required": self.reason_required,
            "sets": list(self.sets),
            "can_fire": self.can_fire,
            "blocked_by": [attrs.asdict(b) for b in self.blockers],
        }


@attrs.frozen
class CaseStatus:
    """Where a case stands: its state, its deadline and what can happen next."""

    case: Case
    definition: WorkflowDefinition
    options: tuple[TriggerOption, ...]
    deadline: Any = None
    clocks: tuple[Any, ...] = ()

    @property
    def terminal(self) -> bool:
        """True once the case has ended."""
        return self.definition.states[self.case.state].terminal

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        state = self.definition.states[self.case.state]
        return {
            "case": self.case.to_json(),
            "state": {
                "name": state.name,
                "description": state.description,
                "terminal": state.terminal,
            },
            "deadline": self.deadline.to_json() if self.deadline is not None else None,
            "clocks": [c.to_json() for c in self.clocks],
            "overdue": any(c.overdue for c in self.clocks),
            "triggers": [o.to_json() for o in self.options],
        }


def _utcnow() -> datetime:
    return datetime.now(UTC)


def coerce_field(field: FieldDef, value: Any) -> Any:
    """Check and convert a value given for a case field; InputError says what was expected."""
    if field.type == "choice":
        if value not in field.choices:
            raise InputError(
                f"field '{field.name}': {value!r} is not one of {', '.join(field.choices)}"
                f"{suggest(value, field.choices)}"
            )
        return value
    if field.type == "date":
        if isinstance(value, date):
            return value.isoformat()
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise InputError(
                f"field '{field.name}': {value!r} is not a valid date (YYYY-MM-DD)"
            ) from None
    if field.type == "int":
        try:
            return int(value)
        except (TypeError, ValueError):
            raise InputError(f"field '{field.name}': {value!r} is not a whole number") from None
    return clean_text(str(value), f"field '{field.name}'")


def replay_state(definition: WorkflowDefinition, events: Sequence[Event]) -> tuple[str, str | None]:
    """Replay a case's events through the machine: its ``(state, previous_state)``.

    Raises :class:`WorkflowMismatch` if an event does not follow from the one before.
    """
    from aaib_cp.workflow.machine import CompiledWorkflow

    compiled = CompiledWorkflow(definition)
    state, previous = definition.initial, None
    for event in events:
        if event.kind == EventKind.OPENED:
            state, previous = event.to_state or definition.initial, None
        elif event.kind == EventKind.TRANSITION:
            if event.from_state != state:
                raise WorkflowMismatch(
                    f"event {event.n} starts from {event.from_state!r} but replay is in {state!r}"
                )
            dest = compiled.move(state, event.trigger or "", previous=previous)
            if dest != event.to_state:
                raise WorkflowMismatch(
                    f"event {event.n} went to {event.to_state!r} but replay gives {dest!r}"
                )
            state, previous = dest, state
    return state, previous


class Engine:
    """Runs investigations: opens cases and fires triggers on them.

    >>> engine = Engine(Store.memory())                        # doctest: +SKIP
    >>> case = engine.open_case(load_workflow("child-protection"), title="...",
    ...                         known_on=date(2026, 1, 5), actor="ana", role="notifier")
    """

    def __init__(
        self,
        store: CaseStore,
        *,
        guards: GuardRegistry | None = None,
        clock: Clock = _utcnow,
        effects: EffectRegistry | None = None,
    ) -> None:
        self.store = store
        self.guards = guards or default_registry()
        self.effects = effects if effects is not None else default_effects()
        self.clock = clock
        self._compiled: dict[str, CompiledWorkflow] = {}
        self._definitions: dict[str, WorkflowDefinition] = {}

    # -- workflows -------------------------------------------------------------
    def compiled(self, definition: WorkflowDefinition) -> CompiledWorkflow:
        """The machine for a definition, built once per content hash, when first needed.

        Reading a case (``status``, guards, history) never needs the machine, so
        ``transitions`` is imported and the machine built only to move a case.
        """
        compiled = self._compiled.get(definition.content_hash)
        if compiled is None:
            from aaib_cp.workflow.machine import CompiledWorkflow

            compiled = self._compiled[definition.content_hash] = CompiledWorkflow(definition)
            self._definitions.setdefault(definition.content_hash, definition)
        return compiled

    def definition_for(self, case: Case) -> WorkflowDefinition:
        """The exact workflow the case runs under, as stored with it (read once per engine)."""
        definition = self._definitions.get(case.workflow_hash)
        if definition is not None:
            return definition
        row = self.store.workflow_source(case.workflow_hash)
        definition = workflow_from_text(
            row["source_text"], filename=row["filename"], guards=self.guards
        )
        self._check_fits(case, definition)
        return self._definitions.setdefault(definition.content_hash, definition)

    @staticmethod
    def _check_fits(case: Case, definition: WorkflowDefinition) -> None:
        for label, state in (("state", case.state), ("previous state", case.previous_state)):
            if state is not None and state not in definition.states:
                raise WorkflowMismatch(
                    f"case {case.id} is in {label} {state!r}, which workflow "
                    f"{definition.name} v{definition.version} ({definition.content_hash[:12]}) "
                    "does not have"
                )

    # -- opening and reading -------------------------------------------------
    def open_case(
        self,
        definition: WorkflowDefinition,
        *,
        title: str,
        known_on: date,
        actor: str,
        role: str,
        reason: str | None = None,
    ) -> Case:
        """Open a case in the workflow's initial state; returns it with its reference."""
        title = clean_line(title, "title")
        actor = self.check_actor(definition, actor, role)
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
                opened_by=actor,
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
        self._definitions.setdefault(definition.content_hash, definition)
        return case

    def get(self, case_id: str) -> Case:
        """The case with reference ``case_id``."""
        return self.store.get_case(case_id)

    def history(self, case_id: str) -> list[Event]:
        """Every event of the case, in order."""
        self.store.get_case(case_id)
        return self.store.events(case_id)

    # -- deciding ----------------------------------------------------------------
    @staticmethod
    def check_actor(definition: WorkflowDefinition, actor: str, role: str | None) -> str:
        """The cleaned actor name; InputError for a missing actor or unknown role."""
        if not actor or not actor.strip():
            raise InputError("actor: say who is acting (--actor or AAIB_ACTOR)")
        actor = clean_line(actor, "actor")
        if role is not None and role not in definition.roles:
            raise InputError(
                f"role: unknown role {role!r}{suggest(role, definition.roles)}; "
                f"one of {', '.join(definition.roles)}"
            )
        return actor

    def decide(
        self,
        case: Case,
        trigger: str,
        *,
        role: str | None,
        actor: str | None = None,
        reason: str | None = None,
        fields: Mapping[str, Any] | None = None,
        view: CaseView | None = None,
    ) -> Decision:
        """Everything that blocks ``trigger`` for ``case`` now (role, inputs, guards).

        With ``actor``, a case role must also be held by that person on the case.
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
            missing = self.appointment_missing(case, definition, actor, role, base)
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
        would_be = attrs.evolve(case, fields=merged)
        guard_view = base.with_case(would_be) if hasattr(base, "with_case") else base
        for ref in transition.guards:
            failure = self.guards.evaluate(ref, guard_view)
            if failure is not None:
                blockers.append(Blocker("guard", ref.name, failure))
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
            blockers = tuple(
                b
                for b in decision.blockers
                if b.kind == "guard" or (b.kind == "role" and role is not None)
            )
            dests = definition.possible_dests(t, case.state)
            dest = (
                case.previous_state
                if t.returns and case.previous_state
                else dests[0]
                if dests
                else t.dest
            )
            options.append(
                TriggerOption(
                    trigger=t.trigger,
                    dest=dest,
                    description=t.description,
                    roles=t.roles,
                    reason_required=t.reason_required,
                    sets=t.sets,
                    blockers=blockers,
                )
            )
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
        actor: str,
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
        actor = self.check_actor(definition, actor, role)
        if reason is not None:
            reason = clean_text(reason, "reason")
        if expected_version is not None and expected_version != case.version:
            raise StaleCaseError(
                f"case {case.id} changed underneath you (read at version {expected_version}, "
                f"now version {case.version} in state {case.state!r}); nothing was changed"
            )
        transition = definition.transition(case.state, trigger)
        clean_fields = self._coerce_fields(definition, transition, fields)
        decision = self.decide(
            case, trigger, role=role, actor=actor, reason=reason, fields=clean_fields
        )
        now = self.clock()
        if not decision.allowed:
            error = self._refusal(decision, definition)
            with self.store.transaction():
                self.store.append_event(
                    case.id,
                    at=now,
                    actor=actor,
                    role=role,
                    kind=EventKind.REFUSED,
                    trigger=trigger,
                    from_state=case.state,
                    reason=reason,
                    detail={
                        "refused": str(error),
                        "blockers": [attrs.asdict(b) for b in decision.blockers],
                    },
                )
            raise error
        assert transition is not None
        dest = self.compiled(definition).move(case.state, trigger, previous=case.previous_state)
        new_fields = {**case.fields, **clean_fields} if clean_fields else None
        with self.store.transaction():
            version = self.store.update_case(
                case, at=now, state=dest, previous_state=case.state, fields=new_fields
            )
            event = self.store.append_event(
                case.id,
                at=now,
                actor=actor,
                role=role,
                kind=EventKind.TRANSITION,
                trigger=trigger,
                from_state=case.state,
                to_state=dest,
                reason=reason,
                detail={"fields": clean_fields} if clean_fields else {},
            )
            moved = attrs.evolve(case, state=dest, previous_state=case.state, version=version)
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

    def _coerce_fields(
        self,
        definition: WorkflowDefinition,
        transition: TransitionDef | None,
        fields: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        if not fields:
            return {}
        allowed = transition.sets if transition is not None else ()
        out: dict[str, Any] = {}
        for name, value in fields.items():
            if name not in allowed:
                hint = suggest(name, allowed)
                takes = ", ".join(allowed) if allowed else "no fields"
                raise InputError(
                    f"field '{name}' is not set by this trigger{hint} (it takes {takes})"
                )
            if value in (None, ""):
                continue
            out[name] = coerce_field(definition.fields[name], value)
        return out

    @staticmethod
    def _refusal(decision: Decision, definition: WorkflowDefinition) -> TransitionRefused:
        case, trigger = decision.case, decision.trigger
        if decision.transition is None:
            available = [t.trigger for t in definition.triggers_from(case.state)]
            hint = suggest(trigger, available)
            listing = ", ".join(available) if available else "none: the case has ended"
            return UnknownTrigger(
                f"{case.id} is in {case.state!r}: no trigger {trigger!r} from there{hint} "
                f"(available: {listing})"
            )
        roles = [b for b in decision.blockers if b.kind == "role"]
        if roles:
            return RoleRefused(f"{case.id}: {roles[0].message}")
        others = [b for b in decision.blockers if b.kind in ("reason", "field")]
        if others:
            return TransitionRefused(f"{case.id}: " + "; ".join(b.message for b in others))
        guards = [b for b in decision.blockers if b.kind == "guard"]
        text = "; ".join(f"guard '{b.name}' failed: {b.message}" for b in guards)
        return GuardFailed(
            f"{case.id}: cannot {trigger}: {text}", [(b.name, b.message) for b in guards]
        )

    @staticmethod
    def appointment_missing(
        case: Case, definition: WorkflowDefinition, actor: str, role: str | None, view: Any
    ) -> str | None:
        """Why ``actor`` does not hold case role ``role`` on ``case`` (None if they do)."""
        spec = definition.roles.get(role or "")
        if spec is None or not spec.is_case_role:
            return None
        if any(m.name == actor and m.role == role for m in view.team()):
            return None
        return f"{actor} is not appointed as {role} on {case.id}"

    def authorise(
        self, case_id: str, *, actor: str, role: str | None, action: str, roles: Sequence[str]
    ) -> tuple[Case, WorkflowDefinition, str]:
        """Check that ``actor`` may do ``action`` on an open case in ``role``.

        ``roles`` lists the roles allowed; a case role must also be held on the case.
        Returns the case, its workflow and the cleaned actor name. A refusal is
        recorded on the audit trail and raised as :class:`RoleRefused`.
        """
        case = self.store.get_case(case_id)
        definition = self.definition_for(case)
        actor = self.check_actor(definition, actor, role)
        if definition.states[case.state].terminal:
            raise InputError(f"{case.id} has ended ({case.state}); its records are final")
        if role not in roles:
            raise self.refuse(
                case,
                actor=actor,
                role=role,
                action=action,
                message=f"role {role!r} may not {action}; it needs {' or '.join(roles)}",
            )
        missing = self.appointment_missing(case, definition, actor, role, self.store.view(case))
        if missing:
            raise self.refuse(case, actor=actor, role=role, action=action, message=missing)
        return case, definition, actor

    def record_change(
        self, case: Case, *, actor: str, role: str | None, kind: str, detail: Mapping[str, Any]
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
        actor: str,
        role: str | None,
        action: str,
        message: str,
        error: type[TransitionRefused] = RoleRefused,
    ) -> TransitionRefused:
        """Record a refused action on the case's audit trail and return the error to raise."""
        with self.store.transaction():
            self.store.append_event(
                case.id,
                at=self.clock(),
                actor=actor,
                role=role,
                kind=EventKind.REFUSED,
                trigger=action,
                from_state=case.state,
                detail={
                    "refused": message,
                    "blockers": [{"kind": "role", "name": role or "", "message": message}],
                },
            )
        return error(f"{case.id}: {message}")

    def set_field(
        self,
        case_id: str,
        name: str,
        value: Any,
        *,
        actor: str,
        role: str | None,
        reason: str | None = None,
    ) -> Case:
        """Record or amend a case field while the case is open (audited)."""
        case = self.store.get_case(case_id)
        definition = self.definition_for(case)
        actor = self.check_actor(definition, actor, role)
        if reason is not None:
            reason = clean_text(reason, "reason")
        if definition.states[case.state].terminal:
            raise InputError(f"{case.id} has ended ({case.state}); its fields are final")
        if name not in definition.fields:
            raise InputError(
                f"unknown field {name!r}{suggest(name, definition.fields)}; "
                f"one of {', '.join(definition.fields)}"
            )
        clean = coerce_field(definition.fields[name], value)
        allowed = definition.roles_setting(name)
        if role not in allowed:
            raise self.refuse(
                case,
                actor=actor,
                role=role,
                action=f"set {name}",
                message=f"role {role!r} may not record '{name}'; it needs "
                f"{' or '.join(allowed) or 'a transition that sets it'}",
            )
        missing = self.appointment_missing(case, definition, actor, role, self.store.view(case))
        if missing:
            raise self.refuse(case, actor=actor, role=role, action=f"set {name}", message=missing)
        fields = {**case.fields, name: clean}
        now = self.clock()
        with self.store.transaction():
            version = self.store.update_case(case, at=now, fields=fields)
            self.store.append_event(
                case.id,
                at=now,
                actor=actor,
                role=role,
                kind=EventKind.FIELD_SET,
                reason=reason,
                detail={"field": name, "value": clean, "was": case.fields.get(name)},
            )
        return attrs.evolve(case, fields=fields, version=version)

    def appoint(
        self,
        case_id: str,
        name: str,
        case_role: str,
        *,
        actor: str,
        role: str | None,
        affiliations: Sequence[str] = (),
    ) -> TeamMember:
        """Appoint a person to the case's team in a workflow role (audited).

        ``affiliations`` are agencies the person declares an affiliation with (kept for
        every later case too). A role marked ``independent`` in the workflow cannot go
        to someone affiliated with an agency involved in the case: the refusal names
        the agency and is audited.
        """
        case = self.store.get_case(case_id)
        definition = self.definition_for(case)
        actor = self.check_actor(definition, actor, role)
        name = clean_line(name, "name")
        declared = [clean_line(a, "affiliation", max_len=200) for a in affiliations]
        if case_role not in definition.roles:
            raise InputError(f"unknown role {case_role!r}{suggest(case_role, definition.roles)}")
        spec = definition.roles[case_role]
        if not spec.is_case_role:
            raise InputError(f"{case_role} is an organisation role; it is not appointed to a case")
        if definition.states[case.state].terminal:
            raise InputError(f"{case.id} has ended ({case.state}); its team is final")
        action = f"appoint {case_role}"
        if role not in spec.appointed_by:
            raise self.refuse(
                case,
                actor=actor,
                role=role,
                action=action,
                message=f"role {role!r} may not appoint a {case_role}; it needs "
                f"{' or '.join(spec.appointed_by)}",
            )
        missing = self.appointment_missing(case, definition, actor, role, self.store.view(case))
        if missing:
            raise self.refuse(case, actor=actor, role=role, action=action, message=missing)
        if spec.independent:
            involved = {a.casefold(): a for a in self.store.view(case).fact("agency_names")}
            held = [*self.store.affiliations(name), *declared]
            conflicts = sorted({involved[a.casefold()] for a in held if a.casefold() in involved})
            if conflicts:
                raise self.refuse(
                    case,
                    actor=actor,
                    role=role,
                    action=action,
                    error=ConflictOfInterest,
                    message=f"{name} cannot be appointed as {case_role}: affiliated with "
                    f"{', '.join(conflicts)}, an agency involved in the case",
                )
        now = self.clock()
        member = TeamMember(case.id, name, case_role, now, actor)
        with self.store.transaction():
            for agency in declared:
                self.store.declare_affiliation(name, agency, at=now, by=actor)
            if not self.store.add_team_member(member, independent=spec.independent):
                raise InputError(f"{member.name} is already appointed as {case_role} on {case.id}")
            self.store.update_case(case, at=now)
            self.store.append_event(
                case.id,
                at=now,
                actor=actor,
                role=role,
                kind=EventKind.APPOINTED,
                detail={"name": member.name, "role": case_role, "affiliations": declared},
            )
        return member

    def stand_down(
        self,
        case_id: str,
        name: str,
        case_role: str,
        *,
        actor: str,
        role: str | None,
        reason: str,
    ) -> None:
        """Record that ``name`` no longer serves in ``case_role`` on the case (audited)."""
        case = self.store.get_case(case_id)
        definition = self.definition_for(case)
        spec = definition.roles.get(case_role)
        if spec is None or not spec.is_case_role:
            raise InputError(f"{case_role!r} is not a case role of this workflow")
        reason = clean_text(reason, "reason").strip()
        if not reason:
            raise InputError("reason: say why the member stands down")
        case, definition, actor = self.authorise(
            case_id,
            actor=actor,
            role=role,
            action=f"stand down a {case_role}",
            roles=spec.appointed_by,
        )
        now = self.clock()
        with self.store.transaction():
            if not self.store.stand_down(case.id, name, case_role, at=now, by=actor, reason=reason):
                raise InputError(f"{name} is not serving as {case_role} on {case.id}")
            self.store.update_case(case, at=now)
            self.store.append_event(
                case.id,
                at=now,
                actor=actor,
                role=role,
                kind=EventKind.STOOD_DOWN,
                reason=reason,
                detail={"name": name, "role": case_role},
            )

    def declare_affiliations(self, name: str, agencies: Sequence[str], *, actor: str) -> list[str]:
        """Record a person's agency affiliations (used for every independence check)."""
        name = clean_line(name, "name")
        actor = clean_line(actor, "actor")
        cleaned = [clean_line(a, "affiliation", max_len=200) for a in agencies]
        if not cleaned:
            raise InputError("affiliation: name at least one agency")
        now = self.clock()
        with self.store.transaction():
            for agency in cleaned:
                self.store.declare_affiliation(name, agency, at=now, by=actor)
        return self.store.affiliations(name)

    def team(self, case_id: str) -> Sequence[TeamMember]:
        """The case's investigation team."""
        case = self.store.get_case(case_id)
        return self.store.view(case).team()

    # -- integrity -----------------------------------------------------------------
    def replay(self, case_id: str) -> tuple[str, str | None]:
        """The ``(state, previous_state)`` that replaying the case's events gives."""
        case = self.store.get_case(case_id)
        return replay_state(self.definition_for(case), self.store.events(case_id))

    def verify(self, case_id: str) -> ChainBreak | None:
        """Check the case's audit chain, its recorded head, and that replay matches its state."""
        case = self.store.get_case(case_id)
        rows = self.store.event_rows(case_id)
        broken = verify_chain(case_id, rows)
        if broken is not None:
            return broken
        head = self.store.audit_head(case_id)
        last = (int(rows[-1]["n"]), rows[-1]["hash"]) if rows else None
        if head != last:
            n = head[0] if head else None
            return ChainBreak(case_id, n, "the last recorded event is missing (deleted)")
        try:
            state, _ = replay_state(self.definition_for(case), self.store.events(case_id))
        except WorkflowMismatch as exc:
            return ChainBreak(case_id, None, f"replay fails: {exc}")
        if state != case.state:
            return ChainBreak(
                case_id, None, f"stored state {case.state!r} differs from replayed {state!r}"
            )
        return None
