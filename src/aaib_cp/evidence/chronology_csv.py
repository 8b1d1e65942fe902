"""Reading and validating a chronology CSV submitted by an agency (format: docs/chronology.md).

Every row is checked before anything is imported; each problem is one
:class:`RowError` naming the file, the row (the header is row 1, as in a
spreadsheet) and the column. Lookups of agencies, people and evidence items are
passed in as callables, so this module needs no database.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any, TypeVar

import attrs

from aaib_cp.evidence.model import When
from aaib_cp.exceptions import InputError
from aaib_cp.workflow.input_text import text_problem

__all__ = [
    "COLUMNS",
    "DraftEntry",
    "ImportRejected",
    "RowError",
    "parse_flag",
    "read_chronology_csv",
    "validate_rows",
]

#: The columns of a chronology CSV: name -> (required, meaning).
COLUMNS: dict[str, tuple[bool, str]] = {
    "when": (True, "date or date and time: YYYY-MM-DD, YYYY-MM, YYYY or YYYY-MM-DDTHH:MM"),
    "what": (True, "what happened, in the agency's words"),
    "agency": (False, "the agency (needed on each row unless the import names one)"),
    "people": (False, "people involved: pseudonyms or registered names, separated by ';'"),
    "evidence": (False, "the source evidence item, e.g. E3"),
    "key_episode": (False, "yes if this is a key practice episode (yes/no, true/false, 1/0)"),
}
MAX_BYTES = 50 * 1024 * 1024
MAX_TEXT = 20_000
_TRUE = {"yes", "y", "true", "1", "x"}
_FALSE = {"", "no", "n", "false", "0"}

T = TypeVar("T")


@attrs.frozen
class RowError:
    """One problem in one row of a CSV file."""

    filename: str
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        field = f"{self.field}: " if self.field else ""
        return f"{self.filename}: row {self.row}: {field}{self.message}"


class ImportRejected(InputError):
    """A CSV import found invalid rows; nothing was imported. ``errors`` lists them all."""

    def __init__(self, filename: str, errors: Sequence[RowError]) -> None:
        self.errors = list(errors)
        rows = len({e.row for e in self.errors})
        lines = [str(e) for e in self.errors]
        lines.append(f"{filename}: {rows} invalid row(s); nothing was imported")
        super().__init__("\n".join(lines))


@attrs.frozen
class DraftEntry:
    """A validated row, ready to be recorded."""

    row: int
    when: When
    agency: Any
    people: tuple[Any, ...]
    what: str
    evidence: Any
    key_episode: bool


def parse_flag(value: str) -> bool:
    """``yes``/``no`` (and true/false, 1/0, blank) -> bool; ValueError otherwise."""
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{value!r} is not yes or no")


def _column_name(raw: str) -> str:
    return "_".join(raw.strip().lower().replace("-", " ").split())


def read_chronology_csv(
    data: bytes, *, filename: str
) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """Decode and split a CSV file into ``(row number, {column: value})`` and structural errors.

    A file-level problem (not UTF-8, no header, unknown or missing columns) raises
    :class:`InputError`; a row with the wrong number of cells is a :class:`RowError`.
    """
    if len(data) > MAX_BYTES:
        raise InputError(f"{filename}: larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{filename}: line {line}, byte {exc.start + 1}: not valid UTF-8 "
            f"(byte 0x{data[exc.start]:02x}); save the file as 'CSV UTF-8'"
        ) from None
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    try:
        for number, record in enumerate(reader, start=1):
            records.append((number, record))
    except csv.Error as exc:
        raise InputError(f"{filename}: row {len(records) + 1}: not valid CSV ({exc})") from None
    if not records or not any(cell.strip() for cell in records[0][1]):
        raise InputError(
            f"{filename}: row 1: no header row (expected columns: {', '.join(COLUMNS)})"
        )
    header = [_column_name(c) for c in records[0][1]]
    for name in header:
        if name not in COLUMNS:
            raise InputError(
                f"{filename}: row 1: unknown column {name!r} (expected: {', '.join(COLUMNS)})"
            )
    duplicates = sorted({n for n in header if header.count(n) > 1})
    if duplicates:
        raise InputError(f"{filename}: row 1: column {duplicates[0]!r} appears twice")
    missing = [n for n, (required, _) in COLUMNS.items() if required and n not in header]
    if missing:
        raise InputError(f"{filename}: row 1: missing column(s) {', '.join(map(repr, missing))}")
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[RowError] = []
    for number, record in records[1:]:
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            errors.append(
                RowError(
                    filename,
                    number,
                    "",
                    f"has {len(record)} cells, the header has {len(header)}",
                )
            )
            continue
        rows.append((number, dict(zip(header, record, strict=True))))
    return rows, errors


def _text(value: str, *, required: bool) -> str:
    text = value.strip()
    if required and not text:
        raise ValueError("must not be empty")
    problem = text_problem(text, multiline=True, max_len=MAX_TEXT)
    if problem is not None:
        raise ValueError(problem)
    return text


def validate_rows(
    rows: Iterable[tuple[int, dict[str, str]]],
    *,
    filename: str,
    today: date,
    default_agency: Any = None,
    agency: Callable[[str], Any],
    person: Callable[[str], Any],
    evidence: Callable[[str], Any],
) -> tuple[list[DraftEntry], list[RowError]]:
    """Check every row; returns the drafts and every error found (all rows, all columns).

    ``agency``, ``person`` and ``evidence`` resolve a name or reference, raising
    ValueError with a message when it does not exist.
    """
    drafts: list[DraftEntry] = []
    errors: list[RowError] = []
    for number, row in rows:
        problems: list[RowError] = []

        def problem(
            field: str, message: str, number: int = number, problems: list[RowError] = problems
        ) -> None:
            problems.append(RowError(filename, number, field, message))

        draft = _validate_row(
            row,
            today=today,
            default_agency=default_agency,
            agency=agency,
            person=person,
            evidence=evidence,
            problem=problem,
            number=number,
        )
        if problems:
            errors.extend(problems)
        elif draft is not None:
            drafts.append(draft)
    return drafts, errors


def _validate_row(
    row: dict[str, str],
    *,
    number: int,
    today: date,
    default_agency: Any,
    agency: Callable[[str], Any],
    person: Callable[[str], Any],
    evidence: Callable[[str], Any],
    problem: Callable[[str, str], None],
) -> DraftEntry | None:
    def check(field: str, func: Callable[[str], T], value: str) -> T | None:
        try:
            return func(value)
        except ValueError as exc:
            problem(field, str(exc))
            return None

    when = check("when", When.parse, row["when"])
    if when is not None and when.earliest > today:
        problem("when", f"{when.text!r} is in the future")
    what = check("what", lambda v: _text(v, required=True), row["what"])
    named = row.get("agency", "").strip()
    resolved_agency = default_agency
    if named:
        resolved_agency = check("agency", agency, named)
        if default_agency is not None and resolved_agency not in (None, default_agency):
            problem("agency", f"{named!r} is not the importing agency")
    elif default_agency is None:
        problem("agency", "must not be empty")
    people = [
        check("people", person, name)
        for name in (p.strip() for p in row.get("people", "").split(";"))
        if name
    ]
    ref = row.get("evidence", "").strip()
    item = check("evidence", evidence, ref) if ref else None
    key = check("key_episode", parse_flag, row.get("key_episode", ""))
    if when is None or what is None or resolved_agency is None or None in people:
        return None
    return DraftEntry(number, when, resolved_agency, tuple(people), what, item, bool(key))
