"""Bulk inserts that fill derived indexes once, at their end, not row by row.

A derived index (the full-text ``search_index``) is kept current by triggers on the
tables it indexes. Inserting a million rows then updates it a million times, one
statement each, which costs more than the inserts themselves. Inside
:func:`deferred_indexing`, a row in ``deferred_indexes`` names the table: the
index's insert triggers skip its rows (``WHEN NOT EXISTS`` that row), and deleting
the row at the end fires the index's own trigger, which indexes every row added
after ``after`` (the largest rowid before) in one statement. The change log that the
audit trail reads (:mod:`aaib_cp.db.content`) notes those rows the same way: as one
range per case at the end, not one note per row. It all happens in the
caller's transaction: the rows and their index entries are written together or not
at all, and a search straight after sees every row.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from aaib_cp.db.connection import Database
from aaib_cp.db.content import note_range

__all__ = ["deferred_indexing"]


@contextlib.contextmanager
def deferred_indexing(db: Database, table: str) -> Iterator[None]:
    """Index the rows inserted into ``table`` in this block once, when it ends.

    Use inside a transaction. The index is filled even if the block raises (so a
    caller that catches the error and commits leaves no row unindexed).
    """
    (after,) = db.execute(f'SELECT coalesce(max(rowid), 0) FROM "{table}"').fetchone()
    db.execute("INSERT INTO deferred_indexes (tbl, after) VALUES (?, ?)", [table, after])
    try:
        yield
    finally:
        note_range(db, table, after)
        db.execute("DELETE FROM deferred_indexes WHERE tbl = ?", [table])
