"""Safety recommendations: record, issue, record responses, assess and close them.

Recording and issuing need the workflow's ``recommend`` permission, assessing and
closing its ``assess`` permission. No recommendation is recorded before the evidence
phase (the workflow's ``before_evidence`` phase); only urgent ones are issued before
the final report (its ``published`` phase), the others with it
(:mod:`aaib_cp.recommendations.issuing`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from aaib_cp.analysis import sql as adb
from aaib_cp.evidence import sql as rdb
from aaib_cp.evidence.base import RecordService, required_text
from aaib_cp.exceptions import InputError, RecordNotFound
from aaib_cp.recommendations import sql as sdb
from aaib_cp.recommendations.issuing import issue as issue_now
from aaib_cp.recommendations.model import (
    ASSESSMENT_GRADES,
    PRIORITIES,
    Recommendation,
    due_after,
    normalise_choice,
    not_future,
    parse_ref,
    recommendation_ref,
)
from aaib_cp.workflow.acting import needs
from aaib_cp.workflow.definition import WorkflowDefinition
from aaib_cp.workflow.identity import Account, Actor
from aaib_cp.workflow.input_text import clean_line
from aaib_cp.workflow.model import Case, EventKind

__all__ = ["RecommendationService"]


def _not_early(case: Case, definition: WorkflowDefinition, what: str) -> None:
    if definition.in_phase(case.state, "before_evidence"):
        raise InputError(f"{case.id} is in {case.state!r}: {what} from the evidence phase onwards")


def _check_issuable(case: Case, definition: WorkflowDefinition, priority: str) -> None:
    _not_early(case, definition, "recommendations are issued")
    if priority != "urgent" and not definition.in_phase(case.state, "published"):
        raise InputError(
            f"{case.id} is in {case.state!r}: only urgent recommendations are issued before "
            "the final report (the others are issued with it)"
        )


class RecommendationService(RecordService):
    """Recommendations and the addressees' responses."""

    @needs("recommend")
    def add_recommendation(
        self,
        case_id: str,
        *,
        text: str,
        to_agency: str | None = None,
        to: str | None = None,
        priority: str = "normal",
        findings: Iterable[str] = (),
        issue: bool = False,
        actor: Account | Actor,
        role: str,
    ) -> Recommendation:
        """Record a recommendation (a draft until issued); ``issue`` issues it at once.

        The addressee is an agency registered on the case (``to_agency``) or any
        other organisation by name (``to``). ``findings`` are references to the
        case's findings it follows from (``F1``); each must exist.
        """
        text = required_text("text", text)
        priority = normalise_choice("priority", priority, PRIORITIES)
        refs = tuple(dict.fromkeys(clean_line(f, "finding", max_len=40).upper() for f in findings))
        if (to_agency is None) == (to is None):
            raise InputError("addressee: give exactly one of --to-agency AGENCY or --to NAME")
        case, definition, actor = self.engine.authorise(
            case_id, actor=actor, role=role, action="add a recommendation", permission="recommend"
        )
        _not_early(case, definition, "recommendations are recorded")
        self._check_findings(case.id, refs)
        agency = None
        if to_agency is not None:
            agency = rdb.find_agency(self.store, case.id, to_agency)
            if agency is None:
                known = ", ".join(a.name for a in rdb.agencies(self.store, case.id)) or "none"
                raise RecordNotFound(
                    f"no agency {to_agency!r} on {case.id} (agencies: {known}); "
                    "use --to for an organisation not involved in the case"
                )
            addressee = agency.name
        else:
            addressee = clean_line(to, "addressee", max_len=200)
        if issue:
            _check_issuable(case, definition, priority)
        now = self.engine.clock()
        with self.store.transaction():
            n = rdb.next_number(self.store, case.id, "recommendation")
            ref = recommendation_ref(case.id, n)
            sdb.insert_recommendation(
                self.store,
                case.id,
                ref=ref,
                addressee=addressee,
                agency_id=agency.id if agency else None,
                text=text,
                priority=priority,
                findings=refs,
                at=now,
                by=actor.label,
            )
            self.engine.record_change(
                case,
                actor=actor,
                role=role,
                kind=EventKind.RECOMMENDATION_ADDED,
                detail={
                    "recommendation": ref,
                    "addressee": addressee,
                    "priority": priority,
                    "findings": list(refs),
                },
            )
            if issue:
                issue_now(
                    self.store,
                    case,
                    self._get(case.id, ref),
                    definition=definition,
                    at=self.engine.clock(),
                    actor=actor,
                    role=role,
                )
        return self.recommendation(case.id, ref)

    def _check_findings(self, case_id: str, refs: Sequence[str]) -> None:
        known = [f.ref for f in adb.findings(self.store, case_id)]
        unknown = [r for r in refs if r not in known]
        if unknown:
            listing = ", ".join(known) if known else "none yet: add them with 'aaib finding add'"
            raise RecordNotFound(f"no finding {unknown[0]} on {case_id} (findings: {listing})")

    @needs("recommend")
    def issue_recommendation(
        self, case_id: str, ref: str, *, actor: Account | Actor, role: str
    ) -> Recommendation:
        """Issue a draft recommendation now: urgent ones any time from the evidence phase."""
        case, definition, actor = self.engine.authorise(
            case_id, actor=actor, role=role, action="issue a recommendation", permission="recommend"
        )
        rec = self._get(case.id, ref)
        if rec.issued:
            raise InputError(f"{rec.ref} was already issued on {rec.issued_on}")
        if rec.status == "closed":
            raise InputError(f"{rec.ref} is closed")
        _check_issuable(case, definition, rec.priority)
        with self.store.transaction():
            self.store.update_case(case, at=self.engine.clock())
            issue_now(
                self.store,
                case,
                rec,
                definition=definition,
                at=self.engine.clock(),
                actor=actor,
                role=role,
            )
        return self.recommendation(case.id, rec.ref)

    def recommendations(self, case_id: str) -> list[Recommendation]:
        """The case's recommendations, with their responses."""
        self.store.get_case(case_id)
        return sdb.recommendations(self.store, case_id)

    def _get(self, case_id: str, ref: str) -> Recommendation:
        full = parse_ref(case_id, ref)
        for rec in sdb.recommendations(self.store, case_id):
            if rec.ref == full:
                return rec
        raise RecordNotFound(f"no recommendation {full} on {case_id}")

    def recommendation(self, case_id: str, ref: str) -> Recommendation:
        """One recommendation by reference (``CP-2026-0001-SR01`` or ``SR01``)."""
        self.store.get_case(case_id)
        return self._get(case_id, ref)

    @needs("recommend")
    def respond(
        self,
        case_id: str,
        ref: str,
        *,
        text: str,
        received_on: date | str | None = None,
        actor: Account | Actor,
        role: str,
    ) -> Recommendation:
        """Record the addressee's response; its assessment clock starts on the day received."""
        text = required_text("response", text)
        case, definition, actor = self.engine.authorise(
            case_id, actor=actor, role=role, action="record a response", permission="recommend"
        )
        rec = self._get(case.id, ref)
        if not rec.issued:
            raise InputError(f"{rec.ref} has not been issued; there is nothing to respond to")
        assert rec.issued_on is not None
        received = not_future("received on", received_on, self.today())
        if received < rec.issued_on:
            raise InputError(
                f"received on: {received} is before {rec.ref} was issued ({rec.issued_on})"
            )
        due = due_after(received, int(definition.setting("response_assessment_days")))
        with self.store.transaction():
            n = sdb.insert_response(
                self.store,
                rec,
                text=text,
                received_on=received,
                due=due,
                at=self.engine.clock(),
                by=actor.label,
            )
            self.engine.record_change(
                case,
                actor=actor,
                role=role,
                kind=EventKind.RECOMMENDATION_RESPONSE,
                detail={
                    "recommendation": rec.ref,
                    "response": n,
                    "received_on": received.isoformat(),
                    "assessment_due": due.isoformat(),
                },
            )
        return self._get(case.id, rec.ref)

    @needs("assess")
    def assess(
        self,
        case_id: str,
        ref: str,
        *,
        grade: str,
        text: str,
        close: bool = False,
        actor: Account | Actor,
        role: str,
    ) -> Recommendation:
        """Grade the latest response (adequate, partially adequate, not adequate)."""
        grade = normalise_choice("grade", grade, ASSESSMENT_GRADES)
        text = required_text("assessment", text)
        case, _, actor = self.engine.authorise(
            case_id, actor=actor, role=role, action="assess a response", permission="assess"
        )
        rec = self._get(case.id, ref)
        latest = rec.latest
        if latest is None:
            raise InputError(f"{rec.ref} has no response to assess")
        if latest.assessed:
            raise InputError(
                f"{rec.ref}'s latest response (#{latest.n}) is already graded {latest.grade}; "
                "record the addressee's further response first"
            )
        with self.store.transaction():
            sdb.set_assessment(
                self.store, rec, latest.n, grade=grade, text=text, on=self.today(), by=actor.label
            )
            if close:
                sdb.close_recommendation(self.store, rec, reason=f"assessed {grade}")
            self.engine.record_change(
                case,
                actor=actor,
                role=role,
                kind=EventKind.RECOMMENDATION_ASSESSED,
                detail={
                    "recommendation": rec.ref,
                    "response": latest.n,
                    "grade": grade,
                    "closed": close,
                },
            )
        return self._get(case.id, rec.ref)

    @needs("assess")
    def close_recommendation(
        self, case_id: str, ref: str, *, reason: str, actor: Account | Actor, role: str
    ) -> Recommendation:
        """Set a recommendation's status to closed, giving the reason."""
        reason = required_text("reason", reason)
        case, _, actor = self.engine.authorise(
            case_id, actor=actor, role=role, action="close a recommendation", permission="assess"
        )
        rec = self._get(case.id, ref)
        if rec.status == "closed":
            raise InputError(f"{rec.ref} is already closed")
        with self.store.transaction():
            sdb.close_recommendation(self.store, rec, reason=reason)
            self.engine.record_change(
                case,
                actor=actor,
                role=role,
                kind=EventKind.RECOMMENDATION_CLOSED,
                detail={"recommendation": rec.ref, "reason": reason},
            )
        return self._get(case.id, rec.ref)
