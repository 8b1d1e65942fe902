"""Recommendations, responses, consultation, feedback and protected material, via the library."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aaib_cp import Engine
from aaib_cp.evidence.service import Casebook
from aaib_cp.exceptions import (
    GuardFailed,
    InputError,
    ProtectedMaterial,
    RecordNotFound,
    RoleRefused,
)
from aaib_cp.recommendations.model import (
    AWAITING_ASSESSMENT,
    AWAITING_RESPONSE,
    Recommendation,
    Response,
    due_after,
    is_overdue,
    parse_ref,
    recommendation_ref,
)
from aaib_cp.workflow.effects import default_effects
from tests.journeys import consult
from tests.people import acct, as_role
from tests.safety_helpers import AGENCY, CHAIR, CHIEF, LEAD, REVIEWER, SAM, at, book, case_at

TO_DFE = {"to": "Department for Education", "text": "Share call-outs within a day."}


def refusals(engine: Engine, case_id: str) -> list[str]:
    return [e.trigger or "" for e in engine.history(case_id) if e.kind == "refused"]


class TestRecommendationRecords:
    def test_references_are_stable_and_numbered_per_case(self, engine, workflow):
        """References run CASE-SR01, CASE-SR02 in the order recommendations are added."""
        case_id = case_at(engine, workflow, "recommendations")
        refs = [book(engine).add_recommendation(case_id, **TO_DFE, **LEAD).ref for _ in range(2)]
        assert [f"{case_id}-SR01", f"{case_id}-SR02"] == refs

    def test_agency_addressee_must_be_registered(self, engine, workflow):
        """--to-agency names an agency on the case; an unknown one is a clear error."""
        case_id = case_at(engine, workflow, "recommendations")
        with pytest.raises(RecordNotFound, match="no agency 'Nowhere'"):
            book(engine).add_recommendation(case_id, to_agency="Nowhere", text="x", **LEAD)

    def test_addressee_is_one_of_agency_or_name(self, engine, workflow):
        """Giving both addressee forms (or neither) is refused."""
        case_id = case_at(engine, workflow, "recommendations")
        with pytest.raises(InputError, match="exactly one"):
            book(engine).add_recommendation(case_id, to_agency=AGENCY, to="DfE", text="x", **LEAD)

    def test_findings_must_exist_and_are_kept_in_order(self, engine, workflow):
        """Linked findings must be the case's; they are kept in order, without duplicates."""
        from aaib_cp.analysis.service import Analysis

        case_id = case_at(engine, workflow, "recommendations")
        with pytest.raises(RecordNotFound, match="no finding F1"):
            book(engine).add_recommendation(case_id, **TO_DFE, findings=["F1"], **LEAD)
        for _ in range(2):
            Analysis(engine).add_finding(case_id, kind="causal", text="t", acts=["A1"], **LEAD)
        rec = book(engine).add_recommendation(
            case_id, **TO_DFE, findings=["F2", "f1", "F2"], **LEAD
        )
        assert ("F2", "F1") == rec.findings

    def test_not_before_the_evidence_phase(self, engine, workflow):
        """No recommendation can be recorded while the case is being scoped."""
        case = engine.open_case(
            workflow, title="Child B", known_on=date(2026, 3, 1), **as_role("Ana", "notifier")
        )
        engine.fire(case.id, "start_triage", **CHIEF)
        fields = {"classification": "serious_harm", "depth": "field"}
        engine.fire(case.id, "decide_investigate", reason="why", fields=fields, **CHIEF)
        engine.appoint(case.id, acct("Lee"), "lead_investigator", **CHIEF)
        with pytest.raises(InputError, match="from the evidence phase onwards"):
            book(engine).add_recommendation(case.id, **TO_DFE, **LEAD)


class TestIssuing:
    def test_urgent_issued_in_evidence_with_ninety_day_deadline(self, engine, workflow):
        """An urgent recommendation issued in the evidence phase is due 90 days later."""
        case_id = case_at(engine, workflow, "evidence")
        rec = book(engine).add_recommendation(
            case_id, **TO_DFE, priority="urgent", issue=True, **LEAD
        )
        assert (date(2026, 3, 2), date(2026, 5, 31)) == (rec.issued_on, rec.response_due)

    def test_normal_priority_waits_for_the_final_report(self, engine, workflow):
        """A normal-priority recommendation cannot be issued before the final report."""
        case_id = case_at(engine, workflow, "recommendations")
        rec = book(engine).add_recommendation(case_id, **TO_DFE, **LEAD)
        with pytest.raises(InputError, match="only urgent"):
            book(engine).issue_recommendation(case_id, rec.ref, **LEAD)
        assert not book(engine).recommendation(case_id, rec.ref).issued

    def test_final_report_issues_every_pending_one(self, engine, workflow, clock):
        """issue_final_report issues the drafts in the same transaction, audited one by one."""
        case_id = case_at(engine, workflow, "consultation")
        safety = book(engine)
        safety.add_recommendation(case_id, **TO_DFE, **LEAD)
        safety.add_recommendation(case_id, **TO_DFE, priority="high", **LEAD)
        consult(engine, case_id)
        clock.now = at(date(2026, 4, 1))
        engine.fire(case_id, "issue_final_report", **LEAD)
        recs = safety.recommendations(case_id)
        assert [date(2026, 6, 30)] * 2 == [r.response_due for r in recs]
        kinds = [e.kind for e in engine.history(case_id)][-3:]
        assert ["transition", "recommendation_issued", "recommendation_issued"] == kinds

    def test_failing_effect_rolls_back_the_transition(self, store, clock, workflow):
        """If an effect fails, the transition is not written either."""
        effects = default_effects().copy()

        @effects.register("issue_final_report")
        def boom(store, case, **kwargs):
            raise RuntimeError("effect failed")

        engine = Engine(store, clock=clock, effects=effects)
        case_id = case_at(engine, workflow, "consultation")
        book(engine).add_recommendation(case_id, **TO_DFE, **LEAD)
        consult(engine, case_id)
        before = engine.get(case_id)
        with pytest.raises(RuntimeError):
            engine.fire(case_id, "issue_final_report", **LEAD)
        assert before == engine.get(case_id)
        assert not book(engine).recommendations(case_id)[0].issued


class TestResponsesAndOverdue:
    def issued(self, engine, workflow, clock) -> tuple[str, str]:
        case_id = case_at(engine, workflow, "evidence")
        rec = book(engine).add_recommendation(
            case_id, **TO_DFE, priority="urgent", issue=True, **LEAD
        )
        return case_id, rec.ref

    def test_overdue_the_day_after_the_deadline(self, engine, workflow, clock):
        """Unanswered, it is not overdue on its due day and is overdue the day after."""
        _, ref = self.issued(engine, workflow, clock)
        safety = book(engine)
        assert [] == safety.overdue(today=date(2026, 5, 31))
        (late,) = safety.overdue(today=date(2026, 6, 1))
        assert (ref, "response", 1) == (late.ref, late.what, late.days_late)

    def test_assessed_response_leaves_overdue(self, engine, workflow, clock):
        """After a response is recorded and assessed, nothing about it is overdue."""
        case_id, ref = self.issued(engine, workflow, clock)
        safety = book(engine)
        clock.now = at(date(2026, 7, 1))
        rec = safety.respond(case_id, ref, text="Done.", **LEAD)
        assert AWAITING_ASSESSMENT == rec.grade
        assert [] == [o for o in safety.overdue(today=date(2026, 7, 1)) if o.what == "response"]
        assert ["assessment"] == [o.what for o in safety.overdue(today=date(2026, 9, 1))]
        rec = safety.assess(case_id, ref, grade="partially adequate", text="Partly.", **REVIEWER)
        assert ("partially adequate", "open") == (rec.grade, rec.status)
        assert [] == safety.overdue(today=date(2027, 1, 1))

    def test_response_date_cannot_precede_issue(self, engine, workflow, clock):
        """A response received before the recommendation was issued is refused."""
        case_id, ref = self.issued(engine, workflow, clock)
        with pytest.raises(InputError, match="before"):
            book(engine).respond(case_id, ref, text="x", received_on="2026-03-01", **LEAD)

    def test_investigator_may_not_assess_and_is_audited(self, engine, workflow, clock):
        """Assessment needs the lead or a reviewer; the refusal is on the audit trail."""
        case_id, ref = self.issued(engine, workflow, clock)
        book(engine).respond(case_id, ref, text="Done.", **LEAD)
        with pytest.raises(RoleRefused):
            book(engine).assess(case_id, ref, grade="adequate", text="ok", **SAM)
        assert ["assess a response"] == refusals(engine, case_id)

    def test_overdue_spans_cases(self, engine, workflow, clock):
        """overdue lists late recommendations of every case."""
        first, _ = self.issued(engine, workflow, clock)
        second = engine.open_case(
            workflow, title="Child B", known_on=date(2026, 3, 1), **as_role("Ana", "notifier")
        )
        assert second.id != first
        assert [first] == [o.case_id for o in book(engine).overdue(today=date(2026, 8, 1))]


class TestConsultation:
    def test_final_report_waits_for_dispositions(self, engine, workflow):
        """An undisposed representation blocks the final report, changing nothing but the trail."""
        case_id = case_at(engine, workflow, "consultation")
        safety = book(engine)
        safety.send_draft(case_id, ["Child A"], **LEAD)
        safety.represent(case_id, "Child A", text="Paragraph 3 is wrong.", **LEAD)
        safety.send_draft(case_id, [AGENCY], **LEAD)
        safety.represent(case_id, AGENCY, none=True, **LEAD)
        before = engine.get(case_id)
        with pytest.raises(GuardFailed, match="representations without a disposition: R1"):
            engine.fire(case_id, "issue_final_report", **LEAD)
        assert before == engine.get(case_id)
        safety.dispose(case_id, "R1", disposition="not accepted", reason="Records agree.", **CHAIR)
        engine.fire(case_id, "issue_final_report", **CHAIR)
        assert "final_report" == engine.get(case_id).state

    def test_guard_names_unanswered_parties(self, engine, workflow):
        """A party that neither commented nor is recorded as making none blocks the report."""
        case_id = case_at(engine, workflow, "consultation")
        book(engine).send_draft(case_id, [AGENCY], **LEAD)
        with pytest.raises(GuardFailed, match="nor a record of none, from: Northshire"):
            engine.fire(case_id, "issue_final_report", **LEAD)

    def test_draft_must_be_sent(self, engine, workflow):
        """Without any party sent the draft, the final report cannot be issued."""
        case_id = case_at(engine, workflow, "consultation")
        with pytest.raises(GuardFailed, match="not been sent to any party"):
            engine.fire(case_id, "issue_final_report", **LEAD)

    def test_representation_period_from_workflow(self, engine, workflow):
        """Each party's comments are due representation_days (60) after the draft was sent."""
        case_id = case_at(engine, workflow, "consultation")
        (party,) = book(engine).send_draft(case_id, ["Child A"], sent_on="2026-03-01", **LEAD)
        assert (date(2026, 3, 1), date(2026, 4, 30)) == (party.sent_on, party.due_on)

    def test_people_are_parties_by_pseudonym_only(self, engine, workflow):
        """A person is sent the draft by pseudonym; a real name is not accepted."""
        case_id = case_at(engine, workflow, "consultation")
        with pytest.raises(RecordNotFound, match="pseudonym"):
            book(engine).send_draft(case_id, ["Amy Example"], **LEAD)

    def test_rejection_needs_a_reason_and_the_right_role(self, engine, workflow):
        """not_accepted needs a reason; an investigator may not disposition."""
        case_id = case_at(engine, workflow, "consultation")
        safety = book(engine)
        safety.send_draft(case_id, [AGENCY], **LEAD)
        safety.represent(case_id, AGENCY, text="Disagree.", **LEAD)
        with pytest.raises(InputError, match="needs one"):
            safety.dispose(case_id, "R1", disposition="not_accepted", **LEAD)
        with pytest.raises(RoleRefused):
            safety.dispose(case_id, "R1", disposition="accepted", **SAM)


class TestClose:
    def test_close_names_what_is_missing(self, engine, workflow, clock):
        """close is refused naming each unsettled recommendation and the missing feedback."""
        case_id = case_at(engine, workflow, "consultation")
        safety = book(engine)
        safety.add_recommendation(case_id, **TO_DFE, **LEAD)
        safety.add_recommendation(case_id, **TO_DFE, **LEAD)
        consult(engine, case_id)
        engine.fire(case_id, "issue_final_report", **LEAD)
        engine.fire(case_id, "track_responses", **LEAD)
        safety.respond(case_id, "SR02", text="Will do.", **LEAD)
        with pytest.raises(GuardFailed) as refused:
            engine.fire(case_id, "close", **LEAD)
        message = str(refused.value)
        assert f"{case_id}-SR01 has no response" in message
        assert f"{case_id}-SR02's response of 2026-03-02 is not assessed" in message
        assert "no feedback session" in message
        safety.close_recommendation(case_id, "SR01", reason="Superseded by SR02.", **REVIEWER)
        safety.assess(case_id, "SR02", grade="adequate", text="Fine.", **LEAD)
        safety.add_feedback(case_id, held_on="2026-03-02", attendees=["Sam", "Kim"], **LEAD)
        engine.fire(case_id, "close", **LEAD)
        assert "closed" == engine.get(case_id).state


class TestProtectedMaterial:
    def test_interviews_are_protected_by_default_and_notes_too(self, engine, workflow):
        """Interview evidence and notes are protected unless said otherwise."""
        case_id = case_at(engine, workflow, "evidence")
        item = Casebook(engine).add_evidence(
            case_id,
            kind="interview",
            description="Talk with SW",
            obtained_how="held",
            obtained_on=date(2026, 3, 1),
            agency=AGENCY,
            **LEAD,
        )
        note = book(engine).add_note(case_id, "Seemed stressed.", **LEAD)
        flags = book(engine).protected_items(case_id)
        assert {"E1": False, item.ref: True, note.ref: True} == flags

    def test_export_is_refused_until_disclosure_approved(self, engine, workflow):
        """A protected item cannot be exported; once disclosure is approved the check passes."""
        case_id = case_at(engine, workflow, "evidence")
        safety = book(engine)
        safety.protect(case_id, "E1", reason="health data", **LEAD)
        cases = Casebook(engine)
        with pytest.raises(ProtectedMaterial, match="E1 is protected material"):
            cases.export_evidence(case_id, "E1", "/nowhere", actor=acct("Lee"))
        assert ["export E1"] == refusals(engine, case_id)
        disclosed = safety.disclose(
            case_id,
            "E1",
            ground="court order",
            requested_by=acct("Lee"),
            recipient="High Court",
            reason="Order of 1 March",
            **CHAIR,
        )
        assert ("court_order", "Pat") == (disclosed.ground, disclosed.approved_by)
        with pytest.raises(InputError, match="no file to export"):
            cases.export_evidence(case_id, "E1", "/nowhere", actor=acct("Lee"))

    def test_requester_may_not_approve(self, engine, workflow):
        """The approver must be someone other than the requester; the refusal is audited."""
        case_id = case_at(engine, workflow, "evidence")
        book(engine).add_note(case_id, "Private view.", **LEAD)
        with pytest.raises(RoleRefused, match="Pat asked for this disclosure"):
            book(engine).disclose(
                case_id,
                "N1",
                ground="serious_continuing_risk",
                requested_by=acct("Pat"),
                recipient="Police",
                reason="Risk to a sibling",
                **CHAIR,
            )
        assert ["approve a disclosure"] == refusals(engine, case_id)

    def test_only_chair_or_chief_approves(self, engine, workflow):
        """A lead investigator may not approve a disclosure."""
        case_id = case_at(engine, workflow, "evidence")
        book(engine).add_note(case_id, "Private view.", **LEAD)
        with pytest.raises(RoleRefused):
            book(engine).disclose(
                case_id,
                "N1",
                ground="court_order",
                requested_by=acct("Sam"),
                recipient="Court",
                reason="Order",
                **LEAD,
            )


class TestReportParts:
    def test_fills_report_records(self, engine, workflow):
        """safety_parts gives ReportData's recommendations, actions, consultation and feedback."""
        from aaib_cp.reports import ReportData
        from aaib_cp.reports.safety_parts import safety_parts

        case_id = case_at(engine, workflow, "consultation")
        safety = book(engine)
        safety.add_recommendation(case_id, **TO_DFE, **LEAD)
        safety.add_safety_action(case_id, agency=AGENCY, text="New checklist.", **LEAD)
        safety.send_draft(case_id, [AGENCY, "Child A"], **LEAD)
        safety.represent(case_id, AGENCY, text="Fine.", **LEAD)
        safety.dispose(case_id, "R1", disposition="accepted", **LEAD)
        parts = safety_parts(engine, case_id)
        data = ReportData.from_mapping(
            {
                "case": {
                    "reference": case_id,
                    "title": "t",
                    "workflow_name": "w",
                    "workflow_version": "1",
                    "state": "consultation",
                },
                "recommendations": [r.to_json() for r in parts["recommendations"]],
                "safety_actions": [a.to_json() for a in parts["safety_actions"]],
                "consultation": parts["consultation"].to_json(),
            }
        )
        assert ("awaiting response", (AGENCY, "Child A"), (("accepted", 1),)) == (
            data.recommendations[0].response_grade,
            data.consultation.parties,
            data.consultation.representations,
        )


def _rec(issued: date, days: int, responses=()) -> Recommendation:
    return Recommendation(
        id=1,
        case_id="CP-2026-0001",
        ref="CP-2026-0001-SR01",
        addressee="DfE",
        addressee_is_agency=False,
        text="t",
        priority="normal",
        findings=(),
        status="open",
        added_at=at(issued),
        added_by="Lee",
        issued_on=issued,
        response_due=due_after(issued, days),
        responses=tuple(responses),
    )


class TestDeadlineRules:
    @given(
        issued=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
        days=st.integers(min_value=0, max_value=400),
        after=st.integers(min_value=-400, max_value=400),
    )
    def test_response_overdue_exactly_after_due_day(self, issued, days, after):
        """Unanswered, a recommendation is overdue exactly when today is past issue + days."""
        today = issued + timedelta(days=days + after)
        late = _rec(issued, days).overdue(today)
        assert (after > 0) == bool(late)
        assert ([after] if after > 0 else []) == [o.days_late for o in late]

    @given(
        received_after=st.integers(min_value=0, max_value=200),
        graded=st.booleans(),
        today_after=st.integers(min_value=0, max_value=400),
    )
    def test_an_answered_recommendation_is_late_only_on_assessment(
        self, received_after, graded, today_after
    ):
        """Once a response is in, only an ungraded response past its assessment due is late."""
        issued = date(2026, 1, 1)
        received = issued + timedelta(days=received_after)
        response = Response(
            n=1,
            text="t",
            received_on=received,
            assessment_due=due_after(received, 60),
            recorded_by="Lee",
            grade="adequate" if graded else None,
        )
        today = received + timedelta(days=today_after)
        late = [o.what for o in _rec(issued, 90, [response]).overdue(today)]
        expected = ["assessment"] if (not graded and today_after > 60) else []
        assert expected == late
        assert (AWAITING_ASSESSMENT if not graded else "adequate") == _rec(
            issued, 90, [response]
        ).grade

    @given(n=st.integers(min_value=1, max_value=10_000))
    def test_references_round_trip(self, n):
        """Short and full references parse to the same stable reference."""
        full = recommendation_ref("CP-2026-0001", n)
        assert full == parse_ref("CP-2026-0001", full)
        assert full == parse_ref("CP-2026-0001", f"sr{n}")

    def test_due_on_the_day_is_in_time(self):
        """Something due today is not overdue; done things are never overdue."""
        today = date(2026, 5, 1)
        assert (False, True, False) == (
            is_overdue(today, today, done=False),
            is_overdue(today - timedelta(days=1), today, done=False),
            is_overdue(today - timedelta(days=1), today, done=True),
        )

    def test_unissued_grade_is_awaiting_response(self):
        """With no response, the grade reads 'awaiting response'."""
        assert AWAITING_RESPONSE == _rec(date(2026, 1, 1), 90).grade
