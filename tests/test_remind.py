"""``aaib remind``: digests e-mailed over SMTP to a local aiosmtpd server, once a clock a day."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from aaib_cp import Engine, Store, load_workflow
from aaib_cp.cli import cli
from aaib_cp.exceptions import InputError
from aaib_cp.recommendations.service import SafetyBook
from aaib_cp.reminders.mail import SmtpSettings
from aaib_cp.reminders.service import Reminders, answerable_roles
from aaib_cp.workflow.calendar import DeadlineRule
from aaib_cp.workflow.clocks import CaseClock
from tests.conftest import FixedClock
from tests.people import signed_in
from tests.smtp_helpers import PASSWORD, free_port, mail_server


@pytest.fixture
def smtp():
    with mail_server() as sink:
        yield sink


def settings_file(folder: Path, port: int, **extra: str) -> Path:
    """An smtp.toml for the loopback server, logging in with a password file."""
    secret = folder / "smtp-password"
    secret.write_text(PASSWORD + "\n")
    secret.chmod(0o600)
    lines = [
        "[smtp]",
        'host = "127.0.0.1"',
        f"port = {port}",
        'username = "reminders"',
        f'password-file = "{secret}"',
        'from = "Investigations <investigations@example.org>"',
        *(f"{k} = {v}" for k, v in extra.items()),
    ]
    path = folder / "smtp.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A case notified today: its notification clock is due within 5 working days and
    falls to the chief investigators (Chris has an address, Ola has none)."""
    path = str(tmp_path / "cases.db")
    with Store.open(path, create=True) as store:
        engine = Engine(store)
        accounts = engine.accounts
        admin = accounts.first_administrator("ada", "Ada Admin", email="ada@example.org")
        accounts.add("ana", "Ana Ruiz", actor=admin, roles=["notifier"], email="ana@example.org")
        accounts.add(
            "chris", "Chris Ode", actor=admin, roles=["chief_investigator"],
            email="chris@example.org",
        )  # fmt: skip
        accounts.add("ola", "Ola Berg", actor=admin, roles=["chief_investigator"])
        with engine.acting_as(accounts.get("ana")) as act:
            act.open_case(load_workflow("child-protection"), title="Child A", known_on=date.today())
    return path


def remind(db: str, *args: str):
    env = {"AAIB_SYNCHRONOUS": "OFF", **signed_in(db, "Ada Admin")}
    return CliRunner().invoke(cli, ["--db", db, "remind", *args], env=env)


def sent_rows(db: str) -> list[tuple]:
    with Store.open(db) as store:
        return list(store.db.execute("SELECT account_id, clock_uid, sent_on FROM reminders_sent"))


class TestCli:
    def test_sends_each_account_its_digest_once_a_day(self, database, smtp, tmp_path):
        """Chris gets the notification clock; a second run the same day sends nothing."""
        config = settings_file(tmp_path, smtp.port)
        result = remind(database, "--config", str(config))
        assert result.exit_code == 0, result.output
        assert "To chris <chris@example.org>: aaib-cp: 1 deadline(s) to act on" in result.output
        assert "No e-mail address, not reminded: ola." in result.output
        [message] = smtp.messages
        assert message["To"] == "chris@example.org"
        assert message["From"] == "Investigations <investigations@example.org>"
        body = message.get_payload(decode=True).decode()
        assert "Dear Chris Ode," in body and "Serious incident notification: due" in body
        assert smtp.logins == ["reminders"]
        [(_, uid, day)] = sent_rows(database)
        assert uid.endswith(".state.notification.serious-incident-notification@aaib-cp")
        assert day == date.today().isoformat()

        again = remind(database, "--config", str(config))
        assert again.exit_code == 0, again.output
        assert "Nothing to remind" in again.output
        assert len(smtp.messages) == 1 and len(sent_rows(database)) == 1

    def test_each_sending_is_audited_on_the_registry_trail(self, database, smtp, tmp_path):
        remind(database, "--config", str(settings_file(tmp_path, smtp.port)))
        with Store.open(database) as store:
            [event] = [e for e in store.accounts.registry_rows() if e["kind"] == "reminder_sent"]
        assert event["actor"] == "Ada Admin"
        assert '"to": "chris"' in event["detail"]

    def test_dry_run_sends_and_records_nothing(self, database, smtp):
        """Without a settings file a dry run still says what would go, as JSON too."""
        result = remind(database, "--dry-run", "--json")
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        assert [d["login"] for d in data["would_send"]] == ["chris"]
        assert data["no_email"] == ["ola"]
        assert data["would_send"][0]["clocks"][0]["title"] == "Child A"
        assert not smtp.messages and not sent_rows(database)

    def test_within_zero_leaves_out_clocks_not_yet_due(self, database, smtp):
        result = remind(database, "--dry-run", "--within", "0")
        assert "Nothing to remind" in result.output

    def test_refused_by_the_server_records_nothing(self, database, smtp, tmp_path):
        smtp.refuse = True
        result = remind(database, "--config", str(settings_file(tmp_path, smtp.port)))
        assert result.exit_code == 1
        assert result.output.strip().endswith("554 Transaction failed: no thanks")
        assert "Traceback" not in result.output and not sent_rows(database)

    def test_no_server_is_one_line(self, database, tmp_path):
        result = remind(database, "--config", str(settings_file(tmp_path, free_port())))
        assert result.exit_code == 1
        assert "mail server 127.0.0.1:" in result.output and len(result.output.splitlines()) == 1
        assert not sent_rows(database)

    @pytest.mark.parametrize(
        ("text", "problem"),
        [
            ('host = "x"\n', "from is required"),
            ('host = "x"\nfrom = "a@b.org"\nport = "25"\n', "port: expected int"),
            ('host = "x"\nfrom = "a@b.org"\nhots = "y"\n', "unknown key 'hots'"),
            ('host = "x"\nfrom = "nobody"\n', "is not an e-mail address"),
            ("host = \n", "not valid TOML"),
        ],
    )
    def test_bad_settings_are_one_line(self, database, tmp_path, text, problem):
        config = tmp_path / "bad.toml"
        config.write_text(text)
        result = remind(database, "--config", str(config))
        assert result.exit_code == 1
        assert f"{config}: " in result.output and problem in result.output
        assert len(result.output.strip().splitlines()) == 1

    def test_default_settings_file_is_in_the_config_folder(
        self, database, tmp_path, smtp, monkeypatch
    ):
        folder = tmp_path / "config"
        folder.mkdir()
        monkeypatch.setenv("AAIB_CONFIG_DIR", str(folder))
        missing = remind(database)
        assert missing.exit_code == 1 and "smtp.toml: no SMTP settings file" in missing.output
        settings_file(folder, smtp.port)
        assert remind(database).exit_code == 0 and len(smtp.messages) == 1

    def test_a_world_readable_password_file_is_refused(self, database, tmp_path, smtp):
        config = settings_file(tmp_path, smtp.port)
        (tmp_path / "smtp-password").chmod(0o644)
        result = remind(database, "--config", str(config))
        assert result.exit_code == 1 and "readable by others" in result.output
        assert not smtp.messages

    def test_only_an_administrator_sends(self, database, smtp, tmp_path):
        env = {"AAIB_SYNCHRONOUS": "OFF", **signed_in(database, "Chris Ode")}
        config = str(settings_file(tmp_path, smtp.port))
        result = CliRunner().invoke(cli, ["--db", database, "remind", "--config", config], env=env)
        assert result.exit_code == 1 and "needs the administrator role" in result.output
        assert not smtp.messages


def test_subprocess(database, smtp, tmp_path):
    """In a real process: sent once, then nothing more that day."""
    config = str(settings_file(tmp_path, smtp.port))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AAIB_")},
        **signed_in(database, "Ada Admin"),
    }
    for expected in ("Sent 1 digest(s) covering 1 clock(s).", "Nothing to remind"):
        result = subprocess.run(
            [sys.executable, "-m", "aaib_cp", "--db", database, "remind", "--config", config],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert expected in result.stdout
    assert len(smtp.messages) == 1


class TestRecipients:
    """Who answers for a clock, asked of the workflow (no role spelt in the service)."""

    def test_case_roles_reach_those_appointed_on_that_case(self, tmp_path):
        clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
        with Store.open(tmp_path / "c.db", create=True) as store:
            engine = Engine(store, clock=clock)
            admin = engine.accounts.first_administrator("ada", "Ada", email="ada@example.org")
            chief = engine.accounts.add(
                "chris", "Chris", actor=admin, roles=["chief_investigator", "notifier"],
                email="chris@example.org",
            )  # fmt: skip
            lee = engine.accounts.declare(
                [], none=True,
                actor=engine.accounts.add("lee", "Lee", actor=admin, email="lee@example.org"),
            )  # fmt: skip
            with engine.acting_as(chief) as act:
                wf = load_workflow("child-protection")
                case = act.open_case(wf, title="A", known_on=date(2026, 3, 2), role="notifier")
                act.fire(case.id, "start_triage", role="chief_investigator")
                act.fire(
                    case.id, "decide_investigate", role="chief_investigator", reason="Lessons",
                    fields={"classification": "serious_harm", "depth": "field"},
                )  # fmt: skip
                act.appoint(case.id, lee, "lead_investigator", role="chief_investigator")
            reminders = Reminders(engine)
            assert reminders.digests(today=date(2026, 3, 3))[0] == []  # nothing due soon
            later = date(2026, 9, 1)  # the local review is due by 2 September
            [digest], none = reminders.digests(within=5, today=later)
            assert (digest.account.login, none) == ("lee", [])
            assert [r.clock.label for r in digest.items] == ["Local review published"]
            SafetyBook(engine)  # recommendation clocks: asked of the permissions
            rule = DeadlineRule(90, "days", "issued", "Response")
            response = CaseClock(
                case.id, "Response to 001", "scoping", rule, date(2026, 3, 2),
                date(2026, 6, 1), False, 10, kind="recommendation_response",
            )  # fmt: skip
            assert answerable_roles(wf, response) == wf.roles_for("recommend")


class TestSettings:
    def test_port_defaults_by_starttls(self):
        plain = SmtpSettings.from_mapping({"host": "h", "from": "a@b.org"})
        tls = SmtpSettings.from_mapping({"host": "h", "from": "a@b.org", "starttls": True})
        assert (plain.port, tls.port) == (25, 587)

    def test_a_password_file_needs_a_username(self):
        with pytest.raises(InputError, match="without a username"):
            SmtpSettings.from_mapping({"host": "h", "from": "a@b.org", "password-file": "p"})


def test_reminders_are_kept_off_case_trails(database, smtp, tmp_path):
    """A sending bumps no case version (a reader's view of the case does not go stale)."""
    with Store.open(database) as store:
        [before] = [c.version for c in store.list_cases()]
    remind(database, "--config", str(settings_file(tmp_path, smtp.port)))
    with Store.open(database) as store:
        assert [c.version for c in store.list_cases()] == [before]
