"""Statutory clocks: working days, deadline rules, suspensions and anniversaries.

Child-protection reviews run against statutory clocks (notification within 5
working days of becoming aware, a rapid review within 15 working days, a local
review within 6 months, ...). A :class:`DeadlineRule` says how long a clock runs
and from which date; :func:`due_date` works out when it runs out, skipping the
weekends and public holidays of a :class:`WorkingCalendar` and stopping the clock
while the case is suspended (for example, for criminal proceedings)::

    rule, problems = DeadlineRule.parse({"working_days": 5, "from": "known_on"})
    due_date(rule, date(2025, 12, 23), calendar=WorkingCalendar())  # 2026-01-02

Public holidays come from the maintained ``holidays`` library, per UK nation,
precomputed for 2000 to 2050 (:mod:`.bank_holidays`) so a command need not import it.
This module is pure: no storage, no command line.
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta

from aaib_cp.exceptions import InputError
from aaib_cp.workflow.record import Record

__all__ = [
    "NATIONS",
    "UNITS",
    "DeadlineRule",
    "Suspension",
    "WorkingCalendar",
    "add_months",
    "anniversaries",
    "days_left",
    "due_date",
]

NATIONS = ("england", "wales", "scotland", "northern_ireland")
UNITS = ("working_days", "days", "months")

_SUBDIVISIONS = {"england": "ENG", "wales": "WLS", "scotland": "SCT", "northern_ireland": "NIR"}
_RULE_KEYS = (*UNITS, "from", "label")
_ONE_DAY = timedelta(days=1)
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

Suspension = tuple[date, date | None]
"""A suspension ``(start, end)``: the clock stops on ``start`` and restarts on ``end``.

``end`` is ``None`` while the case is still suspended.
"""


def _suggest(word: str, options: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` when a close option exists, else an empty string."""
    import difflib  # only for a mistake: not on the way of a command that succeeds

    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _show(value: object) -> str:
    """A value as the user wrote it in YAML, for error messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return repr(value)


def _month_days(year: int, month: int) -> int:
    """Days in ``month`` of ``year`` (``calendar.monthrange``, without importing it)."""
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _MONTH_DAYS[month - 1]


def _is_whole(value: object) -> bool:
    """True for an int that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


# --------------------------------------------------------------------------- calendar


class _YearTable(Record):
    """The public holidays of one nation in one year."""

    names: Mapping[date, str]
    weekday_ordinals: tuple[int, ...]  # sorted ordinals of holidays falling Monday-Friday

    def __init__(
        self,
        names: Mapping[date, str],
        weekday_ordinals: tuple[int, ...],
    ) -> None:
        self._set_fields(names, weekday_ordinals)


@functools.cache
def _year_table(subdiv: str, year: int) -> _YearTable:
    """Holidays dated in ``year``: shipped for the usual years, else from ``holidays``."""
    from aaib_cp.workflow import bank_holidays

    if bank_holidays.FIRST_YEAR <= year <= bank_holidays.LAST_YEAR:
        text = bank_holidays.HOLIDAYS[subdiv][year - bank_holidays.FIRST_YEAR]
        pairs = (line.split("\t", 1) for line in text.splitlines())
        names = {date.fromisoformat(d): name for d, name in pairs}
    else:  # importing ``holidays`` costs ~70 ms: only for years outside the shipped ones
        from aaib_cp.workflow.bank_holidays_source import compute

        names = {date.fromisoformat(d): name for d, name in compute(subdiv, year).items()}
    weekdays = tuple(sorted(d.toordinal() for d in names if d.weekday() < 5))
    return _YearTable(names=names, weekday_ordinals=weekdays)


def _weekdays_through(ordinal: int) -> int:
    """Number of Mondays-Fridays with ordinals 1..ordinal (ordinal 1, 0001-01-01, is a Monday)."""
    weeks, rest = divmod(ordinal, 7)
    return 5 * weeks + min(rest, 5)


def _add_weekdays(start: date, n: int) -> date:
    """The ``n``-th Monday-Friday strictly after ``start`` (``n >= 1``)."""
    wd = start.weekday()
    if wd > 4:  # a weekend: the weekdays after it are those after the Friday before
        start -= timedelta(days=wd - 4)
        wd = 4
    weeks, rest = divmod(n, 5)
    days = 7 * weeks + rest + (2 if wd + rest > 4 else 0)
    return start + timedelta(days=days)


def _check_nation(value: object) -> None:
    if value not in NATIONS:
        hint = _suggest(value, NATIONS) if isinstance(value, str) else ""
        raise InputError(f"unknown nation {value!r}{hint}; expected one of {', '.join(NATIONS)}")


class WorkingCalendar(Record):
    """Working days of one UK nation: Monday to Friday, except its public holidays."""

    nation: str

    def __init__(self, nation: str = "england") -> None:
        _check_nation(nation)
        self._set_fields(nation)

    @property
    def _subdiv(self) -> str:
        return _SUBDIVISIONS[self.nation]

    def _table(self, year: int) -> _YearTable:
        return _year_table(self._subdiv, year)

    def holiday_name(self, d: date) -> str | None:
        """The name of the public holiday on ``d`` (weekends included), or None."""
        return self._table(d.year).names.get(d)

    def is_working_day(self, d: date) -> bool:
        """True when ``d`` is a weekday and not a public holiday."""
        return d.weekday() < 5 and d not in self._table(d.year).names

    def _holidays_in(self, start: date, end: date) -> int:
        """Weekday holidays in ``(start, end]``, for ``start <= end``."""
        lo, hi = start.toordinal(), end.toordinal()
        count = 0
        for year in range(start.year, end.year + 1):
            ords = self._table(year).weekday_ordinals
            count += bisect_right(ords, hi) - bisect_right(ords, lo)
        return count

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in ``(start, end]``; negative (``-between(end, start)``) if end < start."""
        if end < start:
            return -self.working_days_between(end, start)
        weekdays = _weekdays_through(end.toordinal()) - _weekdays_through(start.toordinal())
        return weekdays - self._holidays_in(start, end)

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day strictly after ``start``; ``start`` itself when ``n == 0``."""
        if not _is_whole(n) or n < 0:
            raise InputError(f"the number of working days must be a whole number >= 0 (got {n!r})")
        current, remaining = start, n
        while remaining:
            candidate = _add_weekdays(current, remaining)
            remaining = self._holidays_in(current, candidate)  # holidays skipped on the way
            current = candidate
        return current


# --------------------------------------------------------------------------- rules


def _check_rule(rule: DeadlineRule) -> None:
    if not _is_whole(rule.amount) or rule.amount < 1:
        raise InputError(f"amount must be a positive whole number (got {_show(rule.amount)})")
    if rule.unit not in UNITS:
        raise InputError(
            f"unknown unit {rule.unit!r}{_suggest(str(rule.unit), UNITS)}; "
            f"expected one of {', '.join(UNITS)}"
        )
    if not isinstance(rule.anchor, str) or not rule.anchor:
        raise InputError(f"anchor must be a non-empty string (got {_show(rule.anchor)})")
    if rule.label is not None and not isinstance(rule.label, str):
        raise InputError(f"label must be a string (got {_show(rule.label)})")


class DeadlineRule(Record):
    """A clock: ``amount`` ``unit`` counted from the date named ``anchor``.

    ``unit`` is ``working_days``, ``days`` or ``months``; ``anchor`` (``entered``,
    ``known_on``, ``state:decision``, ...) is interpreted by the caller.
    """

    amount: int
    unit: str
    anchor: str
    label: str | None

    def __init__(
        self,
        amount: int,
        unit: str,
        anchor: str = "entered",
        label: str | None = None,
    ) -> None:
        self._set_fields(amount, unit, anchor, label)
        _check_rule(self)

    def describe(self) -> str:
        """The label, or a description such as ``"5 working days from known_on"``."""
        if self.label:
            return self.label
        unit = self.unit.replace("_", " ")
        if self.amount == 1:
            unit = unit[:-1]
        return f"{self.amount} {unit} from {self.anchor}"

    @classmethod
    def parse(cls, value: object) -> tuple[DeadlineRule | None, list[tuple[tuple[str, ...], str]]]:
        """Parse ``{working_days: 5, from: known_on, label: ...}`` (or ``days``/``months``).

        Returns the rule and no problems, or None and every ``(sub-path, message)`` problem.
        """
        if isinstance(value, DeadlineRule):
            return value, []
        if not isinstance(value, Mapping):
            example = "{working_days: 5, from: known_on}"
            return None, [((), f"must be a mapping such as {example} (got {_show(value)})")]
        problems: list[tuple[tuple[str, ...], str]] = []
        for key in value:
            if key not in _RULE_KEYS:
                hint = _suggest(key, _RULE_KEYS) if isinstance(key, str) else ""
                problems.append(((str(key),), f"unknown key {str(key)!r}{hint}"))

        units = [u for u in UNITS if u in value]
        if len(units) != 1:
            got = ", ".join(units) or "none"
            problems.append(((), f"give exactly one of {', '.join(UNITS)} (got {got})"))
        for unit in units:
            amount = value[unit]
            if not _is_whole(amount) or amount < 1:
                problems.append(((unit,), f"must be a positive whole number (got {_show(amount)})"))

        anchor = value.get("from", "entered")
        if not isinstance(anchor, str) or not anchor.strip():
            problems.append(
                (("from",), f"must be the name of a date, such as known_on (got {_show(anchor)})")
            )
        label = value.get("label")
        if label is not None and not isinstance(label, str):
            problems.append((("label",), f"must be text (got {_show(label)})"))

        if problems:
            return None, problems
        unit = units[0]
        return cls(amount=value[unit], unit=unit, anchor=anchor.strip(), label=label), []


# --------------------------------------------------------------------------- dates


def add_months(start: date, months: int) -> date:
    """``start`` plus ``months`` calendar months, clamped to the month end (Jan 31 → Feb 28/29)."""
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    if not 1 <= year <= 9999:
        raise InputError(f"{start.isoformat()} plus {months} months is out of range")
    last = _month_days(year, month)
    return date(year, month, min(start.day, last))


def anniversaries(start: date, until: date, *, months: int = 12) -> list[date]:
    """Each anniversary of ``start`` up to and including ``until`` (Feb 29 → Feb 28).

    With ``months``, every ``months`` calendar months instead of every year.
    """
    if not _is_whole(months) or months < 1:
        raise InputError(f"months must be a positive whole number (got {_show(months)})")
    out: list[date] = []
    periods = 1
    while True:
        index = start.year * 12 + start.month - 1 + months * periods
        if index // 12 > 9999:
            return out
        day = add_months(start, months * periods)
        if day > until:
            return out
        out.append(day)
        periods += 1


def _checked_suspensions(suspensions: Sequence[Suspension]) -> list[Suspension]:
    """The suspensions validated and sorted by start."""
    out: list[Suspension] = []
    for item in suspensions:
        try:
            begin, end = item
        except (TypeError, ValueError):
            raise InputError(f"a suspension must be a (start, end) pair (got {item!r})") from None
        if not isinstance(begin, date) or not (end is None or isinstance(end, date)):
            raise InputError(f"a suspension must be (date, date or None) (got {item!r})")
        if end is not None and end < begin:
            raise InputError(
                f"a suspension cannot end ({end.isoformat()}) before it starts "
                f"({begin.isoformat()})"
            )
        out.append((begin, end))
    out.sort(key=lambda pair: pair[0])
    return out


def _count_with_suspensions(
    start: date,
    amount: int,
    suspensions: Sequence[Suspension],
    add: Callable[[date, int], date],
    between: Callable[[date, date], int],
) -> date | None:
    """The ``amount``-th counted day after ``start``, not counting days inside suspensions.

    ``add(d, n)`` is the n-th counted day after d, ``between(a, b)`` the counted days in
    (a, b]. A suspension ``[s, e)`` that starts on or before the due date pushes it back;
    one that starts later has no effect. An open one that starts in time stops the clock.
    """
    current, remaining = start, amount
    due = add(current, remaining)
    for begin, end in suspensions:
        if begin > due:
            break
        last_counted = begin - _ONE_DAY
        if last_counted > current:
            remaining -= between(current, last_counted)
            current = last_counted
        if end is None:
            return None
        current = max(current, end - _ONE_DAY)
        due = add(current, remaining)
    return due


def _add_days(start: date, n: int) -> date:
    return start + timedelta(days=n)


def _days_between(start: date, end: date) -> int:
    return (end - start).days


def due_date(
    rule: DeadlineRule,
    start: date,
    *,
    calendar: WorkingCalendar,
    suspensions: Sequence[Suspension] = (),
) -> date | None:
    """When ``rule``'s clock, started on ``start``, runs out; None while it is stopped.

    Days inside a suspension ``[s, e)`` after ``start`` do not count (working days for
    working-day rules, calendar days otherwise), so a suspension before the due date
    moves it by exactly its length. Month rules add the months (clamped to the month
    end), then extend by the calendar days suspended. A suspension that is still open
    and began on or before the due date stops the clock: the result is None.
    """
    ordered = _checked_suspensions(suspensions)
    if rule.unit == "working_days":
        return _count_with_suspensions(
            start, rule.amount, ordered, calendar.add_working_days, calendar.working_days_between
        )
    # Month rules become the calendar days they span, then suspensions extend them.
    amount = rule.amount if rule.unit == "days" else (add_months(start, rule.amount) - start).days
    return _count_with_suspensions(start, amount, ordered, _add_days, _days_between)


def days_left(due: date, today: date, *, calendar: WorkingCalendar, unit: str) -> int:
    """Working days (working-day rules) or calendar days left until ``due``; negative when late."""
    if unit not in UNITS:
        raise InputError(
            f"unknown unit {unit!r}{_suggest(str(unit), UNITS)}; expected one of {', '.join(UNITS)}"
        )
    if unit == "working_days":
        return calendar.working_days_between(today, due)
    return (due - today).days
