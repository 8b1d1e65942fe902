"""The SQL of the cases' audit trails: appending hash-chained events, keeping each head.

A case's *head* (its last event's number and hash, and the head's MAC under the audit
key) lives in the case row, in the columns ``audit_n``, ``audit_hash`` and
``audit_mac`` (before migration ``0005_audit_head_in_case``, in a table
``audit_heads``). They are not the case's content: the record hash of the case row
leaves them out, as it leaves out the version counter.

:func:`append` appends any event: it reads the head inside the transaction, hashes
the records the transaction changed (:mod:`.content`), inserts the event and moves
the head. :func:`move` is the transition's own path, one ``UPDATE`` of the case row
(new state, version and head together) and one ``INSERT`` of the event: the content
hash of the case row is computed from the row as read plus the change, the event's
hash from that, and the ``UPDATE`` only applies if the row still has the version and
head it was read with (else it is read again inside the transaction). Such an update
is not noted in the change log: its event accounts for it.

The change log (:mod:`.content`) is known to be empty while ``conn.total_changes``
(which counts every row any statement or trigger program changed on the connection,
temporary tables included) has not moved since it was last emptied; the store then
skips clearing and reading it.
"""

from __future__ import annotations

import json
import json.encoder
import weakref
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aaib_cp.db.connection import Database
from aaib_cp.db.content import pending_content
from aaib_cp.exceptions import CaseNotFound, StoreError
from aaib_cp.workflow.audit import GENESIS, canonical, event_hash, event_mac, head_mac
from aaib_cp.workflow.identity import Actor
from aaib_cp.workflow.model import Case, Event, EventKind

if TYPE_CHECKING:
    from aaib_cp.db.store import Store

__all__ = ["EVENT_COLUMNS", "HEAD_COLUMNS", "append", "heads", "move"]

#: The case row's columns holding its audit head.
HEAD_COLUMNS = ("audit_n", "audit_hash", "audit_mac")
#: The columns an event is written with (``seq`` is the table's own row number).
EVENT_COLUMNS = (
    "case_id",
    "n",
    "at",
    "actor",
    "account_id",
    "delegate_id",
    "role",
    "kind",
    "trigger",
    "from_state",
    "to_state",
    "reason",
    "detail",
    "content",
    "prev_hash",
    "hash",
    "mac",
)
_INSERT = (
    f"INSERT INTO events ({', '.join(EVENT_COLUMNS)})"
    f" VALUES ({', '.join('?' * len(EVENT_COLUMNS))})"
)
_SET_HEAD = "UPDATE cases SET audit_n = ?, audit_hash = ?, audit_mac = ? WHERE id = ?"
#: A transition: state, version and head in one statement, if the row is still as read.
_MOVE = (
    "UPDATE cases SET version = version + 1, updated_at = ?, state = ?, previous_state = ?,"
    " audit_n = ?, audit_hash = ?, audit_mac = ?"
    " WHERE id = ? AND version = ? AND audit_n IS ? AND audit_hash IS ?"
)
#: The same, with the case's fields.
_MOVE_WITH_FIELDS = _MOVE.replace("previous_state = ?,", "previous_state = ?, fields = ?,")
#: Per database: True when its events table has no column not in EVENT_COLUMNS (or seq).
_COLUMNS_KNOWN: weakref.WeakKeyDictionary[Database, bool] = weakref.WeakKeyDictionary()


#: A JSON string as the canonical encoder writes it (UTF-8, not escaped to ASCII).
_quote = getattr(json.encoder, "c_encode_basestring", None) or json.encoder.py_encode_basestring


def _columns_known(db: Database) -> bool:
    known = _COLUMNS_KNOWN.get(db)
    if known is None:
        names = {r[1] for r in db.execute("PRAGMA table_info(events)")}
        known = _COLUMNS_KNOWN[db] = names <= {"seq", *EVENT_COLUMNS}
    return known


def _dumps(value: Mapping[str, Any]) -> str:
    return json.dumps(dict(value), sort_keys=True, ensure_ascii=False, default=str)


def _values(
    case_id: str,
    n: int,
    at: datetime,
    actor: Actor,
    role: str | None,
    kind: str,
    trigger: str | None,
    from_state: str | None,
    to_state: str | None,
    reason: str | None,
    detail: Mapping[str, Any] | str | None,
    content: Mapping[str, str | None],
) -> dict[str, Any]:
    """The event's content columns (stored as canonical JSON; hashed as read back).

    ``detail`` may be given as its stored text already."""
    delegate = actor.delegate
    return {
        "case_id": case_id,
        "n": n,
        "at": at.isoformat(),
        "actor": actor.label,
        "account_id": actor.id,
        "delegate_id": delegate.id if delegate is not None else None,
        "role": role,
        "kind": kind,
        "trigger": trigger,
        "from_state": from_state,
        "to_state": to_state,
        "reason": reason,
        "detail": detail if isinstance(detail, str) else _dumps(detail) if detail else "{}",
        "content": _content_text(content),
    }


def _content_text(content: Mapping[str, str | None]) -> str:
    """``canonical(content)``; a map of one record to its hash (a transition's) spelt out
    directly, exactly as the encoder spells it."""
    if len(content) == 1:
        ((record, digest),) = content.items()
        if type(record) is str and (digest is None or type(digest) is str):
            value = "null" if digest is None else _quote(digest)
            return f"{{{_quote(record)}:{value}}}"
    return canonical(content if type(content) is dict else dict(content))


def _seal(store: Store, prev: str, values: dict[str, Any]) -> str | None:
    """Chain ``values`` to ``prev`` (sets prev_hash, hash and mac); the head's MAC."""
    digest = event_hash(prev, values)
    key = store.keys.current
    values["prev_hash"], values["hash"] = prev, digest
    values["mac"] = event_mac(*key, digest) if key else None
    return head_mac(*key, values["case_id"], values["n"], digest) if key else None


def _insert(store: Store, values: dict[str, Any]) -> Event:
    """Insert the sealed event; the stored event.

    Where the events table has a column not written here (one with a default, added
    by a later migration), the row is read back and refused unless it still verifies.
    """
    if _columns_known(store.db):
        cursor = store.db.conn.execute(_INSERT, [values[c] for c in EVENT_COLUMNS])
        # an empty detail is read as {} without parsing its text
        detail = None if values["detail"] == "{}" else values["detail"]
        return Event.from_row({**values, "seq": cursor.lastrowid, "detail": detail})
    names = ", ".join(f'"{c}"' for c in values)
    cursor = store.db.execute(
        f"INSERT INTO events ({names}) VALUES ({', '.join('?' * len(values))}) RETURNING *",
        list(values.values()),
    )
    stored = dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))
    if event_hash(values["prev_hash"], stored) != values["hash"]:
        raise StoreError(
            f"event {values['n']} of {values['case_id']} would not verify; nothing was written"
        )
    return Event.from_row(stored)


def append(
    store: Store,
    case_id: str,
    *,
    at: datetime,
    actor: Actor,
    role: str | None,
    kind: str,
    trigger: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    detail: Mapping[str, Any] | None = None,
    content: Mapping[str, str | None] | None = None,
) -> Event:
    """Append one hash-chained event to the case's audit trail and move its head (inside
    a transaction); ``Store.append_event``.

    The event records the acting account's id (and the delegate's, for "A for B"), the
    content hash of every record of the case changed in this transaction (or
    ``content``, given), and a MAC when the database has an audit key.
    """
    if not store.in_transaction:
        raise StoreError("events are appended inside a transaction")
    conn = store.db.conn
    quiet = store.changes.is_empty()
    head = conn.execute("SELECT audit_n, audit_hash FROM cases WHERE id = ?", [case_id]).fetchone()
    if head is None:
        raise CaseNotFound(case_id)
    n, prev = (head[0] + 1, head[1]) if head[0] is not None else (1, GENESIS)
    if content is None:
        content = {} if quiet else pending_content(store.db, case_id, store.changes.tables())
    values = _values(
        case_id, n, at, actor, role, kind, trigger, from_state, to_state, reason, detail, content
    )
    mac = _seal(store, prev, values)
    before = conn.total_changes
    event = _insert(store, values)
    conn.execute(_SET_HEAD, [n, values["hash"], mac, case_id])
    if quiet and conn.total_changes == before + 2:
        store.changes.emptied()  # nothing but the event and the head was written
    return event


def move(
    store: Store,
    case: Case,
    *,
    at: datetime,
    actor: Actor,
    role: str | None,
    trigger: str,
    to_state: str,
    reason: str | None = None,
    fields: Mapping[str, Any] | None = None,
    detail: Mapping[str, Any] | None = None,
) -> Event:
    """Move ``case`` (as read) to ``to_state`` and append the transition event.

    One ``UPDATE`` writes the state, ``fields`` if given, the version and the head;
    one ``INSERT`` the event, whose content is the case row's new hash (and that of
    any other record of the case changed in the transaction). Raises
    :class:`StaleCaseError` (nothing written) if the case changed since it was read.
    """
    if not store.in_transaction:
        raise StoreError("a case is moved inside a transaction")
    conn = store.db.conn
    changes = store.changes
    table = changes.table("cases")
    change: dict[str, Any] = {"state": to_state, "previous_state": case.state}
    if fields is not None:
        change["fields"] = _dumps(fields)
    sql = _MOVE if fields is None else _MOVE_WITH_FIELDS
    detail_text = _dumps(detail) if detail else "{}"
    quiet = changes.is_empty()
    row = store.last_read(case)
    for _ in range(2):
        if row is None:  # read inside the transaction: it cannot change underneath
            row = store.current_row(case)
        record = table.row_key(row)
        content: dict[str, str | None] = {record: table.row_digest({**row, **change})}
        head_n, prev = row["audit_n"], row["audit_hash"]
        n, prev = (head_n + 1, prev) if head_n is not None else (1, GENESIS)
        values = _values(
            case.id,
            n,
            at,
            actor,
            role,
            EventKind.TRANSITION,
            trigger,
            case.state,
            to_state,
            reason,
            detail_text,
            content,
        )
        mac = _seal(store, prev, values)
        before = conn.total_changes
        cursor = conn.execute(
            sql,
            (
                values["at"],
                *change.values(),
                n,
                values["hash"],
                mac,
                case.id,
                case.version,
                head_n,
                row["audit_hash"],
            ),
        )
        if cursor.rowcount == 1:
            break
        row = None
    else:  # pragma: no cover - the row read inside the transaction always matches
        raise StoreError(f"case {case.id} could not be moved; nothing was written")
    if not (quiet and conn.total_changes == before + 1):
        # the update's triggers, or an earlier statement, changed other records too
        more = pending_content(store.db, case.id, changes.tables())
        if more.keys() - content.keys():
            values["content"] = canonical({**more, **content})
            mac = _seal(store, prev, values)
            conn.execute(_SET_HEAD, [n, values["hash"], mac, case.id])
    event = _insert(store, values)
    if quiet and conn.total_changes == before + 2:
        changes.emptied()  # nothing but the case row and the event was written
    return event


def heads(store: Store) -> dict[str, tuple[int, str, str | None]]:
    """Every case's recorded head: ``{case: (n, hash, mac)}``."""
    rows = store.db.execute(
        "SELECT id, audit_n, audit_hash, audit_mac FROM cases WHERE audit_n IS NOT NULL"
    ).fetchall()
    return {r[0]: (int(r[1]), str(r[2]), r[3]) for r in rows}


def head(store: Store, case_id: str) -> tuple[int, str] | None:
    """The recorded last event number and hash of a case."""
    row = store.db.execute(
        "SELECT audit_n, audit_hash FROM cases WHERE id = ?", [case_id]
    ).fetchone()
    return (int(row[0]), str(row[1])) if row and row[0] is not None else None
