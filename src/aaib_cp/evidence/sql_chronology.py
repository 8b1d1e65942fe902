"""SQL for reading the chronology in time order, a page at a time.

Entries sort by their earliest day, then coarse dates before precise ones, then the
time of day, then the order they were recorded (:attr:`When.sort_key
<aaib_cp.evidence.model.When.sort_key>`). :data:`ORDER_KEY` computes the same order in
SQL from the stored text, and an index on it lets the first page of a chronology of a
million entries be read without sorting them all.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from aaib_cp.db.connection import Database, Migrations, fetch_rows
from aaib_cp.db.store import Store
from aaib_cp.evidence.model import ChronologyEntry, When

__all__ = ["MIGRATIONS", "ORDER_KEY", "chronology", "find_entry", "iter_chronology"]

#: This module's schema changes (joined by :mod:`aaib_cp.wiring`).
MIGRATIONS = Migrations()

#: The sort key of a stored ``when_text`` (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or
#: ``YYYY-MM-DDTHH:MM[:SS]``): earliest day, precision digit, time of day.
ORDER_KEY = (
    "(CASE length(when_text) WHEN 4 THEN when_text || '-01-010'"
    " WHEN 7 THEN when_text || '-011'"
    " WHEN 10 THEN when_text || '2'"
    " WHEN 16 THEN substr(when_text, 1, 10) || '3' || substr(when_text, 12)"
    " ELSE substr(when_text, 1, 10) || '4' || substr(when_text, 12) END)"
)

_ORDER_C = ORDER_KEY.replace("when_text", "c.when_text")
_SELECT = (
    "SELECT c.*, a.name AS agency, e.ref AS ev_ref, e.version AS ev_version,"
    f" {_ORDER_C} AS aaib_order FROM chronology_entries c JOIN agencies a ON a.id = c.agency_id"
    " LEFT JOIN evidence_items e ON e.id = c.evidence_id"
)


@MIGRATIONS.register("records_0002_chronology_order")
def chronology_order(db: Database) -> None:
    """Index the chronology by case and time order."""
    db.execute(
        f"CREATE INDEX IF NOT EXISTS chronology_time_order"
        f" ON chronology_entries(case_id, {ORDER_KEY}, id)"
    )


@MIGRATIONS.register("records_0003_drop_chronology_case")
def drop_chronology_case(db: Database) -> None:
    """Drop the index on the chronology's case alone: the unique index on
    ``(case_id, ref)`` answers the same lookups, and every imported row paid for both
    (a third of the inserts' time at 100,000 rows)."""
    db.execute("DROP INDEX IF EXISTS chronology_case")


def _fetch(store: Store, sql: str, params: Sequence[Any]) -> tuple[dict[str, int], list[Any]]:
    """The result of a query as its column positions and its rows (plain tuples: a long
    chronology is read faster than as one dict per row)."""
    cursor = store.db.execute(sql, list(params))
    return {c[0]: i for i, c in enumerate(cursor.description)}, cursor.fetchall()


def _entries(
    store: Store, case_id: str, columns: dict[str, int], rows: Sequence[Sequence[Any]]
) -> list[ChronologyEntry]:
    i_id, i_ref, i_when, i_agency = (columns[c] for c in ("id", "ref", "when_text", "agency"))
    i_what, i_key, i_source = (columns[c] for c in ("what", "key_episode", "source"))
    i_ev, i_version = columns["ev_ref"], columns["ev_version"]
    who: dict[int, list[tuple[str, str]]] = {}
    nobody: list[tuple[str, str]] = []  # shared by the entries without people, never changed
    ids = [r[i_id] for r in rows]
    if ids:
        for p in fetch_rows(
            store.db,
            "SELECT cp.entry_id, p.pseudonym, p.role FROM chronology_people cp"
            " JOIN persons p ON p.id = cp.person_id"
            " WHERE cp.entry_id IN (SELECT value FROM json_each(?)) ORDER BY p.id",
            [f"[{','.join(map(str, ids))}]"],
        ):
            who.setdefault(p["entry_id"], []).append((p["pseudonym"], p["role"]))
    out = []
    parsed: dict[str, When] = {}  # a long chronology repeats its dates: each is parsed once
    for r in rows:
        people_here = who.get(r[i_id], nobody)
        when = parsed.get(r[i_when])
        if when is None:
            when = parsed[r[i_when]] = When.parse(r[i_when])
        evidence = None
        if r[i_ev] is not None:
            evidence = r[i_ev] if r[i_version] == 1 else f"{r[i_ev]}v{r[i_version]}"
        out.append(
            ChronologyEntry(
                id=r[i_id],
                case_id=case_id,
                ref=r[i_ref],
                when=when,
                agency=r[i_agency],
                people=tuple([p for p, _ in people_here]) if people_here else (),
                what=r[i_what],
                evidence=evidence,
                key_episode=bool(r[i_key]),
                source=r[i_source],
                involves_child=bool(people_here) and any(x == "child" for _, x in people_here),
            )
        )
    return out


def iter_chronology(store: Store, case_id: str, *, page: int = 500) -> Iterator[ChronologyEntry]:
    """Every agency's entries merged in time order, read ``page`` entries at a time."""
    after: tuple[str, int] | None = None
    while True:
        where = "c.case_id = ?"
        params: list[Any] = [case_id]
        if after is not None:
            where += f" AND ({_ORDER_C}, c.id) > (?, ?)"
            params += list(after)
        columns, rows = _fetch(
            store, f"{_SELECT} WHERE {where} ORDER BY aaib_order, c.id LIMIT ?", [*params, page]
        )
        yield from _entries(store, case_id, columns, rows)
        if len(rows) < page:
            return
        after = (rows[-1][columns["aaib_order"]], rows[-1][columns["id"]])


def chronology(store: Store, case_id: str) -> list[ChronologyEntry]:
    """Every agency's entries merged into one chronology, in time order."""
    return list(iter_chronology(store, case_id, page=10_000))


def find_entry(store: Store, case_id: str, ref: str) -> ChronologyEntry | None:
    """One chronology entry by reference (``C3``, in any case)."""
    columns, rows = _fetch(
        store, f"{_SELECT} WHERE c.case_id = ? AND lower(c.ref) = ?", [case_id, ref.strip().lower()]
    )
    found = _entries(store, case_id, columns, rows[:1])
    return found[0] if found else None
