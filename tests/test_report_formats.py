"""Three audiences times four formats from the demo: marking on every page, PDF/UA, Word.

The reports are written once per session (PDF printing takes seconds) and shared.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from aaib_cp import Engine
from aaib_cp.cli import cli
from aaib_cp.db import Store
from aaib_cp.demo import run_demo
from aaib_cp.reports import render, visible_text
from aaib_cp.reports.build import Publisher
from aaib_cp.reports.formats import docx_text, pdf_text
from aaib_cp.workflow.definition import load_workflow
from tests.conftest import FixedClock
from tests.people import signed_in
from tests.records_helpers import LEAD
from tests.report_fixtures import PUBLISHED, rich_report
from tests.safety_helpers import case_at

AUDIENCES = ("restricted", "public", "summary")
FORMATS = ("md", "html", "pdf", "docx")
DEMO_NAMES = ("Dana Fictional", "Morgan Fictional", "Alex Example", "Kit Example")


@pytest.fixture(scope="session")
def demo_reports(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """The demo case's 12 reports, written by `aaib report`."""
    folder = tmp_path_factory.mktemp("demo-reports")
    db = folder / "demo.db"
    with Store.open(db, create=True) as store:
        case_id = run_demo(Engine(store), say=lambda _s: None)
    out = {}
    for audience in AUDIENCES:
        for fmt in FORMATS:
            path = folder / f"{audience}.{fmt}"
            args = ["--role", "lead_investigator", "report", case_id, "--audience", audience]
            result = _invoke(db, "Lee Park", *args, "-o", str(path))
            assert 0 == result.exit_code, result.output
            out[audience, fmt] = path
    return out


def _invoke(db: Path, who: str, *args: str):
    """`aaib --db DB ARGS`, signed in as ``who``."""
    return CliRunner().invoke(cli, ["--db", str(db), *args], env=signed_in(db, who))


def _numbers_in(text: str) -> list[str]:
    return re.findall(r"(?<![\d.])\d\.\d+\.\d+(?![\d.])", text)


class TestTwelveOutputs:
    @pytest.mark.parametrize("audience", AUDIENCES)
    @pytest.mark.parametrize("fmt", FORMATS)
    def test_written_and_of_its_format(self, demo_reports, audience, fmt):
        """Each report is a file of its kind: text, a PDF, a Word (zip) document."""
        content = demo_reports[audience, fmt].read_bytes()
        kind = {"pdf": b"%PDF-", "docx": b"PK\x03\x04", "html": b"<!DOCTYPE html>"}
        assert content.startswith(kind.get(fmt, b"**OFFICIAL"))
        if fmt == "docx":
            assert "word/document.xml" in zipfile.ZipFile(demo_reports[audience, fmt]).namelist()

    @pytest.mark.parametrize("audience", AUDIENCES)
    def test_same_paragraph_numbers_in_every_format(self, demo_reports, audience):
        """md, html, pdf and docx number the same paragraphs the same way."""
        md = demo_reports[audience, "md"].read_text(encoding="utf-8").replace("\\.", ".")
        html = visible_text(demo_reports[audience, "html"].read_text(encoding="utf-8"))
        pdf = "\n".join(pdf_text(demo_reports[audience, "pdf"].read_bytes()))
        docx = docx_text(demo_reports[audience, "docx"].read_bytes())
        numbers = _numbers_in(md)
        assert numbers and "4.2.1" in numbers
        assert numbers == _numbers_in(html) == _numbers_in(pdf) == _numbers_in(docx)

    @pytest.mark.parametrize("fmt", ["md", "html", "pdf", "docx"])
    def test_public_formats_hold_no_registered_name(self, demo_reports, fmt):
        """The demo's people appear in no public output, whatever the format."""
        for audience in ("public", "summary"):
            content = demo_reports[audience, fmt].read_bytes()
            text = {
                "pdf": lambda c: "\n".join(pdf_text(c)),
                "docx": docx_text,
            }.get(fmt, lambda c: c.decode("utf-8"))(content)
            assert [] == [n for n in DEMO_NAMES if n in text]


class TestPdf:
    @pytest.mark.parametrize(
        ("audience", "marking"),
        [("restricted", "OFFICIAL-SENSITIVE"), ("public", "OFFICIAL"), ("summary", "OFFICIAL")],
    )
    def test_marking_page_numbers_and_id_on_every_page(self, demo_reports, audience, marking):
        """Every page's text has the marking at top and bottom, "Page x of y" and the id."""
        pages = pdf_text(demo_reports[audience, "pdf"].read_bytes())
        letter = audience[0].upper()
        for number, page in enumerate(pages, 1):
            lines = page.splitlines()
            assert 2 <= sum(line.startswith(marking) for line in lines), (number, page)
            assert f"Page {number} of {len(pages)}" in page
            assert f"CP-2026-0001-{letter}" in page
            if marking == "OFFICIAL":
                assert "OFFICIAL-SENSITIVE" not in page

    def test_tagged_pdf_ua_with_embedded_fonts(self, demo_reports):
        """A tagged PDF (structure tree, marked, en-GB) claiming PDF/UA-1; every font embedded."""
        reader = PdfReader(demo_reports["public", "pdf"])
        root = reader.trailer["/Root"]
        assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
        assert "en-GB" == root["/Lang"]
        assert b"pdfuaid" in root["/Metadata"].get_object().get_data()
        for page in reader.pages:
            for font in page["/Resources"]["/Font"].values():
                descendant = font.get_object()["/DescendantFonts"][0].get_object()
                assert "/FontFile2" in descendant["/FontDescriptor"].get_object()
                assert "DejaVu" in str(font.get_object()["/BaseFont"])

    def test_chronology_one_paragraph_per_entry_in_order(self, demo_reports):
        """The PDF prints each chronology entry as one paragraph, in the order of the HTML's
        table: "when · agency — what happened (people: ...; records: ...)"."""
        html = demo_reports["public", "html"].read_text(encoding="utf-8")
        start = html.index('<table id="chronology">')
        table = html[start : html.index("</table>", start)]
        rows = [
            [visible_text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>")[1])
        ]
        assert len(rows) >= 5 and any(r[2] != "—" and r[4] != "—" for r in rows)
        expected = []
        for when, agency, people, what, records in rows:
            extra = "; ".join(
                f"{label}: {value}"
                for label, value in (("people", people), ("records", records))
                if value != "—"
            )
            line = f"{when} · {agency} — {what}" + (f" ({extra})" if extra else "")
            expected.append(" ".join(line.split()))
        pdf = " ".join(" ".join(pdf_text(demo_reports["public", "pdf"].read_bytes())).split())
        found = [pdf.find(line) for line in expected]
        assert -1 not in found, [line for line, at in zip(expected, found, strict=True) if at < 0]
        assert found == sorted(found)

    def test_chronology_tagged_as_paragraphs(self, demo_reports):
        """The PDF's tag tree holds the chronology's entries as paragraphs, no cell of it
        as a table cell (a screen reader reads each entry as one line)."""
        html = demo_reports["public", "html"].read_text(encoding="utf-8")
        start = html.index('<table id="chronology">')
        table = html[start : html.index("</table>", start)]
        entries = table.count("<tr") - 1
        tags = _struct_tags(PdfReader(demo_reports["public", "pdf"]))
        assert html.count("<td") - table.count("<td") == tags["/TD"]
        printed = len(re.findall(r"<p[ >]", html)) - html.count('<p class="marking"')
        assert entries + printed <= tags["/P"]  # (the marking prints in the page margins)


class TestWord:
    def test_consultation_draft_has_a_form_citing_paragraphs(self, tmp_path):
        """The restricted draft as Word: DRAFT, marked, and a representations form by paragraph."""
        store = Store.memory()
        try:
            engine = Engine(store, clock=FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)))
            cid = case_at(engine, load_workflow("child-protection"), "consultation")
            out = tmp_path / "draft.docx"
            written = Publisher(engine).write(cid, out, audience="restricted", **LEAD)
        finally:
            store.close()
        assert written.draft and "docx" == written.fmt
        import docx

        word = docx.Document(str(out))
        text = docx_text(out.read_bytes())
        assert "DRAFT" in text and "Representations on this draft" in text
        assert ["Paragraph", "Comment", "Proposed change"] == [
            c.text for c in word.tables[-1].rows[0].cells
        ]
        for section in word.sections:
            assert "OFFICIAL-SENSITIVE" in section.header.paragraphs[0].text
            assert "OFFICIAL-SENSITIVE" == section.footer.paragraphs[0].text
        assert _numbers_in(text)


class TestCommandLine:
    def test_format_option_and_subprocess(self, tmp_path, demo_reports):
        """A real process writes a PDF with --format pdf whatever the file is called."""
        db = next(iter(demo_reports.values())).parent / "demo.db"
        out = tmp_path / "report.bin"
        done = subprocess.run(
            [sys.executable, "-m", "aaib_cp", "--db", str(db), "report",
             "CP-2026-0001", "--audience", "summary", "--format", "pdf",
             "--marking", "OFFICIAL (published)", "-o", str(out)],
            capture_output=True, text=True, timeout=120,
            env={**os.environ, **signed_in(db, "Reader")},
        )  # fmt: skip
        assert 0 == done.returncode, done.stderr
        assert out.read_bytes().startswith(b"%PDF-")
        assert all("OFFICIAL (published)" in page for page in pdf_text(out.read_bytes()))

    def test_unknown_extension_asks_for_a_format(self, tmp_path, demo_reports):
        """Without --format, an unknown extension is one line naming the formats; exit 1."""
        db = next(iter(demo_reports.values())).parent / "demo.db"
        result = _invoke(
            db, "Reader", "report", "CP-2026-0001", "--audience", "public",
            "-o", str(tmp_path / "r.txt"),
        )  # fmt: skip
        assert 1 == result.exit_code
        assert "say --format md, html, pdf or docx" in result.output
        assert not (tmp_path / "r.txt").exists()


def _struct_tags(reader: PdfReader) -> dict[str, int]:
    """How many structure elements of each type a tagged PDF's tag tree holds."""
    counts: dict[str, int] = {}
    stack = [reader.trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        node = stack.pop()
        if hasattr(node, "get_object"):
            node = node.get_object()
        if isinstance(node, list):
            stack.extend(node)
        elif hasattr(node, "get"):
            if "/S" in node:
                counts[str(node["/S"])] = counts.get(str(node["/S"]), 0) + 1
            if "/K" in node:
                stack.append(node["/K"])
    return counts


def _chromium() -> str:
    """Debian's Chromium for Playwright; skips without it unless AAIB_REQUIRE_CHROMIUM=1."""
    import shutil

    binary = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(binary).exists():
        if os.environ.get("AAIB_REQUIRE_CHROMIUM") == "1":
            pytest.fail("AAIB_REQUIRE_CHROMIUM=1 but no chromium binary")
        pytest.skip("chromium not installed")
    return binary


def _axe_violations(page_file: Path) -> list[tuple[str, str, int]]:
    """axe-core's violations on a page, run in Debian's Chromium through Playwright."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=_chromium(), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(bypass_csp=True)
            page.goto(page_file.as_uri())
            results = Axe().run(page)
        finally:
            browser.close()
    return [(v["id"], v["help"], len(v["nodes"])) for v in results.response["violations"]]


class TestAccessibility:
    @pytest.mark.parametrize("audience", AUDIENCES)
    def test_axe_core_finds_no_violation(self, demo_reports, audience):
        """axe-core (WCAG 2.x A and AA rules and best practice) in Chromium: no violation."""
        assert [] == _axe_violations(demo_reports[audience, "html"])

    def test_axe_core_finds_no_violation_in_the_printed_html(self, tmp_path):
        """The HTML the PDF is printed from (chronology one paragraph per entry): no violation."""
        printed = tmp_path / "printed.html"
        text = render(rich_report(), audience="public", fmt="html", medium="print",
                      public_states=PUBLISHED)  # fmt: skip
        printed.write_text(text, encoding="utf-8")
        assert 'class="entries"' in text
        assert [] == _axe_violations(printed)

    def test_axe_core_would_find_one(self, demo_reports, tmp_path):
        """The harness sees a violation: the public report with a picture's alt text removed."""
        html = demo_reports["public", "html"].read_text(encoding="utf-8")
        broken = tmp_path / "broken.html"
        broken.write_text(re.sub(r' alt="[^"]*"', "", html, count=1), encoding="utf-8")
        assert "image-alt" in [rule for rule, _, _ in _axe_violations(broken)]
