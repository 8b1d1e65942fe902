"""The stateful test of a workflow: :class:`WorkflowStateMachine` and :func:`workflow_test`.

A random case runs through the workflow on a real engine (an in-memory database); after
every step the machine checks that the case is in a declared state, that replaying its
audit trail gives the same state, that a refused trigger changed nothing but the audit
trail, that every invariant holds when a case enters its scope, and that a terminal
state can still be reached. Import these from :mod:`aaib_cp.testing`.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import aaib_cp.wiring  # noqa: F401  (every phase's tables, facts, guards, effects)
from aaib_cp.db import Store
from aaib_cp.db.facts import StoreCaseView
from aaib_cp.exceptions import AaibCpError, TransitionRefused
from aaib_cp.testing.accounts import sample_account
from aaib_cp.testing.strategies import EPOCH, explored, field_values, people
from aaib_cp.workflow.check import Exploration, actable_roles, fact_samples
from aaib_cp.workflow.definition import WorkflowDefinition, load_workflow
from aaib_cp.workflow.engine import Engine
from aaib_cp.workflow.guards import GuardRegistry, default_registry
from aaib_cp.workflow.identity import Account
from aaib_cp.workflow.invariants import Position, broken_on_entry
from aaib_cp.workflow.model import Case, EventKind

__all__ = ["WorkflowStateMachine", "default_settings", "workflow_test"]

_NOBODY = "Unappointed Person"


class _FactsView(StoreCaseView):
    """A store-backed view whose facts come first from the test's own values."""

    overlay: Mapping[str, Any] = {}

    def fact(self, name: str) -> Any:
        if name in self.overlay:
            return self.overlay[name]
        return super().fact(name)

    def with_case(self, case: Case) -> _FactsView:
        view = _FactsView(self._db, case)
        view.overlay = self.overlay
        return view


class _FactsStore(Store):
    """An in-memory store whose guard views take facts from the test."""

    overlay: dict[str, Any]

    def view(self, case: Case) -> _FactsView:
        view = _FactsView(self.db, case)
        view.overlay = self.overlay
        return view


class WorkflowStateMachine(RuleBasedStateMachine):
    """Runs one random case through a workflow on a real engine, checking it after each step.

    Set ``workflow`` (a path, a shipped workflow's name, or a definition) and, for
    custom guards, ``guards``. Facts the predicates read are set by the test from
    the samples they declare, as if records had been added.
    """

    workflow: ClassVar[str | Path | WorkflowDefinition]
    guards: ClassVar[GuardRegistry | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "workflow" in cls.__dict__:
            cls.exploration()  # explore now, not inside hypothesis' run of the test

    @classmethod
    def definition(cls) -> WorkflowDefinition:
        """The workflow under test, loaded once per class."""
        loaded = cls.__dict__.get("_definition")
        if loaded is None:
            source = cls.workflow
            registry = cls.guards
            loaded = (
                source
                if isinstance(source, WorkflowDefinition)
                else load_workflow(source, guards=registry)
            )
            cls._definition = loaded
        return loaded

    @classmethod
    def exploration(cls) -> Exploration:
        """What ``aaib workflow check`` finds for the workflow (computed once)."""
        return explored(cls.definition(), cls.guards)

    def __init__(self) -> None:
        super().__init__()
        d = self.definition()
        self.registry = self.guards or default_registry()
        self.samples = fact_samples(d, self.registry)
        self.actable = actable_roles(d)
        self.now = EPOCH
        store = _FactsStore.memory()
        assert isinstance(store, _FactsStore)
        store.overlay = {name: values[0] for name, values in self.samples.items()}
        self.store: _FactsStore = store
        self.engine = Engine(self.store, guards=self.registry, clock=lambda: self.now)
        self.case_id = ""
        self.position = Position.start(d)
        self.replayed: tuple[str, str | None] = (d.initial, None)

    def teardown(self) -> None:
        try:
            if self.case_id:
                broken = self.engine.verify(self.case_id)
                assert broken is None, f"audit trail: {broken}"
        finally:
            self.store.close()

    # -- helpers ---------------------------------------------------------------------
    def _tick(self) -> None:
        self.now += timedelta(hours=5)

    def _account(self, name: str, granted: str | None = None) -> Account:
        """The account called ``name``, holding organisation role ``granted`` if given."""
        return sample_account(self.store, name, *([granted] if granted else []))

    def _member(self, role: str) -> str:
        for member in self.engine.team(self.case_id):
            if member.role == role:
                return member.name
        return _NOBODY

    def _actor(self, role: str) -> Account:
        spec = self.definition().roles[role]
        if spec.is_case_role:
            return self._account(self._member(role))
        return self._account(f"Acting {role}", granted=role)

    def _snapshot(self) -> tuple[dict[str, Any], int]:
        return self.store.case_row(self.case_id), len(self.store.event_rows(self.case_id))

    def _fire(self, trigger: str, role: str, reason: str | None, fields: dict[str, Any]) -> None:
        """Fire, and check what a refusal or a rejected input left behind."""
        d = self.definition()
        self._tick()
        before, count = self._snapshot()
        try:
            self.engine.fire(
                self.case_id,
                trigger,
                actor=self._actor(role),
                role=role,
                reason=reason,
                fields=fields,
            )
        except TransitionRefused:
            after, now_count = self._snapshot()
            assert before == after, "a refused trigger changed the case"
            assert count + 1 == now_count, "a refused trigger was not recorded once"
            assert EventKind.REFUSED == self.store.events(self.case_id)[-1].kind
            return
        except AaibCpError:
            assert (before, count) == self._snapshot(), "a rejected input changed something"
            return
        moved = self.engine.get(self.case_id)
        replayed = self.engine.compiled(d).move(
            self.replayed[0], trigger, previous=self.replayed[1]
        )
        self.replayed = (replayed, self.replayed[0])
        previous = self.position
        self.position = previous.moved(d, moved.state)
        view = self.store.view(moved)
        breaches = broken_on_entry(d, self.registry, view, previous, self.position)
        assert not breaches, breaches[0].message

    # -- rules -----------------------------------------------------------------------
    @initialize(role=st.data())
    def open_case(self, role: st.DataObject) -> None:
        """Open the case under test."""
        d = self.definition()
        openers = sorted(r.name for r in d.roles.values() if not r.is_case_role)
        opener = role.draw(st.sampled_from(openers or sorted(d.roles)), label="opened by")
        case = self.engine.open_case(
            d, title="Child A", known_on=EPOCH.date(), actor=self._actor(opener), role=opener
        )
        self.case_id = case.id
        view = self.store.view(case)
        breaches = broken_on_entry(d, self.registry, view, None, self.position)
        assert not breaches, breaches[0].message

    @rule(data=st.data())
    def fire(self, data: st.DataObject) -> None:
        """Fire a trigger (usually one available from the state) in some role."""
        d = self.definition()
        case = self.engine.get(self.case_id)
        available = [t.trigger for t in d.triggers_from(case.state)]
        everything = [*d.triggers, "no_such_trigger"]
        choices = st.sampled_from(available) if available else st.nothing()
        trigger = data.draw(choices | st.sampled_from(everything), label="trigger")
        role = data.draw(st.sampled_from(sorted(d.roles)), label="role")
        transition = d.transition(case.state, trigger)
        fields = {}
        for name in transition.sets if transition else ():
            fields[name] = data.draw(st.none() | field_values(d.fields[name]), label=name)
        reason = data.draw(st.sampled_from(["Reason given.", None]), label="reason")
        self._fire(trigger, role, reason, fields)

    @rule(data=st.data())
    def advance(self, data: st.DataObject) -> None:
        """Take a move that ``aaib workflow check`` found from here, with the data it needs.

        The people it needs are appointed, fields amended and facts set first; then
        the trigger is fired. Moves that keep the case open are preferred.
        """
        d = self.definition()
        moves = [
            step
            for node, outs in self.exploration().edges.items()
            if node.position == self.position
            for step, _ in outs
        ]
        if not moves:
            return
        onward = [m for m in moves if not d.states[m.dest].terminal]
        if onward and data.draw(st.integers(0, 9), label="keep open") < 9:
            moves = onward
        step = data.draw(st.sampled_from(moves), label="move")
        team = [m.role for m in self.engine.team(self.case_id)]
        for role in step.data.team:
            if team.count(role) < step.data.team.count(role):
                team.append(role)
                self._appoint_as(role, data.draw(people(), label=f"appoint {role}"))
        case = self.engine.get(self.case_id)
        for name, value in step.data.fields.items():
            if value is not None and case.fields.get(name) != value:
                setters = [r for r in d.roles_setting(name) if r in self.actable]
                if setters:
                    self._tick()
                    with contextlib.suppress(AaibCpError):
                        self.engine.set_field(
                            self.case_id,
                            name,
                            value,
                            actor=self._actor(setters[0]),
                            role=setters[0],
                        )
        self.store.overlay.update(step.data.facts)
        self._fire(step.trigger, step.role, "Reason given.", dict(step.data.given))

    def _appoint_as(self, role: str, name: str) -> None:
        """Appoint ``name`` through a chain of appointers that can act (refusals allowed)."""
        d = self.definition()
        for by in d.roles[role].appointed_by:
            if by not in self.actable:
                continue
            if d.roles[by].is_case_role and self._member(by) == _NOBODY:
                self._appoint_as(by, f"{name} (appointer)")
            with contextlib.suppress(AaibCpError):
                self.engine.appoint(
                    self.case_id, self._account(name), role, actor=self._actor(by), role=by
                )
            return

    @rule(data=st.data())
    def appoint(self, data: st.DataObject) -> None:
        """Appoint someone to the team in a case role, by a role that may appoint them."""
        d = self.definition()
        case_roles = sorted(r.name for r in d.roles.values() if r.is_case_role)
        if not case_roles:
            return
        role = data.draw(st.sampled_from(case_roles), label="appoint as")
        by = data.draw(st.sampled_from(d.roles[role].appointed_by), label="appointed by")
        name = data.draw(people(), label="name")
        self._tick()
        before, count = self._snapshot()
        try:
            self.engine.appoint(
                self.case_id, self._account(name), role, actor=self._actor(by), role=by
            )
        except TransitionRefused:
            assert before == self._snapshot()[0], "a refused appointment changed the case"
        except AaibCpError:
            assert (before, count) == self._snapshot()

    @rule(data=st.data())
    def change_records(self, data: st.DataObject) -> None:
        """Records change outside the workflow: a fact takes another of its sample values."""
        if not self.samples:
            return
        name = data.draw(st.sampled_from(sorted(self.samples)), label="fact")
        self.store.overlay[name] = data.draw(st.sampled_from(self.samples[name]), label=name)

    @rule(data=st.data())
    def amend_field(self, data: st.DataObject) -> None:
        """Amend a case field (``aaib set``) in a role that may record it."""
        d = self.definition()
        settable = [f for f in d.fields if d.roles_setting(f)]
        if not settable:
            return
        name = data.draw(st.sampled_from(settable), label="field")
        role = data.draw(st.sampled_from(d.roles_setting(name)), label="role")
        value = data.draw(field_values(d.fields[name]), label="value")
        self._tick()
        with contextlib.suppress(AaibCpError):
            self.engine.set_field(self.case_id, name, value, actor=self._actor(role), role=role)

    # -- checks after every step --------------------------------------------------------
    @invariant()
    def state_is_declared_and_replays(self) -> None:
        """The case is in a declared state, the one its fired triggers lead to."""
        if not self.case_id:
            return
        case = self.engine.get(self.case_id)
        assert case.state in self.definition().states
        assert self.replayed == (case.state, case.previous_state), "replay differs"

    @invariant()
    def terminal_state_reachable(self) -> None:
        """A terminal state can still be reached from where the case is."""
        if not self.case_id:
            return
        assert self.exploration().finishable(self.position), (
            f"no terminal state can be reached from {self.position.state!r}"
        )


def workflow_test(
    workflow: str | Path,
    *,
    guards: GuardRegistry | None = None,
    settings: Any = None,
) -> type:
    """A pytest test class (a ``unittest.TestCase``) that runs :class:`WorkflowStateMachine`.

    The machine class it runs is its ``workflow_machine`` attribute.

    A relative ``workflow`` path is found from the current directory, else from the
    directory of the file that calls this or the nearest folder above it. ``settings``
    is a ``hypothesis.settings`` (default: :func:`default_settings`).
    """
    path = Path(workflow)
    if not path.is_absolute() and not path.exists():
        caller = Path(inspect.stack()[1].filename).resolve().parent
        for folder in (caller, *caller.parents):
            if (folder / path).exists():
                path = folder / path
                break
    source: str | Path = path if path.exists() else str(workflow)
    definition = load_workflow(source, guards=guards)
    registry = guards

    class Machine(WorkflowStateMachine):
        workflow = definition
        guards = registry

    Machine.__name__ = Machine.__qualname__ = (
        f"{definition.name.replace('-', '_').title().replace('_', '')}Machine"
    )
    test_case = Machine.TestCase
    test_case.workflow_machine = Machine  # type: ignore[attr-defined]
    test_case.settings = settings if settings is not None else default_settings()
    return test_case


def default_settings() -> Any:
    """The active hypothesis profile, without deadlines and the slow 'explain' phase.

    A case's run touches a database at every step, so time per example varies, and
    explaining a failure re-runs long sequences many times over.
    """
    from hypothesis import HealthCheck, Phase
    from hypothesis import settings as hsettings

    return hsettings(
        deadline=None,
        phases=[p for p in hsettings().phases if p != Phase.explain],
        suppress_health_check=[HealthCheck.too_slow],
    )
