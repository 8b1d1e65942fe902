"""One place to check free text typed by users before it is stored.

SQL and shell metacharacters are stored verbatim: every statement is parameterised
and nothing is passed to a shell, and names like O'Brien must survive. What is
refused, with one line naming the field, is text that cannot be shown or audited
faithfully: control characters (newlines and tabs are allowed in multi-line
fields only), Unicode bidirectional overrides (which can make an audit trail read
differently from what is stored), lone surrogates, and text over the size limit.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from aaib_cp.exceptions import InputError

__all__ = ["MAX_LINE", "MAX_TEXT", "clean_line", "clean_text", "parse_date", "text_problem"]

MAX_TEXT = 20_000
MAX_LINE = 500
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
#: ASCII control characters (category Cc), with and without those a multi-line text allows.
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ASCII_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_problem(value: object, *, multiline: bool, max_len: int = MAX_TEXT) -> str | None:
    """What is wrong with ``value`` as stored text, in words (no field name); None if fine."""
    if not isinstance(value, str):
        return f"must be text (got {type(value).__name__})"
    if len(value) > max_len:
        return f"longer than {max_len} characters ({len(value)})"
    allowed = "\n\t\r" if multiline else ""
    if value.isascii():  # the usual case: only a control character can be wrong
        found = (_ASCII_CONTROL_MULTILINE if multiline else _ASCII_CONTROL).search(value)
        if found is None:
            return None
        value = value[: found.end()]
    return first_bad_character(value, allowed)


def first_bad_character(value: str, allowed: str) -> str | None:
    """What is wrong with the first character of ``value`` that may not be stored, if any."""
    for position, ch in enumerate(value, start=1):
        if ch in allowed:
            continue
        if ch in _BIDI:
            return (
                f"character {position} is a bidirectional override (U+{ord(ch):04X}), "
                "which is not allowed"
            )
        category = unicodedata.category(ch)
        if category == "Cc":
            what = "a line break" if ch in "\n\r" else f"control character U+{ord(ch):04X}"
            return f"character {position} is {what}, which is not allowed here"
        if category == "Cs":
            return f"character {position} is not valid Unicode text"
    return None


def _check(value: object, field: str, *, multiline: bool, max_len: int) -> str:
    problem = text_problem(value, multiline=multiline, max_len=max_len)
    if problem is not None:
        raise InputError(f"{field}: {problem}")
    assert isinstance(value, str)
    return value


def clean_line(value: object, field: str, *, max_len: int = MAX_LINE, required: bool = True) -> str:
    """A single line of text (names, titles, references): stripped, no control characters."""
    text = _check(value, field, multiline=False, max_len=max_len).strip()
    if required and not text:
        raise InputError(f"{field}: must not be empty")
    return text


def clean_text(value: object, field: str, *, max_len: int = MAX_TEXT) -> str:
    """Multi-line free text (reasons, descriptions): tabs and line breaks allowed."""
    return _check(value, field, multiline=True, max_len=max_len)


def parse_date(value: object, field: str) -> date:
    """A full ISO date (YYYY-MM-DD); InputError naming the field and why not."""
    if isinstance(value, date):
        return value
    text = clean_line(value, field, max_len=40)
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        reason = str(exc) if "out of range" in str(exc) or "must be in" in str(exc) else ""
        detail = f" ({reason})" if reason else ""
        raise InputError(f"{field}: {text!r} is not a valid date, YYYY-MM-DD{detail}") from None
