"""Clocks of cases end to end: engine, `aaib status`, `aaib list` and `aaib deadlines`."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from aaib_cp import DefinitionError, Engine, Store
from aaib_cp.cli import cli
from aaib_cp.workflow.calendar import WorkingCalendar
from aaib_cp.workflow.definition import workflow_from_text
from tests.conftest import FixedClock
from tests.journeys import analyse_and_classify, consult, supply_evidence
from tests.people import acct, as_role

CHIEF = as_role("Chris", "chief_investigator")
LEAD = as_role("Lee", "lead_investigator")
ENGLAND = WorkingCalendar("england")


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "clocks.db")


@pytest.fixture
def file_engine(db_path: str, clock: FixedClock):
    store = Store.open(db_path, create=True)
    yield Engine(store, clock=clock)
    store.close()


def cli_json(db_path: str, *args: str):
    result = CliRunner().invoke(cli, ["--db", db_path, *args, "--json"])
    assert 0 == result.exit_code, result.output
    return json.loads(result.output)


def cli_text(db_path: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", db_path, *args])
    assert 0 == result.exit_code, result.output
    return result.output


def open_case(engine, workflow, known_on: date, title: str = "Child A"):
    return engine.open_case(workflow, title=title, known_on=known_on, **as_role("Ana", "notifier"))


def decide(engine, case_id):
    engine.fire(case_id, "start_triage", **CHIEF)
    engine.fire(
        case_id,
        "decide_investigate",
        **CHIEF,
        reason="why",
        fields={"classification": "child_death", "depth": "formal"},
    )


def to_consultation(engine, case_id):
    """From scoping to consultation, appointing the team the guards ask for."""
    engine.appoint(case_id, acct("Lee"), "lead_investigator", **CHIEF)
    engine.fire(case_id, "agree_scope", **LEAD, fields={"terms_of_reference": "ToR"})
    engine.appoint(case_id, acct("Sam"), "investigator", **LEAD)
    supply_evidence(engine, case_id)
    engine.fire(case_id, "begin_analysis", **LEAD)
    engine.fire(case_id, "begin_classification", **LEAD)
    analyse_and_classify(engine, case_id)
    engine.appoint(case_id, acct("Rita"), "reviewer", **LEAD)
    for trigger in ("begin_recommendations", "write_draft", "send_for_consultation"):
        engine.fire(case_id, trigger, **LEAD)
    consult(engine, case_id)


def clock_named(clocks, label):
    found = [c for c in clocks if c["label"] == label]
    assert 1 == len(found), [c["label"] for c in clocks]
    return found[0]


def due_in_deadlines(db_path, label, *extra):
    return date.fromisoformat(
        clock_named(cli_json(db_path, "deadlines", *extra)["clocks"], label)["due"]
    )


class TestSuspensionMovesDeadlines:
    @pytest.mark.parametrize("k", [1, 5, 12])
    def test_working_day_deadline_moves_by_working_days_suspended(
        self, file_engine, workflow, clock, db_path, k
    ):
        """Suspended k working days, the notification deadline moves by exactly k working days."""
        case = open_case(file_engine, workflow, known_on=date(2026, 2, 25))
        label = "Serious incident notification"
        before = due_in_deadlines(db_path, label)
        assert date(2026, 3, 4) == before  # Wed 25 Feb + 5 working days
        suspended_on = date(2026, 3, 3)
        clock.now = at(suspended_on)
        file_engine.fire(case.id, "suspend", **CHIEF, reason="police")
        assert cli_json(db_path, "status", case.id)["clocks"][0]["paused"]
        clock.now = at(ENGLAND.add_working_days(suspended_on, k))
        file_engine.fire(case.id, "resume", **CHIEF, reason="police done")
        assert ENGLAND.add_working_days(before, k) == due_in_deadlines(db_path, label)

    def test_working_days_across_easter_while_suspended(
        self, file_engine, workflow, clock, db_path
    ):
        """A suspension over Easter (Good Friday, Easter Monday) counts only its working days."""
        clock.now = at(date(2026, 3, 30))
        case = open_case(file_engine, workflow, known_on=date(2026, 3, 30))
        assert date(2026, 4, 8) == due_in_deadlines(db_path, "Serious incident notification")
        clock.now = at(date(2026, 4, 1))
        file_engine.fire(case.id, "suspend", **CHIEF, reason="police")
        clock.now = at(date(2026, 4, 8))
        file_engine.fire(case.id, "resume", **CHIEF, reason="done")
        # Wed 1 Apr to Wed 8 Apr: 1, 2, 7 April are working days; 3 and 6 April are holidays.
        assert date(2026, 4, 13) == due_in_deadlines(db_path, "Serious incident notification")

    @pytest.mark.parametrize("k", [1, 9, 40])
    def test_calendar_deadlines_move_by_days_suspended(
        self, file_engine, workflow, clock, db_path, k
    ):
        """Suspended k days in consultation, the 60-day and 6-month clocks move by k days."""
        case = open_case(file_engine, workflow, known_on=date(2026, 2, 25))
        decide(file_engine, case.id)
        clock.now = at(date(2026, 3, 10))
        to_consultation(file_engine, case.id)
        before_rep = due_in_deadlines(db_path, "Representation period")
        before_local = due_in_deadlines(db_path, "Local review published")
        assert (date(2026, 5, 9), date(2026, 9, 2)) == (before_rep, before_local)
        clock.now = at(date(2026, 3, 20))
        file_engine.fire(case.id, "suspend", **LEAD, reason="criminal trial")
        stopped = cli_json(db_path, "deadlines")["clocks"]
        assert all(c["paused"] and c["due"] is None for c in stopped)
        clock.now = at(date(2026, 3, 20) + timedelta(days=k))
        file_engine.fire(case.id, "resume", **LEAD, reason="trial over")
        assert before_rep + timedelta(days=k) == due_in_deadlines(db_path, "Representation period")
        assert before_local + timedelta(days=k) == due_in_deadlines(
            db_path, "Local review published"
        )


class TestNations:
    @pytest.fixture
    def scotland(self, workflow):
        text = workflow.source_text.replace("nation: england", "nation: scotland")
        return workflow_from_text(text, filename="scotland.yaml")

    @pytest.mark.parametrize(
        ("known_on", "england_due", "scotland_due"),
        [
            # Christmas, Boxing Day, New Year's Day; 2 January is a holiday in Scotland only.
            (date(2025, 12, 23), date(2026, 1, 2), date(2026, 1, 5)),
            # Good Friday in both; Easter Monday in England only.
            (date(2026, 4, 1), date(2026, 4, 10), date(2026, 4, 9)),
            # A weekend and no holiday.
            (date(2026, 2, 5), date(2026, 2, 12), date(2026, 2, 12)),
        ],
    )
    def test_notification_due_in_england_and_scotland(
        self, engine, workflow, scotland, clock, known_on, england_due, scotland_due
    ):
        """Christmas, Easter and a weekend: the fifth working day differs where holidays do."""
        clock.now = at(known_on)
        english = open_case(engine, workflow, known_on, "Child E")
        scottish = open_case(engine, scotland, known_on, "Child S")
        dues = {c.case_id: c.due for c in engine.open_clocks()}
        assert (england_due, scotland_due) == (dues[english.id], dues[scottish.id])


class TestTransitionClocks:
    def test_local_review_clock_runs_from_decision_until_final_report(
        self, engine, workflow, clock
    ):
        """'Local review published' starts at the decision and ends when the report is issued."""
        case = open_case(engine, workflow, known_on=date(2026, 2, 25))
        engine.fire(case.id, "start_triage", **CHIEF)
        assert ["Rapid review"] == [c.label for c in engine.status(case.id).clocks]
        engine.fire(
            case.id,
            "decide_investigate",
            **CHIEF,
            reason="why",
            fields={"classification": "child_death", "depth": "formal"},
        )
        (local,) = engine.status(case.id).clocks
        expected = ("transition", "issue_final_report", date(2026, 9, 2))  # decided 2 March
        assert expected == (local.kind, local.trigger, local.due)
        to_consultation(engine, case.id)
        labels = [c.label for c in engine.status(case.id).clocks]
        assert ["Representation period", "Local review published"] == labels
        engine.fire(case.id, "issue_final_report", **LEAD)
        assert () == engine.status(case.id).clocks

    def test_entered_transition_clock_runs_only_in_its_source(self, engine, clock):
        """A transition deadline from 'entered' runs only while the case is in a source state."""
        text = MINI.replace(
            "    dest: analysis\n",
            "    dest: analysis\n    deadline: {days: 10, from: entered, label: Start analysis}\n",
        )
        definition = workflow_from_text(text, filename="mini.yaml")
        case = engine.open_case(
            definition, title="Child M", known_on=date(2026, 3, 1), **as_role("Ana", "lead")
        )
        (start,) = engine.status(case.id).clocks
        assert ("Start analysis", date(2026, 3, 12), 10) == (
            start.label,
            start.due,
            start.days_left,
        )
        engine.fire(case.id, "analyse", **as_role("Ana", "lead"))
        assert () == engine.status(case.id).clocks


MINI = """\
name: mini
version: 1
initial: open
terminal: [done]
roles: [lead]
states:
  open: {description: Open}
  analysis: {description: Analysis}
  done: {description: Done}
transitions:
  - trigger: analyse
    source: open
    dest: analysis
    roles: [lead]
  - trigger: finish
    source: analysis
    dest: done
    roles: [lead]
"""


class TestInterimStatements:
    def test_due_after_twelve_months_and_gone_with_final_report(
        self, file_engine, workflow, clock, db_path
    ):
        """After 12 months without a final report a statement is due each anniversary, then none."""
        case = open_case(file_engine, workflow, known_on=date(2026, 2, 25))
        decide(file_engine, case.id)  # decision to investigate on Mon 2 March 2026

        def interim(as_of: str):
            clocks = cli_json(db_path, "deadlines", "--as-of", as_of)["clocks"]
            return [(c["label"], c["due"]) for c in clocks if c["kind"] == "interim_statement"]

        assert [] == interim("2027-03-01")
        assert [("Interim statement 1", "2027-03-02")] == interim("2027-03-02")
        assert [("Interim statement 1", "2027-03-02")] == interim("2027-09-30")
        assert [("Interim statement 2", "2028-03-02")] == interim("2028-03-03")
        text = cli_text(db_path, "deadlines", "--as-of", "2027-03-10")
        assert "Interim statement 1" in text and "due 8 days ago" in text
        to_consultation(file_engine, case.id)
        file_engine.fire(case.id, "issue_final_report", **LEAD)
        assert [] == interim("2028-03-03")

    def test_suspension_does_not_move_anniversaries(self, engine, workflow, clock):
        """Anniversaries are calendar dates: a suspension leaves them where they are."""
        case = open_case(engine, workflow, known_on=date(2026, 2, 25))
        decide(engine, case.id)
        engine.fire(case.id, "suspend", **CHIEF, reason="trial")
        clock.now = at(date(2026, 9, 1))
        engine.fire(case.id, "resume", **CHIEF, reason="trial over")
        clocks = engine.open_clocks(today=date(2027, 3, 5))
        interim = [c for c in clocks if c.kind == "interim_statement"]
        assert [date(2027, 3, 2)] == [c.due for c in interim]
        assert not interim[0].overdue


class TestDeadlinesCommand:
    @pytest.fixture
    def three_cases(self, file_engine, workflow, clock):
        """Three open cases and a closed-at-triage one, opened on Mon 2 March 2026."""
        late = open_case(file_engine, workflow, date(2026, 2, 20), "Child L")  # due 27 Feb
        soon = open_case(file_engine, workflow, date(2026, 2, 27), "Child S")  # due 6 Mar
        later = open_case(file_engine, workflow, date(2026, 3, 2), "Child T")  # due 9 Mar
        gone = open_case(file_engine, workflow, date(2026, 3, 2), "Child G")
        file_engine.fire(gone.id, "start_triage", **CHIEF)
        file_engine.fire(
            gone.id,
            "close_without_investigation",
            **CHIEF,
            reason="no lessons",
            fields={"classification": "other"},
        )
        return late.id, soon.id, later.id, gone.id

    def test_lists_open_clocks_soonest_first(self, db_path, three_cases):
        """Every open case's clock, by due date, with working days left; ended cases have none."""
        late, soon, later, _ = three_cases
        data = cli_json(db_path, "deadlines", "--as-of", "2026-03-02")
        got = [(c["case"], c["due"], c["days_left"], c["overdue"]) for c in data["clocks"]]
        expected = [
            (late, "2026-02-27", -1, True),
            (soon, "2026-03-06", 4, False),
            (later, "2026-03-09", 5, False),
        ]
        assert ("2026-03-02", expected) == (data["as_of"], got)

    def test_overdue_filter(self, db_path, three_cases):
        """--overdue keeps only clocks past their due date."""
        late = three_cases[0]
        data = cli_json(db_path, "deadlines", "--overdue", "--as-of", "2026-03-02")
        assert [late] == [c["case"] for c in data["clocks"]]

    def test_within_counts_working_days(self, db_path, three_cases):
        """--within N keeps clocks due within N working days (and overdue ones)."""
        late, soon, _, _ = three_cases
        data = cli_json(db_path, "deadlines", "--within", "4", "--as-of", "2026-03-02")
        assert [late, soon] == [c["case"] for c in data["clocks"]]

    def test_text_output_flags_overdue(self, db_path, three_cases):
        """The text listing says OVERDUE with the working days late, and counts them."""
        text = cli_text(db_path, "deadlines", "--as-of", "2026-03-02")
        assert "OVERDUE 1 working day " in text
        assert "3 clock(s), 1 overdue (as of 2026-03-02)." in text.splitlines()[-1]

    def test_list_flags_overdue_case(self, db_path, three_cases):
        """`aaib list` marks the overdue case, in text and in JSON."""
        late, soon, later, gone = three_cases
        rows = {r["id"]: r["overdue"] for r in cli_json(db_path, "list", "--as-of", "2026-03-02")}
        assert {late: True, soon: False, later: False, gone: False} == rows
        text = cli_text(db_path, "list", "--as-of", "2026-03-02")
        row = next(line for line in text.splitlines() if line.startswith(late))
        assert ["notification", "OVERDUE", "2026-02-27"] == row.split()[1:4]

    def test_status_shows_every_clock(self, file_engine, workflow, db_path):
        """`aaib status` prints a line per clock with working days left."""
        case = open_case(file_engine, workflow, date(2026, 2, 25))
        text = cli_text(db_path, "status", case.id, "--as-of", "2026-03-02")
        assert "Serious incident notification: due 2026-03-04 (2 working days left)" in text
        later = cli_text(db_path, "status", case.id, "--as-of", "2026-03-06")
        assert (
            "Serious incident notification: OVERDUE since 2026-03-04 (2 working days late)" in later
        )

    def test_subprocess_json(self, db_path, three_cases):
        """`python -m aaib_cp deadlines --json` in a real process lists the clocks."""
        result = subprocess.run(
            [sys.executable, "-m", "aaib_cp", "--db", db_path, "deadlines", "--overdue", "--json"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert (0, "") == (result.returncode, result.stderr)
        cases = [c["case"] for c in json.loads(result.stdout)["clocks"]]
        assert 1 <= len(cases) and three_cases[0] in cases

    def test_empty_database(self, db_path, file_engine):
        """With no cases the command says so and succeeds."""
        assert "No open clocks." == cli_text(db_path, "deadlines").strip()


class TestDefinition:
    def test_transition_deadline_problems_are_located(self):
        """A bad transition deadline names its key and its unknown anchor."""
        text = MINI.replace(
            "    dest: analysis\n",
            "    dest: analysis\n    deadline: {mnths: 6, from: state:anlysis}\n",
        )
        with pytest.raises(DefinitionError, match=r"transitions\[0\].deadline.mnths: unknown key"):
            workflow_from_text(text, filename="w.yaml")
        with pytest.raises(DefinitionError) as info:
            workflow_from_text(text.replace("mnths", "months"), filename="w.yaml")
        assert "w.yaml:14:33: transitions[0].deadline.from: unknown state 'anlysis' " + (
            "(did you mean 'analysis'?)"
        ) == str(info.value.problems[0])

    def test_previous_transition_cannot_have_deadline(self, workflow):
        """A $previous transition leaves a pause state, so a deadline on it is refused."""
        text = workflow.source_text.replace(
            "    dest: $previous\n", "    dest: $previous\n    deadline: {days: 5}\n"
        )
        with pytest.raises(DefinitionError, match=r"deadline: a '\$previous' transition cannot"):
            workflow_from_text(text, filename="w.yaml")

    def test_interim_statement_problems_are_located(self, workflow):
        """interim_statements names unknown dates and states, with a suggestion."""
        text = workflow.source_text.replace(
            'until: "state:final_report"', 'until: "state:final_reprt"'
        ).replace('{from: "state:scoping"', '{from: "entered"')
        with pytest.raises(DefinitionError) as info:
            workflow_from_text(text, filename="w.yaml")
        found = [str(p) for p in info.value.problems]
        assert any("interim_statements.from: unknown date 'entered'" in p for p in found)
        assert any("(did you mean 'state:final_report'?)" in p for p in found)
