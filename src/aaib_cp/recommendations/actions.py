"""Safety action an organisation has already taken on its own (kept apart from recommendations).

Recording one needs the workflow's ``recommend`` permission.
"""

from __future__ import annotations

from datetime import date

from aaib_cp.evidence import sql as rdb
from aaib_cp.evidence.base import RecordService, required_text
from aaib_cp.exceptions import InputError, RecordNotFound
from aaib_cp.recommendations import sql as sdb
from aaib_cp.recommendations.model import SafetyAction, not_future
from aaib_cp.workflow.acting import needs
from aaib_cp.workflow.identity import Account, Actor
from aaib_cp.workflow.input_text import clean_line
from aaib_cp.workflow.model import EventKind

__all__ = ["SafetyActionService"]


class SafetyActionService(RecordService):
    """Record and list safety actions."""

    @needs("recommend")
    def add_safety_action(
        self,
        case_id: str,
        *,
        text: str,
        agency: str | None = None,
        organisation: str | None = None,
        taken_on: date | str | None = None,
        actor: Account | Actor,
        role: str,
    ) -> SafetyAction:
        """Record safety action an organisation has already taken on its own."""
        text = required_text("text", text)
        if (agency is None) == (organisation is None):
            raise InputError("organisation: give exactly one of --agency AGENCY or --by NAME")
        case, _, actor = self.engine.authorise(
            case_id, actor=actor, role=role, action="record a safety action", permission="recommend"
        )
        taken = not_future("taken on", taken_on, self.today()) if taken_on else None
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
                by=actor.label,
            )
            self.engine.record_change(
                case,
                actor=actor,
                role=role,
                kind=EventKind.SAFETY_ACTION_ADDED,
                detail={"safety_action": ref, "organisation": name},
            )
        return action

    def safety_actions(self, case_id: str) -> list[SafetyAction]:
        """The case's recorded safety actions."""
        self.store.get_case(case_id)
        return sdb.safety_actions(self.store, case_id)
