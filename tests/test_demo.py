"""The demo database, through the library: marked as a demo, replaced only if it is one."""

from __future__ import annotations

import pytest

from aaib_cp.demo import open_demo_store
from aaib_cp.demo.sql import is_demo_database
from aaib_cp.exceptions import StoreError


def test_a_demo_database_is_marked_and_replaced(tmp_path):
    """A new demo database says so; opening it again starts afresh."""
    path = tmp_path / "demo.db"
    with open_demo_store(path) as store:
        assert 0 == store.count_cases()
    assert is_demo_database(path)
    with open_demo_store(path) as store:
        assert 0 == store.count_cases()


def test_another_file_is_never_replaced(tmp_path):
    """An existing file that is not a demo database is refused and left alone."""
    path = tmp_path / "cases.db"
    path.write_bytes(b"not a demo")
    assert not is_demo_database(path)
    with pytest.raises(StoreError, match="is not a demo database"):
        open_demo_store(path)
    assert b"not a demo" == path.read_bytes()
