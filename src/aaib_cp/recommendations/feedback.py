"""Feedback sessions where staff (or others) hear the outcome of the investigation.

Recording one needs the workflow's ``consult`` permission.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from aaib_cp.evidence.base import RecordService
from aaib_cp.exceptions import InputError
from aaib_cp.recommendations import sql_consultation as cdb
from aaib_cp.recommendations.model import FeedbackSession, not_future
from aaib_cp.workflow.acting import needs
from aaib_cp.workflow.identity import Account, Actor
from aaib_cp.workflow.input_text import clean_line
from aaib_cp.workflow.model import EventKind

__all__ = ["FeedbackService"]


class FeedbackService(RecordService):
    """Record and list feedback sessions."""

    @needs("consult")
    def add_feedback(
        self,
        case_id: str,
        *,
        held_on: date | str,
        attendees: Iterable[str],
        audience: str = "staff",
        actor: Account | Actor,
        role: str,
    ) -> FeedbackSession:
        """Record a session where staff (or others) heard the outcome."""
        who = tuple(dict.fromkeys(clean_line(a, "attendee", max_len=200) for a in attendees))
        if not who:
            raise InputError("attendee: name at least one person who attended")
        audience = clean_line(audience, "audience", max_len=100)
        case, _, actor = self.engine.authorise(
            case_id,
            actor=actor,
            role=role,
            action="record a feedback session",
            permission="consult",
        )
        held = not_future("date", held_on, self.today())
        session = FeedbackSession(held, audience, who, actor.label)
        with self.store.transaction():
            cdb.insert_feedback(self.store, case.id, session, at=self.engine.clock())
            self.engine.record_change(
                case,
                actor=actor,
                role=role,
                kind=EventKind.FEEDBACK_SESSION,
                detail={"held_on": held.isoformat(), "audience": audience, "attendees": len(who)},
            )
        return session

    def feedback(self, case_id: str) -> list[FeedbackSession]:
        """The case's feedback sessions."""
        self.store.get_case(case_id)
        return cdb.feedback_sessions(self.store, case_id)
