"""A case's integrity: replaying its events, and checking its audit chain and state.

:meth:`Engine.replay <aaib_cp.workflow.engine.Engine.replay>` and
:meth:`Engine.verify <aaib_cp.workflow.engine.Engine.verify>` use these.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aaib_cp.exceptions import WorkflowMismatch
from aaib_cp.workflow.audit import ChainBreak, verify_chain
from aaib_cp.workflow.model import Case, Event, EventKind
from aaib_cp.workflow.ports import CaseStore
from aaib_cp.workflow.spec import WorkflowDefinition

__all__ = ["check_fits", "replay_state", "verify_case"]


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


def verify_case(
    store: CaseStore, case: Case, definition_for: Callable[[Case], WorkflowDefinition]
) -> ChainBreak | None:
    """Check the case's audit chain, its recorded head, and that replay matches its state.

    The workflow is read (``definition_for``) only once the chain holds; a case its
    workflow cannot hold fails replay.
    """
    case_id = case.id
    rows = store.event_rows(case_id)
    broken = verify_chain(case_id, rows)
    if broken is not None:
        return broken
    head = store.audit_head(case_id)
    last = (int(rows[-1]["n"]), rows[-1]["hash"]) if rows else None
    if head != last:
        n = head[0] if head else None
        return ChainBreak(case_id, n, "the last recorded event is missing (deleted)")
    try:
        state, _ = replay_state(definition_for(case), store.events(case_id))
    except WorkflowMismatch as exc:
        return ChainBreak(case_id, None, f"replay fails: {exc}")
    if state != case.state:
        return ChainBreak(
            case_id, None, f"stored state {case.state!r} differs from replayed {state!r}"
        )
    return None


def check_fits(case: Case, definition: WorkflowDefinition) -> None:
    """Raise WorkflowMismatch if the case is in a state (or paused from one) the workflow lacks."""
    for label, state in (("state", case.state), ("previous state", case.previous_state)):
        if state is not None and state not in definition.states:
            raise WorkflowMismatch(
                f"case {case.id} is in {label} {state!r}, which workflow "
                f"{definition.name} v{definition.version} ({definition.content_hash[:12]}) "
                "does not have"
            )
