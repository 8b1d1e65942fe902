"""What each event changed: the content hash of every case record it wrote.

A *case record* is a row of any table with a ``case_id`` column, or with a foreign
key to such a table (a recommendation's responses), plus the case's own row. The
audit trail itself, counters and derived search indexes are not records. The list is
read from the schema, so a table added by a later migration is covered unchanged.

On the store's own connection, temporary triggers note every record inserted,
updated or deleted inside the transaction; :meth:`Store.append_event` turns those
notes into ``{record: sha256}`` (``null`` when deleted) on the event it writes, and
that map is covered by the event's hash. A transition's own update of the case row
(the one that also writes the case's audit head, :func:`aaib_cp.db.trail.move`) is
not noted: its event hashes the row itself. A row changed through another connection
(an insider with a plain SQLite shell) is noted nowhere, so its current content no
longer matches the event that last wrote it, which :func:`expected_content` and
:func:`current_content` let ``aaib audit verify`` show.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from aaib_cp.db.connection import Database, fetch_rows
from aaib_cp.workflow.audit import digest
from aaib_cp.workflow.record import Record

__all__ = [
    "ChangeLog",
    "RecordTable",
    "current_content",
    "install_change_log",
    "pending_content",
    "tables",
]

#: Tables that hold no case content of their own.
_NOT_RECORDS = frozenset({"events", "record_counters", "schema_migrations"})
#: Columns of the case row that change with every event: the version counter and the
#: audit head (the trail's, not the case's content).
_VOLATILE = {"cases": frozenset({"version", "updated_at", "audit_n", "audit_hash", "audit_mac"})}
#: An update of the case row that also advances its audit head is the move that the
#: event it writes accounts for itself (:func:`aaib_cp.db.trail.move`): not noted.
_UNNOTED = {"cases": ("audit_n", " WHEN NEW.audit_n IS OLD.audit_n")}
_LOG = "temp.aaib_changed"
LOG = _LOG


class RecordTable(Record):
    """A table of case records: how to find each row's case and key."""

    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    #: SQL expression (over the row alias ``r``) giving the row's case id
    case_expr: str
    #: for the NEW/OLD row in a trigger
    case_trigger: str
    label: str | None
    #: its key is its rowid and it has a ``case_id``: rows it gets in bulk (while it is
    #: in ``deferred_indexes``) are noted as one range, not one note each
    ranged: bool

    def __init__(
        self,
        name: str,
        columns: tuple[str, ...],
        key: tuple[str, ...],
        case_expr: str,
        case_trigger: str,
        label: str | None,
        ranged: bool = False,
    ) -> None:
        self._set_fields(name, columns, key, case_expr, case_trigger, label, ranged)

    def row_key(self, row: Mapping[str, Any]) -> str:
        """The record's name in an event's content map: ``table/[key values]``."""
        return f"{self.name}/{json.dumps([row[k] for k in self.key], ensure_ascii=False)}"

    def row_json(self, alias: str) -> str:
        """SQL giving the row's content (every column but volatile counters) as SQLite's
        ``json_object``, columns in name order (a blob as hex): what a group of records
        created in bulk hashes (:mod:`aaib_cp.db.content_groups`)."""
        skip = _VOLATILE.get(self.name, frozenset())
        pairs = (
            f"'{c}', iif(typeof({alias}.{_q(c)}) = 'blob', hex({alias}.{_q(c)}), {alias}.{_q(c)})"
            for c in sorted(self.columns)
            if c not in skip
        )
        return f"json_object({', '.join(pairs)})"

    def row_digest(self, row: Mapping[str, Any]) -> str:
        """SHA-256 of the row's content (every column but volatile counters)."""
        skip = _VOLATILE.get(self.name, frozenset())
        return digest({k: v for k, v in row.items() if k not in skip})


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def tables(db: Database) -> list[RecordTable]:
    """Every table of case records in the database's schema, in name order."""
    rows = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
    virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL")]
    found: dict[str, RecordTable] = {}
    info: dict[str, list[Any]] = {}
    for name, _ in rows:
        if name in _NOT_RECORDS or name.startswith("sqlite_"):
            continue
        if any(name == v or name.startswith(v + "_") for v in virtual):
            continue
        info[name] = db.execute(f"PRAGMA table_info({_q(name)})").fetchall()
    for name, cols in info.items():
        columns = tuple(c[1] for c in cols)
        key = tuple(c[1] for c in sorted(cols, key=lambda c: c[5]) if c[5]) or ("rowid",)
        label = "ref" if "ref" in columns else None
        if name == "cases":
            found[name] = RecordTable(name, columns, key, "r.id", "{row}.id", label="id")
        elif "case_id" in columns:
            ranged = len(key) == 1 and any(
                c[1] == key[0] and str(c[2]).upper() == "INTEGER" for c in cols
            )
            found[name] = RecordTable(
                name, columns, key, "r.case_id", "{row}.case_id", label, ranged
            )
    for name, cols in info.items():
        if name in found:
            continue
        for fk in db.execute(f"PRAGMA foreign_key_list({_q(name)})").fetchall():
            parent, child_col, parent_col = fk[2], fk[3], fk[4] or "id"
            if parent in found and parent != "cases":
                sub = (
                    f"(SELECT p.case_id FROM {_q(parent)} p WHERE p.{_q(parent_col)} = "
                    "{row}." + _q(child_col) + ")"
                )
                columns = tuple(c[1] for c in cols)
                key = tuple(c[1] for c in sorted(cols, key=lambda c: c[5]) if c[5]) or ("rowid",)
                found[name] = RecordTable(
                    name,
                    columns,
                    key,
                    sub.format(row="r"),
                    sub,
                    "ref" if "ref" in columns else None,
                )
                break
    return [found[n] for n in sorted(found)]


def install_change_log(db: Database) -> list[RecordTable]:
    """Create this connection's temporary change log and its triggers; the record tables.

    Each note keeps the first change of a record in the transaction: ``op`` (``I``,
    ``U`` or ``D``) and, for an update or a deletion of a record other than the case
    row, ``old``: the record as it was before (:meth:`RecordTable.row_json`).
    """
    record_tables = tables(db)
    db.execute(
        f"CREATE TABLE IF NOT EXISTS {_LOG} (case_id TEXT, tbl TEXT, key TEXT, op TEXT,"
        " old TEXT, PRIMARY KEY (case_id, tbl, key)) WITHOUT ROWID"
    )
    for t in record_tables:
        skip = _VOLATILE.get(t.name, frozenset())
        watched = ", ".join(_q(c) for c in t.columns if c not in skip)
        column, unless = _UNNOTED.get(t.name, ("", ""))
        when_noted = unless if column in t.columns else ""
        old = "NULL" if t.name == "cases" else t.row_json("OLD")
        bulk = f" WHEN NOT EXISTS (SELECT 1 FROM main.deferred_indexes WHERE tbl = '{t.name}')"
        for op, row, when, before, only in (
            ("INSERT", "NEW", "", "NULL", bulk if t.ranged else ""),
            ("DELETE", "OLD", "", old, ""),
            ("UPDATE", "NEW", f" OF {watched}", old, when_noted),
        ):
            key = "json_array(" + ", ".join(f"{row}.{_q(k)}" for k in t.key) + ")"
            db.execute(
                f"CREATE TEMP TRIGGER IF NOT EXISTS {_q('aaib_log_' + t.name + '_' + op)}"
                f" AFTER {op}{when} ON main.{_q(t.name)}{only} BEGIN"
                " INSERT OR IGNORE INTO aaib_changed (case_id, tbl, key, op, old) VALUES"
                f" ({t.case_trigger.format(row=row)}, '{t.name}', {key}, '{op[0]}', {before});"
                " END"
            )
    return record_tables


def note_range(db: Database, table: str, after: int) -> None:
    """Note the rows ``table`` got after rowid ``after`` as one range per case (op ``R``),
    if this connection logs changes and did not note them one by one (see
    :mod:`aaib_cp.db.deferred`)."""
    trigger = db.execute(
        "SELECT sql FROM sqlite_temp_master WHERE type = 'trigger' AND name = ?",
        [f"aaib_log_{table}_INSERT"],
    ).fetchone()
    if trigger is None or "deferred_indexes" not in trigger[0]:
        return
    db.execute(
        f"INSERT OR IGNORE INTO {_LOG} (case_id, tbl, key, op) SELECT case_id, ?,"
        f" json_array(?, max(rowid)), 'R' FROM main.{_q(table)} WHERE rowid > ? GROUP BY case_id",
        [table, after, after],
    )


def clear_change_log(db: Database) -> None:
    """Forget notes left by an earlier transaction on this connection."""
    db.execute(f"DELETE FROM {_LOG}")


class ChangeLog:
    """A store's change log: installed on first use, and known empty while the
    connection's ``total_changes`` (every row changed by any statement or trigger
    program, temporary tables included) has not moved since it was last emptied."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._tables: list[RecordTable] | None = None
        self._by_name: dict[str, RecordTable] = {}
        self._quiet: tuple[object, int] = (None, -1)

    def tables(self) -> list[RecordTable]:
        """The tables of case records (installing the log's triggers the first time)."""
        if self._tables is None:
            self._tables = install_change_log(self.db)
            self._by_name = {t.name: t for t in self._tables}
        return self._tables

    def table(self, name: str) -> RecordTable:
        """The table of case records called ``name``."""
        if self._tables is None:
            self.tables()
        return self._by_name[name]

    def start(self) -> None:
        """At the start of a transaction: installed, and empty."""
        self.tables()
        if not self.is_empty():
            clear_change_log(self.db)
            self.emptied()

    def is_empty(self) -> bool:
        """True when the log is known to be empty (nothing changed since it was)."""
        conn, changes = self._quiet
        return conn is self.db.conn and changes == self.db.conn.total_changes

    def emptied(self) -> None:
        """Note that the log is empty now."""
        self._quiet = (self.db.conn, self.db.conn.total_changes)


def pending_content(
    db: Database, case_id: str, record_tables: Sequence[RecordTable]
) -> dict[str, Any]:
    """``{record: sha256 or None}`` for the case's records changed since the last event.

    Records created in bulk (more than :data:`BULK` in one table) are one group under
    ``"+created"`` instead (see :mod:`aaib_cp.db.content_groups`); a record of an
    earlier group that is changed or deleted has its hash before the change under
    ``"+was"``.
    """
    from aaib_cp.db import content_groups as groups

    by_name = {t.name: t for t in record_tables}
    created = groups.created_groups(db, case_id, by_name)
    notes = db.execute(
        f"DELETE FROM {_LOG} WHERE case_id = ? RETURNING tbl, key, old", [case_id]
    ).fetchall()
    keys: dict[str, list[str]] = {}
    changed: list[tuple[RecordTable, list[Any], str]] = []
    for tbl, key, old in notes:
        keys.setdefault(tbl, []).append(key)
        if old is not None:
            changed.append((by_name[tbl], json.loads(key), old))
    out: dict[str, Any] = {}
    for tbl, table_keys in keys.items():
        t = by_name[tbl]
        for start in range(0, len(table_keys), _CHUNK):
            chunk = table_keys[start : start + _CHUNK]
            for key, row in _rows_by_key(db, t, chunk):
                values = json.loads(key)
                out[t.row_key(dict(zip(t.key, values, strict=True)))] = (
                    t.row_digest(row) if row is not None else None
                )
    was = groups.hashes_before(db, case_id, changed) if changed else {}
    if created:
        out[groups.CREATED] = created
    if was:
        out[groups.WAS] = was
    return out


#: Records read per statement when hashing what a transaction changed.
_CHUNK = 5_000


def _rows_by_key(
    db: Database, t: RecordTable, keys: Sequence[str]
) -> Iterable[tuple[str, dict[str, Any] | None]]:
    """Each key (a JSON array of key values) with its current row, or None if deleted."""
    match = " AND ".join(
        f"r.{_q(k)} IS json_extract(j.value, '$[{i}]')" for i, k in enumerate(t.key)
    )
    cursor = db.execute(
        "SELECT j.value AS aaib_key, r.rowid IS NOT NULL AS aaib_found, r.*"
        f" FROM json_each(?) j LEFT JOIN main.{_q(t.name)} r ON {match}",
        [json.dumps(list(keys))],
    )
    columns = [c[0] for c in cursor.description][2:]
    for key, found, *values in cursor:
        yield key, dict(zip(columns, values, strict=True)) if found else None


def current_content(
    db: Database, record_tables: Iterable[RecordTable], case_id: str | None = None
) -> dict[str, dict[str, tuple[str, str]]]:
    """``{case: {record: (sha256, label)}}`` of every current case record."""
    out: dict[str, dict[str, tuple[str, str]]] = {}
    for t in record_tables:
        select = "r.rowid AS rowid, r.*" if t.key == ("rowid",) else "r.*"
        sql = f"SELECT {t.case_expr} AS aaib_case, {select} FROM {_q(t.name)} r"
        params: list[Any] = []
        if case_id is not None:
            sql += f" WHERE {t.case_expr} = ?"
            params.append(case_id)
        for row in fetch_rows(db, sql, params):
            owner = row.pop("aaib_case")
            key = t.row_key(row)
            if t.key == ("rowid",):
                row.pop("rowid")
            label = f"{t.name} {row[t.label]}" if t.label else key
            out.setdefault(owner, {})[key] = (t.row_digest(row), label)
    return out
