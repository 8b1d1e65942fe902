"""What ``aaib workflow check`` works with and reports: positions, case data, steps, findings.

See :mod:`aaib_cp.workflow.check` for the search itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

from aaib_cp.workflow.guards import GuardRef, GuardRegistry, default_registry
from aaib_cp.workflow.invariants import Position
from aaib_cp.workflow.spec import WorkflowDefinition

__all__ = [
    "CaseData",
    "Exploration",
    "Flaw",
    "Node",
    "Step",
    "actable_roles",
    "fact_samples",
    "path_to",
]

Parents = Mapping["Node", tuple["Node | None", "Step | None"]]


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
class Flaw:
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


def path_to(nodes: Parents, node: Node) -> tuple[Step, ...]:
    """The steps from the start to ``node``, following each node's parent in ``nodes``."""
    steps: list[Step] = []
    current: Node | None = node
    while current is not None:
        parent, step = nodes[current]
        if step is not None:
            steps.append(step)
        current = parent
    return tuple(reversed(steps))


@attrs.frozen
class Exploration:
    """What the search found: the positions reached, the moves between them, the findings."""

    definition: WorkflowDefinition
    nodes: Mapping[Node, tuple[Node | None, Step | None]]
    edges: Mapping[Node, tuple[tuple[Step, Node], ...]]
    can_finish: frozenset[Node]
    findings: tuple[Flaw, ...]
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
        return path_to(self.nodes, node)

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
