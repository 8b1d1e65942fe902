"""Named facts about a case's records, computed by SQL, for guards to read.

Each phase's SQL module keeps a :class:`FactRegistry` of its own facts;
:mod:`aaib_cp.wiring` joins them into the shared :data:`FACTS`. A guard reads a
fact through :meth:`CaseView.fact`; facts are computed lazily, once per view.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from aaib_cp.db.connection import Database
from aaib_cp.workflow.lazy import Pending
from aaib_cp.workflow.model import Case, TeamMember

__all__ = ["FACTS", "FactFunc", "FactRegistry", "StoreCaseView"]

FactFunc = Callable[[Database, str], Any]


class FactRegistry:
    """Facts by name: ``func(db, case_id)`` computing one thing about a case's records."""

    def __init__(self) -> None:
        self._facts: dict[str, FactFunc] = {}
        #: facts listed but not yet imported
        self._later = Pending("fact")

    def add_lazy(self, where: str, names: Sequence[str]) -> None:
        """List the facts of the registry at ``where`` (``"module:ATTRIBUTE"``) without
        importing it; each is imported when first asked for."""
        self._later.add(where, names, self._facts)

    def _load(self, where: str) -> None:
        self.update(self._later.take(where))

    def register(self, name: str) -> Callable[[FactFunc], FactFunc]:
        """Decorator adding ``func`` as the fact called ``name``."""

        def decorator(func: FactFunc) -> FactFunc:
            self.add(name, func)
            return func

        return decorator

    def add(self, name: str, func: FactFunc) -> None:
        """Add one fact; two different functions under one name is a programming error."""
        if self._facts.get(name, func) is not func:
            raise ValueError(f"fact {name!r} is registered twice")
        self._facts[name] = func

    def update(self, other: FactRegistry) -> None:
        """Add every fact of ``other`` (those it lists lazily, lazily)."""
        for name, func in other._facts.items():
            self.add(name, func)
        for name, where in other._later.items():
            self.add_lazy(where, [name])

    def get(self, name: str) -> FactFunc | None:
        """The fact called ``name``, or None."""
        where = self._later.get(name)
        if where is not None:
            self._load(where)
        return self._facts.get(name)

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted([*self._facts, *self._later])

    def __contains__(self, name: object) -> bool:
        return name in self._facts or name in self._later


#: The facts every store view can compute: every phase's, joined by :mod:`aaib_cp.wiring`.
FACTS = FactRegistry()


class StoreCaseView:
    """A :class:`~aaib_cp.workflow.guards.CaseView` backed by the database, memoised per view."""

    def __init__(self, db: Database, case: Case) -> None:
        self._db = db
        self._case = case
        self._team: list[TeamMember] | None = None
        self._facts: dict[str, Any] = {}

    @property
    def case(self) -> Case:
        """The case record."""
        return self._case

    def with_case(self, case: Case) -> StoreCaseView:
        """The same view over a changed case record (e.g. with fields about to be set)."""
        view = StoreCaseView(self._db, case)
        view._team, view._facts = self._team, self._facts
        return view

    def team(self) -> Sequence[TeamMember]:
        """Members of the investigation team."""
        if self._team is None:
            rows = self._db.execute(
                "SELECT * FROM team WHERE case_id = ? AND stood_down_at IS NULL"
                " ORDER BY appointed_at, name",
                [self._case.id],
            )
            columns = [c[0] for c in rows.description]
            self._team = [TeamMember.from_row(dict(zip(columns, r, strict=True))) for r in rows]
        return self._team

    def fact(self, name: str) -> Any:
        """The named fact, computed on first use."""
        if name not in self._facts:
            func = FACTS.get(name)
            if func is None:
                raise KeyError(f"fact {name!r} is not available")
            self._facts[name] = func(self._db, self._case.id)
        return self._facts[name]
