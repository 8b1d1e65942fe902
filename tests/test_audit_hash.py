"""The event hash covers every column of an event, and events written before a column
existed hash exactly as they did."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given
from hypothesis import strategies as st

from aaib_cp.workflow.audit import GENESIS, LEGACY_COLUMNS, event_hash, event_mac, verify_chain

LEGACY = tuple(c for c in LEGACY_COLUMNS if c != "detail")
text = st.text(max_size=20)
events = st.fixed_dictionaries(
    {key: st.one_of(st.none(), text) for key in LEGACY}
    | {"detail": st.dictionaries(st.text(max_size=5), st.integers(), max_size=3)}
)


def legacy_hash(prev: str, content: dict) -> str:
    """The hash as the previous release computed it (its eleven columns, re-implemented)."""
    body = {key: content.get(key) for key in (*LEGACY, "detail")}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev + canonical).encode("utf-8")).hexdigest()


@given(events)
def test_events_of_the_previous_release_hash_as_before(event):
    assert legacy_hash(GENESIS, event) == event_hash(GENESIS, event)
    assert legacy_hash(GENESIS, event) == event_hash(GENESIS, event | {"account_id": None})


@given(
    events, st.text(min_size=1, max_size=10).filter(lambda k: k not in (*LEGACY, "detail")), text
)
def test_a_column_added_later_is_covered(event, column, value):
    """An account id (or any new column) set on an event changes its hash."""
    if column in ("seq", "prev_hash", "hash", "mac"):
        return
    assert event_hash(GENESIS, event) != event_hash(GENESIS, event | {column: value})


@given(st.binary(min_size=32, max_size=32), events)
def test_a_rechained_event_without_the_key_fails_its_mac(key, event):
    row = event | {"n": 1, "prev_hash": GENESIS}
    row["hash"] = event_hash(GENESIS, row)
    row["mac"] = event_mac("k1", key, row["hash"])
    assert verify_chain("C", [row], {"k1": key}) is None
    forged = row | {"actor": f"{row['actor']}!"}
    forged["hash"] = event_hash(GENESIS, forged)
    broken = verify_chain("C", [forged], {"k1": key})
    assert broken is not None and "not authenticated" in broken.message
