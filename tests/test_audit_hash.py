"""The event hash covers every column of an event, and events written before a column
existed hash exactly as they did."""

from __future__ import annotations

import hashlib
import hmac
import json

from hypothesis import given
from hypothesis import strategies as st

from aaib_cp.db.content import RecordTable
from aaib_cp.db.trail import _content_text
from aaib_cp.workflow.audit import (
    GENESIS,
    LEGACY_COLUMNS,
    canonical,
    event_hash,
    event_mac,
    head_mac,
    verify_chain,
)

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


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(json_values)
def test_the_canonical_text_is_that_of_json_dumps(value):
    """The encoder's C core called directly writes what ``json.dumps`` with the canonical
    options writes (the hash of every event depends on it)."""
    expected = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    assert expected == canonical(value)


@given(st.dictionaries(text, st.one_of(st.none(), text), max_size=3))
def test_an_event_content_map_is_written_canonically(content):
    assert canonical(content) == _content_text(content)


@given(st.binary(min_size=32, max_size=32), st.text(max_size=10), st.integers(1, 10**6))
def test_the_macs_are_hmac_sha256_of_their_purpose_and_value(key, case_id, n):
    digest = hashlib.sha256(case_id.encode()).hexdigest()
    event = hmac.new(key, f"aaib-cp/event\n{digest}".encode(), hashlib.sha256).hexdigest()
    head = hmac.new(key, f"aaib-cp/head\n{case_id}\n{n}\n{digest}".encode(), hashlib.sha256)
    assert f"k1:{event}" == event_mac("k1", key, digest)
    assert f"k1:{head.hexdigest()}" == head_mac("k1", key, case_id, n, digest)


@given(st.one_of(st.text(max_size=10), st.integers()))
def test_a_record_is_named_by_the_json_of_its_key(value):
    table = RecordTable("cases", ("id",), ("id",), "r.id", "{row}.id", "id")
    assert f"cases/{json.dumps([value], ensure_ascii=False)}" == table.row_key({"id": value})
