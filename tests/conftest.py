"""Shared fixtures and the hypothesis profiles (``ci`` is used when CI is set)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from aaib_cp import Engine, Store, load_workflow

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "workflows" / "child-protection.yaml"


class FixedClock:
    """A clock tests can set and move."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(autouse=True)
def _engines_under_test(monkeypatch: pytest.MonkeyPatch):
    """Record each engine made during a test, so ``**as_role(...)`` finds its store."""
    from tests import people

    original = Engine.__init__

    def recording(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original(self, *args, **kwargs)
        people.ENGINES.append(self)

    monkeypatch.setattr(Engine, "__init__", recording)
    people.ENGINES.clear()
    yield
    people.ENGINES.clear()


@pytest.fixture(autouse=True)
def _private_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Saved credentials go to a folder of the test's own, never the user's."""
    monkeypatch.setenv("AAIB_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
    monkeypatch.delenv("AAIB_TOKEN", raising=False)
    monkeypatch.delenv("AAIB_USER", raising=False)


@pytest.fixture(autouse=True)
def _no_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables are not wrapped to a COLUMNS the shell running the tests happens to export."""
    monkeypatch.delenv("COLUMNS", raising=False)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def store() -> Store:
    s = Store.memory()
    yield s
    s.close()


@pytest.fixture
def workflow():
    return load_workflow("child-protection")


@pytest.fixture
def engine(store: Store, clock: FixedClock) -> Engine:
    return Engine(store, clock=clock)


@pytest.fixture(scope="session")
def case_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed database with one case in 'evidence' and an evidence file (built once)."""
    from tests.file_helpers import build_case

    folder = tmp_path_factory.mktemp("case-template")
    db = folder / "cases.db"
    build_case(db, folder / "police-log.txt")
    return db


@pytest.fixture
def case_db(case_template: Path, tmp_path: Path) -> Path:
    """A private copy of :func:`case_template` (database and evidence folder)."""
    from tests.file_helpers import copy_database

    return copy_database(case_template, tmp_path / "store")
