"""The blocks a report document is made of, and the wording helpers they share.

A :class:`Document` is a title page and a sequence of blocks (:class:`Heading`,
:class:`Para`, :class:`Table`, :class:`Figure`); every writer renders the same blocks.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from datetime import date

import attrs

__all__ = [
    "DRAFT_MARK",
    "PURPOSE",
    "Block",
    "Document",
    "Figure",
    "Heading",
    "Para",
    "Table",
    "long_date",
    "people",
    "recommendation_prose",
    "sentence",
    "suppressed",
]

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2})?)?\Z")


def long_date(text: str | None) -> str:
    """``2026-11-29`` -> ``29 November 2026`` (en-GB); other text unchanged."""
    if not text:
        return ""
    return _long_date(text)


@functools.lru_cache(maxsize=4096)
def _long_date(text: str) -> str:
    """:func:`long_date` of a text (a chronology repeats its dates: each is worded once)."""
    match = _ISO.match(text.strip())
    if not match:
        return text
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return text
    return f"{day.day} {day:%B %Y}"


def suppressed(count: int, threshold: int) -> str:
    """A count for publication: ``fewer than 3`` when 0 < count < threshold."""
    return f"fewer than {threshold}" if 0 < count < threshold else str(count)


def recommendation_prose(addressee: str, text: str) -> str:
    """``It is recommended that [addressee] [action]`` from a recommendation's text."""
    action = text.strip()
    if action.casefold().startswith(addressee.casefold() + " "):
        action = action[len(addressee) + 1 :]
    first = action.split(" ", 1)[0]
    if first[:1].isupper() and first[1:2].islower():
        action = action[0].lower() + action[1:]
    if action.casefold().startswith("that "):
        action = action[5:]
    if not action.endswith((".", "!", "?")):
        action += "."
    return f"It is recommended that {addressee} {action}"


@attrs.frozen
class Heading:
    """A section (level 2), subsection (3) or appendix heading."""

    title: str
    level: int
    number: str | None = None
    anchor: str = ""


@attrs.frozen
class Para:
    """A paragraph; ``number`` (1.2.3) is how consultees and readers cite it."""

    text: str
    number: str | None = None
    lead: str | None = None

    @property
    def anchor(self) -> str:
        return "p" + self.number.replace(".", "-") if self.number else ""


@attrs.frozen
class Table:
    """A table; the first cell of each row heads it."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    anchor: str = ""
    row_classes: tuple[str, ...] = ()


@attrs.frozen
class Figure:
    """A picture with its text alternative; ``src`` is a ``data:`` URI."""

    src: str
    alt: str
    caption: str
    anchor: str = ""


Block = Heading | Para | Table | Figure


@attrs.frozen
class Document:
    """A report ready for any writer: title page facts and numbered blocks."""

    title: str
    subtitle: str
    reference: str
    report_id: str
    marking: str
    marking_note: str
    draft: bool
    audience: str
    title_page: tuple[tuple[str, str], ...]
    purpose: str
    blocks: tuple[Block, ...]

    def text(self) -> str:
        """Everything a reader of the document sees, as plain text (for the leak check)."""
        lines = [self.title, self.subtitle, self.report_id, self.marking, self.marking_note]
        lines += [f"{k}: {v}" for k, v in self.title_page] + [self.purpose]
        for block in self.blocks:
            if isinstance(block, Heading):
                lines.append(block.title)
            elif isinstance(block, Para):
                lines.append(" ".join(filter(None, (block.number, block.lead, block.text))))
            elif isinstance(block, Table):
                lines.append(block.caption)
                lines += ["\t".join(row) for row in (block.header, *block.rows)]
            else:
                lines += [block.alt, block.caption]
        return "\n".join(lines)


DRAFT_MARK = "DRAFT — not final; do not circulate or rely on it"
PURPOSE = (
    "This investigation was carried out to prevent future harm to children. It is not "
    "conducted to apportion blame or liability, or to hold individuals, organisations or "
    "agencies to account; disciplinary, regulatory and criminal proceedings run separately. "
    "A safety recommendation never creates a presumption of blame or liability."
)


def sentence(text: str) -> str:
    """``text`` ending with a full stop (or its own closing punctuation)."""
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?", ")", '"')) else text + "."


def people(names: Sequence[str]) -> str:
    return ", ".join(names)
