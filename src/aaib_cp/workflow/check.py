"""Explore a workflow with generated case data: what ``aaib workflow check`` runs.

The explorer moves an in-memory model of one case through the workflow, using the
engine's own decisions (:meth:`Engine.decide <aaib_cp.workflow.engine.Engine.decide>` for
roles, appointments, inputs and guards; :class:`~aaib_cp.workflow.machine.CompiledWorkflow`
for the move). Between two triggers anything the workflow does not control may
change, as it can in real use: people are appointed, fields are amended, records are
added (so facts change). For each trigger from each position reached, hypothesis
looks for case data under which the trigger fires, and for data under which it
fires but breaks an invariant (see :mod:`aaib_cp.workflow.invariants`). A breadth-first search
over positions then gives the shortest trigger sequence for each finding:

- ``unreachable``: a state no sequence of triggers reaches, given the guards;
- ``stuck``: a state reached from which no terminal state can be reached;
- ``invariant``: an invariant broken when a case enters its scope.

What is remembered from one trigger to the next: the state (and, in a pause state,
the state to return to), which fields have been recorded (a choice field cannot be
emptied again), which case roles have been appointed (nobody is removed), and which
``from`` states of invariants have been entered. Facts are free to change: records
are added by commands the workflow does not control. Values of facts come from the
samples the predicates declare (``facts=`` in :meth:`GuardRegistry.register`).
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import attrs

from aaib_cp.exceptions import AaibCpError, ExplorationError, WorkflowMismatch
from aaib_cp.workflow.definition import FieldDef, InvariantDef, TransitionDef, WorkflowDefinition
from aaib_cp.workflow.engine import Engine
from aaib_cp.workflow.guards import GuardRef, GuardRegistry, SimpleCaseView, default_registry
from aaib_cp.workflow.invariants import Position, check_invariant, entered_scope
from aaib_cp.workflow.model import Case, TeamMember

__all__ = [
    "DEFAULT_MAX_EXAMPLES",
    "CaseData",
    "Exploration",
    "Finding",
    "Node",
    "Step",
    "actable_roles",
    "check_workflow",
    "explore",
    "fact_samples",
]

#: Examples hypothesis tries per question ("can this trigger fire here?").
DEFAULT_MAX_EXAMPLES = 60

_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
_KNOWN_ON = date(2026, 1, 2)
_CASE_ID = "CHECK-0001"
_ACTOR = "Acting person"
_MAX_EXTRA_TEAM = 4


#: Most fact-value combinations tried systematically for one transition.
_MAX_COMBINATIONS = 256


@attrs.frozen
class Node:
    """A position in the search: where the case is, plus what it cannot lose."""

    position: Position
    team: tuple[str, ...] = ()
    recorded: frozenset[str] = frozenset()

    @property
    def state(self) -> str:
        """The workflow state."""
        return self.position.state


@attrs.frozen
class CaseData:
    """Case data under which one trigger is tried: who acts, the team, fields and facts."""

    role: str
    team: tuple[str, ...]
    fields: Mapping[str, Any]
    facts: Mapping[str, Any]
    given: Mapping[str, Any]


@attrs.frozen
class Step:
    """One trigger fired in a sequence, with the case data it was fired under."""

    trigger: str
    role: str
    source: str
    dest: str
    data: CaseData


@attrs.frozen
class Finding:
    """Something wrong with the workflow, with the shortest sequence that shows it."""

    kind: str
    state: str
    message: str
    steps: tuple[Step, ...] = ()
    invariant: str | None = None
    initial_facts: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)

    def sequence(self) -> list[str]:
        """The sequence as short texts: appointments, amendments, facts and triggers."""
        return [text for text, _ in _describe(self.steps, self.initial_facts)]

    def line(self) -> str:
        """One line: the message, then the sequence that shows it."""
        seq = self.sequence()
        if self.kind == "unreachable":
            return self.message
        shown = ", ".join(seq) if seq else "(on opening the case)"
        return f"{self.message}: {shown}"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "kind": self.kind,
            "state": self.state,
            "invariant": self.invariant,
            "message": self.message,
            "sequence": [item for _, item in _describe(self.steps, self.initial_facts)],
        }


def _describe(
    steps: Sequence[Step], initial_facts: Mapping[str, Any]
) -> Iterator[tuple[str, dict[str, Any]]]:
    team: list[str] = []
    fields: dict[str, Any] = {}
    facts = dict(initial_facts)
    for step in steps:
        data = step.data
        for role in data.team:
            if team.count(role) < data.team.count(role):
                team.append(role)
                yield f"appoint {role}", {"appoint": role}
        for name, value in data.fields.items():
            if value is not None and fields.get(name) != value:
                fields[name] = value
                yield f"set {name}={value}", {"set": name, "value": value}
        for name, value in data.facts.items():
            if facts.get(name) != value:
                facts[name] = value
                yield f"[{name}={value}]", {"fact": name, "value": value}
        fields.update(data.given)
        args = ", ".join(f"{k}={v}" for k, v in data.given.items())
        yield (
            f"{step.trigger}({args})" if args else step.trigger,
            {
                "trigger": step.trigger,
                "role": step.role,
                "fields": dict(data.given),
                "from": step.source,
                "to": step.dest,
            },
        )


@attrs.frozen
class Exploration:
    """What the search found: the positions reached, the moves between them, the findings."""

    definition: WorkflowDefinition
    nodes: Mapping[Node, tuple[Node | None, Step | None]]
    edges: Mapping[Node, tuple[tuple[Step, Node], ...]]
    can_finish: frozenset[Node]
    findings: tuple[Finding, ...]
    examples: int

    @property
    def ok(self) -> bool:
        """True when nothing was found."""
        return not self.findings

    @property
    def states_reached(self) -> tuple[str, ...]:
        """States reached by some sequence, in declaration order."""
        reached = {n.state for n in self.nodes}
        return tuple(s for s in self.definition.states if s in reached)

    def path(self, node: Node) -> tuple[Step, ...]:
        """The shortest sequence of steps found that reaches ``node``."""
        steps: list[Step] = []
        current: Node | None = node
        while current is not None:
            parent, step = self.nodes[current]
            if step is not None:
                steps.append(step)
            current = parent
        return tuple(reversed(steps))

    def finishable(self, position: Position) -> bool:
        """True if a terminal state can be reached from some node at ``position``.

        Positions the search never reached count as finishable (nothing is known).
        """
        nodes = [n for n in self.nodes if n.position == position]
        return not nodes or any(n in self.can_finish for n in nodes)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary with every finding."""
        return {
            "workflow": self.definition.name,
            "version": self.definition.version,
            "ok": self.ok,
            "states": len(self.definition.states),
            "states_reached": list(self.states_reached),
            "positions": len(self.nodes),
            "max_examples": self.examples,
            "findings": [f.to_json() for f in self.findings],
        }


def actable_roles(definition: WorkflowDefinition) -> frozenset[str]:
    """Roles someone can act in: organisation roles, and case roles someone can appoint."""
    able = {r.name for r in definition.roles.values() if not r.is_case_role}
    changed = True
    while changed:
        changed = False
        for role in definition.roles.values():
            if role.name not in able and any(a in able for a in role.appointed_by):
                able.add(role.name)
                changed = True
    return frozenset(able)


def fact_samples(
    definition: WorkflowDefinition, registry: GuardRegistry | None = None
) -> dict[str, tuple[Any, ...]]:
    """Every fact the workflow's guards and invariants declare, with its sample values."""
    registry = registry or default_registry()
    refs: list[GuardRef] = [g for t in definition.transitions for g in t.guards]
    refs += [g for inv in definition.invariants for g in inv.holds]
    samples: dict[str, tuple[Any, ...]] = {}
    for ref in refs:
        guard = registry.get(ref.name)
        if guard is None:
            continue
        for name, values in guard.fact_samples(ref.param).items():
            merged = (*samples.get(name, ()), *values)
            # sample values may be lists or mappings (unhashable): keep the first of equals
            samples[name] = tuple({repr(v): v for v in reversed(merged)}.values())[::-1]
    return samples


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


class _Explorer:
    def __init__(
        self, definition: WorkflowDefinition, registry: GuardRegistry, max_examples: int
    ) -> None:
        self.definition = definition
        self.registry = registry
        self.max_examples = max_examples
        self.engine = Engine(_NoStore(), guards=registry)  # type: ignore[arg-type]
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
            TeamMember(_CASE_ID, f"Member {i + 1}", role, _AT, _ACTOR)
            for i, role in enumerate(data.team)
        ]

    def actor(self, data: CaseData) -> str:
        """The acting person: a team member holding the role, for a case role."""
        if self.definition.roles[data.role].is_case_role:
            return f"Member {data.team.index(data.role) + 1}"
        return _ACTOR

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

    # -- the search ----------------------------------------------------------------------
    def run(self) -> Exploration:
        d = self.definition
        start = Node(Position.start(d))
        nodes: dict[Node, tuple[Node | None, Step | None]] = {start: (None, None)}
        edges: dict[Node, list[tuple[Step, Node]]] = {}
        findings: list[Finding] = []
        reported: set[str] = set()
        empty = CaseData(d.roles[next(iter(d.roles))].name, (), {}, dict(self.initial_facts), {})
        opened = self.case(d.initial, None, {})
        for inv in d.invariants:
            if entered_scope(inv, d, None, start.position):
                failures = check_invariant(inv, self.registry, self.view(opened, empty))
                if failures:
                    reported.add(inv.name)
                    findings.append(self._breach(inv, d.initial, (), failures))
        blocked: dict[str, list[str]] = {}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            edges[node] = []
            if d.states[node.state].terminal:
                continue
            for t in d.triggers_from(node.state):
                data = self.fire_witness(node, t)
                if data is None:
                    blocked.setdefault(t.dest, []).append(
                        f"'{t.trigger}' from {node.state} never fires: "
                        f"{self.blocked_reason(node, t)}"
                    )
                    continue
                try:
                    dest = self.compiled.move(
                        node.state, t.trigger, previous=node.position.previous
                    )
                except WorkflowMismatch:
                    continue
                nxt = self.after(node, dest, data)
                step = Step(t.trigger, data.role, node.state, dest, data)
                edges[node].append((step, nxt))
                for inv in d.invariants:
                    if inv.name in reported or not entered_scope(
                        inv, d, node.position, nxt.position
                    ):
                        continue
                    bad = self.breach_witness(node, t, dest, inv)
                    if bad is not None:
                        reported.add(inv.name)
                        after = self.case(dest, node.state, {**bad.fields, **bad.given})
                        failures = check_invariant(inv, self.registry, self.view(after, bad))
                        steps = (
                            *self._path(nodes, node),
                            Step(t.trigger, bad.role, node.state, dest, bad),
                        )
                        findings.append(self._breach(inv, dest, steps, failures))
                if nxt not in nodes:
                    nodes[nxt] = (node, step)
                    queue.append(nxt)
        can_finish = _can_finish(d, nodes, edges)
        findings = self._unreachable(nodes, blocked) + self._stuck(nodes, can_finish) + findings
        return Exploration(
            definition=d,
            nodes=nodes,
            edges={k: tuple(v) for k, v in edges.items()},
            can_finish=can_finish,
            findings=tuple(findings),
            examples=self.max_examples,
        )

    @staticmethod
    def _path(nodes: Mapping[Node, tuple[Node | None, Step | None]], node: Node) -> list[Step]:
        steps: list[Step] = []
        current: Node | None = node
        while current is not None:
            parent, step = nodes[current]
            if step is not None:
                steps.append(step)
            current = parent
        return steps[::-1]

    def _breach(
        self, inv: InvariantDef, state: str, steps: Sequence[Step], failures: Sequence[str]
    ) -> Finding:
        return Finding(
            "invariant",
            state,
            f"invariant '{inv.name}' broken in {state} ({'; '.join(failures)})",
            tuple(steps),
            inv.name,
            self.initial_facts,
        )

    def _unreachable(
        self, nodes: Mapping[Node, Any], blocked: Mapping[str, list[str]]
    ) -> list[Finding]:
        reached = {n.state for n in nodes}
        out = []
        for name in self.definition.states:
            if name in reached:
                continue
            why = blocked.get(name)
            detail = (
                "; ".join(dict.fromkeys(why))
                if why
                else "no trigger leads to it from a reachable state"
            )
            out.append(Finding("unreachable", name, f"state '{name}' is unreachable: {detail}"))
        return out

    def _stuck(
        self, nodes: Mapping[Node, tuple[Node | None, Step | None]], can_finish: frozenset[Node]
    ) -> list[Finding]:
        out = []
        seen: set[str] = set()
        for node in nodes:  # insertion order is breadth-first: the first is the shortest
            if node in can_finish or node.state in seen:
                continue
            seen.add(node.state)
            out.append(
                Finding(
                    "stuck",
                    node.state,
                    f"no terminal state can be reached from '{node.state}'",
                    tuple(self._path(nodes, node)),
                    None,
                    self.initial_facts,
                )
            )
        return out


def _can_finish(
    definition: WorkflowDefinition,
    nodes: Mapping[Node, Any],
    edges: Mapping[Node, Sequence[tuple[Step, Node]]],
) -> frozenset[Node]:
    reverse: dict[Node, list[Node]] = {n: [] for n in nodes}
    for src, outs in edges.items():
        for _, dst in outs:
            reverse.setdefault(dst, []).append(src)
    done = {n for n in nodes if definition.states[n.state].terminal}
    queue = deque(done)
    while queue:
        for prev in reverse.get(queue.popleft(), ()):
            if prev not in done:
                done.add(prev)
                queue.append(prev)
    return frozenset(done)


def explore(
    definition: WorkflowDefinition,
    *,
    guards: GuardRegistry | None = None,
    max_examples: int = DEFAULT_MAX_EXAMPLES,
) -> Exploration:
    """Explore ``definition``: every position reachable, the moves, and the findings.

    Raises :class:`~aaib_cp.exceptions.ExplorationError` when a predicate cannot be
    evaluated (e.g. it reads a fact it does not declare).
    """
    if max_examples < 1:
        raise ValueError(f"max_examples must be at least 1 (got {max_examples!r})")
    return _Explorer(definition, guards or default_registry(), max_examples).run()


def check_workflow(
    definition: WorkflowDefinition,
    *,
    guards: GuardRegistry | None = None,
    max_examples: int = DEFAULT_MAX_EXAMPLES,
) -> list[Finding]:
    """The findings of :func:`explore`: empty when the workflow passes."""
    return list(explore(definition, guards=guards, max_examples=max_examples).findings)
