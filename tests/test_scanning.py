"""The leading twins of the anonymiser's patterns find exactly the original's matches."""

from __future__ import annotations

import re
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from aaib_cp.reports.anonymise import Anonymiser, Identity
from aaib_cp.reports.scanning import Trie, leading, one_character, scan
from aaib_cp.reports.text_matching import fold

ANONYMISER = Anonymiser(
    [
        Identity(
            "Child A",
            "Siobhán O'Brien-Smith",
            aliases=("Jo Bloggs",),
            date_of_birth=date(2019, 6, 30),
            address="14 Elm Road, Wexbridge WX1 2AB",
            other=("NHS 943 476 5919",),
        ),
        Identity("Mother", "Dr Anne Marie Hughes", date_of_birth=date(1985, 11, 2)),
    ],
    also_withhold=[Identity("Child B", "李小龍", address="Flat 2, 7 Court Lane")],
)
# Pieces that make matches, near misses and every kind of boundary likely.
PIECES = st.sampled_from(
    [
        "siobhan",
        "o'brien",
        "obrien",
        "smith",
        "o brien-smith",
        "jo",
        "bloggs",
        "dr ",
        "mrs.",
        "anne",
        "marie",
        "hughes",
        "annemarie",
        "a.",
        "h",
        "child a",
        "mother",
        "[name withheld]",
        "14",
        "elm road",
        "elm rd",
        "wexbridge",
        "wx1 2ab",
        "943",
        "476 5919",
        "nhs",
        "30/06/2019",
        "30.6.19",
        "2019-06-30",
        "30th june 2019",
        "june 30, 2019",
        "2 nov 1985",
        "nov. 2 1985",
        "1985-11-02",
        "sept",
        "李小龍",
        "court lane",
        "flat 2",
        "7",
        " ",
        "  ",
        ",",
        ".",
        "'",
        "-",
        "/",
        "\n",
        "\x00",
        "x",
        "é",
        "1",
        "s",
        "of ",
        "a",
    ]
)
TEXTS = st.lists(PIECES, max_size=14).map("".join)


def spans(matches):
    return [(m.start(), m.end(), m.groupdict()) for m in matches]


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_each_kind_finds_what_its_pattern_finds(text):
    folded = fold(text)
    for kind in (ANONYMISER._names, ANONYMISER._addresses, ANONYMISER._others):
        assert kind.regex is not None and kind._twin is not None
        assert spans(kind.regex.finditer(folded)) == spans(scan(kind.regex, kind._twin, folded))


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_pseudonyms_are_found_alike(text):
    folded = fold(text)
    protect, twin = ANONYMISER._protect, ANONYMISER._protect_twin
    assert twin is not None
    assert spans(protect.finditer(folded)) == spans(scan(protect, twin, folded))


def test_the_twin_starts_with_a_set_of_characters():
    """What makes it fast: re skips to the next possible first character."""
    for kind in (ANONYMISER._names, ANONYMISER._addresses, ANONYMISER._others):
        assert kind._twin is not None and kind._twin.pattern.startswith("(?:")
    assert ANONYMISER._protect_twin is not None
    assert ANONYMISER._protect_twin.pattern.startswith("(?:")


def test_a_first_unit_of_more_than_one_character_has_no_twin():
    assert leading([("(?:road|rd)", "", "x")]) is None
    assert not one_character("(?:a|b)") and not one_character(".")
    assert one_character("a") and one_character(r"\[") and one_character("李")


def test_without_a_twin_scan_is_finditer():
    pattern = re.compile(r"(?<![a-z])ab")
    assert spans(pattern.finditer("ab xab ab")) == spans(scan(pattern, None, "ab xab ab"))


def test_firsts_split_the_pattern_by_first_unit():
    trie = Trie()
    for word in ("ab", "ac", "b"):
        trie.add(list(word))
    assert [("a", "(?:b|c)"), ("b", "")] == trie.firsts()


def test_redaction_is_unchanged():
    text = "Seen by Dr Anne-Marie HUGHES (dob 2/11/1985) at 14 Elm Rd; Siobhán's NHS 9434765919."
    assert "Mother" in ANONYMISER.redact(text)
    assert [] == ANONYMISER.leaks(ANONYMISER.redact(text))
    assert 4 <= len(ANONYMISER.leaks(text))


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            [*"aZ`'-_ 1\n", "İ", "ß", "ﬁ", "｀", "é", "\u0301", "—", "\u00ad", "Ø"]
        )
        | st.characters(),
        max_size=40,
    )
)
def test_folding_runs_of_ascii_by_lower_case_is_folding_each_character(text):
    """ASCII runs are folded by str.lower: the same as folding each character."""
    from aaib_cp.reports.text_matching import Folded, _fold_char

    each = "".join(_fold_char(c) for c in text)
    assert each == fold(text) == Folded(text).folded
    assert Folded(text)._same == all(len(_fold_char(c)) == 1 for c in text)
