"""Hostile input: every case gets one clear line, exit 1, and leaves the database unchanged.

The corpus lives in tests/hostile/. SQL and shell metacharacters are data, stored
verbatim; control characters and bidirectional overrides are refused.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aaib_cp.cli import cli
from tests.people import cli_args, signed_env

HOSTILE = Path(__file__).parent / "hostile"
WORKFLOWS = sorted(p.name for p in (HOSTILE / "workflows").glob("*.yaml"))
BROKEN = [w for w in WORKFLOWS if w != "norway-states.yaml"]
EXPECTED = {
    "alias-bomb.yaml": ":1:4: anchors are not allowed",
    "dotted-callbacks.yaml": "unknown guard 'os.system'",
    "duplicate-keys.yaml": ":3:1: version: duplicate key 'version'",
    "empty.yaml": "must be a YAML mapping",
    "malformed.yaml": ":8:7: invalid YAML",
    "not-a-mapping.yaml": "must be a YAML mapping",
    "python-tag.yaml": "explicit tag",
    "sql-in-names.yaml": ":8:3: states.analysis'; DROP TABLE cases;--: state name",
    "unknown-keys.yaml": ":3:1: model: unknown key 'model'",
    "wrong-types.yaml": ":3:10: initial: must be text",
}
ENV = {"AAIB_ACTOR": "Ana", "AAIB_ROLE": "notifier"}


def dump(db: Path) -> list[str]:
    """A logical dump of the database, to compare before and after."""
    with sqlite3.connect(db) as conn:
        return list(conn.iterdump())


#: The audit head at the end of a case row in a dump: its last event's number, hash, MAC.
_HEAD = re.compile(r",\d+,'[0-9a-f]{64}',(?:NULL|'[^']*')\);$")


def without_trail(lines: list[str]) -> list[str]:
    """A dump without the audit trail: no events, and no audit head in the case rows."""
    return [
        _HEAD.sub(");", line) if line.startswith('INSERT INTO "cases"') else line
        for line in lines
        if 'INSERT INTO "events"' not in line
    ]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cases.db"
    assert 0 == CliRunner().invoke(cli, ["--db", str(path), "init"]).exit_code
    result = CliRunner(env=signed_env(path, ENV)).invoke(
        cli, ["--db", str(path), "notify", "--title", "Child A", "--known-on", "2026-01-05"]
    )
    assert 0 == result.exit_code, result.output
    return path


def invoke(db: Path, *args: str, env: dict[str, str] | None = None, translate: bool = True):
    """Run the CLI; ``translate`` turns old-style people arguments into logins (never for
    fuzzed values, which may spell an option such as ``--requested-by``)."""
    translated = translate and "--actor" not in args
    full = cli_args(db, list(args))[0] if translated else list(args)
    signed = signed_env(db, {**ENV, **(env or {})})
    return CliRunner(env=signed).invoke(cli, ["--db", str(db), *full])


def assert_refused(result, db_before: list[str], db: Path, needle: str) -> None:
    assert 1 == result.exit_code, result.output
    assert needle in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert db_before == dump(db)


class TestCorpus:
    def test_corpus_is_complete(self):
        """Every file in the corpus has an expected message."""
        assert set(BROKEN) == set(EXPECTED)

    @pytest.mark.parametrize("name", BROKEN)
    def test_hostile_workflow_refused_on_notify(self, db, name):
        """Opening a case under a hostile workflow is refused, located, and changes nothing."""
        before = dump(db)
        path = HOSTILE / "workflows" / name
        result = invoke(
            db, "notify", "--title", "X", "--known-on", "2026-01-05", "--workflow", str(path)
        )
        assert_refused(result, before, db, EXPECTED[name])

    @pytest.mark.parametrize("name", BROKEN)
    def test_hostile_workflow_validate_lines(self, name):
        """`workflow validate` prints one located line per problem and exits 1."""
        path = HOSTILE / "workflows" / name
        result = CliRunner().invoke(cli, ["workflow", "validate", str(path)])
        assert 1 == result.exit_code
        lines = result.output.strip().splitlines()
        assert lines[-1].endswith("problem(s) found.")
        assert all(line.startswith(str(path) + ":") for line in lines[:-1])

    def test_norway_states_are_states(self, db):
        """States named no, on and off load as strings and can be entered."""
        path = HOSTILE / "workflows" / "norway-states.yaml"
        admin = {"AAIB_ACTOR": "Admin", "AAIB_ROLE": "administrator"}
        assert 0 == invoke(db, "workflow", "register", str(path), env=admin).exit_code
        result = invoke(
            db,
            "notify",
            "--title",
            "N",
            "--known-on",
            "2026-01-05",
            "--workflow",
            str(path),
            env={"AAIB_ROLE": "lead"},
        )
        assert 0 == result.exit_code, result.output
        case = result.output.strip()
        for trigger in ("analyse", "switch_on", "switch_off", "finish"):
            assert 0 == invoke(db, "advance", case, trigger, env={"AAIB_ROLE": "lead"}).exit_code
        assert "done" in invoke(db, "status", case).output

    def test_huge_workflow_refused(self, db, tmp_path):
        """A huge file is refused before it is parsed."""
        huge = tmp_path / "huge.yaml"
        huge.write_text("name: x\ndescription: " + "a" * 2_000_000 + "\n")
        before = dump(db)
        result = invoke(
            db, "notify", "--title", "X", "--known-on", "2026-01-05", "--workflow", str(huge)
        )
        assert_refused(result, before, db, "larger than 1000000 bytes")

    def test_invalid_utf8_workflow_refused(self, db, tmp_path):
        """Bytes that are not UTF-8 are refused with their position."""
        bad = tmp_path / "bad.yaml"
        bad.write_bytes(b"name: caf\xe9\n")
        before = dump(db)
        result = invoke(
            db, "notify", "--title", "X", "--known-on", "2026-01-05", "--workflow", str(bad)
        )
        assert_refused(result, before, db, "bad.yaml:1:10: not valid UTF-8")

    @pytest.mark.parametrize("when", ["2026-02-30", "2026-13-01", "30/01/2026", "tomorrow"])
    def test_impossible_dates(self, db, when):
        """Impossible dates are refused in one line naming the field."""
        before = dump(db)
        result = invoke(db, "notify", "--title", "X", "--known-on", when)
        assert_refused(result, before, db, f"known_on: '{when}' is not a valid date")

    def test_not_sqlite(self, tmp_path):
        """A file that is not SQLite is refused and left untouched."""
        copy = tmp_path / "not-sqlite.db"
        shutil.copy(HOSTILE / "not-sqlite.db", copy)
        original = copy.read_bytes()
        result = CliRunner().invoke(cli, ["--db", str(copy), "list"])
        assert 1 == result.exit_code
        assert "is not an SQLite database" in result.output
        assert original == copy.read_bytes()

    def test_newer_schema(self, db):
        """A database from a newer aaib-cp is refused and not migrated."""
        with sqlite3.connect(db) as conn:
            conn.execute("INSERT INTO schema_migrations (name) VALUES ('zz_from_the_future')")
        before = dump(db)
        result = invoke(db, "list")
        assert_refused(result, before, db, "written by a newer aaib-cp")


class TestTextFields:
    SQL = "Robert'); DROP TABLE cases;-- $(rm -rf ~) `id` | & ; \"quoted\" O'Brien"

    def test_sql_and_shell_metacharacters_are_data(self, db):
        """Metacharacters are stored and shown verbatim; nothing is executed or dropped."""
        result = invoke(db, "notify", "--title", self.SQL, "--known-on", "2026-01-05")
        assert 0 == result.exit_code, result.output
        case = result.output.strip()
        assert self.SQL in invoke(db, "show", case).output
        assert 2 == len(invoke(db, "list", "--json").output.split('"id"')) - 1

    @pytest.mark.parametrize(
        ("option", "value", "needle"),
        [
            ("--title", "Child\x00A", "title: character 6 is control character U+0000"),
            ("--title", "Child\nA", "title: character 6 is a line break"),
            ("--title", "Child \u202eA", "bidirectional override (U+202E)"),
            ("--reason", "bell\x07", "reason: character 5 is control character U+0007"),
            ("--title", "x" * 501, "title: longer than 500 characters"),
        ],
    )
    def test_control_characters_refused(self, db, option, value, needle):
        """Control characters and bidi overrides are refused in one line, changing nothing."""
        before = dump(db)
        given = {"--title": "T", "--known-on": "2026-01-05", option: value}
        args = ["notify", *(part for pair in given.items() for part in pair)]
        assert_refused(invoke(db, *args), before, db, needle)

    def test_multiline_reason_allowed(self, db):
        """A reason may span lines."""
        case = "CP-" + invoke(db, "list", "--json").output.split('"CP-')[1].split('"')[0]
        result = invoke(
            db,
            "advance",
            case,
            "suspend",
            "--reason",
            "line one\nline two",
            env={"AAIB_ROLE": "chief_investigator"},
        )
        assert 0 == result.exit_code, result.output


TEXT = st.text(st.characters(codec="utf-8"), max_size=40)


class TestFuzz:
    """Arbitrary text in every text option: never a traceback, and bad input changes nothing."""

    @settings(
        max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(title=TEXT, reason=TEXT, actor=TEXT, known=TEXT)
    def test_notify(self, db, title, reason, actor, known):
        """notify with arbitrary title, reason, actor and date."""
        before = dump(db)
        result = invoke(
            db,
            "--actor",
            actor,
            "notify",
            "--title",
            title,
            "--reason",
            reason,
            "--known-on",
            known,
        )
        assert result.exit_code in (0, 1, 2), result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        if result.exit_code != 0:
            assert before == dump(db)

    @settings(
        max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(case=TEXT, trigger=TEXT, reason=TEXT, field=TEXT, value=TEXT, role=TEXT)
    def test_advance(self, db, case, trigger, reason, field, value, role):
        """advance with arbitrary case, trigger, reason, --set and role: at most a refusal."""
        before = without_trail(dump(db))
        events = sum('INSERT INTO "events"' in line for line in dump(db))
        result = invoke(
            db,
            "advance",
            case or "CP-2026-0001",
            trigger,
            "--reason",
            reason,
            "--set",
            f"{field}={value}",
            "--role",
            role,
            translate=False,
        )
        assert result.exit_code in (1, 2), result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        after = dump(db)
        assert before == without_trail(after)
        assert sum('INSERT INTO "events"' in line for line in after) - events in (0, 1)

    @settings(
        max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(name=TEXT, role=TEXT, field=TEXT, value=TEXT)
    def test_team_and_set(self, db, name, role, field, value):
        """team appoint and set with arbitrary text never crash."""
        for args in (
            ["team", "appoint", "CP-2026-0001", name, "--as", role],
            ["set", "CP-2026-0001", field, value],
        ):
            result = invoke(db, *args, "--role", "chief_investigator")
            assert result.exit_code in (0, 1, 2), result.output
            assert result.exception is None or isinstance(result.exception, SystemExit)


def test_subprocess_control_character_is_one_line(tmp_path):
    """As a real process: a NUL-free control character in a title is one line, exit 1."""
    env = {
        "AAIB_DB": str(tmp_path / "x.db"),
        "AAIB_ACTOR": "Ana",
        "AAIB_ROLE": "notifier",
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run(
        [sys.executable, "-m", "aaib_cp", "init", "--admin", "chris"],
        env={"AAIB_DB": env["AAIB_DB"], "AAIB_CONFIG_DIR": str(tmp_path / "config")},
        check=True,
        capture_output=True,
    )
    env = {k: v for k, v in signed_env(tmp_path / "x.db", env).items() if v is not None}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "aaib_cp",
            "notify",
            "--title",
            "a\x1bb",
            "--known-on",
            "2026-01-05",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert 1 == result.returncode
    assert [
        "Error: title: character 2 is control character U+001B, which is not allowed here"
    ] == result.stderr.strip().splitlines()


CSV = HOSTILE / "csv"
LEAD_ENV = {"AAIB_ACTOR": "Lee", "AAIB_ROLE": "lead_investigator"}


@pytest.fixture
def evidence_case(tmp_path: Path) -> tuple[Path, str]:
    """A case in the evidence phase with one agency, and Lee appointed as lead."""
    path = tmp_path / "records.db"
    chief = {"AAIB_ACTOR": "Chris", "AAIB_ROLE": "chief_investigator"}
    assert 0 == invoke(path, "init").exit_code
    case = invoke(path, "notify", "--title", "Child A", "--known-on", "2026-01-05").output.strip()
    invoke(path, "advance", case, "start_triage", env=chief)
    invoke(
        path,
        "advance",
        case,
        "decide_investigate",
        "--set",
        "classification=other",
        "--set",
        "depth=field",
        "--reason",
        "r",
        env=chief,
    )
    invoke(path, "team", "appoint", case, "Lee", "--as", "lead_investigator", env=chief)
    invoke(path, "advance", case, "agree_scope", "--set", "terms_of_reference=x", env=LEAD_ENV)
    result = invoke(
        path, "agency", "add", case, "Northshire Police", "--kind", "police", env=LEAD_ENV
    )
    assert 0 == result.exit_code, result.output
    return path, case


class TestCsvCorpus:
    @pytest.mark.parametrize(
        ("name", "needle"),
        [
            ("bad-date.csv", "bad-date.csv: row 9: when: '2026-02-30' is not a valid date"),
            ("invalid-utf8.csv", "not valid UTF-8"),
            ("control-chars.csv", "control character U+0007"),
            ("unknown-column.csv", "colour"),
        ],
    )
    def test_bad_csv_imports_nothing(self, evidence_case, name, needle):
        """A hostile CSV is refused with its row and field, and imports nothing."""
        db, case = evidence_case
        before = dump(db)
        result = invoke(db, "chronology", "import", case, str(CSV / name), env=LEAD_ENV)
        assert_refused(result, before, db, needle)

    def test_bom_is_accepted(self, evidence_case):
        """A spreadsheet's UTF-8 byte-order mark does not break the header."""
        db, case = evidence_case
        result = invoke(db, "chronology", "import", case, str(CSV / "bom.csv"), env=LEAD_ENV)
        assert 0 == result.exit_code, result.output
        assert 2 == len(
            json.loads(invoke(db, "chronology", "show", case, "--json").output)["entries"]
        )

    def test_sql_and_shell_text_is_data(self, evidence_case):
        """Metacharacters in imported text are stored verbatim."""
        db, case = evidence_case
        result = invoke(
            db, "chronology", "import", case, str(CSV / "sql-and-shell.csv"), env=LEAD_ENV
        )
        assert 0 == result.exit_code, result.output
        shown = json.loads(invoke(db, "chronology", "show", case, "--json").output)
        assert "DROP TABLE chronology;-- $(rm -rf ~) `id`" in shown["entries"][0]["what"]


class TestEvidenceFiles:
    @pytest.mark.parametrize(
        "name",
        ["../../etc/passwd", "/etc/passwd", "..", "a/../../b.txt", "sub/dir.txt", "bad\x00name"],
    )
    def test_path_traversal_in_file_names_refused(self, evidence_case, tmp_path, name):
        """A recorded file name with a path in it is refused, and nothing is stored."""
        db, case = evidence_case
        source = tmp_path / "statement.txt"
        source.write_text("statement")
        before = dump(db)
        result = invoke(
            db,
            "evidence",
            "add",
            case,
            "--kind",
            "document",
            "--description",
            "d",
            "--obtained-how",
            "given",
            "--obtained-on",
            "2026-01-06",
            "--file",
            str(source),
            "--file-name",
            name,
            env=LEAD_ENV,
        )
        assert 1 == result.exit_code, result.output
        assert before == dump(db)
        store = db.parent / f"{db.stem}-evidence"
        assert not store.exists() or not any(p.is_file() for p in store.rglob("*"))

    def test_audit_verify_rehashes_evidence(self, evidence_case, tmp_path):
        """`aaib audit verify` exits 1 naming an evidence file altered on disk."""
        db, case = evidence_case
        source = tmp_path / "note.txt"
        source.write_text("original")
        assert (
            0
            == invoke(
                db,
                "evidence",
                "add",
                case,
                "--kind",
                "document",
                "--description",
                "d",
                "--obtained-how",
                "given",
                "--obtained-on",
                "2026-01-06",
                "--file",
                str(source),
                env=LEAD_ENV,
            ).exit_code
        )
        assert 0 == invoke(db, "audit", "verify").exit_code
        (stored,) = [p for p in (db.parent / f"{db.stem}-evidence").rglob("*") if p.is_file()]
        stored.chmod(0o644)
        stored.write_text("tampered")
        result = invoke(db, "audit", "verify")
        assert 1 == result.exit_code
        assert f"EVIDENCE: {case} E1" in result.output
        assert "altered" in result.output


class TestRecordsFuzz:
    """Arbitrary text in the records commands' options: never a traceback, no partial write."""

    @settings(
        max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(name=TEXT, kind=TEXT, person=TEXT, person_role=TEXT, when=TEXT, what=TEXT)
    def test_records_commands(self, evidence_case, name, kind, person, person_role, when, what):
        """agency add, person add and chronology add with arbitrary text."""
        db, case = evidence_case
        for args in (
            ["agency", "add", case, name, "--kind", kind],
            ["person", "add", case, person, "--as", person_role],
            [
                "chronology",
                "add",
                case,
                "--when",
                when,
                "--agency",
                "Northshire Police",
                "--what",
                what,
            ],
        ):
            before = dump(db)
            result = invoke(db, *args, env=LEAD_ENV, translate=False)
            assert result.exit_code in (0, 1, 2), result.output
            assert result.exception is None or isinstance(result.exception, SystemExit)
            if result.exit_code != 0:
                assert before == dump(db), args
