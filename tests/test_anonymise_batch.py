"""Anonymiser.redact_all: many texts scanned together, the same result as one by one."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from aaib_cp.reports.anonymise import Anonymiser, Identity

ANON = Anonymiser(
    [
        Identity(
            "Parent 1",
            "Quilliam Farrow",
            date_of_birth=date(1990, 3, 4),
            address="14 Elmfield Road, Northtown NT1 2AB",
        ),
        Identity("Child 1", "Siobhán O'Brien", other=("NHS 485 777 3456",)),
        Identity("Worker 1", "Bo Li"),
    ],
    also_withhold=[Identity("Other 1", "Marguerite Oyelaran")],
)
PIECES = [
    "Quilliam", "Farrow", "Mr ", "Siobhán", "SIOBHAN", "O'Brien", "O’Brien", "'s", "Bo", "Li",
    "Marguerite", "Oyelaran", "Parent 1", "Child 1", "14 Elmfield Road", "NT1 2AB",
    "485 777 3456", "4/3/1990", "4 March 1990", "1990-03-04", " ", "\n", ".", ",", "-", "2",
    "\u00ad", "\u200b", "ß", "æ", "\u2026", "visit", "home", "ﬁ",
]  # fmt: skip
texts = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(texts, max_size=12))
def test_redact_all_is_redact_of_each_text(batch):
    assert ANON.redact_all(batch) == {t: ANON.redact(t) for t in batch}


def test_a_text_with_the_separator_is_redacted_alone():
    """NUL joins the texts scanned together; a text holding one is redacted by itself."""
    batch = ["Farrow\x00visit", "home", "Quilliam"]
    assert ANON.redact_all(batch) == {t: ANON.redact(t) for t in batch}
    assert "Farrow" not in ANON.redact_all(batch)["Farrow\x00visit"]
