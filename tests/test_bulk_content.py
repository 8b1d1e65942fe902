"""Records created in bulk are audited by one digest per table (aaib_cp.db.content_groups):
the import's event stays small, and ``aaib audit verify`` still catches every change
made behind the engine to a record it created, naming the import's event."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from aaib_cp import Engine, Store
from aaib_cp.db.content import tables
from aaib_cp.db.content_groups import BULK, CREATED, WAS, digest, group_lines, members
from aaib_cp.evidence.chronology_csv import ImportRejected
from aaib_cp.evidence.service import Casebook
from aaib_cp.learning.sql_search import search
from aaib_cp.oversight import verify
from tests.conftest import FixedClock
from tests.records_helpers import LEAD, SAM, case_in_evidence

POLICE = "Northshire Police"
ROWS = BULK + 200


@pytest.fixture
def imported(tmp_path: Path, clock: FixedClock, workflow) -> tuple[Casebook, str, Path]:
    """A case with ROWS imported entries, each naming the child (so ROWS people links)."""
    path = tmp_path / "cases.db"
    store = Store.open(path, create=True, synchronous="OFF")
    book = Casebook(Engine(store, clock=clock))
    case_id = case_in_evidence(book.engine, workflow)
    book.add_agency(case_id, POLICE, "police", **LEAD)
    book.add_person(case_id, "Jo Bloggs", "child", date_of_birth="2020-01-02", **SAM)
    csv = tmp_path / "police.csv"
    lines = [f"2025-{1 + i % 12:02d}-{1 + i % 28:02d},Contact {i},Child A" for i in range(ROWS)]
    csv.write_text("when,what,people\n" + "\n".join(lines) + "\n", encoding="utf-8")
    assert ROWS == len(book.import_chronology(case_id, csv, agency=POLICE, **SAM))
    yield book, case_id, path
    store.close()


def _content(book: Casebook, case_id: str, n: int | None = None) -> dict:
    rows = book.engine.store.event_rows(case_id)
    row = rows[-1] if n is None else rows[n - 1]
    return json.loads(row["content"])


def _raw(path: Path, sql: str) -> int:
    """``sql`` run by an insider with a plain connection, every trigger dropped first
    and put back after."""
    conn = sqlite3.connect(path, isolation_level=None)
    saved = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    for name, _ in saved:
        conn.execute(f'DROP TRIGGER "{name}"')
    try:
        return conn.execute(sql).rowcount
    finally:
        for _, text in saved:
            conn.execute(text)
        conn.close()


def _broken(book: Casebook, case_id: str) -> list[tuple[int | None, str]]:
    return [(b.n, b.message) for b in verify(book.engine, case_id).broken]


def test_the_import_event_holds_a_digest_per_table_not_a_hash_per_record(imported):
    book, case_id, _ = imported
    content = _content(book, case_id)
    groups = {g["table"]: g for g in content[CREATED]}
    assert {"chronology_entries", "chronology_people"} == set(groups)
    assert {ROWS} == {g["count"] for g in groups.values()}
    assert not [r for r in content if r.startswith(("chronology_entries/", "chronology_people/"))]
    assert len(json.dumps(content)) < 2_000
    assert () == verify(book.engine, case_id).broken


def test_the_groups_digest_is_the_sha256_of_its_members_lines(imported):
    """The import writes each group's digest without building its members; what
    ``aaib audit verify`` recomputes from :func:`members` must be the same."""
    book, case_id, _ = imported
    db = book.engine.store.db
    by_name = {t.name: t for t in tables(db)}
    for group in _content(book, case_id)[CREATED]:
        t, first, last = by_name[group["table"]], group["first"], group["last"]
        sha = hashlib.sha256()
        found = list(members(db, t, case_id, first, last))
        for _, name, row_sha, _ in found:
            sha.update(group_lines(name, row_sha))
        assert (len(found), sha.hexdigest()) == digest(db, t, case_id, first, last)
        assert (group["count"], group["sha256"]) == (len(found), sha.hexdigest())


def test_a_small_import_still_lists_each_record(tmp_path, clock, workflow):
    store = Store.open(tmp_path / "small.db", create=True, synchronous="OFF")
    book = Casebook(Engine(store, clock=clock))
    case_id = case_in_evidence(book.engine, workflow)
    book.add_agency(case_id, POLICE, "police", **LEAD)
    csv = tmp_path / "small.csv"
    csv.write_text("when,what\n" + "".join(f"2025-01-02,Visit {i}\n" for i in range(BULK)))
    book.import_chronology(case_id, csv, agency=POLICE, **SAM)
    content = _content(book, case_id)
    assert CREATED not in content
    assert BULK == len([r for r in content if r.startswith("chronology_entries/")])
    store.close()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE chronology_entries SET what = 'Nothing happened' WHERE ref = 'C700'",
        "UPDATE chronology_entries SET key_episode = 1 WHERE ref = 'C1'",
        "DELETE FROM chronology_entries WHERE ref = 'C1100'",
        "DELETE FROM chronology_people WHERE entry_id = (SELECT max(id) FROM chronology_entries)",
    ],
)
def test_a_change_behind_the_engine_names_the_import_event(imported, sql):
    book, case_id, path = imported
    n = len(book.engine.history(case_id))
    assert 1 == _raw(path, sql)
    (found,) = _broken(book, case_id)
    assert n == found[0]
    assert "records it created" in found[1] and "no longer match its digest" in found[1]


def test_an_added_entry_is_not_taken_for_an_imported_one(imported):
    book, case_id, path = imported
    _raw(
        path,
        "INSERT INTO chronology_entries (case_id, ref, when_text, agency_id, what, key_episode,"
        " source, added_at, added_by) SELECT case_id, 'C9999', when_text, agency_id, 'Invented',"
        " 0, source, added_at, added_by FROM chronology_entries WHERE ref = 'C1'",
    )
    ((n, message),) = _broken(book, case_id)
    assert (None, "chronology_entries C9999: not written by any event (added)") == (n, message)


def test_later_changes_through_the_engine_still_verify(imported):
    book, case_id, _ = imported
    book.tag_entry(case_id, "C5", **SAM)
    book.tag_entry(case_id, "C5", key_episode=False, **SAM)
    book.tag_entry(case_id, "C6", **SAM)
    book.add_entry(case_id, when="2026-01-02", agency=POLICE, what="Visit", **SAM)
    assert WAS in _content(book, case_id, len(book.engine.history(case_id)) - 1)
    assert () == verify(book.engine, case_id).broken


def test_an_edit_carried_forward_by_a_later_change_is_still_caught(imported):
    """Edited behind the engine, then tagged through it: the tag records the edited
    entry's hash before the tag, which no longer matches the import's digest."""
    book, case_id, path = imported
    n = len(book.engine.history(case_id))
    _raw(path, "UPDATE chronology_entries SET what = 'Nothing happened' WHERE ref = 'C9'")
    book.tag_entry(case_id, "C9", **SAM)
    (found,) = _broken(book, case_id)
    assert n == found[0] and "no longer match its digest" in found[1]


def test_imported_entries_are_searchable_at_once_and_indexed_once(imported):
    """The index is filled at the end of the import, in its transaction: every entry once."""
    book, case_id, _ = imported
    store = book.engine.store
    hits = search(store, "Contact 1107")
    assert ("chronology", "C1108") in {(h.kind, h.ref) for h in hits}  # row i is C(i+1)
    count = "SELECT count(*) FROM search_index WHERE case_id = ? AND kind = 'chronology'"
    assert [(ROWS,)] == store.db.execute(count, [case_id]).fetchall()
    assert [] == store.db.execute("SELECT * FROM deferred_indexes").fetchall()
    book.add_entry(case_id, when="2026-01-02", agency=POLICE, what="Unusual bruising", **SAM)
    assert ["C" + str(ROWS + 1)] == [h.ref for h in search(store, "bruising")]


def test_a_rejected_import_leaves_the_index_as_it_was(imported, tmp_path):
    book, case_id, _ = imported
    store = book.engine.store
    before = store.db.execute("SELECT rowid, text FROM search_index ORDER BY rowid").fetchall()
    lines = [f"2025-01-02,Later visit {i}" for i in range(3 * BULK)]
    lines[-1] = "2025-02-30,Bad date"
    csv = tmp_path / "bad.csv"
    csv.write_text("when,what\n" + "\n".join(lines) + "\n")
    with pytest.raises(ImportRejected):
        book.import_chronology(case_id, csv, agency=POLICE, **SAM)
    after = store.db.execute("SELECT rowid, text FROM search_index ORDER BY rowid").fetchall()
    assert before == after
    assert [] == search(store, "later visit")
