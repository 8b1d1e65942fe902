"""The agency, person, evidence and chronology commands, through CliRunner and a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from aaib_cp.cli import cli
from tests.people import cli_args
from tests.test_cli import all_commands

LEAD = ["--actor", "Lee", "--role", "lead_investigator"]
POLICE = "Northshire Police"
CSC = "Children's Social Care"


def run(db: str, *args: str):
    # the tests need no durability: skip fsync for speed
    full, env = cli_args(db, ["--db", db, *args])
    return CliRunner().invoke(cli, full, env={"AAIB_SYNCHRONOUS": "OFF", **env})


def ok(db: str, *args: str) -> str:
    result = run(db, *args)
    assert 0 == result.exit_code, result.output
    return result.output


@pytest.fixture
def case(tmp_path: Path) -> tuple[str, str]:
    """A database with a case in 'evidence', two agencies and two people."""
    db = str(tmp_path / "cases.db")
    ok(db, "init")
    case_id = ok(
        db, "--actor", "Ana", "--role", "notifier", "notify", "--title", "Child A",
        "--known-on", "2026-01-05",
    ).strip()  # fmt: skip
    chief = ["--actor", "Chris", "--role", "chief_investigator"]
    ok(db, *chief, "advance", case_id, "start_triage")
    ok(
        db, *chief, "advance", case_id, "decide_investigate", "--set", "classification=other",
        "--set", "depth=field", "--reason", "r",
    )  # fmt: skip
    ok(db, *chief, "team", "appoint", case_id, "Lee", "--as", "lead_investigator")
    ok(db, *LEAD, "advance", case_id, "agree_scope", "--set", "terms_of_reference=t")
    ok(db, *LEAD, "agency", "add", case_id, POLICE, "--kind", "police")
    ok(db, *LEAD, "agency", "add", case_id, CSC, "--kind", "social_care")
    ok(db, *LEAD, "person", "add", case_id, "Jo Bloggs", "--as", "child", "--dob", "2020-01-02")
    ok(db, *LEAD, "person", "add", case_id, "Sue Smith", "--as", "social worker", "--agency", CSC)
    return db, case_id


class TestReadCommands:
    def test_read_commands_take_json(self):
        """Every read command of the casebook offers --json."""
        commands = dict(all_commands())
        reads = [
            "agency list",
            "person list",
            "evidence list",
            "evidence show",
            "evidence verify",
            "chronology show",
        ]
        assert [] == [n for n in reads if not any(p.name == "as_json" for p in commands[n].params)]


class TestAgencyAndPerson:
    def test_lists_as_json(self, case):
        """Agencies and people list as JSON; people by pseudonym, without real names."""
        db, case_id = case
        agencies = json.loads(ok(db, "agency", "list", case_id, "--json"))
        people = json.loads(ok(db, "person", "list", case_id, "--json"))
        assert [(POLICE, "police"), (CSC, "social_care")] == [
            (a["name"], a["kind"]) for a in agencies
        ]
        assert ["Child A", "Social Worker 1"] == [p["pseudonym"] for p in people]
        assert "Jo Bloggs" not in ok(db, "person", "list", case_id)

    def test_restricted_listing_shows_real_names(self, case):
        """--restricted adds the real name and date of birth."""
        db, case_id = case
        people = json.loads(ok(db, "person", "list", case_id, "--restricted", "--json"))
        assert {"real_name": "Jo Bloggs", "date_of_birth": "2020-01-02", "address": None} == (
            people[0]["restricted"]
        )

    def test_unknown_kind_is_one_clear_line(self, case):
        """A bad agency kind exits 1 naming the accepted kinds."""
        db, case_id = case
        result = run(db, *LEAD, "agency", "add", case_id, "School", "--kind", "skool")
        assert 1 == result.exit_code
        assert "Error: kind: 'skool' is not one of social_care, police" in result.output

    def test_no_evidence_reason_is_listed(self, case):
        """A recorded no-evidence reason appears in the agency list."""
        db, case_id = case
        ok(db, *LEAD, "agency", "no-evidence", case_id, POLICE, "--reason", "No records held")
        agencies = json.loads(ok(db, "agency", "list", case_id, "--json"))
        assert ["No records held", None] == [a["no_evidence_reason"] for a in agencies]


class TestEvidenceCommands:
    def test_add_show_verify(self, case, tmp_path):
        """A file is registered, shown with its custody chain, and verifies intact."""
        db, case_id = case
        source = tmp_path / "record.txt"
        source.write_text("case record")
        out = ok(
            db, *LEAD, "evidence", "add", case_id, "--kind", "case_record", "--description",
            "CSC file", "--obtained-how", "requested", "--obtained-on", "2026-01-20",
            "--agency", CSC, "--file", str(source),
        )  # fmt: skip
        shown = json.loads(ok(db, "--actor", "Rita", "evidence", "show", case_id, "E1", "--json"))
        assert out.startswith(f"{case_id}: registered E1, file sha256 ")
        assert ["evidence_added", "evidence_accessed"] == [e["kind"] for e in shown["custody"]]
        assert "Evidence intact: 1 stored file(s) verified." in ok(db, "evidence", "verify")

    def test_bad_file_name_is_refused(self, case, tmp_path):
        """A recorded file name with a path in it is refused, and nothing is stored."""
        db, case_id = case
        source = tmp_path / "x.txt"
        source.write_text("x")
        result = run(
            db, *LEAD, "evidence", "add", case_id, "--kind", "document", "--description", "d",
            "--obtained-how", "h", "--obtained-on", "2026-01-20", "--file", str(source),
            "--file-name", "../../etc/passwd",
        )  # fmt: skip
        assert 1 == result.exit_code
        assert "is not a plain file name" in result.output
        assert not (tmp_path / "cases-evidence").exists()


class TestChronologyCommands:
    def test_import_show_and_plot(self, case, tmp_path):
        """A CSV imports; show merges agencies, flags gaps; plot writes an SVG."""
        db, case_id = case
        csv = tmp_path / "csc.csv"
        csv.write_text(
            "when,what,people,key_episode\n"
            "2025-09-01,Home visit,Child A;Social Worker 1,yes\n"
            "2025-12,Visit,Child A,\n"
        )
        assert "imported 2 entries (C1-C2)" in ok(
            db, *LEAD, "chronology", "import", case_id, str(csv), "--agency", CSC
        )
        ok(
            db, *LEAD, "chronology", "add", case_id, "--when", "2025-12-20", "--agency", POLICE,
            "--what", "Call-out", "--person", "Child A",
        )  # fmt: skip
        shown = json.loads(ok(db, "chronology", "show", case_id, "--json"))
        text = ok(db, "chronology", "show", case_id, "--gap-days", "100")
        assert (["C1", "C2", "C3"], [{"from": "2025-09-01", "to": "2025-12-01", "days": 91}]) == (
            [e["entry"] for e in shown["entries"]],
            shown["gaps"],
        )
        assert (["C1", "C2", "C3"], ["C1"]) == (shown["without_evidence"], shown["key_episodes"])
        assert "0 gap(s) longer than 100 days" in text
        assert "timeline written" in ok(
            db, "chronology", "plot", case_id, "-o", str(tmp_path / "t.svg")
        )

    def test_bad_row_imports_nothing(self, case, tmp_path):
        """One bad row: exit 1, the row and field named, nothing imported."""
        db, case_id = case
        csv = tmp_path / "chronology.csv"
        rows = [f"2025-10-{d:02d},Contact,Child A" for d in range(1, 20)]
        rows[5] = "2026-02-30,Contact,Child A"
        csv.write_text("when,what,people\n" + "\n".join(rows) + "\n")
        result = run(db, *LEAD, "chronology", "import", case_id, str(csv), "--agency", POLICE)
        assert 1 == result.exit_code
        assert (
            "Error: chronology.csv: row 7: when: '2026-02-30' is not a valid date\n"
            "chronology.csv: 1 invalid row(s); nothing was imported\n"
        ) == result.output
        assert [] == json.loads(ok(db, "chronology", "show", case_id, "--json"))["entries"]


def aaib(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AAIB_")}
    if "--db" in args:
        db = str(cwd / args[args.index("--db") + 1])
        full, signed = cli_args(db, list(args))
        args, env = tuple(full), {**env, **signed, "AAIB_CONFIG_DIR": str(cwd / ".config")}
    return subprocess.run(
        [sys.executable, "-m", "aaib_cp", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


class TestSubprocess:
    def test_altered_file_makes_verify_exit_1_naming_the_item(self, case, tmp_path):
        """Altering a stored evidence file makes `aaib evidence verify` exit 1 naming the item."""
        db, case_id = case
        for name in ("a.txt", "b.txt"):
            (tmp_path / name).write_text(name)
            ok(
                db, *LEAD, "evidence", "add", case_id, "--kind", "document", "--description",
                name, "--obtained-how", "h", "--obtained-on", "2026-01-20", "--file",
                str(tmp_path / name),
            )  # fmt: skip
        assert 0 == aaib("--db", db, "evidence", "verify", case_id, cwd=tmp_path).returncode
        item = json.loads(ok(db, "evidence", "list", case_id, "--json"))[1]
        stored = tmp_path / "cases-evidence" / item["file"]["sha256"]
        stored.chmod(0o644)
        stored.write_text("altered")
        result = aaib("--db", db, "evidence", "verify", case_id, cwd=tmp_path)
        assert 1 == result.returncode
        assert f"ALTERED: {case_id} E2: file {item['file']['sha256'][:12]} is altered" == (
            result.stderr.strip()
        )
