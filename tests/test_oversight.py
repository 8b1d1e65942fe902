"""Oversight across cases, through the library: every open clock, every chain and file."""

from __future__ import annotations

from datetime import date

import pytest

from aaib_cp import Engine, Store
from aaib_cp.evidence.service import Casebook
from aaib_cp.oversight import open_clocks, verify
from tests.safety_helpers import AGENCY, LEAD, SAM, book, case_at

LATE = date(2026, 6, 1)


@pytest.fixture
def file_engine(tmp_path, clock):
    store = Store.open(tmp_path / "cases.db", create=True)
    yield Engine(store, clock=clock)
    store.close()


@pytest.fixture
def issued(file_engine, workflow) -> str:
    """A case in evidence with an urgent recommendation issued on 2 March 2026 (due 31 May)."""
    case_id = case_at(file_engine, workflow, "evidence")
    book(file_engine).add_recommendation(
        case_id, to_agency=AGENCY, text="See every child.", priority="urgent", issue=True, **LEAD
    )
    return case_id


class TestOpenClocks:
    def test_case_and_recommendation_clocks_merged_soonest_first(self, file_engine, issued):
        """The case's clocks and the recommendation's response clock, ordered by due date."""
        clocks = open_clocks(file_engine, today=LATE)
        kinds = {c.kind for c in clocks}
        assert "recommendation_response" in kinds
        assert kinds - {"recommendation_response"}, "the case's own clocks are listed too"
        due = [c.due for c in clocks if c.due is not None]
        assert due == sorted(due)
        late = [(c.case_id, c.label) for c in clocks if c.kind.startswith("recomm") and c.overdue]
        assert [(issued, "Response to SR01")] == late

    def test_without_recommendations_only_the_cases_clocks(self, file_engine, issued):
        """recommendations=False gives exactly the engine's clocks of the open cases."""
        clocks = open_clocks(file_engine, today=LATE, recommendations=False)
        assert clocks == file_engine.open_clocks(today=LATE)
        assert not [c for c in clocks if c.kind.startswith("recomm")]

    def test_given_cases_only(self, file_engine, workflow, issued):
        """Only the cases passed are looked at."""
        other = case_at(file_engine, workflow, "evidence")
        mine = open_clocks(file_engine, [file_engine.get(other)], today=LATE)
        assert mine and {other} == {c.case_id for c in mine}


class TestVerify:
    def test_intact(self, file_engine, issued, tmp_path):
        """Every case's chain and every evidence file verify: the report says intact."""
        source = tmp_path / "letter.txt"
        source.write_text("referral")
        Casebook(file_engine).add_evidence(
            issued, kind="document", description="Referral", obtained_how="given",
            obtained_on="2026-02-27", file=source, **SAM,
        )  # fmt: skip
        found = verify(file_engine)
        assert found.intact
        assert ((issued,), (), 1) == (found.cases, found.broken, len(found.evidence))
        assert {
            "checked": 1,
            "evidence_files_checked": 1,
            "keyed": False,
            "checkpoint": None,
            "broken": [],
            "problems": [],
            "evidence": [],
        } == found.to_json()

    def test_broken_chain_and_altered_file_are_named(self, file_engine, issued, tmp_path):
        """An edited event and an altered file are both reported, naming case, event, item."""
        source = tmp_path / "letter.txt"
        source.write_text("referral")
        item = Casebook(file_engine).add_evidence(
            issued, kind="document", description="Referral", obtained_how="given",
            obtained_on="2026-02-27", file=source, **SAM,
        )  # fmt: skip
        stored = tmp_path / "cases-evidence" / item.sha256
        stored.chmod(0o644)
        stored.write_text("tampered")
        store = file_engine.store
        store.db.execute("DROP TRIGGER events_no_update")
        store.db.execute(
            "UPDATE events SET actor = 'Mallory' WHERE case_id = ? AND n = 2", [issued]
        )
        found = verify(file_engine, issued)
        assert not found.intact
        ((broken,),) = [found.broken]
        assert (issued, 2) == (broken.case_id, broken.n)
        assert [(issued, item.label, "altered")] == [
            (c.case_id, c.item, c.status) for c in found.bad_files
        ]
        assert [{"case": issued, "event": 2, "message": broken.message}] == (
            found.to_json()["broken"]
        )
