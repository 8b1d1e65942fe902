"""The collector paused while a report is built is running again afterwards."""

from __future__ import annotations

import gc
import threading

import pytest

from aaib_cp.reports.paused_gc import gc_paused


@pytest.fixture(autouse=True)
def _collector_running():
    gc.enable()
    yield
    gc.enable()


def test_paused_inside_and_running_after_even_on_error():
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("a failed build")
    assert gc.isenabled()


def test_a_collector_paused_by_someone_else_stays_paused():
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_overlapping_builds_in_threads_resume_it_once_the_last_ends():
    """Thread A pauses, B pauses, A ends (still paused: B runs), B ends (running)."""
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def a() -> None:
        with gc_paused():
            a_in.set()
            b_in.wait(5)
        seen["after a"] = gc.isenabled()
        a_out.set()

    def b() -> None:
        a_in.wait(5)
        with gc_paused():
            b_in.set()
            a_out.wait(5)

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"after a": False}
    assert gc.isenabled()


def test_writing_a_report_leaves_the_collector_running(tmp_path):
    from datetime import UTC, datetime

    from aaib_cp import Engine
    from aaib_cp.db import Store
    from aaib_cp.reports.build import Publisher
    from aaib_cp.workflow.definition import load_workflow
    from tests.conftest import FixedClock
    from tests.records_helpers import LEAD
    from tests.safety_helpers import case_at

    store = Store.memory()
    try:
        engine = Engine(store, clock=FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)))
        cid = case_at(engine, load_workflow("child-protection"), "consultation")
        Publisher(engine).write(cid, tmp_path / "r.md", audience="restricted", **LEAD)
        assert gc.isenabled()
    finally:
        store.close()
    assert gc.isenabled()
