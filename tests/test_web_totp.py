"""The optional second factor: a time-based one-time code (RFC 6238, pyotp)."""

from __future__ import annotations

import re
from html import unescape

import pyotp
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from aaib_cp.cli import cli
from aaib_cp.db import Store
from aaib_cp.exceptions import RoleRefused
from aaib_cp.workflow.credentials import Credentials
from aaib_cp.workflow.engine import Engine
from aaib_cp.workflow.identity import Actor
from tests.web_support import PASSWORD, app_for, csrf_of, flashes, make_site


@pytest.fixture
def site(tmp_path):
    return make_site(tmp_path)


def _sign_in(client, code: str | None = None):
    page = client.get("/sign-in")
    data = {"login": "lee.park", "password": PASSWORD, "csrf": csrf_of(page.text)}
    if code is not None:
        data["code"] = code
    return client.post("/sign-in", data=data)


def _set_up(client) -> str:
    """Set up and confirm a second factor through the account page; its secret."""
    page = client.get("/account").text
    page = client.post("/account/second-factor", data={"csrf": csrf_of(page), "do": "start"}).text
    secret = re.search(r'<code id="secret">([A-Z2-7]+)</code>', page).group(1)
    wrong = client.post(
        "/account/second-factor", data={"csrf": csrf_of(page), "do": "confirm", "code": "000000"}
    ).text
    assert ["one-time code: wrong code; check the app's clock and try again"] == flashes(wrong)
    done = client.post(
        "/account/second-factor",
        data={"csrf": csrf_of(wrong), "do": "confirm", "code": pyotp.TOTP(secret).now()},
    ).text
    assert "Your one-time code is in force" in done
    assert secret not in done  # never shown again
    return secret


def test_set_up_then_sign_in_needs_the_code(site):
    app = app_for(site[0])
    client = TestClient(app)
    _sign_in(client)
    secret = _set_up(client)
    fresh = TestClient(app)
    refused = _sign_in(fresh)
    assert 401 == refused.status_code
    assert "needs its one-time code as well as the password" in unescape(refused.text)
    assert "wrong one-time code" in unescape(_sign_in(fresh, "123456").text)
    code = pyotp.TOTP(secret).now()
    signed = _sign_in(fresh, code)
    assert "My work" in signed.text
    replayed = _sign_in(TestClient(app), code)  # a code works once, even inside its window
    assert 401 == replayed.status_code
    assert "already used" in unescape(replayed.text)
    with Store.open(site[0]) as store:
        kinds = [r["kind"] for r in store.accounts.registry_rows() if "lee.park" in str(r)]
    assert kinds.count("second_factor_changed") == 2


def test_cli_login_takes_the_code(site, tmp_path, monkeypatch):
    with Store.open(site[0]) as store:
        credentials = Credentials(Engine(store).accounts)
        lee = store.accounts.by_login("lee.park")
        secret = credentials.second_factor_start(actor=lee)
        credentials.second_factor_confirm(pyotp.TOTP(secret).now(), actor=lee)
    monkeypatch.setenv("AAIB_CONFIG_DIR", str(tmp_path / "config"))
    args = ["--db", str(site[0]), "login", "lee.park", "--password-stdin"]
    refused = CliRunner().invoke(cli, args, input=PASSWORD + "\n")
    assert 1 == refused.exit_code
    assert "needs its one-time code" in refused.output
    done = CliRunner().invoke(cli, [*args, "--otp", pyotp.TOTP(secret).now()], input=PASSWORD)
    assert 0 == done.exit_code, done.output


def test_only_the_owner_sets_it_up(site):
    with Store.open(site[0]) as store:
        engine = Engine(store)
        admin = engine.accounts.first_administrator("root", "Root")
        lee = store.accounts.by_login("lee.park")
        with pytest.raises(RoleRefused, match="only the account's owner"):
            Credentials(engine.accounts).second_factor_start(actor=Actor(lee, delegate=admin))
        assert (None, False) == store.accounts.totp(lee.id)
