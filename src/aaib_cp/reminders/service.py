"""Who answers for each clock, the digest each account gets, and the record of each sending.

A clock is answered for by the roles that act on it: a state's deadline by the roles
that may fire a trigger from that state (an interim statement likewise), a
transition's deadline by the roles that may fire it, a recommendation's response
clock by the roles granted ``recommend`` (they record the response and chase it), and
its assessment clock by those granted ``assess``. A case role reaches the accounts
appointed in it on that case; an organisation role reaches every active account
holding it.

Each sending is recorded in ``reminders_sent`` (one row per clock) and audited on the
registry trail as ``reminder_sent``: a reminder changes no case, so it is kept off the
case trails (where it would also make a user's read of the case stale).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from email.message import EmailMessage
from typing import Any

import attrs

from aaib_cp.db import Store, sql_store
from aaib_cp.oversight import open_clocks
from aaib_cp.reminders import sql
from aaib_cp.workflow.calendar import WorkingCalendar
from aaib_cp.workflow.clocks import CaseClock
from aaib_cp.workflow.engine import Engine
from aaib_cp.workflow.ics import clock_uid
from aaib_cp.workflow.identity import Account, Actor
from aaib_cp.workflow.model import EventKind
from aaib_cp.workflow.spec import WorkflowDefinition

__all__ = ["Digest", "Reminder", "Reminders", "answerable_roles"]

#: The workflow permission whose roles answer for each recommendation clock.
_RECOMMENDATION_CLOCKS = {
    "recommendation_response": "recommend",
    "recommendation_assessment": "assess",
}


def answerable_roles(definition: WorkflowDefinition, clock: CaseClock) -> tuple[str, ...]:
    """The roles that act on ``clock`` (see the module's docstring)."""
    if clock.kind in _RECOMMENDATION_CLOCKS:
        return definition.roles_for(_RECOMMENDATION_CLOCKS[clock.kind])
    if clock.kind == "transition":
        found = [t for t in definition.transitions if t.trigger == clock.trigger]
    else:
        found = definition.triggers_from(clock.state)
    return tuple(dict.fromkeys(role for t in found for role in t.roles))


@attrs.frozen
class Reminder:
    """One clock in a digest: the clock, its stable UID and its case's title."""

    clock: CaseClock
    uid: str
    title: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping (the clock's, plus its UID and the case title)."""
        return {**self.clock.to_json(), "uid": self.uid, "title": self.title}


@attrs.frozen
class Digest:
    """What one account is reminded of on ``today``, soonest first."""

    account: Account
    items: tuple[Reminder, ...]
    today: date
    within: int

    @property
    def overdue(self) -> int:
        """How many of the clocks are overdue."""
        return sum(1 for r in self.items if r.clock.overdue)

    def subject(self) -> str:
        """The e-mail's subject line."""
        late = f", {self.overdue} overdue" if self.overdue else ""
        return f"aaib-cp: {len(self.items)} deadline(s) to act on{late}"

    def body(self) -> str:
        """The e-mail's text: each case once, its clocks beneath it."""
        lines = [
            f"Dear {self.account.name},",
            "",
            f"These deadlines fall due within {self.within} working days, or are overdue,"
            f" as of {self.today.isoformat()}:",
        ]
        case = None
        for item in self.items:
            if item.clock.case_id != case:
                case = item.clock.case_id
                lines += ["", f"{case}  {item.title}"]
            lines.append(f"  - {item.clock.describe()}")
        lines += [
            "",
            "You receive this because you hold a role that acts on these clocks.",
            "'aaib deadlines' lists every clock; 'aaib status CASE' shows what is blocking.",
        ]
        return "\n".join(lines) + "\n"

    def message(self, sender: str) -> EmailMessage:
        """The e-mail to send from ``sender``."""
        assert self.account.email is not None
        message = EmailMessage()
        message["From"] = sender
        message["To"] = self.account.email
        message["Subject"] = self.subject()
        message.set_content(self.body())
        return message

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "login": self.account.login,
            "name": self.account.name,
            "email": self.account.email,
            "subject": self.subject(),
            "clocks": [r.to_json() for r in self.items],
        }


class Reminders:
    """The digests of an engine's clocks, and their sending.

    >>> reminders = Reminders(engine)                            # doctest: +SKIP
    >>> digests, unreachable = reminders.digests(within=5)
    >>> reminders.send(digests, deliver=smtp.send_message, sender="aaib@example.org",
    ...                actor=admin)
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.store: Store = sql_store(engine.store)

    def _due(self, clock: CaseClock, horizon: dict[str, date]) -> bool:
        return clock.due is not None and clock.due <= horizon[clock.case_id]

    def digests(
        self, *, within: int = 5, today: date | None = None
    ) -> tuple[list[Digest], list[Account]]:
        """Each account's digest of clocks due within ``within`` working days or overdue
        (counted as on ``today``, by default the engine's date), leaving out clocks
        already reminded to it on the engine's date.

        Returns the digests (accounts with an e-mail address) and the accounts that
        would get one but have no address.
        """
        engine = self.engine
        sent_day = engine.clock().date()
        today = today or sent_day
        cases = {c.id: c for c in engine.store.list_cases()}
        definitions = {cid: engine.definition_for(c) for cid, c in cases.items()}
        horizon = {
            cid: WorkingCalendar(nation=d.nation).add_working_days(today, within)
            for cid, d in definitions.items()
        }
        clocks = [c for c in open_clocks(engine, list(cases.values()), today=today)]
        clocks = [c for c in clocks if self._due(c, horizon)]
        accounts = [a for a in engine.accounts.all() if a.active]
        done = sql.sent_on(self.store, sent_day)
        teams = {cid: engine.team(cid) for cid in {c.case_id for c in clocks}}
        due: dict[int, list[Reminder]] = {}
        for clock in clocks:
            definition = definitions[clock.case_id]
            uid = clock_uid(clock)
            for account in self._answering(definition, clock, accounts, teams[clock.case_id]):
                if (account.id, uid) not in done:
                    reminder = Reminder(clock, uid, cases[clock.case_id].title)
                    due.setdefault(account.id, []).append(reminder)
        by_id = {a.id: a for a in accounts}
        digests = [
            Digest(by_id[aid], tuple(items), today, within)
            for aid, items in sorted(due.items(), key=lambda kv: by_id[kv[0]].login)
        ]
        return [d for d in digests if d.account.email], [
            d.account for d in digests if not d.account.email
        ]

    @staticmethod
    def _answering(
        definition: WorkflowDefinition,
        clock: CaseClock,
        accounts: Sequence[Account],
        team: Iterable[Any],
    ) -> list[Account]:
        roles = answerable_roles(definition, clock)
        case_roles = {r for r in roles if definition.roles[r].is_case_role}
        appointed = {m.account_id for m in team if m.role in case_roles}
        return [
            a
            for a in accounts
            if a.id in appointed or any(a.holds(r) for r in roles if r not in case_roles)
        ]

    def send(
        self,
        digests: Sequence[Digest],
        *,
        deliver: Callable[[EmailMessage], Any],
        sender: str,
        actor: Account | Actor,
    ) -> list[Digest]:
        """Send each digest through ``deliver``, recording it; returns those sent.

        Each digest is recorded and audited in one transaction around its delivery, so
        a digest that fails to go is not recorded (and is tried again on the next run);
        the error is raised after the digests before it were sent and recorded.
        """
        who = self.engine.accounts.administrator(actor, "send reminders")
        sent: list[Digest] = []
        for digest in digests:
            now = self.engine.clock()
            day = now.date()
            with self.store.transaction():
                sql.record_sent(
                    self.store,
                    digest.account.id,
                    [(r.uid, r.clock.due or day) for r in digest.items],
                    day=day,
                    at=now,
                )
                self.engine.accounts.audit(
                    who,
                    EventKind.REMINDER_SENT,
                    {
                        "to": digest.account.login,
                        "clocks": [r.uid for r in digest.items],
                        "on": day.isoformat(),
                    },
                )
                deliver(digest.message(sender))
            sent.append(digest)
        return sent
