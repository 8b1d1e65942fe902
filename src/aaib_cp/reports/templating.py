"""The templates' environments and filters: escaping for Markdown and HTML, table rows.

:func:`environment` gives the Jinja2 environment of a format (``md`` or ``html``),
made once; the templates live in ``aaib_cp/reports/templates``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["Raw", "environment", "markdown_escape"]


class Raw(str):
    """Markdown that is already safe (built by a filter); the finaliser leaves it alone."""


_MD_INLINE = re.compile(r"([\\`*_{}\[\]()#|~!])")
_MD_LINE_START = re.compile(r"^([ \t]*)([-+=>]|\d+[.)])", re.M)


def markdown_escape(text: object) -> str:
    """Free text made inert in Markdown: no markup, no raw HTML, no block structure."""
    s = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _MD_INLINE.sub(r"\\\1", s)
    s = _MD_LINE_START.sub(_escape_line_start, s)
    return s


def _escape_line_start(match: re.Match[str]) -> str:
    """``- x`` as ``\\- x``; ``1. x`` as ``1\\. x`` (a backslash escapes punctuation only,
    so before a digit it would be shown)."""
    indent, start = match.group(1), match.group(2)
    if start[0].isdigit():
        return f"{indent}{start[:-1]}\\{start[-1]}"
    return f"{indent}\\{start}"


def _md_finalize(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Raw):
        return value
    return markdown_escape(value)


def _md_cell(value: Any) -> Raw:
    """A Markdown table cell: escaped, line breaks as <br>."""
    if value is None or value == "":
        return Raw("—")
    return Raw(markdown_escape(value).replace("\r\n", "\n").replace("\n", "<br>"))


def _md_para(value: Any) -> Raw:
    """A Markdown paragraph: escaped, blank lines kept as paragraph breaks."""
    return Raw(markdown_escape("" if value is None else value))


def _css_string(value: Any) -> Any:
    """A CSS string literal: every character but letters, digits and spaces escaped."""
    import markupsafe

    body = "".join(c if c.isalnum() or c == " " else f"\\{ord(c):06x}" for c in str(value))
    return markupsafe.Markup(f'"{body}"')


def _html_finalize(value: Any) -> Any:
    return "" if value is None else value


def _html_rows(rows: Sequence[Sequence[str | None]], classes: Sequence[str] = ()) -> Any:
    """A table's body rows as HTML, the first cell of each heading its row.

    The same markup as a loop in the template, built in one pass: a chronology has
    tens of thousands of cells, and every cell's text is escaped in one call (the cells
    joined by NUL, which escaping leaves alone, then split again), and the markup
    between cells is laid between them in one join.
    """
    import markupsafe

    cells: list[Any] = list(itertools.chain.from_iterable(rows))
    try:
        joined = "\x00".join(cells)
    except TypeError:  # a cell that is not text: None shows as nothing, the rest as text
        cells = ["" if c is None else str(c) for c in cells]
        joined = "\x00".join(cells)
    escaped = str(markupsafe.escape(joined)).split("\x00")
    if len(escaped) != len(cells):  # a cell held a NUL itself: escape one by one
        escaped = [str(markupsafe.escape(c)) for c in cells]
    starts = [
        f'<tr class="{markupsafe.escape(c)}"><th scope="row">' if c else '<tr><th scope="row">'
        for c in [*classes[: len(rows)], *[""] * (len(rows) - len(classes))]
    ]
    width = len(rows[0]) if rows else 0
    if width < 2 or any(len(row) != width for row in rows):
        return markupsafe.Markup(
            "\n".join(_html_row(*r) for r in _row_cells(rows, escaped, starts))
        )
    # every row as wide: before each cell its markup, then the cells between them
    between = ["</td><td>"] * len(cells)
    between[1::width] = ["</th><td>"] * len(rows)
    between[0::width] = [starts[0], *("</td></tr>\n" + s for s in starts[1:])]
    laid = [""] * (2 * len(cells))
    laid[0::2], laid[1::2] = between, escaped
    return markupsafe.Markup("".join(laid) + "</td></tr>")


def _row_cells(
    rows: Sequence[Sequence[object]], escaped: list[str], starts: list[str]
) -> Iterator[tuple[str, list[str]]]:
    at = 0
    for row, start in zip(rows, starts, strict=True):
        yield start, escaped[at : at + len(row)]
        at += len(row)


def _html_row(start: str, cells: list[str]) -> str:
    if not cells:
        return start.removesuffix('<th scope="row">') + "</tr>"
    body = "<td>" + "</td><td>".join(cells[1:]) + "</td>" if len(cells) > 1 else ""
    return f"{start}{cells[0]}</th>{body}</tr>"


def _words(value: Any) -> str:
    """``honest_error`` -> ``honest error``."""
    return str(value).replace("_", " ")


_ENVIRONMENTS: dict[str, Any] = {}


def environment(fmt: str) -> Any:
    """The Jinja2 environment of ``fmt`` (``md`` or ``html``), made once."""
    env = _ENVIRONMENTS.get(fmt)
    if env is None:
        import jinja2

        html = fmt == "html"
        env = jinja2.Environment(
            loader=jinja2.PackageLoader("aaib_cp.reports", "templates"),
            autoescape=html,
            finalize=_html_finalize if html else _md_finalize,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        if not html:
            env.filters["cell"] = _md_cell
            env.filters["raw"] = Raw
            env.filters["para"] = _md_para
        env.filters["words"] = _words
        env.filters["html_rows"] = _html_rows
        env.tests["instance_of"] = isinstance
        env.filters["css_string"] = _css_string
        _ENVIRONMENTS[fmt] = env
    return env
