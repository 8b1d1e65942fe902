"""What every record service shares: the engine, its SQL store, and who may act.

Each focused service (:mod:`aaib_cp.evidence.agencies`, :mod:`~aaib_cp.evidence.register`,
:mod:`~aaib_cp.evidence.chronology`, :mod:`~aaib_cp.evidence.protection` and those of
:mod:`aaib_cp.recommendations`) extends :class:`RecordService`. Who may take an action is
never named here: the case's workflow says which roles hold each permission
(:data:`~aaib_cp.workflow.definition.ACTIONS`), and :meth:`Engine.authorise
<aaib_cp.workflow.engine.Engine.authorise>` checks the actor against them.
"""

from __future__ import annotations

from datetime import date

from aaib_cp.db import Store, sql_store
from aaib_cp.exceptions import InputError
from aaib_cp.workflow.engine import Engine
from aaib_cp.workflow.identity import Account, Actor
from aaib_cp.workflow.input_text import clean_line, clean_text
from aaib_cp.workflow.model import Case

__all__ = ["RecordService", "choice", "one_line", "past_date", "required_text"]


def required_text(what: str, value: str | None) -> str:
    """Cleaned, stripped text; InputError if empty."""
    text = clean_text(value or "", what).strip()
    if not text:
        raise InputError(f"{what}: must not be empty")
    return text


def one_line(what: str, text: str) -> str:
    """A cleaned single line of at most 200 characters."""
    return clean_line(text, what, max_len=200)


def choice(what: str, value: str, choices: dict[str, str]) -> str:
    """``'Social care'`` -> ``'social_care'``; InputError naming the choices."""
    key = value.strip().lower().replace(" ", "_").replace("-", "_")
    if key not in choices:
        raise InputError(f"{what}: {value!r} is not one of {', '.join(choices)}")
    return key


def past_date(what: str, value: date | str, today: date) -> date:
    """A date (or ISO text) not after ``today``."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise InputError(f"{what}: {value!r} is not a valid date (YYYY-MM-DD)") from None
    if value > today:
        raise InputError(f"{what}: {value.isoformat()} is in the future")
    return value


class RecordService:
    """A service over an engine whose store is the SQL :class:`~aaib_cp.db.Store`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.store: Store = sql_store(engine.store)

    def reader(self, case: Case, actor: Account | Actor | None, role: str | None) -> Actor:
        """The account reading ``case``, as now stored (reads are audited)."""
        definition = self.engine.definition_for(case)
        return self.engine.check_actor(definition, self.engine.access.current(actor), role)

    def today(self) -> date:
        """Today, by the engine's clock."""
        return self.engine.clock().date()
