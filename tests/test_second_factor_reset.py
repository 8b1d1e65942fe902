"""An administrator removes the one-time code of someone who lost it: `aaib user reset-otp`
(CliRunner and a real process); administrators only, on the registry trail, and the
account then signs in with its password alone and may set up a new code."""

from __future__ import annotations

import json
from pathlib import Path

import pyotp
import pytest

from aaib_cp.db import Store
from aaib_cp.exceptions import InputError, RoleRefused
from aaib_cp.workflow.credentials import Credentials
from aaib_cp.workflow.engine import Engine
from tests.test_identity_cli import Site

PASSWORD = "a long passphrase"


def _enrol(db: Path, login: str) -> None:
    """Set up and confirm a one-time code for ``login``, as on their account page."""
    with Store.open(db) as store:
        credentials = Credentials(Engine(store).accounts)
        account = store.accounts.by_login(login)
        secret = credentials.second_factor_start(actor=account)
        credentials.second_factor_confirm(pyotp.TOTP(secret).now(), actor=account)


def _password_login(site: Site, login: str):
    return site.run("login", login, "--password-stdin", stdin=PASSWORD + "\n")


def _trail(db: Path) -> list[dict]:
    with Store.open(db) as store:
        return store.accounts.registry_rows()


@pytest.fixture
def site(tmp_path: Path) -> Site:
    """Chris administers; Lee (password set) has a one-time code in force; Ana holds no
    administrator role."""
    s = Site(tmp_path)
    s.ok("init", "--admin", "chris.ode", "--name", "Chris Ode")
    for login, name in (("lee.park", "Lee Park"), ("ana.ruiz", "Ana Ruiz")):
        s.sign_in(login, name)
        s.ok("--user", login, "user", "passwd", "--password-stdin", stdin=PASSWORD + "\n")
    _enrol(s.db, "lee.park")
    return s


def test_reset_lets_the_password_alone_sign_in(site):
    refused = _password_login(site, "lee.park")
    assert 1 == refused.exit_code and "needs its one-time code" in refused.output
    out = site.ok("--user", "chris.ode", "user", "reset-otp", "lee.park")
    assert "lee.park's one-time code is removed" in out
    assert "Signed in to" in site.ok("login", "lee.park", "--password-stdin", stdin=PASSWORD)
    last = _trail(site.db)[-2]  # the reset, then Lee's sign-in
    assert ("second_factor_changed", "Chris Ode") == (last["kind"], last["actor"])
    assert {"login": "lee.park", "now": "reset"}.items() <= json.loads(last["detail"]).items()
    with Store.open(site.db) as store:  # and Lee may set up a new code
        lee = store.accounts.by_login("lee.park")
        assert (None, False) == store.accounts.totp(lee.id)
    _enrol(site.db, "lee.park")
    assert 1 == _password_login(site, "lee.park").exit_code


def test_a_non_administrator_is_refused_and_the_refusal_recorded(site):
    before = len(_trail(site.db))
    refused = site.run("--user", "ana.ruiz", "user", "reset-otp", "lee.park")
    assert 1 == refused.exit_code
    assert ["Error: Ana Ruiz may not reset a second factor: it needs the administrator role"] == (
        refused.output.strip().splitlines()
    )
    rows = _trail(site.db)
    assert before + 1 == len(rows) and "refused" == rows[-1]["kind"]
    assert 1 == _password_login(site, "lee.park").exit_code  # the code is still needed


def test_bad_requests_are_one_line_and_change_nothing(site):
    before = len(_trail(site.db))
    for args, words in (
        (("nobody",), "no account 'nobody'"),
        (("ana.ruiz",), "ana.ruiz has no one-time code to reset"),
        (("chris.ode",), "you cannot reset your own second factor"),
    ):
        done = site.run("--user", "chris.ode", "user", "reset-otp", *args)
        assert 1 == done.exit_code and 1 == len(done.output.strip().splitlines()), done.output
        assert words in done.output
    assert before == len(_trail(site.db))


def test_in_a_real_process(site):
    refused = site.process("--user", "ana.ruiz", "user", "reset-otp", "lee.park")
    assert 1 == refused.returncode and "Traceback" not in refused.stderr
    assert "needs the administrator role" in refused.stderr
    done = site.process("--user", "chris.ode", "user", "reset-otp", "lee.park")
    assert 0 == done.returncode, done.stderr
    assert "lee.park's one-time code is removed" in done.stdout
    signed = site.process("login", "lee.park", "--password-stdin", stdin=PASSWORD)
    assert 0 == signed.returncode, signed.stderr


def test_the_service_refuses_a_non_administrator(site):
    with Store.open(site.db) as store:
        credentials = Credentials(Engine(store).accounts)
        ana, chris = store.accounts.by_login("ana.ruiz"), store.accounts.by_login("chris.ode")
        with pytest.raises(RoleRefused):
            credentials.second_factor_reset("lee.park", actor=ana)
        with pytest.raises(InputError):
            credentials.second_factor_reset("chris.ode", actor=chris)
        assert credentials.second_factor_in_force(store.accounts.by_login("lee.park"))
