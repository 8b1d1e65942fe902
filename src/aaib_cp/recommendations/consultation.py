"""Consultation on the draft report: send it to the parties, record and disposition
their representations.

Sending the draft and recording representations need the workflow's ``consult``
permission, dispositioning them its ``dispose`` permission. The draft is sent in a
state of the workflow's ``draft`` phase; once the final report is issued (its
``published`` phase) consultation has ended.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

import attrs

from aaib_cp.evidence import sql as rdb
from aaib_cp.evidence.base import RecordService, required_text
from aaib_cp.exceptions import InputError, RecordNotFound
from aaib_cp.recommendations import sql_consultation as cdb
from aaib_cp.recommendations.model import (
    DISPOSITIONS,
    Party,
    Representation,
    due_after,
    normalise_choice,
    not_future,
)
from aaib_cp.recommendations.numbering import PARAGRAPHS
from aaib_cp.workflow.acting import needs
from aaib_cp.workflow.identity import Account, Actor
from aaib_cp.workflow.input_text import clean_line, clean_text
from aaib_cp.workflow.model import EventKind

if TYPE_CHECKING:
    pass

__all__ = ["PARAGRAPHS", "ConsultationService", "paragraph_number"]

_NUMBER = re.compile(r"[1-9][0-9]*(\.[1-9][0-9]*){0,2}")


def paragraph_number(text: str) -> str:
    """``text`` as a paragraph number (``2``, ``2.3`` or ``2.3.1``), or InputError."""
    number = clean_line(text, "paragraph", max_len=20).strip()
    if not _NUMBER.fullmatch(number):
        raise InputError(f"paragraph: {text!r} is not a paragraph number (such as 2.3.1)")
    return number


class ConsultationService(RecordService):
    """The parties sent the draft and their representations."""

    @needs("consult")
    def send_draft(
        self,
        case_id: str,
        parties: Iterable[str],
        *,
        sent_on: date | str | None = None,
        actor: Account | Actor,
        role: str,
    ) -> list[Party]:
        """Record that the draft went to directly involved parties (agencies or pseudonyms).

        Each party's representation period (``representation_days``) runs from the day sent.
        """
        names = [clean_line(p, "party", max_len=200) for p in parties]
        if not names:
            raise InputError("party: name at least one agency or person (by pseudonym)")
        case, definition, actor = self.engine.authorise(
            case_id, actor=actor, role=role, action="send the draft", permission="consult"
        )
        draft = definition.phase_states("draft")
        if case.state not in draft:
            raise InputError(
                f"{case.id} is in {case.state!r}: the draft is sent in "
                f"{' or '.join(draft) or 'no state of ' + definition.name}"
            )
        sent = not_future("sent on", sent_on, self.today())
        due = due_after(sent, int(definition.setting("representation_days")))
        resolved = [self._party(case.id, n) for n in dict.fromkeys(names)]
        with self.store.transaction():
            for label, kind in resolved:
                if not cdb.add_party(
                    self.store,
                    case.id,
                    label=label,
                    kind=kind,
                    sent_on=sent,
                    due_on=due,
                    at=self.engine.clock(),
                    by=actor.label,
                ):
                    raise InputError(f"the draft was already sent to {label}")
            self.engine.record_change(
                case,
                actor=actor,
                role=role,
                kind=EventKind.DRAFT_SENT,
                detail={
                    "parties": [label for label, _ in resolved],
                    "sent_on": sent.isoformat(),
                    "due_on": due.isoformat(),
                },
            )
        return cdb.parties(self.store, case.id)

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
        return cdb.parties(self.store, case_id)

    @needs("consult")
    def represent(
        self,
        case_id: str,
        party: str,
        *,
        text: str | None = None,
        none: bool = False,
        received_on: date | str | None = None,
        paragraph: str | None = None,
        actor: Account | Actor,
        role: str,
    ) -> Representation:
        """Record a party's representation, or (``none``) that it made none.

        Record *none* when the party says it has no comments, or when its
        representation period ended without one. ``paragraph`` is the draft's
        paragraph (or section) number the representation cites; it must be one of the
        draft's numbers.
        """
        if none == (text is not None):
            raise InputError("representation: give either --text or --none")
        if none and paragraph is not None:
            raise InputError("paragraph: a party that made no representation cites none")
        body = None if none else required_text("representation", text)
        cited = None if paragraph is None else paragraph_number(paragraph)
        case, definition, actor = self.engine.authorise(
            case_id, actor=actor, role=role, action="record a representation", permission="consult"
        )
        if definition.in_phase(case.state, "published"):
            raise InputError(f"{case.id}: the final report is issued; consultation has ended")
        found = cdb.find_party(self.store, case.id, party)
        if found is None:
            raise RecordNotFound(f"the draft of {case.id} was not sent to {party!r}")
        received = not_future("received on", received_on, self.today())
        if received < found.sent_on:
            raise InputError(
                f"received on: {received} is before the draft was sent ({found.sent_on})"
            )
        if cited is not None:
            self._check_cited(case.id, cited)
        with self.store.transaction():
            ref = f"R{rdb.next_number(self.store, case.id, 'representation')}"
            rep = cdb.insert_representation(
                self.store,
                case.id,
                ref=ref,
                party=found,
                text=body,
                received_on=received,
                at=self.engine.clock(),
                by=actor.label,
                paragraph=cited,
            )
            self.engine.record_change(
                case,
                actor=actor,
                role=role,
                kind=EventKind.REPRESENTATION_RECORDED,
                detail={
                    "representation": ref,
                    "party": found.label,
                    "none_made": none,
                    "after_period": received > found.due_on,
                    **({"paragraph": cited} if cited else {}),
                },
            )
        return rep

    def _check_cited(self, case_id: str, number: str) -> None:
        """InputError unless the case's draft has a paragraph (or section) ``number``."""
        numbering = PARAGRAPHS.get("draft")
        if numbering is None:
            raise InputError("paragraph: the draft's numbers are unknown (import aaib_cp.wiring)")
        numbers = list(numbering(self.engine, case_id))
        if number not in numbers:
            span = f"; its paragraphs run from {numbers[0]} to {numbers[-1]}" if numbers else ""
            raise InputError(f"paragraph: the draft of {case_id} has no paragraph {number}{span}")

    @needs("dispose")
    def dispose(
        self,
        case_id: str,
        ref: str,
        *,
        disposition: str,
        reason: str | None = None,
        actor: Account | Actor,
        role: str,
    ) -> Representation:
        """Record how a representation was dealt with; a reason unless accepted in full."""
        disposition = normalise_choice("disposition", disposition, DISPOSITIONS)
        why = clean_text(reason or "", "reason").strip() or None
        if disposition != "accepted" and why is None:
            raise InputError(f"reason: a {disposition.replace('_', ' ')} representation needs one")
        case, definition, actor = self.engine.authorise(
            case_id,
            actor=actor,
            role=role,
            action="disposition a representation",
            permission="dispose",
        )
        if definition.in_phase(case.state, "published"):
            raise InputError(f"{case.id}: the final report is issued; consultation has ended")
        rep = next(
            (
                r
                for r in cdb.representations(self.store, case.id)
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
            cdb.dispose(
                self.store,
                case.id,
                rep.ref,
                disposition=disposition,
                reason=why,
                at=self.engine.clock(),
                by=actor.label,
            )
            self.engine.record_change(
                case,
                actor=actor,
                role=role,
                kind=EventKind.REPRESENTATION_DISPOSED,
                detail={"representation": rep.ref, "disposition": disposition},
            )
        return attrs.evolve(rep, disposition=disposition, reason=why, disposed_by=actor.label)

    def representations(self, case_id: str) -> list[Representation]:
        """The case's representations."""
        self.store.get_case(case_id)
        return cdb.representations(self.store, case_id)
