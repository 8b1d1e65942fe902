"""Named, side-effect-free guards, resolved only through a registry.

A workflow names its guards in YAML (``field_set: terms_of_reference``); this
module maps each name to Python. Strings from YAML are never imported or called:
a name that is not registered is a validation error, so ``os.system`` in a YAML
file can do nothing.

A guard receives a :class:`CaseView` and its parameter, and returns ``None`` when
it holds, or a sentence in plain words saying what is missing. The same predicates
serve as a workflow's *invariants* (see :mod:`aaib_cp.workflow.invariants`). Library users
extend a registry with :meth:`GuardRegistry.register`::

    registry = default_registry().copy()

    @registry.register("title_mentions", param=str, describe="the title mentions {param}")
    def title_mentions(view, param):
        return None if param in view.case.title else f"the title does not mention {param!r}"

A guard that reads facts (``view.fact(name)``) declares them with ``facts=``: a
mapping of each fact's name to sample values, or a function of the parameter that
returns one. ``aaib workflow check`` and :mod:`aaib_cp.testing` try those values,
the first being a new case's value::

    @registry.register("no_open_actions", describe="no action is open",
                       facts={"open_actions": (0, 1, 5)})
    def no_open_actions(view, param):
        count = view.fact("open_actions")
        return None if count == 0 else f"{count} action(s) are open"
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol

from aaib_cp.workflow.lazy import Pending
from aaib_cp.workflow.model import Case, TeamMember
from aaib_cp.workflow.record import Record

__all__ = [
    "CaseView",
    "FactSamples",
    "Guard",
    "GuardFunc",
    "GuardRef",
    "GuardRegistry",
    "SimpleCaseView",
    "default_registry",
    "names_list",
]


class CaseView(Protocol):
    """What a guard may read about a case. The store provides one backed by SQLite."""

    @property
    def case(self) -> Case:
        """The case record as stored."""
        ...

    def team(self) -> Sequence[TeamMember]:
        """Members of the investigation team."""
        ...

    def fact(self, name: str) -> Any:
        """A named fact about the case's records (e.g. ``evidence_by_agency``)."""
        ...


class SimpleCaseView(Record):
    """An in-memory :class:`CaseView`, for tests and for exploring workflows."""

    case: Case
    members: Sequence[TeamMember]
    facts: Mapping[str, Any]

    def __init__(
        self,
        case: Case,
        members: Sequence[TeamMember] = (),
        facts: Mapping[str, Any] | None = None,
    ) -> None:
        self._set_fields(case, members, dict() if facts is None else facts)

    def team(self) -> Sequence[TeamMember]:
        """Members of the investigation team."""
        return self.members

    def fact(self, name: str) -> Any:
        """A named fact; a missing one is a ``KeyError`` naming it."""
        try:
            return self.facts[name]
        except KeyError:
            raise KeyError(f"fact {name!r} is not available") from None

    def with_case(self, case: Case) -> SimpleCaseView:
        """The same view over a changed case record (e.g. with fields about to be set)."""
        return self.evolve(case=case)


GuardFunc = Callable[[CaseView, Any], "str | None"]
#: Facts a guard reads, each with sample values (the first: a new case's value);
#: or a function of the guard's parameter returning such a mapping.
FactSamples = Mapping[str, Sequence[Any]] | Callable[[Any], Mapping[str, Sequence[Any]]]


class Guard(Record):
    """A registered guard: its name, parameter type, description and check."""

    name: str
    check: GuardFunc
    param: type | tuple[type, ...] | None
    describe_template: str
    doc: str
    refers: str | None
    facts: FactSamples | None

    def __init__(
        self,
        name: str,
        check: GuardFunc,
        param: type | tuple[type, ...] | None,
        describe_template: str,
        doc: str = "",
        refers: str | None = None,
        facts: FactSamples | None = None,
    ) -> None:
        self._set_fields(name, check, param, describe_template, doc, refers, facts)

    def fact_samples(self, param: Any) -> dict[str, tuple[Any, ...]]:
        """The facts this guard reads with ``param``, each with its sample values."""
        if self.facts is None:
            return {}
        declared = self.facts(param) if callable(self.facts) else self.facts
        return {name: tuple(values) for name, values in declared.items()}

    def referenced_names(self, param: Any) -> list[str]:
        """Names of workflow fields or roles the parameter refers to (see ``refers``)."""
        if self.refers is None or param is None:
            return []
        if isinstance(param, str):
            return [param]
        return [str(p) for p in param]

    def referenced_values(self, param: Any) -> list[tuple[str, int | None, Any]]:
        """``(field, index, value)`` for each value a mapping parameter lists for a field.

        For a guard that refers to fields with a mapping (``field_in: {depth: [formal]}``);
        ``index`` is the value's place in its list, None for a single value.
        """
        if self.refers != "field" or not isinstance(param, Mapping):
            return []
        return [
            (str(name), i if isinstance(listed, list) else None, value)
            for name, listed in param.items()
            for i, value in enumerate(_as_list(listed))
        ]

    def describe(self, param: Any) -> str:
        """A plain-words description of the condition, e.g. 'a lead investigator is appointed'."""
        shown = ", ".join(map(str, param)) if isinstance(param, list) else param
        return self.describe_template.format(param=shown)

    def validate_param(self, param: Any) -> str | None:
        """None if ``param`` fits, else a message saying what was expected and what was got."""
        if self.param is None:
            return None if param is None else f"takes no parameter (got {param!r})"
        expected = self.param if isinstance(self.param, tuple) else (self.param,)
        ok = isinstance(param, expected) and not (isinstance(param, bool) and bool not in expected)
        if not ok:
            names = " or ".join(t.__name__ for t in expected)
            return f"needs a parameter of type {names} (got {param!r})"
        if isinstance(param, list) and not all(isinstance(p, str) for p in param):
            return f"needs a list of names (got {param!r})"
        return None


class GuardRef(Record):
    """A guard as named by a workflow transition, with its parameter."""

    name: str
    param: Any

    def __init__(
        self,
        name: str,
        param: Any = None,
    ) -> None:
        self._set_fields(name, param)

    def label(self) -> str:
        """``name`` or ``name: param`` as written in YAML."""
        return self.name if self.param is None else f"{self.name}: {self.param}"


class GuardRegistry:
    """Maps guard names to :class:`Guard` objects."""

    def __init__(
        self, guards: Mapping[str, Guard] | None = None, later: Mapping[str, str] | None = None
    ) -> None:
        self._guards: dict[str, Guard] = dict(guards or {})
        #: guards listed but not yet imported
        self._later = Pending("guard", (later or {}).items())

    def add_lazy(self, where: str, names: Sequence[str]) -> None:
        """List the guards of the registry at ``where`` (``"module:ATTRIBUTE"``) without
        importing it: names are known at once (so a workflow can be checked against
        them), each guard is imported when first used."""
        self._later.add(where, names, self._guards)

    def _load(self, where: str) -> None:
        self.update(self._later.take(where))

    def _load_all(self) -> None:
        for where in dict.fromkeys(self._later.values()):
            self._load(where)

    def register(
        self,
        name: str,
        *,
        param: type | tuple[type, ...] | None = None,
        describe: str,
        refers: str | None = None,
        facts: FactSamples | None = None,
    ) -> Callable[[GuardFunc], GuardFunc]:
        """Decorator registering ``func`` as guard ``name``.

        ``param`` is the parameter's type (None: no parameter); ``describe`` a template
        with ``{param}``; ``refers`` is ``"field"`` or ``"role"`` when the parameter
        names workflow fields or roles, so loading checks those names exist; ``facts``
        declares the facts it reads, with sample values (see the module docstring).
        """
        if refers not in (None, "field", "role"):
            raise ValueError(f"refers must be 'field', 'role' or None (got {refers!r})")
        if not name.isidentifier():
            raise ValueError(f"guard name must be an identifier (got {name!r})")

        def decorator(func: GuardFunc) -> GuardFunc:
            self._guards[name] = Guard(
                name, func, param, describe, (func.__doc__ or "").strip(), refers, facts
            )
            return func

        return decorator

    def get(self, name: str) -> Guard | None:
        """The guard called ``name``, or None."""
        where = self._later.get(name)
        if where is not None:
            self._load(where)
        return self._guards.get(name)

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted([*self._guards, *self._later])

    def copy(self) -> GuardRegistry:
        """An independent copy to extend without changing this one."""
        return GuardRegistry(self._guards, self._later)

    def update(self, other: GuardRegistry) -> None:
        """Add every guard of ``other`` (a phase's guards, joined by :mod:`aaib_cp.wiring`)."""
        for guard in other._guards.values():
            existing = self._guards.get(guard.name)
            if existing is not None and existing.check is not guard.check:
                raise ValueError(f"guard {guard.name!r} is registered twice")
            self._later.pop(guard.name, None)
            self._guards[guard.name] = guard
        for name, where in other._later.items():
            if name not in self._guards:
                self.add_lazy(where, [name])

    def __contains__(self, name: object) -> bool:
        return name in self._guards or name in self._later

    def __iter__(self) -> Iterator[Guard]:
        self._load_all()
        return iter(self._guards.values())

    def evaluate(self, ref: GuardRef, view: CaseView) -> str | None:
        """Run the guard named by ``ref``; None when it holds, else why not."""
        guard = self.get(ref.name)
        if guard is None:
            raise KeyError(ref.name)
        return guard.check(view, ref.param)


_DEFAULT = GuardRegistry()


def default_registry() -> GuardRegistry:
    """The shared registry: the kernel's guards here, every phase's added by :mod:`aaib_cp.wiring`.

    ``copy()`` it to extend.
    """
    return _DEFAULT


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _missing_fields(case: Case, names: Sequence[str]) -> list[str]:
    return [n for n in names if case.fields.get(n) in (None, "")]


@_DEFAULT.register(
    "field_set", param=str, describe="the case field '{param}' is recorded", refers="field"
)
def field_set(view: CaseView, param: str) -> str | None:
    """The named case field has a value."""
    missing = _missing_fields(view.case, [param])
    return f"the case field '{param}' is not recorded" if missing else None


@_DEFAULT.register(
    "fields_set", param=list, describe="the case fields {param} are recorded", refers="field"
)
def fields_set(view: CaseView, param: list[str]) -> str | None:
    """Every named case field has a value."""
    missing = _missing_fields(view.case, param)
    if not missing:
        return None
    return "the case fields " + ", ".join(f"'{m}'" for m in missing) + " are not recorded"


@_DEFAULT.register(
    "field_in",
    param=dict,
    describe="a case field has one of the listed values ({param})",
    refers="field",
)
def field_in(view: CaseView, param: dict[str, Any]) -> str | None:
    """Each named field has one of the listed values: ``field_in: {depth: [formal, field]}``."""
    for field, allowed in param.items():
        values = _as_list(allowed)
        if view.case.fields.get(field) not in values:
            got = view.case.fields.get(field)
            return f"the case field '{field}' is {got!r}, not one of {', '.join(map(str, values))}"
    return None


@_DEFAULT.register(
    "team_has_role", param=str, describe="someone is appointed as {param}", refers="role"
)
def team_has_role(view: CaseView, param: str) -> str | None:
    """At least one team member holds the named case role."""
    if any(m.role == param for m in view.team()):
        return None
    return f"no one is appointed as {param.replace('_', ' ')}"


@_DEFAULT.register(
    "team_at_least", param=int, describe="the investigation team has at least {param} members"
)
def team_at_least(view: CaseView, param: int) -> str | None:
    """The team has at least N distinct members."""
    count = len({m.name for m in view.team()})
    if count >= param:
        return None
    return f"the investigation team has {count} member(s), at least {param} are needed"


def names_list(names: Sequence[str]) -> str:
    """Names joined for a guard's message: ``"Police, Health"``."""
    return ", ".join(names)


@_DEFAULT.register(
    "team_independent",
    describe="no independent team member is affiliated with an agency involved in the case",
    facts=lambda _: {
        "independence_conflicts": (
            [],
            [{"name": "Sam", "role": "investigator", "agency": "Police"}],
        )
    },
)
def team_independent(view: CaseView, param: None) -> str | None:
    """Members in roles marked ``independent`` have no affiliation with an involved agency."""
    conflicts = view.fact("independence_conflicts")
    if not conflicts:
        return None
    return "; ".join(
        f"{c['name']} ({c['role'].replace('_', ' ')}) is affiliated with {c['agency']}, "
        "an agency involved in the case"
        for c in conflicts
    )


def _counts(param: Mapping[str, Any], *, at_most: bool) -> dict[str, tuple[Any, ...]]:
    samples = {}
    for name, limit in param.items():
        n = limit if isinstance(limit, int) and not isinstance(limit, bool) else 0
        values = (0, n, n + 1) if at_most else (0, max(n - 1, 0), n)
        samples[str(name)] = tuple(dict.fromkeys(values))
    return samples


def _counts_problem(param: Mapping[str, Any]) -> str | None:
    for name, limit in param.items():
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            return f"the limit for fact {name!r} must be a whole number (got {limit!r})"
    return None


@_DEFAULT.register(
    "fact_true",
    param=str,
    describe="the fact '{param}' is true",
    facts=lambda name: {str(name): (False, True)},
)
def fact_true(view: CaseView, param: str) -> str | None:
    """The named fact about the case's records is true (e.g. ``evidence_preserved``)."""
    if view.fact(param):
        return None
    return f"'{param.replace('_', ' ')}' does not hold"


@_DEFAULT.register(
    "fact_at_most",
    param=dict,
    describe="each fact is at most its limit ({param})",
    facts=lambda param: _counts(param, at_most=True),
)
def fact_at_most(view: CaseView, param: dict[str, int]) -> str | None:
    """Each named count is at most its limit: ``fact_at_most: {acts_unclassified: 0}``."""
    problem = _counts_problem(param)
    if problem:
        return problem
    for name, limit in param.items():
        value = view.fact(name)
        if value > limit:
            return f"'{name.replace('_', ' ')}' is {value}, at most {limit} allowed"
    return None


@_DEFAULT.register(
    "fact_at_least",
    param=dict,
    describe="each fact is at least its limit ({param})",
    facts=lambda param: _counts(param, at_most=False),
)
def fact_at_least(view: CaseView, param: dict[str, int]) -> str | None:
    """Each named count is at least its limit: ``fact_at_least: {evidence_items: 1}``."""
    problem = _counts_problem(param)
    if problem:
        return problem
    for name, limit in param.items():
        value = view.fact(name)
        if value < limit:
            return f"'{name.replace('_', ' ')}' is {value}, at least {limit} needed"
    return None
