"""The `aaib` command line, through CliRunner and as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from aaib_cp import Store
from aaib_cp.cli import COMMANDS, cli
from tests.people import cli_args, signed_in


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "cases.db")
    result = CliRunner().invoke(cli, ["--db", path, "init"])
    assert 0 == result.exit_code, result.output
    return path


def run(db: str, *args: str, actor: str | None = None, role: str | None = None):
    base = ["--db", db]
    if actor:
        base += ["--actor", actor]
    if role:
        base += ["--role", role]
    full, env = cli_args(db, [*base, *args])
    return CliRunner().invoke(cli, full, env=env)


def notify(db: str) -> str:
    result = run(
        db, "notify", "--title", "Child A", "--known-on", "2026-01-05", actor="Ana", role="notifier"
    )
    assert 0 == result.exit_code, result.output
    return result.output.strip()


def all_commands() -> list[tuple[str, click.Command]]:
    ctx = click.Context(cli)
    found = []
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        found.append((name, command))
        if isinstance(command, click.Group):
            for sub in command.list_commands(ctx):
                found.append((f"{name} {sub}", command.get_command(ctx, sub)))
    return found


class TestHelp:
    def test_summaries_table_is_current(self):
        """The table `aaib --help` lists is exactly what the commands' own help says."""
        from aaib_cp.cli import _summaries
        from aaib_cp.cli.reference import render_summaries

        assert sorted(_summaries.SUMMARIES) == sorted(COMMANDS)
        assert render_summaries() == Path(_summaries.__file__).read_text(encoding="utf-8")

    @pytest.mark.parametrize("width", [30, 50, 80, 100, 200])
    def test_top_level_help_is_clicks_own(self, width):
        """`aaib --help` from the table is what click writes from the imported commands."""

        def render(format_commands) -> str:
            ctx = click.Context(cli, info_name="aaib", terminal_width=width)
            formatter = ctx.make_formatter()
            format_commands(cli, ctx, formatter)
            return formatter.getvalue()

        from_table = render(type(cli).format_commands)
        assert "status" in from_table
        assert from_table == render(click.Group.format_commands)

    def test_top_level_help_imports_no_command(self):
        """`aaib --help` in a fresh process imports no command module and no wiring."""
        code = (
            "import sys\n"
            "from click.testing import CliRunner\n"
            "from aaib_cp.cli import cli\n"
            "assert CliRunner().invoke(cli, ['--help']).exit_code == 0\n"
            "print(sorted(m for m in sys.modules if m.startswith('aaib_cp')))\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        assert "'aaib_cp.cli._summaries'" in out
        assert "aaib_cp.cli.cases" not in out
        assert "aaib_cp.wiring" not in out

    @pytest.mark.parametrize(("name", "command"), all_commands())
    def test_every_command_has_help_with_example(self, name, command):
        """Every command and subcommand documents itself with an example."""
        assert command.help, name
        assert "Example" in command.help, name

    def test_read_commands_take_json(self):
        """Every read command (list, show, status, verify, ...) offers --json."""
        read_words = {
            "list",
            "show",
            "status",
            "history",
            "verify",
            "validate",
            "check",
            "overdue",
            "deadlines",
            "search",
            "themes",
        }
        reads = [(n, c) for n, c in all_commands() if n.split()[-1] in read_words]
        assert len(reads) >= 20
        for name, command in reads:
            if name == "workflow show":
                fmt = next(p for p in command.params if p.name == "fmt")
                assert "json" in fmt.type.choices
            else:
                assert any(p.name == "as_json" for p in command.params), name


class TestCases:
    def test_notify_prints_reference(self, db):
        """notify opens a case and prints its reference."""
        assert notify(db).startswith("CP-")

    def test_status_lists_triggers_and_blockers(self, db):
        """status names the guard blocking a trigger in plain words."""
        case = notify(db)
        run(db, "advance", case, "start_triage", actor="C", role="chief_investigator")
        run(
            db,
            "advance",
            case,
            "decide_investigate",
            "--set",
            "classification=other",
            "--set",
            "depth=field",
            "--reason",
            "r",
            actor="C",
            role="chief_investigator",
        )
        result = run(db, "status", case)
        assert 0 == result.exit_code
        assert "[blocked] agree_scope -> evidence" in result.output
        assert "no one is appointed as lead investigator" in result.output
        data = json.loads(run(db, "status", case, "--json").output)
        assert "scoping" == data["case"]["state"]
        assert {"agree_scope", "suspend", "discontinue"} == {t["trigger"] for t in data["triggers"]}

    def test_refused_advance_changes_only_the_log(self, db):
        """A refused advance exits 1, names the guard, and writes only the refusal event."""
        case = notify(db)
        run(db, "advance", case, "start_triage", actor="C", role="chief_investigator")
        run(
            db,
            "advance",
            case,
            "decide_investigate",
            "--set",
            "classification=other",
            "--set",
            "depth=field",
            "--reason",
            "r",
            actor="C",
            role="chief_investigator",
        )
        with Store.open(db) as store:
            row = store.case_row(case)
            events = store.event_rows(case)
            team = store.db.execute("SELECT * FROM team").fetchall()
        result = run(
            db,
            "advance",
            case,
            "agree_scope",
            "--set",
            "terms_of_reference=x",
            actor="C",
            role="chief_investigator",
        )
        assert 1 == result.exit_code
        assert "guard 'team_has_role' failed" in result.output
        with Store.open(db) as store:
            assert row == store.case_row(case)
            after = store.event_rows(case)
            assert events == after[:-1]
            assert "refused" == after[-1]["kind"]
            assert team == store.db.execute("SELECT * FROM team").fetchall()

    def test_history_json(self, db):
        """history --json lists the events in order."""
        case = notify(db)
        run(db, "advance", case, "start_triage", actor="C", role="chief_investigator")
        data = json.loads(run(db, "history", case, "--json").output)
        assert ["opened", "transition"] == [e["kind"] for e in data]

    def test_acting_unsigned_is_usage_error(self, db, tmp_path, monkeypatch):
        """Acting without being signed in is a usage error naming aaib login (exit 2)."""
        case = notify(db)
        monkeypatch.setenv("AAIB_CONFIG_DIR", str(tmp_path / "nobody"))
        result = CliRunner(env={"AAIB_TOKEN": None, "AAIB_ROLE": None}).invoke(
            cli, ["--db", db, "advance", case, "start_triage"]
        )
        assert 2 == result.exit_code
        assert "not signed in" in result.output and "aaib login" in result.output

    def test_unknown_case(self, db):
        """An unknown case is one clear line and exit 1."""
        result = run(db, "status", "CP-1999-0001")
        assert 1 == result.exit_code
        assert "Error: no case 'CP-1999-0001'\n" == result.output

    def test_team_and_set(self, db):
        """team appoint and set record what the guards read."""
        case = notify(db)
        result = run(
            db,
            "team",
            "appoint",
            case,
            "Lee Park",
            "--as",
            "lead_investigator",
            actor="C",
            role="chief_investigator",
        )
        assert 0 == result.exit_code, result.output
        members = json.loads(run(db, "team", "list", case, "--json").output)
        assert [("Lee Park", "lead_investigator")] == [(m["name"], m["role"]) for m in members]
        result = run(
            db, "set", case, "terms_of_reference", "Scope", actor="C", role="chief_investigator"
        )
        assert 0 == result.exit_code, result.output
        assert (
            "Scope"
            == json.loads(run(db, "show", case, "--json").output)["fields"]["terms_of_reference"]
        )

    def test_list(self, db):
        """list shows each case with its state."""
        case = notify(db)
        result = run(db, "list")
        assert case in result.output and "notification" in result.output
        assert [case] == [c["id"] for c in json.loads(run(db, "list", "--json").output)]


class TestDatabaseErrors:
    def test_not_sqlite(self, tmp_path):
        """A file that is not SQLite is refused in one line."""
        bogus = tmp_path / "notes.db"
        bogus.write_text("hello, this is not a database\n")
        result = CliRunner().invoke(cli, ["--db", str(bogus), "list"])
        assert 1 == result.exit_code
        assert "is not an SQLite database" in result.output
        assert "hello, this is not a database\n" == bogus.read_text()

    def test_newer_schema(self, db):
        """A database from a newer aaib-cp is refused."""
        with Store.open(db) as store:
            store.db.execute("INSERT INTO schema_migrations (name) VALUES ('9999_future')")
        result = run(db, "list")
        assert 1 == result.exit_code
        assert "newer aaib-cp" in result.output

    def test_missing_database(self, tmp_path):
        """Reading a database that does not exist says to run init."""
        result = CliRunner().invoke(cli, ["--db", str(tmp_path / "none.db"), "list"])
        assert 1 == result.exit_code
        assert "run 'aaib init' first" in result.output
        assert not (tmp_path / "none.db").exists()


class TestWorkflowCommands:
    @pytest.mark.parametrize("fmt", ["text", "mermaid", "dot", "json"])
    def test_show_formats(self, fmt):
        """workflow show draws the shipped workflow in every format."""
        result = CliRunner().invoke(cli, ["workflow", "show", "child-protection", "--format", fmt])
        assert 0 == result.exit_code, result.output
        assert "consultation" in result.output

    def test_mermaid_is_a_state_diagram(self):
        """The Mermaid output is a state diagram with the transitions as edges."""
        result = CliRunner().invoke(
            cli, ["workflow", "show", "child-protection", "--format", "mermaid"]
        )
        assert "stateDiagram-v2" in result.output
        assert "consultation --> final_report: issue_final_report" in result.output


def aaib(*args: str, cwd: Path, env: dict[str, str] | None = None):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "aaib_cp", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


class TestSubprocess:
    def test_demo_ends_closed(self, tmp_path):
        """`aaib demo` runs a case from notification to closed and prints its history."""
        result = aaib("demo", cwd=tmp_path)
        assert 0 == result.returncode, result.stderr
        assert "is 'closed'. Audit trail: intact." in result.stdout
        assert "response_tracking  closed" in result.stdout
        assert (tmp_path / "aaib-demo.db").exists()
        again = aaib("demo", cwd=tmp_path)
        assert 0 == again.returncode, again.stderr
        status = aaib("--db", "aaib-demo.db", "status", "CP-2026-0001", "--json", cwd=tmp_path)
        assert "closed" == json.loads(status.stdout)["case"]["state"]

    def test_demo_refuses_to_overwrite_real_database(self, tmp_path):
        """The demo never replaces a database that is not a demo."""
        assert 0 == aaib("--db", "real.db", "init", cwd=tmp_path).returncode
        result = aaib("demo", "--db", "real.db", cwd=tmp_path)
        assert 1 == result.returncode
        assert "is not a demo database" in result.stderr

    def test_user_mistake_has_no_traceback(self, tmp_path):
        """A refused action is one line on stderr, exit 1, no traceback."""
        env = {"AAIB_DB": str(tmp_path / "x.db"), "AAIB_CONFIG_DIR": str(tmp_path / "config")}
        assert 0 == aaib("init", "--admin", "chris", cwd=tmp_path, env=env).returncode
        env.update(signed_in(tmp_path / "x.db", "Ana", "notifier"))
        case = aaib(
            "notify", "--title", "Child A", "--known-on", "2026-01-05", cwd=tmp_path, env=env
        ).stdout.strip()
        result = aaib("advance", case, "start_triage", cwd=tmp_path, env=env)
        assert 1 == result.returncode
        assert 1 == len(result.stderr.strip().splitlines())
        assert "needs chief_investigator" in result.stderr
        assert "Traceback" not in result.stderr

    def test_help_is_fast_to_import(self, tmp_path):
        """`aaib --help` does not import the engine, store or transitions."""
        code = (
            "import sys; from aaib_cp.cli import cli\n"
            "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('transitions', 'sqlite_utils', 'yaml', 'holidays')))"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert "[]" == result.stdout.strip().splitlines()[-1]
