"""Pictures and listings of a workflow: text, Mermaid, Graphviz DOT, JSON, SVG and PNG.

Mermaid and DOT come from ``transitions``' own diagram extension (``GraphMachine``),
fed the expanded transitions of the definition. The SVG/PNG picture for reports
(:func:`workflow_figure`) is drawn with matplotlib, imported on first use.
"""

from __future__ import annotations

import io
import json
from collections import deque
from typing import Any, Literal

from aaib_cp.exceptions import InputError
from aaib_cp.workflow.calendar import DeadlineRule
from aaib_cp.workflow.definition import TransitionDef, WorkflowDefinition

__all__ = [
    "flow_edges",
    "layers",
    "workflow_dot",
    "workflow_figure",
    "workflow_json",
    "workflow_mermaid",
    "workflow_text",
]


def _edges(definition: WorkflowDefinition) -> list[dict[str, Any]]:
    return [
        {"trigger": t.trigger, "source": s, "dest": d}
        for t in definition.transitions
        for s in t.sources
        for d in definition.possible_dests(t, s)
    ]


def _graph(
    definition: WorkflowDefinition, engine: Literal["graphviz", "mermaid"], current: str | None
) -> Any:
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


# -- a picture of the workflow, drawn with matplotlib ------------------------------------------


def _many_source(definition: WorkflowDefinition, transition: TransitionDef) -> bool:
    """True for a ``source: "*"`` transition (every open state but the destination)."""
    expanded = {s for s in definition.open_states if s != transition.dest}
    return len(transition.sources) > 1 and set(transition.sources) == expanded


def flow_edges(definition: WorkflowDefinition) -> list[tuple[str, str, str]]:
    """``(source, trigger, dest)`` for the ordinary transitions: no ``*`` or ``$previous``."""
    return [
        (s, t.trigger, t.dest)
        for t in definition.transitions
        if not t.returns and not _many_source(definition, t)
        for s in t.sources
    ]


def layers(definition: WorkflowDefinition) -> dict[str, int]:
    """Each state's depth: BFS from the initial state along :func:`flow_edges`.

    States reached only through ``*`` or ``$previous`` transitions are left out.
    """
    depth = {definition.initial: 0}
    queue = deque([definition.initial])
    edges = flow_edges(definition)
    while queue:
        state = queue.popleft()
        for source, _, dest in edges:
            if source == state and dest not in depth:
                depth[dest] = depth[state] + 1
                queue.append(dest)
    return depth


def workflow_figure(
    definition: WorkflowDefinition, *, current: str | None = None, fmt: str = "svg"
) -> bytes:
    """The workflow drawn as a picture (``fmt`` ``"svg"`` or ``"png"``), for reports.

    States are laid out in rows by their distance from the initial state; arrows carry
    their triggers; terminal states are drawn with a double border and ``current`` is
    filled. Transitions from every open state (``source: "*"``, such as suspend or
    discontinue) and returns (``$previous``) are listed in a note instead of drawn.
    SVG keeps the state names as text, so the picture is searchable and accessible.
    """
    if fmt not in ("svg", "png"):
        raise InputError(f"workflow figure format: expected 'svg' or 'png' (got {fmt!r})")
    if current is not None and current not in definition.states:
        raise InputError(f"current state: {current!r} is not a state of {definition.name}")
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch

    depth = layers(definition)
    rows: dict[int, list[str]] = {}
    for state in definition.states:  # declaration order within a row
        if state in depth:
            rows.setdefault(depth[state], []).append(state)
    side = [s for s in definition.states if s not in depth]
    n_rows = max(len(rows), len(side), 1)
    width = max([len(r) for r in rows.values()] + [1])
    pos: dict[str, tuple[float, float]] = {}
    for d, names in rows.items():
        for i, name in enumerate(names):
            pos[name] = ((i - (len(names) - 1) / 2) * 2.0, -float(d))
    side_x = width + 1.2
    for i, name in enumerate(side):
        pos[name] = (side_x, -float(i))

    notes = []
    for t in definition.transitions:
        if _many_source(definition, t):
            notes.append(f"{t.trigger}: from any open state \u2192 {t.dest}")
        elif t.returns:
            notes.append(f"{t.trigger}: {', '.join(t.sources)} \u2192 back to the previous state")

    box_w, box_h = 1.5, 0.42
    fig_w = 2.4 * (width + (2 if side else 0)) + 1.5
    fig_h = 0.85 * n_rows + 0.9 + 0.25 * len(notes)
    fig = Figure(figsize=(fig_w, fig_h), dpi=100)
    note_h = 0.25 * len(notes) / fig_h
    ax = fig.add_axes((0.02, 0.02 + note_h, 0.96, 0.96 - 1.2 * note_h))
    ax.set_axis_off()
    ax.set_title(f"{definition.title} (v{definition.version})", fontsize=11)

    for source, trigger, dest in flow_edges(definition):
        (x0, y0), (x1, y1) = pos[source], pos[dest]
        forward = y1 < y0 and abs(y0 - y1) < 1.5
        rad = 0.0 if forward else 0.35
        ax.annotate(
            "",
            xy=(x1, y1 + (box_h / 2 if y1 < y0 else -box_h / 2)),
            xytext=(x0, y0 + (-box_h / 2 if y1 < y0 else box_h / 2)),
            arrowprops={
                "arrowstyle": "-|>",
                "color": "#555555",
                "lw": 1.0,
                "connectionstyle": f"arc3,rad={rad}",
                "shrinkA": 0,
                "shrinkB": 0,
            },
        )
        lx, ly = x0 + (x1 - x0) * 0.55, y0 + (y1 - y0) * 0.5
        leftward = x1 < x0 - 0.1
        ax.text(
            lx + (-0.08 if leftward else 0.08) + rad * 0.6,
            ly,
            trigger,
            fontsize=7,
            color="#333333",
            ha="right" if leftward else "left",
            va="center",
        )

    for name, (x, y) in pos.items():
        spec = definition.states[name]
        is_current = name == current
        face = "#1f4e79" if is_current else ("#eeeeee" if spec.terminal else "#ffffff")
        patch = FancyBboxPatch(
            (x - box_w / 2, y - box_h / 2),
            box_w,
            box_h,
            boxstyle="round,pad=0.02,rounding_size=0.08",
            facecolor=face,
            edgecolor="#1f4e79" if not spec.terminal else "#000000",
            linewidth=2.2 if spec.terminal or is_current else 1.0,
            linestyle="-" if name in depth else "--",
        )
        ax.add_patch(patch)
        if spec.terminal:
            ax.add_patch(
                FancyBboxPatch(
                    (x - box_w / 2 + 0.05, y - box_h / 2 + 0.05),
                    box_w - 0.1,
                    box_h - 0.1,
                    boxstyle="round,pad=0.02,rounding_size=0.06",
                    facecolor="none",
                    edgecolor="#000000",
                    linewidth=0.6,
                )
            )
        ax.text(
            x,
            y,
            name,
            ha="center",
            va="center",
            fontsize=8,
            color="#ffffff" if is_current else "#000000",
            fontweight="bold" if is_current else "normal",
        )

    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    ax.set_xlim(min(xs) - box_w, max(xs) + box_w)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.5)
    legend = ["Double border: terminal state."]
    if current is not None:
        legend.append(f"Filled: current state ({current}).")
    if side:
        legend.append("Dashed (right): reached only by the transitions below.")
    text = "  ".join(legend) + ("\n" + "\n".join(notes) if notes else "")
    fig.text(0.02, 0.01, text, fontsize=7.5, ha="left", va="bottom", color="#222222")

    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "aaib-cp-workflow"}):
        fig.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    return buffer.getvalue()
