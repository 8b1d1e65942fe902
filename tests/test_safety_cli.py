"""The recommendation, consultation, feedback and disclosure commands: CliRunner and subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from aaib_cp import Engine, Store
from aaib_cp.cli import cli
from tests.people import cli_args
from tests.safety_helpers import AGENCY, LEAD, book, case_at

AS_LEAD = ["--actor", "Lee", "--role", "lead_investigator"]
AS_REVIEWER = ["--actor", "Rita", "--role", "reviewer"]


def run(db: str, *args: str):
    full, env = cli_args(db, ["--db", db, *args])
    return CliRunner().invoke(cli, full, env={"AAIB_SYNCHRONOUS": "OFF", **env})


def ok(db: str, *args: str) -> str:
    result = run(db, *args)
    assert 0 == result.exit_code, result.output
    return result.output


def aaib(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    full, signed = cli_args(db, list(args))
    env = {**os.environ, "AAIB_DB": db, "AAIB_SYNCHRONOUS": "OFF", **signed}
    return subprocess.run(
        [sys.executable, "-m", "aaib_cp", *full],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "safety.db")


@pytest.fixture
def file_engine(db: str, clock):
    store = Store.open(db, create=True)
    yield Engine(store, clock=clock)
    store.close()


@pytest.fixture
def issued(file_engine, workflow) -> str:
    """A case in evidence with an urgent recommendation issued on 2 March 2026 (due 31 May)."""
    case_id = case_at(file_engine, workflow, "evidence")
    book(file_engine).add_recommendation(
        case_id, to_agency=AGENCY, text="See every child.", priority="urgent", issue=True, **LEAD
    )
    return case_id


@pytest.fixture
def undisposed(file_engine, workflow) -> str:
    """A case in consultation with one representation not yet dispositioned."""
    case_id = case_at(file_engine, workflow, "consultation")
    safety = book(file_engine)
    safety.send_draft(case_id, [AGENCY], **LEAD)
    safety.represent(case_id, AGENCY, text="Paragraph 3 is wrong.", **LEAD)
    return case_id


def overdue_refs(output: str) -> list[str]:
    return [o["recommendation"] for o in json.loads(output)["overdue"]]


class TestOverdueCli:
    def test_unanswered_listed_then_gone_once_assessed(self, db, issued):
        """Past its deadline unanswered it is overdue; after an assessed response it is not."""
        ref = f"{issued}-SR01"
        assert [] == overdue_refs(
            ok(db, "recommendation", "overdue", "--as-of", "2026-05-31", "--json")
        )
        assert [ref] == overdue_refs(
            ok(db, "recommendation", "overdue", "--as-of", "2026-06-01", "--json")
        )
        assert "1 overdue" in ok(db, "recommendation", "overdue", "--as-of", "2026-06-01")
        ok(
            db,
            "recommendation",
            "respond",
            issued,
            "SR01",
            "--text",
            "Done.",
            "--received",
            "2026-03-20",
            *AS_LEAD,
        )
        ok(
            db,
            "recommendation",
            "assess",
            issued,
            "SR01",
            "--grade",
            "adequate",
            "--text",
            "Answers the risk.",
            *AS_REVIEWER,
        )
        assert [] == overdue_refs(
            ok(db, "recommendation", "overdue", "--as-of", "2026-06-01", "--json")
        )
        shown = json.loads(ok(db, "recommendation", "show", issued, "SR01", "--json"))
        assert ("adequate", "open") == (shown["grade"], shown["status"])

    def test_subprocess(self, db, issued):
        """The same through a real process: listed, then gone after an assessed response."""
        ref = f"{issued}-SR01"
        late = aaib(db, "recommendation", "overdue", "--as-of", "2026-06-01", "--json")
        assert (0, [ref]) == (late.returncode, overdue_refs(late.stdout))
        for args in (
            [
                "recommendation",
                "respond",
                issued,
                ref,
                "--text",
                "Done.",
                "--received",
                "2026-03-20",
                *AS_LEAD,
            ],
            [
                "recommendation",
                "assess",
                issued,
                ref,
                "--grade",
                "not_adequate",
                "--text",
                "Too little.",
                *AS_REVIEWER,
            ],
        ):
            done = aaib(db, *args)
            assert 0 == done.returncode, done.stderr
        after = aaib(db, "recommendation", "overdue", "--as-of", "2026-06-01", "--json")
        assert (0, []) == (after.returncode, overdue_refs(after.stdout))

    def test_deadlines_lists_recommendation_clocks(self, db, issued):
        """aaib deadlines shows the response clock beside the statutory ones, unless asked not."""
        clocks = json.loads(ok(db, "deadlines", "--as-of", "2026-06-01", "--json"))["clocks"]
        late = [(c["kind"], c["label"], c["overdue"]) for c in clocks if c["overdue"]]
        assert [("recommendation_response", "Response to SR01", True)] == late
        quiet = ok(db, "deadlines", "--as-of", "2026-06-01", "--no-recommendations", "--json")
        assert [] == [c for c in json.loads(quiet)["clocks"] if c["kind"].startswith("recomm")]


class TestFinalReportRefusedCli:
    def check_unchanged(self, db: str, case_id: str, before: dict) -> None:
        with Store.open(db) as store:
            after = store.case_row(case_id)
        assert (before["state"], before["version"]) == (after["state"], after["version"])

    def test_cli_exit_1_nothing_changed(self, db, undisposed, file_engine):
        """advance issue_final_report exits 1 naming R1, and the case is unchanged."""
        before = file_engine.store.case_row(undisposed)
        result = run(db, "advance", undisposed, "issue_final_report", *AS_LEAD)
        assert 1 == result.exit_code
        assert "representations without a disposition: R1" in result.output
        self.check_unchanged(db, undisposed, before)
        ok(
            db,
            "consultation",
            "dispose",
            undisposed,
            "R1",
            "--disposition",
            "partly_accepted",
            "--reason",
            "Amended in part.",
            *AS_LEAD,
        )
        ok(db, "advance", undisposed, "issue_final_report", *AS_LEAD)

    def test_subprocess_exit_1(self, db, undisposed, file_engine):
        """Through a real process: exit 1, one 'Error:' line, no traceback, nothing changed."""
        before = file_engine.store.case_row(undisposed)
        result = aaib(db, "advance", undisposed, "issue_final_report", *AS_LEAD)
        assert 1 == result.returncode
        assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
        self.check_unchanged(db, undisposed, before)


class TestCommands:
    def test_consultation_show_json(self, db, undisposed):
        """consultation show --json lists parties with due dates and representations."""
        shown = json.loads(ok(db, "consultation", "show", undisposed, "--json"))
        assert ([AGENCY], ["R1"], [None]) == (
            [p["party"] for p in shown["parties"]],
            [r["ref"] for r in shown["representations"]],
            [r["disposition"] for r in shown["representations"]],
        )

    def test_add_list_and_feedback(self, db, issued):
        """recommendation add/list, safety-action add/list and feedback add/list work together."""
        ok(
            db,
            "recommendation",
            "add",
            issued,
            "--to",
            "Department for Education",
            "--text",
            "Guidance.",
            *AS_LEAD,
        )
        listed = json.loads(ok(db, "recommendation", "list", issued, "--json"))
        assert [(True, "urgent"), (False, "normal")] == [
            (r["issued_on"] is not None, r["priority"]) for r in listed
        ]
        ok(
            db,
            "safety-action",
            "add",
            issued,
            "--by",
            "NHS England",
            "--text",
            "New form.",
            *AS_LEAD,
        )
        assert ["SA1"] == [
            a["ref"] for a in json.loads(ok(db, "safety-action", "list", issued, "--json"))
        ]
        ok(db, "feedback", "add", issued, "--date", "2026-03-01", "--attendee", "Sam", *AS_LEAD)
        (session,) = json.loads(ok(db, "feedback", "list", issued, "--json"))
        assert ("2026-03-01", ["Sam"]) == (session["held_on"], session["attendees"])

    def test_issue_refused_for_normal_priority(self, db, issued):
        """Issuing a normal-priority draft before the final report exits 1 with a reason."""
        ok(db, "recommendation", "add", issued, "--to", "DfE", "--text", "x", *AS_LEAD)
        result = run(db, "recommendation", "issue", issued, "SR02", *AS_LEAD)
        assert (1, True) == (result.exit_code, "only urgent" in result.output)

    def test_protect_note_and_disclosure(self, db, issued):
        """evidence protect, note add and disclosure add/list; the requester cannot approve."""
        ok(db, "evidence", "protect", issued, "E1", "--reason", "health data", *AS_LEAD)
        items = json.loads(ok(db, "evidence", "list", issued, "--json"))
        assert [True] == [i["protected"] for i in items]
        ok(db, "note", "add", issued, "--text", "Impression.", *AS_LEAD)
        assert [True] == [
            n["protected"] for n in json.loads(ok(db, "note", "list", issued, "--json"))
        ]
        chair = ["--actor", "Pat", "--role", "panel_chair"]
        args = [
            "disclosure",
            "add",
            issued,
            "--item",
            "N1",
            "--ground",
            "court_order",
            "--recipient",
            "Court",
            "--reason",
            "Order",
        ]
        refused = run(db, *args, "--requested-by", "Pat", *chair)
        assert (1, True) == (refused.exit_code, "asked for this disclosure" in refused.output)
        in_a_process = aaib(db, *args, "--requested-by", "Pat", *chair)
        lines = in_a_process.stderr.splitlines()
        assert (1, 1) == (in_a_process.returncode, len(lines))
        assert "asked for this disclosure" in lines[0]
        ok(db, *args, "--requested-by", "Lee", *chair)
        (found,) = json.loads(ok(db, "disclosure", "list", issued, "--json"))
        assert ("N1", "Pat", "Lee") == (found["item"], found["approved_by"], found["requested_by"])
