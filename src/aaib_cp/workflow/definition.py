"""Workflow definitions: YAML in, a validated, frozen :class:`WorkflowDefinition` out.

Loading checks everything before any case is touched and reports every problem
at once, each as ``file:line:col: path: message`` with a suggestion where one fits.
The format is documented in ``docs/workflow-format.md`` and published as a JSON
Schema in ``workflows/workflow.schema.json``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections import deque
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import attrs

from aaib_cp.exceptions import DefinitionError, Problem
from aaib_cp.workflow.calendar import NATIONS, DeadlineRule
from aaib_cp.workflow.guards import GuardRef, GuardRegistry, default_registry
from aaib_cp.workflow.yaml_source import Document, PathKey, load_yaml_file, load_yaml_text

__all__ = [
    "ACTIONS",
    "ANY_OPEN",
    "DEFAULT_CASE_PREFIX",
    "PHASES",
    "PREVIOUS",
    "FieldDef",
    "InterimStatements",
    "InvariantDef",
    "RoleDef",
    "StateDef",
    "TransitionDef",
    "WorkflowDefinition",
    "load_workflow",
    "parse_workflow",
    "shipped_workflow_path",
    "shipped_workflows",
]

#: ``source: "*"`` means every non-terminal state other than the destination.
ANY_OPEN = "*"
#: ``dest: $previous`` returns to the state the case was in before entering the source.
PREVIOUS = "$previous"

_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
_RESERVED_TRIGGERS = frozenset({"trigger", "state", "machine", "to_state"})
_FIELD_TYPES = ("text", "choice", "date", "int")
_REASON = ("required", "optional")

#: Settings a workflow may declare, with their type and default.
SETTINGS: dict[str, tuple[type, Any, str]] = {
    "recommendation_response_days": (int, 90, "days an addressee has to respond"),
    "response_assessment_days": (int, 60, "days to assess a response"),
    "representation_days": (int, 60, "days involved parties have to comment on the draft"),
    "chronology_gap_days": (int, 28, "days without contact with the child flagged as a gap"),
    "interim_statement_months": (int, 12, "months after the decision before interim statements"),
}

#: What a service may be asked to do on a case, beyond firing transitions. A workflow's
#: ``permissions`` grants each to roles; services ask :meth:`WorkflowDefinition.roles_for`
#: and never name a role themselves.
ACTIONS: dict[str, str] = {
    "register_evidence": "add agencies, people, evidence items and chronology entries",
    "analyse": "record acts, contributory factors, classifications and findings",
    "confirm": "confirm or return a classification that refers someone onward (second person)",
    "recommend": "draft and issue safety recommendations, record responses, actions and notes",
    "assess": "assess responses and close recommendations",
    "consult": "send the draft, record representations and feedback sessions",
    "dispose": "decide on representations made on the draft",
    "protect": "mark evidence as protected material",
    "disclose": "approve a disclosure of protected material",
    "read_restricted": "produce the restricted report (real names, classifications)",
}

#: Phases the services need to know about; a workflow's ``phases`` names its states in each.
PHASES: dict[str, str] = {
    "before_evidence": "before evidence gathering: no recommendation may be drafted yet",
    "draft": "the draft report may be sent to the parties for comment",
    "published": "the final report is out: public outputs exist, representations are closed",
}

_PREFIX = re.compile(r"[A-Z][A-Z0-9]{0,9}\Z")
#: The case reference prefix of a workflow that declares none.
DEFAULT_CASE_PREFIX = "CASE"

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
}
_STATE_KEYS = ("description", "deadline")
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
_INTERIM_KEYS = ("from", "until", "label")
_FIELD_KEYS = ("type", "choices", "description")
_ROLE_KEYS = ("description", "scope", "appointed_by", "independent")
_INVARIANT_KEYS = ("description", "in", "from", "holds")
_SCOPES = ("organisation", "case")


def suggest(name: object, options: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a close option exists, else an empty string."""
    if not isinstance(name, str):
        return ""
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


@attrs.frozen
class RoleDef:
    """A role. An ``organisation`` role is taken as given (``--role``); a ``case`` role
    must be held through appointment to the case, by a role in ``appointed_by``."""

    name: str
    description: str = ""
    scope: str = "organisation"
    appointed_by: tuple[str, ...] = ()
    independent: bool = False

    @property
    def is_case_role(self) -> bool:
        """True when the role is held only through appointment to a case."""
        return self.scope == "case"


@attrs.frozen
class FieldDef:
    """A case field that transitions set (``sets:``) and guards read."""

    name: str
    type: str = "text"
    choices: tuple[str, ...] = ()
    description: str = ""


@attrs.frozen
class StateDef:
    """One state of the workflow."""

    name: str
    description: str = ""
    terminal: bool = False
    deadline: DeadlineRule | None = None


@attrs.frozen
class TransitionDef:
    """One declared transition (``sources`` already expanded from ``*``)."""

    trigger: str
    sources: tuple[str, ...]
    dest: str
    roles: tuple[str, ...]
    guards: tuple[GuardRef, ...] = ()
    reason: str = "optional"
    sets: tuple[str, ...] = ()
    description: str = ""
    index: int = 0
    deadline: DeadlineRule | None = None

    @property
    def returns(self) -> bool:
        """True when the destination is the state the case came from."""
        return self.dest == PREVIOUS

    @property
    def reason_required(self) -> bool:
        """True when firing needs a reason."""
        return self.reason == "required"


@attrs.frozen
class InterimStatements:
    """When interim statements fall due: every ``interim_statement_months`` months after
    the date named ``anchor``, until the case first enters state ``until``."""

    anchor: str
    until: str
    label: str = "Interim statement"


@attrs.frozen
class InvariantDef:
    """A named condition the workflow's guards guarantee when a case enters its scope.

    The scope is the states in ``states`` (all, if empty) once the case has entered
    ``from_state`` (always, if None). A case in a pause state counts as being in the
    state it was paused from. See :mod:`aaib_cp.workflow.invariants`.
    """

    name: str
    holds: tuple[GuardRef, ...]
    states: tuple[str, ...] = ()
    from_state: str | None = None
    description: str = ""

    def scope_text(self) -> str:
        """Where it applies, in words: ``in a, b from c``."""
        parts = []
        if self.states:
            parts.append("in " + ", ".join(self.states))
        if self.from_state:
            parts.append(f"from {self.from_state} on")
        return " ".join(parts) or "everywhere"


@attrs.frozen
class WorkflowDefinition:
    """A validated workflow. Build one with :func:`load_workflow` or :func:`parse_workflow`."""

    name: str
    version: str
    title: str
    description: str
    initial: str
    states: Mapping[str, StateDef]
    transitions: tuple[TransitionDef, ...]
    roles: Mapping[str, RoleDef]
    fields: Mapping[str, FieldDef]
    settings: Mapping[str, Any]
    nation: str
    invariants: tuple[InvariantDef, ...]
    content_hash: str
    source_text: str
    filename: str
    interim_statements: InterimStatements | None = None
    case_prefix: str = DEFAULT_CASE_PREFIX
    permissions: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    phases: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    _index: dict[tuple[str, str], TransitionDef] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        index = {(s, t.trigger): t for t in self.transitions for s in t.sources}
        object.__setattr__(self, "_index", index)

    @property
    def terminal(self) -> tuple[str, ...]:
        """Names of the terminal states."""
        return tuple(s.name for s in self.states.values() if s.terminal)

    @property
    def open_states(self) -> tuple[str, ...]:
        """Names of the non-terminal states."""
        return tuple(s.name for s in self.states.values() if not s.terminal)

    @property
    def pause_states(self) -> tuple[str, ...]:
        """States left by a ``$previous`` transition (a case paused there keeps its place)."""
        return tuple(dict.fromkeys(s for t in self.transitions if t.returns for s in t.sources))

    def transition(self, state: str, trigger: str) -> TransitionDef | None:
        """The transition fired by ``trigger`` from ``state``, if any."""
        return self._index.get((state, trigger))

    def triggers_from(self, state: str) -> list[TransitionDef]:
        """Transitions leaving ``state``, in declaration order."""
        return [t for t in self.transitions if state in t.sources]

    @property
    def triggers(self) -> tuple[str, ...]:
        """Every trigger name, in declaration order, once each."""
        return tuple(dict.fromkeys(t.trigger for t in self.transitions))

    def roles_setting(self, field: str) -> tuple[str, ...]:
        """Roles that may record ``field``: those whose transitions set it."""
        return tuple(dict.fromkeys(r for t in self.transitions if field in t.sets for r in t.roles))

    def roles_for(self, action: str) -> tuple[str, ...]:
        """The roles this workflow lets take ``action`` (one of :data:`ACTIONS`); may be empty."""
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}{suggest(action, ACTIONS)}")
        return self.permissions.get(action, ())

    def phase_states(self, phase: str) -> tuple[str, ...]:
        """The states of ``phase`` (one of :data:`PHASES`); empty if the workflow has none."""
        if phase not in PHASES:
            raise ValueError(f"unknown phase {phase!r}{suggest(phase, PHASES)}")
        return self.phases.get(phase, ())

    def in_phase(self, state: str, phase: str) -> bool:
        """True when ``state`` belongs to ``phase``."""
        return state in self.phase_states(phase)

    def setting(self, name: str) -> Any:
        """A setting's value, or its default."""
        return self.settings.get(name, SETTINGS[name][1])

    def possible_dests(self, transition: TransitionDef, source: str) -> tuple[str, ...]:
        """Where ``transition`` can lead from ``source`` (several for ``$previous``)."""
        if not transition.returns:
            return (transition.dest,)
        return tuple(
            s
            for t in self.transitions
            if not t.returns and t.dest == source
            for s in t.sources
            if s != source
        )


def shipped_workflows() -> list[str]:
    """Names of the workflows shipped with aaib-cp."""
    return sorted(p.stem for p in _shipped_dir().glob("*.yaml"))


def shipped_workflow_path(name: str) -> Path:
    """Path of a shipped workflow by name (``child-protection``)."""
    return _shipped_dir() / f"{name}.yaml"


def _shipped_dir() -> Path:
    packaged = Path(str(resources.files("aaib_cp"))) / "workflows"
    if packaged.is_dir():
        return packaged
    # an editable install or a source checkout: the repository's workflows/ folder
    return Path(__file__).resolve().parents[3] / "workflows"


def load_workflow(source: str | Path, *, guards: GuardRegistry | None = None) -> WorkflowDefinition:
    """Load and validate a workflow from a file path or a shipped workflow's name."""
    path = Path(source)
    if not path.exists() and isinstance(source, str) and _NAME_OR_DASH.match(source):
        shipped = shipped_workflow_path(source)
        if shipped.exists():
            path = shipped
    doc = load_yaml_file(path)
    return parse_workflow(doc, guards=guards, source_text=path.read_text("utf-8-sig"))


_NAME_OR_DASH = re.compile(r"[a-z][a-z0-9_-]*\Z")


def workflow_from_text(
    text: str, *, filename: str = "<string>", guards: GuardRegistry | None = None
) -> WorkflowDefinition:
    """Load and validate a workflow from YAML text (e.g. as stored with a case)."""
    return parse_workflow(load_yaml_text(text, filename=filename), guards=guards, source_text=text)


def parse_workflow(
    doc: Document, *, guards: GuardRegistry | None = None, source_text: str = ""
) -> WorkflowDefinition:
    """Validate a loaded YAML document and build the definition, or raise DefinitionError."""
    return _Parser(doc, guards or default_registry(), source_text).parse()


class _Parser:
    def __init__(self, doc: Document, guards: GuardRegistry, source_text: str) -> None:
        self.doc = doc
        self.guards = guards
        self.source_text = source_text
        self.problems: list[Problem] = []

    def err(self, path: PathKey, message: str, *, key: bool = False) -> None:
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

    # -- the whole document ----------------------------------------------------
    def parse(self) -> WorkflowDefinition:
        data = self.doc.data
        if not isinstance(data, dict):
            self.err((), "a workflow file must be a YAML mapping at the top level")
            raise DefinitionError(self.problems)
        self._unknown_keys(data, _TOP_KEYS, ())
        name = self._str(data.get("name"), ("name",))
        if name is not None and not _NAME_OR_DASH.match(name):
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
        fields = self._fields(data.get("fields"))
        settings = self._settings(data.get("settings"))
        nation = self._calendar(data.get("calendar"))
        terminal = self._terminal(data.get("terminal"))
        states = self._states(data.get("states"), terminal, fields)
        initial = self._initial(data.get("initial"), states)
        transitions = self._transitions(data.get("transitions"), states, roles, fields)
        interim = self._interim(data.get("interim_statements"), states, fields)
        invariants = self._invariants(data.get("invariants"), states, fields, roles)
        case_prefix = self._case_prefix(data.get("case_prefix"))
        permissions = self._permissions(data.get("permissions"), roles)
        phases = self._phases(data.get("phases"), states)
        if not self.problems:
            self._graph_checks(states, transitions, initial or "")
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

    def _permissions(
        self, value: Any, roles: Mapping[str, RoleDef]
    ) -> dict[str, tuple[str, ...]]:
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

    def _phases(
        self, value: Any, states: Mapping[str, StateDef]
    ) -> dict[str, tuple[str, ...]]:
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
                roles[key] = attrs.evolve(roles[key], appointed_by=tuple(ok))
        if not roles and isinstance(value, list | dict):
            self.err(path, "declare at least one role")
        return roles

    def _fields(self, value: Any) -> dict[str, FieldDef]:
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
            if name:
                out[name] = FieldDef(name, ftype, tuple(str(c) for c in choices), desc or "")
        return out

    def _settings(self, value: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, setting in self._mapping(value, ("settings",), "settings").items():
            path: PathKey = ("settings", key)
            if key not in SETTINGS:
                self.err(path, f"unknown setting {key!r}{suggest(key, SETTINGS)}", key=True)
                continue
            kind = SETTINGS[key][0]
            if isinstance(setting, bool) or not isinstance(setting, kind) or setting <= 0:
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
        if not ok:
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
            refs.append(GuardRef(name, param))
        return refs if ok else None

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

    # -- static checks on the state graph ------------------------------------
    def _graph_checks(
        self, states: Mapping[str, StateDef], transitions: list[TransitionDef], initial: str
    ) -> None:
        edges: dict[str, set[str]] = {s: set() for s in states}
        for t in transitions:
            for s in t.sources:
                if t.returns:
                    edges[s] |= {
                        src
                        for u in transitions
                        if not u.returns and u.dest == s
                        for src in u.sources
                        if src != s
                    }
                else:
                    edges[s].add(t.dest)
        reachable = _reach(initial, edges)
        for name in states:
            if name not in reachable:
                self.err(
                    ("states", name), f"state {name!r} is unreachable from {initial!r}", key=True
                )
        for name, state in states.items():
            if not state.terminal and not edges[name]:
                self.err(("states", name), f"non-terminal state {name!r} has no way out", key=True)
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
                self.err(
                    ("states", name), f"no terminal state can be reached from {name!r}", key=True
                )


def _reach(start: str, edges: Mapping[str, set[str]]) -> set[str]:
    seen = {start}
    queue = deque([start])
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen
