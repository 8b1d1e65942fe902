"""Pseudonyms cased properly ("GP 1") and a child's pseudonym chosen ("Child R")."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from aaib_cp import Engine
from aaib_cp.cli import cli
from aaib_cp.db import Store
from aaib_cp.evidence.model import pseudonym, role_title
from aaib_cp.evidence.service import Casebook
from aaib_cp.exceptions import InputError
from aaib_cp.workflow.definition import load_workflow
from tests.people import signed_in
from tests.records_helpers import LEAD
from tests.safety_helpers import case_in_evidence


@pytest.mark.parametrize(
    ("role", "expected"),
    [("gp", "GP 1"), ("social_worker", "Social Worker 1"), ("idva", "IDVA 1"), ("pcso", "PCSO 1")],
)
def test_role_words_are_cased(role, expected):
    """Acronyms stay in capitals; other words are capitalised."""
    assert expected == pseudonym(role, 1)
    assert expected.rsplit(" ", 1)[0] == role_title(role)


class TestChosenChildPseudonym:
    def test_child_known_as_child_r(self, engine, workflow):
        """The child may take the case's name; the next child gets the next free letter."""
        cid = case_in_evidence(engine, workflow)
        book = Casebook(engine)
        assert (
            "Child R"
            == book.add_person(
                cid, "Rio Bee", "child", pseudonym_of_child="child  R".title(), **LEAD
            ).pseudonym
        )
        assert "Child A" == book.add_person(cid, "Al Bee", "child", **LEAD).pseudonym

    @pytest.mark.parametrize(
        ("role", "chosen", "message"),
        [
            ("child", "Kid R", "expected 'Child' and one to three capitals"),
            ("parent", "Child Q", "only for a child"),
            ("child", "Child A", "already in use"),
        ],
    )
    def test_refused_with_one_line(self, engine, workflow, role, chosen, message):
        """A malformed, misplaced or taken pseudonym is refused; nothing is registered."""
        cid = case_in_evidence(engine, workflow)
        book = Casebook(engine)
        book.add_person(cid, "Al Bee", "child", **LEAD)
        with pytest.raises(InputError, match=message):
            book.add_person(cid, "Rio Bee", role, pseudonym_of_child=chosen, **LEAD)
        assert 1 == len(book.people(cid))


def test_from_the_command_line(tmp_path):
    """`aaib person add --pseudonym` in CliRunner and in a real process."""
    db = tmp_path / "a.db"
    engine = Engine(Store.open(db, create=True))
    try:
        cid = case_in_evidence(engine, load_workflow("child-protection"))
    finally:
        engine.store.close()
    lead = signed_in(db, "Lee", "lead_investigator")
    args = ["--db", str(db), "--role", "lead_investigator", "person", "add", cid]
    result = CliRunner().invoke(
        cli, [*args, "Rio Bee", "--as", "child", "--pseudonym", "Child R"], env=lead
    )
    assert 0 == result.exit_code, result.output
    assert f"{cid}: registered Child R" in result.output
    done = subprocess.run(
        [sys.executable, "-m", "aaib_cp", *args, "Jo Bee", "--as", "parent",
         "--pseudonym", "Child S"],
        capture_output=True, text=True, timeout=60, env={**os.environ, **lead},
    )  # fmt: skip
    assert 1 == done.returncode
    assert "Error: a pseudonym can be chosen only for a child" == done.stderr.strip()
