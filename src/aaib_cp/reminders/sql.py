"""The ``reminders_sent`` table: which clock was reminded to which account, on which day.

A row names its clock by the clock's stable UID (:func:`aaib_cp.workflow.ics.clock_uid`,
the same as in ``aaib deadlines --ics``), not by a ``case_id`` column: a reminder is
not a record of the case, and is audited on the registry trail instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from aaib_cp.db.connection import Database, Migrations
from aaib_cp.db.store import Store

__all__ = ["MIGRATIONS", "record_sent", "sent_on"]

MIGRATIONS = Migrations()


@MIGRATIONS.register("reminders_0001")
def reminders_schema(db: Database) -> None:
    """One row per clock reminded to an account on a day; never updated or deleted."""
    db.execute(
        """
        CREATE TABLE reminders_sent (
            id INTEGER PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES accounts(id),
            clock_uid TEXT NOT NULL,
            due TEXT NOT NULL,
            sent_on TEXT NOT NULL,
            sent_at TEXT NOT NULL,
            UNIQUE (account_id, clock_uid, sent_on)
        )
        """
    )
    db.execute(
        "CREATE TRIGGER reminders_sent_no_update BEFORE UPDATE ON reminders_sent"
        " BEGIN SELECT RAISE(ABORT, 'reminders_sent is append-only'); END"
    )
    db.execute(
        "CREATE TRIGGER reminders_sent_no_delete BEFORE DELETE ON reminders_sent"
        " BEGIN SELECT RAISE(ABORT, 'reminders_sent is append-only'); END"
    )


def sent_on(store: Store, day: date) -> set[tuple[int, str]]:
    """The (account id, clock UID) pairs reminded on ``day``."""
    rows = store.db.execute(
        "SELECT account_id, clock_uid FROM reminders_sent WHERE sent_on = ?", [day.isoformat()]
    )
    return {(account_id, uid) for account_id, uid in rows}


def record_sent(
    store: Store, account_id: int, clocks: Iterable[tuple[str, date]], *, day: date, at: datetime
) -> None:
    """Record that the clocks ``(uid, due)`` were reminded to the account on ``day``."""
    for uid, due in clocks:
        store.db.execute(
            "INSERT INTO reminders_sent (account_id, clock_uid, due, sent_on, sent_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [account_id, uid, due.isoformat(), day.isoformat(), at.isoformat()],
        )
