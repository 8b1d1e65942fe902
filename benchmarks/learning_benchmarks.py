"""Measurements 4 and 6: cross-case full-text search, and chronology CSV import.

4. ``search``: ``aaib_cp.learning.sql_search.search`` over an index of chronology entries
   spread over 10,000 cases, against a bare FTS5 query that ranks every match
   (``ORDER BY bm25 LIMIT 20`` with a snippet) on the same index.
6. ``chronology_import``: ``Casebook.import_chronology`` (validates every row, then
   inserts, indexes and audits in one transaction) against a bare sqlite-utils
   ``insert_all`` of the same CSV rows into a fresh table.
"""

from __future__ import annotations

import csv
import random
import sqlite3
import statistics
import time
from datetime import date
from pathlib import Path
from typing import Any

from harness import Row, RunContext, Target, measurement, median_time

#: Words of a chronology entry: a Zipf-distributed vocabulary of 5,000 words, as in
#: natural language, with the domain words of the queries placed at realistic ranks
#: (the most frequent, "visit" and "child", appear in most entries).
DOMAIN = {
    0: "visit",
    1: "child",
    2: "home",
    3: "mother",
    5: "social",
    6: "worker",
    8: "police",
    12: "school",
    15: "health",
    20: "strategy",
    25: "meeting",
    30: "missed",
    35: "appointment",
    40: "pressure",
    60: "caseload",
    100: "bruise",
    150: "escalation",
}
VOCABULARY = [DOMAIN.get(i, f"w{i}") for i in range(5000)]
WEIGHTS = [1 / (rank + 1) for rank in range(5000)]
QUERIES = ("w1234", "caseload pressure", '"missed appointment" escalation', "strategy", "bruis*")
CASES = 10_000


def _entry_text(rng: random.Random, vocabulary: list[str], weights: list[float]) -> str:
    return " ".join(rng.choices(vocabulary, weights, k=12))


def _search_db(ctx: RunContext, entries: int) -> Path:
    """A database whose restricted index holds ``entries`` chronology entries."""
    from aaib_cp import Store

    key = f"search:{entries}"
    if key in ctx.cache:
        return ctx.cache[key]  # type: ignore[no-any-return]
    path = ctx.workdir / f"search-{entries}.db"
    Store.open(path, create=True, synchronous="OFF").close()
    rng = random.Random(ctx.seed)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO search_index (case_id, kind, ref, text) VALUES (?, 'chronology', ?, ?)",
        (
            (f"CP-2026-{i % CASES:05d}", f"C{i}", _entry_text(rng, VOCABULARY, WEIGHTS))
            for i in range(entries)
        ),
    )
    conn.execute("COMMIT")
    conn.close()
    ctx.cache[key] = path
    return path


@measurement(
    "search",
    number=4,
    title="Cross-case full-text search (5 queries, common words included), 10,000 cases",
    baseline="bare FTS5: MATCH, ORDER BY bm25 over every match, LIMIT 20, with snippet",
    sizes=(10_000, 100_000, 1_000_000),
    quick_sizes=(2_000,),
)
def search_latency(ctx: RunContext, size: int | None) -> list[Row]:
    """Median search time over the query mix, beside the bare FTS5 query."""
    from aaib_cp import Store
    from aaib_cp.learning.sql_search import match_expression, search

    entries = int(size or 10_000)
    path = _search_db(ctx, entries)
    store = Store.open(path)
    engine_samples: list[float] = []
    bare_samples: list[float] = []
    bare_sql = (
        "SELECT case_id, kind, ref, snippet(search_index, 3, '[', ']', '...', 16),"
        " bm25(search_index) FROM search_index WHERE search_index MATCH ?"
        " ORDER BY bm25(search_index) LIMIT 20"
    )
    for query in QUERIES:
        expression = match_expression(query)
        _, samples = median_time(lambda q=query: search(store, q), ctx.repeat)
        engine_samples += samples
        _, samples = median_time(
            lambda e=expression: store.db.execute(bare_sql, [e]).fetchall(), ctx.repeat
        )
        bare_samples += samples
    store.close()
    return [
        Row(
            measurement="search",
            variant="median over the query mix",
            size=entries,
            value=statistics.median(engine_samples) * 1000,
            unit="ms",
            baseline="bare FTS5 ranking every match",
            baseline_value=statistics.median(bare_samples) * 1000,
            target=Target(max_value=20),
            samples=[s * 1000 for s in engine_samples],
            baseline_samples=[s * 1000 for s in bare_samples],
        )
    ]


def _import_case(path: Path) -> tuple[Any, str]:
    """A fresh database with one case in the evidence phase and one agency."""
    from aaib_cp import Engine, Store, load_workflow
    from aaib_cp.evidence.service import Casebook
    from aaib_cp.testing.accounts import sample_account

    store = Store.open(path, create=True)
    engine = Engine(store)
    chief = {
        "actor": sample_account(store, "Chris", "chief_investigator"),
        "role": "chief_investigator",
    }
    lead = {"actor": sample_account(store, "Lee"), "role": "lead_investigator"}
    case = engine.open_case(
        load_workflow("child-protection"),
        title="Child A",
        known_on=date(2026, 1, 5),
        actor=sample_account(store, "Ana", "notifier"),
        role="notifier",
    )
    engine.fire(case.id, "start_triage", **chief)
    engine.fire(
        case.id,
        "decide_investigate",
        **chief,
        reason="benchmark",
        fields={"classification": "other", "depth": "field"},
    )
    engine.appoint(case.id, lead["actor"], "lead_investigator", **chief)
    engine.fire(case.id, "agree_scope", **lead, fields={"terms_of_reference": "benchmark"})
    Casebook(engine).add_agency(case.id, "Northshire Police", "police", **lead)
    return engine, case.id


def _csv_file(ctx: RunContext, rows: int) -> Path:
    path = ctx.workdir / f"chronology-{rows}.csv"
    if not path.exists():
        rng = random.Random(ctx.seed)
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["when", "what", "agency", "people", "evidence", "key_episode"])
            for i in range(rows):
                day = date.fromordinal(date(2020, 1, 1).toordinal() + i % 2000)
                writer.writerow(
                    [
                        day.isoformat(),
                        _entry_text(rng, VOCABULARY, WEIGHTS),
                        "Northshire Police",
                        "",
                        "",
                        "no",
                    ]
                )
    return path


@measurement(
    "chronology_import",
    number=6,
    title="Importing an agency's chronology CSV (validate all rows, insert, index, audit)",
    baseline="bare sqlite-utils insert_all of the same CSV rows",
    sizes=(1_000, 10_000, 100_000),
    quick_sizes=(200,),
)
def chronology_import(ctx: RunContext, size: int | None) -> list[Row]:
    """Rows per second through the engine's import, beside a bare sqlite-utils insert."""
    import sqlite_utils

    from aaib_cp.evidence.service import Casebook

    rows = int(size or 1_000)
    source = _csv_file(ctx, rows)
    engine_samples: list[float] = []
    bare_samples: list[float] = []
    for run in range(max(1, ctx.repeat)):
        engine, case_id = _import_case(ctx.workdir / f"import-{rows}-{run}.db")
        start = time.perf_counter()
        imported = Casebook(engine).import_chronology(
            case_id, source, actor=engine.store.accounts.by_name("Lee"), role="lead_investigator"
        )
        engine_samples.append(time.perf_counter() - start)
        assert len(imported) == rows
        engine.store.close()
        bare = sqlite_utils.Database(ctx.workdir / f"bare-{rows}-{run}.db")
        start = time.perf_counter()
        with open(source, newline="", encoding="utf-8") as fh:
            bare["chronology"].insert_all(csv.DictReader(fh))
        bare_samples.append(time.perf_counter() - start)
        bare.close()
    return [
        Row(
            measurement="chronology_import",
            variant="rows per second",
            size=rows,
            value=rows / statistics.median(engine_samples),
            unit="/s",
            baseline="bare sqlite-utils insert",
            baseline_value=rows / statistics.median(bare_samples),
            target=Target(min_ratio=0.5) if rows >= 100_000 else None,
            samples=[rows / s for s in engine_samples],
            baseline_samples=[rows / s for s in bare_samples],
        )
    ]


_DAY0 = date(2015, 1, 1).toordinal()


def insert_entries(
    store: Any,
    case_id: str,
    agency_ids: list[int],
    count: int,
    *,
    first: int,
    day: Any,
    rng: random.Random,
) -> None:
    """Bulk-insert ``count`` generated entries ``C<first>``... (``day(i)``: an ordinal)."""
    with store.transaction():
        store.db.conn.executemany(
            "INSERT INTO chronology_entries (case_id, ref, when_text, agency_id, what,"
            " evidence_id, key_episode, source, added_at, added_by)"
            " VALUES (?, ?, ?, ?, ?, NULL, 0, 'benchmark', '2026-01-01T00:00:00+00:00', 'bench')",
            (
                (
                    case_id,
                    f"C{first + i}",
                    date.fromordinal(day(i)).isoformat(),
                    agency_ids[i % len(agency_ids)],
                    _entry_text(rng, VOCABULARY, WEIGHTS),
                )
                for i in range(count)
            ),
        )


def _report_db(ctx: RunContext, entries: int) -> tuple[Path, str]:
    """The demo's closed case, its chronology grown to ``entries`` entries in bulk."""
    from aaib_cp import Engine, Store
    from aaib_cp.demo import run_demo

    key = f"report:{entries}"
    if key in ctx.cache:
        return ctx.cache[key]  # type: ignore[no-any-return]
    path = ctx.workdir / f"report-{entries}.db"
    store = Store.open(path, create=True, synchronous="OFF")
    case_id = run_demo(Engine(store), say=lambda _: None)
    agency_ids = [
        r[0] for r in store.db.execute("SELECT id FROM agencies WHERE case_id = ?", [case_id])
    ]
    existing = store.db.execute(
        "SELECT count(*) FROM chronology_entries WHERE case_id = ?", [case_id]
    ).fetchone()[0]
    rng = random.Random(ctx.seed)
    insert_entries(
        store,
        case_id,
        agency_ids,
        max(0, entries - existing),
        first=existing + 1,
        day=lambda i: _DAY0 + i % 3000,
        rng=rng,
    )
    store.close()
    ctx.cache[key] = (path, case_id)
    return path, case_id


@measurement(
    "public_report",
    number=5,
    title="Public HTML report (anonymised, timeline and workflow pictures) of one case",
    baseline="bare Jinja2: the same chronology rows rendered into an HTML table",
    sizes=(1_000, 10_000),
    quick_sizes=(100,),
)
def public_report(ctx: RunContext, size: int | None) -> list[Row]:
    """Seconds to write the public HTML report, beside a bare template of the same rows."""
    import jinja2

    from aaib_cp import Engine, Store
    from aaib_cp.reports.build import Publisher
    from aaib_cp.testing.accounts import sample_account

    entries = int(size or 10_000)
    path, case_id = _report_db(ctx, entries)
    store = Store.open(path)
    engine = Engine(store)
    reader = sample_account(store, "Benchmark")
    out = ctx.workdir / f"report-{entries}.html"
    engine_median, engine_samples = median_time(
        lambda: Publisher(engine).write(case_id, out, audience="public", fmt="html", actor=reader),
        ctx.repeat,
    )
    rows = store.db.execute(
        "SELECT ref, when_text, what FROM chronology_entries WHERE case_id = ? ORDER BY id",
        [case_id],
    ).fetchall()
    store.close()
    template = jinja2.Environment(autoescape=True).from_string(
        "<html><body><table>{% for r in rows %}<tr><td>{{ r[0] }}</td><td>{{ r[1] }}</td>"
        "<td>{{ r[2] }}</td></tr>{% endfor %}</table></body></html>"
    )
    bare_median, bare_samples = median_time(lambda: template.render(rows=rows), ctx.repeat)
    return [
        Row(
            measurement="public_report",
            variant="public HTML, written and audited",
            size=entries,
            value=engine_median,
            unit="s",
            baseline="bare Jinja2 table of the same rows",
            baseline_value=bare_median,
            target=Target(max_ratio=20) if entries >= 10_000 else Target(max_value=2),
            samples=engine_samples,
            baseline_samples=bare_samples,
        )
    ]


@measurement(
    "public_report_pdf",
    number=7,
    title="Public PDF report (tagged, marked pages, fonts embedded) of one case",
    baseline="the same report as HTML (the PDF is printed from it)",
    sizes=(1_000, 10_000),
    quick_sizes=(None,),
)
def public_report_pdf(ctx: RunContext, size: int | None) -> list[Row]:
    """Seconds to write the public PDF: the demo as it is (no size), or grown to ``size``."""
    from aaib_cp import Engine, Store
    from aaib_cp.reports.build import Publisher
    from aaib_cp.testing.accounts import sample_account

    path, case_id = _report_db(ctx, int(size or 0))
    store = Store.open(path)
    engine = Engine(store)
    reader = sample_account(store, "Benchmark")
    entries = store.db.execute(
        "SELECT count(*) FROM chronology_entries WHERE case_id = ?", [case_id]
    ).fetchone()[0]

    def write(fmt: str) -> Any:
        out = ctx.workdir / f"report-{entries}.{fmt}"
        return Publisher(engine).write(case_id, out, audience="public", fmt=fmt, actor=reader)

    pdf_median, pdf_samples = median_time(lambda: write("pdf"), ctx.repeat)
    html_median, html_samples = median_time(lambda: write("html"), ctx.repeat)
    store.close()
    return [
        Row(
            measurement="public_report_pdf",
            variant="public PDF, written and audited",
            size=entries,
            value=pdf_median,
            unit="s",
            baseline="public HTML of the same case",
            baseline_value=html_median,
            target=Target(max_value=60),
            samples=pdf_samples,
            baseline_samples=html_samples,
        )
    ]
