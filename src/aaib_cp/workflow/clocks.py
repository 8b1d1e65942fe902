"""Statutory clocks of a case, computed from its workflow and its events.

A case has up to three kinds of clock (:func:`case_clocks`):

* the **state** clock: its current state's ``deadline``;
* **transition** clocks: a transition's ``deadline`` says by when its trigger should
  fire. With ``from: entered`` it runs while the case is in one of the transition's
  source states. With any other anchor it runs from that date until the trigger has
  fired, while the case is in a state from which a source state can still be reached;
* **interim statement** clocks: when the workflow declares ``interim_statements``,
  once the first anniversary of its ``from`` date has passed without the case
  reaching its ``until`` state, the statement due on the latest anniversary.

Anchors (``from``):

* ``entered`` - the day the case entered the state (a return from suspension
  does not restart it);
* ``opened`` - the day the case was opened; ``known_on`` - the day the incident
  became known;
* ``state:<name>`` - the day the case first entered that state;
* a date field of the workflow (e.g. ``decision_date``).

State and transition clocks stop while the case is in a *pause state*: any state
left by a ``$previous`` transition (``suspended`` in the shipped workflows), and
their due date moves by the time spent there. Interim statements fall on calendar
anniversaries, which suspension does not move.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from aaib_cp.workflow.calendar import (
    DeadlineRule,
    WorkingCalendar,
    anniversaries,
    days_left,
    due_date,
)
from aaib_cp.workflow.model import Case, Event, EventKind
from aaib_cp.workflow.record import Record
from aaib_cp.workflow.spec import TransitionDef, WorkflowDefinition

__all__ = [
    "KINDS",
    "CaseClock",
    "anchor_date",
    "case_clocks",
    "interim_clocks",
    "open_clocks",
    "pause_states",
    "state_clock",
    "suspensions",
    "transition_clocks",
]

#: The kinds of clock, in the order :func:`case_clocks` lists them.
KINDS = ("state", "transition", "interim_statement")

_ORDINALS = {1: "st", 2: "nd", 3: "rd"}


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else _ORDINALS.get(n % 10, "th")
    return f"{n}{suffix}"


class CaseClock(Record):
    """A running, stopped or expired clock on a case.

    ``kind`` is ``state``, ``transition`` (``trigger`` names what should fire) or
    ``interim_statement`` (``number`` is which anniversary).
    """

    case_id: str
    label: str
    state: str
    rule: DeadlineRule
    start: date | None
    due: date | None
    paused: bool
    days_left: int | None
    kind: str
    trigger: str | None
    number: int | None

    def __init__(
        self,
        case_id: str,
        label: str,
        state: str,
        rule: DeadlineRule,
        start: date | None,
        due: date | None,
        paused: bool,
        days_left: int | None,
        kind: str = "state",
        trigger: str | None = None,
        number: int | None = None,
    ) -> None:
        self._set_fields(
            case_id, label, state, rule, start, due, paused, days_left, kind, trigger, number
        )

    @property
    def overdue(self) -> bool:
        """True once the due date has passed (an interim statement is never overdue:
        issuing one is not recorded, so the clock only says when it fell due)."""
        if self.kind == "interim_statement":
            return False
        return self.days_left is not None and self.days_left < 0

    @property
    def unit_words(self) -> str:
        """``working days`` or ``days``."""
        return "working days" if self.rule.unit == "working_days" else "days"

    def amount(self, n: int) -> str:
        """``n`` in the clock's unit: ``1 working day``, ``3 days``."""
        words = self.unit_words if abs(n) != 1 else self.unit_words[:-1]
        return f"{n} {words}"

    def within(self, n: int) -> bool:
        """True when the clock runs out within ``n`` days of its unit (or has run out)."""
        return self.days_left is not None and self.days_left <= n

    def describe(self) -> str:
        """One line in plain words, e.g. ``Rapid review: due 2026-02-03 (4 working days left)``."""
        if self.start is None:
            return f"{self.label}: not started (no date for '{self.rule.anchor}' yet)"
        if self.paused:
            return f"{self.label}: clock stopped while suspended"
        assert self.due is not None and self.days_left is not None
        if self.kind == "interim_statement":
            when = "today" if self.days_left == 0 else f"{self.amount(-self.days_left)} ago"
            return (
                f"{self.label}: due {self.due}, the {_ordinal(self.number or 1)} anniversary "
                f"of {self.start} ({when})"
            )
        if self.days_left < 0:
            return f"{self.label}: OVERDUE since {self.due} ({self.amount(-self.days_left)} late)"
        return f"{self.label}: due {self.due} ({self.amount(self.days_left)} left)"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "case": self.case_id,
            "kind": self.kind,
            "label": self.label,
            "state": self.state,
            "trigger": self.trigger,
            "number": self.number,
            "rule": {"amount": self.rule.amount, "unit": self.rule.unit, "from": self.rule.anchor},
            "start": self.start.isoformat() if self.start else None,
            "due": self.due.isoformat() if self.due else None,
            "paused": self.paused,
            "days_left": self.days_left,
            "unit": self.rule.unit if self.rule.unit == "working_days" else "days",
            "overdue": self.overdue,
        }


# --------------------------------------------------------------------------- per workflow

_PAUSE_STATES: dict[str, frozenset[str]] = {}
_UPSTREAM: dict[tuple[str, int], frozenset[str]] = {}


def pause_states(definition: WorkflowDefinition) -> frozenset[str]:
    """States in which clocks stop: those left by a ``$previous`` transition."""
    found = _PAUSE_STATES.get(definition.content_hash)
    if found is None:
        found = frozenset(s for t in definition.transitions if t.returns for s in t.sources)
        _PAUSE_STATES[definition.content_hash] = found
    return found


def _upstream(definition: WorkflowDefinition, transition: TransitionDef) -> frozenset[str]:
    """Open states from which one of the transition's source states can be reached."""
    key = (definition.content_hash, transition.index)
    found = _UPSTREAM.get(key)
    if found is None:
        reverse: dict[str, set[str]] = {s: set() for s in definition.states}
        for t in definition.transitions:
            if t.returns:
                continue
            for s in t.sources:
                reverse[t.dest].add(s)
        seen = set(transition.sources)
        queue = deque(seen)
        while queue:
            for before in reverse[queue.popleft()]:
                if before not in seen:
                    seen.add(before)
                    queue.append(before)
        found = _UPSTREAM[key] = frozenset(seen)
    return found


# --------------------------------------------------------------------------- per case


def suspensions(
    definition: WorkflowDefinition, events: Sequence[Event]
) -> list[tuple[date, date | None]]:
    """The ``[start, end)`` intervals the case spent in pause states (end None: still paused)."""
    paused = pause_states(definition)
    out: list[tuple[date, date | None]] = []
    start: date | None = None
    for event in events:
        if event.kind != EventKind.TRANSITION:
            continue
        if event.to_state in paused and start is None:
            start = event.at.date()
        elif event.from_state in paused and event.to_state not in paused and start is not None:
            out.append((start, event.at.date()))
            start = None
    if start is not None:
        out.append((start, None))
    return out


def anchor_date(
    anchor: str, case: Case, definition: WorkflowDefinition, events: Sequence[Event]
) -> date | None:
    """The date a clock counts from, or None if it has not happened yet."""
    if anchor == "opened":
        return case.opened_at.date()
    if anchor == "known_on":
        return case.known_on
    moves = [e for e in events if e.kind in EventKind.MOVES]
    if anchor == "entered":
        paused = pause_states(definition)
        entries = [e for e in moves if e.to_state == case.state and e.from_state not in paused]
        return entries[-1].at.date() if entries else None
    if anchor.startswith("state:"):
        target = anchor[len("state:") :]
        entries = [e for e in moves if e.to_state == target]
        return entries[0].at.date() if entries else None
    value = case.fields.get(anchor)
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _working_state(case: Case, definition: WorkflowDefinition) -> str:
    """The case's state, or while it is paused, the state it was paused from."""
    if case.state in pause_states(definition) and case.previous_state:
        return case.previous_state
    return case.state


def _clock(
    case: Case,
    definition: WorkflowDefinition,
    events: Sequence[Event],
    rule: DeadlineRule,
    *,
    state: str,
    label: str,
    today: date,
    stops: Sequence[tuple[date, date | None]],
    kind: str,
    trigger: str | None = None,
) -> CaseClock:
    in_state = case.evolve(state=state)
    start = anchor_date(rule.anchor, in_state, definition, events)
    if start is None:
        return CaseClock(
            case.id, label, state, rule, None, None, False, None, kind=kind, trigger=trigger
        )
    calendar = WorkingCalendar(nation=definition.nation)
    due = due_date(rule, start, calendar=calendar, suspensions=stops)
    if due is None:
        return CaseClock(
            case.id, label, state, rule, start, None, True, None, kind=kind, trigger=trigger
        )
    left = days_left(due, today, calendar=calendar, unit=rule.unit)
    return CaseClock(
        case.id, label, state, rule, start, due, False, left, kind=kind, trigger=trigger
    )


def state_clock(
    case: Case,
    definition: WorkflowDefinition,
    events: Sequence[Event],
    *,
    today: date,
    stops: Sequence[tuple[date, date | None]] | None = None,
) -> CaseClock | None:
    """The clock on the case's current state, or None if the state has no deadline.

    While the case is suspended, the clock of the state it was suspended from is
    shown as stopped.
    """
    state_name = _working_state(case, definition)
    rule = definition.states[state_name].deadline
    if rule is None or definition.states[case.state].terminal:
        return None
    label = rule.label or f"{state_name.replace('_', ' ')} deadline"
    if stops is None:
        stops = suspensions(definition, events)
    return _clock(
        case,
        definition,
        events,
        rule,
        state=state_name,
        label=label,
        today=today,
        stops=stops,
        kind="state",
    )


def _fired(transition: TransitionDef, events: Sequence[Event]) -> bool:
    return any(
        e.kind == EventKind.TRANSITION
        and e.trigger == transition.trigger
        and e.from_state in transition.sources
        for e in events
    )


def transition_clocks(
    case: Case,
    definition: WorkflowDefinition,
    events: Sequence[Event],
    *,
    today: date,
    stops: Sequence[tuple[date, date | None]] | None = None,
) -> list[CaseClock]:
    """The open clocks of transitions with a ``deadline`` (those whose trigger is due to fire).

    A clock counted from ``entered`` runs while the case is in a source state; any
    other runs from its anchor date until the trigger fires, while a source state
    can still be reached. Clocks whose anchor date has not come yet are left out.
    """
    if definition.states[case.state].terminal:
        return []
    state = _working_state(case, definition)
    out: list[CaseClock] = []
    for t in definition.transitions:
        rule = t.deadline
        if rule is None:
            continue
        if rule.anchor == "entered":
            if state not in t.sources:
                continue
        elif state not in _upstream(definition, t) or _fired(t, events):
            continue
        if stops is None:
            stops = suspensions(definition, events)
        label = rule.label or f"{t.trigger.replace('_', ' ')} deadline"
        clock = _clock(
            case,
            definition,
            events,
            rule,
            state=state,
            label=label,
            today=today,
            stops=stops,
            kind="transition",
            trigger=t.trigger,
        )
        if clock.start is not None:
            out.append(clock)
    return out


def interim_clocks(
    case: Case, definition: WorkflowDefinition, events: Sequence[Event], *, today: date
) -> list[CaseClock]:
    """The interim statement due on the latest anniversary, once the first has passed.

    Nothing is due before the first anniversary, after the case has entered the
    ``until`` state (the final report), or once the case has ended. Anniversaries
    are calendar dates: suspension does not move them.
    """
    spec = definition.interim_statements
    if spec is None or definition.states[case.state].terminal:
        return []
    moves = [e for e in events if e.kind in EventKind.MOVES]
    if any(e.to_state == spec.until for e in moves):
        return []
    start = anchor_date(spec.anchor, case, definition, moves)
    if start is None:
        return []
    every = int(definition.setting("interim_statement_months"))
    due_dates = anniversaries(start, today, months=every)
    if not due_dates:
        return []
    number, due = len(due_dates), due_dates[-1]
    rule = DeadlineRule(amount=every * number, unit="months", anchor=spec.anchor)
    label = f"{spec.label} {number}"
    return [
        CaseClock(
            case.id,
            label,
            _working_state(case, definition),
            rule,
            start,
            due,
            False,
            (due - today).days,
            kind="interim_statement",
            number=number,
        )
    ]


def case_clocks(
    case: Case, definition: WorkflowDefinition, events: Sequence[Event], *, today: date
) -> list[CaseClock]:
    """Every clock of the case: its state clock, open transition clocks, interim statements.

    ``events`` are the case's events in order (only the moves are read).
    """
    if definition.states[case.state].terminal:
        return []
    stops = suspensions(definition, events)
    out: list[CaseClock] = []
    clock = state_clock(case, definition, events, today=today, stops=stops)
    if clock is not None:
        out.append(clock)
    out += transition_clocks(case, definition, events, today=today, stops=stops)
    out += interim_clocks(case, definition, events, today=today)
    return out


def _sort_key(clock: CaseClock) -> tuple[int, date, str, str]:
    if clock.due is None:
        return (1, date.max, clock.case_id, clock.label)
    return (0, clock.due, clock.case_id, clock.label)


def open_clocks(
    cases: Iterable[Case],
    definitions: Mapping[str, WorkflowDefinition],
    events: Mapping[str, Sequence[Event]],
    *,
    today: date,
) -> list[CaseClock]:
    """Every started clock of every open case, by due date (stopped clocks last).

    ``definitions`` maps workflow content hashes to definitions, ``events`` case
    references to their events; a case missing from ``events`` has none.
    """
    out: list[CaseClock] = []
    for case in cases:
        definition = definitions[case.workflow_hash]
        clocks = case_clocks(case, definition, events.get(case.id, ()), today=today)
        out += [c for c in clocks if c.start is not None]
    return sorted(out, key=_sort_key)
