"""One ``transitions`` machine per workflow definition, shared by every case.

``Machine.add_model`` grows quadratically with the number of models, and a
national body holds thousands of cases, so cases are never attached. Instead one
cursor model is attached once; to move a case, the cursor is set to the case's
state and the trigger is fired on it. ``$previous`` transitions are compiled into
one conditional transition per possible return state, which is how ``transitions``
expresses "the first transition whose conditions hold".

No string from YAML ever reaches ``transitions`` as a callback: the only
conditions given to the machine are closures built here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from transitions import EventData, Machine, MachineError

from aaib_cp.exceptions import UnknownTrigger, WorkflowMismatch
from aaib_cp.workflow.definition import WorkflowDefinition

__all__ = ["CompiledWorkflow"]


class _Cursor:
    """The single model attached to a compiled machine."""

    state: str


def _came_from(state: str) -> Callable[[EventData], bool]:
    def condition(event: EventData) -> bool:
        return bool(event.kwargs.get("previous") == state)

    condition.__name__ = f"came_from_{state}"
    return condition


class CompiledWorkflow:
    """A workflow definition compiled to a ``transitions.Machine``."""

    def __init__(self, definition: WorkflowDefinition) -> None:
        self.definition = definition
        specs: list[dict[str, Any]] = []
        for t in definition.transitions:
            for source in t.sources:
                if t.returns:
                    for dest in definition.possible_dests(t, source):
                        specs.append(
                            {
                                "trigger": t.trigger,
                                "source": source,
                                "dest": dest,
                                "conditions": [_came_from(dest)],
                            }
                        )
                else:
                    specs.append({"trigger": t.trigger, "source": source, "dest": t.dest})
        self.machine = Machine(
            model=None,
            states=list(definition.states),
            transitions=specs,
            initial=definition.initial,
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=False,
        )
        self._cursor = _Cursor()
        self.machine.add_model(self._cursor, initial=definition.initial)
        self._lock = threading.Lock()
        # The machine is deterministic: its only conditions read ``previous``. So a
        # move, once computed by ``transitions``, is remembered; firing the same
        # trigger from the same state again costs a dict lookup, not a machine run.
        self._moves: dict[tuple[str, str, str | None], str] = {}

    def move(self, state: str, trigger: str, *, previous: str | None) -> str:
        """The state reached by firing ``trigger`` from ``state``.

        Raises :class:`UnknownTrigger` if the trigger does not exist from ``state``,
        and :class:`WorkflowMismatch` if the state is not part of this workflow.
        """
        key = (state, trigger, previous)
        known = self._moves.get(key)
        if known is not None:
            return known
        if state not in self.definition.states:
            raise WorkflowMismatch(
                f"state {state!r} is not part of workflow {self.definition.name} "
                f"v{self.definition.version}"
            )
        with self._lock:
            self.machine.set_state(state, model=self._cursor)
            try:
                moved = self._cursor.trigger(trigger, previous=previous)  # type: ignore[attr-defined]
            except (MachineError, AttributeError):
                raise UnknownTrigger(
                    f"trigger {trigger!r} is not available from {state!r}"
                ) from None
            if not moved:
                raise WorkflowMismatch(
                    f"cannot return from {state!r}: the recorded previous state "
                    f"{previous!r} is not a state it can return to"
                )
            dest = self._cursor.state
        self._moves[key] = dest
        return dest
