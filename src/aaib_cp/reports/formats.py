"""PDF (WeasyPrint) and Word (python-docx) versions of a report document.

- :func:`pdf_bytes` prints the report's HTML with WeasyPrint: A4, the protective marking
  at the top and bottom of every page, the report id and "Page x of y" in the margins,
  a tagged PDF (PDF/UA-1) with the shipped DejaVu Sans embedded.
- :func:`docx_bytes` writes the same numbered paragraphs as a Word document, the marking
  in every page's header and footer, and a form for representations that cite
  paragraph numbers: the consultation draft.
- :func:`pdf_text` and :func:`docx_text` read back what a reader sees (for the checks).
"""

from __future__ import annotations

import io
import logging
from importlib import resources
from pathlib import Path

from aaib_cp.reports.blocks import Document, Figure, Heading, Para, Table

__all__ = ["FONT_DIR", "docx_bytes", "docx_text", "pdf_bytes", "pdf_text"]

#: The fonts shipped with the package (DejaVu Sans; licence beside them).
FONT_DIR = Path(str(resources.files("aaib_cp.reports") / "fonts"))
_FACES: tuple[tuple[str, int, str], ...] = (
    ("DejaVuSans.ttf", 400, "normal"),
    ("DejaVuSans-Bold.ttf", 700, "normal"),
    ("DejaVuSans-Oblique.ttf", 400, "italic"),
)


def _font_css() -> str:
    faces = [
        f'@font-face {{ font-family: "DejaVu Sans"; src: url("{(FONT_DIR / name).as_uri()}"); '
        f"font-weight: {weight}; font-style: {style}; }}"
        for name, weight, style in _FACES
    ]
    return "\n".join(faces) + '\nbody, svg { font-family: "DejaVu Sans"; }'


def pdf_bytes(html: str) -> bytes:
    """The report's HTML printed as a tagged PDF (PDF/UA-1) with embedded fonts."""
    import weasyprint

    # WeasyPrint reports unsupported CSS (the screen-only watermark transform) as warnings.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    fonts = weasyprint.text.fonts.FontConfiguration()
    document = weasyprint.HTML(string=html, base_url=str(FONT_DIR))
    css = weasyprint.CSS(string=_font_css(), font_config=fonts)
    return bytes(
        document.write_pdf(
            stylesheets=[css],
            font_config=fonts,
            pdf_variant="pdf/ua-1",
            uncompressed_pdf=False,
        )
    )


def pdf_text(content: bytes) -> list[str]:
    """The text of each page of a PDF, as a reader's tools extract it."""
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages]


def _marking(part: object, doc: Document, where: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    paragraph = part.paragraphs[0]  # type: ignore[attr-defined]
    paragraph.text = ""
    run = paragraph.add_run(doc.marking)
    run.bold = True
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if where == "header":
        paragraph.add_run(f"    {doc.report_id}")


def docx_bytes(doc: Document) -> bytes:
    """The document as Word: same paragraph numbers; marking in every header and footer."""
    import docx
    from docx.shared import Pt

    word = docx.Document()
    word.core_properties.title = f"{doc.report_id}: {doc.title}"
    word.core_properties.subject = doc.subtitle
    word.core_properties.language = "en-GB"
    style = word.styles["Normal"]
    style.font.name = "DejaVu Sans"
    style.font.size = Pt(10.5)
    section = word.sections[0]
    _marking(section.header, doc, "header")
    _marking(section.footer, doc, "footer")
    marking = word.add_paragraph()
    marking.add_run(doc.marking + (f": {doc.marking_note}" if doc.marking_note else "")).bold = True
    if doc.draft:
        word.add_paragraph().add_run(
            "DRAFT — not final; do not circulate or rely on it"
        ).bold = True
    word.add_heading(("DRAFT: " if doc.draft else "") + doc.title, level=0)
    word.add_paragraph(doc.subtitle)
    facts = word.add_table(rows=0, cols=2)
    for label, value in (("Report", doc.report_id), *doc.title_page):
        cells = facts.add_row().cells
        cells[0].text, cells[1].text = label, value
    word.add_paragraph().add_run(doc.purpose).italic = True
    for block in doc.blocks:
        if isinstance(block, Heading):
            title = f"{block.number} {block.title}" if block.number else block.title
            word.add_heading(title, level=block.level - 1)
        elif isinstance(block, Para):
            paragraph = word.add_paragraph()
            if block.number:
                paragraph.add_run(block.number + "\t").bold = True
            if block.lead:
                paragraph.add_run(block.lead + " ").bold = True
            paragraph.add_run(block.text)
        elif isinstance(block, Table):
            _docx_table(word, block.caption, block.header, block.rows)
        elif isinstance(block, Figure):
            word.add_paragraph(f"{block.caption} {block.alt}")
    if doc.draft:
        _representation_form(word)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def _docx_table(
    word: object, caption: str, header: tuple[str, ...], rows: tuple[tuple[str, ...], ...]
) -> None:
    word.add_paragraph().add_run(caption).bold = True  # type: ignore[attr-defined]
    if not rows:
        word.add_paragraph("None.")  # type: ignore[attr-defined]
        return
    table = word.add_table(rows=1, cols=len(header))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text


def _representation_form(word: object) -> None:
    word.add_heading("Representations on this draft", level=1)  # type: ignore[attr-defined]
    word.add_paragraph(  # type: ignore[attr-defined]
        "Give the number of each paragraph you comment on (for example 1.2.3). The final "
        "report keeps these numbers; each representation is accepted, leads to an "
        "amendment, or is appended to the report."
    )
    _docx_table(
        word, "Representations", ("Paragraph", "Comment", "Proposed change"), (("", "", ""),) * 5
    )


def docx_text(content: bytes) -> str:
    """Every text of a Word document a reader sees: body, tables, headers and footers."""
    import docx

    word = docx.Document(io.BytesIO(content))
    parts = [p.text for p in word.paragraphs]
    for table in word.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    for section in word.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    parts += [word.core_properties.title or "", word.core_properties.subject or ""]
    return "\n".join(parts)
