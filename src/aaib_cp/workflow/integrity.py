"""A case's integrity: replaying its events, checking its audit chain and state, and
checking its current records against the events that wrote them.

:meth:`Engine.replay <aaib_cp.workflow.engine.Engine.replay>` and
:meth:`Engine.verify <aaib_cp.workflow.engine.Engine.verify>` use these.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from aaib_cp.exceptions import WorkflowMismatch
from aaib_cp.workflow.audit import ChainBreak, verify_chain
from aaib_cp.workflow.model import Case, Event, EventKind
from aaib_cp.workflow.ports import CaseStore
from aaib_cp.workflow.record import Record
from aaib_cp.workflow.spec import WorkflowDefinition

if TYPE_CHECKING:
    from aaib_cp.workflow.machine import CompiledWorkflow

__all__ = [
    "Written",
    "check_content",
    "check_fits",
    "expected_content",
    "replay_state",
    "verify_case",
]


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


#: Keys of an event's content map that are not records (see
#: :mod:`aaib_cp.db.content_groups`): groups of records created in bulk, and the hash
#: a record of such a group had before an event changed it.
CREATED, WAS = "+created", "+was"

#: ``members(table, first, last)``: the case's current records of ``table`` with a key
#: from ``first`` to ``last`` in key order, as ``(key values, record, sha256, label)``.
Members = Callable[
    [str, Sequence[Any], Sequence[Any]], Iterable[tuple[tuple[Any, ...], str, str, str]]
]


class Written(Record):
    """What a case's events wrote: each record's last hash and event, whether every
    record is known (``strict``), the groups of records created in bulk since the last
    ``sealed`` event (``(event n, group)``) and the hashes records of a group had
    before later events changed them (``{record: [(event n, sha256)]}``, in order)."""

    records: dict[str, tuple[str | None, int]]
    strict: bool
    groups: list[tuple[int, dict[str, Any]]]
    was: dict[str, list[tuple[int, str]]]

    def __init__(
        self,
        records: dict[str, tuple[str | None, int]],
        strict: bool,
        groups: list[tuple[int, dict[str, Any]]],
        was: dict[str, list[tuple[int, str]]],
    ) -> None:
        self._set_fields(records, strict, groups, was)


def expected_content(rows: Sequence[Mapping[str, Any]]) -> Written:
    """What the case's events wrote (see :class:`Written`).

    A ``sealed`` event holds every record at that moment and replaces what came
    before. ``strict`` is false for a case begun before events carried content (an
    earlier release) and not sealed since: only the records its later events wrote
    are known, so records nobody wrote since are not checked.
    """
    expected: dict[str, tuple[str | None, int]] = {}
    groups: list[tuple[int, dict[str, Any]]] = []
    was: dict[str, list[tuple[int, str]]] = {}
    strict = bool(rows) and rows[0].get("content") is not None
    for row in rows:
        text = row.get("content")
        if text is None:
            continue
        written = json.loads(text)
        n = int(row["n"])
        if row["kind"] == EventKind.SEALED:
            expected, groups, was, strict = {}, [], {}, True
        groups += [(n, group) for group in written.pop(CREATED, [])]
        for record, sha in written.pop(WAS, {}).items():
            was.setdefault(record, []).append((n, sha))
        for record, sha in written.items():
            expected[record] = (sha, n)
    return Written(expected, strict, groups, was)


def check_content(
    case_id: str,
    rows: Sequence[Mapping[str, Any]],
    current: Mapping[str, tuple[str, str]],
    members: Members,
) -> list[ChainBreak]:
    """Each current record of the case (``{record: (sha256, label)}``) that differs from
    what the events that wrote it recorded: edited, added or deleted behind the engine.

    Records created in bulk are checked by recomputing their group's digest from
    ``members``; a mismatch names the event that created them."""
    written = expected_content(rows)
    expected = written.records
    problems = []
    grouped: set[str] = set()
    for created_by, group in written.groups:
        problem = _check_group(case_id, created_by, group, written, members, grouped)
        if problem is not None:
            problems.append(problem)
    for record, (sha, label) in sorted(current.items()):
        if record in grouped and record not in expected:
            continue  # checked by its group's digest
        want, n = expected.get(record, (None, None))
        if want is None and (written.strict or n is not None):
            problems.append(ChainBreak(case_id, None, f"{label}: not written by any event (added)"))
        elif want is not None and want != sha:
            problems.append(ChainBreak(case_id, n, f"{label}: changed since this event wrote it"))
    for record, (want, n) in sorted(expected.items()):
        if want is not None and record not in current:
            problems.append(ChainBreak(case_id, n, f"{record}: deleted since this event wrote it"))
    return problems


def _check_group(
    case_id: str,
    n: int,
    group: Mapping[str, Any],
    written: Written,
    members: Members,
    grouped: set[str],
) -> ChainBreak | None:
    """Recompute the digest of the records event ``n`` created in bulk; None if it holds.

    A record a later event changed counts with the hash it had before that change
    (``+was``); one a later event created on its own in the range is not the group's.
    The names of the group's current records are added to ``grouped``.
    """
    table, first, last = group["table"], group["first"], group["last"]
    before = {
        record: after[0][1]
        for record, history in written.was.items()
        if record.startswith(f"{table}/") and (after := [h for h in history if h[0] > n])
    }
    deleted = sorted(
        (tuple(json.loads(record.partition("/")[2])), record, sha, record)
        for record, sha in before.items()
        if written.records.get(record, ("", 0))[0] is None
    )
    lo, hi = tuple(first), tuple(last)
    in_range = [d for d in deleted if lo <= d[0] <= hi]
    import hashlib  # here: reading a case (``aaib status``) neither hashes nor merges
    import heapq

    sha, count, labels = hashlib.sha256(), 0, list[str]()
    merged = heapq.merge(members(table, first, last), in_range, key=lambda m: m[0])
    for _, record, current, label in merged:
        later = written.records.get(record)
        if record in before:
            current = before[record]
        elif later is not None and later[1] > n:
            continue  # created later, by an event of its own
        grouped.add(record)
        sha.update(f"{record} {current}\n".encode())
        count += 1
        labels = [labels[0] if labels else label, label]
    if count == group["count"] and sha.hexdigest() == group["sha256"]:
        return None
    span = f" ({labels[0]} to {labels[-1]})" if labels else ""
    return ChainBreak(
        case_id,
        n,
        f"the {group['count']} {table} records it created{span} no longer match its digest"
        f" ({count} found; edited, added or deleted behind the engine)",
    )
