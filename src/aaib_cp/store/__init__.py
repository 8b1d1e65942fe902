"""SQLite persistence through sqlite-utils: the only package that speaks SQL."""

from __future__ import annotations

from . import (  # noqa: F401  (register their migrations and facts)
    analysis,
    learning,
    records,
    safety,
    schema,
    search,
)
from .database import MIGRATIONS, connect, migration, transaction
from .facts import FACTS, StoreCaseView, fact
from .store import Store

__all__ = [
    "FACTS",
    "MIGRATIONS",
    "Store",
    "StoreCaseView",
    "connect",
    "fact",
    "migration",
    "transaction",
]
