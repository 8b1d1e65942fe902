"""A small site for the web tests: a database with people, passwords and one case.

Chris (chief investigator) opens triage and the investigation; Lee is appointed lead
investigator and records one chronology entry; Rita is the reviewer; Olive holds no
role and serves on no case. Everyone's password is :data:`PASSWORD`.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from datetime import date
from html import unescape
from pathlib import Path
from typing import Any

import httpx2 as httpx

import aaib_cp.wiring  # noqa: F401  (every phase's tables, facts, guards and effects)
from aaib_cp.db import Store
from aaib_cp.evidence.service import Casebook
from aaib_cp.testing.accounts import sample_account
from aaib_cp.web import Settings, create_app
from aaib_cp.workflow.credentials import Credentials
from aaib_cp.workflow.definition import load_workflow
from aaib_cp.workflow.engine import Engine

PASSWORD = "correct horse battery"
#: The words of the one chronology entry (C1), for search.
SEARCHABLE = "Home visit; the child was not seen"
#: name -> organisation roles granted
PEOPLE = {
    "Ana Ruiz": ("notifier",),
    "Chris Ode": ("chief_investigator",),
    "Lee Park": (),
    "Rita Vale": (),
    "Olive Stone": (),
}


def make_site(folder: Path) -> tuple[Path, str]:
    """The database (people with passwords, one case in scoping) and the case's id."""
    db = folder / "site.db"
    with Store.open(db, create=True) as store:
        engine = Engine(store)
        people, case = notified(engine, PEOPLE, "Child A", date(2026, 1, 5))
        chief = {"actor": people["Chris Ode"], "role": "chief_investigator"}
        engine.fire(case.id, "start_triage", **chief)
        engine.fire(
            case.id,
            "decide_investigate",
            fields={"classification": "serious_harm", "depth": "field"},
            reason="Several agencies involved",
            **chief,
        )
        engine.appoint(case.id, people["Lee Park"], "lead_investigator", **chief)
        engine.appoint(case.id, people["Rita Vale"], "reviewer", **chief)
        lead = {"actor": people["Lee Park"], "role": "lead_investigator"}
        book = Casebook(engine)
        book.add_agency(case.id, "Northshire Police", "police", **lead)
        book.add_entry(
            case.id, when="2026-01-02", agency="Northshire Police", what=SEARCHABLE, **lead
        )
    return db, case.id


def notified(
    engine: Engine, people: dict[str, tuple[str, ...]], title: str, known_on: date
) -> tuple[dict[str, Any], Any]:
    """Accounts for ``people`` (name -> organisation roles; each with :data:`PASSWORD`)
    and a child-protection case Ana Ruiz (one of them, a notifier) notified."""
    credentials = Credentials(engine.accounts)
    accounts = {n: sample_account(engine.store, n, *roles) for n, roles in people.items()}
    for account in accounts.values():
        credentials.set_password(PASSWORD, actor=account)
    case = engine.open_case(
        load_workflow("child-protection"),
        title=title,
        known_on=known_on,
        actor=accounts["Ana Ruiz"],
        role="notifier",
    )
    return accounts, case


def settings(db: Path, **overrides: Any) -> Settings:
    """Settings for a test application (a fixed secret)."""
    return Settings(db_path=str(db), secret="test-secret-" + "x" * 40, **overrides)


def app_for(db: Path, **overrides: Any) -> Any:
    """The application over ``db``."""
    return create_app(settings(db, **overrides))


def api_token(db: Path, login: str) -> str:
    """A personal access token of ``login`` (signed in with :data:`PASSWORD`)."""
    with Store.open(db) as store:
        return Credentials(Engine(store).accounts).sign_in(login, PASSWORD, label="api")[1]


def api_client(db: Path, login: str | None) -> Any:
    """A test client of the application over ``db`` sending ``login``'s token (none if None)."""
    from starlette.testclient import TestClient

    client = TestClient(app_for(db))
    if login is not None:
        client.headers["authorization"] = "Bearer " + api_token(db, login)
    return client


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def flashes(html: str) -> list[str]:
    """The messages a page shows (its flashes), as plain text."""
    return [unescape(m) for m in re.findall(r'class="flash [^"]*"[^>]*>([^<]*)', html)]


def post_form(
    client: Any, form_page: str, action: str | None = None, files: Any = None, **data: Any
) -> tuple[Any, list[str]]:
    """Post ``data`` (to ``action``, default ``form_page``) with the CSRF token of the page
    the form is on; the response after the redirect, and the messages it shows."""
    page = client.get(form_page)
    response = client.post(
        action or form_page, data={"csrf": csrf_of(page.text), **data}, files=files
    )
    return response, flashes(response.text)


def sign_in(client: Any, login: str, password: str = PASSWORD) -> Any:
    """Sign ``client`` in through the form; the response after the redirect."""
    page = client.get("/sign-in")
    return client.post(
        "/sign-in", data={"login": login, "password": password, "csrf": csrf_of(page.text)}
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, process: subprocess.Popen, seconds: float = 30) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[1]
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def start_serving(db: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    """`aaib --db DB serve ARGS` on a free loopback port, once it answers; (process, base URL)."""
    port = _free_port()
    env = {**os.environ, "AAIB_CONFIG_DIR": str(db.parent / "config")}
    process = subprocess.Popen(
        [sys.executable, "-m", "aaib_cp", "--db", str(db), "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    _wait(base + "/healthz", process)
    return process, base
