"""The Annex 13 report document: sections, stable paragraph numbers, wording, safe space."""

from __future__ import annotations

import re

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aaib_cp.exceptions import InputError
from aaib_cp.reports import document_for, render, visible_text
from aaib_cp.reports.anonymise import Anonymiser, Identity
from aaib_cp.reports.blocks import Heading, Para, long_date, recommendation_prose, suppressed
from aaib_cp.reports.figures import process_svg
from aaib_cp.reports.model import ProcessStep
from tests.report_fixtures import CONDUCT_NOTE, PUBLISHED, rich_report

AUDIENCES = ("restricted", "public", "summary")


@pytest.fixture(scope="module")
def data():
    return rich_report()


def _numbers(document) -> list[tuple[str, str]]:
    """Each numbered heading and paragraph: (number, what it is about)."""
    out = []
    for b in document.blocks:
        if isinstance(b, Heading) and b.number:
            out.append((b.number, b.title))
        elif isinstance(b, Para) and b.number:
            out.append((b.number, b.lead or ""))
    return out


class TestStructure:
    def test_annex_13_sections_in_order(self, data):
        """Synopsis, then 1 to 4, then the appendices, as the ICAO final-report format has them."""
        document = document_for(data, audience="public", public_states=PUBLISHED)
        sections = [b.title for b in document.blocks if isinstance(b, Heading) and b.level == 2]
        assert [
            "Synopsis",
            "Factual information",
            "Analysis",
            "Conclusions",
            "Safety recommendations",
            "Appendix A: Chronology",
            "Appendix B: The investigation process",
            "Appendix C: Consultation and feedback",
            "Appendix D: Glossary",
        ] == sections

    def test_paragraph_numbers_are_the_same_for_every_audience_and_draft(self, data):
        """A number cited against the restricted draft points at the same paragraph when final."""
        draft = attrs.evolve(data, draft=True, case=attrs.evolve(data.case, state="consultation"))
        team_draft = _numbers(document_for(draft, audience="restricted"))
        final = _numbers(document_for(data, audience="public", public_states=PUBLISHED))
        assert [n for n, _ in team_draft] == [n for n, _ in final]
        assert ("4.2.1", "Safety Recommendation CP-2026-0001-SR01:") in final

    def test_numbers_are_dotted_and_in_order(self, data):
        """Every number is 1, 1.1 or 1.1.1, without gaps inside its parent."""
        numbers = [n for n, _ in _numbers(document_for(data, audience="restricted"))]
        assert all(re.fullmatch(r"\d(\.\d+){0,2}", n) for n in numbers)
        numbers = [n for n in numbers if "." in n]
        for parent in {n.rsplit(".", 1)[0] for n in numbers}:
            children = [int(n.rsplit(".", 1)[1]) for n in numbers if n.rsplit(".", 1)[0] == parent]
            assert list(range(1, len(children) + 1)) == children

    def test_restricted_classifications_in_a_last_appendix(self, data):
        """Appendix E exists only in the restricted report, after the others."""
        restricted = document_for(data, audience="restricted")
        titles = [b.title for b in restricted.blocks if isinstance(b, Heading) and b.level == 2]
        assert "Appendix E: Just-culture classifications (restricted)" == titles[-1]

    def test_narrative_from_key_practice_episodes(self, data):
        """1.2 tells the key practice episodes in order, not a count of events."""
        text = render(data, audience="public", fmt="md", public_states=PUBLISHED)
        assert "**1.2.2** **12 Jan 2026, Wexbridge NHS Trust.** Health visitor 1 saw" in text
        assert "**1.2.3**" not in text  # the other entry is not a key practice episode

    def test_title_page_fields_come_from_the_data(self, data):
        """Declared details are on the title page or in 1.1; nothing names a workflow's field."""
        document = document_for(data, audience="public", public_states=PUBLISHED)
        assert ("Depth of investigation", "field") in document.title_page
        assert ("Date of this report", "29 November 2026") in document.title_page
        paras = [b for b in document.blocks if isinstance(b, Para) and b.number == "1.1.2"]
        assert "Terms of reference." == paras[0].lead


class TestWording:
    @pytest.mark.parametrize(
        ("iso", "expected"),
        [("2026-11-29", "29 November 2026"), ("2026-01-03T09:00", "3 January 2026")],
    )
    def test_long_dates(self, iso, expected):
        """Dates in running text read as en-GB long dates."""
        assert expected == long_date(iso)

    @given(st.text(max_size=20))
    def test_long_date_leaves_other_text(self, text):
        """Anything not an ISO date is left as written."""
        if not re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}.*", text):
            assert text == long_date(text)

    def test_recommendation_prose(self):
        """The AAIB's wording: "It is recommended that [addressee] [action]"."""
        assert (
            "It is recommended that Wexbridge NHS Trust follow up every referral."
            == recommendation_prose("Wexbridge NHS Trust", "Follow up every referral")
        )
        assert "that NHS England set" in recommendation_prose("NHS England", "NHS England set")

    @pytest.mark.parametrize(("count", "shown"), [(0, "0"), (1, "fewer than 3"), (3, "3")])
    def test_small_counts_are_suppressed(self, count, shown):
        """Counts from 1 to the threshold less one are published as "fewer than N"."""
        assert shown == suppressed(count, 3)

    def test_response_grade_and_status_apart(self, data):
        """Each recommendation states its response and its status as separate words."""
        text = render(data, audience="public", fmt="md", public_states=PUBLISHED)
        assert "Response: adequate. Status: closed." in text
        assert "Responses: 1 adequate; 1 awaiting response. Status: 1 closed; 1 open." in text


class TestSafeSpace:
    @pytest.mark.parametrize("audience", ["public", "summary"])
    @pytest.mark.parametrize("fmt", ["md", "html"])
    def test_conduct_factor_never_linked_or_shown(self, data, audience, fmt):
        """A violation or error code and its note stay out; no factor names an act."""
        text = render(data, audience=audience, fmt=fmt, public_states=PUBLISHED)
        for hidden in ("ACT.ROUTINE", "Routine violation", CONDUCT_NOTE, "Acts: A1"):
            assert hidden not in text

    def test_restricted_links_factors_to_acts(self, data):
        """The team's report keeps the link and the note."""
        text = render(data, audience="restricted", fmt="md")
        assert "Acts: A1" in text and CONDUCT_NOTE in text

    def test_small_counts_threshold_is_the_callers(self, data):
        """A threshold below 1 is refused with one line."""
        with pytest.raises(InputError, match="small counts"):
            render(data, audience="public", fmt="md", public_states=PUBLISHED, small_counts=0)


class TestMarking:
    @pytest.mark.parametrize(
        ("audience", "marking"),
        [("restricted", "OFFICIAL-SENSITIVE"), ("public", "OFFICIAL"), ("summary", "OFFICIAL")],
    )
    def test_default_marking_by_audience(self, data, audience, marking):
        """The marking is in the page margins (print) and at the top and bottom (screen)."""
        text = render(data, audience=audience, fmt="html", public_states=PUBLISHED)
        assert 2 == text.count(f"-center {{ content: {_css(marking)};")
        assert f'<p class="marking">{marking}' in text

    def test_marking_is_configurable_and_checked(self, data):
        """A given marking replaces the default; a marking over two lines is refused."""
        text = render(data, audience="public", fmt="md", public_states=PUBLISHED, marking="X-1")
        assert text.startswith("**X-1**") and text.endswith("**X-1**\n")
        with pytest.raises(InputError, match="marking"):
            render(data, audience="public", fmt="md", public_states=PUBLISHED, marking="a\nb")


def _css(text: str) -> str:
    return '"' + "".join(c if c.isalnum() else f"\\{ord(c):06x}" for c in text) + '"'


class TestVisibleText:
    def test_tag_names_are_not_text(self):
        """People called Mark, Em or Del do not match <mark>, <em>, <del> markup."""
        html = '<p><em class="x">seen</em><del>gone</del><img alt="Mark Em" src="data:,"></p>'
        parts = [p.replace("\u2060", "") for p in visible_text(html).split("\n") if p]
        # the first reading, tag by tag; then the same text as read, "seengone" (one word)
        assert ["seen", "gone", "Mark Em", "seengone", "Mark Em"] == parts

    def test_a_public_html_report_with_tag_like_names(self, data):
        """A registered "Em Del" does not block the public HTML; the report has <em>-free text."""
        anonymiser = Anonymiser([Identity("Parent 9", "Em Del"), Identity("Parent 8", "Mark")])
        text = render(
            data,
            audience="public",
            fmt="html",
            public_states=PUBLISHED,
            redact=anonymiser.redact,
            check=lambda out: anonymiser.check(out, where="public report"),
        )
        assert "<th scope" in text


class TestProcessFigure:
    def test_states_on_one_axis_with_a_legend_beside(self):
        """Every box shares one x; the legend sits to the right; progress is written in words."""
        steps = [
            ProcessStep(name="Evidence", description="", status="done"),
            ProcessStep(name="Analysis", description="", status="current"),
            ProcessStep(name="Closed", description=""),
        ]
        svg = process_svg(steps, title="Phases").decode()
        xs = re.findall(r'<rect x="(\d+)" y="\d+" width="300"', svg)
        assert 3 == len(xs) and 1 == len(set(xs))
        legend_x = int(re.search(r'<text x="(\d+)"[^>]*>Legend', svg)[1])
        assert legend_x > int(xs[0]) + 300
        for word in ("done", "current", "to come"):
            assert 2 == svg.count(word)  # in the box and in the legend
        assert "_" not in re.sub(r"<[^>]+>", "", svg)


def test_docs_show_a_page_of_the_public_pdf():
    """docs/reports.md shows a page of the demo's public PDF, and the picture is committed."""
    import struct

    from tests.conftest import REPO

    text = (REPO / "docs" / "reports.md").read_text(encoding="utf-8")
    found = re.search(r"!\[([^\]]+)\]\((images/[^)]+\.png)\)", text)
    assert found and "public report as a PDF" in found[1].replace("\n", " ")
    picture = (REPO / "docs" / found[2]).read_bytes()
    assert picture.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", picture[16:24])
    assert 1.35 < height / width < 1.48  # an A4 page
