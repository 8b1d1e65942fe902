"""Measurement 8: the case page of ``aaib serve`` under 20 concurrent users.

``web_case_page``: 20 simulated users, each signed in with its own account, read case
pages (and every tenth request fire suspend or resume on their own case) against a
real ``aaib serve`` process on a loopback port for a fixed time. The baseline is a
bare Starlette endpoint, served by the same uvicorn, that reads the same case row from
the same database and returns it as HTML. Reported: p50 and p99 latency of the case
page and the throughput of case pages, each beside the baseline's, and the errors.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from harness import Row, RunContext, Target, measurement

USERS = 20
PASSWORD = "benchmark password"
HERE = Path(__file__).resolve().parent


def bare_app() -> Any:
    """The baseline: one Starlette route reading the case row (``uvicorn --factory``)."""
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    path = os.environ["AAIB_DB"]

    def case(request: Any) -> HTMLResponse:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute(
                "SELECT id, title, state, version FROM cases WHERE id = ?",
                (request.path_params["case_id"],),
            ).fetchone()
        finally:
            conn.close()
        return HTMLResponse(f"<h1>{row[0]} {row[1]}</h1><p>{row[2]} v{row[3]}</p>")

    return Starlette(routes=[Route("/cases/{case_id}", case)])


def _site(ctx: RunContext, cases: int) -> tuple[Path, list[str], list[str]]:
    """A database with ``cases`` cases in scoping and USERS chief investigators."""
    from datetime import date

    from aaib_cp import Engine, Store, load_workflow
    from aaib_cp.testing.accounts import sample_account
    from aaib_cp.workflow.credentials import Credentials

    path = ctx.workdir / f"web-{cases}.db"
    path.unlink(missing_ok=True)
    with Store.open(path, create=True, synchronous="OFF") as store:
        engine = Engine(store)
        credentials = Credentials(engine.accounts)
        notifier = sample_account(store, "Ana Ruiz", "notifier")
        people = [sample_account(store, f"Chief {i}", "chief_investigator") for i in range(USERS)]
        for person in people:
            credentials.set_password(PASSWORD, actor=person)
        definition = load_workflow("child-protection")
        ids = []
        for i in range(cases):
            case = engine.open_case(
                definition,
                title=f"Child {i}",
                known_on=date(2026, 1, 5),
                actor=notifier,
                role="notifier",
            )
            chief = {"actor": people[i % USERS], "role": "chief_investigator"}
            engine.fire(case.id, "start_triage", **chief)
            ids.append(case.id)
    return path, ids, [p.login for p in people]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(command: list[str], db: Path, port: int) -> subprocess.Popen[bytes]:
    import httpx2 as httpx

    env = {**os.environ, "AAIB_DB": str(db), "PYTHONPATH": str(HERE)}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(process.communicate()[1].decode()[-2000:])
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"server on port {port} did not start")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()


def _load(
    base: str, cases: list[str], logins: list[str] | None, seconds: float
) -> tuple[list[float], int, int]:
    """USERS threads for ``seconds``: case-page latencies (s), fires done, errors."""
    import httpx2 as httpx

    latencies: list[float] = []
    counts = {"fires": 0, "errors": 0}
    lock = threading.Lock()
    start = threading.Barrier(USERS)

    def user(n: int) -> None:
        own = cases[n % len(cases)]
        with httpx.Client(base_url=base, timeout=30) as client:
            csrf = ""
            if logins is not None:
                page = client.get("/sign-in")
                token = re.search(r'name="csrf" value="([^"]+)"', page.text)
                client.post(
                    "/sign-in",
                    data={
                        "login": logins[n],
                        "password": PASSWORD,
                        "csrf": token[1] if token else "",
                    },
                )
                found = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
                csrf = found[1] if found else ""
            mine: list[float] = []
            fires = errors = 0
            suspended = False
            start.wait()
            deadline = time.monotonic() + seconds
            i = n
            while time.monotonic() < deadline:
                i += 1
                if logins is not None and i % 10 == 0:
                    trigger = "resume" if suspended else "suspend"
                    response = client.post(
                        f"/cases/{own}/fire",
                        data={
                            "csrf": csrf,
                            "trigger": trigger,
                            "role": "chief_investigator",
                            "reason": "benchmark",
                        },
                        follow_redirects=True,
                    )
                    # the page the fire leads to says whether it was refused
                    ok = response.status_code == 200 and 'class="flash ok"' in response.text
                    fires += 1
                    suspended = not suspended
                    errors += 0 if ok else 1
                    continue
                case_id = cases[(i * 7919) % len(cases)]
                began = time.perf_counter()
                response = client.get(f"/cases/{case_id}")
                mine.append(time.perf_counter() - began)
                if response.status_code != 200 or case_id not in response.text:
                    errors += 1
        with lock:
            latencies.extend(mine)
            counts["fires"] += fires
            counts["errors"] += errors

    threads = [threading.Thread(target=user, args=(n,)) for n in range(USERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, counts["fires"], counts["errors"]


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


@measurement(
    "web_case_page",
    number=8,
    title=f"aaib serve: case page latency, {USERS} concurrent users reading and firing",
    baseline="bare Starlette endpoint reading the same case row, same uvicorn",
    sizes=(200,),
    quick_sizes=(USERS,),  # each user fires on a case of its own
)
def web_case_page(ctx: RunContext, size: int | None) -> list[Row]:
    """p50, p99 and throughput of the case page against the bare endpoint."""
    cases = max(USERS, int(size or 200))
    seconds = 2.0 if ctx.quick else 30.0
    db, ids, logins = _site(ctx, cases)

    port = _free_port()
    serve = [sys.executable, "-m", "aaib_cp", "--db", str(db), "serve", "--port", str(port)]
    process = _start(serve, db, port)
    try:
        web, fires, errors = _load(f"http://127.0.0.1:{port}", ids, logins, seconds)
    finally:
        _stop(process)

    port = _free_port()
    bare = [
        sys.executable,
        "-m",
        "uvicorn",
        "web_benchmarks:bare_app",
        "--factory",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    process = _start(bare, db, port)
    try:
        baseline, _, bare_errors = _load(f"http://127.0.0.1:{port}", ids, None, seconds)
    finally:
        _stop(process)

    note = f"{len(web)} pages, {fires} fires in {seconds:g} s; errors {errors} (bare {bare_errors})"
    common = {"measurement": "web_case_page", "size": cases, "note": note}
    return [
        Row(
            variant="p50 latency",
            value=_percentile(web, 0.5),
            unit="ms",
            baseline="bare Starlette p50",
            baseline_value=_percentile(baseline, 0.5),
            target=None,
            **common,
        ),
        Row(
            variant="p99 latency",
            value=_percentile(web, 0.99),
            unit="ms",
            baseline="bare Starlette p99",
            baseline_value=_percentile(baseline, 0.99),
            target=Target(max_value=200),
            **common,
        ),
        Row(
            variant="case pages per second",
            value=len(web) / seconds,
            unit="/s",
            baseline="bare Starlette",
            baseline_value=len(baseline) / seconds,
            target=None,
            **common,
        ),
    ]
