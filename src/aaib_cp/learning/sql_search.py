"""SQL for searching across cases: a restricted full-text index and a public one (FTS5).

``search_index`` holds the investigators' own text (chronology entries, acts,
contributory factors, findings, and recommendations once they exist) and is kept
current by SQLite triggers on the source tables, so every way of writing a record
indexes it in the same transaction. Adding a source is one :class:`Source` in
:data:`SOURCES` (and a named migration for a table added later).

``public_index`` holds the anonymised text of the cases in a public state only. It
is rebuilt per case by :mod:`aaib_cp.learning.service` (which owns the anonymiser): triggers
mark a case *stale* when its version or state changes, and every published case when
anyone's identifiers change (a new person on any case changes what must be withheld
everywhere). A search first refreshes the stale cases, which is usually none.

Searches rank with ``bm25`` and stop at ``LIMIT`` inside SQLite; snippets come from
FTS5's ``snippet()``. User text never reaches ``MATCH`` raw: see :func:`match_expression`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from aaib_cp.db.connection import Database, Migrations
from aaib_cp.db.store import Store
from aaib_cp.exceptions import InputError

__all__ = [
    "PUBLIC_KINDS",
    "SOURCES",
    "SearchHit",
    "Source",
    "clear_stale",
    "match_expression",
    "replace_public_entries",
    "search",
    "stale_cases",
]

#: This module's schema changes, in order (joined by :mod:`aaib_cp.wiring`).
MIGRATIONS = Migrations()

#: Snippet markers around matched words.
MARK_OPEN, MARK_CLOSE, ELLIPSIS = "[", "]", "…"


@attrs.frozen
class Source:
    """One kind of record that is searched: where its rows live and what text is indexed.

    ``text`` and ``case`` are SQL expressions over the row as ``NEW`` (in triggers)
    or ``NEW`` aliased in the back-fill. ``number`` keeps index rowids unique:
    ``rowid = NEW.id * 16 + number``, so a row's entry is found without a scan.
    ``updatable`` names columns whose change re-indexes the row.
    """

    kind: str
    table: str
    number: int
    text: str
    ref: str = "NEW.ref"
    case: str = "NEW.case_id"
    updatable: tuple[str, ...] = ()
    migration: str = "search_0001"


#: How many of the newest matches are ranked by bm25 (bounds the cost of common words).
RANK_WINDOW = 2000

SOURCES: list[Source] = [
    Source("chronology", "chronology_entries", 1, "NEW.what"),
    Source("act", "acts", 2, "NEW.description"),
    Source("factor", "factors", 3, "NEW.code || ' ' || NEW.label || ': ' || NEW.note"),
    Source("finding", "findings", 4, "NEW.text"),
]

#: Recommendations and responses (their tables come from ``store.safety``, made first).
SOURCES += [
    Source(
        "recommendation",
        "recommendations",
        5,
        "NEW.addressee || ': ' || NEW.text",
        migration="search_0002_safety",
    ),
    Source(
        "response",
        "recommendation_responses",
        6,
        "NEW.text || coalesce(' ' || NEW.assessment, '')",
        ref="(SELECT ref FROM recommendations WHERE id = NEW.recommendation_id) || '/R' || NEW.n",
        case="(SELECT case_id FROM recommendations WHERE id = NEW.recommendation_id)",
        updatable=("text", "assessment"),
        migration="search_0002_safety",
    ),
]

#: Kinds the public index holds (the public report shows each of them).
PUBLIC_KINDS = tuple(s.kind for s in SOURCES)

_FTS = (
    "CREATE VIRTUAL TABLE {name} USING fts5("
    "case_id UNINDEXED, kind UNINDEXED, ref UNINDEXED, text,"
    " tokenize = 'unicode61 remove_diacritics 2', prefix = '3 4 5 6')"
)


def _source_statements(source: Source) -> list[str]:
    rowid = f"NEW.id * 16 + {source.number}"
    insert = (
        f"INSERT INTO search_index (rowid, case_id, kind, ref, text) VALUES"
        f" ({rowid}, {source.case}, '{source.kind}', {source.ref}, {source.text})"
    )
    statements = [
        f"CREATE TRIGGER search_{source.kind}_insert AFTER INSERT ON {source.table}"
        f" BEGIN {insert}; END"
    ]
    if source.updatable:
        columns = ", ".join(source.updatable)
        statements.append(
            f"CREATE TRIGGER search_{source.kind}_update AFTER UPDATE OF {columns}"
            f" ON {source.table} BEGIN DELETE FROM search_index WHERE rowid = {rowid};"
            f" {insert}; END"
        )
    back_fill = (
        "INSERT INTO search_index (rowid, case_id, kind, ref, text) SELECT"
        f" {rowid}, {source.case}, '{source.kind}', {source.ref}, {source.text}"
        f" FROM {source.table} AS NEW"
    )
    return [*statements, back_fill]


_PUBLIC = [
    _FTS.format(name="public_index"),
    # Which cases the public index holds, at which case version.
    """
    CREATE TABLE public_index_cases (
        case_id TEXT PRIMARY KEY REFERENCES cases(id),
        version INTEGER NOT NULL
    )
    """,
    # Cases whose public entries must be rebuilt (or dropped) before the next search.
    """CREATE TABLE public_index_stale (case_id TEXT PRIMARY KEY)""",
    """
    CREATE TRIGGER public_stale_case AFTER UPDATE OF version, state ON cases
    BEGIN INSERT OR IGNORE INTO public_index_stale (case_id) VALUES (NEW.id); END
    """,
    # Anyone's identifiers changing changes what every published text must withhold.
    """
    CREATE TRIGGER public_stale_person_insert AFTER INSERT ON persons
    BEGIN INSERT OR IGNORE INTO public_index_stale (case_id)
        SELECT case_id FROM public_index_cases; END
    """,
    """
    CREATE TRIGGER public_stale_person_update AFTER UPDATE ON persons
    BEGIN INSERT OR IGNORE INTO public_index_stale (case_id)
        SELECT case_id FROM public_index_cases; END
    """,
    # Every existing case is looked at once.
    """INSERT INTO public_index_stale (case_id) SELECT id FROM cases""",
]


def _create(db: Database, name: str) -> None:
    for source in SOURCES:
        if source.migration == name:
            for statement in _source_statements(source):
                db.execute(statement)


@MIGRATIONS.register("search_0001")
def search_schema(db: Database) -> None:
    """The restricted and public full-text indexes, their triggers, and a back-fill."""
    db.execute(_FTS.format(name="search_index"))
    _create(db, "search_0001")
    for statement in _PUBLIC:
        db.execute(statement)


@MIGRATIONS.register("search_0002_safety")
def search_safety(db: Database) -> None:
    """Index recommendations and responses."""
    _create(db, "search_0002_safety")


def _deferrable_statements(source: Source) -> list[str]:
    """The insert trigger of ``source``, skipping rows while its table is in
    ``deferred_indexes``, and the trigger that indexes those rows in one statement when
    the deferral ends (see :mod:`aaib_cp.db.deferred`)."""
    rowid = f"NEW.id * 16 + {source.number}"
    columns = "(rowid, case_id, kind, ref, text)"
    values = f"{rowid}, {source.case}, '{source.kind}', {source.ref}, {source.text}"
    return [
        f"DROP TRIGGER IF EXISTS search_{source.kind}_insert",
        f"CREATE TRIGGER search_{source.kind}_insert AFTER INSERT ON {source.table}"
        f" WHEN NOT EXISTS (SELECT 1 FROM deferred_indexes WHERE tbl = '{source.table}')"
        f" BEGIN INSERT INTO search_index {columns} VALUES ({values}); END",
        f"CREATE TRIGGER search_{source.kind}_deferred AFTER DELETE ON deferred_indexes"
        f" WHEN OLD.tbl = '{source.table}' BEGIN INSERT INTO search_index {columns}"
        f" SELECT {values} FROM {source.table} AS NEW WHERE NEW.id > OLD.after; END",
    ]


@MIGRATIONS.register("search_0003_deferred")
def search_deferred(db: Database) -> None:
    """Rows inserted in bulk are indexed once, at the end of their transaction."""
    for source in SOURCES:
        for statement in _deferrable_statements(source):
            db.execute(statement)


# -- queries --------------------------------------------------------------------------------
_TOKEN = re.compile(r'"([^"]*)"(\*?)|(\S+)')
_WORD = re.compile(r"\w", re.UNICODE)


def match_expression(query: str) -> str:
    """The FTS5 ``MATCH`` text for a user's query: each word or "quoted phrase" a phrase.

    Every token is quoted (so FTS5 operators and punctuation in user text are inert);
    a trailing ``*`` asks for a prefix. All tokens must match. Raises
    :class:`InputError` if the query has no word in it.
    """
    phrases = []
    for match in _TOKEN.finditer(query or ""):
        quoted, quoted_star, bare = match.groups()
        if bare is not None:
            star = bare.endswith("*")
            text = bare.rstrip("*")
        else:
            text, star = quoted, bool(quoted_star)
        if not _WORD.search(text):
            continue
        phrase = '"' + text.replace('"', '""') + '"'
        phrases.append(phrase + ("*" if star else ""))
    if not phrases:
        raise InputError(
            'search: the query has no words in it (expected words, "a phrase" or word*)'
        )
    return " ".join(phrases)


@attrs.frozen
class SearchHit:
    """One result: which record, its rank (lower is better) and a snippet."""

    case_id: str
    kind: str
    ref: str
    snippet: str
    rank: float

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return attrs.asdict(self)


def search(
    store: Store,
    query: str,
    *,
    public: bool = False,
    limit: int = 20,
    case_id: str | None = None,
    exclude_case: str | None = None,
    kinds: Sequence[str] = (),
) -> list[SearchHit]:
    """The best ``limit`` records matching ``query`` (restricted or public index)."""
    table = "public_index" if public else "search_index"
    where = [f"{table} MATCH ?"]
    params: list[Any] = [match_expression(query)]
    if case_id:
        where.append("case_id = ?")
        params.append(case_id)
    if exclude_case:
        where.append("case_id != ?")
        params.append(exclude_case)
    if kinds:
        where.append(f"kind IN ({', '.join('?' for _ in kinds)})")
        params.extend(kinds)
    # Rank by bm25 among the newest RANK_WINDOW matches: FTS5 walks its doclists in
    # rowid order and stops at the window, so a very common word costs at most the
    # window, not every matching row. For rarer words this is the exact ranking.
    ranked = store.db.execute(
        f"SELECT rowid, score FROM (SELECT rowid, bm25({table}) AS score FROM {table}"
        f" WHERE {' AND '.join(where)} ORDER BY rowid DESC LIMIT ?) ORDER BY score LIMIT ?",
        [*params, RANK_WINDOW, int(limit)],
    ).fetchall()
    if not ranked:
        return []
    scores = {rowid: score for rowid, score in ranked}
    marks = ", ".join("?" for _ in ranked)
    rows = store.db.execute(
        f"SELECT rowid, case_id, kind, ref, snippet({table}, 3, ?, ?, ?, 16) FROM {table}"
        f" WHERE {table} MATCH ? AND rowid IN ({marks})",
        [MARK_OPEN, MARK_CLOSE, ELLIPSIS, params[0], *scores],
    ).fetchall()
    hits = [SearchHit(c, k, r, s, float(scores[rowid])) for rowid, c, k, r, s in rows]
    return sorted(hits, key=lambda h: h.rank)


def record_text(store: Store, case_id: str, kind: str, ref: str) -> str | None:
    """The indexed (restricted) text of one record, or None."""
    row = store.db.execute(
        "SELECT text FROM search_index WHERE case_id = ? AND kind = ? AND ref = ? COLLATE NOCASE",
        [case_id, kind, ref],
    ).fetchone()
    return None if row is None else str(row[0])


# -- the public index -----------------------------------------------------------------------
def stale_cases(store: Store) -> list[dict[str, Any]]:
    """Cases whose public entries must be rebuilt or dropped: id, state, version, workflow."""
    rows = store.db.execute(
        "SELECT c.id, c.state, c.version, c.workflow_hash FROM public_index_stale s"
        " JOIN cases c ON c.id = s.case_id ORDER BY c.id"
    )
    return [dict(zip(("id", "state", "version", "workflow_hash"), r, strict=True)) for r in rows]


def replace_public_entries(
    store: Store, case_id: str, version: int | None, entries: Iterable[tuple[str, str, str]]
) -> None:
    """Replace a case's public entries with ``(kind, ref, text)``; ``version`` None drops it."""
    store.db.execute("DELETE FROM public_index WHERE case_id = ?", [case_id])
    store.db.execute("DELETE FROM public_index_cases WHERE case_id = ?", [case_id])
    if version is None:
        return
    store.db.execute(
        "INSERT INTO public_index_cases (case_id, version) VALUES (?, ?)", [case_id, version]
    )
    for kind, ref, text in entries:
        store.db.execute(
            "INSERT INTO public_index (case_id, kind, ref, text) VALUES (?, ?, ?, ?)",
            [case_id, kind, ref, text],
        )


def clear_stale(store: Store, case_ids: Sequence[str]) -> None:
    """Mark cases as up to date in the public index."""
    for case_id in case_ids:
        store.db.execute("DELETE FROM public_index_stale WHERE case_id = ?", [case_id])


def public_case_ids(store: Store) -> list[str]:
    """The cases the public index holds."""
    return [
        r[0] for r in store.db.execute("SELECT case_id FROM public_index_cases ORDER BY case_id")
    ]
