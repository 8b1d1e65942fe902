"""Measurements 1-3: transitions per second, open-and-fire at scale, command start-up."""

from __future__ import annotations

import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness import Row, RunContext, Target, measurement, median_time
from synthetic import build_database

__all__: list[str] = []

#: States a case can be suspended from (not ended, not already suspended).
TERMINAL = frozenset({"closed", "not_investigated", "discontinued"})
CHIEF = ("Chief Investigator", "chief_investigator")

_EVENT_SQL = (
    "INSERT INTO events (case_id, n, at, actor, role, kind, trigger, from_state, to_state,"
    " reason, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_CASE_SQL = (
    "UPDATE cases SET state = ?, previous_state = ?, version = version + 1, updated_at = ?"
    " WHERE id = ?"
)
_FAKE_HASH = "ab" * 32


def _database(
    ctx: RunContext, cases: int, tag: str = "", *, keyed: bool = False
) -> tuple[Path, dict[str, Any]]:
    """A synthetic database of ``cases`` cases, built once per run (per tag); ``keyed``:
    with audit keys made first, as ``aaib init`` makes them: every event and head MAC'd."""
    key = f"db:{cases}:{tag}:{keyed}"
    if key not in ctx.cache:
        path = ctx.workdir / f"cases-{cases}{tag}.db"
        summary = build_database(path, cases=cases, seed=ctx.seed, keyed=keyed)
        ctx.cache[key] = (path, summary)
    return ctx.cache[key]  # type: ignore[no-any-return]


def _open_cases(summary: dict[str, Any]) -> list[str]:
    """Cases that ``suspend`` can fire on: open and not already suspended."""
    return sorted(
        case_id
        for state, ids in summary["by_state"].items()
        if state not in TERMINAL and state != "suspended"
        for case_id in ids
    )


def _raw_connect(path: Path, synchronous: str) -> sqlite3.Connection:
    """A bare sqlite3 connection with the store's pragmas (WAL, same durability, FKs)."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {synchronous}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _raw_transition(conn: sqlite3.Connection, case_id: str, n: int, state: str, dest: str) -> None:
    """The baseline: one transaction that updates the case row and inserts one event row."""
    at = datetime.now(UTC).isoformat()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(_CASE_SQL, (dest, state, at, case_id))
    conn.execute(
        _EVENT_SQL,
        (
            case_id,
            n,
            at,
            CHIEF[0],
            CHIEF[1],
            "transition",
            "suspend",
            state,
            dest,
            "benchmark",
            "{}",
            _FAKE_HASH,
            _FAKE_HASH,
        ),
    )
    conn.execute("COMMIT")


# -- 1 ---------------------------------------------------------------------------
@measurement(
    "fire_throughput",
    number=1,
    title="Persisted transitions/s through Engine.fire (suspend/resume on distinct cases)",
    baseline="raw sqlite3: UPDATE case row + INSERT event row, one transaction, same pragmas",
    sizes=(2000,),
    quick_sizes=(20,),
)
def fire_throughput(ctx: RunContext, size: int | None) -> list[Row]:
    """Transitions per second at synchronous=FULL and NORMAL, against raw commits."""
    from aaib_cp import Engine, Store
    from aaib_cp.testing.accounts import sample_account

    fires = int(size or 2000)
    rows = []
    for synchronous in ("FULL", "NORMAL"):
        engine_path, summary = _database(ctx, 300, f"-fire-{synchronous}", keyed=True)
        raw_path, _ = _database(ctx, 300, f"-raw-{synchronous}")
        cases = _open_cases(summary)

        store = Store.open(engine_path, synchronous=synchronous)
        engine = Engine(store)
        chief = sample_account(store, *CHIEF)
        suspended: set[str] = set()

        def engine_run(
            store: Any = store,
            engine: Any = engine,
            suspended: set[str] = suspended,
            cases: list[str] = cases,
            chief: Any = chief,
        ) -> None:
            for i in range(fires):
                case_id = cases[i % len(cases)]
                trigger = "resume" if case_id in suspended else "suspend"
                engine.fire(case_id, trigger, actor=chief, role=CHIEF[1], reason="benchmark")
                suspended.symmetric_difference_update({case_id})

        # Warm up: the first fire loads the stored workflow and builds its machine once.
        engine.fire(cases[0], "suspend", actor=chief, role=CHIEF[1], reason="warm-up")
        engine.fire(cases[0], "resume", actor=chief, role=CHIEF[1], reason="warm-up")
        engine_median, engine_samples = median_time(engine_run, ctx.repeat)
        store.close()

        conn = _raw_connect(raw_path, synchronous)
        heads = dict(conn.execute("SELECT id, audit_n FROM cases").fetchall())
        states = dict(conn.execute("SELECT id, state FROM cases").fetchall())

        def raw_run(
            conn: sqlite3.Connection = conn,
            heads: dict[str, int] = heads,
            states: dict[str, str] = states,
            cases: list[str] = cases,
        ) -> None:
            for i in range(fires):
                case_id = cases[i % len(cases)]
                state = states[case_id]
                dest = "triage" if state == "suspended" else "suspended"
                heads[case_id] += 1
                _raw_transition(conn, case_id, heads[case_id], state, dest)
                states[case_id] = dest

        raw_median, raw_samples = median_time(raw_run, ctx.repeat)
        conn.close()
        rows.append(
            Row(
                measurement="fire_throughput",
                variant=f"synchronous={synchronous}",
                size=fires,
                value=fires / engine_median,
                unit="/s",
                baseline="raw sqlite3 commits",
                baseline_value=fires / raw_median,
                target=Target(min_ratio=0.6),
                samples=[fires / s for s in engine_samples],
                baseline_samples=[fires / s for s in raw_samples],
            )
        )
    return rows


# -- 2 ---------------------------------------------------------------------------
@measurement(
    "open_and_fire",
    number=2,
    title="Store.open + Engine + one fire on one case of a large database, then close",
    baseline="raw sqlite3: connect, same pragmas, SELECT case + UPDATE + INSERT, commit, close",
    sizes=(1_000, 10_000, 100_000),
    quick_sizes=(20, 50, 100),
)
def open_and_fire(ctx: RunContext, size: int | None) -> list[Row]:
    """Milliseconds to open a database of ``size`` cases and fire one transition."""
    from aaib_cp import Engine, Store
    from aaib_cp.testing.accounts import sample_account

    cases = int(size or 1000)
    path, summary = _database(ctx, cases, keyed=True)
    eligible = _open_cases(summary)
    # Distinct cases for each repeat, spread over the whole table.
    step = max(1, len(eligible) // (2 * ctx.repeat + 2))
    engine_cases = iter(eligible[::step][0::2])
    raw_cases = iter(eligible[::step][1::2])

    with Store.open(path) as store:
        sample_account(store, *CHIEF)

    def engine_run() -> None:
        store = Store.open(path)
        try:
            chief = store.accounts.by_name(CHIEF[0])
            Engine(store).fire(
                next(engine_cases), "suspend", actor=chief, role=CHIEF[1], reason="benchmark"
            )
        finally:
            store.close()

    def raw_run() -> None:
        case_id = next(raw_cases)
        conn = _raw_connect(path, "FULL")
        try:
            cursor = conn.execute("SELECT * FROM cases WHERE id = ?", (case_id,))
            row = dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))
            _raw_transition(conn, case_id, row["audit_n"] + 1, row["state"], "suspended")
        finally:
            conn.close()

    engine_median, engine_samples = median_time(engine_run, ctx.repeat)
    raw_median, raw_samples = median_time(raw_run, ctx.repeat)
    ctx.cache.setdefault("open_and_fire", {})[cases] = engine_median
    rows = [
        Row(
            measurement="open_and_fire",
            variant="ms per open+fire",
            size=cases,
            value=engine_median * 1000,
            unit="ms",
            baseline="raw sqlite3 open+commit",
            baseline_value=raw_median * 1000,
            target=Target(max_value=50),
            samples=[s * 1000 for s in engine_samples],
            baseline_samples=[s * 1000 for s in raw_samples],
        )
    ]
    done = ctx.cache["open_and_fire"]
    sizes = ctx.cache.get("sizes:open_and_fire", ())
    if len(done) >= 2 and sizes and cases == max(sizes):
        smallest = min(done)
        rows.append(
            Row(
                measurement="open_and_fire",
                variant=f"growth {smallest:,} -> {cases:,} cases",
                size=cases,
                value=done[cases] * 1000,
                unit="ms",
                baseline=f"same at {smallest:,} cases",
                baseline_value=done[smallest] * 1000,
                target=Target(max_ratio=1.5),
                note="flat: the cost must not grow with the number of cases",
            )
        )
    return rows


# -- 3 ---------------------------------------------------------------------------
def _aaib() -> list[str]:
    """The installed ``aaib`` console script, or ``python -m aaib_cp`` without one."""
    script = Path(sys.executable).with_name("aaib")
    if script.exists():
        return [str(script)]
    found = shutil.which("aaib")
    return [found] if found else [sys.executable, "-m", "aaib_cp"]


def _run(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {result.stderr.strip()}")
    return elapsed


@measurement(
    "startup",
    number=3,
    title="Fresh processes: aaib --help, aaib status CASE",
    baseline="python -c 'import click' (fresh process)",
)
def startup(ctx: RunContext, size: int | None) -> list[Row]:
    """Wall time of fresh ``aaib`` processes against a process that only imports click."""
    path, summary = _database(ctx, 100, "-cli", keyed=True)
    env = {**os.environ, "AAIB_DB": str(path), "AAIB_SYNCHRONOUS": "FULL"}
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    # An installed wheel ships (or pip compiles) bytecode; an editable install writes
    # it on first import, unless this is set. Without it every run would re-compile
    # aaib_cp from source (~40-100 ms) and measure that instead of the start-up.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    by_state = summary["by_state"]
    commands = {
        "aaib --help": [*_aaib(), "--help"],
        "aaib status CASE (evidence)": [*_aaib(), "status", by_state["evidence"][0]],
        "aaib status CASE (triage: working-day clock)": [*_aaib(), "status", by_state["triage"][0]],
    }
    baseline_argv = [sys.executable, "-c", "import click"]
    repeat = max(ctx.repeat, 3) if not ctx.quick else 1
    rows = []
    for variant, argv in commands.items():
        _run(argv, env)  # warm the OS file cache and bytecode caches
        samples, base = [], []
        for _ in range(repeat):  # interleaved, so machine noise hits both alike
            base.append(_run(baseline_argv, env))
            samples.append(_run(argv, env))
        rows.append(
            Row(
                measurement="startup",
                variant=variant,
                size=None,
                value=statistics.median(samples) * 1000,
                unit="ms",
                baseline="python -c 'import click'",
                baseline_value=statistics.median(base) * 1000,
                target=Target(max_ratio=1.5),
                samples=[s * 1000 for s in samples],
                baseline_samples=[s * 1000 for s in base],
            )
        )
    return rows
