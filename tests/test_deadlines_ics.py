"""aaib deadlines --ics: one event per clock, stable UIDs, SEQUENCE up when a clock changes."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner

from aaib_cp import Engine, Store, load_workflow
from aaib_cp.cli import cli
from aaib_cp.oversight import open_clocks
from aaib_cp.recommendations.service import SafetyBook
from aaib_cp.workflow.ics import clock_uid, clocks_calendar, previous_events
from tests.conftest import FixedClock
from tests.people import as_role
from tests.records_helpers import CHIEF, LEAD, case_in_evidence


@pytest.fixture
def database(tmp_path: Path) -> tuple[str, Engine, FixedClock]:
    """A database file with a case in evidence holding an issued urgent recommendation,
    and a second case just notified."""
    path = str(tmp_path / "cases.db")
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    engine = Engine(Store.open(path, create=True), clock=clock)
    workflow = load_workflow("child-protection")
    case_id = case_in_evidence(engine, workflow)
    SafetyBook(engine).add_recommendation(
        case_id, to="DfE", text="Share call-outs", priority="urgent", issue=True, **LEAD
    )
    engine.open_case(
        workflow, title="Child B", known_on=date(2026, 3, 1), **as_role("Ana", "notifier")
    )
    yield path, engine, clock
    engine.store.close()


def events(path: Path) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def ics(db: str, target: Path, *extra: str):
    return CliRunner().invoke(
        cli,
        ["--db", db, "deadlines", "--ics", str(target), *extra],
        env={"AAIB_SYNCHRONOUS": "OFF"},
    )


class TestIcs:
    def test_one_event_per_clock(self, database, tmp_path):
        """Each clock with a due date, case or recommendation, is one all-day event."""
        db, engine, _ = database
        result = ics(db, tmp_path / "d.ics")
        assert 0 == result.exit_code, result.output
        found = events(tmp_path / "d.ics")
        clocks = [c for c in open_clocks(engine, today=date.today()) if c.due is not None]
        assert sorted(clock_uid(c) for c in clocks) == sorted(found)
        kinds = {str(e["CATEGORIES"].to_ical().decode()) for e in found.values()}
        assert {"state", "recommendation_response"} <= kinds
        for clock in clocks:
            event = found[clock_uid(clock)]
            assert clock.due == event.decoded("DTSTART")
            assert clock.due + timedelta(days=1) == event.decoded("DTEND")
            assert f"{clock.case_id}: {clock.label}" == str(event["SUMMARY"])
        assert f"{len(clocks)} event(s) written to" in result.output

    def test_two_runs_same_uids_and_same_file(self, database, tmp_path):
        """Running twice gives the same UIDs; unchanged events keep SEQUENCE and DTSTAMP."""
        db, _, _ = database
        ics(db, tmp_path / "d.ics")
        first = (tmp_path / "d.ics").read_bytes()
        result = ics(db, tmp_path / "d.ics")
        assert first == (tmp_path / "d.ics").read_bytes()
        assert "0 new, 0 changed" in result.output
        ics(db, tmp_path / "other.ics")
        assert events(tmp_path / "d.ics").keys() == events(tmp_path / "other.ics").keys()

    def test_changed_due_date_keeps_uid_with_higher_sequence(self, database, tmp_path):
        """A suspension and later resumption moves a due date: same UID, SEQUENCE + 1."""
        db, engine, clock = database
        ics(db, tmp_path / "d.ics")
        before = events(tmp_path / "d.ics")
        case_id = engine.store.list_cases()[0].id
        engine.fire(case_id, "suspend", reason="criminal proceedings", **CHIEF)
        clock.now += timedelta(days=30)
        engine.fire(case_id, "resume", reason="proceedings ended", **CHIEF)
        result = ics(db, tmp_path / "d.ics")
        assert 0 == result.exit_code, result.output
        after = events(tmp_path / "d.ics")
        moved = [
            uid for uid in before if before[uid].decoded("DTSTART") != after[uid].decoded("DTSTART")
        ]
        assert moved, "the suspension moved no due date"
        for uid in after:
            grew = after[uid]["SEQUENCE"] > before[uid]["SEQUENCE"]
            assert grew == (uid in moved)
            stamps = (before[uid].decoded("DTSTAMP"), after[uid].decoded("DTSTAMP"))
            assert stamps[0] <= stamps[1] if grew else stamps[0] == stamps[1]
        assert f"0 new, {len(moved)} changed" in result.output

    def test_refuses_to_overwrite_another_file(self, database, tmp_path):
        """An existing file that is not an aaib-cp feed is left alone: one line, exit 1."""
        db, _, _ = database
        (tmp_path / "notes.ics").write_text("my notes")
        result = ics(db, tmp_path / "notes.ics")
        assert 1 == result.exit_code
        assert result.output.startswith(f"Error: {tmp_path / 'notes.ics'}: not an iCalendar file")
        assert "my notes" == (tmp_path / "notes.ics").read_text()

    def test_filters_apply(self, database, tmp_path):
        """--no-recommendations leaves the recommendation clocks out of the feed."""
        db, _, _ = database
        ics(db, tmp_path / "d.ics", "--no-recommendations")
        assert not any("recommendation" in uid for uid in events(tmp_path / "d.ics"))


class TestUids:
    def test_uid_ignores_due_date(self, database):
        """The UID is the same whatever the clock's due date; the SEQUENCE follows changes."""
        _, engine, _ = database
        clock = next(c for c in open_clocks(engine) if c.due is not None)
        later = clock.evolve(due=clock.due + timedelta(days=3))
        assert clock_uid(clock) == clock_uid(later)
        now = datetime(2026, 3, 2, tzinfo=UTC)
        first = clocks_calendar([clock], titles={}, now=now)
        second = clocks_calendar(
            [later], titles={}, now=now + timedelta(hours=1),
            previous=previous_events(first, filename="x"),
        )  # fmt: skip
        sequence = {uid: s for uid, (s, _, _) in previous_events(second, filename="x").items()}
        assert {clock_uid(clock): 1} == sequence


def test_subprocess(database, tmp_path):
    """In a real process: the file is written and a second run reports nothing changed."""
    db, _, _ = database
    env = {k: v for k, v in os.environ.items() if not k.startswith("AAIB_")}
    for expected in ("0 unchanged", "0 new, 0 changed"):
        result = subprocess.run(
            [sys.executable, "-m", "aaib_cp", "--db", db, "deadlines", "--ics", "d.ics"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert 0 == result.returncode, result.stderr
        assert expected in result.stdout
    assert events(tmp_path / "d.ics")
