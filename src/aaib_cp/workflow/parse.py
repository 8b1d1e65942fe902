"""Validating a workflow: a YAML :class:`Document` in, a :class:`WorkflowDefinition` out.

Every problem is reported at once, each as ``file:line:col: path: message`` with a
suggestion where one fits (:class:`~aaib_cp.exceptions.DefinitionError`). The
sections are read here; transitions and invariants in :mod:`.parse_rules`; the
state graph is checked by :mod:`.graph`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from aaib_cp.exceptions import DefinitionError
from aaib_cp.workflow.calendar import NATIONS
from aaib_cp.workflow.graph import graph_problems
from aaib_cp.workflow.guards import GuardRegistry, default_registry
from aaib_cp.workflow.parse_rules import RulesReader
from aaib_cp.workflow.spec import (
    ACTIONS,
    DEFAULT_CASE_PREFIX,
    DUTIES,
    PHASES,
    REPORT_PLACES,
    SETTINGS,
    WORKFLOW_NAME,
    FieldDef,
    InterimStatements,
    RoleDef,
    StateDef,
    WorkflowDefinition,
    suggest,
)
from aaib_cp.workflow.yaml_source import Document, PathKey

__all__ = ["parse_workflow"]

_FIELD_TYPES = ("text", "choice", "date", "int")
_PREFIX = re.compile(r"[A-Z][A-Z0-9]{0,9}\Z")
_TOP_KEYS = {
    "name": "the workflow's name",
    "version": "its version",
    "title": "a human title",
    "description": "what it is for",
    "initial": "the initial state",
    "terminal": "the terminal states",
    "calendar": "working-day calendar",
    "roles": "the roles",
    "fields": "case fields",
    "settings": "settings",
    "states": "the states",
    "transitions": "the transitions",
    "interim_statements": "when interim statements fall due",
    "invariants": "named invariants",
    "case_prefix": "the case reference prefix",
    "permissions": "which roles may take each action",
    "phases": "which states make up each phase",
    "separation": "pairs of duties one person may not both do",
}
_STATE_KEYS = ("description", "deadline")
_INTERIM_KEYS = ("from", "until", "label")
_FIELD_KEYS = ("type", "choices", "description", "report", "label", "set_by")
_ROLE_KEYS = ("description", "scope", "appointed_by", "independent")
_SCOPES = ("organisation", "case")


#: The most transitions a workflow may expand to (sources x transitions, '*' counted as
#: every open state): far above any real process, far below what makes every
#: command slow (3,000 wildcard transitions over 15 states took 16-100 s a command).
MAX_EXPANDED_TRANSITIONS = 2_000


def parse_workflow(
    doc: Document, *, guards: GuardRegistry | None = None, source_text: str = ""
) -> WorkflowDefinition:
    """Validate a loaded YAML document and build the definition, or raise DefinitionError."""
    return _Parser(doc, guards or default_registry(), source_text).parse()


class _Parser(RulesReader):
    """Reads the whole document: its header, roles, fields, settings, states and phases."""

    def parse(self) -> WorkflowDefinition:
        """The validated definition; raises DefinitionError listing every problem."""
        data = self.doc.data
        if not isinstance(data, dict):
            self.err((), "a workflow file must be a YAML mapping at the top level")
            raise DefinitionError(self.problems)
        self._unknown_keys(data, _TOP_KEYS, ())
        name = self._str(data.get("name"), ("name",))
        if name is not None and not WORKFLOW_NAME.match(name):
            self.err(
                ("name",),
                f"workflow name {name!r} must be lower-case letters, digits, "
                "'-' and '_', starting with a letter",
            )
        version = data.get("version")
        if (
            version is None
            or isinstance(version, bool)
            or not isinstance(version, int | str | float)
        ):
            self.err(("version",), f"is required and must be a number or text (got {version!r})")
        title = self._str(data.get("title"), ("title",), required=False) or (name or "")
        description = self._str(data.get("description"), ("description",), required=False) or ""

        roles = self._roles(data.get("roles"))
        fields = self._fields(data.get("fields"), roles)
        settings = self._settings(data.get("settings"))
        nation = self._calendar(data.get("calendar"))
        terminal = self._terminal(data.get("terminal"))
        states = self._states(data.get("states"), terminal, fields)
        initial = self._initial(data.get("initial"), states)
        transitions = self._transitions(data.get("transitions"), states, roles, fields)
        expanded = sum(len(t.sources) for t in transitions)
        if expanded > MAX_EXPANDED_TRANSITIONS:
            self.err(
                ("transitions",),
                f"expands to {expanded} transitions (each '*' source is every open state),"
                f" more than the limit of {MAX_EXPANDED_TRANSITIONS}; refused",
                key=True,
            )
        interim = self._interim(data.get("interim_statements"), states, fields)
        invariants = self._invariants(data.get("invariants"), states, fields, roles)
        case_prefix = self._case_prefix(data.get("case_prefix"))
        permissions = self._permissions(data.get("permissions"), roles)
        phases = self._phases(data.get("phases"), states)
        separation = self._separation(data.get("separation"))
        if not self.problems:
            for state, message in graph_problems(states, transitions, initial or ""):
                self.err(("states", state), message, key=True)
        if self.problems:
            raise DefinitionError(sorted(self.problems, key=lambda p: (p.line, p.column)))
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return WorkflowDefinition(
            name=name or "",
            version=str(version),
            title=title,
            description=description,
            initial=initial or "",
            states=states,
            transitions=tuple(transitions),
            roles=roles,
            fields=fields,
            settings=settings,
            nation=nation,
            invariants=invariants,
            content_hash=hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
            source_text=self.source_text,
            filename=self.doc.filename,
            interim_statements=interim,
            case_prefix=case_prefix,
            permissions=permissions,
            phases=phases,
            separation=separation,
        )

    def _case_prefix(self, value: Any) -> str:
        if value is None:
            return DEFAULT_CASE_PREFIX
        if not isinstance(value, str) or not _PREFIX.match(value):
            self.err(
                ("case_prefix",),
                "must be 1-10 capital letters or digits, starting with a letter, such as CP"
                f" (got {value!r})",
            )
            return DEFAULT_CASE_PREFIX
        return value

    def _permissions(self, value: Any, roles: Mapping[str, RoleDef]) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for action, granted in self._mapping(value, ("permissions",), "permissions").items():
            path: PathKey = ("permissions", action)
            if action not in ACTIONS:
                self.err(path, f"unknown action {action!r}{suggest(action, ACTIONS)}", key=True)
                continue
            names = []
            for i, role in enumerate(self._list(granted, path, "a list of roles")):
                if not isinstance(role, str) or role not in roles:
                    self.err((*path, i), f"unknown role {role!r}{suggest(role, roles)}")
                else:
                    names.append(role)
            out[action] = tuple(dict.fromkeys(names))
        return out

    def _phases(self, value: Any, states: Mapping[str, StateDef]) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for phase, listed in self._mapping(value, ("phases",), "phases").items():
            path: PathKey = ("phases", phase)
            if phase not in PHASES:
                self.err(path, f"unknown phase {phase!r}{suggest(phase, PHASES)}", key=True)
                continue
            names = []
            for i, state in enumerate(self._list(listed, path, "a list of states")):
                if not isinstance(state, str) or state not in states:
                    self.err((*path, i), f"unknown state {state!r}{suggest(state, states)}")
                else:
                    names.append(state)
            out[phase] = tuple(dict.fromkeys(names))
        return out

    def _separation(self, value: Any) -> tuple[tuple[str, str], ...]:
        pairs: list[tuple[str, str]] = []
        if value is None:
            return ()
        for i, pair in enumerate(self._list(value, ("separation",), "a list of duty pairs")):
            path: PathKey = ("separation", i)
            if not isinstance(pair, list) or len(pair) != 2:
                self.err(
                    path, f"must be a pair of duties such as [classify, confirm] (got {pair!r})"
                )
                continue
            ok = True
            for j, duty in enumerate(pair):
                if not isinstance(duty, str) or duty not in DUTIES:
                    self.err((*path, j), f"unknown duty {duty!r}{suggest(duty, DUTIES)}")
                    ok = False
            if ok:
                pairs.append((pair[0], pair[1]))
        return tuple(dict.fromkeys(pairs))

    def _roles(self, value: Any) -> dict[str, RoleDef]:
        path: PathKey = ("roles",)
        if value is None:
            self.err(path, "is required: declare at least one role")
            return {}
        roles: dict[str, RoleDef] = {}
        appointers: dict[str, tuple[PathKey, list[Any]]] = {}
        if isinstance(value, list):
            for i, item in enumerate(value):
                name = self._name(item, (*path, i), "role")
                if name:
                    roles[name] = RoleDef(name)
        elif isinstance(value, dict):
            for key, spec in value.items():
                sub: PathKey = (*path, key)
                name = self._name(key, sub, "role", key=True)
                if isinstance(spec, dict):
                    self._unknown_keys(spec, _ROLE_KEYS, sub)
                    desc = self._str(spec.get("description"), (*sub, "description"), required=False)
                    scope = spec.get("scope", "organisation")
                    if scope not in _SCOPES:
                        self.err(
                            (*sub, "scope"),
                            f"must be one of {', '.join(_SCOPES)} "
                            f"(got {scope!r}){suggest(scope, _SCOPES)}",
                        )
                        scope = "organisation"
                    by = self._list(
                        spec.get("appointed_by"), (*sub, "appointed_by"), "appointed_by"
                    )
                    if scope == "case" and not by:
                        self.err(sub, "a case role needs 'appointed_by': the roles that appoint it")
                    if scope == "organisation" and by:
                        self.err((*sub, "appointed_by"), "only case roles are appointed")
                    appointers[key] = ((*sub, "appointed_by"), by)
                    independent = spec.get("independent", False)
                    if not isinstance(independent, bool):
                        self.err(
                            (*sub, "independent"), f"must be true or false (got {independent!r})"
                        )
                        independent = False
                    if independent and scope != "case":
                        self.err(
                            (*sub, "independent"), "only case roles are checked for independence"
                        )
                else:
                    desc = self._str(spec, sub, required=False) if spec is not None else ""
                    scope = "organisation"
                    independent = False
                if name:
                    roles[name] = RoleDef(name, desc or "", scope, independent=independent)
        else:
            self.err(path, "must be a list or a mapping of role names to descriptions")
        for key, (sub, by) in appointers.items():
            ok = []
            for j, r in enumerate(by):
                if not isinstance(r, str) or r not in roles:
                    self.err((*sub, j), f"unknown role {r!r}{suggest(r, roles)}")
                else:
                    ok.append(r)
            if key in roles:
                roles[key] = roles[key].evolve(appointed_by=tuple(ok))
        if not roles and isinstance(value, list | dict):
            self.err(path, "declare at least one role")
        return roles

    def _fields(self, value: Any, roles: Mapping[str, Any]) -> dict[str, FieldDef]:
        out: dict[str, FieldDef] = {}
        for key, spec in self._mapping(value, ("fields",), "fields").items():
            path: PathKey = ("fields", key)
            name = self._name(key, path, "field", key=True)
            spec = self._mapping(spec, path, f"field {key!r}")
            self._unknown_keys(spec, _FIELD_KEYS, path)
            ftype = spec.get("type", "text")
            if ftype not in _FIELD_TYPES:
                self.err(
                    (*path, "type"),
                    f"unknown field type {ftype!r}{suggest(ftype, _FIELD_TYPES)}"
                    f"; one of {', '.join(_FIELD_TYPES)}",
                )
                ftype = "text"
            choices = self._list(spec.get("choices"), (*path, "choices"), "choices")
            if ftype == "choice" and not choices:
                self.err((*path, "choices"), "a choice field needs a non-empty list of choices")
            for i, c in enumerate(choices):
                self._name(c, (*path, "choices", i), "choice")
            desc = self._str(spec.get("description"), (*path, "description"), required=False)
            label = self._str(spec.get("label"), (*path, "label"), required=False)
            report = spec.get("report")
            if report is not None and report not in REPORT_PLACES:
                self.err(
                    (*path, "report"),
                    f"unknown report place {report!r}{suggest(str(report), REPORT_PLACES)}"
                    f"; one of {', '.join(REPORT_PLACES)}",
                )
                report = None
            if report == "synopsis" and ftype != "text":
                self.err((*path, "report"), "the synopsis must be a text field")
                report = None
            if report == "synopsis" and any(f.report == "synopsis" for f in out.values()):
                self.err((*path, "report"), "only one field may be the synopsis")
                report = None
            set_by = self._list(spec.get("set_by"), (*path, "set_by"), "set_by")
            for i, r in enumerate(set_by):
                if not isinstance(r, str) or r not in roles:
                    self.err((*path, "set_by", i), f"unknown role {r!r}{suggest(str(r), roles)}")
            if name:
                out[name] = FieldDef(
                    name,
                    ftype,
                    tuple(str(c) for c in choices),
                    desc or "",
                    report=report,
                    label=label or "",
                    set_by=tuple(str(r) for r in set_by if r in roles),
                )
        return out

    def _settings(self, value: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, setting in self._mapping(value, ("settings",), "settings").items():
            path: PathKey = ("settings", key)
            if key not in SETTINGS:
                self.err(path, f"unknown setting {key!r}{suggest(key, SETTINGS)}", key=True)
                continue
            if isinstance(setting, bool) or not isinstance(setting, int) or setting <= 0:
                self.err(path, f"must be a positive whole number (got {setting!r})")
                continue
            out[key] = setting
        return out

    def _calendar(self, value: Any) -> str:
        spec = self._mapping(value, ("calendar",), "calendar")
        self._unknown_keys(spec, ("nation",), ("calendar",))
        nation = spec.get("nation", "england")
        if nation not in NATIONS:
            self.err(
                ("calendar", "nation"),
                f"unknown nation {nation!r}{suggest(nation, NATIONS)}; one of {', '.join(NATIONS)}",
            )
            return "england"
        return str(nation)

    def _terminal(self, value: Any) -> list[tuple[int, str]]:
        if value is None:
            self.err(("terminal",), "is required: list the terminal states")
            return []
        items = self._list(value, ("terminal",), "terminal")
        return [(i, s) for i, s in enumerate(items) if self._name(s, ("terminal", i), "state")]

    def _states(
        self, value: Any, terminal: list[tuple[int, str]], fields: Mapping[str, FieldDef]
    ) -> dict[str, StateDef]:
        if value is None:
            self.err(("states",), "is required")
        raw = self._mapping(value, ("states",), "states")
        terminal_names = {name for _, name in terminal}
        states: dict[str, StateDef] = {}
        for key, spec in raw.items():
            path: PathKey = ("states", key)
            name = self._name(key, path, "state", key=True)
            spec = {} if spec is None else self._mapping(spec, path, f"state {key!r}")
            self._unknown_keys(spec, _STATE_KEYS, path)
            desc = self._str(spec.get("description"), (*path, "description"), required=False)
            deadline = None
            if "deadline" in spec:
                deadline = self._deadline(spec["deadline"], (*path, "deadline"), raw, fields)
            if name:
                states[name] = StateDef(name, desc or "", name in terminal_names, deadline)
        for i, name in terminal:
            if name not in states:
                self.err(("terminal", i), f"unknown state {name!r}{suggest(name, states)}")
        if raw and not terminal_names & set(states):
            self.err(("terminal",), "at least one terminal state is needed")
        return states

    def _interim(
        self, value: Any, states: Mapping[str, StateDef], fields: Mapping[str, FieldDef]
    ) -> InterimStatements | None:
        path: PathKey = ("interim_statements",)
        if value is None:
            return None
        if not isinstance(value, dict):
            example = "{from: state:scoping, until: state:final_report}"
            self.err(path, f"must be a mapping such as {example} (got {value!r})")
            return None
        self._unknown_keys(value, _INTERIM_KEYS, path)
        ok = True
        anchor = value.get("from")
        anchors = ["opened", "known_on", *(f"state:{s}" for s in states)]
        anchors += [n for n, f in fields.items() if f.type == "date"]
        if not isinstance(anchor, str) or anchor not in anchors:
            shown = "is required" if anchor is None else f"unknown date {anchor!r}"
            self.err(
                (*path, "from"),
                f"{shown}{suggest(anchor, anchors)}; use opened, known_on, state:<name> "
                "or a date field (the date the anniversaries count from)",
            )
            ok = False
        until = value.get("until")
        targets = [f"state:{s}" for s in states]
        if not isinstance(until, str) or until not in targets:
            shown = "is required" if until is None else f"unknown state {until!r}"
            self.err(
                (*path, "until"),
                f"{shown}{suggest(until, targets)}; use state:<name>, the state in which "
                "the final report is issued",
            )
            ok = False
        label = value.get("label", "Interim statement")
        if not isinstance(label, str) or not label.strip():
            self.err((*path, "label"), f"must be text (got {label!r})")
            ok = False
        if not ok or not isinstance(anchor, str) or not isinstance(until, str):
            return None
        return InterimStatements(anchor=anchor, until=until[len("state:") :], label=label.strip())

    def _initial(self, value: Any, states: Mapping[str, StateDef]) -> str | None:
        name = self._str(value, ("initial",))
        if name is None:
            return None
        if name not in states:
            self.err(("initial",), f"unknown state {name!r}{suggest(name, states)}")
            return None
        if states[name].terminal:
            self.err(("initial",), f"the initial state {name!r} must not be terminal")
        return name
