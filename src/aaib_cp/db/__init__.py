"""SQLite persistence through sqlite-utils: the only package that speaks SQL."""

from __future__ import annotations

from aaib_cp.db.connection import MIGRATIONS, Migrations, connect, transaction
from aaib_cp.db.facts import FACTS, FactRegistry, StoreCaseView
from aaib_cp.db.store import Store, sql_store

__all__ = [
    "FACTS",
    "MIGRATIONS",
    "FactRegistry",
    "Migrations",
    "Store",
    "StoreCaseView",
    "connect",
    "sql_store",
    "transaction",
]
