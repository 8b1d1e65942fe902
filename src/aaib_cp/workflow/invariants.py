"""Invariants: what a workflow's guards guarantee when a case enters part of the workflow.

A workflow declares named invariants in YAML::

    invariants:
      reviewed:
        description: A reviewer checks the classifications before recommendations.
        from: recommendations          # once the case has entered this state ...
        in: [recommendations, draft_report]   # ... and while it is in one of these
        holds:
          - team_has_role: reviewer

``holds`` lists predicates, written and registered exactly like guards (the same
:class:`~aaib_cp.workflow.guards.GuardRegistry`; extend it to add your own). An invariant's
*scope* is the states in ``in`` (every state, if absent) once the case has entered
``from`` (from the start, if absent). A case in a pause state (one left by a
``$previous`` transition, e.g. ``suspended``) counts as being where it was paused.

The guarantee is checked when a case *enters* the scope: on the transition that
takes it from outside the scope to inside (and when it is opened, if the initial
state is in scope). Records changed while a case stays in scope are the business of
the commands that change them, not of the workflow. ``aaib workflow check`` looks for
a sequence of triggers and case data that breaks an invariant on entry;
:mod:`aaib_cp.testing` checks the same while it runs random cases.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from aaib_cp.workflow.definition import InvariantDef, WorkflowDefinition
from aaib_cp.workflow.guards import CaseView, GuardRegistry

__all__ = ["Breach", "Position", "broken_on_entry", "check_invariant", "entered_scope", "in_scope"]


@attrs.frozen
class Position:
    """Where a case stands, as far as invariants and the workflow's moves care.

    ``previous`` is kept only in a pause state (it is where ``$previous`` returns);
    ``visited`` holds the ``from`` states of invariants that the case has entered.
    """

    state: str
    previous: str | None = None
    visited: frozenset[str] = frozenset()

    @classmethod
    def start(cls, definition: WorkflowDefinition) -> Position:
        """A newly opened case's position."""
        return cls(definition.initial, None, _track(definition, frozenset(), definition.initial))

    def moved(self, definition: WorkflowDefinition, dest: str) -> Position:
        """The position after moving to ``dest``."""
        previous = self.state if dest in definition.pause_states else None
        return Position(dest, previous, _track(definition, self.visited, dest))

    def effective_state(self, definition: WorkflowDefinition) -> str:
        """The state for invariants: in a pause state, the state paused from."""
        if self.state in definition.pause_states and self.previous is not None:
            return self.previous
        return self.state


def _track(definition: WorkflowDefinition, visited: frozenset[str], dest: str) -> frozenset[str]:
    tracked = {i.from_state for i in definition.invariants if i.from_state}
    return visited | {dest} if dest in tracked else visited


@attrs.frozen
class Breach:
    """An invariant that does not hold on entering its scope, and why."""

    invariant: InvariantDef
    state: str
    failures: tuple[str, ...]

    @property
    def message(self) -> str:
        """One line: which invariant, where, and what failed."""
        return f"invariant '{self.invariant.name}' broken in {self.state}: " + "; ".join(
            self.failures
        )


def in_scope(invariant: InvariantDef, definition: WorkflowDefinition, position: Position) -> bool:
    """True when ``invariant`` applies to a case at ``position``."""
    if invariant.states and position.effective_state(definition) not in invariant.states:
        return False
    return invariant.from_state is None or invariant.from_state in position.visited


def entered_scope(
    invariant: InvariantDef,
    definition: WorkflowDefinition,
    before: Position | None,
    after: Position,
) -> bool:
    """True when moving from ``before`` (None: opening the case) to ``after`` enters its scope."""
    if not in_scope(invariant, definition, after):
        return False
    return before is None or not in_scope(invariant, definition, before)


def check_invariant(
    invariant: InvariantDef, registry: GuardRegistry, view: CaseView
) -> tuple[str, ...]:
    """Why ``invariant`` does not hold for the case in ``view`` (empty when it holds)."""
    failures = (registry.evaluate(ref, view) for ref in invariant.holds)
    return tuple(f for f in failures if f is not None)


def broken_on_entry(
    definition: WorkflowDefinition,
    registry: GuardRegistry,
    view: CaseView,
    before: Position | None,
    after: Position,
    *,
    only: Iterable[InvariantDef] | None = None,
) -> list[Breach]:
    """Invariants whose scope the move enters and that do not hold for ``view``."""
    breaches = []
    for invariant in definition.invariants if only is None else only:
        if entered_scope(invariant, definition, before, after):
            failures = check_invariant(invariant, registry, view)
            if failures:
                breaches.append(Breach(invariant, after.state, failures))
    return breaches
