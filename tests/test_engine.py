"""The engine through its public API: firing, refusals, concurrency, replay, workflow fit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from aaib_cp import (
    GuardFailed,
    InputError,
    RoleRefused,
    StaleCaseError,
    TransitionRefused,
    UnknownTrigger,
    WorkflowMismatch,
)
from aaib_cp.workflow.definition import workflow_from_text
from aaib_cp.workflow.engine import Engine
from aaib_cp.workflow.integrity import check_fits
from aaib_cp.workflow.model import EventKind
from tests.people import acct, as_role

CHIEF = as_role("Chris", "chief_investigator")
LEAD = as_role("Lee", "lead_investigator")


def open_case(engine, workflow, **kwargs):
    return engine.open_case(
        workflow,
        title=kwargs.get("title", "Child A"),
        known_on=date(2026, 2, 25),
        **as_role("Ana", "notifier"),
    )


def to_scoping(engine, case_id):
    engine.fire(case_id, "start_triage", **CHIEF)
    engine.fire(
        case_id,
        "decide_investigate",
        **CHIEF,
        reason="why",
        fields={"classification": "child_death", "depth": "formal"},
    )


class TestOpening:
    def test_reference_format_and_sequence(self, engine, workflow):
        """References are CP-<year>-<NNNN>, numbered per year."""
        first = open_case(engine, workflow)
        second = open_case(engine, workflow)
        assert ("CP-2026-0001", "CP-2026-0002") == (first.id, second.id)

    def test_case_records_its_workflow(self, engine, workflow):
        """A case records the name, version and content hash of its workflow."""
        case = open_case(engine, workflow)
        assert (workflow.name, workflow.version, workflow.content_hash) == (
            case.workflow_name,
            case.workflow_version,
            case.workflow_hash,
        )

    def test_future_known_on_refused(self, engine, workflow, clock):
        """A date the incident became known cannot be in the future."""
        with pytest.raises(InputError, match="in the future"):
            engine.open_case(
                workflow,
                title="X",
                known_on=clock.now.date() + timedelta(days=1),
                **as_role("Ana", "notifier"),
            )

    def test_unknown_role_refused(self, engine, workflow):
        """An acting role must be one the workflow declares."""
        with pytest.raises(InputError, match="unknown role 'notifer' \\(did you mean 'notifier'"):
            engine.open_case(
                workflow, title="X", known_on=date(2026, 1, 1), **as_role("A", "notifer")
            )


class TestFiring:
    def test_allowed_transition_moves_and_logs(self, engine, workflow):
        """An allowed trigger moves the case and appends one event."""
        case = open_case(engine, workflow)
        event = engine.fire(case.id, "start_triage", **CHIEF)
        assert ("notification", "triage") == (event.from_state, event.to_state)
        assert "triage" == engine.get(case.id).state
        assert 2 == engine.get(case.id).version

    def test_guard_refusal_changes_only_the_log(self, engine, workflow, store):
        """A failing guard raises, names the guard, and adds only a refusal event."""
        case = open_case(engine, workflow)
        to_scoping(engine, case.id)
        before = store.case_row(case.id)
        events_before = len(store.events(case.id))
        with pytest.raises(GuardFailed) as info:
            engine.fire(case.id, "agree_scope", **CHIEF, fields={"terms_of_reference": "x"})
        assert "team_has_role" in str(info.value)
        assert [
            ("team_has_role", "no one is appointed as lead investigator")
        ] == info.value.failures
        assert before == store.case_row(case.id)
        events = store.events(case.id)
        assert events_before + 1 == len(events)
        assert EventKind.REFUSED == events[-1].kind

    def test_role_refused(self, engine, workflow):
        """A role not listed on the transition is refused and audited."""
        case = open_case(engine, workflow)
        with pytest.raises(RoleRefused, match="needs chief_investigator"):
            engine.fire(case.id, "start_triage", **as_role("Lee", "lead_investigator"))
        assert EventKind.REFUSED == engine.history(case.id)[-1].kind

    def test_unknown_trigger_suggests(self, engine, workflow):
        """A misspelt trigger is refused with a suggestion and the available triggers."""
        case = open_case(engine, workflow)
        with pytest.raises(UnknownTrigger, match="did you mean 'start_triage'"):
            engine.fire(case.id, "start_triage_", **CHIEF)

    def test_reason_required(self, engine, workflow):
        """Transitions that need a reason refuse without one."""
        case = open_case(engine, workflow)
        with pytest.raises(TransitionRefused, match="needs a reason"):
            engine.fire(case.id, "suspend", **CHIEF)

    def test_sets_fields_validated(self, engine, workflow):
        """Fields a transition sets are checked against the workflow's choices."""
        case = open_case(engine, workflow)
        engine.fire(case.id, "start_triage", **CHIEF)
        with pytest.raises(InputError, match="'child_dearth' is not one of"):
            engine.fire(
                case.id,
                "decide_investigate",
                **CHIEF,
                reason="r",
                fields={"classification": "child_dearth", "depth": "formal"},
            )
        with pytest.raises(InputError, match="not set by this trigger"):
            engine.fire(
                case.id, "decide_investigate", **CHIEF, reason="r", fields={"colour": "red"}
            )

    def test_suspend_resume_returns_to_state_left(self, engine, workflow):
        """Resume goes back to the state the case was suspended from."""
        case = open_case(engine, workflow)
        to_scoping(engine, case.id)
        engine.fire(case.id, "suspend", **CHIEF, reason="criminal proceedings")
        assert "suspended" == engine.get(case.id).state
        engine.fire(case.id, "resume", **CHIEF, reason="proceedings over")
        assert "scoping" == engine.get(case.id).state

    def test_discontinue_from_anywhere_open(self, engine, workflow):
        """Discontinue ends the case from an open state; then nothing fires."""
        case = open_case(engine, workflow)
        engine.fire(case.id, "discontinue", **CHIEF, reason="family moved abroad")
        with pytest.raises(UnknownTrigger, match="the case has ended"):
            engine.fire(case.id, "start_triage", **CHIEF)


class TestConcurrency:
    def test_stale_write_fails_and_changes_nothing(self, engine, workflow, store):
        """A write based on a stale read fails clearly and leaves the case as it was."""
        case = open_case(engine, workflow)
        stale = engine.get(case.id)
        engine.fire(case.id, "start_triage", **CHIEF)
        row = store.case_row(case.id)
        count = len(store.events(case.id))
        with pytest.raises(StaleCaseError, match="changed underneath you"), store.transaction():
            store.update_case(stale, at=stale.opened_at, state="discontinued")
        assert row == store.case_row(case.id)
        assert count == len(store.events(case.id))

    def test_expected_version(self, engine, workflow):
        """fire(expected_version=...) refuses when the case has moved on."""
        case = open_case(engine, workflow)
        engine.fire(case.id, "start_triage", **CHIEF)
        with pytest.raises(StaleCaseError):
            engine.fire(case.id, "discontinue", **CHIEF, reason="r", expected_version=1)
        assert "triage" == engine.get(case.id).state


class TestReplayAndAudit:
    def test_replay_matches_stored_state(self, engine, workflow):
        """Replaying the events gives the stored state and previous state."""
        case = open_case(engine, workflow)
        to_scoping(engine, case.id)
        engine.fire(case.id, "suspend", **CHIEF, reason="r")
        stored = engine.get(case.id)
        assert (stored.state, stored.previous_state) == engine.replay(case.id)
        assert engine.verify(case.id) is None

    def test_events_are_append_only(self, engine, workflow, store):
        """The database refuses to update or delete an event."""
        import sqlite3

        case = open_case(engine, workflow)
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            store.db.execute("UPDATE events SET actor = 'X' WHERE case_id = ?", [case.id])
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            store.db.execute("DELETE FROM events WHERE case_id = ?", [case.id])

    def test_tampering_detected(self, engine, workflow, store):
        """Editing an event behind the triggers' back breaks the chain at that event."""
        case = open_case(engine, workflow)
        engine.fire(case.id, "start_triage", **CHIEF)
        store.db.execute("DROP TRIGGER events_no_update")
        store.db.execute(
            "UPDATE events SET actor = 'Mallory' WHERE case_id = ? AND n = 2", [case.id]
        )
        broken = engine.verify(case.id)
        assert (case.id, 2) == (broken.case_id, broken.n)
        assert "edited" in broken.message


class TestWorkflowFit:
    def test_case_keeps_its_definition(self, engine, workflow, store, clock):
        """A case runs under the stored text of its workflow, whatever the file says now."""
        case = open_case(engine, workflow)
        fresh = Engine(store, clock=clock)
        assert workflow.content_hash == fresh.definition_for(engine.get(case.id)).content_hash

    def test_changed_definition_that_no_longer_fits(self, engine, workflow, store, clock):
        """Loading a case under a definition without its state fails with a clear message."""
        case = open_case(engine, workflow)
        engine.fire(case.id, "start_triage", **CHIEF)
        text = workflow.source_text.replace("triage", "sifting")
        changed = workflow_from_text(text, filename="changed.yaml")
        with pytest.raises(WorkflowMismatch, match="state 'triage'"):
            check_fits(engine.get(case.id), changed)
        moved = engine.get(case.id).evolve(workflow_hash=changed.content_hash)
        store.save_workflow(changed, at=clock.now)
        with pytest.raises(WorkflowMismatch, match="does not have"):
            Engine(store, clock=clock).definition_for(moved)


class TestClocks:
    def test_notification_clock_in_working_days(self, engine, workflow, clock):
        """The notification state shows 5 working days from the date it became known."""
        case = open_case(engine, workflow)
        clock_ = engine.status(case.id).deadline
        assert date(2026, 3, 4) == clock_.due  # Wed 25 Feb + 5 working days
        assert 2 == clock_.days_left

    def test_suspension_stops_the_clock(self, engine, workflow, clock):
        """While suspended, the clock of the state left is shown as stopped."""
        case = open_case(engine, workflow)
        engine.fire(case.id, "suspend", **CHIEF, reason="police")
        assert engine.status(case.id).deadline.paused


class TestCaseRoles:
    def test_case_role_needs_appointment(self, engine, workflow):
        """Acting in a case role needs an appointment to that case; the refusal is audited."""
        case = open_case(engine, workflow)
        to_scoping(engine, case.id)
        with pytest.raises(RoleRefused, match="Lee is not appointed as lead_investigator"):
            engine.fire(case.id, "suspend", **LEAD, reason="r")
        assert EventKind.REFUSED == engine.history(case.id)[-1].kind
        engine.appoint(case.id, acct("Lee"), "lead_investigator", **CHIEF)
        engine.fire(case.id, "suspend", **LEAD, reason="r")
        assert "suspended" == engine.get(case.id).state

    def test_only_declared_roles_appoint(self, engine, workflow, store):
        """Only the roles a case role names may appoint it; refusals change nothing else."""
        case = open_case(engine, workflow)
        row = store.case_row(case.id)
        with pytest.raises(RoleRefused, match="may not appoint a lead_investigator"):
            engine.appoint(case.id, acct("Lee"), "lead_investigator", **as_role("Ana", "notifier"))
        assert row == store.case_row(case.id)
        assert [] == list(engine.team(case.id))
        assert "appoint lead_investigator" == engine.history(case.id)[-1].trigger

    def test_organisation_roles_are_not_appointed(self, engine, workflow):
        """Organisation roles are not appointed to cases."""
        case = open_case(engine, workflow)
        with pytest.raises(InputError, match="organisation role"):
            engine.appoint(case.id, acct("Ana"), "notifier", **CHIEF)

    def test_set_field_needs_a_setting_role(self, engine, workflow):
        """A field may be recorded only by a role whose transitions set it."""
        case = open_case(engine, workflow)
        with pytest.raises(RoleRefused, match="may not record 'terms_of_reference'"):
            engine.set_field(case.id, "terms_of_reference", "x", **as_role("Ana", "notifier"))
        engine.set_field(case.id, "terms_of_reference", "x", **CHIEF)
        assert "x" == engine.get(case.id).fields["terms_of_reference"]
