"""A validated workflow: :class:`WorkflowDefinition` and the frozen records it is made of.

Roles, fields, states, transitions, interim statements and invariants, with the
constants a workflow file may use (:data:`SETTINGS`, :data:`ACTIONS`, :data:`PHASES`).
Loading lives in :mod:`aaib_cp.workflow.definition`, validation in
:mod:`aaib_cp.workflow.parse`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from aaib_cp.workflow.calendar import DeadlineRule
from aaib_cp.workflow.guards import GuardRef
from aaib_cp.workflow.record import Record

__all__ = [
    "ACTIONS",
    "ANY_OPEN",
    "DEFAULT_CASE_PREFIX",
    "PHASES",
    "PREVIOUS",
    "REPORT_PLACES",
    "SETTINGS",
    "WORKFLOW_NAME",
    "FieldDef",
    "InterimStatements",
    "InvariantDef",
    "RoleDef",
    "StateDef",
    "TransitionDef",
    "WorkflowDefinition",
    "paused_from",
    "suggest",
]

#: ``source: "*"`` means every non-terminal state other than the destination.
ANY_OPEN = "*"
#: ``dest: $previous`` returns to the state the case was in before entering the source.
PREVIOUS = "$previous"

#: What a workflow's name looks like (also how a shipped workflow is named).
WORKFLOW_NAME = re.compile(r"[a-z][a-z0-9_-]*\Z")

#: Settings a workflow may declare, with their type and default.
SETTINGS: dict[str, tuple[type, Any, str]] = {
    "recommendation_response_days": (int, 90, "days an addressee has to respond"),
    "response_assessment_days": (int, 60, "days to assess a response"),
    "representation_days": (int, 60, "days involved parties have to comment on the draft"),
    "chronology_gap_days": (int, 28, "days without contact with the child flagged as a gap"),
    "interim_statement_months": (int, 12, "months after the decision before interim statements"),
}

#: What a service may be asked to do on a case, beyond firing transitions. A workflow's
#: ``permissions`` grants each to roles; services ask :meth:`WorkflowDefinition.roles_for`
#: and never name a role themselves.
ACTIONS: dict[str, str] = {
    "register_evidence": "add agencies, people, evidence items and chronology entries",
    "analyse": "record acts, contributory factors, classifications and findings",
    "confirm": "confirm or return a classification that refers someone onward (second person)",
    "recommend": "draft and issue safety recommendations, record responses, actions and notes",
    "assess": "assess responses and close recommendations",
    "consult": "send the draft, record representations and feedback sessions",
    "dispose": "decide on representations made on the draft",
    "protect": "mark evidence as protected material",
    "disclose": "approve a disclosure of protected material",
    "read_restricted": "produce the restricted report (real names, classifications)",
}

#: Phases the services need to know about; a workflow's ``phases`` names its states in each.
PHASES: dict[str, str] = {
    "before_evidence": "before evidence gathering: no recommendation may be drafted yet",
    "draft": "the draft report may be sent to the parties for comment",
    "published": "the final report is out: public outputs exist, representations are closed",
}

#: Duties that separation of duties may keep apart. A workflow's ``separation`` lists
#: pairs; the same account (or a delegate acting for it) may not do both on one record.
DUTIES: dict[str, str] = {
    "classify": "classify an act",
    "confirm": "confirm or return that classification",
    "request_disclosure": "ask for protected material to be disclosed",
    "approve_disclosure": "approve that disclosure",
    "appoint": "appoint someone to a case role",
    "be_appointed": "be the person appointed",
}

#: The case reference prefix of a workflow that declares none.
DEFAULT_CASE_PREFIX = "CASE"


def suggest(name: object, options: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a close option exists, else an empty string."""
    if not isinstance(name, str):
        return ""
    import difflib  # only for a mistake: not on the way of a command that succeeds

    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class RoleDef(Record):
    """A role. An ``organisation`` role is taken as given (``--role``); a ``case`` role
    must be held through appointment to the case, by a role in ``appointed_by``."""

    name: str
    description: str
    scope: str
    appointed_by: tuple[str, ...]
    independent: bool

    def __init__(
        self,
        name: str,
        description: str = "",
        scope: str = "organisation",
        appointed_by: tuple[str, ...] = (),
        independent: bool = False,
    ) -> None:
        self._set_fields(name, description, scope, appointed_by, independent)

    @property
    def is_case_role(self) -> bool:
        """True when the role is held only through appointment to a case."""
        return self.scope == "case"


class FieldDef(Record):
    """A case field that transitions set (``sets:``) and guards read."""

    name: str
    type: str
    choices: tuple[str, ...]
    description: str
    #: where reports show the field: ``title_page``, ``synopsis`` or ``factual`` (or not at all)
    report: str | None
    #: how reports name it ("Depth of investigation"); default: the name in words
    label: str
    #: roles that may record it with ``aaib set`` besides those of transitions that set it
    set_by: tuple[str, ...]

    def __init__(
        self,
        name: str,
        type: str = "text",
        choices: tuple[str, ...] = (),
        description: str = "",
        report: str | None = None,
        label: str = "",
        set_by: tuple[str, ...] = (),
    ) -> None:
        self._set_fields(name, type, choices, description, report, label, set_by)


#: Where a report may show a case field (``report:`` in a field's spec).
REPORT_PLACES = ("title_page", "synopsis", "factual")


class StateDef(Record):
    """One state of the workflow."""

    name: str
    description: str
    terminal: bool
    deadline: DeadlineRule | None

    def __init__(
        self,
        name: str,
        description: str = "",
        terminal: bool = False,
        deadline: DeadlineRule | None = None,
    ) -> None:
        self._set_fields(name, description, terminal, deadline)


class TransitionDef(Record):
    """One declared transition (``sources`` already expanded from ``*``)."""

    trigger: str
    sources: tuple[str, ...]
    dest: str
    roles: tuple[str, ...]
    guards: tuple[GuardRef, ...]
    reason: str
    sets: tuple[str, ...]
    description: str
    index: int
    deadline: DeadlineRule | None

    def __init__(
        self,
        trigger: str,
        sources: tuple[str, ...],
        dest: str,
        roles: tuple[str, ...],
        guards: tuple[GuardRef, ...] = (),
        reason: str = "optional",
        sets: tuple[str, ...] = (),
        description: str = "",
        index: int = 0,
        deadline: DeadlineRule | None = None,
    ) -> None:
        self._set_fields(
            trigger, sources, dest, roles, guards, reason, sets, description, index, deadline
        )

    @property
    def returns(self) -> bool:
        """True when the destination is the state the case came from."""
        return self.dest == PREVIOUS

    @property
    def reason_required(self) -> bool:
        """True when firing needs a reason."""
        return self.reason == "required"


class InterimStatements(Record):
    """When interim statements fall due: every ``interim_statement_months`` months after
    the date named ``anchor``, until the case first enters state ``until``."""

    anchor: str
    until: str
    label: str

    def __init__(
        self,
        anchor: str,
        until: str,
        label: str = "Interim statement",
    ) -> None:
        self._set_fields(anchor, until, label)


class InvariantDef(Record):
    """A named condition the workflow's guards guarantee when a case enters its scope.

    The scope is the states in ``states`` (all, if empty) once the case has entered
    ``from_state`` (always, if None). A case in a pause state counts as being in the
    state it was paused from. See :mod:`aaib_cp.workflow.invariants`.
    """

    name: str
    holds: tuple[GuardRef, ...]
    states: tuple[str, ...]
    from_state: str | None
    description: str

    def __init__(
        self,
        name: str,
        holds: tuple[GuardRef, ...],
        states: tuple[str, ...] = (),
        from_state: str | None = None,
        description: str = "",
    ) -> None:
        self._set_fields(name, holds, states, from_state, description)

    def scope_text(self) -> str:
        """Where it applies, in words: ``in a, b from c``."""
        parts = []
        if self.states:
            parts.append("in " + ", ".join(self.states))
        if self.from_state:
            parts.append(f"from {self.from_state} on")
        return " ".join(parts) or "everywhere"


class WorkflowDefinition(Record):
    """A validated workflow. Build one with :func:`load_workflow` or :func:`parse_workflow`."""

    name: str
    version: str
    title: str
    description: str
    initial: str
    states: Mapping[str, StateDef]
    transitions: tuple[TransitionDef, ...]
    roles: Mapping[str, RoleDef]
    fields: Mapping[str, FieldDef]
    settings: Mapping[str, Any]
    nation: str
    invariants: tuple[InvariantDef, ...]
    content_hash: str
    source_text: str
    filename: str
    interim_statements: InterimStatements | None
    case_prefix: str
    permissions: Mapping[str, tuple[str, ...]]
    phases: Mapping[str, tuple[str, ...]]
    separation: tuple[tuple[str, str], ...]
    #: (state, trigger) -> transition, built by ``__init__``
    _index: dict[tuple[str, str], TransitionDef]

    _no_eq = _no_repr = _no_init = frozenset({"_index"})

    def __init__(
        self,
        name: str,
        version: str,
        title: str,
        description: str,
        initial: str,
        states: Mapping[str, StateDef],
        transitions: tuple[TransitionDef, ...],
        roles: Mapping[str, RoleDef],
        fields: Mapping[str, FieldDef],
        settings: Mapping[str, Any],
        nation: str,
        invariants: tuple[InvariantDef, ...],
        content_hash: str,
        source_text: str,
        filename: str,
        interim_statements: InterimStatements | None = None,
        case_prefix: str = DEFAULT_CASE_PREFIX,
        permissions: Mapping[str, tuple[str, ...]] | None = None,
        phases: Mapping[str, tuple[str, ...]] | None = None,
        separation: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self._set_fields(
            name,
            version,
            title,
            description,
            initial,
            states,
            transitions,
            roles,
            fields,
            settings,
            nation,
            invariants,
            content_hash,
            source_text,
            filename,
            interim_statements,
            case_prefix,
            dict() if permissions is None else permissions,
            dict() if phases is None else phases,
            separation,
            {(s, t.trigger): t for t in transitions for s in t.sources},  # _index
        )

    @property
    def terminal(self) -> tuple[str, ...]:
        """Names of the terminal states."""
        return tuple(s.name for s in self.states.values() if s.terminal)

    @property
    def open_states(self) -> tuple[str, ...]:
        """Names of the non-terminal states."""
        return tuple(s.name for s in self.states.values() if not s.terminal)

    @property
    def pause_states(self) -> tuple[str, ...]:
        """States left by a ``$previous`` transition (a case paused there keeps its place)."""
        return tuple(dict.fromkeys(s for t in self.transitions if t.returns for s in t.sources))

    def transition(self, state: str, trigger: str) -> TransitionDef | None:
        """The transition fired by ``trigger`` from ``state``, if any."""
        return self._index.get((state, trigger))

    def triggers_from(self, state: str) -> list[TransitionDef]:
        """Transitions leaving ``state``, in declaration order."""
        return [t for t in self.transitions if state in t.sources]

    @property
    def triggers(self) -> tuple[str, ...]:
        """Every trigger name, in declaration order, once each."""
        return tuple(dict.fromkeys(t.trigger for t in self.transitions))

    def roles_setting(self, field: str) -> tuple[str, ...]:
        """Roles that may record ``field``: its ``set_by`` and those whose transitions set it."""
        declared = self.fields[field].set_by if field in self.fields else ()
        setting = (r for t in self.transitions if field in t.sets for r in t.roles)
        return tuple(dict.fromkeys((*declared, *setting)))

    def roles_for(self, action: str) -> tuple[str, ...]:
        """The roles this workflow lets take ``action`` (one of :data:`ACTIONS`); may be empty."""
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}{suggest(action, ACTIONS)}")
        return self.permissions.get(action, ())

    def phase_states(self, phase: str) -> tuple[str, ...]:
        """The states of ``phase`` (one of :data:`PHASES`); empty if the workflow has none."""
        if phase not in PHASES:
            raise ValueError(f"unknown phase {phase!r}{suggest(phase, PHASES)}")
        return self.phases.get(phase, ())

    def in_phase(self, state: str, phase: str) -> bool:
        """True when ``state`` belongs to ``phase``."""
        return state in self.phase_states(phase)

    def separates(self, first: str, then: str) -> bool:
        """True when the workflow keeps duties ``first`` and ``then`` (:data:`DUTIES`) apart."""
        for duty in (first, then):
            if duty not in DUTIES:
                raise ValueError(f"unknown duty {duty!r}{suggest(duty, DUTIES)}")
        return (first, then) in self.separation or (then, first) in self.separation

    def setting(self, name: str) -> Any:
        """A setting's value, or its default."""
        return self.settings.get(name, SETTINGS[name][1])

    def possible_dests(self, transition: TransitionDef, source: str) -> tuple[str, ...]:
        """Where ``transition`` can lead from ``source`` (several for ``$previous``)."""
        if not transition.returns:
            return (transition.dest,)
        return paused_from(self.transitions, source)


def paused_from(transitions: Iterable[TransitionDef], pause: str) -> tuple[str, ...]:
    """The states a case can be paused from into ``pause`` (where a ``$previous`` returns).

    In declaration order, once per transition into ``pause``.
    """
    return tuple(
        s for t in transitions if not t.returns and t.dest == pause for s in t.sources if s != pause
    )
