"""Anonymisation: registered names, dates of birth, addresses and identifiers never leak."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from aaib_cp.exceptions import AnonymisationError, InputError, IntegrityError
from aaib_cp.reports.anonymise import (
    ADDRESS_MARKER,
    DOB_MARKER,
    IDENTIFIER_MARKER,
    NAME_MARKER,
    TITLES,
    Anonymiser,
    Identity,
    fold,
)
from aaib_cp.reports.text_matching import _UNSPACED
from tests.conftest import REPO

SW1 = Identity(
    "Social Worker 1",
    "Siobhán O'Brien",
    date_of_birth=date(1980, 3, 4),
    address="Flat 3, 12 Acacia Avenue, Leeds, SW1A 1AA",
    other=("943 476 5919",),
)
CHILD = Identity("Child A", "Anne-Marie Smith", aliases=("Annie",))
FATHER = Identity("Father", "José Smith")
PC = Identity("Police Officer 1", "Al Li")


@pytest.fixture
def anonymiser() -> Anonymiser:
    return Anonymiser([SW1, CHILD, FATHER, PC])


class TestNames:
    def test_apostrophe_name_any_case_and_possessive(self, anonymiser):
        """O'Brien is found in capitals, with a curly apostrophe and as a possessive."""
        text = "Ms O'BRIEN's visit; o’brien; O Brien; OBrien."
        expected = "Social Worker 1's visit; Social Worker 1; Social Worker 1; Social Worker 1."
        assert expected == anonymiser.redact(text)

    def test_hyphenated_name_and_its_parts(self, anonymiser):
        """Anne-Marie, Anne Marie, and each half alone are replaced."""
        text = "Anne-Marie, Anne Marie, Anne, marie, AnneMarie."
        assert "Child A, Child A, Child A, Child A, Child A." == anonymiser.redact(text)

    def test_accents_are_ignored_and_decomposed_forms_match(self, anonymiser):
        """José, Jose, JOSÉ and a decomposed José all become the pseudonym."""
        text = "José, Jose, JOSÉ and Jose\u0301."
        assert "Father, Father, Father and Father." == anonymiser.redact(text)

    def test_word_boundaries(self, anonymiser):
        """Ann is not found in Annual, nor Al in also, nor Li in lime."""
        text = "Annual review; also lime; Al's car; LI."
        expected = "Annual review; also lime; Police Officer 1's car; Police Officer 1."
        assert expected == anonymiser.redact(text)

    def test_full_name_wins_over_its_parts(self, anonymiser):
        """A full name is replaced once, not word by word."""
        assert "Child A and Father came." == anonymiser.redact(
            "Anne-Marie Smith and José Smith came."
        )

    def test_shared_surname_is_withheld_not_guessed(self, anonymiser):
        """A surname two people share becomes the neutral marker."""
        assert f"{NAME_MARKER} phoned." == anonymiser.redact("Mrs Smith phoned.")

    def test_initial_and_surname_identify_one_person(self, anonymiser):
        """J. Smith, J Smith and SMITH, José point to José Smith alone."""
        text = "J. Smith; J Smith; SMITH, José; Smith, J."
        assert "Father; Father; Father; Father." == anonymiser.redact(text)

    @pytest.mark.parametrize("title", ["Mr", "Mrs.", "Dr", "PC", "DS", "Sgt", "Nurse", "Cllr"])
    def test_titles_are_removed_with_the_name(self, anonymiser, title):
        """A title before a name goes with it."""
        assert "Seen by Social Worker 1." == anonymiser.redact(f"Seen by {title} O'Brien.")

    def test_a_title_alone_is_kept(self, anonymiser):
        """A title not followed by a registered name stays."""
        assert "Dr Patel and Social Worker 1" == anonymiser.redact("Dr Patel and Siobhan")

    def test_invisible_characters_inside_a_name(self, anonymiser):
        """A soft hyphen or zero-width space pasted inside a name does not hide it."""
        assert "Father and Father" == anonymiser.redact("Jo\u00adsé and J\u200bose")

    def test_compatibility_forms(self, anonymiser):
        """Full-width and mathematical letters are the letters they look like."""
        assert "Father, Father" == anonymiser.redact("Ｊｏｓｅ, 𝐉𝐨𝐬𝐞")

    def test_one_alias_given_as_a_string_stays_whole(self):
        """aliases="Annie" is one alias, not five one-letter ones."""
        assert ("Annie",) == Identity("Child A", "Ann Smith", aliases="Annie").aliases

    def test_aliases(self, anonymiser):
        """A registered nickname is replaced like the real name."""
        assert "Child A cried." == anonymiser.redact("ANNIE cried.")

    def test_pseudonyms_are_not_redacted(self):
        """A person called Child or A does not break the pseudonym Child A."""
        people = [Identity("Child A", "Ann Child"), Identity("Child B", "A")]
        anonymiser = Anonymiser(people)
        assert "Child A met Child B and Child A." == anonymiser.redact(
            "Child A met A and Ann Child."
        )

    def test_single_letter_parts_only_in_longer_forms(self):
        """An initial in a name is not replaced on its own, unless asked for."""
        person = Identity("Child A", "J Smith")
        assert "I saw J and Child A." == Anonymiser([person]).redact("I saw J and J Smith.")
        strict = Anonymiser([person], single_letters=True)
        assert "I saw Child A and Child A." == strict.redact("I saw J and J Smith.")

    def test_unspaced_scripts_match_inside_runs(self):
        """A Chinese name is found with no spaces around it."""
        anonymiser = Anonymiser([Identity("Child A", "王伟")])
        assert "Child A 的妈妈" == anonymiser.redact("王伟的妈妈")

    def test_names_glued_to_digits_are_found_and_kept_apart(self):
        """Smith2 is redacted, and the pseudonym is kept apart from the digits."""
        anonymiser = Anonymiser([Identity("Child A", "Ann Smith", other=("123456",))])
        expected = f"Child A 2, Child A {IDENTIFIER_MARKER}, Child A_Child A"
        assert expected == anonymiser.redact("Smith2, Smith123456, ann_smith")

    def test_other_cases_are_withheld_with_a_marker(self):
        """People from other cases are replaced by the neutral marker, not a pseudonym."""
        anonymiser = Anonymiser([CHILD], also_withhold=[Identity("Child A", "Bob Jones")])
        assert f"Child A and {NAME_MARKER}" == anonymiser.redact("Annie and Bob Jones")


class TestOtherIdentifiers:
    @pytest.mark.parametrize(
        "written",
        [
            "1980-03-04",
            "04/03/1980",
            "4/3/1980",
            "4.3.1980",
            "04-03-80",
            "4 March 1980",
            "4th March 1980",
            "4th of March, 1980",
            "4 Mar. 1980",
            "March 4, 1980",
            "MARCH 4TH 1980",
        ],
    )
    def test_date_of_birth_formats(self, anonymiser, written):
        """Each common way of writing the date of birth is withheld."""
        assert f"born {DOB_MARKER}." == anonymiser.redact(f"born {written}.")

    def test_other_dates_are_kept(self, anonymiser):
        """A date that is not a date of birth stays (numeric dates are day first)."""
        text = "seen 05/03/1980, 03/04/1980 and 4 March 1981"
        assert text == anonymiser.redact(text)

    def test_postcode_any_case_and_spacing(self, anonymiser):
        """SW1A 1AA, sw1a1aa and Sw1A  1aA are the same postcode."""
        text = "SW1A 1AA, sw1a1aa, Sw1A  1aA"
        marker = ADDRESS_MARKER
        assert f"{marker}, {marker}, {marker}" == anonymiser.redact(text)

    def test_address_whole_and_first_line(self, anonymiser):
        """The full address, the street line and common abbreviations are withheld."""
        text = "at Flat 3, 12 Acacia Avenue, Leeds, SW1A 1AA; later 12 acacia ave."
        assert f"at {ADDRESS_MARKER}; later {ADDRESS_MARKER}." == anonymiser.redact(text)

    def test_other_identifiers_with_any_spacing(self, anonymiser):
        """An NHS number is found with or without spaces."""
        text = "NHS 9434765919 / 943-476-5919"
        expected = f"NHS {IDENTIFIER_MARKER} / {IDENTIFIER_MARKER}"
        assert expected == anonymiser.redact(text)


class TestLeaksAndCheck:
    def test_leaks_locate_without_showing_the_identifier(self, anonymiser):
        """A leak says whose identifier and where, never the identifier itself."""
        text = "Summary\nMet O'Brien at SW1A 1AA."
        leaks = anonymiser.leaks(text)
        assert ["real name", "address"] == [leak.identifier_kind for leak in leaks]
        assert "the real name of Social Worker 1 appears at line 2, column 5" == str(leaks[0])
        assert 12 == leaks[0].position
        for leak in leaks:
            assert "brien" not in str(leak).casefold()
            assert "sw1a" not in str(leak).casefold()

    def test_check_raises_one_line_naming_where_and_whose(self, anonymiser):
        """check() raises an IntegrityError naming the output and the person, not the name."""
        with pytest.raises(AnonymisationError) as caught:
            anonymiser.check("Findings: José was late. Born 4/3/1980.", where="public report")
        message = str(caught.value)
        assert isinstance(caught.value, IntegrityError)
        assert message.startswith("public report: the real name of Father appears at line 1")
        assert "(and 1 more)" in message
        assert "\n" not in message and "jos" not in message.casefold()

    def test_check_passes_on_redacted_text(self, anonymiser):
        """Redacted text passes the check."""
        text = "José Smith, born 4 March 1980, lives at 12 Acacia Avenue."
        assert None is anonymiser.check(anonymiser.redact(text), where="summary")

    def test_bad_identities_are_refused_without_echoing_them(self):
        """An empty pseudonym, a name with no letters or a tiny identifier is an InputError."""
        with pytest.raises(InputError, match="pseudonym must not be empty"):
            Anonymiser([Identity(" ", "Ann")])
        with pytest.raises(InputError, match="the real name of Child A has no letters"):
            Anonymiser([Identity("Child A", "123")])
        with pytest.raises(InputError, match="identifier 1 of Child A needs at least 3"):
            Anonymiser([Identity("Child A", "Ann", other=("7",))])


class TestDocs:
    def test_the_example_in_the_docs_runs(self):
        """Every python block in docs/anonymisation.md runs and its assertions hold."""
        text = (REPO / "docs" / "anonymisation.md").read_text(encoding="utf-8")
        blocks = re.findall(r"^```python\n(.*?)^```$", text, flags=re.S | re.M)
        assert blocks
        for block in blocks:
            exec(compile(block, "docs/anonymisation.md", "exec"), {})


# --- property test --------------------------------------------------------------------

LETTERS = st.characters(categories=["Lu", "Ll", "Lt", "Lo"])
UNSPACED = re.compile(f"[{_UNSPACED}]")
# a word is in a script written with spaces, or in one written without (Chinese, Thai...)
WORD = st.one_of(
    st.text(LETTERS.filter(lambda c: not UNSPACED.match(c)), min_size=1, max_size=6),
    st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=3),
    st.text(
        st.characters(categories=["Lo"], min_codepoint=0x0E01, max_codepoint=0x0E30),
        min_size=1,
        max_size=4,
    ),
)
PART = st.one_of(WORD, st.builds(lambda a, s, b: a + s + b, WORD, st.sampled_from("'-"), WORD))
NAME = st.lists(PART, min_size=1, max_size=3).map(" ".join)
FILLER = st.sampled_from(
    ["the", "visit", "was", "made", "by", "and", "on", "to", "school", "reported", "12", "2019"]
)
PUNCT = st.sampled_from([" ", ", ", ". ", " (", ") ", "\n", ' "', '" ', "; ", " - "])
DOB_FORMATS = [
    "{d:%Y-%m-%d}",
    "{d:%d/%m/%Y}",
    "{d.day}/{d.month}/{d.year}",
    "{d.day} {d:%B %Y}",
    "{d.day}th {d:%B %Y}",
    "{d:%B} {d.day}, {d.year}",
]


def _pieces(name: str) -> list[str]:
    """The folded letter runs of a name (what must not survive on its own)."""
    return re.findall(r"[^\W\d_]+", fold(name))


@st.composite
def people(draw):
    count = draw(st.integers(1, 4))
    names = draw(st.lists(NAME, min_size=count, max_size=count))
    pieces = [set(_pieces(n)) for n in names]
    assume(all(pieces))
    # disjoint parts: a part two people share is (rightly) withheld, tested above
    assume(sum(len(p) for p in pieces) == len(set().union(*pieces)))
    assume(all(_pieces(n)[0] not in TITLES for n in names))
    # nor a one-letter name that is another's initial ("Smith J" is then Jo Smith's)
    for i, mine in enumerate(pieces):
        others = {p[0] for j, theirs in enumerate(pieces) if j != i for p in theirs}
        assume(not any(len(p) == 1 and p in others for p in mine))
    result = []
    for i, name in enumerate(names, 1):
        dob = draw(st.dates(date(1920, 1, 1), date(2025, 12, 31)))
        street = draw(st.text(st.characters(categories=["Ll"]), min_size=3, max_size=8))
        area, district = draw(st.sampled_from(["LS", "SW", "M", "B"])), draw(st.integers(1, 99))
        postcode = f"{area}{district} {draw(st.integers(0, 9))}AB"
        address = f"{draw(st.integers(1, 300))} {street} Road, Leeds, {postcode}"
        result.append(Identity(f"Person {i}", name, date_of_birth=dob, address=address))
    return result


def _case_forms(text: str):
    return st.sampled_from([text, text.upper(), text.lower(), text.title(), text.casefold()])


@st.composite
def mentions(draw, person: Identity):
    """One way of writing a person's name, date of birth or address into free text."""
    parts = [p for p in person.real_name.split() if len(_pieces(p)) and len(fold(p)) >= 2]
    choices = [person.real_name, *parts]
    written = draw(_case_forms(draw(st.sampled_from(choices))))
    kind = draw(st.sampled_from(["plain", "title", "possessive", "dob", "address", "postcode"]))
    if kind == "title":
        written = f"{draw(st.sampled_from(['Mr', 'Mrs.', 'Dr', 'PC', 'nurse']))} {written}"
    elif kind == "possessive":
        written += "'s"
    elif kind == "dob":
        written = draw(st.sampled_from(DOB_FORMATS)).format(d=person.date_of_birth)
    elif kind == "address":
        written = draw(_case_forms(person.address))
    elif kind == "postcode":
        written = person.address.rsplit(", ", 1)[1].replace(" ", draw(st.sampled_from(["", " "])))
    return written, kind


@st.composite
def reports(draw):
    persons = draw(people())
    segments, named = [], set()
    for _ in range(draw(st.integers(1, 8))):
        if draw(st.booleans()):
            segments.append(draw(FILLER))
        else:
            person = draw(st.sampled_from(persons))
            written, kind = draw(mentions(person))
            segments.append(written)
            if kind in ("plain", "title", "possessive"):
                named.add(person.pseudonym)
        segments.append(draw(PUNCT))
    if draw(st.booleans()):
        segments.pop()  # sometimes the text ends on the name itself
    return persons, "".join(segments), named


def _mask_published_words(text: str, persons: list[Identity]) -> str:
    """The redacted text without pseudonyms and markers, whose words are allowed."""
    for allowed in [p.pseudonym for p in persons] + [
        NAME_MARKER,
        DOB_MARKER,
        ADDRESS_MARKER,
        IDENTIFIER_MARKER,
    ]:
        text = text.replace(allowed, " ")
    return text


class TestProperty:
    @given(reports())
    @example(
        (
            [
                Identity(
                    pseudonym="Person 1",
                    real_name="AA'A A",
                    aliases=(),
                    date_of_birth=date(2000, 1, 1),
                    address="1 aaa Road, Leeds, LS1 0AB",
                    other=(),
                )
            ],
            "AA'A A ",
            {"Person 1"},
        )
    )  # found by this test: a piece ("AA") of an apostrophe name matched before the whole
    def test_no_registered_identifier_survives_redaction(self, report):
        """Names in any case and form, dates of birth and addresses never survive redaction."""
        persons, text, named = report
        anonymiser = Anonymiser(persons)
        redacted = anonymiser.redact(text)
        assert [] == anonymiser.leaks(redacted)
        rest = fold(_mask_published_words(redacted, persons))
        for person in persons:
            for piece in _pieces(person.real_name):
                if len(piece) >= 2 or len(_pieces(person.real_name)) == 1:
                    pattern = rf"(?<![^\W\d_]){re.escape(piece)}(?![^\W\d_])"
                    assert not re.search(pattern, rest), (piece, rest)
            for dob_format in DOB_FORMATS:
                assert dob_format.format(d=person.date_of_birth) not in redacted
            postcode = person.address.rsplit(", ", 1)[1]
            squeezed = re.sub(r"\s", "", redacted.casefold())
            assert re.sub(r"\s", "", postcode.casefold()) not in squeezed
        for pseudonym in named:
            assert pseudonym in redacted

    @given(st.text(LETTERS, min_size=1, max_size=10))
    def test_folding_ignores_case(self, word):
        """Upper, lower and title case fold to the same letters."""
        assert fold(word) == fold(word.upper()) == fold(word.lower()) == fold(word.title())

    @given(st.text(LETTERS, min_size=1, max_size=10))
    def test_folding_ignores_normalisation(self, word):
        """Composed and decomposed forms fold to the same letters."""
        assert fold(unicodedata.normalize("NFC", word)) == fold(unicodedata.normalize("NFD", word))

    @given(
        st.text(st.characters(exclude_categories=["Cs"]), max_size=200),
        st.lists(NAME, min_size=1, max_size=3),
    )
    def test_redaction_settles(self, text, names):
        """Redacting twice changes nothing more, and leaves no leak, for any text."""
        anonymiser = Anonymiser([Identity(f"Person {i}", n) for i, n in enumerate(names)])
        once = anonymiser.redact(text)
        assert once == anonymiser.redact(once)
        assert [] == anonymiser.leaks(once)


# --- issue: addresses by their parts, grammar kept, names inside names -----------------

ONE_LINE = Identity("Nurse 1", "Janet Hughes", address="14 Elm Road Newtown AB1 2CD")


class TestAddressParts:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("He lives at 14 Elm Road, Newtown.", f"He lives at {ADDRESS_MARKER}, Newtown."),
            ("seen at 14, Elm Rd", f"seen at {ADDRESS_MARKER}"),
            ("Elm Road is busy", f"{ADDRESS_MARKER} is busy"),
            ("newtown, ab12cd", ADDRESS_MARKER),
            ("Newtown is big", "Newtown is big"),
        ],
    )
    def test_an_address_registered_on_one_line(self, text, expected):
        """House number with street, the distinctive street name, town with postcode."""
        assert expected == Anonymiser([ONE_LINE]).redact(text)

    def test_a_common_street_name_alone_is_kept(self):
        """ "High Street" names no one on its own; "3 High Street" still does."""
        anonymiser = Anonymiser([Identity("Parent 1", "Al Bo", address="3 High Street, Leeds")])
        assert "High Street" == anonymiser.redact("High Street")
        assert ADDRESS_MARKER == anonymiser.redact("3 high st")

    @given(
        number=st.integers(1, 999),
        street=st.text(st.sampled_from("bdgklmnprstvz"), min_size=2, max_size=3).map(
            lambda c: "".join(x + "a" for x in c).capitalize()
        ),
        kind=st.sampled_from(["Road", "Close", "Lane", "Row", "Way"]),
        separators=st.lists(
            st.sampled_from([" ", ", ", ",", "\n", "; ", " ,  "]), min_size=4, max_size=4
        ),
    )
    def test_any_punctuation_when_registered(self, number, street, kind, separators):
        """However the address was punctuated, each part is withheld however it is written."""
        parts = [str(number), f"{street} {kind}", "Wexbridge", "LS4 4AB"]
        registered = "".join(p + s for p, s in zip(parts, separators, strict=False)).strip()
        anonymiser = Anonymiser([Identity("Parent 1", "Al Bo", address=registered)])
        for written in (
            f"{number}, {street} {kind.upper()}",
            f"{street} {kind}",
            "wexbridge ls44ab",
        ):
            assert [] == anonymiser.leaks(anonymiser.redact(f"at {written}."))
            assert ADDRESS_MARKER in anonymiser.redact(f"at {written}.")


class TestGrammarKept:
    def test_apostrophe_prefix_after_a_title(self):
        """ "Mr O'Hara" is one name, even when another person is called Hara."""
        anonymiser = Anonymiser(
            [Identity("Social Worker 1", "Sean OHara"), Identity("Parent 1", "Hara Smith")]
        )
        assert "Social Worker 1 called." == anonymiser.redact("Mr O'Hara called.")
        assert "Parent 1 called." == anonymiser.redact("Hara Smith called.")

    def test_words_between_two_mentions_are_kept(self):
        """ "Nurse Hughes; janet hughes's notes": the semicolon and the possessive stay."""
        assert "Nurse 1; Nurse 1's notes" == Anonymiser([ONE_LINE]).redact(
            "Nurse Hughes; janet hughes's notes"
        )

    @pytest.mark.parametrize("joined", ["Hughes, Janet", "J. Hughes", "Janet\nHughes"])
    def test_names_joined_by_commas_stops_and_spaces(self, joined):
        """The forms a name is written in still match."""
        assert "Nurse 1" == Anonymiser([ONE_LINE]).redact(joined)
