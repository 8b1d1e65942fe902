"""Statutory clocks of a case, computed from its workflow and its events.

A state's ``deadline`` counts from a named date:

* ``entered`` - the day the case entered the state (a return from suspension
  does not restart it);
* ``opened`` - the day the case was opened; ``known_on`` - the day the incident
  became known;
* ``state:<name>`` - the day the case first entered that state;
* a date field of the workflow (e.g. ``decision_date``).

The clock stops while the case is in a *pause state*: any state left by a
``$previous`` transition (``suspended`` in the shipped workflows).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import attrs

from .deadlines import DeadlineRule, WorkingCalendar, days_left, due_date
from .definition import WorkflowDefinition
from .model import Case, Event, EventKind

__all__ = ["CaseClock", "anchor_date", "pause_states", "state_clock", "suspensions"]


@attrs.frozen
class CaseClock:
    """A running, stopped or expired clock on a case."""

    case_id: str
    label: str
    state: str
    rule: DeadlineRule
    start: date | None
    due: date | None
    paused: bool
    days_left: int | None

    @property
    def overdue(self) -> bool:
        """True once the due date has passed."""
        return self.days_left is not None and self.days_left < 0

    @property
    def unit_words(self) -> str:
        """``working days`` or ``days``."""
        return "working days" if self.rule.unit == "working_days" else "days"

    def describe(self) -> str:
        """One line in plain words, e.g. ``Rapid review: due 2026-02-03 (4 working days left)``."""
        if self.start is None:
            return f"{self.label}: not started (no date for '{self.rule.anchor}' yet)"
        if self.paused:
            return f"{self.label}: clock stopped while suspended"
        assert self.due is not None and self.days_left is not None
        if self.days_left < 0:
            return (
                f"{self.label}: OVERDUE since {self.due} ({-self.days_left} {self.unit_words} late)"
            )
        return f"{self.label}: due {self.due} ({self.days_left} {self.unit_words} left)"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "case": self.case_id,
            "label": self.label,
            "state": self.state,
            "rule": {"amount": self.rule.amount, "unit": self.rule.unit, "from": self.rule.anchor},
            "start": self.start.isoformat() if self.start else None,
            "due": self.due.isoformat() if self.due else None,
            "paused": self.paused,
            "days_left": self.days_left,
            "unit": self.rule.unit if self.rule.unit == "working_days" else "days",
            "overdue": self.overdue,
        }


def pause_states(definition: WorkflowDefinition) -> frozenset[str]:
    """States in which clocks stop: those left by a ``$previous`` transition."""
    return frozenset(s for t in definition.transitions if t.returns for s in t.sources)


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


def state_clock(
    case: Case, definition: WorkflowDefinition, events: Sequence[Event], *, today: date
) -> CaseClock | None:
    """The clock on the case's current state, or None if the state has no deadline.

    While the case is suspended, the clock of the state it was suspended from is
    shown as stopped.
    """
    state_name = case.state
    if state_name in pause_states(definition) and case.previous_state:
        state_name = case.previous_state
    rule = definition.states[state_name].deadline
    if rule is None or definition.states[case.state].terminal:
        return None
    in_state = attrs.evolve(case, state=state_name)
    start = anchor_date(rule.anchor, in_state, definition, events)
    label = rule.label or f"{state_name.replace('_', ' ')} deadline"
    if start is None:
        return CaseClock(case.id, label, state_name, rule, None, None, False, None)
    calendar = WorkingCalendar(nation=definition.nation)
    due = due_date(rule, start, calendar=calendar, suspensions=suspensions(definition, events))
    if due is None:
        return CaseClock(case.id, label, state_name, rule, start, None, True, None)
    left = days_left(due, today, calendar=calendar, unit=rule.unit)
    return CaseClock(case.id, label, state_name, rule, start, due, False, left)
