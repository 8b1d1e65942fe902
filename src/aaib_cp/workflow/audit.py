"""The hash chain that makes each case's audit trail tamper-evident, and the key that
authenticates it.

Every event's ``hash`` is the SHA-256 of the previous event's hash and the event's
whole record in a canonical JSON form: every column except the row number, the
chain links and the MAC, so a column added later (say, an account id) is covered
without touching this code. Editing, deleting or reordering any event breaks the
chain from that point on, which :func:`verify_chain` reports.

Anyone can recompute SHA-256, so an insider with write access could rewrite a case
and re-chain it. An event's ``mac`` is an HMAC-SHA256, under a key held outside the
database, of its hash; as the hash covers every event before it, a valid MAC on the
last event authenticates the whole history. Without the key a re-chained history
has no valid MAC.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from typing import Any

from aaib_cp.workflow.record import Record

__all__ = [
    "GENESIS",
    "LEGACY_COLUMNS",
    "ChainBreak",
    "canonical",
    "check_mac",
    "digest",
    "event_hash",
    "event_mac",
    "head_mac",
    "record_mac",
    "verify_chain",
]

#: The ``prev_hash`` of a case's first event.
GENESIS = "0" * 64

#: Columns hashed even when empty (the original content of an event: events written
#: before later columns existed hash exactly as they did).
LEGACY_COLUMNS = (
    "case_id",
    "n",
    "at",
    "actor",
    "role",
    "kind",
    "trigger",
    "from_state",
    "to_state",
    "reason",
    "detail",
)
#: Columns that are not content: the row number, the chain links, the MAC.
_NOT_CONTENT = frozenset({"seq", "prev_hash", "hash", "mac"})
#: Columns holding JSON text, hashed as the value they hold.
_JSON = frozenset({"detail"})


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


#: Built once: ``json.dumps`` with these options would build an encoder on every call.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain
)


def canonical(value: Any) -> str:
    """The canonical JSON text of ``value`` (sorted keys, no spaces, UTF-8)."""
    return _CANONICAL.encode(value)


def digest(value: Any) -> str:
    """SHA-256 of the canonical JSON of ``value``."""
    return hashlib.sha256(canonical(value).encode("utf-8")).hexdigest()


def _body(content: Mapping[str, Any]) -> dict[str, Any]:
    body = {key: content.get(key) for key in LEGACY_COLUMNS}
    for key, value in content.items():
        if key not in _NOT_CONTENT and value is not None:
            body[key] = value
    for key in _JSON:
        if isinstance(body.get(key), str):
            body[key] = json.loads(body[key] or "{}")
    return body


def event_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    """The chained hash of one event: ``prev_hash`` and every content column of the row."""
    return hashlib.sha256((prev_hash + canonical(_body(content))).encode("utf-8")).hexdigest()


def _mac(key: bytes, purpose: str, value: str) -> str:
    return hmac.new(key, f"aaib-cp/{purpose}\n{value}".encode(), hashlib.sha256).hexdigest()


def event_mac(key_id: str, key: bytes, event_hash_: str) -> str:
    """An event's MAC: ``key_id:hex``, HMAC-SHA256 of its hash under the audit key."""
    return f"{key_id}:{_mac(key, 'event', event_hash_)}"


def head_mac(key_id: str, key: bytes, case_id: str, n: int, event_hash_: str) -> str:
    """The MAC of a case's recorded head (its last event number and hash)."""
    value = "\n".join((case_id, str(n), event_hash_))
    return f"{key_id}:{_mac(key, 'head', value)}"


def record_mac(key_id: str, key: bytes, value: str) -> str:
    """The MAC of any other record kept outside the chain (a workflow registration)."""
    return f"{key_id}:{_mac(key, 'record', value)}"


def check_mac(keys: Mapping[str, bytes], mac: str, expected: Any) -> str | None:
    """None if ``mac`` is valid under one of ``keys``; else what is wrong with it.

    ``expected`` is ``lambda key_id, key: <the MAC that key would give>``.
    """
    key_id, _, _ = mac.partition(":")
    key = keys.get(key_id)
    if key is None:
        return f"signed with audit key {key_id!r}, which is not available"
    if not hmac.compare_digest(mac, expected(key_id, key)):
        return "not authenticated by the audit key (rewritten without it)"
    return None


class ChainBreak(Record):
    """The first place a case's chain does not verify (or another finding about a case)."""

    case_id: str
    n: int | None
    message: str

    def __init__(
        self,
        case_id: str,
        n: int | None,
        message: str,
    ) -> None:
        self._set_fields(case_id, n, message)

    def __str__(self) -> str:
        where = f"event {self.n}" if self.n is not None else "its events"
        return f"case {self.case_id}: {where}: {self.message}"


def verify_chain(
    case_id: str,
    rows: Sequence[Mapping[str, Any]],
    keys: Mapping[str, bytes] | None = None,
) -> ChainBreak | None:
    """Check a case's event rows (ordered by ``n``); None if intact, else the first break.

    With ``keys`` (the audit keys by id), every event from the first one that carries a
    MAC onwards must carry a valid one, and so must the last event.
    """
    prev = GENESIS
    keyed = False
    for expected_n, row in enumerate(rows, start=1):
        n = int(row["n"])
        if n != expected_n:
            missing = expected_n if n > expected_n else n
            return ChainBreak(case_id, missing, f"event {missing} is missing or out of order")
        if row["prev_hash"] != prev:
            return ChainBreak(
                case_id, n, "does not link to the event before it (deleted or edited)"
            )
        if event_hash(prev, row) != row["hash"]:
            return ChainBreak(case_id, n, "content does not match its hash (edited)")
        mac = row.get("mac")
        if keys is not None and (mac or keyed):
            keyed = True
            if not mac:
                return ChainBreak(case_id, n, "has no MAC though earlier events have one")
            h = row["hash"]
            problem = check_mac(keys, mac, lambda i, k, h=h: event_mac(i, k, h))
            if problem:
                return ChainBreak(case_id, n, problem)
        prev = row["hash"]
    if keys is not None and rows and not keyed:
        return ChainBreak(
            case_id,
            int(rows[-1]["n"]),
            "no event carries a MAC, though the database has an audit key (re-chained?)",
        )
    return None
