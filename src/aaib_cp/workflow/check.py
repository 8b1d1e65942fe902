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

from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

from aaib_cp.exceptions import WorkflowMismatch
from aaib_cp.workflow.check_cases import (
    DEFAULT_MAX_EXAMPLES,
    CaseModel,
    private_hypothesis_storage,
)
from aaib_cp.workflow.check_model import (
    CaseData,
    Exploration,
    Flaw,
    Node,
    Step,
    actable_roles,
    fact_samples,
    path_to,
)
from aaib_cp.workflow.guards import GuardRegistry, default_registry
from aaib_cp.workflow.invariants import Position, check_invariant, entered_scope
from aaib_cp.workflow.spec import InvariantDef, WorkflowDefinition

__all__ = [
    "DEFAULT_MAX_EXAMPLES",
    "CaseData",
    "Exploration",
    "Flaw",
    "Node",
    "Step",
    "actable_roles",
    "check_workflow",
    "explore",
    "fact_samples",
]


class _Explorer(CaseModel):
    """The breadth-first search over positions, and what it finds."""

    # -- the search ----------------------------------------------------------------------
    def run(self) -> Exploration:
        d = self.definition
        start = Node(Position.start(d))
        nodes: dict[Node, tuple[Node | None, Step | None]] = {start: (None, None)}
        edges: dict[Node, list[tuple[Step, Node]]] = {}
        findings: list[Flaw] = []
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
                            *path_to(nodes, node),
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

    def _breach(
        self, inv: InvariantDef, state: str, steps: Sequence[Step], failures: Sequence[str]
    ) -> Flaw:
        return Flaw(
            "invariant",
            state,
            f"invariant '{inv.name}' broken in {state} ({'; '.join(failures)})",
            tuple(steps),
            inv.name,
            self.initial_facts,
        )

    def _unreachable(
        self, nodes: Mapping[Node, Any], blocked: Mapping[str, list[str]]
    ) -> list[Flaw]:
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
            out.append(Flaw("unreachable", name, f"state '{name}' is unreachable: {detail}"))
        return out

    def _stuck(
        self, nodes: Mapping[Node, tuple[Node | None, Step | None]], can_finish: frozenset[Node]
    ) -> list[Flaw]:
        out = []
        seen: set[str] = set()
        for node in nodes:  # insertion order is breadth-first: the first is the shortest
            if node in can_finish or node.state in seen:
                continue
            seen.add(node.state)
            out.append(
                Flaw(
                    "stuck",
                    node.state,
                    f"no terminal state can be reached from '{node.state}'",
                    path_to(nodes, node),
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
    with private_hypothesis_storage():
        return _Explorer(definition, guards or default_registry(), max_examples).run()


def check_workflow(
    definition: WorkflowDefinition,
    *,
    guards: GuardRegistry | None = None,
    max_examples: int = DEFAULT_MAX_EXAMPLES,
) -> list[Flaw]:
    """The findings of :func:`explore`: empty when the workflow passes."""
    return list(explore(definition, guards=guards, max_examples=max_examples).findings)
