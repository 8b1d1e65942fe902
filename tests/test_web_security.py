"""The web application refuses what it must: every route, from the app itself, checked.

Anonymous requests get the sign-in page or 401, never data; a POST without its CSRF
token gets 403; cookies are signed, HttpOnly, SameSite=Strict and Secure over https;
signing in starts a new session; failed sign-ins are throttled and audited; nothing the
client sends names who it is or which cases it may see.
"""

from __future__ import annotations

import re

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from aaib_cp.db import Store
from aaib_cp.web import sessions
from aaib_cp.web.app import PUBLIC_PATHS
from tests.web_support import PASSWORD, app_for, csrf_of, make_site, sign_in


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return make_site(tmp_path_factory.mktemp("web-security"))


@pytest.fixture
def app(site):
    return app_for(site[0])


def _concrete(path: str, case_id: str) -> str:
    for name, value in (("{case_id}", case_id), ("{audience}", "public"), ("{fmt}", "md")):
        path = path.replace(name, value)
    return path.replace("{ref}", "E1").replace("{act}", "A1")


def _routes(app) -> list[tuple[str, str]]:
    """(method, path) of every route the application declares."""
    return [
        (method, route.path)
        for route in app.routes
        if isinstance(route, Route)
        for method in sorted(route.methods or ())
        if method != "HEAD"
    ]


def _raw_post(app, path: str, headers: list[tuple[bytes, bytes]]) -> tuple[int, int]:
    """POST through the ASGI interface: (status, how many times the body was asked for)."""
    import asyncio

    asked = 0
    sent: list[dict] = []

    async def receive():
        nonlocal asked
        asked += 1
        return {"type": "http.request", "body": b"--x\r\n", "more_body": True}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    (start,) = [m for m in sent if m["type"] == "http.response.start"]
    return start["status"], asked


def _public(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in PUBLIC_PATHS)


class TestEveryRoute:
    def test_the_app_declares_the_routes_expected(self, app):
        """The enumeration below sees pages, forms and the API (so it cannot pass empty)."""
        paths = {p for _, p in _routes(app)}
        assert {"/", "/cases/{case_id}", "/cases/{case_id}/fire", "/api/cases"} <= paths
        assert len(paths) >= 15

    def test_anonymous_requests_get_no_data(self, app, site):
        """Every non-public route: the sign-in page (pages and forms) or 401 (API)."""
        client = TestClient(app, follow_redirects=False)
        leaked = []
        for method, path in _routes(app):
            if _public(path):
                continue
            response = client.request(method, _concrete(path, site[1]))
            if path.startswith("/api/"):
                ok = response.status_code == 401
            else:
                ok = response.status_code == 303 and "/sign-in" in response.headers["location"]
            if not ok or site[1] in response.text or "Child A" in response.text:
                leaked.append((method, path, response.status_code))
        assert [] == leaked

    def test_anonymous_post_with_a_valid_token_still_needs_sign_in(self, app, site):
        """An anonymous session's own CSRF token passes the CSRF check, not the sign-in."""
        client = TestClient(app, follow_redirects=False)
        csrf = csrf_of(client.get("/sign-in").text)
        for method, path in _routes(app):
            if method != "POST" or _public(path) or path.startswith("/api/"):
                continue
            response = client.post(_concrete(path, site[1]), data={"csrf": csrf})
            assert (303, "/sign-in") == (response.status_code, response.headers["location"])

    def test_every_form_post_without_csrf_is_refused_when_signed_in(self, app, site):
        """Signed in, every form POST without (or with a wrong) CSRF token gets 403."""
        client = TestClient(app, follow_redirects=False)
        sign_in(client, "lee.park")
        posts = [p for m, p in _routes(app) if m == "POST" and not p.startswith("/api/")]
        with Store.open(site[0]) as store:
            before = store.get_case(site[1]).version
        assert len(posts) >= 5
        for path in posts:
            for data in ({}, {"csrf": "forged"}):
                response = client.post(_concrete(path, site[1]), data=data)
                assert 403 == response.status_code, (path, data)
        with Store.open(site[0]) as store:
            assert before == store.get_case(site[1]).version  # nothing changed

    @pytest.mark.parametrize("api", [False, True], ids=["form", "api"])
    def test_an_anonymous_upload_is_refused_before_its_body_is_read(self, app, site, api):
        """The server reads no byte of an anonymous POST, so cannot be made to spool it."""
        path = f"/api/cases/{site[1]}/evidence" if api else f"/cases/{site[1]}/evidence"
        headers = [
            (b"content-type", b"multipart/form-data; boundary=x"),
            (b"content-length", b"50000000"),
        ]
        if api:
            headers.append((b"authorization", b"Bearer not-a-token"))
        status, read = _raw_post(app, path, headers)
        assert (status, read) == ((401 if api else 303), 0)

    def test_an_upload_over_the_limit_is_refused_unread(self, app, site):
        """Signed in or not, a body over the upload limit is 413 before it is read."""
        too_big = str(200 * 1024 * 1024).encode()
        headers = [(b"content-type", b"multipart/form-data; boundary=x")]
        status, read = _raw_post(
            app, f"/api/cases/{site[1]}/evidence", [*headers, (b"content-length", too_big)]
        )
        assert (status, read) == (413, 0)
        status, read = _raw_post(
            app, f"/api/cases/{site[1]}/evidence", [*headers, (b"transfer-encoding", b"chunked")]
        )
        assert (status, read) == (411, 0)

    def test_the_public_routes_are_only_these(self, app):
        """Reachable without signing in: sign-in, invitation, health, schema, static files."""
        public = sorted({p for _, p in _routes(app) if _public(p)})
        assert ["/api/openapi.json", "/healthz", "/invitation", "/sign-in"] == public


class TestCookies:
    def _cookie(self, response) -> str:
        return next(v for k, v in response.headers.multi_items() if k == "set-cookie")

    def test_flags_over_http(self, app):
        """HttpOnly, SameSite=Strict, Path=/; not Secure over plain http on loopback."""
        cookie = self._cookie(TestClient(app).get("/sign-in")).lower()
        assert cookie.startswith(sessions.COOKIE + "=")
        assert {"httponly", "samesite=strict", "path=/"} <= {
            part.strip() for part in cookie.split(";")
        }
        assert "secure" not in cookie

    def test_secure_over_https(self, app):
        """Over https the cookie is Secure and takes the __Host- prefix."""
        cookie = self._cookie(TestClient(app, base_url="https://testserver").get("/sign-in"))
        assert cookie.startswith(sessions.SECURE_COOKIE + "=")
        assert "secure" in cookie.lower()

    def test_secure_behind_a_trusted_proxy_only(self, site):
        """X-Forwarded-Proto: https counts only from a configured proxy."""
        headers = {"x-forwarded-proto": "https"}
        trusting = TestClient(app_for(site[0], trusted_proxies=("testclient",)))
        assert "secure" in self._cookie(trusting.get("/sign-in", headers=headers)).lower()
        plain = TestClient(app_for(site[0]))
        assert "secure" not in self._cookie(plain.get("/sign-in", headers=headers)).lower()

    def test_a_tampered_cookie_is_a_new_anonymous_session(self, app):
        """Changing one character of the signed cookie signs nobody in."""
        client = TestClient(app, follow_redirects=False)
        sign_in(client, "lee.park")
        value = client.cookies[sessions.COOKIE]
        client.cookies.clear()
        client.cookies.set(
            sessions.COOKIE, value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1]
        )
        assert 303 == client.get("/").status_code


class TestSessions:
    def test_sign_in_starts_a_new_session(self, app):
        """Session fixation: the CSRF token (and cookie) before sign-in is not the one after."""
        client = TestClient(app)
        before = csrf_of(client.get("/sign-in").text)
        planted = client.cookies[sessions.COOKIE]
        page = client.post(
            "/sign-in", data={"login": "lee.park", "password": PASSWORD, "csrf": before}
        )
        assert before != csrf_of(page.text)
        attacker = TestClient(app, follow_redirects=False)
        attacker.cookies.set(sessions.COOKIE, planted)
        assert 303 == attacker.get("/").status_code

    def test_sign_out_revokes_the_token_so_a_copied_cookie_dies(self, app):
        client = TestClient(app, follow_redirects=False)
        sign_in(client, "lee.park")
        copied = client.cookies[sessions.COOKIE]
        csrf = csrf_of(client.get("/").text)
        assert 303 == client.post("/sign-out", data={"csrf": csrf}).status_code
        thief = TestClient(app, follow_redirects=False)
        thief.cookies.set(sessions.COOKIE, copied)
        assert 303 == thief.get("/").status_code

    @pytest.mark.parametrize("limit", ["idle", "absolute"])
    def test_expiry(self, app, monkeypatch, limit):
        """Idle for longer than allowed, or past the absolute limit: signed out."""
        client = TestClient(app, follow_redirects=False)
        start = 1_900_000_000.0
        monkeypatch.setattr(sessions, "now", lambda: start)
        sign_in(client, "lee.park")
        assert 200 == client.get("/").status_code
        settings = app.state.web.settings
        if limit == "idle":
            later = start + settings.idle + 1
        else:  # busy all along: a request every 20 minutes
            for step in range(1, settings.absolute // 1200 + 1):
                monkeypatch.setattr(sessions, "now", lambda s=step: start + s * 1200)
                client.get("/")
            later = start + settings.absolute + 1
        monkeypatch.setattr(sessions, "now", lambda: later)
        assert 303 == client.get("/").status_code


class TestSignInThrottle:
    def test_lockout_after_failures_and_every_failure_audited(self, site):
        """Five wrong passwords lock the login out, even with the right one next."""
        app = app_for(site[0], login_failures=5)
        client = TestClient(app)
        for _ in range(5):
            assert 401 == sign_in(client, "rita.vale", "wrong password!").status_code
        refused = sign_in(client, "rita.vale")
        assert 401 == refused.status_code
        assert "too many failed sign-ins for this login" in refused.text
        with Store.open(site[0]) as store:
            rows = [r for r in store.accounts.registry_rows() if "rita.vale" in str(r)]
        failures = [r for r in rows if r["kind"] == "sign_in_failed"]
        assert len(failures) >= 6

    def test_every_server_process_counts_the_same_failures(self, site):
        """Two apps over one database (two workers): failures on either lock out both."""
        first = TestClient(app_for(site[0], login_failures=4))
        second = TestClient(app_for(site[0], login_failures=4))
        for client in (first, second, first, second):
            assert 401 == sign_in(client, "rita.vale", "wrong password!").status_code
        for client in (first, second):
            assert "too many failed sign-ins for this login" in sign_in(client, "rita.vale").text

    def test_per_address_limit(self, site):
        """Many logins tried from one address lock the address out."""
        client = TestClient(app_for(site[0], address_failures=3))
        for login in ("a1", "a2", "a3"):
            sign_in(client, login, "nope nope nope")
        assert "from this address" in sign_in(client, "lee.park").text

    def test_sign_in_and_sign_out_are_audited(self, app, site):
        client = TestClient(app)
        sign_in(client, "ana.ruiz")
        client.post("/sign-out", data={"csrf": csrf_of(client.get("/").text)})
        with Store.open(site[0]) as store:
            kinds = [r["kind"] for r in store.accounts.registry_rows() if "ana.ruiz" in str(r)]
        assert {"signed_in", "signed_out"} <= set(kinds)


class TestNothingTrustsTheClient:
    def test_a_case_is_invisible_without_an_appointment_or_grant(self, app, site):
        """Olive holds no role: the case is 'no case' everywhere, and absent from lists."""
        client = TestClient(app)
        sign_in(client, "olive.stone")
        for path in ("", "/history", "/chronology", "/evidence", "/reports", "/reports/public.md"):
            response = client.get(f"/cases/{site[1]}{path}")
            assert 404 == response.status_code, path
            assert "Child A" not in response.text
        assert site[1] not in client.get("/cases").text
        assert site[1] not in client.get("/search?q=visit").text

    def test_a_role_not_held_is_refused_by_the_service(self, app, site):
        """Lee posts role=chief_investigator: refused in the engine's words, nothing moves."""
        client = TestClient(app)
        page = sign_in(client, "lee.park")
        response = client.post(
            f"/cases/{site[1]}/fire",
            data={
                "csrf": csrf_of(page.text),
                "trigger": "discontinue",
                "role": "chief_investigator",
                "reason": "x",
            },
        )
        assert "Lee Park does not hold the role chief_investigator" in response.text
        with Store.open(site[0]) as store:
            assert "scoping" == store.get_case(site[1]).state

    def test_form_fields_naming_someone_else_are_ignored(self, app, site):
        """actor=/login=/account= in a form change nothing: the session says who acts."""
        client = TestClient(app)
        page = sign_in(client, "lee.park")
        client.post(
            f"/cases/{site[1]}/fire",
            data={
                "csrf": csrf_of(page.text),
                "trigger": "suspend",
                "role": "lead_investigator",
                "reason": "court",
                "actor": "Chris Ode",
                "login": "chris.ode",
            },
        )
        with Store.open(site[0]) as store:
            last = store.events(site[1])[-1]
        assert ("Lee Park", "suspend") == (last.actor, last.trigger)

    @pytest.mark.parametrize(
        "target", ["//evil.example/x", "/\\evil.example", "https://evil.example", "evil"]
    )
    def test_redirect_after_sign_in_stays_on_this_site(self, app, target):
        """next= naming another site is not followed."""
        client = TestClient(app, follow_redirects=False)
        csrf = csrf_of(client.get("/sign-in").text)
        response = client.post(
            "/sign-in",
            data={
                "login": "lee.park",
                "password": PASSWORD,
                "csrf": csrf,
                "next": target,
            },
        )
        assert "/" == response.headers["location"]

    def test_security_headers(self, app):
        headers = TestClient(app).get("/sign-in").headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "nosniff" == headers["x-content-type-options"]


def test_every_template_form_carries_the_csrf_token():
    """Each POST form in the templates has the hidden csrf field."""
    from pathlib import Path

    import aaib_cp.web

    folder = Path(aaib_cp.web.__file__).parent / "templates"
    missing = []
    for template in folder.glob("*.html"):
        for form in re.findall(r"<form[^>]*method=\"post\".*?</form>", template.read_text(), re.S):
            if 'name="csrf"' not in form:
                missing.append(template.name)
    assert [] == missing
