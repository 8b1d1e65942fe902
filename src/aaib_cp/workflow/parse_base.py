"""What every part of the workflow parser shares: problems, typed readers, guards, deadlines.

Each reader records a problem located at ``file:line:col`` (with a suggestion where
one fits) and carries on, so loading reports every problem at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from aaib_cp.exceptions import Problem
from aaib_cp.workflow.calendar import DeadlineRule
from aaib_cp.workflow.guards import GuardRef, GuardRegistry
from aaib_cp.workflow.spec import FieldDef, RoleDef, suggest
from aaib_cp.workflow.yaml_source import Document, PathKey

__all__ = ["Reader"]

_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")


class Reader:
    """Reads parts of a YAML :class:`Document`, collecting every problem in ``problems``."""

    def __init__(self, doc: Document, guards: GuardRegistry, source_text: str) -> None:
        self.doc = doc
        self.guards = guards
        self.source_text = source_text
        self.problems: list[Problem] = []

    def err(self, path: PathKey, message: str, *, key: bool = False) -> None:
        """Record a problem at ``path`` (at its key with ``key``)."""
        self.problems.append(self.doc.problem(path, message, key=key))

    # -- small typed readers -------------------------------------------------
    def _str(
        self, value: Any, path: PathKey, *, required: bool = True, key: bool = False
    ) -> str | None:
        if value is None:
            if required:
                self.err(path, "is required", key=key)
            return None
        if not isinstance(value, str):
            self.err(path, f"must be text (got {value!r})", key=key)
            return None
        return value

    def _name(self, value: Any, path: PathKey, what: str, *, key: bool = False) -> str | None:
        text = self._str(value, path, key=key)
        if text is None:
            return None
        if not _NAME.match(text):
            self.err(
                path,
                f"{what} name {text!r} must be lower-case letters, digits and underscores, "
                "starting with a letter",
                key=key,
            )
            return None
        return text

    def _unknown_keys(
        self, mapping: Mapping[str, Any], allowed: Iterable[str], path: PathKey
    ) -> None:
        allowed = list(allowed)
        for key in mapping:
            if key not in allowed:
                self.err((*path, key), f"unknown key {key!r}{suggest(key, allowed)}", key=True)

    def _mapping(self, value: Any, path: PathKey, what: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.err(path, f"{what} must be a mapping (got {type(value).__name__})")
            return {}
        return value

    def _list(self, value: Any, path: PathKey, what: str) -> list[Any]:
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list):
            self.err(path, f"{what} must be a list (got {type(value).__name__})")
            return []
        return value

    def _deadline(
        self, value: Any, path: PathKey, states: Mapping[str, Any], fields: Mapping[str, FieldDef]
    ) -> DeadlineRule | None:
        rule, problems = DeadlineRule.parse(value)
        for sub, message in problems:
            self.err((*path, *sub), message)
        if rule is None:
            return None
        anchor = rule.anchor
        anchors = ["entered", "opened", "known_on"]
        anchors += [f"state:{s}" for s in states]
        anchors += [n for n, f in fields.items() if f.type == "date"]
        if anchor.startswith("state:") and anchor[6:] not in states:
            self.err((*path, "from"), f"unknown state {anchor[6:]!r}{suggest(anchor[6:], states)}")
        elif not anchor.startswith("state:") and anchor not in anchors:
            self.err(
                (*path, "from"),
                f"unknown date {anchor!r}{suggest(anchor, anchors)}; use entered, opened, "
                "known_on, state:<name> or a date field",
            )
        return rule

    def _guard_refs(
        self,
        value: Any,
        path: PathKey,
        fields: Mapping[str, FieldDef],
        roles: Mapping[str, RoleDef],
        what: str = "guard",
    ) -> list[GuardRef] | None:
        refs: list[GuardRef] = []
        ok = True
        for j, item in enumerate(self._list(value, path, "guards")):
            sub = (*path, j)
            if isinstance(item, str):
                name, param = item, None
            elif isinstance(item, dict) and len(item) == 1:
                name, param = next(iter(item.items()))
                sub = (*sub, name)
            else:
                self.err(sub, f"a {what} is a name, or a one-key mapping 'name: parameter'")
                ok = False
                continue
            guard = self.guards.get(name)
            if guard is None:
                self.err(sub, f"unknown {what} {name!r}{suggest(name, self.guards.names())}")
                ok = False
                continue
            problem = guard.validate_param(param)
            if problem:
                self.err(sub, f"{what} {name!r} {problem}")
                ok = False
                continue
            known = {"field": fields, "role": roles}.get(guard.refers or "", {})
            for referenced in guard.referenced_names(param):
                if referenced not in known:
                    self.err(
                        sub,
                        f"unknown {guard.refers} {referenced!r}{suggest(referenced, known)}",
                    )
                    ok = False
            ok = self._choices_listed(guard.referenced_values(param), sub, fields) and ok
            refs.append(GuardRef(name, param))
        return refs if ok else None

    def _choices_listed(
        self,
        values: list[tuple[str, int | None, Any]],
        path: PathKey,
        fields: Mapping[str, FieldDef],
    ) -> bool:
        """Check that each value a guard lists for a choice field is one of its choices."""
        ok = True
        for name, index, value in values:
            spec = fields.get(name)
            if spec is None or spec.type != "choice" or value in spec.choices:
                continue
            at = (*path, name) if index is None else (*path, name, index)
            self.err(
                at,
                f"{value!r} is not a choice of field {name!r}{suggest(value, spec.choices)}; "
                f"one of {', '.join(spec.choices)}",
            )
            ok = False
        return ok
