"""Identity at the command line: signing in, held roles, separation of duties, delegation,
and the upgrade of a database made by the previous release (CliRunner and real processes)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from aaib_cp.cli import cli

FIXTURE = Path(__file__).with_name("fixtures") / "previous-release.db"


def dump(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return list(conn.iterdump())


class Site:
    """A database and the config folder of the person at this machine."""

    def __init__(self, root: Path) -> None:
        self.db = root / "cases.db"
        self.config = root / "config"

    def run(self, *args: str, stdin: str | None = None, **env: str):
        full = {"AAIB_CONFIG_DIR": str(self.config), "AAIB_SYNCHRONOUS": "OFF", **env}
        return CliRunner().invoke(cli, ["--db", str(self.db), *args], env=full, input=stdin)

    def ok(self, *args: str, **env: str) -> str:
        result = self.run(*args, **env)
        assert 0 == result.exit_code, result.output
        return result.output

    def process(
        self, *args: str, stdin: str | None = None, **env: str
    ) -> subprocess.CompletedProcess[str]:
        full = {
            **{k: v for k, v in os.environ.items() if not k.startswith("AAIB_")},
            "AAIB_CONFIG_DIR": str(self.config),
            **env,
        }
        return subprocess.run(
            [sys.executable, "-m", "aaib_cp", "--db", str(self.db), *args],
            env=full, capture_output=True, text=True, timeout=120, input=stdin,
        )  # fmt: skip

    def invite(self, login: str, name: str, *grants: str) -> str:
        """As the administrator: add an account; returns its invitation code."""
        args = [f"--grant={g}" for g in grants]
        out = self.ok("--user", "chris.ode", "user", "add", login, "--name", name, *args)
        return out.split("Invitation code (works once, for 7 days): ")[1].split()[0]

    def sign_in(self, login: str, name: str, *grants: str) -> None:
        code = self.invite(login, name, *grants)
        self.ok("login", login, "--code", code)


@pytest.fixture
def site(tmp_path: Path) -> Site:
    s = Site(tmp_path)
    out = s.ok("init", "--admin", "chris.ode", "--name", "Chris Ode")
    assert "Administrator: Chris Ode (chris.ode), signed in on this machine" in out
    s.ok("user", "grant", "chris.ode", "chief_investigator")
    return s


@pytest.fixture
def case(site: Site) -> str:
    site.sign_in("ana.ruiz", "Ana Ruiz", "notifier")
    case_id = site.ok(
        "--user", "ana.ruiz", "notify", "--title", "Child A", "--known-on", "2026-01-05"
    ).strip()
    site.ok(
        "--user", "chris.ode", "--role", "chief_investigator", "advance", case_id, "start_triage"
    )
    return case_id


class TestSigningIn:
    def test_invitation_then_password(self, site):
        """An invitation works once; the token is kept 0600 in a 0700 folder; then a password."""
        code = site.invite("lee.park", "Lee Park")
        assert "Signed in to" in site.ok("login", "lee.park", "--code", code)
        again = site.run("login", "lee.park", "--code", code)
        assert 1 == again.exit_code and "already used" in again.output
        saved = site.config / "credentials.json"
        assert 0o600 == stat.S_IMODE(saved.stat().st_mode)
        assert 0o700 == stat.S_IMODE(site.config.stat().st_mode)
        assert json.loads(site.ok("--user", "lee.park", "whoami", "--json"))["login"] == "lee.park"
        site.run("--user", "lee.park", "user", "passwd", "--password-stdin", stdin="short\n")
        site.ok(
            "--user", "lee.park", "user", "passwd", "--password-stdin", stdin="a long passphrase\n"
        )
        site.ok("--user", "lee.park", "logout")
        wrong = site.run("login", "lee.park", "--password-stdin", stdin="guess\n")
        assert (1, "wrong password") == (wrong.exit_code, wrong.output.split(": ")[-1].strip())
        site.run("login", "lee.park", "--password-stdin", stdin="a long passphrase\n")
        assert "Lee Park" in site.ok("--user", "lee.park", "whoami")

    def test_typed_actor_is_refused(self, site):
        """--actor and AAIB_ACTOR are refused in one line (exit 2): nobody types who they are."""
        typed = site.run("--actor", "Chris Ode", "list")
        env = site.run("list", AAIB_ACTOR="Chris Ode")
        for result in (typed, env):
            assert 2 == result.exit_code
            assert "--actor is no longer accepted" in result.output

    def test_team_declare_is_gone(self, site):
        assert 2 == site.run("team", "declare", "x").exit_code

    def test_a_disabled_account_cannot_act(self, site, case):
        site.ok("--user", "chris.ode", "user", "disable", "ana.ruiz")
        result = site.run(
            "--user", "ana.ruiz", "notify", "--title", "B", "--known-on", "2026-01-05"
        )
        assert 1 == result.exit_code
        assert "not valid here; sign in again" in result.output


class TestRefusals:
    def test_claimed_role_is_refused_audited_and_changes_nothing_else(self, site, case):
        before = json.loads(site.ok("show", case, "--json"))
        result = site.run(
            "--user", "ana.ruiz", "--role", "chief_investigator", "advance", case, "discontinue",
            "--reason", "claimed",
        )  # fmt: skip
        assert 1 == result.exit_code
        expected = (
            f"Error: {case}: Ana Ruiz does not hold the role chief_investigator"
            " (an administrator grants it: aaib user grant)"
        )
        assert [expected] == result.output.splitlines()
        assert before["state"] == json.loads(site.ok("show", case, "--json"))["state"]
        last = json.loads(site.ok("history", case, "--json", "--all"))[-1]
        assert ("refused", "Ana Ruiz") == (last["kind"], last["actor"])

    def test_self_appointment_is_refused(self, site, case):
        site.ok(
            "--user", "chris.ode", "--role", "chief_investigator", "advance", case,
            "decide_investigate", "--set", "classification=other", "--set", "depth=field",
            "--reason", "r",
        )  # fmt: skip
        site.ok("--user", "chris.ode", "user", "declare", "--none")
        result = site.run(
            "--user", "chris.ode", "--role", "chief_investigator", "team", "appoint", case,
            "chris.ode", "--as", "lead_investigator",
        )  # fmt: skip
        assert 1 == result.exit_code
        assert "another person must (separation of duties)" in result.output
        done = site.process(
            "--user", "chris.ode", "--role", "chief_investigator", "team", "appoint", case,
            "chris.ode", "--as", "lead_investigator",
        )  # fmt: skip
        assert 1 == done.returncode and 1 == len(done.stderr.splitlines())
        assert "nobody appoints themselves" in done.stderr

    def test_only_an_administrator_adds_accounts(self, site, case):
        result = site.run("--user", "ana.ruiz", "user", "add", "zed", "--name", "Zed")
        assert 1 == result.exit_code
        assert ["Error: Ana Ruiz may not add accounts: it needs the administrator role"] == (
            result.output.splitlines()
        )

    def test_delegation_is_recorded_as_a_for_b(self, site, case):
        site.sign_in("lee.park", "Lee Park")
        site.ok("--user", "lee.park", "user", "declare", "--none")
        site.ok(
            "--user", "chris.ode", "--role", "chief_investigator", "advance", case,
            "decide_investigate", "--set", "classification=other", "--set", "depth=field",
            "--reason", "r",
        )  # fmt: skip
        site.ok(
            "--user", "chris.ode", "--role", "chief_investigator", "team", "appoint", case,
            "lee.park", "--as", "lead_investigator",
        )  # fmt: skip
        site.ok(
            "--user", "chris.ode", "--on-behalf-of", "lee.park", "advance", case, "agree_scope",
            "--set", "terms_of_reference=t",
        )  # fmt: skip
        last = json.loads(site.ok("history", case, "--json"))[-1]
        assert ("Chris Ode for Lee Park", "lead_investigator") == (last["actor"], last["role"])
        ids = {u["login"]: u["id"] for u in json.loads(site.ok("user", "list", "--json"))}
        assert (ids["lee.park"], ids["chris.ode"]) == (last["account_id"], last["delegate_id"])
        refused = site.run("--user", "ana.ruiz", "--on-behalf-of", "lee.park", "list-x")
        assert 2 == refused.exit_code  # an unknown command is a usage error before anything else

    def test_in_a_real_process(self, site, case):
        """A real process signed in from the saved credentials: a claimed role is one line."""
        done = site.process(
            "--user", "ana.ruiz", "--role", "chief_investigator", "advance", case, "suspend",
            "--reason", "claimed",
        )  # fmt: skip
        assert 1 == done.returncode
        assert 1 == len(done.stderr.strip().splitlines()) and "Traceback" not in done.stderr
        assert "does not hold the role chief_investigator" in done.stderr


class TestUpgrade:
    def test_previous_release_database_upgrades_in_place(self, tmp_path):
        """Free-text actors become one account per canonical name; the upgrade says what it
        merged; an upgraded account can become the first administrator; verify passes."""
        site = Site(tmp_path)
        shutil.copy(FIXTURE, site.db)
        listed = site.run("list")
        assert 0 == listed.exit_code, listed.output
        assert "actors are now accounts (4); spellings merged:" in listed.output
        assert "chris.ode (Chris Ode): Chris Ode | chris  ode" in listed.output
        assert "merged" not in site.ok("list")  # said once
        users = json.loads(site.ok("user", "list", "--json"))
        assert ["ana.ruiz", "chris.ode", "lee.park", "sam.idowu"] == [u["login"] for u in users]
        init = site.ok("init", "--admin", "chris.ode")
        assert "Administrator: Chris Ode (chris.ode)" in init and "2 case(s) sealed" in init
        lee = json.loads(site.ok("user", "show", "lee.park", "--json"))
        assert (["Eastshire County Council"], True) == (lee["agencies"], lee["declared"])
        team = json.loads(site.ok("team", "list", "CP-2026-0001", "--json"))
        assert all(m["account_id"] for m in team)
        assert "Audit trail intact: 2 case(s)" in site.ok("audit", "verify")

    def test_upgrade_in_a_real_process(self, tmp_path):
        site = Site(tmp_path)
        shutil.copy(FIXTURE, site.db)
        done = site.process("list")
        assert 0 == done.returncode, done.stderr
        assert "ana.ruiz (Ana Ruiz): Ana Ruiz | Ana  Ruiz" in done.stderr


def test_security_doc_table_is_current():
    """docs/security.md shows exactly what `aaib workflow permissions child-protection` prints."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "security.md").read_text()
    shown = text.split("<!-- permissions:start -->\n")[1].split("<!-- permissions:end -->")[0]
    printed = CliRunner().invoke(cli, ["workflow", "permissions", "child-protection"])
    assert 0 == printed.exit_code and shown == printed.output


def test_demo_signs_in_its_cast(tmp_path):
    """After `aaib demo`, each of the cast can act here with --user (the docs say so)."""
    site = Site(tmp_path)
    site.ok("demo", "--db", str(site.db))
    who = json.loads(site.ok("--user", "rita.haas", "whoami", "--json"))
    assert ("Rita Haas", []) == (who["name"], who["roles"])
    assert "lee.park" == json.loads(site.ok("whoami", "--json"))["login"]


def test_a_rewritten_grant_on_the_registry_trail_is_detected(site):
    """An insider who edits the registry trail (a grant) with the project's own hashing,
    but without the audit key, is reported by audit verify in one line."""
    from aaib_cp.workflow.audit import GENESIS, event_hash

    site.ok("user", "add", "mal", "--name", "Mal")
    site.ok("user", "grant", "mal", "notifier")
    assert 0 == site.run("audit", "verify").exit_code
    with sqlite3.connect(site.db) as conn:
        conn.row_factory = sqlite3.Row
        conn.execute("DROP TRIGGER registry_events_no_update")
        rows = [dict(r) for r in conn.execute("SELECT * FROM registry_events ORDER BY n")]
        prev = GENESIS
        for row in rows:  # re-chain everything after pretending the grant was chief's
            if row["kind"] == "role_granted" and '"mal"' in row["detail"]:
                row["detail"] = row["detail"].replace("notifier", "chief_investigator")
            row["prev_hash"] = prev
            row["hash"] = prev = event_hash(prev, {**row, "case_id": "registry"})
            conn.execute(
                "UPDATE registry_events SET detail = ?, prev_hash = ?, hash = ? WHERE n = ?",
                [row["detail"], row["prev_hash"], row["hash"], row["n"]],
            )
    result = site.run("audit", "verify")
    assert 1 == result.exit_code
    assert "the account registry's trail, event" in result.output
    assert "not authenticated by the audit key" in result.output
