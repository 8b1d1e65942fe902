"""Reading and validating the CSV files a case imports: chronology, agencies, people.

The one home of CSV import (format: docs/chronology.md): :func:`read_csv` splits a
file into rows under known columns (renamed with ``--map SRC=DEST``), and
:func:`check_rows` checks each row. Every problem is one :class:`RowError` naming the
file, the row (the header is row 1, as in a spreadsheet) and the column; any error
rejects the whole file (:class:`ImportRejected`). Lookups of agencies, people and
evidence items are passed in as callables, so this module needs no database.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Sized
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import attrs

from aaib_cp.evidence.model import When
from aaib_cp.exceptions import InputError
from aaib_cp.workflow.input_text import text_problem
from aaib_cp.workflow.safe_files import open_input, read_input

__all__ = [
    "COLUMNS",
    "DraftEntry",
    "ImportRejected",
    "RowChecker",
    "RowError",
    "check_rows",
    "open_file",
    "parse_flag",
    "parse_mapping",
    "read_csv",
    "read_file",
    "reject_invalid",
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
_MB = 1024 * 1024
#: The largest agencies' or people's CSV read (held whole while it is checked).
MAX_BYTES = 50 * _MB
#: The largest chronology CSV imported (read from disk as its rows are checked).
IMPORT_MAX_BYTES = 256 * _MB
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


def open_file(path: str | Path) -> AbstractContextManager[BinaryIO]:
    """A chronology CSV opened for :func:`iter_csv` (a regular file, at most
    :data:`IMPORT_MAX_BYTES`, checked before anything is read)."""
    return open_input(path, what="CSV file", limit=IMPORT_MAX_BYTES)


def read_file(path: str | Path) -> tuple[bytes, str]:
    """The bytes of a CSV file (a regular file, at most :data:`MAX_BYTES`, checked before
    anything is read) and the name its errors are reported under."""
    path = Path(path)
    return read_input(path, what="CSV file", limit=MAX_BYTES), path.name


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


def parse_mapping(pairs: Iterable[str]) -> dict[str, str]:
    """``["Date=when", "notes="]`` -> ``{"date": "when", "notes": ""}`` (``SRC=`` ignores SRC).

    Names are matched like column names (ignoring case and spaces); InputError on a pair
    without ``=`` or a column mapped twice.
    """
    mapping: dict[str, str] = {}
    for pair in pairs:
        src, sep, dest = pair.partition("=")
        if not sep or not src.strip():
            raise InputError(f"--map: {pair!r} is not SRC=DEST (e.g. --map date=when)")
        name = _column_name(src)
        if name in mapping:
            raise InputError(f"--map: column {name!r} is mapped twice")
        mapping[name] = _column_name(dest)
    return mapping


def _header(
    cells: Sequence[str],
    *,
    filename: str,
    columns: Mapping[str, tuple[bool, str]],
    mapping: Mapping[str, str],
) -> list[str]:
    """The file's column names after ``mapping`` ('' for an ignored column).

    Every unknown, repeated or missing column and every bad mapping is reported at once,
    as row 1 errors (:class:`ImportRejected`).
    """
    raw = [_column_name(c) for c in cells]
    expected = ", ".join(columns)
    problems: list[str] = []
    for src, dest in mapping.items():
        if dest and dest not in columns:
            problems.append(f"--map {src}={dest}: no column {dest!r} (columns: {expected})")
        if src not in raw:
            problems.append(f"--map {src}={dest}: the file has no column {src!r}")
    header = [mapping.get(name, name) for name in raw]
    problems += [
        f"unknown column {name!r} (expected: {expected}; or --map {name}=COLUMN, "
        f"or --map {name}= to ignore it)"
        for name in header
        if name and name not in columns and name not in mapping.values()
    ]
    named = [n for n in header if n]
    problems += [
        f"column {n!r} appears twice" for n in sorted({n for n in named if named.count(n) > 1})
    ]
    missing = [n for n, (required, _) in columns.items() if required and n not in header]
    if missing:
        problems.append(f"missing column(s) {', '.join(map(repr, missing))}")
    if problems:
        raise ImportRejected(filename, [RowError(filename, 1, "", p) for p in problems])
    return header


def read_csv(
    data: bytes,
    *,
    filename: str,
    columns: Mapping[str, tuple[bool, str]] = COLUMNS,
    mapping: Mapping[str, str] | None = None,
) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """Decode and split a CSV file into ``(row number, {column: value})`` and structural errors.

    ``columns`` maps each known column to (required, meaning); ``mapping`` renames the
    file's columns (see :func:`parse_mapping`). A file that is not UTF-8 or has no header
    raises :class:`InputError`; bad columns raise :class:`ImportRejected` listing every
    one; a row with the wrong number of cells is a :class:`RowError`.
    """
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[RowError] = []
    for number, row in iter_csv(data, filename=filename, columns=columns, mapping=mapping):
        if isinstance(row, RowError):
            errors.append(row)
        else:
            rows.append((number, row))
    return rows, errors


def iter_csv(
    data: bytes | BinaryIO,
    *,
    filename: str,
    columns: Mapping[str, tuple[bool, str]] = COLUMNS,
    mapping: Mapping[str, str] | None = None,
    sha: Any = None,
) -> Iterator[tuple[int, dict[str, str] | RowError]]:
    """:func:`read_csv` one row at a time: ``(row number, {column: value} or RowError)``.

    ``data`` is the file's bytes or a seekable binary stream, read as the rows are
    (at most :data:`IMPORT_MAX_BYTES`); ``sha`` (a ``hashlib`` object) is fed every byte
    read, so it holds the file's hash once the rows are exhausted. The header is
    checked before this returns; a row that is not valid CSV or UTF-8 raises
    :class:`InputError` when it is reached. Only the row being read is held.
    """
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    counted = _Counted(stream, filename=filename, sha=sha)
    text = io.TextIOWrapper(io.BufferedReader(counted, 1 << 16), encoding="utf-8-sig", newline="")
    records = _records(text, stream, filename)
    first = next(records, None)
    if first is None or not any(cell.strip() for cell in first[1]):
        raise InputError(
            f"{filename}: row 1: no header row (expected columns: {', '.join(columns)})"
        )
    header = _header(first[1], filename=filename, columns=columns, mapping=mapping or {})
    return _rows(records, header, filename)


class _Counted(io.RawIOBase):
    """A binary stream read through: its bytes counted, hashed, and refused past the limit."""

    def __init__(self, stream: BinaryIO, *, filename: str, sha: Any) -> None:
        super().__init__()
        self._stream, self._filename, self._sha, self.size = stream, filename, sha, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._stream.readinto(buffer)  # type: ignore[attr-defined]
        self.size += n
        if self.size > IMPORT_MAX_BYTES:  # it grew after its size was checked
            raise InputError(f"{self._filename}: larger than {IMPORT_MAX_BYTES // _MB} MB")
        if self._sha is not None and n:
            self._sha.update(memoryview(buffer)[:n])
        return int(n)


def _records(
    text: Iterator[str], stream: BinaryIO, filename: str
) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(text, strict=True)
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            yield number, record
    except csv.Error as exc:
        raise InputError(f"{filename}: row {number + 1}: not valid CSV ({exc})") from None
    except UnicodeDecodeError:
        raise _not_utf8(stream, filename) from None


def _not_utf8(stream: BinaryIO, filename: str) -> InputError:
    """Where the file stops being UTF-8: found by reading it again, a chunk at a time."""
    stream.seek(0)
    offset, line, carry = 0, 1, b""
    while True:
        chunk = stream.read(1 << 20)
        data = carry + chunk
        try:
            _, used = codecs.utf_8_decode(data, "strict", not chunk)
        except UnicodeDecodeError as exc:
            line += data[: exc.start].count(b"\n")
            return InputError(
                f"{filename}: line {line}, byte "
                f"{offset + exc.start + 1}: not valid UTF-8 (byte 0x{data[exc.start]:02x}); "
                "save the file as 'CSV UTF-8'"
            )
        line += data[:used].count(b"\n")
        offset, carry = offset + used, data[used:]
        if not chunk:
            return InputError(f"{filename}: not valid UTF-8; save the file as 'CSV UTF-8'")


def _rows(
    records: Iterator[tuple[int, list[str]]], header: list[str], filename: str
) -> Iterator[tuple[int, dict[str, str] | RowError]]:
    named = all(header)  # no unnamed column to leave out: one C-level dict per row
    for number, record in records:
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            yield (
                number,
                RowError(
                    filename, number, "", f"has {len(record)} cells, the header has {len(header)}"
                ),
            )
            continue
        yield (
            number,
            dict(zip(header, record, strict=True))
            if named
            else {k: v for k, v in zip(header, record, strict=True) if k},
        )


def check_rows(
    rows: Iterable[tuple[int, dict[str, str]]],
    *,
    filename: str,
    check: Callable[[dict[str, str], RowChecker], T | None],
) -> tuple[list[T], list[RowError]]:
    """Run ``check`` on every row; the drafts of valid rows and every error of the others.

    ``check(row, checker)`` returns a draft, or None after reporting a problem through
    ``checker`` (see :class:`RowChecker`).
    """
    drafts: list[T] = []
    errors: list[RowError] = []
    for number, row in rows:
        checker = RowChecker(filename, number)
        draft = check(row, checker)
        if checker.errors:
            errors.extend(checker.errors)
        elif draft is not None:
            drafts.append(draft)
    return drafts, errors


def reject_invalid(filename: str, drafts: Sized, errors: Iterable[RowError]) -> None:
    """Raise :class:`ImportRejected` listing ``errors`` by row, or InputError if no rows."""
    found = sorted(errors, key=lambda e: e.row)
    if found:
        raise ImportRejected(filename, found)
    if not drafts:
        raise InputError(f"{filename}: no rows to import")


class RowChecker:
    """Collects the problems of one row, each naming its column."""

    def __init__(self, filename: str, row: int) -> None:
        self.filename = filename
        self.row = row
        self.errors: list[RowError] = []

    def problem(self, field: str, message: str) -> None:
        """Record a problem in column ``field``."""
        self.errors.append(RowError(self.filename, self.row, field, message))

    def __call__(self, field: str, func: Callable[[str], T], value: str) -> T | None:
        """``func(value)``, or None after recording its ValueError under ``field``."""
        try:
            return func(value)
        except ValueError as exc:
            message = str(exc)
            for prefix in (f"{field}: ", f"{field.replace('_', ' ')}: "):
                message = message.removeprefix(prefix)
            self.problem(field, message)
            return None


def _text(value: str, *, required: bool) -> str:
    text = value.strip()
    if required and not text:
        raise ValueError("must not be empty")
    problem = text_problem(text, multiline=True, max_len=MAX_TEXT)
    if problem is not None:
        raise ValueError(problem)
    return text


def _required_text(value: str) -> str:
    return _text(value, required=True)


def row_validator(
    *,
    today: date,
    default_agency: Any = None,
    agency: Callable[[str], Any],
    person: Callable[[str], Any],
    evidence: Callable[[str], Any],
) -> Callable[[dict[str, str], RowChecker], DraftEntry | None]:
    """The check of one chronology row (see :func:`validate_rows`), for :func:`check_rows`.

    ``agency``, ``person`` and ``evidence`` resolve a name or reference, raising
    ValueError with a message when it does not exist.
    """

    def check_one(row: dict[str, str], check: RowChecker) -> DraftEntry | None:
        when = check("when", _when, row["when"])
        if when is not None and when.earliest > today:
            check.problem("when", f"{when.text!r} is in the future")
        what = check("what", _required_text, row["what"])
        named = row.get("agency", "").strip()
        resolved_agency = default_agency
        if named:
            resolved_agency = check("agency", agency, named)
            if default_agency is not None and resolved_agency not in (None, default_agency):
                check.problem("agency", f"{named!r} is not the importing agency")
        elif default_agency is None:
            check.problem("agency", "must not be empty")
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
        return DraftEntry(check.row, when, resolved_agency, tuple(people), what, item, bool(key))

    return check_one


@functools.lru_cache(maxsize=4096)
def _when(text: str) -> When:
    """:meth:`When.parse`, once per distinct text (dates repeat across a chronology)."""
    return When.parse(text)


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
    """Check every chronology row; returns the drafts and every error found (all rows, all columns).

    ``agency``, ``person`` and ``evidence`` resolve a name or reference, raising
    ValueError with a message when it does not exist.
    """
    check_one = row_validator(
        today=today,
        default_agency=default_agency,
        agency=agency,
        person=person,
        evidence=evidence,
    )
    return check_rows(rows, filename=filename, check=check_one)
