"""Measurements 9-12: the chronology's first screen, import memory, audit verify, workflow check.

9. ``chronology_show``: the first screen (50 lines) of ``aaib chronology show`` on a case
   of 10,000 and 1,000,000 entries, the command's own code in-process (process start-up
   is measurement 3), against the bare SQL that reads the first 50 entries by rowid.
10. ``import_memory``: peak resident memory of a fresh process importing a chronology
   CSV of 1,000,000 rows (about 100 MB; the import accepts up to 256 MB), against the
   same process reading the same file with ``sqlite-utils`` ``insert_all``.
11. ``audit_verify``: :func:`aaib_cp.oversight.verify` of every case of a synthetic
    database of 10,000 and 100,000 cases, against SHA-256 of the same event bytes.
12. ``workflow_check``: :func:`aaib_cp.workflow.check.explore` of each shipped workflow,
    against loading and validating the same file.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

from engine_benchmarks import _database
from harness import Row, RunContext, Target, measurement, median_time
from learning_benchmarks import _csv_file, insert_entries

HERE = Path(__file__).resolve().parent
SCREEN = 50
_DAY0 = date(2000, 1, 1).toordinal()


def _chronology_db(ctx: RunContext, entries: int) -> tuple[Path, str]:
    """A case in evidence with ``entries`` chronology entries (people on one in ten)."""
    from aaib_cp import Store
    from learning_benchmarks import _import_case

    key = f"chronology:{entries}"
    if key in ctx.cache:
        return ctx.cache[key]  # type: ignore[no-any-return]
    path = ctx.workdir / f"chronology-{entries}.db"
    engine, case_id = _import_case(path)
    engine.store.close()
    store = Store.open(path, synchronous="OFF")
    (agency,) = store.db.execute("SELECT id FROM agencies WHERE case_id = ?", [case_id]).fetchone()
    rng = random.Random(ctx.seed)
    insert_entries(
        store,
        case_id,
        [agency],
        entries,
        first=1,
        day=lambda _: _DAY0 + rng.randrange(9000),
        rng=rng,
    )
    store.close()
    ctx.cache[key] = (path, case_id)
    return path, case_id


@measurement(
    "chronology_show",
    number=9,
    title="First screen of `aaib chronology show` (in-process; start-up is measurement 3)",
    baseline="bare SQL: the case's first 50 entries in time order, through its index",
    sizes=(10_000, 1_000_000),
    quick_sizes=(2_000,),
)
def chronology_show(ctx: RunContext, size: int | None) -> list[Row]:
    """Milliseconds until the first 50 lines of the chronology table are ready."""
    from aaib_cp import Engine, Store
    from aaib_cp.cli._common import stream_table
    from aaib_cp.evidence.model import Gap
    from aaib_cp.evidence.service import Casebook
    from aaib_cp.evidence.sql_chronology import ORDER_KEY

    entries = int(size or 10_000)
    path, case_id = _chronology_db(ctx, entries)
    store = Store.open(path)
    book = Casebook(Engine(store))
    headers = ["when", "entry", "agency", "what", "people", "evidence", "flags"]

    def first_screen() -> list[str]:
        _, items = book.timeline(case_id)
        rows = (
            ["", "", "", "gap", "", "", ""]
            if isinstance(item, Gap)
            else [item.when.text, item.ref, item.agency, item.what, "", "", ""]
            for item in items
        )
        return list(itertools.islice(stream_table(rows, headers), SCREEN))

    def bare() -> list[Any]:
        return store.db.execute(
            f"SELECT * FROM chronology_entries WHERE case_id = ? ORDER BY {ORDER_KEY}, id LIMIT ?",
            [case_id, SCREEN],
        ).fetchall()

    first_screen()  # the first read of the workflow is a command's start-up cost
    engine_median, engine_samples = median_time(first_screen, max(ctx.repeat, 5))
    bare_median, bare_samples = median_time(bare, max(ctx.repeat, 5))
    store.close()
    return [
        Row(
            measurement="chronology_show",
            variant="first 50 lines of the table",
            size=entries,
            value=engine_median * 1000,
            unit="ms",
            baseline="bare SQL: first 50 in time order",
            baseline_value=bare_median * 1000,
            target=Target(max_value=100),
            samples=[s * 1000 for s in engine_samples],
            baseline_samples=[s * 1000 for s in bare_samples],
        )
    ]


_IMPORT = """
import re, sys, time
sys.path.insert(0, {here!r})
from pathlib import Path
from aaib_cp.evidence.service import Casebook
from learning_benchmarks import _import_case
engine, case_id = _import_case(Path({db!r}))
start = time.perf_counter()
refs = Casebook(engine).import_chronology(
    case_id, {csv!r}, actor=engine.store.accounts.by_name("Lee"), role="lead_investigator"
)
print(len(refs), time.perf_counter() - start, {peak})
"""

_BARE = """
import csv, re, sqlite_utils, time
start = time.perf_counter()
db = sqlite_utils.Database({db!r})
with open({csv!r}, newline="", encoding="utf-8") as fh:
    db["chronology"].insert_all(csv.DictReader(fh))
print(0, time.perf_counter() - start, {peak})
"""


#: The process's peak resident memory in KiB (``ru_maxrss`` would count the parent's,
#: inherited across fork, for a child smaller than its parent).
_PEAK = "int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))"


def _child(script: str) -> tuple[int, float, float]:
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip()[-2000:])
    rows, seconds, kib = result.stdout.split()
    return int(rows), float(seconds), int(kib) / 1024


@measurement(
    "import_memory",
    number=10,
    title="Peak memory of a process importing a 1,000,000-row chronology CSV (about 100 MB)",
    baseline="the same file read by sqlite-utils insert_all in a fresh process",
    sizes=(1_000_000,),
    quick_sizes=(2_000,),
)
def import_memory(ctx: RunContext, size: int | None) -> list[Row]:
    """Peak RSS (MB) of a fresh process that imports ``size`` rows, and its rows/s."""
    rows = int(size or 1_000_000)
    source = _csv_file(ctx, rows)
    db = ctx.workdir / f"memory-{rows}.db"
    bare_db = ctx.workdir / f"memory-bare-{rows}.db"
    for path in (db, bare_db):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    imported, seconds, peak = _child(
        _IMPORT.format(here=str(HERE), db=str(db), csv=str(source), peak=_PEAK)
    )
    assert imported == rows
    _, bare_seconds, bare_peak = _child(_BARE.format(db=str(bare_db), csv=str(source), peak=_PEAK))
    return [
        Row(
            measurement="import_memory",
            variant="peak RSS of the importing process",
            size=rows,
            value=peak,
            unit="MB",
            baseline="sqlite-utils insert_all process",
            baseline_value=bare_peak,
            target=Target(max_value=300),
        ),
        Row(
            measurement="import_memory",
            variant="rows per second (one run)",
            size=rows,
            value=rows / seconds,
            unit="/s",
            baseline="sqlite-utils insert_all",
            baseline_value=rows / bare_seconds,
            target=None,
        ),
    ]


@measurement(
    "audit_verify",
    number=11,
    title="aaib audit verify of every case (chains, heads, replay, records, schema)",
    baseline="bare hashlib: SHA-256 of every event's stored bytes, read in one query",
    sizes=(10_000, 100_000),
    quick_sizes=(100,),
)
def audit_verify(ctx: RunContext, size: int | None) -> list[Row]:
    """Seconds to verify the audit trail of ``size`` cases, beside hashing the same bytes."""
    from aaib_cp import Engine, Store
    from aaib_cp.oversight import verify

    cases = int(size or 10_000)
    path, _ = _database(ctx, cases, "-verify", keyed=True)  # (measurement 2 writes fake events)
    store = Store.open(path)
    engine = Engine(store)

    def engine_run() -> None:
        found = verify(engine, None)
        assert found.intact, found.to_json()

    def bare() -> None:
        for row in store.db.execute("SELECT * FROM events ORDER BY case_id, n"):
            hashlib.sha256(json.dumps(row).encode("utf-8")).hexdigest()

    engine_median, engine_samples = median_time(engine_run, ctx.repeat)
    bare_median, bare_samples = median_time(bare, ctx.repeat)
    (events,) = store.db.execute("SELECT count(*) FROM events").fetchone()
    store.close()
    return [
        Row(
            measurement="audit_verify",
            variant=f"every case ({events:,} events)",
            size=cases,
            value=engine_median,
            unit="s",
            baseline="hashlib over the same events",
            baseline_value=bare_median,
            target=Target(max_ratio=20),
            samples=engine_samples,
            baseline_samples=bare_samples,
        )
    ]


@measurement(
    "workflow_check",
    number=12,
    title="aaib workflow check of each shipped workflow (generated cases, default examples)",
    baseline="loading and validating the same workflow file",
)
def workflow_check(ctx: RunContext, size: int | None) -> list[Row]:
    """Seconds to explore each shipped workflow, beside loading it."""
    from aaib_cp import load_workflow
    from aaib_cp.workflow.check import explore
    from aaib_cp.workflow.definition import shipped_workflows

    rows = []
    for name in shipped_workflows():
        definition = load_workflow(name)
        examples = 20 if ctx.quick else None

        def run(definition: Any = definition, examples: int | None = examples) -> None:
            result = (
                explore(definition)
                if examples is None
                else explore(definition, max_examples=examples)
            )
            assert result.ok, [f.line() for f in result.findings]

        engine_median, engine_samples = median_time(run, ctx.repeat)
        bare_median, bare_samples = median_time(lambda n=name: load_workflow(n), ctx.repeat)
        rows.append(
            Row(
                measurement="workflow_check",
                variant=name,
                size=None,
                value=engine_median,
                unit="s",
                baseline="load_workflow of the same file",
                baseline_value=bare_median,
                target=Target(max_value=60),
                samples=engine_samples,
                baseline_samples=bare_samples,
            )
        )
    return rows
