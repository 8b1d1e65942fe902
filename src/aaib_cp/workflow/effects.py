"""Effects: code run when a named trigger fires, in the same transaction as the move.

Guards decide *whether* a transition may happen; effects record what follows from
it. An effect is registered in code for a trigger name (nothing from the YAML file
is ever imported or evaluated)::

    EFFECTS = EffectRegistry()

    @EFFECTS.register("issue_final_report")
    def issue_pending(store, case, *, definition, at, actor, role):
        ...

The engine calls every effect of the trigger after writing the new state and the
transition event, inside the same ``BEGIN IMMEDIATE`` transaction: if an effect
fails, the transition is rolled back with it. Each phase keeps its own registry;
:mod:`aaib_cp.wiring` joins them into the shared :func:`default_effects`. The
shipped effect issues the case's pending safety recommendations when the final
report is issued (:mod:`aaib_cp.recommendations`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from aaib_cp.workflow.identity import Actor

__all__ = ["EVERY_TRIGGER", "Effect", "EffectRegistry", "default_effects"]

#: Register an effect under this name to run it after every trigger.
EVERY_TRIGGER = "*"

#: ``effect(store, case, *, definition, at, actor, role)``, inside the transition's transaction.
#: ``case`` is the case as moved (new state and version); an effect writes records and
#: audit events, never the case row itself.
Effect = Callable[..., Any]


class EffectRegistry:
    """Effects by trigger name, run in registration order."""

    def __init__(self) -> None:
        self._effects: dict[str, list[Effect]] = {}
        #: registries listed but not yet imported (``"module:ATTRIBUTE"``), in order
        self._later: list[str] = []
        #: :meth:`for_trigger`'s answers, until an effect is added
        self._by_trigger: dict[str, tuple[Effect, ...]] = {}

    def add_lazy(self, where: str) -> None:
        """Add the effects of the registry at ``where`` when an effect is first looked up
        (a case moves), without importing it now."""
        if where not in self._later:
            self._later.append(where)

    def _load(self) -> None:
        from aaib_cp.workflow.lazy import resolve

        later, self._later = self._later, []
        for where in later:
            self.update(resolve(where))

    def register(self, trigger: str) -> Callable[[Effect], Effect]:
        """Decorator registering ``func`` to run when ``trigger`` fires."""

        def decorator(func: Effect) -> Effect:
            self._by_trigger.clear()
            bucket = self._effects.setdefault(trigger, [])
            if func not in bucket:
                bucket.append(func)
            return func

        return decorator

    def for_trigger(self, trigger: str) -> tuple[Effect, ...]:
        """The effects of ``trigger``: those registered for it, then those for every trigger.

        An effect registered for :data:`EVERY_TRIGGER` (``"*"``) runs after every move and
        decides for itself from the case's new state, so a rule can follow a workflow's
        ``phases`` instead of one workflow's trigger names.
        """
        if self._later:
            self._load()
        found = self._by_trigger.get(trigger)
        if found is None:
            found = (*self._effects.get(trigger, ()), *self._effects.get(EVERY_TRIGGER, ()))
            self._by_trigger[trigger] = found
        return found

    def run(
        self,
        trigger: str,
        store: Any,
        case: Any,
        *,
        definition: Any,
        at: datetime,
        actor: Actor,
        role: str | None,
    ) -> None:
        """Run the effects of ``trigger`` (the caller holds the transaction)."""
        for effect in self.for_trigger(trigger):
            effect(store, case, definition=definition, at=at, actor=actor, role=role)

    def update(self, other: EffectRegistry) -> None:
        """Add every effect of ``other``, after those already registered."""
        if other._later:
            other._load()
        self._by_trigger.clear()
        for trigger, effects in other._effects.items():
            bucket = self._effects.setdefault(trigger, [])
            bucket.extend(e for e in effects if e not in bucket)

    def copy(self) -> EffectRegistry:
        """An independent copy, to extend without changing the shared registry."""
        other = EffectRegistry()
        other._effects = {k: list(v) for k, v in self._effects.items()}
        other._later = list(self._later)
        return other


_DEFAULT = EffectRegistry()


def default_effects() -> EffectRegistry:
    """The shared registry: every phase's effects, joined by :mod:`aaib_cp.wiring`."""
    return _DEFAULT
