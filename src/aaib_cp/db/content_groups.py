"""Records created in bulk: one digest on the event instead of one hash per record.

An event lists the content hash of every record its transaction changed
(:mod:`aaib_cp.db.content`). A transaction that creates more than :data:`BULK`
records in one table (a chronology import of a million rows) would make that list,
and the event, as large as the records themselves. Such records are recorded as one
*group* under the event's ``"+created"`` key instead::

    {"table": "chronology_entries", "count": 100000, "first": [7], "last": [100006],
     "sha256": "..."}

``sha256`` is the SHA-256 of one line ``"<record> <hash>\\n"`` per record, in key
order; a record's hash here is the SHA-256 of its content as SQLite's ``json_object``
writes it, columns in name order (:meth:`RecordTable.row_json`). The group's records
are exactly the case's records of that table whose key lies from ``first`` to
``last`` (checked when the group is made; otherwise they are listed one by one, as
before). The digest is computed by reading the created records back from SQLite in
key order, so nothing proportional to their number is held.

A record of a group that a later event changes or deletes is listed by that event as
usual, with its hash *before* the change (as its group hashes it) under ``"+was"``,
so ``aaib audit verify`` can still recompute the group's digest as it was written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from aaib_cp.db.connection import Database
from aaib_cp.db.content import LOG, RecordTable

__all__ = [
    "BULK",
    "CREATED",
    "WAS",
    "created_groups",
    "digest",
    "group_lines",
    "hashes_before",
    "members",
]

#: A transaction creating more records than this in one table records them as a group.
BULK = 1_000
#: The keys of an event's content map holding groups and hashes before a change
#: (no record's name starts with "+": record names are ``table/[key]``).
CREATED, WAS = "+created", "+was"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def group_lines(name: str, sha: str) -> bytes:
    """One record's line in its group's digest."""
    return f"{name} {sha}\n".encode()


def _read(
    db: Database, t: RecordTable, case_id: str, first: Sequence[Any], last: Sequence[Any]
) -> Iterator[tuple[Any, ...]]:
    """``(label, row JSON, *key)`` of the case's records of ``t`` with a key from ``first``
    to ``last``, in key order. The case test is kept off the indexes (``+``), so the key
    range is walked, not every record of the case."""
    columns = [f"r.{_q(k)}" for k in t.key]
    keys, marks = ", ".join(columns), ", ".join("?" * len(t.key))
    label = f"r.{_q(t.label)}" if t.label else "NULL"
    return db.execute(
        f"SELECT {label}, {t.row_json('r')}, {keys} FROM main.{_q(t.name)} r"
        f" WHERE +{t.case_expr} = ? AND ({keys}) >= ({marks}) AND ({keys}) <= ({marks})"
        f" ORDER BY {keys}",
        [case_id, *first, *last],
    )


def members(
    db: Database, t: RecordTable, case_id: str, first: Sequence[Any], last: Sequence[Any]
) -> Iterator[tuple[tuple[Any, ...], str, str, str]]:
    """The case's records of ``t`` with a key from ``first`` to ``last``, in key order:
    ``(key values, record name, sha256, label)``, read a row at a time."""
    for shown, text, *key in _read(db, t, case_id, first, last):
        name = f"{t.name}/{_key_text(key)}"
        label = f"{t.name} {shown}" if t.label else name
        yield tuple(key), name, record_sha(text), label


def digest(
    db: Database, t: RecordTable, case_id: str, first: Sequence[Any], last: Sequence[Any]
) -> tuple[int, str]:
    """How many records :func:`members` finds, and the SHA-256 of their
    :func:`group_lines`: the same lines, written without building each member."""
    sha, n, sha256, prefix = hashlib.sha256(), 0, hashlib.sha256, f"{t.name}/"
    for _, text, *key in _read(db, t, case_id, first, last):
        name = f"[{key[0]}]" if len(key) == 1 and type(key[0]) is int else _key_text(key)
        sha.update(f"{prefix}{name} {sha256(text.encode()).hexdigest()}\n".encode())
        n += 1
    return n, sha.hexdigest()


def record_sha(text: str) -> str:
    """A record's hash in a group: SHA-256 of its :meth:`RecordTable.row_json` text."""
    return hashlib.sha256(text.encode()).hexdigest()


def _key_text(key: Sequence[Any]) -> str:
    """``json.dumps(key)`` (as :meth:`RecordTable.row_key` writes it), quicker for integers."""
    if len(key) == 1 and type(key[0]) is int:
        return f"[{key[0]}]"
    if all(type(v) is int for v in key):
        return "[" + ", ".join(map(str, key)) + "]"
    return json.dumps(list(key), ensure_ascii=False)


def created_groups(
    db: Database, case_id: str, tables: Mapping[str, RecordTable]
) -> list[dict[str, Any]]:
    """Groups of the records the transaction created in bulk; their notes are dropped."""
    _expand_ranges(db, case_id, tables)
    found = []
    counts = db.execute(
        f"SELECT tbl, count(*) FROM {LOG} WHERE case_id = ? AND op = 'I' GROUP BY tbl",
        [case_id],
    ).fetchall()
    for tbl, count in counts:
        if count <= BULK:
            continue
        t = tables[tbl]
        first, last = (_end(db, t, case_id, order) for order in ("ASC", "DESC"))
        n, sha = digest(db, t, case_id, first, last)
        if n != count:  # other records share the range: list them one by one
            continue
        found.append({"table": tbl, "count": n, "first": first, "last": last, "sha256": sha})
        db.execute(f"DELETE FROM {LOG} WHERE case_id = ? AND tbl = ? AND op = 'I'", [case_id, tbl])
    return found


def _expand_ranges(db: Database, case_id: str, tables: Mapping[str, RecordTable]) -> None:
    """Replace each range note (rows inserted in bulk, ``[after, last]``) by one note per
    row: they are then grouped, or listed one by one if few, like any others."""
    ranges = db.execute(
        f"DELETE FROM {LOG} WHERE case_id = ? AND op = 'R' RETURNING tbl, key", [case_id]
    ).fetchall()
    for tbl, key in ranges:
        after, last = json.loads(key)
        t = tables[tbl]
        db.execute(
            f"INSERT OR IGNORE INTO {LOG} (case_id, tbl, key, op)"
            f" SELECT ?, ?, json_array(rowid), 'I' FROM main.{_q(t.name)}"
            " WHERE +case_id = ? AND rowid > ? AND rowid <= ?",
            [case_id, tbl, case_id, after, last],
        )


def _end(db: Database, t: RecordTable, case_id: str, order: str) -> list[Any]:
    """The smallest (ASC) or largest (DESC) key of the records created in ``t``."""
    keys = ", ".join(f"json_extract(key, '$[{i}]') {order}" for i in range(len(t.key)))
    (key,) = db.execute(
        f"SELECT key FROM {LOG} WHERE case_id = ? AND tbl = ? AND op = 'I' ORDER BY {keys} LIMIT 1",
        [case_id, t.name],
    ).fetchone()
    value: list[Any] = json.loads(key)
    return value


def hashes_before(
    db: Database,
    case_id: str,
    changed: Sequence[tuple[RecordTable, list[Any], str]],
) -> dict[str, str]:
    """``{record: sha256 before this transaction}`` for each changed or deleted record
    (``(table, key values, old row)``) that belongs to a group of an earlier event."""
    ranges: dict[str, list[tuple[tuple[Any, ...], tuple[Any, ...]]]] = {}
    for (text,) in db.execute(
        "SELECT content FROM events WHERE case_id = ? AND instr(content, ?) > 0",
        [case_id, json.dumps(CREATED)],
    ):
        for group in json.loads(text).get(CREATED, []):
            ranges.setdefault(group["table"], []).append(
                (tuple(group["first"]), tuple(group["last"]))
            )
    out = {}
    for t, key, old in changed:
        if any(_within(tuple(key), lo, hi) for lo, hi in ranges.get(t.name, [])):
            out[t.row_key(dict(zip(t.key, key, strict=True)))] = record_sha(old)
    return out


def _within(key: tuple[Any, ...], lo: tuple[Any, ...], hi: tuple[Any, ...]) -> bool:
    try:
        return lo <= key <= hi
    except TypeError:  # keys of different types are not in one range
        return False
