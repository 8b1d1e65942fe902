"""Recommendation deadlines: overdue responses and assessments, and their running clocks.

An issued recommendation must be answered within ``recommendation_response_days``
and each response assessed within ``response_assessment_days`` (workflow settings).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from aaib_cp.evidence.base import RecordService
from aaib_cp.recommendations import sql as sdb
from aaib_cp.recommendations.model import Overdue, Recommendation
from aaib_cp.workflow.calendar import DeadlineRule
from aaib_cp.workflow.clocks import CaseClock
from aaib_cp.workflow.model import Case

__all__ = ["RecommendationDeadlines"]


class RecommendationDeadlines(RecordService):
    """Deadlines of issued, open recommendations across all cases."""

    def overdue(self, *, today: date | None = None) -> list[Overdue]:
        """Issued, open recommendations past a deadline, across all cases, most late first.

        A response is overdue the day after it was due with none recorded; an
        assessment the day after it was due with the response not graded.
        """
        when = today or self.today()
        issued = sdb.recommendations(self.store, issued_open=True)
        late = [o for r in issued for o in r.overdue(when)]
        return sorted(late, key=lambda o: (-o.days_late, o.case_id, o.ref, o.what))

    def clocks(
        self, *, today: date | None = None, cases: Sequence[Case] | None = None
    ) -> list[CaseClock]:
        """The running recommendation clocks of every case, as :class:`CaseClock` records.

        One ``recommendation_response`` clock per issued, open, unanswered
        recommendation and one ``recommendation_assessment`` clock per ungraded
        response, for ``aaib deadlines`` to list beside the statutory clocks.
        """
        when = today or self.today()
        listed = self.store.list_cases() if cases is None else cases
        states = {c.id: c.state for c in listed}
        out: list[CaseClock] = []

        def clock(rec: Recommendation, kind: str, label: str, start: date, due: date) -> CaseClock:
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
