"""The paths made fast for large cases give the same answers as the simple ones.

Chronology import writes in batches inside one transaction, the chronology is read a
page at a time in an order computed by SQL, long tables are printed as rows arrive,
and ASCII text is checked by one regular expression. Each is checked here against
the straightforward definition it replaces.
"""

from __future__ import annotations

import itertools
import random
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aaib_cp import Engine, Store
from aaib_cp.cli import chronology as chronology_cli
from aaib_cp.cli._common import stream_table, table
from aaib_cp.evidence import sql as records_db
from aaib_cp.evidence.chronology import _with_gaps
from aaib_cp.evidence.chronology_csv import ImportRejected
from aaib_cp.evidence.model import ChronologyEntry, Gap, When, find_gaps
from aaib_cp.evidence.service import Casebook
from aaib_cp.evidence.sql_chronology import ORDER_KEY
from aaib_cp.workflow.input_text import first_bad_character, text_problem
from tests.conftest import FixedClock
from tests.records_helpers import LEAD, SAM, case_in_evidence

POLICE = "Northshire Police"


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)), st.booleans())
def test_ascii_shortcut_finds_what_the_slow_check_finds(value, multiline):
    """Any ASCII text gets exactly the message the character-by-character check gives."""
    allowed = "\n\t\r" if multiline else ""
    assert first_bad_character(value, allowed) == text_problem(
        value, multiline=multiline, max_len=10**6
    )


_WHEN = st.one_of(
    st.integers(1990, 2030).map(lambda y: f"{y:04d}"),
    st.tuples(st.integers(1990, 2030), st.integers(1, 12)).map(lambda t: f"{t[0]:04d}-{t[1]:02d}"),
    st.dates(date(1990, 1, 1), date(2030, 12, 31)).map(date.isoformat),
    st.tuples(st.dates(date(1990, 1, 1), date(2030, 12, 31)), st.times()).map(
        lambda t: f"{t[0].isoformat()}T{t[1].strftime('%H:%M')}"
    ),
    st.tuples(st.dates(date(1990, 1, 1), date(2030, 12, 31)), st.times()).map(
        lambda t: f"{t[0].isoformat()}T{t[1].strftime('%H:%M:%S')}"
    ),
)


@given(st.lists(_WHEN, min_size=1, max_size=30))
def test_sql_order_is_the_python_order(texts):
    """Sorting by ORDER_KEY in SQLite gives When.sort_key's order (ties by insertion)."""
    whens = [When.parse(t) for t in texts]
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, when_text TEXT)")
    conn.executemany(
        "INSERT INTO t (id, when_text) VALUES (?, ?)", enumerate(w.text for w in whens)
    )
    in_sql = [i for (i,) in conn.execute(f"SELECT id FROM t ORDER BY {ORDER_KEY}, id")]
    in_python = sorted(range(len(whens)), key=lambda i: (whens[i].sort_key, i))
    assert in_python == in_sql


@given(st.lists(st.tuples(_WHEN, st.booleans()), max_size=40), st.integers(0, 400))
def test_streamed_gaps_are_the_gaps_found_at_once(items, gap_days):
    """Gaps found while streaming are find_gaps's, each just before the day it ends."""
    whens = [When.parse(t) for t, _ in items]
    entries = sorted(
        (
            ChronologyEntry(i, "C", f"C{i}", w, "A", (), "x", None, False, "t", child)
            for i, (w, (_, child)) in enumerate(zip(whens, items, strict=True))
        ),
        key=lambda e: (e.when.sort_key, e.id),
    )
    streamed = list(_with_gaps(entries, gap_days))
    assert find_gaps(entries, gap_days=gap_days) == [g for g in streamed if isinstance(g, Gap)]
    assert entries == [e for e in streamed if not isinstance(e, Gap)]
    for before, gap in itertools.pairwise(streamed):
        if isinstance(gap, Gap) and not isinstance(before, Gap):
            assert before.when.earliest < gap.end


class TestStreamTable:
    headers = ("when", "what", "flags")

    def test_short_listing_is_the_plain_table(self):
        """Up to ``first`` rows, the streamed table is exactly :func:`table`."""
        rows = [[f"2026-01-{d:02d}", "visit " * d, "KEY"] for d in range(1, 6)]
        assert table(rows, self.headers) == "\n".join(stream_table(rows, self.headers, first=5))

    def test_later_rows_keep_the_first_widths(self):
        """Rows after the first screen line up under it, a longer cell wrapping."""
        rows = [["2026-01-01", "short", ""]] * 3 + [["2026-01-02", "a much longer cell " * 3, "K"]]
        lines = list(stream_table(rows, self.headers, first=3))
        assert lines[:5] == table(rows[:3], self.headers).splitlines()
        width = len(lines[1].split("  ")[1])
        later = lines[5:]
        assert len(later) > 1
        assert all(len(line[12 : 12 + width].rstrip()) <= width for line in later)
        assert [
            "a",
            "much",
            "longer",
            "cell",
            "a",
            "much",
            "longer",
            "cell",
            "a",
            "much",
            "longer",
            "cell",
        ] == " ".join(line[12 : 12 + width] for line in later).split()


def test_progress_hands_on_rows_before_reading_them_all(monkeypatch):
    """The import's progress wrapper does not read the whole file before the first row."""
    monkeypatch.setattr(chronology_cli, "is_tty", lambda: False)
    read: list[int] = []

    def source():
        for i in range(10_000):
            read.append(i)
            yield i

    first = next(chronology_cli._progress(source()))
    assert (0, True) == (first, len(read) <= chronology_cli.PROGRESS_FROM + 1)


@pytest.fixture
def book(tmp_path: Path, clock: FixedClock) -> Casebook:
    store = Store.open(tmp_path / "cases.db", create=True, synchronous="OFF")
    yield Casebook(Engine(store, clock=clock))
    store.close()


@pytest.fixture
def case_id(book: Casebook, workflow) -> str:
    case = case_in_evidence(book.engine, workflow)
    book.add_agency(case, POLICE, "police", **LEAD)
    book.add_person(case, "Jo Bloggs", "child", date_of_birth="2020-01-02", **SAM)
    return case


def _csv(path: Path, rows: list[str]) -> Path:
    path.write_text("when,what,people\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


class TestImportInBatches:
    def test_a_bad_row_after_the_first_batches_writes_nothing(self, book, case_id, tmp_path):
        """Rows already written in earlier batches are rolled back with the rest."""
        rows = [f"2025-{1 + i % 12:02d}-01,Contact {i},Child A" for i in range(5_000)]
        rows[4_500] = "2025-02-30,Contact,Child A"
        before = (book.engine.get(case_id).version, len(book.engine.history(case_id)))
        with pytest.raises(ImportRejected) as caught:
            book.import_chronology(case_id, _csv(tmp_path / "c.csv", rows), agency=POLICE, **SAM)
        assert ["c.csv: row 4502: when: '2025-02-30' is not a valid date"] == [
            str(e) for e in caught.value.errors
        ]
        after = (book.engine.get(case_id).version, len(book.engine.history(case_id)))
        assert (before, ()) == (after, book.chronology(case_id).entries)

    def test_batches_read_back_in_time_order(self, book, case_id, tmp_path):
        """Entries written over several batches read back in order, references in file order."""
        days = [date(2010, 1, 1).toordinal() + d for d in range(4_100)]
        random.Random(3).shuffle(days)
        rows = [f"{date.fromordinal(d).isoformat()},Contact {i}," for i, d in enumerate(days)]
        refs = book.import_chronology(case_id, _csv(tmp_path / "c.csv", rows), agency=POLICE, **SAM)
        entries = book.chronology(case_id).entries
        assert [f"C{i}" for i in range(1, 4_101)] == refs
        assert sorted(days) == [e.when.earliest.toordinal() for e in entries]
        _, streamed = book.timeline(case_id)
        assert list(entries) == list(streamed)
        assert entries[7] == records_db.find_entry(book.store, case_id, entries[7].ref.lower())


def test_cases_page_by_page_are_the_cases_listed(engine, workflow):
    """`aaib list` reads cases a page at a time: together, exactly list_cases, in order."""
    from tests.people import as_role

    for i in range(7):
        engine.open_case(
            workflow, title=f"Child {i}", known_on=date(2026, 1, 5), **as_role("Ana", "notifier")
        )
    engine.fire(
        engine.store.list_cases()[3].id, "start_triage", **as_role("Chris", "chief_investigator")
    )
    for state in (None, "notification", "triage"):
        pages = list(engine.store.iter_cases(state=state, page=2))
        assert engine.store.list_cases(state=state) == [c for p in pages for c in p]
        assert all(0 < len(p) <= 2 for p in pages)
