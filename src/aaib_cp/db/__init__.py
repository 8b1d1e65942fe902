"""SQLite persistence through sqlite-utils: the only package that speaks SQL."""

from __future__ import annotations

from aaib_cp.db import schema  # noqa: F401  (the core migrations)
from aaib_cp.db.connection import MIGRATIONS, connect, migration, transaction
from aaib_cp.db.facts import FACTS, StoreCaseView, fact
from aaib_cp.db.store import Store

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
