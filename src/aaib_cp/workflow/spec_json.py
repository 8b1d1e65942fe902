"""A validated workflow as JSON: what a database keeps beside the YAML, to load it quickly.

Reading a case needs its workflow, validated. Parsing and validating the stored YAML
takes longer than everything else a command like ``aaib status`` does, so the store
keeps the validated definition beside its text, as written here, and the engine loads
it without YAML (:mod:`aaib_cp.workflow.cache`). The YAML stays the source: the JSON is
written from a definition just validated from it, is tied to its content hash and to
:data:`SPEC_FORMAT` (this aaib-cp's spec), and is ignored (the YAML validated again)
when missing, of another format, or not authenticated by the audit key of a keyed
database. ``tests/test_workflow_cache.py`` checks that every shipped workflow comes
back equal to the one validated from its YAML.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aaib_cp.workflow.calendar import DeadlineRule
from aaib_cp.workflow.guards import GuardRef
from aaib_cp.workflow.spec import (
    FieldDef,
    InterimStatements,
    InvariantDef,
    RoleDef,
    StateDef,
    TransitionDef,
    WorkflowDefinition,
)

__all__ = ["SPEC_FORMAT", "definition_from_json", "definition_to_json", "guard_names"]

#: Names the layout below; change it with the spec's records (a stale copy is then ignored).
SPEC_FORMAT = "aaib-cp workflow spec 1"


def _rule(rule: DeadlineRule | None) -> Any:
    return None if rule is None else [rule.amount, rule.unit, rule.anchor, rule.label]


def _guards(refs: tuple[GuardRef, ...]) -> list[Any]:
    return [[g.name, g.param] for g in refs]


def definition_to_json(d: WorkflowDefinition) -> str:
    """The validated definition as JSON (without its source text, kept beside it)."""
    data = {
        "format": SPEC_FORMAT,
        "content_hash": d.content_hash,
        "name": d.name,
        "version": d.version,
        "title": d.title,
        "description": d.description,
        "initial": d.initial,
        "states": [
            [s.name, s.description, s.terminal, _rule(s.deadline)] for s in d.states.values()
        ],
        "transitions": [
            [
                t.trigger,
                t.sources,
                t.dest,
                t.roles,
                _guards(t.guards),
                t.reason,
                t.sets,
                t.description,
                t.index,
                _rule(t.deadline),
            ]
            for t in d.transitions
        ],
        "roles": [
            [r.name, r.description, r.scope, r.appointed_by, r.independent]
            for r in d.roles.values()
        ],
        "fields": [
            [f.name, f.type, f.choices, f.description, f.report, f.label, f.set_by]
            for f in d.fields.values()
        ],
        "settings": dict(d.settings),
        "nation": d.nation,
        "invariants": [
            [i.name, _guards(i.holds), i.states, i.from_state, i.description] for i in d.invariants
        ],
        "interim": None
        if d.interim_statements is None
        else [d.interim_statements.anchor, d.interim_statements.until, d.interim_statements.label],
        "case_prefix": d.case_prefix,
        "permissions": dict(d.permissions),
        "phases": dict(d.phases),
        "separation": d.separation,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _from_rule(value: Any) -> DeadlineRule | None:
    return None if value is None else DeadlineRule(*value)


def _from_guards(value: list[Any]) -> tuple[GuardRef, ...]:
    return tuple(GuardRef(name, param) for name, param in value)


def _tuples(value: Mapping[str, list[str]]) -> dict[str, tuple[str, ...]]:
    return {k: tuple(v) for k, v in value.items()}


def definition_from_json(
    text: str, *, content_hash: str, source_text: str, filename: str
) -> WorkflowDefinition | None:
    """The definition :func:`definition_to_json` wrote, or None if ``text`` is not one
    for ``content_hash`` in this aaib-cp's :data:`SPEC_FORMAT` (validate the YAML then)."""
    try:
        data = json.loads(text)
        if data.get("format") != SPEC_FORMAT or data.get("content_hash") != content_hash:
            return None
        interim = data["interim"]
        return WorkflowDefinition(
            name=data["name"],
            version=data["version"],
            title=data["title"],
            description=data["description"],
            initial=data["initial"],
            states={
                n: StateDef(n, desc, terminal, _from_rule(rule))
                for n, desc, terminal, rule in data["states"]
            },
            transitions=tuple(
                TransitionDef(
                    trigger,
                    tuple(sources),
                    dest,
                    tuple(roles),
                    _from_guards(guards),
                    reason,
                    tuple(sets),
                    desc,
                    index,
                    _from_rule(rule),
                )
                for trigger, sources, dest, roles, guards, reason, sets, desc, index, rule in data[
                    "transitions"
                ]
            ),
            roles={
                n: RoleDef(n, desc, scope, tuple(appointed_by), independent)
                for n, desc, scope, appointed_by, independent in data["roles"]
            },
            fields={
                n: FieldDef(n, type_, tuple(choices), desc, report, label, tuple(set_by))
                for n, type_, choices, desc, report, label, set_by in data["fields"]
            },
            settings=data["settings"],
            nation=data["nation"],
            invariants=tuple(
                InvariantDef(n, _from_guards(holds), tuple(states), from_state, desc)
                for n, holds, states, from_state, desc in data["invariants"]
            ),
            content_hash=content_hash,
            source_text=source_text,
            filename=filename,
            interim_statements=None if interim is None else InterimStatements(*interim),
            case_prefix=data["case_prefix"],
            permissions=_tuples(data["permissions"]),
            phases=_tuples(data["phases"]),
            separation=tuple((a, b) for a, b in data["separation"]),
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        return None  # not a spec this aaib-cp wrote: validate the YAML instead


def guard_names(d: WorkflowDefinition) -> set[str]:
    """Every guard the definition names (in transitions and invariants)."""
    return {g.name for t in d.transitions for g in t.guards} | {
        g.name for i in d.invariants for g in i.holds
    }
