"""The store: every SQL statement about workflows, cases, events and the team."""

from __future__ import annotations

import json
import operator
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from aaib_cp.db import trail
from aaib_cp.db.accounts import ACCOUNT_FIELDS, ACCOUNT_WIDTH, AccountsSQL
from aaib_cp.db.connection import Database, Transaction, connect, fetch_rows
from aaib_cp.db.content import ChangeLog
from aaib_cp.db.facts import FactRegistry, StoreCaseView
from aaib_cp.db.keys import KeyRing
from aaib_cp.db.workflow_specs import save_spec, trusted_spec
from aaib_cp.exceptions import CaseNotFound, RecordNotFound, StaleCaseError, StoreError
from aaib_cp.workflow.audit import event_mac
from aaib_cp.workflow.identity import Account
from aaib_cp.workflow.model import Case, Event, EventKind, TeamMember
from aaib_cp.workflow.spec import WorkflowDefinition

__all__ = ["CONFLICTS_SQL", "Store", "sql_store"]

#: This module's facts about a case (joined by :mod:`aaib_cp.wiring`).
FACTS = FactRegistry()

#: Serving independent team members affiliated with an agency involved in the case.
CONFLICTS_SQL = (
    "SELECT t.name, t.role, g.name FROM team t"
    " JOIN account_affiliations a ON a.account_id = t.account_id"
    " JOIN agencies g ON g.case_id = t.case_id AND g.organisation_id = a.organisation_id"
    " WHERE t.case_id = ? AND t.independent = 1 AND t.stood_down_at IS NULL"
    " ORDER BY t.name, t.role, g.name"
)


_CASE = "SELECT * FROM cases WHERE id = ?"
#: A case row and an account with its grants (:meth:`Store.case_and_account`).
_CASE_AND_ACCOUNT = (
    f"SELECT c.*, {ACCOUNT_FIELDS} FROM cases c LEFT JOIN accounts a ON a.id = ? WHERE c.id = ?"
)
#: The name of a column in ``cursor.description``.
_name = operator.itemgetter(0)


def _read_case(
    db: Database, sql: str, params: Sequence[Any], case_id: str, extra: int
) -> tuple[dict[str, Any], tuple[Any, ...]]:
    """The case row a query gives first, and the ``extra`` values after its columns."""
    cursor = db.conn.execute(sql, params)
    values = cursor.fetchone()
    if values is None:
        raise CaseNotFound(case_id)
    width = len(values) - extra
    names = map(_name, cursor.description[:width])
    return dict(zip(names, values[:width], strict=True)), values[width:]


def _case(row: dict[str, Any]) -> Case:
    """:meth:`Case.from_row`, without parsing the text of empty fields."""
    return Case.from_row({**row, "fields": None} if row["fields"] == "{}" else row)


def _dumps(value: Mapping[str, Any]) -> str:
    return json.dumps(dict(value), sort_keys=True, ensure_ascii=False, default=str)


class Store:
    """An aaib-cp database. Open with :meth:`open`; write inside :meth:`transaction`."""

    def __init__(self, db: Database, path: Path | None = None) -> None:
        self.db = db
        self.path = path
        self.accounts = AccountsSQL(db, mac=self._registry_mac)
        #: the audit keys held outside the database (none for an unkeyed one)
        self.keys = KeyRing.for_database(path)
        #: the change log of the records each transaction touches (see :mod:`.content`)
        self.changes = ChangeLog(db)
        #: the raw row :meth:`get_case` read last (for :meth:`move_case`)
        self._last_row: dict[str, Any] | None = None

    def _registry_mac(self, digest: str) -> str | None:
        """A registry event's MAC under the current audit key, if the database has one."""
        key = self.keys.current
        return event_mac(*key, digest) if key else None

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        create: bool = False,
        readonly: bool = False,
        synchronous: str = "FULL",
    ) -> Store:
        """Open the database at ``path`` (``create`` makes it if missing).

        ``readonly`` opens it without writing or migrating; the first transaction
        reopens it for writing.
        """
        db = connect(path, create=create, readonly=readonly, synchronous=synchronous)
        return cls(db, Path(path))

    @classmethod
    def memory(cls) -> Store:
        """A private in-memory database, for tests and experiments."""
        return cls(connect(":memory:", create=True), None)

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def transaction(self) -> Transaction[Store]:
        """One ``BEGIN IMMEDIATE`` transaction: all of it commits, or none of it."""
        return Transaction(self.db, self, started=self.changes.start, busy_on_reopen=True)

    @property
    def in_transaction(self) -> bool:
        """True inside :meth:`transaction`."""
        return bool(self.db.conn.in_transaction)

    def _rows(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        return fetch_rows(self.db, sql, params)

    # -- workflows -----------------------------------------------------------
    def save_workflow(
        self, definition: WorkflowDefinition, *, at: datetime, checked: bool = False
    ) -> None:
        """Keep the exact text of a workflow so its cases can always be reloaded.

        Refuses (WorkflowMismatch) a text this database may not trust: see
        :mod:`aaib_cp.workflow.registry`. ``checked`` skips that check (already made).
        """
        if not checked:
            from aaib_cp.db.registrations import check_admissible

            check_admissible(self, definition)
        self.db.execute(
            "INSERT OR IGNORE INTO workflows"
            " (hash, name, version, filename, source_text, stored_at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                definition.content_hash,
                definition.name,
                definition.version,
                definition.filename,
                definition.source_text,
                at.isoformat(),
            ],
        )
        save_spec(self.db, self.keys, definition)

    def workflow_source(self, content_hash: str) -> dict[str, Any]:
        """The stored row of a workflow by content hash; its ``spec_json`` (the validated
        copy) is None unless this database vouches for it (:mod:`.workflow_specs`)."""
        rows = self._rows("SELECT * FROM workflows WHERE hash = ?", [content_hash])
        if not rows:
            raise StoreError(f"workflow {content_hash[:12]} is not stored in this database")
        return {**rows[0], "spec_json": trusted_spec(rows[0], self.keys)}

    # -- cases -----------------------------------------------------------------
    def next_case_id(self, year: int, prefix: str) -> str:
        """Allocate the next reference for ``year``, such as ``CP-2026-0001`` (in a transaction).

        Numbers run across workflows within a year, so two prefixes never share a number.
        """
        self.db.execute(
            "INSERT INTO case_counters (year, last) VALUES (?, 1) "
            "ON CONFLICT(year) DO UPDATE SET last = last + 1",
            [year],
        )
        (last,) = self.db.execute(
            "SELECT last FROM case_counters WHERE year = ?", [year]
        ).fetchone()
        return f"{prefix}-{year}-{last:04d}"

    def insert_case(self, case: Case, *, at: datetime) -> None:
        """Insert a new case row."""
        self.db.execute(
            "INSERT INTO cases (id, title, workflow_name, workflow_version, workflow_hash, state,"
            " previous_state, version, opened_at, opened_by, known_on, fields, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                case.id,
                case.title,
                case.workflow_name,
                case.workflow_version,
                case.workflow_hash,
                case.state,
                case.previous_state,
                case.version,
                case.opened_at.isoformat(),
                case.opened_by,
                case.known_on.isoformat(),
                _dumps(case.fields),
                at.isoformat(),
            ],
        )

    def get_case(self, case_id: str) -> Case:
        """The case with reference ``case_id``."""
        self._last_row, _ = _read_case(self.db, _CASE, (case_id,), case_id, 0)
        return _case(self._last_row)

    def case_and_account(self, case_id: str, account_id: int) -> tuple[Case, Account]:
        """The case and the account as stored now, in one statement (every fire reads both);
        CaseNotFound if there is no such case, RecordNotFound if no such account."""
        args, width = (account_id, case_id), ACCOUNT_WIDTH
        self._last_row, account = _read_case(self.db, _CASE_AND_ACCOUNT, args, case_id, width)
        if account[0] is None:
            raise RecordNotFound(f"no account #{account_id}")
        return _case(self._last_row), self.accounts.built(account)

    def case_row(self, case_id: str) -> dict[str, Any]:
        """The raw stored row of a case but its audit head (for comparisons and exports)."""
        rows = self._rows("SELECT * FROM cases WHERE id = ?", [case_id])
        if not rows:
            raise CaseNotFound(case_id)
        return {k: v for k, v in rows[0].items() if k not in trail.HEAD_COLUMNS}

    def last_read(self, case: Case) -> dict[str, Any] | None:
        """The raw row :meth:`get_case` last read, if it was ``case`` at its version."""
        row = self._last_row
        if row is not None and row["id"] == case.id and row["version"] == case.version:
            return row
        return None

    def current_row(self, case: Case) -> dict[str, Any]:
        """The raw row of ``case`` now; StaleCaseError if its version moved since ``case``."""
        rows = self._rows("SELECT * FROM cases WHERE id = ?", [case.id])
        if not rows:
            raise CaseNotFound(case.id)
        if rows[0]["version"] != case.version:
            self._raise_stale(case)
        return rows[0]

    def list_cases(self, *, state: str | None = None) -> list[Case]:
        """Every case, oldest first, optionally only those in ``state``."""
        if state is None:
            rows = self._rows("SELECT * FROM cases ORDER BY opened_at, id")
        else:
            rows = self._rows("SELECT * FROM cases WHERE state = ? ORDER BY opened_at, id", [state])
        return [Case.from_row(r) for r in rows]

    def iter_cases(self, *, state: str | None = None, page: int = 500) -> Iterator[list[Case]]:
        """:meth:`list_cases` a page at a time (oldest first), for long listings."""
        after: tuple[str, str] = ("", "")
        where = "(opened_at, id) > (?, ?)" + (" AND state = ?" if state is not None else "")
        while True:
            params = [*after, *([state] if state is not None else []), page]
            rows = self._rows(
                f"SELECT * FROM cases WHERE {where} ORDER BY opened_at, id LIMIT ?", params
            )
            if rows:
                yield [Case.from_row(r) for r in rows]
            if len(rows) < page:
                return
            after = (rows[-1]["opened_at"], rows[-1]["id"])

    def count_cases(self) -> int:
        """How many cases there are."""
        return int(self.db.execute("SELECT count(*) FROM cases").fetchone()[0])

    def update_case(
        self,
        case: Case,
        *,
        at: datetime,
        state: str | None = None,
        previous_state: str | None = None,
        fields: Mapping[str, Any] | None = None,
        workflow: WorkflowDefinition | None = None,
    ) -> int:
        """Write a change based on ``case`` as read; fail if the case changed since.

        Returns the new version. Raises :class:`StaleCaseError` (changing nothing)
        if another writer changed the case after ``case`` was read.
        """
        sets = ["version = version + 1", "updated_at = ?"]
        params: list[Any] = [at.isoformat()]
        if state is not None:
            sets += ["state = ?", "previous_state = ?"]
            params += [state, previous_state]
        if fields is not None:
            sets.append("fields = ?")
            params.append(_dumps(fields))
        if workflow is not None:
            sets += ["workflow_name = ?", "workflow_version = ?", "workflow_hash = ?"]
            params += [workflow.name, workflow.version, workflow.content_hash]
        cursor = self.db.execute(
            f"UPDATE cases SET {', '.join(sets)} WHERE id = ? AND version = ?",
            [*params, case.id, case.version],
        )
        if cursor.rowcount != 1:
            self._raise_stale(case)
        return case.version + 1

    def _raise_stale(self, case: Case) -> None:
        current = self.get_case(case.id)
        raise StaleCaseError(
            f"case {case.id} changed underneath you (read at version {case.version} in state "
            f"{case.state!r}, now version {current.version} in state {current.state!r}); "
            "nothing was changed: check its status and try again"
        )

    def bump_version(self, case: Case, *, at: datetime) -> int:
        """Record that the case's records changed (so stale guard checks are caught)."""
        return self.update_case(case, at=at)

    # -- events (see :mod:`.trail`) ---------------------------------------------
    #: Append one hash-chained event to the case's audit trail (:func:`.trail.append`).
    append_event = trail.append
    #: Move a case as read, with its transition event (:func:`.trail.move`).
    move_case = trail.move

    def event_rows(self, case_id: str) -> list[dict[str, Any]]:
        """The raw event rows of a case, in order."""
        return self._rows("SELECT * FROM events WHERE case_id = ? ORDER BY n", [case_id])

    def events(self, case_id: str) -> list[Event]:
        """The events of a case, in order."""
        return [Event.from_row(r) for r in self.event_rows(case_id)]

    def move_events(self, case_ids: Sequence[str]) -> dict[str, list[Event]]:
        """The events that moved each case (opened, transitions), in order, in one query.

        Clocks are computed from these; one query serves thousands of cases.
        """
        out: dict[str, list[Event]] = {case_id: [] for case_id in case_ids}
        if not out:
            return out
        rows = self._rows(
            "SELECT * FROM events WHERE kind IN (?, ?)"
            " AND case_id IN (SELECT value FROM json_each(?)) ORDER BY case_id, n",
            [EventKind.OPENED, EventKind.TRANSITION, json.dumps(list(out))],
        )
        for row in rows:
            out[row["case_id"]].append(Event.from_row(row))
        return out

    def heads(self) -> dict[str, tuple[int, str, str | None]]:
        """Every case's recorded head: ``{case: (n, hash, mac)}``."""
        return trail.heads(self)

    def event_hash_at(self, case_id: str, n: int) -> str | None:
        """The stored hash of event ``n`` of a case (None if there is none)."""
        row = self.db.execute(
            "SELECT hash FROM events WHERE case_id = ? AND n = ?", [case_id, n]
        ).fetchone()
        return str(row[0]) if row else None

    def audit_head(self, case_id: str) -> tuple[int, str] | None:
        """The recorded last event number and hash of a case."""
        return trail.head(self, case_id)

    # -- team ------------------------------------------------------------------
    def add_team_member(self, member: TeamMember, *, independent: bool = False) -> bool:
        """Appoint a member in a role; False if already appointed in it."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO team (case_id, name, role, appointed_at, appointed_by,"
            " independent, account_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                member.case_id,
                member.name,
                member.role,
                member.appointed_at.isoformat(),
                member.appointed_by,
                int(independent),
                member.account_id,
            ],
        )
        return cursor.rowcount == 1

    def stand_down(
        self, case_id: str, account_id: int, role: str, *, at: datetime, by: str, reason: str
    ) -> bool:
        """Record that an account no longer serves in a role; False if it did not."""
        cursor = self.db.execute(
            "UPDATE team SET stood_down_at = ?, stood_down_by = ?, stood_down_reason = ?"
            " WHERE case_id = ? AND account_id = ? AND role = ? AND stood_down_at IS NULL",
            [at.isoformat(), by, reason, case_id, account_id, role],
        )
        return cursor.rowcount == 1

    def involved_organisations(self, case_id: str) -> dict[int, str]:
        """The registry ids of the agencies involved in the case, with the case's names."""
        rows = self.db.execute(
            "SELECT organisation_id, name FROM agencies WHERE case_id = ?"
            " AND organisation_id IS NOT NULL ORDER BY name",
            [case_id],
        ).fetchall()
        return {int(r[0]): str(r[1]) for r in rows}

    def conflicts(self, case_id: str) -> list[dict[str, str]]:
        """Serving independent team members affiliated with an agency on the case."""
        rows = self.db.execute(CONFLICTS_SQL, [case_id]).fetchall()
        return [{"name": r[0], "role": r[1], "agency": r[2]} for r in rows]

    def view(self, case: Case) -> StoreCaseView:
        """A guard's view of the case and its records."""
        return StoreCaseView(self.db, case)


@FACTS.register("independence_conflicts")
def independence_conflicts(db: Database, case_id: str) -> list[dict[str, str]]:
    """Serving independent team members affiliated with an agency on the case."""
    rows = db.execute(CONFLICTS_SQL, [case_id]).fetchall()
    return [{"name": r[0], "role": r[1], "agency": r[2]} for r in rows]


def sql_store(store: object) -> Store:
    """The SQL :class:`Store` behind an engine, for services that run their own queries.

    The engine needs only the :class:`~aaib_cp.workflow.ports.CaseStore` Protocol; the
    phase services read and write their own tables, so they need this store.
    """
    if not isinstance(store, Store):
        raise TypeError(f"this service needs an engine over an aaib_cp Store (got {store!r})")
    return store
