"""The hash chain that makes each case's audit trail tamper-evident.

Every event's ``hash`` is the SHA-256 of the previous event's hash and the event's
own content in a canonical JSON form. Editing, deleting or reordering any event
breaks the chain from that point on, which :func:`verify_chain` reports.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

__all__ = ["GENESIS", "ChainBreak", "event_hash", "verify_chain"]

#: The ``prev_hash`` of a case's first event.
GENESIS = "0" * 64

_CONTENT = (
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

#: Columns hashed only when set, so events written before accounts existed still verify.
_OPTIONAL = ("account_id", "delegate_id")


def event_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    """The chained hash of one event's content (a row or a mapping with ``_CONTENT`` keys)."""
    body = {key: content.get(key) for key in _CONTENT}
    body.update({key: content[key] for key in _OPTIONAL if content.get(key) is not None})
    if isinstance(body["detail"], str):
        body["detail"] = json.loads(body["detail"] or "{}")
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


@attrs.frozen
class ChainBreak:
    """The first place a case's chain does not verify."""

    case_id: str
    n: int | None
    message: str

    def __str__(self) -> str:
        where = f"event {self.n}" if self.n is not None else "its events"
        return f"case {self.case_id}: {where}: {self.message}"


def verify_chain(case_id: str, rows: Sequence[Mapping[str, Any]]) -> ChainBreak | None:
    """Check a case's event rows (ordered by ``n``); None if intact, else the first break."""
    prev = GENESIS
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
        prev = row["hash"]
    return None
