"""SQL for the demo database's marker: a demo database says so, so ``aaib demo`` may replace it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from aaib_cp.db import Store

__all__ = ["is_demo_database", "mark_as_demo"]


def mark_as_demo(store: Store) -> None:
    """Record in ``store`` that ``aaib demo`` created it."""
    store.db.execute("CREATE TABLE IF NOT EXISTS demo_marker (created_by TEXT)")
    store.db.execute("INSERT INTO demo_marker VALUES ('aaib demo')")


def is_demo_database(path: Path) -> bool:
    """Whether the SQLite file at ``path`` was made by ``aaib demo`` (read-only check)."""
    if not path.is_file():  # SQLite would wait forever on a FIFO
        return False
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            conn.execute("SELECT 1 FROM demo_marker").fetchall()
            return True
    except sqlite3.Error:
        return False
