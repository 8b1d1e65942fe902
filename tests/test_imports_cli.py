"""Bulk import of agencies, people and chronology from CSV: --map, every column problem at once."""

from __future__ import annotations

import json
import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aaib_cp.evidence.chronology_csv import COLUMNS, ImportRejected, parse_mapping, read_csv
from aaib_cp.evidence.model import normalise_role, pseudonym
from aaib_cp.exceptions import InputError
from tests.test_records_cli import CSC, LEAD, POLICE, aaib, case, ok, run

__all__ = ["case"]  # the fixture, re-exported for pytest


def dump(db: str) -> list[tuple]:
    """Every row of every table (to show a failed import changed nothing)."""
    con = sqlite3.connect(db)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return [(n, *row) for n in sorted(names) for row in con.execute(f'SELECT * FROM "{n}"')]
    finally:
        con.close()


class TestReadCsv:
    def test_every_unknown_and_missing_column_at_once(self):
        """The file of the issue (date,event,key_practice_episode) lists all its problems once."""
        data = b"date,event,key_practice_episode\n2026-01-02,visit,yes\n"
        with pytest.raises(ImportRejected) as caught:
            read_csv(data, filename="p.csv")
        lines = str(caught.value).splitlines()
        assert [
            "p.csv: row 1: unknown column 'date' (expected: when, what, agency, people, evidence, "
            "key_episode; or --map date=COLUMN, or --map date= to ignore it)",
            "p.csv: row 1: unknown column 'event' (expected: when, what, agency, people, "
            "evidence, key_episode; or --map event=COLUMN, or --map event= to ignore it)",
            "p.csv: row 1: unknown column 'key_practice_episode' (expected: when, what, agency, "
            "people, evidence, key_episode; or --map key_practice_episode=COLUMN, or "
            "--map key_practice_episode= to ignore it)",
            "p.csv: row 1: missing column(s) 'when', 'what'",
            "p.csv: 1 invalid row(s); nothing was imported",
        ] == lines

    def test_mapping_renames_and_ignores(self):
        """--map renames the file's columns; SRC= drops a column."""
        data = b"Date,Event,Key practice episode,Notes\n2026-01-02,visit,yes,n\n"
        mapping = parse_mapping(
            ["date=when", "event=what", "key practice episode=key_episode", "notes="]
        )
        rows, errors = read_csv(data, filename="p.csv", mapping=mapping)
        assert [] == errors
        assert [(2, {"when": "2026-01-02", "what": "visit", "key_episode": "yes"})] == rows

    @pytest.mark.parametrize(
        ("pairs", "message"),
        [
            (["date=colour"], "--map date=colour: no column 'colour'"),
            (["nosuch=when"], "--map nosuch=when: the file has no column 'nosuch'"),
        ],
    )
    def test_bad_mapping_is_a_row_1_error(self, pairs, message):
        """A mapping to an unknown column, or from a column the file lacks, is named."""
        with pytest.raises(ImportRejected, match="p.csv: row 1: " + message):
            read_csv(b"date,what\n2026-01-02,x\n", filename="p.csv", mapping=parse_mapping(pairs))

    @pytest.mark.parametrize("pair", ["when", "=when", "a=when a=what"])
    def test_malformed_pair(self, pair):
        """A --map value that is not SRC=DEST, or maps a column twice, is refused."""
        with pytest.raises(InputError, match="--map"):
            parse_mapping(pair.split(" ") if " " in pair else [pair, "a=what"])

    @given(st.permutations(list(COLUMNS)), st.data())
    def test_mapping_any_header_names(self, order, data):
        """Whatever the file calls its columns, mapping each to a known one reads the row."""
        names = [data.draw(st.from_regex(r"[a-z]{1,8}", fullmatch=True)) for _ in order]
        names = [f"{n}{i}" for i, n in enumerate(names)]  # distinct, never a known column
        row = ",".join(f"v{i}" for i in range(len(order)))
        mapping = parse_mapping([f"{n}={c}" for n, c in zip(names, order, strict=True)])
        rows, _ = read_csv(f"{','.join(names)}\n{row}\n".encode(), filename="x", mapping=mapping)
        assert {c: f"v{i}" for i, c in enumerate(order)} == rows[0][1]


class TestRoleLabels:
    @pytest.mark.parametrize(
        ("label", "title"),
        [("parent's partner", "Parent's Partner 1"), ("Parent’s partner", "Parent's Partner 1")],
    )
    def test_apostrophe_is_a_plain_label(self, label, title):
        """A role with an apostrophe, straight or curly, gives a pseudonym keeping it."""
        assert title == pseudonym(label, 1)

    @pytest.mark.parametrize("label", ["'s", "parent'", "a''b", "x" * 41, "a/b", "a;b"])
    def test_still_refused(self, label):
        """Apostrophes only inside a word; other punctuation and overlong labels are refused."""
        with pytest.raises(InputError, match="is not a role label"):
            normalise_role(label)


AGENCIES = "organisation,type\nNorthshire Health,health\nNorthshire School,education\n"
PEOPLE = (
    "name,job title,agency,date_of_birth,address\n"
    'Amy Moss,"parent\'s partner",,1990-01-01,1 High St\n'
    "Dr Khan,GP,Northshire Police,,\n"
    "Ben Moss,child,,2021-05-05,\n"
)


class TestAgencyImport:
    def test_imports_all_with_mapping(self, case, tmp_path):
        """agency import adds every agency; --map reads the file's own column names."""
        db, case_id = case
        (tmp_path / "a.csv").write_text(AGENCIES)
        out = ok(
            db, *LEAD, "agency", "import", case_id, str(tmp_path / "a.csv"),
            "--map", "organisation=name", "--map", "type=kind",
        )  # fmt: skip
        assert f"{case_id}: added 2 agencies from {tmp_path / 'a.csv'}\n" == out
        listed = json.loads(ok(db, "agency", "list", case_id, "--json"))
        assert [POLICE, CSC, "Northshire Health", "Northshire School"] == [
            a["name"] for a in listed
        ]

    def test_all_or_nothing(self, case, tmp_path):
        """Bad rows (kind, name taken, repeated in the file) are all listed; nothing is added."""
        db, case_id = case
        (tmp_path / "a.csv").write_text(
            "name,kind\nNorthshire Health,health\nnorthshire police,police\n"
            "Northshire Health,health\nX,spaceship\n"
        )
        before = dump(db)
        result = run(db, *LEAD, "agency", "import", case_id, str(tmp_path / "a.csv"))
        assert 1 == result.exit_code
        assert (
            f"Error: a.csv: row 3: name: 'northshire police' is already on {case_id}\n"
            "a.csv: row 4: name: 'Northshire Health' is already on row 2\n"
            "a.csv: row 5: kind: 'spaceship' is not one of social_care, police, health, "
            "education, housing, probation, voluntary, other\n"
            "a.csv: 3 invalid row(s); nothing was imported\n"
        ) == result.output
        assert before == dump(db)

    def test_needs_the_permission(self, case, tmp_path):
        """Someone without register_evidence is refused; nothing is added."""
        db, case_id = case
        (tmp_path / "a.csv").write_text("name,kind\nNorthshire Health,health\n")
        result = run(
            db, "--actor", "Ana", "--role", "notifier", "agency", "import", case_id,
            str(tmp_path / "a.csv"),
        )  # fmt: skip
        assert 1 == result.exit_code
        assert 2 == len(json.loads(ok(db, "agency", "list", case_id, "--json")))


class TestPersonImport:
    def test_imports_people_with_pseudonyms(self, case, tmp_path):
        """person import registers each row under the next pseudonym of its role."""
        db, case_id = case
        (tmp_path / "p.csv").write_text(PEOPLE)
        out = ok(db, *LEAD, "person", "import", case_id, str(tmp_path / "p.csv"), "--map",
                 "job title=role")  # fmt: skip
        assert (
            f"{case_id}: registered 3 people from {tmp_path / 'p.csv'}\n"
            "  Parent's Partner 1\n  GP 1\n  Child B\n"
        ) == out
        people = json.loads(ok(db, "person", "list", case_id, "--json", "--restricted"))
        amy = next(p for p in people if p["pseudonym"] == "Parent's Partner 1")
        assert {"real_name": "Amy Moss", "date_of_birth": "1990-01-01", "address": "1 High St"} == (
            amy["restricted"]
        )
        assert POLICE == next(p for p in people if p["pseudonym"] == "GP 1")["agency"]

    def test_restricted_data_stays_off_the_audit_trail(self, case, tmp_path):
        """Imported names, dates of birth and addresses never reach the history."""
        db, case_id = case
        (tmp_path / "p.csv").write_text(PEOPLE)
        ok(db, *LEAD, "person", "import", case_id, str(tmp_path / "p.csv"), "--map",
           "job title=role")  # fmt: skip
        history = ok(db, "history", case_id, "--all", "--json")
        assert not any(s in history for s in ("Amy Moss", "1990-01-01", "High St"))
        assert "Parent's Partner 1" in history

    def test_every_problem_listed_nothing_added(self, case, tmp_path):
        """Bad role, unknown agency and future date of birth are all reported; nothing added."""
        db, case_id = case
        (tmp_path / "p.csv").write_text(
            "name,role,agency,date_of_birth\nA,child,,2020-01-01\nB,a/b,Nowhere,2999-01-01\n"
        )
        before = dump(db)
        result = run(db, *LEAD, "person", "import", case_id, str(tmp_path / "p.csv"))
        assert 1 == result.exit_code
        lines = result.output.splitlines()
        assert lines[0].startswith("Error: p.csv: row 3: role: 'a/b' is not a role label")
        assert lines[1].startswith(f"p.csv: row 3: agency: no agency 'Nowhere' on {case_id}")
        assert "p.csv: row 3: date_of_birth: 2999-01-01 is in the future" == lines[2]
        assert "p.csv: 1 invalid row(s); nothing was imported" == lines[3]
        assert before == dump(db)

    def test_unknown_and_missing_columns_at_once(self, case, tmp_path):
        """A people file with wrong headers names each problem in one run, row-error style."""
        db, case_id = case
        (tmp_path / "p.csv").write_text("full name,job,dob\nA,child,2020-01-01\n")
        result = run(db, *LEAD, "person", "import", case_id, str(tmp_path / "p.csv"))
        assert 1 == result.exit_code
        lines = result.output.splitlines()
        assert 5 == len(lines), result.output
        assert lines[0].startswith("Error: p.csv: row 1: unknown column 'full_name'")
        assert lines[3] == "p.csv: row 1: missing column(s) 'name', 'role'"


class TestChronologyMap:
    def test_issue_file_imports_in_one_attempt(self, case, tmp_path):
        """The file headed date,event,key_practice_episode imports with --map."""
        db, case_id = case
        (tmp_path / "c.csv").write_text(
            "date,event,key_practice_episode\n2026-01-02,Home visit,yes\n"
        )
        out = ok(
            db, *LEAD, "chronology", "import", case_id, str(tmp_path / "c.csv"), "--agency", CSC,
            "--map", "date=when", "--map", "event=what",
            "--map", "key_practice_episode=key_episode",
        )  # fmt: skip
        assert "imported 1 entries" in out
        entry = json.loads(ok(db, "chronology", "show", case_id, "--json"))["entries"][0]
        assert ("Home visit", True) == (entry["what"], entry["key_episode"])

    def test_bad_map_value_is_a_usage_error(self, case, tmp_path):
        """--map without '=' is a usage error (exit 2) naming the option."""
        db, case_id = case
        (tmp_path / "c.csv").write_text("when,what\n2026-01-02,x\n")
        result = run(db, *LEAD, "chronology", "import", case_id, str(tmp_path / "c.csv"),
                     "--agency", CSC, "--map", "date")  # fmt: skip
        assert 2 == result.exit_code
        assert "Invalid value for '--map': 'date' is not SRC=DEST" in result.output


class TestSubprocess:
    def test_imports_in_a_real_process(self, case, tmp_path):
        """agency import then person import, and a refused import, in a real process."""
        db, case_id = case
        (tmp_path / "a.csv").write_text(AGENCIES)
        (tmp_path / "p.csv").write_text(PEOPLE)
        (tmp_path / "bad.csv").write_text("name,colour\nA,red\n")
        result = aaib(
            "--db", db, *LEAD, "agency", "import", case_id, "a.csv", "--map",
            "organisation=name", "--map", "type=kind", cwd=tmp_path,
        )  # fmt: skip
        assert (0, f"{case_id}: added 2 agencies from a.csv\n") == (
            result.returncode,
            result.stdout,
        )
        result = aaib(
            "--db", db, *LEAD, "person", "import", case_id, "p.csv", "--map", "job title=role",
            cwd=tmp_path,
        )  # fmt: skip
        assert 0 == result.returncode, result.stderr
        assert "Parent's Partner 1" in result.stdout
        result = aaib("--db", db, *LEAD, "person", "import", case_id, "bad.csv", cwd=tmp_path)
        assert 1 == result.returncode
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith("Error: bad.csv: row 1: unknown column 'colour'")
        assert result.stderr.endswith("bad.csv: 1 invalid row(s); nothing was imported\n")
