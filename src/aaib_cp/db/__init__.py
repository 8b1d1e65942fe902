"""SQLite persistence through sqlite-utils: the only package that speaks SQL.

The names below are imported on first use, so that importing one module of the
package (the connection, the facts) does not import the store and the records it
reads.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOMES = {
    "FACTS": "aaib_cp.db.facts",
    "FactRegistry": "aaib_cp.db.facts",
    "MIGRATIONS": "aaib_cp.db.connection",
    "Migrations": "aaib_cp.db.connection",
    "Store": "aaib_cp.db.store",
    "StoreCaseView": "aaib_cp.db.facts",
    "connect": "aaib_cp.db.connection",
    "sql_store": "aaib_cp.db.store",
    "transaction": "aaib_cp.db.connection",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'aaib_cp.db' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
