"""CSV that is safe to open in a spreadsheet: the one home of the formula-injection rule.

A spreadsheet treats a cell beginning with ``=``, ``+``, ``-`` or ``@`` (or a tab or
carriage return, which some strip before reading on) as a formula, so chronology text
such as ``=HYPERLINK(...)`` would run when an analyst opens the export. As OWASP
advises (CSV Injection), such a text cell is written with a single quote before it;
spreadsheets show the text and do not evaluate it. The full-width forms (U+FF1D
``＝``, U+FF0B ``＋``, U+FF0D ``－``, U+FF20 ``＠``) are treated the same, because some
spreadsheets fold them to their ASCII forms. Every text cell is also enclosed in
double quotes (OWASP's second step): otherwise a carriage return inside a cell is
left bare, and a reader splits the row there and starts a new one, whose first cell
could be a formula. Numbers are written as they are; JSON exports are never altered.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["FORMULA_STARTS", "csv_text", "neutralise"]

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


def neutralise(value: Any) -> Any:
    """``value``, with a single quote before it if it is text a spreadsheet would evaluate."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def csv_text(fieldnames: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """Rows as CSV text (a header row first), every text cell quoted and neutralised."""
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=list(fieldnames), lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({key: neutralise(value) for key, value in row.items()})
    return buffer.getvalue()
