"""Named facts about a case's records, computed by SQL, for guards to read.

A feature module registers a fact with :func:`fact`; a guard reads it through
:meth:`CaseView.fact`. Facts are computed lazily, once per view.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from aaib_cp.db.connection import Database
from aaib_cp.workflow.model import Case, TeamMember

__all__ = ["FACTS", "StoreCaseView", "fact"]

FactFunc = Callable[[Database, str], Any]

#: Every registered fact, by name.
FACTS: dict[str, FactFunc] = {}


def fact(name: str) -> Callable[[FactFunc], FactFunc]:
    """Register ``func(db, case_id)`` as the fact called ``name``."""

    def decorator(func: FactFunc) -> FactFunc:
        FACTS[name] = func
        return func

    return decorator


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
            try:
                func = FACTS[name]
            except KeyError:
                raise KeyError(f"fact {name!r} is not available") from None
            self._facts[name] = func(self._db, self._case.id)
        return self._facts[name]
