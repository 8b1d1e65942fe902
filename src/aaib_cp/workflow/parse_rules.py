"""Parsing a workflow's rules: its transitions (sources, roles, guards, inputs) and invariants."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aaib_cp.workflow.parse_base import Reader
from aaib_cp.workflow.spec import (
    ANY_OPEN,
    PREVIOUS,
    FieldDef,
    InvariantDef,
    RoleDef,
    StateDef,
    TransitionDef,
    suggest,
)
from aaib_cp.workflow.yaml_source import PathKey

__all__ = ["RulesReader"]

_RESERVED_TRIGGERS = frozenset({"trigger", "state", "machine", "to_state"})
_REASON = ("required", "optional")
_TRANSITION_KEYS = (
    "trigger",
    "source",
    "dest",
    "roles",
    "guards",
    "reason",
    "sets",
    "description",
    "deadline",
)
_INVARIANT_KEYS = ("description", "in", "from", "holds")


class RulesReader(Reader):
    """Reads ``transitions`` and ``invariants``."""

    def _transitions(
        self,
        value: Any,
        states: Mapping[str, StateDef],
        roles: Mapping[str, RoleDef],
        fields: Mapping[str, FieldDef],
    ) -> list[TransitionDef]:
        if value is None:
            self.err(("transitions",), "is required")
            return []
        items = self._list(value, ("transitions",), "transitions")
        out: list[TransitionDef] = []
        seen: dict[tuple[str, str], int] = {}
        for i, spec in enumerate(items):
            path: PathKey = ("transitions", i)
            if not isinstance(spec, dict):
                self.err(path, f"each transition must be a mapping (got {spec!r})")
                continue
            self._unknown_keys(spec, _TRANSITION_KEYS, path)
            t = self._transition(i, spec, path, states, roles, fields)
            if t is None:
                continue
            for s in t.sources:
                if (s, t.trigger) in seen:
                    self.err(
                        (*path, "trigger"),
                        f"duplicate trigger {t.trigger!r} from state {s!r} "
                        f"(also transitions[{seen[(s, t.trigger)]}])",
                    )
                seen[(s, t.trigger)] = i
            out.append(t)
        return out

    def _transition(
        self,
        i: int,
        spec: dict[str, Any],
        path: PathKey,
        states: Mapping[str, StateDef],
        roles: Mapping[str, RoleDef],
        fields: Mapping[str, FieldDef],
    ) -> TransitionDef | None:
        ok = True
        trigger = self._name(spec.get("trigger"), (*path, "trigger"), "trigger")
        if trigger in _RESERVED_TRIGGERS:
            self.err((*path, "trigger"), f"{trigger!r} is a reserved name")
            ok = False
        dest = self._str(spec.get("dest"), (*path, "dest"))
        if dest is not None and dest != PREVIOUS and dest not in states:
            self.err((*path, "dest"), f"unknown state {dest!r}{suggest(dest, [*states, PREVIOUS])}")
            ok = False
        sources = self._sources(spec.get("source"), (*path, "source"), states, dest)
        if dest == PREVIOUS and sources is not None and len(sources) != 1:
            self.err((*path, "source"), f"a '{PREVIOUS}' transition needs exactly one source state")
            ok = False
        if spec.get("roles") is None:
            self.err((*path, "roles"), "is required: list the roles that may fire it")
            ok = False
        role_list = []
        for j, r in enumerate(self._list(spec.get("roles"), (*path, "roles"), "roles")):
            if not isinstance(r, str) or r not in roles:
                self.err((*path, "roles", j), f"unknown role {r!r}{suggest(r, roles)}")
                ok = False
            else:
                role_list.append(r)
        guard_refs = self._guard_refs(spec.get("guards"), (*path, "guards"), fields, roles)
        reason = spec.get("reason", "optional")
        if reason not in _REASON:
            self.err((*path, "reason"), f"must be 'required' or 'optional' (got {reason!r})")
            ok = False
        sets = []
        for j, f in enumerate(self._list(spec.get("sets"), (*path, "sets"), "sets")):
            if not isinstance(f, str) or f not in fields:
                self.err((*path, "sets", j), f"unknown field {f!r}{suggest(f, fields)}")
                ok = False
            else:
                sets.append(f)
        desc = self._str(spec.get("description"), (*path, "description"), required=False)
        deadline = None
        if "deadline" in spec:
            deadline = self._deadline(spec["deadline"], (*path, "deadline"), states, fields)
            if dest == PREVIOUS:
                self.err(
                    (*path, "deadline"),
                    f"a '{PREVIOUS}' transition cannot have a deadline: "
                    "clocks stop in the pause state it leaves",
                )
                ok = False
        if not ok or trigger is None or dest is None or sources is None or guard_refs is None:
            return None
        return TransitionDef(
            trigger=trigger,
            sources=tuple(sources),
            dest=dest,
            roles=tuple(role_list),
            guards=tuple(guard_refs),
            reason=reason,
            sets=tuple(sets),
            description=desc or "",
            index=i,
            deadline=deadline,
        )

    def _sources(
        self, value: Any, path: PathKey, states: Mapping[str, StateDef], dest: str | None
    ) -> list[str] | None:
        if value is None:
            self.err(path, "is required")
            return None
        if value == ANY_OPEN:
            return [s.name for s in states.values() if not s.terminal and s.name != dest]
        items = self._list(value, path, "source")
        out: list[str] = []
        bad = False
        for j, s in enumerate(items):
            sub = path if isinstance(value, str) else (*path, j)
            if not isinstance(s, str) or s not in states:
                self.err(sub, f"unknown state {s!r}{suggest(s, states)}")
                bad = True
            elif states[s].terminal:
                self.err(sub, f"terminal state {s!r} must have no way out")
                bad = True
            else:
                out.append(s)
        if not items:
            self.err(path, "needs at least one source state")
            return None
        return None if bad else out

    def _invariants(
        self,
        value: Any,
        states: Mapping[str, StateDef],
        fields: Mapping[str, FieldDef],
        roles: Mapping[str, RoleDef],
    ) -> tuple[InvariantDef, ...]:
        out: list[InvariantDef] = []
        for key, spec in self._mapping(value, ("invariants",), "invariants").items():
            path: PathKey = ("invariants", key)
            name = self._name(key, path, "invariant")
            if not isinstance(spec, dict):
                self.err(
                    path,
                    f"invariant {key!r} must be a mapping with 'holds' and 'in' or 'from' "
                    f"(got {type(spec).__name__})",
                )
                continue
            self._unknown_keys(spec, _INVARIANT_KEYS, path)
            desc = self._str(spec.get("description"), (*path, "description"), required=False)
            in_states: list[str] = []
            for j, s in enumerate(self._list(spec.get("in"), (*path, "in"), "in")):
                sub = (*path, "in") if isinstance(spec.get("in"), str) else (*path, "in", j)
                if not isinstance(s, str) or s not in states:
                    self.err(sub, f"unknown state {s!r}{suggest(s, states)}")
                else:
                    in_states.append(s)
            from_state = spec.get("from")
            if from_state is not None and (
                not isinstance(from_state, str) or from_state not in states
            ):
                self.err(
                    (*path, "from"), f"unknown state {from_state!r}{suggest(from_state, states)}"
                )
                from_state = None
            if "in" not in spec and "from" not in spec:
                self.err(
                    path,
                    "say where it applies: 'in' (a list of states) and/or 'from' (a state)",
                    key=True,
                )
            if spec.get("holds") in (None, [], ""):
                self.err(path, "'holds' is required: list the conditions", key=True)
                continue
            refs = self._guard_refs(
                spec.get("holds"), (*path, "holds"), fields, roles, what="predicate"
            )
            if name and refs is not None:
                out.append(
                    InvariantDef(name, tuple(refs), tuple(in_states), from_state, desc or "")
                )
        return tuple(out)
