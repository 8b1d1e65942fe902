"""Pictures and listings of a workflow: text, Mermaid, Graphviz DOT and JSON.

Mermaid and DOT come from ``transitions``' own diagram extension (``GraphMachine``),
fed the expanded transitions of the definition; nothing is drawn by hand.
"""

from __future__ import annotations

import json
from typing import Any

from .deadlines import DeadlineRule
from .definition import WorkflowDefinition

__all__ = ["workflow_dot", "workflow_json", "workflow_mermaid", "workflow_text"]


def _edges(definition: WorkflowDefinition) -> list[dict[str, Any]]:
    return [
        {"trigger": t.trigger, "source": s, "dest": d}
        for t in definition.transitions
        for s in t.sources
        for d in definition.possible_dests(t, s)
    ]


def _graph(definition: WorkflowDefinition, engine: str, current: str | None) -> Any:
    from transitions.extensions.diagrams import GraphMachine

    class _Model:
        pass

    machine = GraphMachine(
        model=None,
        states=list(definition.states),
        transitions=_edges(definition),
        initial=definition.initial,
        auto_transitions=False,
        graph_engine=engine,
        title=f"{definition.title} (v{definition.version})",
        show_state_attributes=False,
    )
    model = _Model()
    machine.add_model(model, initial=current or definition.initial)
    return model.get_graph()  # type: ignore[attr-defined]


def workflow_mermaid(definition: WorkflowDefinition, *, current: str | None = None) -> str:
    """A Mermaid ``stateDiagram-v2`` (``current`` is highlighted)."""
    return str(_graph(definition, "mermaid", current).draw(None))


def workflow_dot(definition: WorkflowDefinition, *, current: str | None = None) -> str:
    """Graphviz DOT source (render with ``dot -Tsvg``)."""
    return str(_graph(definition, "graphviz", current).source)


def workflow_text(definition: WorkflowDefinition) -> str:
    """A plain listing of states and transitions."""
    lines = [f"{definition.title} ({definition.name} v{definition.version})", ""]
    lines.append(f"initial: {definition.initial}")
    lines.append(f"terminal: {', '.join(definition.terminal)}")
    lines.append(f"roles: {', '.join(definition.roles)}")
    for r in definition.roles.values():
        if r.is_case_role:
            lines.append(f"  {r.name}: appointed to the case by {', '.join(r.appointed_by)}")
    lines.append("")
    lines.append("states:")
    for state in definition.states.values():
        flag = " (terminal)" if state.terminal else ""
        lines.append(f"  {state.name}{flag}: {state.description}")
        if state.deadline is not None:
            lines.append(f"      deadline: {state.deadline.describe()}")
    interim = definition.interim_statements
    if interim is not None:
        every = definition.setting("interim_statement_months")
        lines.append(
            f"  interim statements: every {every} months from {interim.anchor} "
            f"until {interim.until}"
        )
    lines.append("")
    lines.append("transitions:")
    for t in definition.transitions:
        sources = ", ".join(t.sources) if len(t.sources) < 4 else "any open state"
        lines.append(f"  {t.trigger}: {sources} -> {t.dest}")
        lines.append(f"      roles: {', '.join(t.roles)}")
        if t.guards:
            lines.append(f"      guards: {'; '.join(g.label() for g in t.guards)}")
        if t.sets:
            lines.append(f"      sets: {', '.join(t.sets)}")
        if t.reason_required:
            lines.append("      reason: required")
        if t.deadline is not None:
            lines.append(f"      deadline: {t.deadline.describe()}")
    return "\n".join(lines) + "\n"


def _rule_json(rule: DeadlineRule | None) -> dict[str, Any] | None:
    if rule is None:
        return None
    return {"amount": rule.amount, "unit": rule.unit, "from": rule.anchor, "label": rule.label}


def workflow_json(definition: WorkflowDefinition) -> str:
    """The definition as JSON, for programs."""
    data = {
        "name": definition.name,
        "version": definition.version,
        "title": definition.title,
        "hash": definition.content_hash,
        "initial": definition.initial,
        "terminal": list(definition.terminal),
        "roles": {
            r.name: {
                "description": r.description,
                "scope": r.scope,
                "appointed_by": list(r.appointed_by),
            }
            for r in definition.roles.values()
        },
        "states": {
            s.name: {
                "description": s.description,
                "terminal": s.terminal,
                "deadline": _rule_json(s.deadline),
            }
            for s in definition.states.values()
        },
        "interim_statements": None
        if definition.interim_statements is None
        else {
            "from": definition.interim_statements.anchor,
            "until": f"state:{definition.interim_statements.until}",
            "label": definition.interim_statements.label,
            "every_months": definition.setting("interim_statement_months"),
        },
        "transitions": [
            {
                "trigger": t.trigger,
                "sources": list(t.sources),
                "dest": t.dest,
                "roles": list(t.roles),
                "guards": [g.label() for g in t.guards],
                "reason": t.reason,
                "sets": list(t.sets),
                "deadline": _rule_json(t.deadline),
            }
            for t in definition.transitions
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
