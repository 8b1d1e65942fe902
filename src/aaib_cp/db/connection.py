"""The SQLite connection: pragmas, named migrations and one transaction per command.

Writers open their transaction with ``BEGIN IMMEDIATE`` so that a second writer
waits (up to the busy timeout) instead of failing half-way with "database is
locked". sqlite-utils' own writes nest inside it as savepoints, so a command that
fails for any reason rolls back as a whole.

A database may be opened read-only (``connect(path, readonly=True)``): no migration
runs and nothing is written, so a read-only copy can still be read and verified.
The first transaction on such a connection reopens it for writing. A new database
file is created private (``0600``; SQLite gives its ``-wal`` and ``-shm`` files the
same mode). Every SQLite failure becomes one :class:`StoreError` line naming the
database file and the problem (:func:`database_problem`).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aaib_cp.exceptions import StoreError

if TYPE_CHECKING:
    import sqlite_utils

__all__ = [
    "MIGRATIONS",
    "Database",
    "Migration",
    "Migrations",
    "connect",
    "database_problem",
    "fetch_rows",
]

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

    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        path: Path | None = None,
        writable: Callable[[], Database] | None = None,
    ) -> None:
        self.conn = conn
        self.path = path
        #: Opens the same file for writing, when this connection is read-only.
        self._writable = writable
        #: The migrations this connection applied when it opened (an upgrade reports them).
        self.applied_now: list[str] = []
        self._utils: sqlite_utils.Database | None = None
        # What sqlite_utils.Database does on connecting, so behaviour does not
        # depend on whether it has been built yet.
        conn.execute("PRAGMA recursive_triggers = on")

    @property
    def readonly(self) -> bool:
        """True while this connection cannot write (it was opened read-only)."""
        return self._writable is not None

    def make_writable(self) -> None:
        """Reopen a read-only connection for writing (migrating if needed), in place."""
        if self._writable is None:
            return
        other = self._writable()
        self.conn.close()
        self.conn, self._utils, self._writable = other.conn, None, None

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
        #: names listed but not yet imported: name -> where its registry lives
        self._later: dict[str, str] = {}

    def add_lazy(self, where: str, names: Sequence[str]) -> None:
        """List the migrations of the registry at ``where`` (``"module:ATTRIBUTE"``), in
        order, without importing it: :meth:`names` is known at once, the functions are
        imported when the migrations are run (a database that needs them)."""
        for name in names:
            if self._later.get(name) == where:
                continue
            self.add(name, _not_loaded)
            self._later[name] = where

    def _load(self) -> None:
        from aaib_cp.workflow.lazy import check_names, resolve

        for where in dict.fromkeys(self._later.values()):
            listed = [name for name, w in self._later.items() if w == where]
            loaded: Migrations = resolve(where)
            check_names(where, listed, loaded.names())
            funcs = dict(loaded._items)
            self._items = [(n, funcs[n] if n in listed else f) for n, f in self._items]
        self._later.clear()

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
                if other is func or self._later.get(name) is not None:
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
        if self._later:
            self._load()
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)


def _not_loaded(db: Database) -> None:
    raise AssertionError("a migration listed lazily was run before it was imported")


#: The migrations :func:`connect` applies: every phase's, joined by :mod:`aaib_cp.wiring`.
#: A database holding a name not listed here comes from a newer aaib-cp and is refused.
MIGRATIONS = Migrations()


def database_problem(path: Path | str | None, exc: sqlite3.Error | OSError) -> str:
    """One line naming the database file and what went wrong, in plain words."""
    text = str(exc) if isinstance(exc, sqlite3.Error) else (exc.strerror or str(exc))
    lowered = text.lower()
    if "full" in lowered or "no space" in lowered or _disk_full(path):
        problem = "the disk is full; nothing was changed"
    elif "readonly" in lowered or "read-only" in lowered:
        problem = "the database cannot be written (read-only file or folder); nothing was changed"
    elif "locked" in lowered or "busy" in lowered:
        problem = "the database is busy (another command is writing); try again"
    else:
        problem = text
    return f"{path}: {problem}" if path is not None else problem


def _disk_full(path: Path | str | None) -> bool:
    """True when the database's file system has no space left (an I/O error's likely cause)."""
    if path is None or str(path) == ":memory:":
        return False
    try:
        return os.statvfs(Path(path).absolute().parent).f_bavail == 0
    except OSError:
        return False


def _check_file(path: Path, *, create: bool) -> None:
    """Refuse a path that is not a (possibly new) regular SQLite file, in one line."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if not create:
            raise StoreError(f"no database at {path}; run 'aaib init' first") from None
        from aaib_cp.workflow.safe_files import PRIVATE_FILE

        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
        except OSError as exc:
            raise StoreError(f"{path}: cannot create the database ({exc.strerror})") from None
        return
    except OSError as exc:
        raise StoreError(f"{path}: cannot open the database ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise StoreError(f"{path} is a directory, not a database file")
    if not stat.S_ISREG(info.st_mode):
        from aaib_cp.workflow.safe_files import file_kind

        raise StoreError(f"{path} is {file_kind(info.st_mode)}, not a database file; refused")
    if info.st_size > 0:
        try:
            with open(path, "rb") as fh:
                header = fh.read(16)
        except OSError as exc:
            raise StoreError(f"{path}: cannot read the database ({exc.strerror})") from None
        if header != SQLITE_HEADER:
            raise StoreError(f"{path} is not an SQLite database")


def _open(target: str, *, uri: bool, busy_timeout_ms: int) -> sqlite3.Connection:
    conn = sqlite3.connect(
        target,
        uri=uri,
        isolation_level=None,
        timeout=busy_timeout_ms / 1000,
        check_same_thread=False,
    )
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


#: What a path keeps unescaped in a ``file:`` URI (as ``urllib.parse.quote`` keeps).
_URI_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~/")


def _quote(text: str) -> str:
    """``text`` percent-encoded for a URI path, as ``urllib.parse.quote(text)`` gives it
    (without importing ``urllib.parse`` and ``ipaddress``: ``aaib status`` opens read-only)."""
    return "".join(chr(b) if b in _URI_SAFE else f"%{b:02X}" for b in text.encode())


def _open_readonly(path: Path, *, busy_timeout_ms: int) -> sqlite3.Connection:
    """Open without writing.

    SQLite reads a WAL database through a ``-shm`` file it creates beside it. Where
    it cannot (a read-only folder, a full disk) and the write-ahead log is absent or
    empty, so the file itself holds every change, it is read as it stands
    (``immutable``).
    """
    uri = "file:" + _quote(str(path.absolute())) + "?mode=ro"
    conn = _open(uri, uri=True, busy_timeout_ms=busy_timeout_ms)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
        wal = Path(f"{path}-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise
    conn = _open(uri + "&immutable=1", uri=True, busy_timeout_ms=busy_timeout_ms)
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return conn


def connect(
    path: str | Path,
    *,
    create: bool = False,
    readonly: bool = False,
    synchronous: str = "FULL",
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
) -> Database:
    """Open (and with ``create``, make) an aaib-cp database; refuse anything else.

    With ``readonly`` no migration runs and nothing is written until the first
    :func:`transaction`, which reopens the file for writing. A database from an older
    aaib-cp is still migrated first (that needs write access).
    """
    path = Path(path)
    memory = str(path) == ":memory:"
    if not memory:
        _check_file(path, create=create)
    if synchronous.upper() not in ("FULL", "NORMAL", "EXTRA", "OFF"):
        raise StoreError(f"unknown synchronous setting {synchronous!r}")

    def writable() -> Database:
        try:
            conn = _open(str(path), uri=False, busy_timeout_ms=busy_timeout_ms)
            if not memory:
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
        except sqlite3.DatabaseError as exc:
            raise StoreError(_cannot_open(path, exc)) from None
        db = Database(conn, path=path)
        _migrate(db, path)
        return db

    if readonly and not memory and not create:
        try:
            db = Database(_open_readonly(path, busy_timeout_ms=busy_timeout_ms), path=path)
            pending = _pending_migrations(db, path)
        except sqlite3.DatabaseError as exc:
            raise StoreError(_cannot_open(path, exc)) from None
        if not pending:
            db._writable = writable
            return db
        db.close()  # from an older aaib-cp: upgrade it first
    return writable()


def _cannot_open(path: Path, exc: sqlite3.Error) -> str:
    if isinstance(exc, sqlite3.OperationalError):
        return database_problem(path, exc)
    return f"{path} cannot be opened as a database: {exc}"


def _pending_migrations(db: Database, path: Path) -> list[str]:
    """Migrations not yet applied; StoreError if the database is from a newer aaib-cp."""
    has_table = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    applied = (
        {row[0] for row in db.execute("SELECT name FROM schema_migrations")} if has_table else set()
    )
    _refuse_newer(applied, path)
    return [name for name in MIGRATIONS.names() if name not in applied]


def _refuse_newer(applied: set[str], path: Path) -> None:
    unknown = sorted(applied - set(MIGRATIONS.names()))
    if unknown:
        raise StoreError(
            f"{path} was written by a newer aaib-cp (unknown schema change "
            f"{unknown[0]!r}); upgrade aaib-cp to use it"
        )


def _migrate(db: Database, path: Path) -> None:
    try:
        with transaction(db):
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
            )
            applied = {row[0] for row in db.execute("SELECT name FROM schema_migrations")}
            _refuse_newer(applied, path)
            for name, func in MIGRATIONS:
                if name not in applied:
                    func(db)
                    db.execute("INSERT INTO schema_migrations (name) VALUES (?)", [name])
                    db.applied_now.append(name)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} cannot be used as an aaib-cp database: {exc}") from None


@contextlib.contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``; any exception rolls everything back.

    A read-only connection is reopened for writing first. An SQLite failure (disk
    full, read-only file, locked ...) becomes one :class:`StoreError` line naming
    the database file.
    """
    db.make_writable()
    conn = db.conn
    if conn.in_transaction:
        raise StoreError("a transaction is already open on this connection")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            _rollback(conn)
            raise
        try:
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise
    except sqlite3.OperationalError as exc:
        raise StoreError(database_problem(db.path or ":memory:", exc)) from None


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):  # keep the original error
            conn.execute("ROLLBACK")
