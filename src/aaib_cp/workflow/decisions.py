"""What the engine decides and reports: blockers, decisions, trigger options, case status.

Also the checks on what a caller gives: field values (:func:`coerce_field`) and the
error a refused trigger raises (:func:`refusal`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from aaib_cp.exceptions import (
    GuardFailed,
    InputError,
    RoleRefused,
    TransitionRefused,
    UnknownTrigger,
)
from aaib_cp.workflow.guards import CaseView, GuardRegistry
from aaib_cp.workflow.input_text import clean_text
from aaib_cp.workflow.model import Case
from aaib_cp.workflow.record import Record
from aaib_cp.workflow.spec import FieldDef, TransitionDef, WorkflowDefinition, suggest

__all__ = [
    "Blocker",
    "CaseStatus",
    "Decision",
    "TriggerOption",
    "coerce_field",
    "coerce_fields",
    "guard_blockers",
    "option_for",
    "refusal",
]


class Blocker(Record):
    """Why a trigger cannot fire now: ``kind`` is role, guard, reason or field."""

    kind: str
    name: str
    message: str

    def __init__(
        self,
        kind: str,
        name: str,
        message: str,
    ) -> None:
        self._set_fields(kind, name, message)

    def as_dict(self) -> dict[str, str]:
        """``{kind, name, message}`` (as ``attrs.asdict`` gave)."""
        return {"kind": self.kind, "name": self.name, "message": self.message}


class Decision(Record):
    """Whether a trigger can fire for a case now, and if not, everything that blocks it."""

    case: Case
    trigger: str
    transition: TransitionDef | None
    blockers: tuple[Blocker, ...]

    def __init__(
        self,
        case: Case,
        trigger: str,
        transition: TransitionDef | None,
        blockers: tuple[Blocker, ...],
    ) -> None:
        self._set_fields(case, trigger, transition, blockers)

    @property
    def allowed(self) -> bool:
        """True when nothing blocks the trigger."""
        return self.transition is not None and not self.blockers


class TriggerOption(Record):
    """One trigger available from the case's state, as shown by ``status``."""

    trigger: str
    dest: str
    description: str
    roles: tuple[str, ...]
    reason_required: bool
    sets: tuple[str, ...]
    blockers: tuple[Blocker, ...]

    def __init__(
        self,
        trigger: str,
        dest: str,
        description: str,
        roles: tuple[str, ...],
        reason_required: bool,
        sets: tuple[str, ...],
        blockers: tuple[Blocker, ...],
    ) -> None:
        self._set_fields(trigger, dest, description, roles, reason_required, sets, blockers)

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
            "blocked_by": [b.as_dict() for b in self.blockers],
        }


class CaseStatus(Record):
    """Where a case stands: its state, its deadline and what can happen next."""

    case: Case
    definition: WorkflowDefinition
    options: tuple[TriggerOption, ...]
    deadline: Any
    clocks: tuple[Any, ...]

    def __init__(
        self,
        case: Case,
        definition: WorkflowDefinition,
        options: tuple[TriggerOption, ...],
        deadline: Any = None,
        clocks: tuple[Any, ...] = (),
    ) -> None:
        self._set_fields(case, definition, options, deadline, clocks)

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


def coerce_fields(
    definition: WorkflowDefinition,
    transition: TransitionDef | None,
    fields: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The fields given to fire ``transition``, checked and converted (empty ones dropped)."""
    if not fields:
        return {}
    allowed = transition.sets if transition is not None else ()
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in allowed:
            hint = suggest(name, allowed)
            takes = ", ".join(allowed) if allowed else "no fields"
            raise InputError(f"field '{name}' is not set by this trigger{hint} (it takes {takes})")
        if value in (None, ""):
            continue
        out[name] = coerce_field(definition.fields[name], value)
    return out


def refusal(decision: Decision, definition: WorkflowDefinition) -> TransitionRefused:
    """The error to raise for a decision that does not allow the trigger."""
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


def option_for(
    case: Case,
    definition: WorkflowDefinition,
    transition: TransitionDef,
    decision: Decision,
    *,
    for_role: bool,
) -> TriggerOption:
    """How ``transition`` looks from the case now (role blockers only ``for_role``)."""
    t = transition
    blockers = tuple(
        b for b in decision.blockers if b.kind == "guard" or (b.kind == "role" and for_role)
    )
    dests = definition.possible_dests(t, case.state)
    dest = (
        case.previous_state if t.returns and case.previous_state else dests[0] if dests else t.dest
    )
    return TriggerOption(
        trigger=t.trigger,
        dest=dest,
        description=t.description,
        roles=t.roles,
        reason_required=t.reason_required,
        sets=t.sets,
        blockers=blockers,
    )


def guard_blockers(
    guards: GuardRegistry, transition: TransitionDef, view: CaseView
) -> list[Blocker]:
    """A blocker for each guard of ``transition`` that fails on ``view``."""
    blockers = []
    for ref in transition.guards:
        failure = guards.evaluate(ref, view)
        if failure is not None:
            blockers.append(Blocker("guard", ref.name, failure))
    return blockers
