"""The explorer's model of one case: building it, deciding triggers, finding case data.

The engine decides whether a trigger fires (:meth:`Engine.decide
<aaib_cp.workflow.engine.Engine.decide>`) over an in-memory view; case data under
which it fires (or breaks an invariant) is found by trying the plainest data, then
every combination of the facts the trigger's guards read, then hypothesis. Hypothesis
keeps nothing on disk: no example database, and its caches go to a temporary folder
(never ``.hypothesis/`` in the current directory).
"""

from __future__ import annotations

import contextlib
import itertools
import math
import tempfile
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

import attrs

from aaib_cp.exceptions import AaibCpError, ExplorationError
from aaib_cp.workflow.check_model import CaseData, Node, actable_roles, fact_samples
from aaib_cp.workflow.engine import Engine
from aaib_cp.workflow.guards import GuardRegistry, SimpleCaseView
from aaib_cp.workflow.identity import Account, Actor
from aaib_cp.workflow.invariants import check_invariant
from aaib_cp.workflow.model import Case, TeamMember
from aaib_cp.workflow.spec import FieldDef, InvariantDef, TransitionDef, WorkflowDefinition

__all__ = ["DEFAULT_MAX_EXAMPLES", "CaseModel", "private_hypothesis_storage"]

#: Examples hypothesis tries per question ("can this trigger fire here?").
DEFAULT_MAX_EXAMPLES = 60

_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
_KNOWN_ON = date(2026, 1, 2)
_CASE_ID = "CHECK-0001"
_ACTOR = "Acting person"
_MAX_EXTRA_TEAM = 4


#: Most fact-value combinations tried systematically for one transition.
_MAX_COMBINATIONS = 256


def _plain(field: FieldDef) -> Any:
    if field.type == "choice":
        return field.choices[0]
    if field.type == "int":
        return 0
    if field.type == "date":
        return "2026-01-05"
    return "text"


class _NoStore:
    """The explorer's engine never touches storage: every view is given to it."""

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"the workflow explorer has no store ({name})")


@contextlib.contextmanager
def private_hypothesis_storage() -> Iterator[None]:
    """Point hypothesis's storage (its constants cache) at a temporary folder meanwhile.

    Hypothesis caches constants it finds in local modules under ``.hypothesis/`` in the
    current directory even with ``database=None``; checking a workflow must not write there.
    """
    from hypothesis.configuration import set_hypothesis_home_dir, storage_directory

    previous = storage_directory(intent_to_write=False).home_directory
    with tempfile.TemporaryDirectory(prefix="aaib-check-") as folder:
        set_hypothesis_home_dir(folder)
        try:
            yield
        finally:
            set_hypothesis_home_dir(previous)


class CaseModel:
    """One case of ``definition``, moved in memory, and the case data that moves it."""

    def __init__(
        self, definition: WorkflowDefinition, registry: GuardRegistry, max_examples: int
    ) -> None:
        self.definition = definition
        self.registry = registry
        self.max_examples = max_examples
        self.engine = Engine(_NoStore(), guards=registry)
        self.compiled = self.engine.compiled(definition)
        self.actable = actable_roles(definition)
        self.case_roles = tuple(
            r.name for r in definition.roles.values() if r.is_case_role and r.name in self.actable
        )
        self.free_fields = tuple(
            name
            for name in definition.fields
            if any(r in self.actable for r in definition.roles_setting(name))
        )
        self.facts = fact_samples(definition, registry)
        self.initial_facts = {name: values[0] for name, values in self.facts.items()}
        self._cache: dict[Any, CaseData | None] = {}

    # -- the model of a case -------------------------------------------------------
    def case(self, state: str, previous: str | None, fields: Mapping[str, Any]) -> Case:
        d = self.definition
        return Case(
            id=_CASE_ID,
            title="Explored case",
            workflow_name=d.name,
            workflow_version=d.version,
            workflow_hash=d.content_hash,
            state=state,
            previous_state=previous,
            version=1,
            opened_at=_AT,
            opened_by=_ACTOR,
            known_on=_KNOWN_ON,
            fields={k: v for k, v in fields.items() if v is not None},
        )

    def members(self, data: CaseData) -> list[TeamMember]:
        return [
            TeamMember(_CASE_ID, f"Member {i + 1}", role, _AT, _ACTOR, account_id=i + 1)
            for i, role in enumerate(data.team)
        ]

    def actor(self, data: CaseData) -> Actor:
        """The acting account: a team member holding the role, for a case role; for an
        organisation role, an account granted it."""
        if self.definition.roles[data.role].is_case_role:
            i = data.team.index(data.role) + 1
            return Actor(Account(i, f"member{i}", f"Member {i}"))
        return Actor(Account(0, "acting", _ACTOR, roles=frozenset({data.role})))

    def with_actor(self, data: CaseData) -> CaseData:
        """``data`` with the acting person appointed, if they act in a case role."""
        if not self.definition.roles[data.role].is_case_role or data.role in data.team:
            return data
        return attrs.evolve(data, team=tuple(sorted((*data.team, data.role))))

    def view(self, case: Case, data: CaseData) -> SimpleCaseView:
        return SimpleCaseView(case, self.members(data), dict(data.facts))

    def _guarded(self, what: str, func: Any) -> Any:
        try:
            return func()
        except KeyError as exc:
            raise ExplorationError(
                f"workflow {self.definition.name}: {what} reads {exc.args[0]}; a predicate "
                "that reads a fact must declare it with sample values (facts= when "
                "registering it)"
            ) from None
        except AaibCpError:
            raise
        except Exception as exc:
            raise ExplorationError(
                f"workflow {self.definition.name}: {what} raised {type(exc).__name__}: {exc}"
            ) from None

    def fires(self, node: Node, t: TransitionDef, data: CaseData) -> bool:
        case = self.case(node.state, node.position.previous, data.fields)
        view = self.view(case, data)
        actor = self.actor(data)
        decision = self._guarded(
            f"a guard of '{t.trigger}'",
            lambda: self.engine.decide(
                case,
                t.trigger,
                role=data.role,
                actor=actor,
                reason="explored",
                fields=data.given,
                view=view,
            ),
        )
        return bool(decision.allowed)

    def breaks(
        self, node: Node, t: TransitionDef, dest: str, inv: InvariantDef, data: CaseData
    ) -> bool:
        if not self.fires(node, t, data):
            return False
        after = self.case(dest, node.state, {**data.fields, **data.given})
        view = self.view(after, data)
        failures = self._guarded(
            f"invariant '{inv.name}'", lambda: check_invariant(inv, self.registry, view)
        )
        return bool(failures)

    # -- generating case data --------------------------------------------------------
    def _value(self, field: FieldDef) -> Any:
        from hypothesis import strategies as st

        if field.type == "choice":
            return st.sampled_from(field.choices)
        if field.type == "int":
            return st.integers(0, 100)
        if field.type == "date":
            return st.dates(date(2020, 1, 1), date(2030, 12, 31)).map(date.isoformat)
        return st.just("text") | st.text(min_size=1, max_size=12).filter(str.strip)

    def strategy(self, node: Node, t: TransitionDef) -> Any:
        from hypothesis import strategies as st

        roles = [r for r in t.roles if r in self.actable]
        fields = {}
        for name, spec in self.definition.fields.items():
            if name in node.recorded:
                fields[name] = self._value(spec)
            elif name in self.free_fields:
                fields[name] = st.none() | self._value(spec)
            else:
                fields[name] = st.none()
        extra = (
            st.lists(st.sampled_from(self.case_roles), max_size=_MAX_EXTRA_TEAM)
            if self.case_roles
            else st.just([])
        )
        return st.builds(
            CaseData,
            role=st.sampled_from(roles),
            team=extra.map(lambda more: tuple(sorted((*node.team, *more)))),
            fields=st.fixed_dictionaries(fields),
            facts=st.fixed_dictionaries({k: st.sampled_from(v) for k, v in self.facts.items()}),
            given=st.fixed_dictionaries(
                {f: self._value(self.definition.fields[f]) for f in t.sets}
            ),
        ).map(self.with_actor)

    def simplest(self, node: Node, t: TransitionDef) -> CaseData | None:
        """The plainest data: first role, no one new, nothing amended, first samples."""
        roles = [r for r in t.roles if r in self.actable]
        if not roles:
            return None
        fields = {
            name: _plain(spec) if name in node.recorded else None
            for name, spec in self.definition.fields.items()
        }
        given = {f: _plain(self.definition.fields[f]) for f in t.sets}
        return self.with_actor(
            CaseData(roles[0], node.team, fields, dict(self.initial_facts), given)
        )

    def find(self, key: Any, node: Node, t: TransitionDef, condition: Any) -> CaseData | None:
        if key in self._cache:
            return self._cache[key]
        found = None
        if any(r in self.actable for r in t.roles):
            plain = self.simplest(node, t)
            if plain is not None and condition(plain):
                found = plain
            else:
                found = self._systematic(plain, t, condition) or self._hypothesis_find(
                    self.strategy(node, t), condition
                )
        self._cache[key] = found
        return found

    def _systematic(
        self, plain: CaseData | None, t: TransitionDef, condition: Any
    ) -> CaseData | None:
        """Every combination of sample values of the facts ``t``'s own guards read.

        Guards are usually conjunctions over a few facts, where random sampling rarely
        hits the one favourable combination; the product is small, so try it all.
        """
        if plain is None:
            return None
        names: list[str] = []
        needed: list[str] = []
        for ref in t.guards:
            guard = self.registry.get(ref.name)
            if guard is not None:
                names += [n for n in guard.fact_samples(ref.param) if n not in names]
                if guard.refers == "role":
                    needed += [r for r in guard.referenced_names(ref.param) if r in self.case_roles]
        if needed:
            plain = self.with_actor(attrs.evolve(plain, team=tuple(sorted({*plain.team, *needed}))))
        choices = [self.facts.get(n, ()) for n in names]
        if not names or math.prod(len(c) for c in choices) > _MAX_COMBINATIONS:
            return None
        for values in itertools.product(*choices):
            facts = {**plain.facts, **dict(zip(names, values, strict=True))}
            data = attrs.evolve(plain, facts=facts)
            if condition(data):
                return data
        return None

    def _hypothesis_find(self, strategy: Any, condition: Any) -> CaseData | None:
        from hypothesis import HealthCheck, Phase, find, settings
        from hypothesis.errors import NoSuchExample

        config = settings(
            max_examples=self.max_examples,
            database=None,
            derandomize=True,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.generate, Phase.shrink],
        )
        try:
            result: CaseData = find(strategy, condition, settings=config)
        except NoSuchExample:
            return None
        return result

    def node_key(self, node: Node) -> tuple[Any, ...]:
        return (node.state, node.position.previous, node.team, node.recorded)

    def fire_witness(self, node: Node, t: TransitionDef) -> CaseData | None:
        return self.find(
            ("fire", t.index, *self.node_key(node)),
            node,
            t,
            lambda data: self.fires(node, t, data),
        )

    def breach_witness(
        self, node: Node, t: TransitionDef, dest: str, inv: InvariantDef
    ) -> CaseData | None:
        return self.find(
            ("break", t.index, dest, inv.name, *self.node_key(node)),
            node,
            t,
            lambda data: self.breaks(node, t, dest, inv, data),
        )

    def after(self, node: Node, dest: str, data: CaseData) -> Node:
        team = data.team
        recorded = node.recorded | {
            k for k, v in {**data.fields, **data.given}.items() if v not in (None, "")
        }
        return Node(node.position.moved(self.definition, dest), team, frozenset(recorded))

    def blocked_reason(self, node: Node, t: TransitionDef) -> str:
        roles = [r for r in t.roles if r in self.actable]
        if not roles:
            return (
                f"no one can act as {' or '.join(t.roles)} (no role that may appoint them can act)"
            )
        data = self.simplest(node, t) or CaseData(
            roles[0], node.team, {}, dict(self.initial_facts), {}
        )
        case = self.case(node.state, node.position.previous, data.fields)
        failing = [
            f"guard '{ref.name}' failed: {message}"
            for ref in t.guards
            if (message := self.registry.evaluate(ref, self.view(case, data))) is not None
        ]
        return "; ".join(failing) or f"it never fired in {self.max_examples} examples"
