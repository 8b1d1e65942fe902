"""The visible text the final leak check reads: at least as strict as html.parser's reading.

:func:`aaib_cp.reports.visible_text` replaced a reading of the page with ``html.parser``
(kept below as :func:`parser_visible_text`). On generated pages, every identifier the
old reading let the anonymiser find, the new one lets it find too; and the attacks the
old one missed (a name split by inline markup, in an SVG picture's text, after an
unclosed ``style``) are found.
"""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from urllib.parse import quote

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aaib_cp.exceptions import AnonymisationError
from aaib_cp.reports import render, visible, visible_text
from aaib_cp.reports.anonymise import Anonymiser, Identity
from aaib_cp.reports.model import ProcessStep
from tests.report_fixtures import PUBLISHED, rich_report


class _Visible(HTMLParser):
    """The html.parser reading the leak check used before (verbatim)."""

    _SHOWN = frozenset({"alt", "title", "aria-label", "aria-description", "placeholder"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        self.parts += [v for k, v in attrs if k in self._SHOWN and v]

    def handle_endtag(self, tag):
        if tag in ("style", "script") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def parser_visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.parts)


ANON = Anonymiser(
    [
        Identity("Parent 1", "Quilliam Farrow", address="14 Elmfield Road, Northtown NT1 2AB"),
        Identity("Child 1", "Siobhán O'Brien", other=("NHS 485 777 3456",)),
        Identity("Worker 1", "Bo Li"),
    ],
    also_withhold=[Identity("Other 1", "Marguerite Oyelaran")],
)


def _found(text: str) -> set[tuple[str, str]]:
    return {(leak.identifier_kind, leak.pseudonym) for leak in ANON.leaks(text)}


def _svg_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


# Pieces of pages: names whole and in parts, markup well and badly formed, references.
WORDS = [
    "Quilliam", "Farrow", "Quil", "liam", "Far", "row", "Siobhán", "O'Brien", "O", "Brien",
    "Bo Li", "Li", "Marguerite", "Oyelaran", "14 Elmfield Road", "NT1 2AB", "485 777 3456",
    "visit", "home", " ", "\n", ".", ",", "'", '"', "=", "/", "-", "the",
]  # fmt: skip
MARKUP = [
    "<p>", "</p>", "<b>", "</b>", "<span class=\"num\">", "</span>", "<br>", "<br/>",
    "<td>", "</td>", "<th scope=\"row\">", "<img alt=\"", "\" src=\"data:,\">",
    "<img alt=Farrow>", "<abbr title='O&#39;Brien'>", "<a title=\"Quil", "liam\">",
    "<div aria-label=\"Bo Li\">", "<input value=\"Farrow\" placeholder=\"x\">",
    "<style>", "</style>", "<STYLE type=\"text/css\">", "</ style >", "<style/>",
    "<script>", "</script>", "<!--", "-->", "<!DOCTYPE html>", "<?pi ?>", "<![CDATA[",
    "]]>", "<", ">", "</", "<a", " title=", "<a/title=\"Farrow\">", "<p title=\"a>b\">",
    "</a title=\"x\">", "<x=\"Farrow\">", "&amp;", "&lt;", "&gt;", "&#70;", "&#x46;",
    "&shy;", "\u00ad", "\u200b", "&#x200B;", "&quot;", "&", "&#", "&Farrow;", "&amp",
    "<svg><text>", "</text></svg>", "<title>", "</title>", "<![if x]>", "]>", "--!>",
    "<!-->", "<style / >", "<style\x0b>", "<script src='a>b'>", "</script >", "<p/>",
]  # fmt: skip
pages = st.lists(st.sampled_from(WORDS + MARKUP), max_size=40).map("".join)


class TestMarkupTakenFirst:
    @settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow], deadline=None)
    @given(pages)
    def test_the_same_reading_as_the_pattern_as_read(self, page):
        """The pattern that takes each construct's "<" first reads pages exactly as
        the alternatives it is made from do (it is only faster)."""
        reference = re.compile(visible.MARKUP_AS_READ, re.S)
        assert reference.sub(visible._markup, page) == visible._MARKUP.sub(visible._markup, page)


def glued_as_a_loop(page: str) -> bool:
    """The loop _glued was: each inline tag start, its run and the characters either side."""
    start = re.compile(rf"<(?:/?(?:{visible._INLINE_NAMES})(?=[\s/>])|!--)")
    for match in start.finditer(page):
        before = page[match.start() - 1 : match.start()]
        if before and before not in "<>" and not before.isspace():
            end = visible._INLINE_RUN.match(page, match.start())
            after = page[end.end() : end.end() + 1] if end else ""
            if after and after not in "<>" and not after.isspace():
                return True
    return False


class TestGluedInOnePattern:
    @settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow], deadline=None)
    @given(pages)
    def test_the_same_answer_as_the_loop(self, page):
        assert glued_as_a_loop(page) == visible._glued(page)

    @pytest.mark.parametrize(
        ("page", "glued"),
        [
            ("Jo<b></b>hn", True),
            ("Jo <b></b>hn", False),
            ("Jo<b></b> hn", False),
            ("Jo<!-- x -->hn", True),
            ("Jo<!-- a --> b -->hn", False),  # the comment ends at its first "-->"
            ("Jo<b>", False),
            ("<b>John</b>", False),
        ],
    )
    def test_examples(self, page, glued):
        assert glued == visible._glued(page) == glued_as_a_loop(page)


class TestSvgPicturesFound:
    @settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow], deadline=None)
    @given(
        st.lists(
            st.sampled_from(
                [
                    "data:image/svg+xml,", "DATA:Image/SVG+XML;base64,", "data:image/ſvg+xml,",
                    "data:İmage/svg+xml,", "data:image/svg+xml", "<svg>", "a", " ", '"', ",",
                    "%3Csvg%3E", "K", "ı", ";x", ">", "İ",
                ]
            ),
            max_size=12,
        ).map("".join)
    )  # fmt: skip
    def test_the_same_uris_as_the_pattern(self, page):
        """Found with str.find on the lower case, or the pattern where that would differ."""
        expected = [(m.span(), m.groupdict()) for m in visible._SVG_URI.finditer(page)]
        assert expected == [(m.span(), m.groupdict()) for m in visible._svg_uris(page)]


class TestAtLeastAsStrictAsHtmlParser:
    @settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
    @given(pages)
    def test_every_leak_the_parser_reading_finds_is_found(self, page):
        """Differential: leaks found in html.parser's reading are found in the new one."""
        assert _found(parser_visible_text(page)) <= _found(visible_text(page))

    @pytest.mark.parametrize(
        "page",
        [
            "<p>Quilliam <b>Farrow</b></p>",
            '<img alt="Quilliam Farrow" src="data:,">',
            "<table><tr><th>14 Elmfield Road</th><td>NT1 2AB</td></tr></table>",
            "<p>O<b></b>Brien</p>",
            "<p>Sio&shy;bh&aacute;n &#79;&#x27;Brien</p>",
            "<abbr title='NHS 485 777 3456'>NHS</abbr>",
        ],
    )
    def test_the_same_text_as_the_parser_on_ordinary_pages(self, page):
        assert _found(parser_visible_text(page)) == _found(visible_text(page))
        assert _found(visible_text(page))


class TestAttacks:
    """What a reader sees, however the markup hides it from a naive reading."""

    @pytest.mark.parametrize(
        "page",
        [
            "<p>Quil<b></b>liam</p>",  # inline markup inside a word
            "<p>Quil<span class='x'>liam</span></p>",
            "<p>Far<wbr>row</p>",
            "<p>Far<!-- a comment -->row</p>",
            "<p>Quil<B>liam</B></p>",  # upper-case markup
        ],
    )
    def test_a_name_split_by_inline_markup(self, page):
        assert ("real name", "Parent 1") not in _found(parser_visible_text(page))
        assert ("real name", "Parent 1") in _found(visible_text(page))

    @pytest.mark.parametrize(
        "page",
        [
            "<p>Far&shy;row</p>",
            "<p>Far\u00adrow</p>",
            "<p>Far\u200brow</p>",
            "<p>Far&#x200B;row</p>",
            "<p>Far&#8288;row</p>",  # word joiner
            "<p>&#70;arrow</p>",
            "<p>&#x46;&#x61;rrow</p>",
        ],
    )
    def test_a_name_with_invisible_characters_or_references(self, page):
        assert ("real name", "Parent 1") in _found(visible_text(page))

    @pytest.mark.parametrize(
        "attribute", ["alt", "title", "aria-label", "ARIA-LABEL", "placeholder", "value", "label"]
    )
    @pytest.mark.parametrize("quote", ['"', "'", ""])
    def test_a_name_in_a_shown_attribute(self, attribute, quote):
        page = f"<p><img {attribute}={quote}Farrow{quote} src='data:,'>text</p>"
        assert ("real name", "Parent 1") in _found(visible_text(page))

    def test_markup_and_other_attributes_are_not_text(self):
        """A name that is a tag or attribute name, or in a class, is not shown."""
        page = '<p class="Farrow" data-x="Farrow"><mark>seen</mark></p><farrow></farrow>'
        assert "Farrow" not in visible_text(page) and "seen" in visible_text(page)

    def test_a_name_in_an_embedded_svg_picture(self):
        svg = '<svg xmlns="http://www.w3.org/2000/svg"><text x="1">Quilliam Farrow</text></svg>'
        for uri in (_svg_uri(svg), "data:image/svg+xml;utf8," + quote(svg)):
            page = f'<figure><img src="{uri}" alt="a figure"></figure>'
            assert ("real name", "Parent 1") not in _found(parser_visible_text(page))
            assert ("real name", "Parent 1") in _found(visible_text(page))
        title = '<svg xmlns="http://www.w3.org/2000/svg"><title>Bo Li</title></svg>'
        assert ("real name", "Worker 1") in _found(visible_text(f"<img src='{_svg_uri(title)}'>"))

    def test_a_name_in_inline_svg_text(self):
        page = "<svg><g><text>Marguerite</text><text>Oyelaran</text></g></svg>"
        assert ("real name", "Other 1 (another case)") in _found(visible_text(page))

    def test_an_unclosed_style_hides_nothing(self):
        """html.parser dropped everything after an unclosed style; a browser may show it."""
        page = "<style>p { color: red }<p>Quilliam Farrow</p>"
        assert not _found(parser_visible_text(page))
        assert ("real name", "Parent 1") in _found(visible_text(page))

    def test_a_comment_is_read(self):
        """The page's source is public too: comments are read (html.parser skipped them)."""
        assert ("real name", "Parent 1") in _found(visible_text("<!-- Quilliam Farrow -->"))

    def test_style_and_script_text_is_not_shown(self):
        page = "<style>.farrow { }</style><script>var farrow;</script><p>visit</p>"
        assert "farrow" not in visible_text(page).lower()


class TestTheReport:
    def test_a_registered_name_in_the_process_picture_is_refused(self):
        """The process diagram is an SVG picture: a name drawn in it is what a reader sees."""
        data = rich_report()
        name = "Hepzibah Crowthorne"
        steps = (ProcessStep(name=name, description="a phase", status="done"), *data.process)
        data = attrs.evolve(data, process=steps)
        anon = Anonymiser([Identity("Parent 7", name)])

        def check(text: str) -> None:
            anon.check(text, where="public report")

        # every text is redacted; the picture, drawn from the data, still carries the name
        options = {"audience": "public", "public_states": PUBLISHED, "redact": anon.redact}
        with pytest.raises(AnonymisationError, match="real name of Parent 7"):
            render(data, fmt="html", check=check, **options)
        anon.check(render(data, fmt="md", **options), where="the same report as Markdown")
