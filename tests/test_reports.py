"""Reports: what each audience shows and hides, DRAFT marks, escaping, self-containment."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aaib_cp.exceptions import InputError
from aaib_cp.reports import ReportData, markdown_escape, render, visible_text
from aaib_cp.reports.blocks import long_date
from aaib_cp.reports.build import without_data_uris
from tests.report_fixtures import (
    ADDRESSES,
    CONDUCT_NOTE,
    DATES_OF_BIRTH,
    OUTCOME_LABELS,
    PROTECTED_DESCRIPTION,
    PUBLISHED,
    RATIONALE,
    REAL_NAMES,
    rich_report,
)

FORMATS = ("md", "html")
PUBLIC = [(a, f) for a in ("public", "summary") for f in FORMATS]
ALL = [(a, f) for a in ("restricted", "public", "summary") for f in FORMATS]
QUESTION = "Did the person knowingly depart from protocols?"


@pytest.fixture(scope="module")
def data() -> ReportData:
    return rich_report()


class TestRestricted:
    @pytest.mark.parametrize("fmt", FORMATS)
    def test_shows_real_names_and_classifications(self, data, fmt):
        """The team's report has real names, dates of birth, addresses and outcomes."""
        text = _plain(render(data, audience="restricted", fmt=fmt))
        dates = [long_date(d) for d in DATES_OF_BIRTH]
        wanted = [*REAL_NAMES, *dates, *OUTCOME_LABELS, RATIONALE, QUESTION, CONDUCT_NOTE]
        assert [] == [w for w in wanted if w not in text]

    @pytest.mark.parametrize("fmt", FORMATS)
    def test_is_marked_restricted(self, data, fmt):
        """The restricted report is OFFICIAL-SENSITIVE, at the top and the bottom."""
        text = render(data, audience="restricted", fmt=fmt)
        mark = "OFFICIAL-SENSITIVE: contains real names and just-culture classifications"
        assert 2 == _plain(text).count(mark)

    @pytest.mark.parametrize("fmt", FORMATS)
    def test_withholds_protected_content(self, data, fmt):
        """Protected evidence is listed but its description is withheld even from the team."""
        text = render(data, audience="restricted", fmt=fmt)
        assert PROTECTED_DESCRIPTION not in text
        assert "protected material: withheld" in text

    def test_may_exist_before_the_final_report(self):
        """The restricted report renders in draft_report."""
        text = render(rich_report(state="draft_report"), audience="restricted", fmt="md")
        assert "Investigation report (restricted)" in _plain(text)


class TestPublicAndSummary:
    @pytest.mark.parametrize(("audience", "fmt"), PUBLIC)
    def test_no_real_identifiers(self, data, audience, fmt):
        """No real name, date of birth or address appears in a public output."""
        text = render(data, audience=audience, fmt=fmt, public_states=PUBLISHED)
        leaked = [w for w in (*REAL_NAMES, *DATES_OF_BIRTH, *ADDRESSES) if w in text]
        assert [] == leaked

    @pytest.mark.parametrize(("audience", "fmt"), PUBLIC)
    def test_classifications_only_as_counts(self, data, audience, fmt):
        """Outcomes per act, answers and rationales stay out; the counts are published."""
        text = _plain(render(data, audience=audience, fmt=fmt, public_states=PUBLISHED))
        hidden = [w for w in (*OUTCOME_LABELS, RATIONALE, QUESTION, "Marx") if w in text]
        assert [] == hidden
        assert "Fewer than 3 acts or omissions were classified" in text
        assert "no breakdown is published" in text and "referred outside" not in text
        low = _plain(
            render(data, audience=audience, fmt=fmt, public_states=PUBLISHED, small_counts=1)
        )
        assert "1 referred outside the safety investigation" in low

    @pytest.mark.parametrize(("audience", "fmt"), PUBLIC)
    def test_protected_evidence_absent(self, data, audience, fmt):
        """Protected evidence is left out entirely, description and reference."""
        text = without_data_uris(render(data, audience=audience, fmt=fmt, public_states=PUBLISHED))
        assert PROTECTED_DESCRIPTION not in text
        assert "E2" not in text

    @pytest.mark.parametrize("fmt", FORMATS)
    def test_public_uses_pseudonyms(self, data, fmt):
        """The public report names people by pseudonym and keeps the narrative."""
        text = render(data, audience="public", fmt=fmt, public_states=PUBLISHED)
        for pseudonym in ("Social worker 1", "Health visitor 1", "Child B"):
            assert pseudonym in text
        assert "Referral screened; no further action" in text

    @pytest.mark.parametrize(("audience", "fmt"), PUBLIC)
    def test_recommendations_and_addressees(self, data, audience, fmt):
        """Recommendations appear with their reference and the organisation addressed."""
        text = render(data, audience=audience, fmt=fmt, public_states=PUBLISHED)
        assert markdown_escape("CP-2026-0001-SR01") in text or "CP-2026-0001-SR01" in text
        assert "Wexbridge NHS Trust" in text
        assert "presumption of blame" in text

    def test_summary_is_short(self, data):
        """The executive summary leaves out the chronology, evidence and people tables."""
        text = render(data, audience="summary", fmt="md", public_states=PUBLISHED)
        headings = re.findall(r"^#{1,2} (?:DRAFT: )?(.+)$", text, flags=re.M)
        assert [
            "Executive summary",
            "Synopsis",
            "2.3 Just culture",
            "3.2 Causal and contributory factors",
            "4.2 Safety recommendations",
        ] == headings
        assert "Referral screened" not in text and "| Pseudonym |" not in text

    @pytest.mark.parametrize(("audience", "fmt"), PUBLIC)
    @pytest.mark.parametrize("state", ["consultation", "draft_report", "suspended"])
    def test_refused_before_final_report(self, audience, fmt, state):
        """Public outputs before final_report raise InputError naming the case and state."""
        with pytest.raises(InputError, match=f"CP-2026-0001 is in '{state}'"):
            render(rich_report(state=state), audience=audience, fmt=fmt, public_states=PUBLISHED)

    @pytest.mark.parametrize(("audience", "fmt"), PUBLIC)
    def test_no_published_phase_no_public_outputs(self, audience, fmt):
        """Without published states (a workflow with no published phase), none is made."""
        with pytest.raises(InputError, match="exist only in the workflow's published phase"):
            render(rich_report(), audience=audience, fmt=fmt, public_states=())

    def test_caller_decides_public_states(self):
        """The allowed states are the caller's: a custom set is honoured."""
        text = render(
            rich_report(state="closed_early"),
            audience="public",
            fmt="md",
            public_states={"closed_early"},
        )
        assert "Investigation report" in text


class TestRedactAndCheck:
    @pytest.mark.parametrize(("audience", "fmt"), PUBLIC)
    def test_redact_reaches_every_text(self, data, audience, fmt):
        """The redact function is applied to every text of the public view."""
        text = render(
            data,
            audience=audience,
            fmt=fmt,
            redact=lambda s: s.replace("Wexbridge", "X"),
            public_states=PUBLISHED,
        )
        assert "Wexbridge" not in text

    def test_redact_leaves_pictures(self, data):
        """Pictures are embedded unchanged when redact rewrites text."""
        text = render(
            data,
            audience="public",
            fmt="html",
            redact=lambda s: s.replace("A", "B"),
            public_states=PUBLISHED,
        )
        assert _data_uri(data.timeline_png) in text

    def test_restricted_is_not_redacted(self, data):
        """The restricted report is for the team: redact is not applied."""
        text = render(data, audience="restricted", fmt="md", redact=lambda s: "")
        assert REAL_NAMES[0] in text

    @pytest.mark.parametrize(("audience", "fmt"), PUBLIC)
    def test_check_sees_the_whole_output(self, data, audience, fmt):
        """check receives what a reader sees (HTML: text and shown attributes); errors propagate."""
        seen: list[str] = []
        text = render(data, audience=audience, fmt=fmt, check=seen.append, public_states=PUBLISHED)
        assert [visible_text(text) if fmt == "html" else text] == seen

        def refuse(_: str) -> None:
            raise InputError("anonymiser: a registered name remains")

        with pytest.raises(InputError, match="registered name"):
            render(data, audience=audience, fmt=fmt, check=refuse, public_states=PUBLISHED)


class TestDraft:
    @pytest.mark.parametrize(("audience", "fmt"), ALL)
    @pytest.mark.parametrize("draft", [True, False])
    def test_draft_mark_iff_draft(self, audience, fmt, draft):
        """Every output is marked DRAFT exactly when the data is a draft."""
        text = render(rich_report(draft=draft), audience=audience, fmt=fmt, public_states=PUBLISHED)
        assert draft == ("DRAFT" in text)

    def test_html_watermark(self):
        """The HTML draft has a fixed, diagonal watermark and a banner."""
        text = render(
            rich_report(draft=True), audience="public", fmt="html", public_states=PUBLISHED
        )
        assert '<div class="watermark" aria-hidden="true">DRAFT</div>' in text
        assert "rotate(-35deg)" in text and 'class="banner banner-draft"' in text


class TestEscaping:
    @pytest.mark.parametrize(("audience", "fmt"), ALL)
    def test_script_in_free_text_is_inert(self, data, audience, fmt):
        """Free text with <script> is escaped in every output."""
        text = render(data, audience=audience, fmt=fmt, public_states=PUBLISHED)
        assert "<script" not in text.lower()
        assert "&lt;script&gt;" in text

    def test_html_tags_are_balanced(self, data):
        """Hostile text cannot open an element: the only scripts and tags are the template's."""
        hostile = attrs.evolve(
            data, case=attrs.evolve(data.case, title='"><img src=x onerror=alert(1)>')
        )
        text = render(hostile, audience="public", fmt="html", public_states=PUBLISHED)
        assert "onerror=alert(1)>" not in text and "<img src=x" not in text

    @given(st.text())
    def test_markdown_escape_leaves_no_markup(self, text):
        """Escaped Markdown has no raw <, > or unescaped emphasis, link or table characters."""
        escaped = markdown_escape(text)
        assert "<" not in escaped and ">" not in escaped
        assert not re.search(r"(?<!\\)[*_`\[\]|#]", escaped.replace("\\\\", ""))

    def test_markdown_block_starts_are_escaped(self):
        """A line that would start a list, heading or quote is escaped; a backslash goes
        before punctuation only (before a digit Markdown would show it)."""
        assert "\\- item\n1\\. one\n\\# title" == markdown_escape("- item\n1. one\n# title")
        assert "12\\) twelve" == markdown_escape("12) twelve")


class TestSelfContained:
    @pytest.mark.parametrize("audience", ["restricted", "public", "summary"])
    def test_no_external_urls(self, data, audience):
        """No src or href points anywhere but a data URI or a fragment."""
        text = render(data, audience=audience, fmt="html", public_states=PUBLISHED)
        links = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', text)
        assert [] == [u for u in links if not u.startswith(("data:", "#"))]
        assert "http://" not in text and "https://" not in text

    def test_images_embedded_as_data_uris(self, data):
        """The timeline (PNG) and the process figure (SVG) are embedded with alt text."""
        text = render(data, audience="public", fmt="html", public_states=PUBLISHED)
        images = _Images.parse(text)
        assert ["data:image/png", "data:image/svg+xml"] == [i["src"].split(";")[0] for i in images]
        assert all(i.get("alt") for i in images)

    def test_accessible_structure(self, data):
        """The page declares its language, has one h1 and table headers."""
        text = render(data, audience="public", fmt="html", public_states=PUBLISHED)
        assert '<html lang="en-GB">' in text
        assert 1 == text.count("<h1>")
        assert '<th scope="col">' in text


class TestPrintMedium:
    @pytest.mark.parametrize("audience", ["restricted", "public"])
    def test_chronology_one_paragraph_per_entry(self, data, audience):
        """The HTML the PDF is printed from lists the chronology one paragraph per entry,
        the table's row text in order; everything else is the screen HTML's."""
        screen = render(data, audience=audience, fmt="html", public_states=PUBLISHED)
        printed = render(
            data, audience=audience, fmt="html", public_states=PUBLISHED, medium="print"
        )
        table = re.search(r'<table id="chronology">.*?</table>\n', screen, re.S)[0]
        entries = re.search(
            r'<section id="chronology" class="entries">.*?</section>\n', printed, re.S
        )[0]
        assert screen.replace(table, "") == printed.replace(entries, "")
        rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>")[1])
        paragraphs = re.findall(r'<p class="entry[^"]*">(.*?)</p>', entries)
        assert len(data.chronology) == len(rows) == len(paragraphs)
        for row, paragraph in zip(rows, paragraphs, strict=True):
            cells = [visible_text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
            when, agency, people, what, records = cells
            assert "—" not in (people, records, agency)  # every field of the fixture is given
            expected = f"{when} · {agency} — {what} (people: {people}; records: {records})"
            assert expected == visible_text(paragraph)

    def test_key_practice_episodes_marked(self, data):
        """A key practice episode's entry says so in words and is set apart (bold)."""
        printed = render(
            data, audience="public", fmt="html", public_states=PUBLISHED, medium="print"
        )
        kpe = re.findall(r'<p class="entry kpe">(.*?)</p>', printed)
        assert len(kpe) == sum(e.key_practice_episode for e in data.chronology) > 0
        assert all("(key practice episode)" in p for p in kpe)

    def test_bad_medium(self, data):
        """A medium other than screen or print is an InputError."""
        with pytest.raises(InputError, match="report medium: expected one of screen, print"):
            render(data, audience="public", fmt="html", public_states=PUBLISHED, medium="paper")


class TestModel:
    def test_json_round_trip(self, data):
        """to_json then from_json gives back the same data, pictures included."""
        assert data == ReportData.from_json(json.dumps(data.to_json()))

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            (("classifications", 0, "category", "blame"), "category: expected one of"),
            (("findings", 0, "kind", "root"), "kind: expected one of"),
            (("people", 0, "pseudonym", 7), r"people\[0\]\.pseudonym: expected text"),
            (("feedback", 0, "attendees", -1), "attendees: expected a whole number"),
            (("timeline_png", None, None, "not base64!"), "timeline_png: expected base64"),
        ],
    )
    def test_bad_data_names_the_field(self, data, change, message):
        """from_mapping rejects bad values with the path of the field."""
        raw = data.to_json()
        key, index, field, value = change
        if index is None:
            raw[key] = value
        else:
            raw[key][index][field] = value
        with pytest.raises(InputError, match=message):
            ReportData.from_mapping(raw)

    def test_unknown_field_is_refused(self, data):
        """A misspelt field is an error, not silently dropped."""
        raw = data.to_json()
        raw["people"][0]["realname"] = "x"
        with pytest.raises(InputError, match="unknown field 'realname'"):
            ReportData.from_mapping(raw)

    @pytest.mark.parametrize(("audience", "fmt"), [("everyone", "md"), ("public", "pdf")])
    def test_bad_audience_or_format(self, data, audience, fmt):
        """An unknown audience or format is an InputError."""
        with pytest.raises(InputError, match="expected one of"):
            render(data, audience=audience, fmt=fmt, public_states=PUBLISHED)


def chromium_dom(html: str, tmp_path) -> tuple[str, str]:
    """The DOM headless Chromium builds from ``html`` (after load), and its stderr.

    Skips without a ``chromium`` binary unless AAIB_REQUIRE_CHROMIUM=1.
    """
    binary = shutil.which("chromium")
    if binary is None:
        if os.environ.get("AAIB_REQUIRE_CHROMIUM") == "1":
            pytest.fail("AAIB_REQUIRE_CHROMIUM=1 but no chromium binary on PATH")
        pytest.skip("chromium not installed")
    # Test-only probe: the report itself runs no script (its CSP forbids it), so the copy
    # under test allows one inline script that marks which images decoded.
    probe = (
        "<script>addEventListener('load', () => { for (const i of document.images) "
        "i.dataset.decoded = i.complete && i.naturalWidth > 0 ? 'yes' : 'no'; "
        "document.body.dataset.probed = 'yes'; });</script>"
    )
    html = html.replace("default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';")
    page = tmp_path / "public.html"
    page.write_text(html.replace("</body>", probe + "</body>"), encoding="utf-8")
    result = subprocess.run(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.stdout, result.stderr


class TestChromium:
    def test_public_html_renders_in_chromium(self, data, tmp_path):
        """Headless Chromium shows the headings, the decoded timeline and the recommendations."""
        dom, stderr = chromium_dom(
            render(data, audience="public", fmt="html", public_states=PUBLISHED), tmp_path
        )
        assert 'data-probed="yes"' in dom, stderr[-2000:]
        headings = re.findall(r"<h2[^>]*>(.*?)</h2>", dom)
        assert {"1 Factual information", "3 Conclusions", "4 Safety recommendations"} <= set(
            headings
        )
        images = _Images.parse(dom)
        assert ["yes", "yes"] == [i.get("data-decoded") for i in images]
        assert 'id="timeline"' in dom
        assert 2 == dom.count("Safety Recommendation CP-2026-0001-SR0")

    def test_demo_public_report_from_aaib_report_renders(self, tmp_path):
        """The demo case's public HTML, written by `aaib report`, renders with both pictures."""
        from click.testing import CliRunner

        from aaib_cp.cli import cli
        from aaib_cp.db import Store
        from aaib_cp.demo import run_demo
        from aaib_cp.workflow.engine import Engine
        from tests.people import signed_in

        db = tmp_path / "demo.db"
        with Store.open(db, create=True) as store:
            case_id = run_demo(Engine(store), say=lambda _s: None)
        out = tmp_path / "demo-public.html"
        args = ["--db", str(db), "report", case_id, "--audience", "public"]
        result = CliRunner().invoke(cli, [*args, "-o", str(out)], env=signed_in(db, "Reader"))
        assert 0 == result.exit_code, result.output
        dom, stderr = chromium_dom(out.read_text(encoding="utf-8"), tmp_path)
        assert 'data-probed="yes"' in dom, stderr[-2000:]
        headings = re.findall(r"<h2[^>]*>(.*?)</h2>", dom)
        assert {"Synopsis", "2 Analysis", "Appendix D: Glossary"} <= set(headings)
        assert ["yes", "yes"] == [i.get("data-decoded") for i in _Images.parse(dom)]
        assert "Child A" in dom and "Dana Fictional" not in dom


def _plain(text: str) -> str:
    """Rendered text without tags, table pipes or repeated spaces."""
    import html

    text = re.sub(r"\\(.)", r"\1", text.replace("**", ""))
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>|\|", " ", text))).strip()


def _data_uri(content: bytes) -> str:
    import base64

    return "data:image/png;base64," + base64.b64encode(content).decode()


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs_):
        if tag == "img":
            self.images.append({k: v or "" for k, v in attrs_})

    @classmethod
    def parse(cls, text: str) -> list[dict[str, str]]:
        parser = cls()
        parser.feed(text)
        return parser.images
