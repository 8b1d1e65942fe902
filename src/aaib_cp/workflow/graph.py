"""Static checks on a workflow's state graph: every state reachable, none a dead end.

A ``$previous`` transition returns a case to the state it was paused from: a state
the case was in, reached by ordinary transitions, that is a source of a transition
into the pause state. So a return never makes a state reachable, however many
states a pausing transition (``source: "*"``) leaves: reachability follows ordinary
transitions only. A return does count as a way out of the pause state.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence

from aaib_cp.workflow.spec import StateDef, TransitionDef, paused_from

__all__ = ["graph_problems"]


def graph_problems(
    states: Mapping[str, StateDef], transitions: Sequence[TransitionDef], initial: str
) -> list[tuple[str, str]]:
    """Every ``(state, message)`` for an unreachable state, a dead end or a trap."""
    ordinary: dict[str, set[str]] = {s: set() for s in states}
    edges: dict[str, set[str]] = {s: set() for s in states}
    for t in transitions:
        for s in t.sources:
            if t.returns:
                edges[s] |= set(paused_from(transitions, s))
            else:
                ordinary[s].add(t.dest)
                edges[s].add(t.dest)
    problems = []
    reachable = _reach(initial, ordinary)
    for name in states:
        if name not in reachable:
            problems.append((name, f"state {name!r} is unreachable from {initial!r}"))
    for name, state in states.items():
        if not state.terminal and not edges[name]:
            problems.append((name, f"non-terminal state {name!r} has no way out"))
    reverse: dict[str, set[str]] = {s: set() for s in states}
    for s, dests in edges.items():
        for d in dests:
            reverse[d].add(s)
    can_finish: set[str] = set()
    for name, state in states.items():
        if state.terminal:
            can_finish |= _reach(name, reverse)
    for name, state in states.items():
        if not state.terminal and edges[name] and name not in can_finish:
            problems.append((name, f"no terminal state can be reached from {name!r}"))
    return problems


def _reach(start: str, edges: Mapping[str, set[str]]) -> set[str]:
    seen = {start}
    queue = deque([start])
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen
