"""The safety book: recommendations, responses, consultation, feedback, protected material.

:class:`SafetyBook` orchestrates as :class:`~aaib_cp.evidence.service.Casebook` does: it
checks who is acting through :meth:`Engine.authorise` (refusals are audited),
runs each command in one transaction that bumps the case version and appends an
audit event, and leaves every SQL statement to :mod:`aaib_cp.recommendations.sql`.

Who may do what (case roles must be appointed to the case):

- record recommendations, responses, safety actions, the consultation, feedback
  and notes: ``lead_investigator`` or ``investigator``;
- assess a response or close a recommendation: ``lead_investigator`` or ``reviewer``;
- disposition a representation: ``lead_investigator`` or ``panel_chair``;
- approve a disclosure of protected material: ``panel_chair`` or
  ``chief_investigator``, and never the person who asked for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import attrs

from aaib_cp.db import Store
from aaib_cp.evidence import sql as rdb
from aaib_cp.exceptions import InputError, ProtectedMaterial, RecordNotFound
from aaib_cp.recommendations import sql as sdb
from aaib_cp.recommendations.model import (
    ASSESSMENT_GRADES,
    DISCLOSURE_GROUNDS,
    DISPOSITIONS,
    PRIORITIES,
    Disclosure,
    FeedbackSession,
    Note,
    Overdue,
    Party,
    Recommendation,
    Representation,
    SafetyAction,
    due_after,
    normalise_choice,
    parse_ref,
    recommendation_ref,
)
from aaib_cp.workflow.engine import Engine
from aaib_cp.workflow.input_text import clean_line, clean_text, parse_date
from aaib_cp.workflow.model import Case

__all__ = [
    "ASSESS_ROLES",
    "DISCLOSE_ROLES",
    "DISPOSE_ROLES",
    "EARLY_STATES",
    "RECORD_ROLES",
    "REPORT_ISSUED_STATES",
    "SafetyBook",
]

RECORD_ROLES = ("lead_investigator", "investigator")
ASSESS_ROLES = ("lead_investigator", "reviewer")
DISPOSE_ROLES = ("lead_investigator", "panel_chair")
DISCLOSE_ROLES = ("panel_chair", "chief_investigator")

#: States before the evidence phase: no recommendation may be recorded or issued yet.
EARLY_STATES = ("notification", "triage", "scoping")
#: States in which the final report has been issued: any recommendation may be issued.
REPORT_ISSUED_STATES = ("final_report", "response_tracking")
#: States in which the draft may be sent to parties.
SEND_STATES = ("draft_report", "consultation")


def _text(what: str, value: str | None) -> str:
    text = clean_text(value or "", what).strip()
    if not text:
        raise InputError(f"{what}: must not be empty")
    return text


def _not_future(what: str, value: date | str | None, today: date) -> date:
    if value is None:
        return today
    day = parse_date(value, what)
    if day > today:
        raise InputError(f"{what}: {day.isoformat()} is in the future")
    return day


class SafetyBook:
    """Records that follow from the analysis: recommendations, consultation, feedback.

    >>> book = SafetyBook(engine)                                      # doctest: +SKIP
    >>> rec = book.add_recommendation(case_id, text="...", to="Department for Education",
    ...                               actor="Lee", role="lead_investigator")
    """

    def __init__(self, engine: Engine) -> None:
        store = engine.store
        if not isinstance(store, Store):
            raise TypeError("a SafetyBook needs an engine over an aaib_cp Store")
        self.engine = engine
        self.store: Store = store

    # -- shared ------------------------------------------------------------------------
    def _authorise(
        self, case_id: str, *, actor: str, role: str | None, action: str, roles: Sequence[str]
    ) -> tuple[Case, Any, str]:
        return self.engine.authorise(case_id, actor=actor, role=role, action=action, roles=roles)

    def _record(
        self, case: Case, *, actor: str, role: str | None, kind: str, detail: dict[str, Any]
    ) -> None:
        """Bump the case version and append the audit event (inside the transaction)."""
        self.engine.record_change(case, actor=actor, role=role, kind=kind, detail=detail)

    def _today(self) -> date:
        return self.engine.clock().date()

    def _not_early(self, case: Case, what: str) -> None:
        if case.state in EARLY_STATES:
            raise InputError(
                f"{case.id} is in {case.state!r}: {what} from the evidence phase onwards"
            )

    # -- recommendations -------------------------------------------------------------------
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
        actor: str,
        role: str,
    ) -> Recommendation:
        """Record a recommendation (a draft until issued); ``issue`` issues it at once.

        The addressee is an agency registered on the case (``to_agency``) or any
        other organisation by name (``to``). ``findings`` are references to the
        case's findings it follows from (``F1``); each must exist.
        """
        text = _text("text", text)
        priority = normalise_choice("priority", priority, PRIORITIES)
        refs = tuple(dict.fromkeys(clean_line(f, "finding", max_len=40).upper() for f in findings))
        if (to_agency is None) == (to is None):
            raise InputError("addressee: give exactly one of --to-agency AGENCY or --to NAME")
        case, definition, actor = self._authorise(
            case_id, actor=actor, role=role, action="add a recommendation", roles=RECORD_ROLES
        )
        self._not_early(case, "recommendations are recorded")
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
            self._check_issuable(case, priority)
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
                by=actor,
            )
            self._record(
                case,
                actor=actor,
                role=role,
                kind="recommendation_added",
                detail={
                    "recommendation": ref,
                    "addressee": addressee,
                    "priority": priority,
                    "findings": list(refs),
                },
            )
            if issue:
                self._issue(case, self._get(case.id, ref), definition, actor=actor, role=role)
        return self.recommendation(case.id, ref)

    def _check_findings(self, case_id: str, refs: Sequence[str]) -> None:
        from aaib_cp.analysis import sql as adb

        known = [f.ref for f in adb.findings(self.store, case_id)]
        unknown = [r for r in refs if r not in known]
        if unknown:
            listing = ", ".join(known) if known else "none yet: add them with 'aaib finding add'"
            raise RecordNotFound(f"no finding {unknown[0]} on {case_id} (findings: {listing})")

    def _check_issuable(self, case: Case, priority: str) -> None:
        self._not_early(case, "recommendations are issued")
        if priority != "urgent" and case.state not in REPORT_ISSUED_STATES:
            raise InputError(
                f"{case.id} is in {case.state!r}: only urgent recommendations are issued before "
                "the final report (the others are issued with it, by issue_final_report)"
            )

    def _issue(
        self, case: Case, rec: Recommendation, definition: Any, *, actor: str, role: str | None
    ) -> None:
        today = self._today()
        due = due_after(today, int(definition.setting("recommendation_response_days")))
        sdb.issue(self.store, rec, on=today, due=due)
        self.store.append_event(
            case.id,
            at=self.engine.clock(),
            actor=actor,
            role=role,
            kind="recommendation_issued",
            detail={"recommendation": rec.ref, "response_due": due.isoformat()},
        )

    def issue_recommendation(
        self, case_id: str, ref: str, *, actor: str, role: str
    ) -> Recommendation:
        """Issue a draft recommendation now: urgent ones any time from the evidence phase."""
        case, definition, actor = self._authorise(
            case_id, actor=actor, role=role, action="issue a recommendation", roles=RECORD_ROLES
        )
        rec = self._get(case.id, ref)
        if rec.issued:
            raise InputError(f"{rec.ref} was already issued on {rec.issued_on}")
        if rec.status == "closed":
            raise InputError(f"{rec.ref} is closed")
        self._check_issuable(case, rec.priority)
        with self.store.transaction():
            self.store.update_case(case, at=self.engine.clock())
            self._issue(case, rec, definition, actor=actor, role=role)
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

    def respond(
        self,
        case_id: str,
        ref: str,
        *,
        text: str,
        received_on: date | str | None = None,
        actor: str,
        role: str,
    ) -> Recommendation:
        """Record the addressee's response; its assessment clock starts on the day received."""
        text = _text("response", text)
        case, definition, actor = self._authorise(
            case_id, actor=actor, role=role, action="record a response", roles=RECORD_ROLES
        )
        rec = self._get(case.id, ref)
        if not rec.issued:
            raise InputError(f"{rec.ref} has not been issued; there is nothing to respond to")
        assert rec.issued_on is not None
        received = _not_future("received on", received_on, self._today())
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
                by=actor,
            )
            self._record(
                case,
                actor=actor,
                role=role,
                kind="recommendation_response",
                detail={
                    "recommendation": rec.ref,
                    "response": n,
                    "received_on": received.isoformat(),
                    "assessment_due": due.isoformat(),
                },
            )
        return self._get(case.id, rec.ref)

    def assess(
        self,
        case_id: str,
        ref: str,
        *,
        grade: str,
        text: str,
        close: bool = False,
        actor: str,
        role: str,
    ) -> Recommendation:
        """Grade the latest response (adequate, partially adequate, not adequate)."""
        grade = normalise_choice("grade", grade, ASSESSMENT_GRADES)
        text = _text("assessment", text)
        case, _, actor = self._authorise(
            case_id, actor=actor, role=role, action="assess a response", roles=ASSESS_ROLES
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
                self.store, rec, latest.n, grade=grade, text=text, on=self._today(), by=actor
            )
            if close:
                sdb.close_recommendation(self.store, rec, reason=f"assessed {grade}")
            self._record(
                case,
                actor=actor,
                role=role,
                kind="recommendation_assessed",
                detail={
                    "recommendation": rec.ref,
                    "response": latest.n,
                    "grade": grade,
                    "closed": close,
                },
            )
        return self._get(case.id, rec.ref)

    def close_recommendation(
        self, case_id: str, ref: str, *, reason: str, actor: str, role: str
    ) -> Recommendation:
        """Set a recommendation's status to closed, giving the reason."""
        reason = _text("reason", reason)
        case, _, actor = self._authorise(
            case_id, actor=actor, role=role, action="close a recommendation", roles=ASSESS_ROLES
        )
        rec = self._get(case.id, ref)
        if rec.status == "closed":
            raise InputError(f"{rec.ref} is already closed")
        with self.store.transaction():
            sdb.close_recommendation(self.store, rec, reason=reason)
            self._record(
                case,
                actor=actor,
                role=role,
                kind="recommendation_closed",
                detail={"recommendation": rec.ref, "reason": reason},
            )
        return self._get(case.id, rec.ref)

    def overdue(self, *, today: date | None = None) -> list[Overdue]:
        """Issued, open recommendations past a deadline, across all cases, most late first.

        A response is overdue the day after it was due with none recorded; an
        assessment the day after it was due with the response not graded.
        """
        when = today or self._today()
        issued = sdb.recommendations(self.store, issued_open=True)
        late = [o for r in issued for o in r.overdue(when)]
        return sorted(late, key=lambda o: (-o.days_late, o.case_id, o.ref, o.what))

    def clocks(
        self, *, today: date | None = None, cases: Sequence[Case] | None = None
    ) -> list[Any]:
        """The running recommendation clocks of every case, as :class:`CaseClock` records.

        One ``recommendation_response`` clock per issued, open, unanswered
        recommendation and one ``recommendation_assessment`` clock per ungraded
        response, for ``aaib deadlines`` to list beside the statutory clocks.
        """
        from aaib_cp.workflow.calendar import DeadlineRule
        from aaib_cp.workflow.clocks import CaseClock

        when = today or self._today()
        listed = self.store.list_cases() if cases is None else cases
        states = {c.id: c.state for c in listed}
        out = []

        def clock(rec: Recommendation, kind: str, label: str, start: date, due: date) -> Any:
            anchor = "issued" if kind == "recommendation_response" else "received"
            rule = DeadlineRule(max((due - start).days, 1), "days", anchor, label)
            return CaseClock(
                case_id=rec.case_id,
                label=label,
                state=states.get(rec.case_id, ""),
                rule=rule,
                start=start,
                due=due,
                paused=False,
                days_left=(due - when).days,
                kind=kind,
            )

        for rec in sdb.recommendations(self.store, issued_open=True):
            short = rec.ref.rsplit("-", 1)[-1]
            if not rec.responses and rec.issued_on and rec.response_due:
                out.append(
                    clock(
                        rec,
                        "recommendation_response",
                        f"Response to {short}",
                        rec.issued_on,
                        rec.response_due,
                    )
                )
            for r in rec.responses:
                if not r.assessed:
                    out.append(
                        clock(
                            rec,
                            "recommendation_assessment",
                            f"Assessment of {short} response {r.n}",
                            r.received_on,
                            r.assessment_due,
                        )
                    )
        return out

    # -- safety actions ----------------------------------------------------------------------
    def add_safety_action(
        self,
        case_id: str,
        *,
        text: str,
        agency: str | None = None,
        organisation: str | None = None,
        taken_on: date | str | None = None,
        actor: str,
        role: str,
    ) -> SafetyAction:
        """Record safety action an organisation has already taken on its own."""
        text = _text("text", text)
        if (agency is None) == (organisation is None):
            raise InputError("organisation: give exactly one of --agency AGENCY or --by NAME")
        case, _, actor = self._authorise(
            case_id, actor=actor, role=role, action="record a safety action", roles=RECORD_ROLES
        )
        taken = _not_future("taken on", taken_on, self._today()) if taken_on else None
        found = None
        if agency is not None:
            found = rdb.find_agency(self.store, case.id, agency)
            if found is None:
                raise RecordNotFound(f"no agency {agency!r} on {case.id}")
        name = found.name if found else clean_line(organisation, "organisation", max_len=200)
        with self.store.transaction():
            ref = f"SA{rdb.next_number(self.store, case.id, 'safety_action')}"
            action = sdb.insert_safety_action(
                self.store,
                case.id,
                ref=ref,
                organisation=name,
                agency_id=found.id if found else None,
                text=text,
                taken_on=taken,
                at=self.engine.clock(),
                by=actor,
            )
            self._record(
                case,
                actor=actor,
                role=role,
                kind="safety_action_added",
                detail={"safety_action": ref, "organisation": name},
            )
        return action

    def safety_actions(self, case_id: str) -> list[SafetyAction]:
        """The case's recorded safety actions."""
        self.store.get_case(case_id)
        return sdb.safety_actions(self.store, case_id)

    # -- consultation ----------------------------------------------------------------------
    def send_draft(
        self,
        case_id: str,
        parties: Iterable[str],
        *,
        sent_on: date | str | None = None,
        actor: str,
        role: str,
    ) -> list[Party]:
        """Record that the draft went to directly involved parties (agencies or pseudonyms).

        Each party's representation period (``representation_days``) runs from the day sent.
        """
        names = [clean_line(p, "party", max_len=200) for p in parties]
        if not names:
            raise InputError("party: name at least one agency or person (by pseudonym)")
        case, definition, actor = self._authorise(
            case_id, actor=actor, role=role, action="send the draft", roles=RECORD_ROLES
        )
        if case.state not in SEND_STATES:
            raise InputError(
                f"{case.id} is in {case.state!r}: the draft is sent in {' or '.join(SEND_STATES)}"
            )
        sent = _not_future("sent on", sent_on, self._today())
        due = due_after(sent, int(definition.setting("representation_days")))
        resolved = [self._party(case.id, n) for n in dict.fromkeys(names)]
        with self.store.transaction():
            for label, kind in resolved:
                if not sdb.add_party(
                    self.store,
                    case.id,
                    label=label,
                    kind=kind,
                    sent_on=sent,
                    due_on=due,
                    at=self.engine.clock(),
                    by=actor,
                ):
                    raise InputError(f"the draft was already sent to {label}")
            self._record(
                case,
                actor=actor,
                role=role,
                kind="draft_sent",
                detail={
                    "parties": [label for label, _ in resolved],
                    "sent_on": sent.isoformat(),
                    "due_on": due.isoformat(),
                },
            )
        return sdb.parties(self.store, case.id)

    def _party(self, case_id: str, name: str) -> tuple[str, str]:
        agency = rdb.find_agency(self.store, case_id, name)
        if agency is not None:
            return agency.name, "agency"
        for person in rdb.people(self.store, case_id):
            if person.pseudonym.lower() == name.lower():
                return person.pseudonym, "person"
        raise RecordNotFound(
            f"party: {name!r} is neither an agency nor a person's pseudonym on {case_id} "
            "(people are named by pseudonym, e.g. 'Parent 1')"
        )

    def parties(self, case_id: str) -> list[Party]:
        """The parties the draft was sent to."""
        self.store.get_case(case_id)
        return sdb.parties(self.store, case_id)

    def represent(
        self,
        case_id: str,
        party: str,
        *,
        text: str | None = None,
        none: bool = False,
        received_on: date | str | None = None,
        actor: str,
        role: str,
    ) -> Representation:
        """Record a party's representation, or (``none``) that it made none.

        Record *none* when the party says it has no comments, or when its
        representation period ended without one.
        """
        if none == (text is not None):
            raise InputError("representation: give either --text or --none")
        body = None if none else _text("representation", text)
        case, _, actor = self._authorise(
            case_id, actor=actor, role=role, action="record a representation", roles=RECORD_ROLES
        )
        if case.state in REPORT_ISSUED_STATES:
            raise InputError(f"{case.id}: the final report is issued; consultation has ended")
        found = sdb.find_party(self.store, case.id, party)
        if found is None:
            raise RecordNotFound(f"the draft of {case.id} was not sent to {party!r}")
        received = _not_future("received on", received_on, self._today())
        if received < found.sent_on:
            raise InputError(
                f"received on: {received} is before the draft was sent ({found.sent_on})"
            )
        with self.store.transaction():
            ref = f"R{rdb.next_number(self.store, case.id, 'representation')}"
            rep = sdb.insert_representation(
                self.store,
                case.id,
                ref=ref,
                party=found,
                text=body,
                received_on=received,
                at=self.engine.clock(),
                by=actor,
            )
            self._record(
                case,
                actor=actor,
                role=role,
                kind="representation_recorded",
                detail={
                    "representation": ref,
                    "party": found.label,
                    "none_made": none,
                    "after_period": received > found.due_on,
                },
            )
        return rep

    def dispose(
        self,
        case_id: str,
        ref: str,
        *,
        disposition: str,
        reason: str | None = None,
        actor: str,
        role: str,
    ) -> Representation:
        """Record how a representation was dealt with; a reason unless accepted in full."""
        disposition = normalise_choice("disposition", disposition, DISPOSITIONS)
        why = clean_text(reason or "", "reason").strip() or None
        if disposition != "accepted" and why is None:
            raise InputError(f"reason: a {disposition.replace('_', ' ')} representation needs one")
        case, _, actor = self._authorise(
            case_id,
            actor=actor,
            role=role,
            action="disposition a representation",
            roles=DISPOSE_ROLES,
        )
        if case.state in REPORT_ISSUED_STATES:
            raise InputError(f"{case.id}: the final report is issued; consultation has ended")
        rep = next(
            (
                r
                for r in sdb.representations(self.store, case.id)
                if r.ref.lower() == ref.strip().lower()
            ),
            None,
        )
        if rep is None:
            raise RecordNotFound(f"no representation {ref!r} on {case.id}")
        if rep.none_made:
            raise InputError(f"{rep.ref} records that {rep.party} made no representation")
        if rep.disposition is not None:
            raise InputError(f"{rep.ref} is already dispositioned ({rep.disposition})")
        with self.store.transaction():
            sdb.dispose(
                self.store,
                case.id,
                rep.ref,
                disposition=disposition,
                reason=why,
                at=self.engine.clock(),
                by=actor,
            )
            self._record(
                case,
                actor=actor,
                role=role,
                kind="representation_disposed",
                detail={"representation": rep.ref, "disposition": disposition},
            )
        return attrs.evolve(rep, disposition=disposition, reason=why, disposed_by=actor)

    def representations(self, case_id: str) -> list[Representation]:
        """The case's representations."""
        self.store.get_case(case_id)
        return sdb.representations(self.store, case_id)

    # -- feedback --------------------------------------------------------------------------
    def add_feedback(
        self,
        case_id: str,
        *,
        held_on: date | str,
        attendees: Iterable[str],
        audience: str = "staff",
        actor: str,
        role: str,
    ) -> FeedbackSession:
        """Record a session where staff (or others) heard the outcome."""
        who = tuple(dict.fromkeys(clean_line(a, "attendee", max_len=200) for a in attendees))
        if not who:
            raise InputError("attendee: name at least one person who attended")
        audience = clean_line(audience, "audience", max_len=100)
        case, _, actor = self._authorise(
            case_id, actor=actor, role=role, action="record a feedback session", roles=RECORD_ROLES
        )
        held = _not_future("date", held_on, self._today())
        session = FeedbackSession(held, audience, who, actor)
        with self.store.transaction():
            sdb.insert_feedback(self.store, case.id, session, at=self.engine.clock())
            self._record(
                case,
                actor=actor,
                role=role,
                kind="feedback_session",
                detail={"held_on": held.isoformat(), "audience": audience, "attendees": len(who)},
            )
        return session

    def feedback(self, case_id: str) -> list[FeedbackSession]:
        """The case's feedback sessions."""
        self.store.get_case(case_id)
        return sdb.feedback_sessions(self.store, case_id)

    # -- notes, protection, disclosure ---------------------------------------------------------
    def add_note(
        self, case_id: str, text: str, *, protected: bool = True, actor: str, role: str
    ) -> Note:
        """Record an investigator's note (protected material unless said otherwise)."""
        body = _text("note", text)
        case, _, actor = self._authorise(
            case_id, actor=actor, role=role, action="add a note", roles=RECORD_ROLES
        )
        with self.store.transaction():
            ref = f"N{rdb.next_number(self.store, case.id, 'note')}"
            note = sdb.insert_note(
                self.store,
                case.id,
                ref=ref,
                text=body,
                protected=protected,
                at=self.engine.clock(),
                by=actor,
            )
            self._record(
                case,
                actor=actor,
                role=role,
                kind="note_added",
                detail={"note": ref, "protected": protected},
            )
        return note

    def notes(self, case_id: str) -> list[Note]:
        """The case's notes (their text is restricted)."""
        self.store.get_case(case_id)
        return sdb.notes(self.store, case_id)

    def protect(self, case_id: str, item: str, *, reason: str, actor: str, role: str) -> None:
        """Mark an evidence item as protected material (e.g. it holds health data)."""
        why = _text("reason", reason)
        case, _, actor = self._authorise(
            case_id, actor=actor, role=role, action="protect an item", roles=RECORD_ROLES
        )
        ref = self._evidence_ref(case.id, item)
        with self.store.transaction():
            sdb.mark_protection(
                self.store,
                case.id,
                ref,
                protected=True,
                reason=why,
                at=self.engine.clock(),
                by=actor,
            )
            self._record(
                case,
                actor=actor,
                role=role,
                kind="evidence_protected",
                detail={"item": ref, "reason": why},
            )

    def _evidence_ref(self, case_id: str, item: str) -> str:
        ref = item.strip().upper().split("V")[0]
        if ref not in sdb.evidence_protection(self.store, case_id):
            raise RecordNotFound(f"no evidence item {item!r} on {case_id}")
        return ref

    def protected_items(self, case_id: str) -> dict[str, bool]:
        """Whether each evidence item and note (by reference) is protected material."""
        self.store.get_case(case_id)
        flags = sdb.evidence_protection(self.store, case_id)
        flags.update({n.ref: n.protected for n in sdb.notes(self.store, case_id)})
        return flags

    def disclose(
        self,
        case_id: str,
        item: str,
        *,
        ground: str,
        requested_by: str,
        recipient: str,
        reason: str,
        actor: str,
        role: str,
    ) -> Disclosure:
        """Approve the disclosure of one protected item; the approver is the actor.

        The approver must be a panel chair or the chief investigator, and not the
        person who asked for it. Refusals are recorded on the audit trail.
        """
        ground = normalise_choice("ground", ground, DISCLOSURE_GROUNDS)
        requester = clean_line(requested_by, "requested by", max_len=200)
        to = clean_line(recipient, "recipient", max_len=200)
        why = _text("reason", reason)
        case, _, actor = self._authorise(
            case_id, actor=actor, role=role, action="approve a disclosure", roles=DISCLOSE_ROLES
        )
        if requester.casefold() == actor.casefold():
            raise self.engine.refuse(
                case,
                actor=actor,
                role=role,
                action="approve a disclosure",
                message=f"{actor} asked for this disclosure and may not also approve it",
            )
        flags = self.protected_items(case.id)
        ref = item.strip().upper()
        ref = ref if ref.startswith("N") else ref.split("V")[0]
        if ref not in flags:
            raise RecordNotFound(f"no evidence item or note {item!r} on {case.id}")
        if not flags[ref]:
            raise InputError(f"{ref} is not protected material; it needs no disclosure")
        with self.store.transaction():
            d_ref = f"D{rdb.next_number(self.store, case.id, 'disclosure')}"
            disclosure = sdb.insert_disclosure(
                self.store,
                case.id,
                ref=d_ref,
                item=ref,
                ground=ground,
                requested_by=requester,
                approved_by=actor,
                recipient=to,
                reason=why,
                at=self.engine.clock(),
            )
            self._record(
                case,
                actor=actor,
                role=role,
                kind="disclosure_approved",
                detail={
                    "disclosure": d_ref,
                    "item": ref,
                    "ground": ground,
                    "requested_by": requester,
                    "recipient": to,
                },
            )
        return disclosure

    def disclosures(self, case_id: str) -> list[Disclosure]:
        """The case's approved disclosures."""
        self.store.get_case(case_id)
        return sdb.disclosures(self.store, case_id)

    def check_release(self, case: Case, item: str, *, actor: str, role: str | None) -> None:
        """Refuse (audited) to let a protected item out without an approved disclosure."""
        flags = self.protected_items(case.id)
        if not flags.get(item, False) or sdb.disclosures(self.store, case.id, item):
            return
        raise self.engine.refuse(
            case,
            actor=actor,
            role=role,
            action=f"export {item}",
            message=f"{item} is protected material: it leaves only through an approved "
            "disclosure (aaib disclosure add)",
            error=ProtectedMaterial,  # type: ignore[arg-type]
        )

    # -- for reports -----------------------------------------------------------------------
    def report_parts(self, case_id: str) -> dict[str, Any]:
        """The parts of :class:`~aaib_cp.reports.ReportData` these records fill.

        Keys: ``recommendations``, ``safety_actions``, ``consultation``, ``feedback``
        and ``protected`` (evidence reference -> protected flag, for
        ``EvidenceSummary.protected``). People appear by pseudonym only.
        """
        from aaib_cp.reports import model as rm

        recs = tuple(
            rm.Recommendation(
                ref=r.ref,
                addressee=r.addressee,
                text=r.text,
                priority=r.priority,
                status=r.status,
                response_grade=r.grade,
                deadline=r.response_due.isoformat() if r.response_due else None,
            )
            for r in self.recommendations(case_id)
        )
        actions = tuple(
            rm.SafetyAction(
                agency=a.organisation,
                text=a.text,
                date=a.taken_on.isoformat() if a.taken_on else None,
            )
            for a in sdb.safety_actions(self.store, case_id)
        )
        parties = sdb.parties(self.store, case_id)
        consultation = None
        if parties:
            counts: dict[str, int] = {}
            for rep in sdb.representations(self.store, case_id):
                if rep.none_made:
                    continue
                key = (rep.disposition or "not yet dispositioned").replace("_", " ")
                counts[key] = counts.get(key, 0) + 1
            consultation = rm.Consultation(
                parties=[p.label for p in parties], representations=counts
            )
        feedback = tuple(
            rm.FeedbackSession(
                date=s.held_on.isoformat(), attendees=len(s.attendees), audience=s.audience
            )
            for s in sdb.feedback_sessions(self.store, case_id)
        )
        return {
            "recommendations": recs,
            "safety_actions": actions,
            "consultation": consultation,
            "feedback": feedback,
            "protected": sdb.evidence_protection(self.store, case_id),
        }
