"""Representations cite the draft's paragraph numbers; the restricted report lists them."""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from aaib_cp import Engine, InputError, Store
from aaib_cp.cli import cli
from aaib_cp.recommendations.consultation import paragraph_number
from aaib_cp.reports.build import build_report_data
from aaib_cp.reports.paragraphs import draft_paragraphs
from aaib_cp.reports.render import render
from tests.people import cli_args
from tests.safety_helpers import AGENCY, LEAD, book, case_at


@pytest.fixture
def drafted(engine, workflow) -> str:
    """A case in consultation, its draft sent to the agency."""
    case_id = case_at(engine, workflow, "consultation")
    book(engine).send_draft(case_id, [AGENCY], **LEAD)
    return case_id


def test_draft_numbers_are_the_reports(engine, drafted):
    """The numbers offered are the sections and paragraphs of the rendered draft."""
    numbers = draft_paragraphs(engine, drafted)
    assert numbers[:3] == ["1", "1.1", "1.1.1"]
    text = render(build_report_data(engine, drafted, pictures=False), audience="restricted",
                  fmt="md")  # fmt: skip
    for number in numbers:
        assert f"**{number}**" in text or f"## {number} " in text or f"### {number} " in text


def test_a_cited_paragraph_is_kept(engine, drafted):
    rep = book(engine).represent(drafted, AGENCY, text="The time is wrong.", paragraph="1.1.1",
                                 **LEAD)  # fmt: skip
    assert rep.paragraph == "1.1.1"
    assert [r.paragraph for r in book(engine).representations(drafted)] == ["1.1.1"]
    assert engine.history(drafted)[-1].detail["paragraph"] == "1.1.1"


@pytest.mark.parametrize(
    ("paragraph", "problem"),
    [
        ("9.9.9", "has no paragraph 9.9.9; its paragraphs run from 1 to "),
        ("2.x", "'2.x' is not a paragraph number (such as 2.3.1)"),
        ("1.1.1.1", "is not a paragraph number"),
        ("0.1", "is not a paragraph number"),
    ],
)
def test_a_number_the_draft_lacks_is_refused_and_nothing_written(
    engine, drafted, paragraph, problem
):
    before = engine.get(drafted)
    with pytest.raises(InputError, match="paragraph: ") as refused:
        book(engine).represent(drafted, AGENCY, text="x", paragraph=paragraph, **LEAD)
    assert problem in str(refused.value)
    assert engine.get(drafted) == before and not book(engine).representations(drafted)


def test_no_representation_cites_nothing(engine, drafted):
    with pytest.raises(InputError, match="made no representation cites none"):
        book(engine).represent(drafted, AGENCY, none=True, paragraph="1.1.1", **LEAD)


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=12))
def test_paragraph_number_accepts_only_numbers(text):
    """1 to 3 positive whole numbers joined by dots, or InputError (a control character,
    even one Python counts as white space such as U+001F, is refused, not stripped)."""
    parts = text.strip().split(".")
    valid = (
        1 <= len(parts) <= 3
        and all(p.isascii() and p.isdigit() and not p.startswith("0") for p in parts)
        and not any(unicodedata.category(c) == "Cc" for c in text)
    )
    if valid:
        assert paragraph_number(text) == text.strip()
    else:
        with pytest.raises(InputError):
            paragraph_number(text)


def test_restricted_report_lists_citations_public_does_not(engine, drafted):
    safety = book(engine)
    safety.represent(drafted, AGENCY, text="Closure was policy.", paragraph="1.1.1", **LEAD)
    data = build_report_data(engine, drafted, pictures=False)
    restricted = render(data, audience="restricted", fmt="md")
    assert "Table C.2: representations by the paragraph of the draft they cite" in restricted
    assert f"| 1\\.1.1 | R1 | {AGENCY} | not yet dispositioned |" in restricted
    html = render(data, audience="restricted", fmt="html")
    assert "Table C.2" in html and ">1.1.1<" in html


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "consult.db")


@pytest.fixture
def file_case(db, clock, workflow) -> str:
    with Store.open(db, create=True) as store:
        engine = Engine(store, clock=clock)
        case_id = case_at(engine, workflow, "consultation")
        book(engine).send_draft(case_id, [AGENCY], **LEAD)
    return case_id


AS_LEAD = ["--actor", "Lee", "--role", "lead_investigator"]


def test_cli_records_and_shows_the_paragraph(db, file_case):
    args = ["--db", db, "consultation", "represent", file_case, "--party", AGENCY,
            "--text", "Wrong time", "--paragraph", "1.1.1", *AS_LEAD]  # fmt: skip
    full, env = cli_args(db, args)
    result = CliRunner().invoke(cli, full, env={"AAIB_SYNCHRONOUS": "OFF", **env})
    assert result.exit_code == 0, result.output
    assert (
        result.output
        == f"{file_case}: R1 representation from {AGENCY} on paragraph 1.1.1 recorded\n"
    )
    full, env = cli_args(db, ["--db", db, "consultation", "show", file_case, *AS_LEAD[:2]])
    shown = CliRunner().invoke(cli, full, env=env)
    assert "paragraph" in shown.output and "1.1.1" in shown.output


def test_cli_subprocess_refuses_an_unknown_paragraph_in_one_line(db, file_case):
    args = ["consultation", "represent", file_case, "--party", AGENCY, "--text", "x",
            "--paragraph", "7.7.7", *AS_LEAD]  # fmt: skip
    full, signed = cli_args(db, args)
    env = {**os.environ, "AAIB_DB": db, "AAIB_SYNCHRONOUS": "OFF", **signed}
    result = subprocess.run([sys.executable, "-m", "aaib_cp", *full], env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: paragraph: the draft of {file_case} has no paragraph")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
