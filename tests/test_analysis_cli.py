"""The act, factor, taxonomy, classify, classification and finding commands."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from aaib_cp.cli import cli
from tests.people import cli_args, signed_in
from tests.test_cli import all_commands

LEAD = ["--actor", "Lee", "--role", "lead_investigator"]
SAM = ["--actor", "Sam", "--role", "investigator"]
RITA = ["--actor", "Rita", "--role", "reviewer"]
CSC = "Children's Social Care"

RECKLESS_YAML = """\
tree: reason-culpability
answers:
  actions_intended: {answer: yes, rationale: "Chose not to", evidence: [E1]}
  consequences_intended: {answer: no, rationale: "No harm meant"}
  unauthorised_substance: {answer: no, rationale: "None"}
  knowingly_violating: {answer: yes, rationale: "Set the policy aside", evidence: [e1]}
  procedures_sound: {answer: yes, rationale: "Clear and in use"}
"""
BLAMELESS_YAML = """\
answers:
  actions_intended: {answer: no, rationale: "A lapse", evidence: [E1]}
  unauthorised_substance: {answer: no, rationale: "None"}
  knowingly_violating: {answer: no, rationale: "Followed the procedure"}
  substitution_test: {answer: yes, rationale: "Peers would have too", evidence: [E1]}
  unsafe_acts_history: {answer: no, rationale: "None"}
peers: "Two social workers in the same team"
"""
# The same answers as BLAMELESS_YAML, typed at the prompts: answer, rationale, evidence.
BLAMELESS_TYPED = (
    "no\nA lapse\nE1\n"
    "no\nNone\n\n"
    "no\nFollowed the procedure\n\n"
    "yes\nPeers would have too\nE1\nTwo social workers in the same team\n"
    "no\nNone\n\n"
)


def run(db: str, *args: str, input: str | None = None):
    full, env = cli_args(db, ["--db", db, *args])
    return CliRunner().invoke(cli, full, input=input, env={"AAIB_SYNCHRONOUS": "OFF", **env})


def ok(db: str, *args: str, input: str | None = None) -> str:
    result = run(db, *args, input=input)
    assert 0 == result.exit_code, result.output
    return result.output


def new_case(tmp_path: Path, name: str = "cases.db") -> tuple[str, str]:
    """A case in 'classification' with E1, C1, Social Worker 1, act A1 and factor CF1."""
    db = str(tmp_path / name)
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
    ok(db, *LEAD, "team", "appoint", case_id, "Sam", "--as", "investigator")
    ok(db, *LEAD, "agency", "add", case_id, CSC, "--kind", "social_care")
    ok(db, *LEAD, "person", "add", case_id, "Sue Smith", "--as", "social worker", "--agency", CSC)
    ok(
        db, *LEAD, "evidence", "add", case_id, "--kind", "case_record", "--agency", CSC,
        "--description", "Case file", "--obtained-how", "requested", "--obtained-on", "2026-01-05",
    )  # fmt: skip
    ok(
        db, *LEAD, "chronology", "add", case_id, "--when", "2026-01-02", "--agency", CSC,
        "--what", "Visit", "--person", "Social Worker 1", "--evidence", "E1",
    )  # fmt: skip
    ok(db, *LEAD, "advance", case_id, "begin_analysis")
    ok(
        db, *SAM, "act", "add", case_id, "--person", "Social Worker 1", "--when", "2026-01-02",
        "--what", "Closed the case", "--chronology", "C1", "--evidence", "E1",
    )  # fmt: skip
    ok(db, *SAM, "factor", "add", case_id, "org.caseload", "--act", "A1", "--evidence", "E1",
       "--note", "31 cases")  # fmt: skip
    ok(db, *LEAD, "advance", case_id, "begin_classification")
    return db, case_id


@pytest.fixture
def case(tmp_path: Path) -> tuple[str, str]:
    return new_case(tmp_path)


def case_row(db: str) -> tuple:
    """The case's state and version, and how many analysis records it has."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT state, version, (SELECT COUNT(*) FROM classifications),"
            " (SELECT COUNT(*) FROM classification_reviews) FROM cases"
        ).fetchone()
    finally:
        conn.close()


def stored(db: str) -> list[tuple]:
    """Every stored classification row except its row id."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT * FROM classifications ORDER BY id").fetchall()
    finally:
        conn.close()
    return [row[1:] for row in rows]


class TestCommands:
    def test_read_commands_take_json(self):
        """Every read command of the analysis offers --json."""
        commands = dict(all_commands())
        reads = ["act list", "factor list", "finding list", "taxonomy show",
                 "classification show"]  # fmt: skip
        assert [] == [n for n in reads if not any(p.name == "as_json" for p in commands[n].params)]

    def test_lists_as_json(self, case):
        """Acts and factors list as JSON with their links; an act shows no outcome."""
        db, case_id = case
        acts = json.loads(ok(db, "act", "list", case_id, "--json"))
        factors = json.loads(ok(db, "factor", "list", case_id, "--json"))
        assert [("A1", "Social Worker 1", ["C1"], ["E1"], ["CF1"], "unclassified")] == [
            (a["act"], a["person"], a["chronology"], a["evidence"], a["factors"],
             a["classification"]) for a in acts
        ]  # fmt: skip
        assert [("CF1", "ORG.CASELOAD", "hfacs-cp", ["A1"])] == [
            (f["factor"], f["code"], f["taxonomy"]["name"], f["acts"]) for f in factors
        ]


class TestClassify:
    def test_scripted_and_interactive_store_identical_records(self, tmp_path):
        """The same answers from a file and typed at the prompts give identical stored rows."""
        answers = tmp_path / "a1.yaml"
        answers.write_text(BLAMELESS_YAML)
        db1, case_id = new_case(tmp_path, "one.db")
        db2, _ = new_case(tmp_path, "two.db")
        ok(db1, *SAM, "classify", case_id, "A1", "--answers", str(answers))
        out = ok(db2, *SAM, "classify", case_id, "A1", input=BLAMELESS_TYPED)
        assert "Was an unauthorised substance involved?" in out
        assert "act A1 classified (version 1): Blameless error" in out
        one, two = stored(db1), stored(db2)
        assert 1 == len(one)
        assert one[0][:10] + one[0][11:] == two[0][:10] + two[0][11:]  # all but the time
        assert json.loads(one[0][9])["peers"] == "Two social workers in the same team"

    def test_interactive_asks_again_after_a_bad_answer(self, case):
        """A typo at a prompt is asked again rather than failing the whole walk."""
        db, case_id = case
        typed = "maybe\n" + BLAMELESS_TYPED.replace("A lapse\nE1\n", "A lapse\nE9\nE1\n", 1)
        out = ok(db, *SAM, "classify", case_id, "A1", input=typed)
        assert "answer yes or no" in out
        assert "no evidence item 'E9'" in out

    def test_answers_file_errors_are_located(self, case, tmp_path):
        """An answers file naming an unknown question exits 1 with file:line:col."""
        db, case_id = case
        bad = tmp_path / "bad.yaml"
        bad.write_text(BLAMELESS_YAML.replace("knowingly_violating", "knowingly_violated"))
        result = run(db, *SAM, "classify", case_id, "A1", "--answers", str(bad))
        assert 1 == result.exit_code
        assert f"{bad}:4:3: answers.knowingly_violated: unknown question" in result.output
        assert [] == stored(db)

    def test_advance_with_unconfirmed_wrongdoing_exits_1_and_changes_nothing(self, case, tmp_path):
        """Advancing past classification names the act awaiting a reviewer; nothing changes."""
        db, case_id = case
        answers = tmp_path / "a1.yaml"
        answers.write_text(RECKLESS_YAML)
        out = ok(db, *SAM, "classify", case_id, "A1", "--answers", str(answers))
        assert "a reviewer must confirm it" in out
        ok(db, *LEAD, "team", "appoint", case_id, "Rita", "--as", "reviewer")
        before = case_row(db)
        result = run(db, *LEAD, "advance", case_id, "begin_recommendations")
        assert 1 == result.exit_code
        assert "act A1 (possible reckless violation) awaits confirmation by a reviewer" in (
            result.output
        )
        assert before == case_row(db)
        ok(db, *RITA, "classification", "confirm", case_id, "A1")
        ok(db, *LEAD, "advance", case_id, "begin_recommendations")

    def test_return_show_and_reclassify(self, case, tmp_path):
        """A returned classification is shown with its reason; classifying again adds v2."""
        db, case_id = case
        answers = tmp_path / "a1.yaml"
        answers.write_text(RECKLESS_YAML)
        ok(db, *SAM, "classify", case_id, "A1", "--answers", str(answers))
        ok(db, *LEAD, "team", "appoint", case_id, "Rita", "--as", "reviewer")
        ok(db, *RITA, "classification", "return", case_id, "A1", "--reason", "See E1 again")
        answers.write_text(RECKLESS_YAML.replace('"Clear and in use"}', '"Unworkable"}').replace(
            "procedures_sound: {answer: yes", "procedures_sound: {answer: no"))  # fmt: skip
        ok(db, *SAM, "classify", case_id, "A1", "--answers", str(answers))
        shown = json.loads(
            ok(db, "--actor", "Ina", "classification", "show", case_id, "A1", "--all", "--json")
        )
        assert [(1, True, "returned"), (2, False, "not_required")] == [
            (c["version"], c["superseded"], c["status"]) for c in shown
        ]
        assert "See E1 again" == shown[0]["reviews"][0]["reason"]
        text = ok(db, "--actor", "Ina", "classification", "show", case_id, "A1")
        assert "System-induced violation" in text
        assert "Returned by Rita" not in text  # only the current version without --all

    def test_classifier_cannot_confirm(self, case, tmp_path):
        """The classifier, even appointed reviewer, cannot confirm their own classification."""
        db, case_id = case
        answers = tmp_path / "a1.yaml"
        answers.write_text(RECKLESS_YAML)
        ok(db, *SAM, "classify", case_id, "A1", "--answers", str(answers))
        ok(db, *LEAD, "team", "appoint", case_id, "Sam", "--as", "reviewer")
        result = run(db, "--actor", "Sam", "--role", "reviewer", "classification", "confirm",
                     case_id, "A1")  # fmt: skip
        assert 1 == result.exit_code
        assert "separation of duties" in result.output
        done = subprocess.run(
            [sys.executable, "-m", "aaib_cp", "--db", db, "--role", "reviewer",
             "classification", "confirm", case_id, "A1"],
            env={**os.environ, **signed_in(db, "Sam")}, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert 1 == done.returncode
        assert 1 == len(done.stderr.splitlines()) and "separation of duties" in done.stderr


class TestFindingsAndTaxonomy:
    def test_finding_add_and_list(self, case):
        """A finding is recorded with its kind and links, and listed."""
        db, case_id = case
        ok(db, *SAM, "finding", "add", case_id, "--kind", "contributory", "--text", "Load",
           "--act", "A1", "--factor", "CF1", "--evidence", "E1")  # fmt: skip
        found = json.loads(ok(db, "finding", "list", case_id, "--json"))
        assert [("F1", "contributory", ["A1"], ["CF1"], ["E1"])] == [
            (f["finding"], f["kind"], f["acts"], f["factors"], f["evidence"]) for f in found
        ]

    def test_taxonomy_show(self, tmp_path):
        """The shipped taxonomy lists its levels and codes."""
        shown = json.loads(ok(str(tmp_path / "x.db"), "taxonomy", "show", "--json"))
        assert ["ORG", "SUP", "PRE", "ACT"] == [lv["code"] for lv in shown["levels"]]


BROKEN_TAXONOMY = """\
name: mine
version: 1
title: Mine
levels:
  - code: ORG
    label: Org
    description: d
    categories:
      - code: SUP.X
        label: X
        description: d
"""


class TestSubprocess:
    def test_taxonomy_validate_reports_located_problems(self, tmp_path):
        """`python -m aaib_cp taxonomy validate` exits 1 with file:line:col, 0 when valid."""
        broken = tmp_path / "broken.yaml"
        broken.write_text(BROKEN_TAXONOMY)
        env = {**os.environ, "AAIB_SYNCHRONOUS": "OFF"}
        bad = subprocess.run(
            [sys.executable, "-m", "aaib_cp", "taxonomy", "validate", str(broken)],
            capture_output=True, text=True, env=env, cwd=tmp_path,
        )  # fmt: skip
        assert 1 == bad.returncode
        assert f"{broken}:9:15: levels[0].categories[0].code: code 'SUP.X' must start" in (
            bad.stderr
        )
        good = subprocess.run(
            [sys.executable, "-m", "aaib_cp", "taxonomy", "validate", "hfacs-cp"],
            capture_output=True, text=True, env=env, cwd=tmp_path,
        )  # fmt: skip
        assert 0 == good.returncode, good.stderr
        assert "valid (hfacs-cp v1" in good.stdout
