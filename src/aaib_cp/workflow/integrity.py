"""A case's integrity: replaying its events, checking its audit chain and state, and
checking its current records against the events that wrote them.

:meth:`Engine.replay <aaib_cp.workflow.engine.Engine.replay>` and
:meth:`Engine.verify <aaib_cp.workflow.engine.Engine.verify>` use these.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from aaib_cp.exceptions import WorkflowMismatch
from aaib_cp.workflow.audit import ChainBreak, verify_chain
from aaib_cp.workflow.model import Case, Event, EventKind
from aaib_cp.workflow.ports import CaseStore
from aaib_cp.workflow.spec import WorkflowDefinition

if TYPE_CHECKING:
    from aaib_cp.workflow.machine import CompiledWorkflow

__all__ = ["check_content", "check_fits", "expected_content", "replay_state", "verify_case"]


def replay_state(
    definition: WorkflowDefinition,
    events: Sequence[Event],
    compiled: CompiledWorkflow | None = None,
) -> tuple[str, str | None]:
    """Replay a case's events through the machine: its ``(state, previous_state)``.

    Raises :class:`WorkflowMismatch` if an event does not follow from the one before.
    ``compiled`` is the definition's machine, if already built.
    """
    if compiled is None:
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
    store: CaseStore,
    case: Case,
    definition_for: Callable[[Case], WorkflowDefinition],
    *,
    keys: Mapping[str, bytes] | None = None,
    rows: Sequence[Mapping[str, Any]] | None = None,
    compiled: Callable[[WorkflowDefinition], CompiledWorkflow] | None = None,
) -> ChainBreak | None:
    """Check the case's audit chain, its recorded head, and that replay matches its state.

    The workflow is read (``definition_for``) only once the chain holds; a case its
    workflow cannot hold fails replay. With ``keys`` every MAC is checked too;
    ``rows`` are the case's event rows if already read, ``compiled`` a machine cache.
    """
    case_id = case.id
    rows = store.event_rows(case_id) if rows is None else rows
    broken = verify_chain(case_id, rows, keys)
    if broken is not None:
        return broken
    head = store.audit_head(case_id)
    last = (int(rows[-1]["n"]), rows[-1]["hash"]) if rows else None
    if head != last:
        n = head[0] if head else None
        return ChainBreak(case_id, n, "the last recorded event is missing (deleted)")
    try:
        definition = definition_for(case)
        machine = compiled(definition) if compiled else None
        events = [Event.from_row(r) for r in rows]
        state, _ = replay_state(definition, events, machine)
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


def expected_content(
    rows: Sequence[Mapping[str, Any]],
) -> tuple[dict[str, tuple[str | None, int]], bool]:
    """``({record: (sha256 or None, event n)}, strict)`` as the case's events wrote them.

    A ``sealed`` event holds every record at that moment and replaces what came
    before. ``strict`` is false for a case begun before events carried content (an
    earlier release) and not sealed since: only the records its later events wrote
    are known, so records nobody wrote since are not checked.
    """
    expected: dict[str, tuple[str | None, int]] = {}
    strict = bool(rows) and rows[0].get("content") is not None
    for row in rows:
        text = row.get("content")
        if text is None:
            continue
        written = json.loads(text)
        n = int(row["n"])
        if row["kind"] == EventKind.SEALED:
            expected, strict = {}, True
        for record, sha in written.items():
            expected[record] = (sha, n)
    return expected, strict


def check_content(
    case_id: str,
    rows: Sequence[Mapping[str, Any]],
    current: Mapping[str, tuple[str, str]],
) -> list[ChainBreak]:
    """Each current record of the case (``{record: (sha256, label)}``) that differs from
    what the events that wrote it recorded: edited, added or deleted behind the engine."""
    expected, strict = expected_content(rows)
    problems = []
    for record, (sha, label) in sorted(current.items()):
        want, n = expected.get(record, (None, None))
        if want is None and (strict or n is not None):
            problems.append(ChainBreak(case_id, None, f"{label}: not written by any event (added)"))
        elif want is not None and want != sha:
            problems.append(ChainBreak(case_id, n, f"{label}: changed since this event wrote it"))
    for record, (want, n) in sorted(expected.items()):
        if want is not None and record not in current:
            problems.append(ChainBreak(case_id, n, f"{record}: deleted since this event wrote it"))
    return problems
