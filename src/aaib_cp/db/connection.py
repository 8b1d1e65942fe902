"""The SQLite connection: pragmas, named migrations and one transaction per command.

Writers open their transaction with ``BEGIN IMMEDIATE`` so that a second writer
waits (up to the busy timeout) instead of failing half-way with "database is
locked". sqlite-utils' own writes nest inside it as savepoints, so a command that
fails for any reason rolls back as a whole.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aaib_cp.exceptions import StoreError

if TYPE_CHECKING:
    import sqlite_utils

__all__ = ["MIGRATIONS", "Database", "Migration", "Migrations", "connect", "fetch_rows"]

SQLITE_HEADER = b"SQLite format 3\x00"
DEFAULT_BUSY_TIMEOUT_MS = 10_000

#: ``(name, func)``: a named schema change, applied once.
Migration = tuple[str, "Callable[[Database], None]"]


class Database:
    """The store's connection: plain ``sqlite3`` for ``execute``, sqlite-utils for the rest.

    Importing sqlite-utils costs about 60 ms, more than everything a command like
    ``aaib status`` needs, so it is imported on first use: ``execute``, ``conn`` and
    ``close`` are the sqlite3 connection's own, and every other attribute
    (``db["table"]``, ``db.table(...)``, ``db.query(...)``, ``insert_all`` ...) is
    that of a :class:`sqlite_utils.Database` wrapping the same connection, built
    when first asked for.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._utils: sqlite_utils.Database | None = None
        # What sqlite_utils.Database does on connecting, so behaviour does not
        # depend on whether it has been built yet.
        conn.execute("PRAGMA recursive_triggers = on")

    def execute(self, sql: str, parameters: Any = None) -> sqlite3.Cursor:
        """Run one SQL statement (as ``sqlite_utils.Database.execute`` does)."""
        if parameters is not None:
            return self.conn.execute(sql, parameters)
        return self.conn.execute(sql)

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    @property
    def utils(self) -> sqlite_utils.Database:
        """The :class:`sqlite_utils.Database` over this connection."""
        if self._utils is None:
            import sqlite_utils

            self._utils = sqlite_utils.Database(self.conn)
        return self._utils

    def __getitem__(self, table_name: str) -> Any:
        return self.utils[table_name]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_utils":
            raise AttributeError(name)
        return getattr(self.utils, name)


def fetch_rows(db: Database, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """The result of a query as a list of ``{column: value}`` mappings."""
    cursor = db.execute(sql, list(params))
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor]


class Migrations:
    """Named schema migrations in the order they apply; each name once.

    Each phase's SQL module keeps its own (``MIGRATIONS = Migrations()`` and
    ``@MIGRATIONS.register("records_0001")``); :mod:`aaib_cp.wiring` joins them, in
    order, into the shared :data:`MIGRATIONS` that :func:`connect` applies.
    """

    def __init__(self) -> None:
        self._items: list[Migration] = []

    def register(
        self, name: str
    ) -> Callable[[Callable[[Database], None]], Callable[[Database], None]]:
        """Decorator adding ``func`` as the migration called ``name`` (stable, unique)."""

        def decorator(func: Callable[[Database], None]) -> Callable[[Database], None]:
            self.add(name, func)
            return func

        return decorator

    def add(self, name: str, func: Callable[[Database], None]) -> None:
        """Append one migration; the same name twice is a programming error."""
        for existing, other in self._items:
            if existing == name:
                if other is func:
                    return
                raise ValueError(f"migration {name!r} is registered twice")
        self._items.append((name, func))

    def extend(self, other: Migrations) -> None:
        """Append every migration of ``other`` not already here."""
        for name, func in other:
            self.add(name, func)

    def names(self) -> list[str]:
        """The names, in order."""
        return [name for name, _ in self._items]

    def __iter__(self) -> Iterator[Migration]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)


#: The migrations :func:`connect` applies: every phase's, joined by :mod:`aaib_cp.wiring`.
#: A database holding a name not listed here comes from a newer aaib-cp and is refused.
MIGRATIONS = Migrations()


def connect(
    path: str | Path,
    *,
    create: bool = False,
    synchronous: str = "FULL",
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
) -> Database:
    """Open (and with ``create``, make) an aaib-cp database; refuse anything else."""
    path = Path(path)
    if str(path) != ":memory:":
        if not path.exists():
            if not create:
                raise StoreError(f"no database at {path}; run 'aaib init' first")
        elif path.is_dir():
            raise StoreError(f"{path} is a directory, not a database file")
        elif path.stat().st_size > 0:
            with open(path, "rb") as fh:
                if fh.read(16) != SQLITE_HEADER:
                    raise StoreError(f"{path} is not an SQLite database")
    if synchronous.upper() not in ("FULL", "NORMAL", "EXTRA", "OFF"):
        raise StoreError(f"unknown synchronous setting {synchronous!r}")
    try:
        conn = sqlite3.connect(
            str(path), isolation_level=None, timeout=busy_timeout_ms / 1000, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        if str(path) != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} cannot be opened as a database: {exc}") from None
    db = Database(conn)
    _migrate(db, path)
    return db


def _migrate(db: Database, path: Path) -> None:
    try:
        with transaction(db):
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
            )
            applied = {row[0] for row in db.execute("SELECT name FROM schema_migrations")}
            known = set(MIGRATIONS.names())
            unknown = sorted(applied - known)
            if unknown:
                raise StoreError(
                    f"{path} was written by a newer aaib-cp (unknown schema change "
                    f"{unknown[0]!r}); upgrade aaib-cp to use it"
                )
            for name, func in MIGRATIONS:
                if name not in applied:
                    func(db)
                    db.execute("INSERT INTO schema_migrations (name) VALUES (?)", [name])
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} cannot be used as an aaib-cp database: {exc}") from None


@contextlib.contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``; any exception rolls everything back."""
    conn = db.conn
    if conn.in_transaction:
        raise StoreError("a transaction is already open on this connection")
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
