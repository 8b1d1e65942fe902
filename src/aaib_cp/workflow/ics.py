"""Clocks as an iCalendar (RFC 5545) feed, so a calendar shows every due date.

One all-day event per clock with a due date. Each event's UID is built from what
identifies the clock (case, kind, state, trigger, anniversary or label), never from its
due date, so a calendar that imports the file again updates its events rather than
adding copies. Given the previous file, an unchanged event keeps its ``SEQUENCE`` and
``DTSTAMP`` (the file is then byte for byte the same); a changed one gets the next
``SEQUENCE`` and a new ``DTSTAMP``, as RFC 5545 section 3.8.7.4 asks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

import icalendar

from aaib_cp.exceptions import InputError
from aaib_cp.workflow.clocks import CaseClock

__all__ = ["PRODID", "clock_uid", "clocks_calendar", "previous_events"]

PRODID = "-//aaib-cp//deadlines//EN"
_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


def clock_uid(clock: CaseClock) -> str:
    """A UID naming the clock, not its due date (``cp-2026-0001.transition.publish@aaib-cp``)."""
    parts = [clock.case_id, clock.kind]
    if clock.kind == "state":
        parts += [clock.state, clock.label]
    elif clock.kind == "transition":
        parts.append(clock.trigger or clock.label)
    elif clock.kind == "interim_statement":
        parts.append(str(clock.number or 1))
    else:
        parts.append(clock.label)
    slug = ".".join(_UNSAFE.sub("-", p).strip("-").lower() for p in parts)
    return f"{slug}@aaib-cp"


def previous_events(data: bytes, *, filename: str) -> dict[str, tuple[int, datetime, str]]:
    """The events of an earlier feed: UID -> (SEQUENCE, DTSTAMP, content fingerprint)."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        raise InputError(
            f"{filename}: not an iCalendar file ({exc}); choose another file name"
        ) from None
    if str(calendar.get("PRODID", "")) != PRODID:
        raise InputError(f"{filename}: not a deadlines file of aaib-cp; choose another file name")
    found: dict[str, tuple[int, datetime, str]] = {}
    for event in calendar.walk("VEVENT"):
        found[str(event["UID"])] = (
            int(event.get("SEQUENCE", 0)),
            event.decoded("DTSTAMP"),
            _fingerprint(event),
        )
    return found


def _fingerprint(event: Any) -> str:
    """What a calendar shows of an event: a change here is a new SEQUENCE."""
    names = ("SUMMARY", "DESCRIPTION", "CATEGORIES", "DTSTART", "DTEND")
    return "\x1f".join(event[n].to_ical().decode() if n in event else "" for n in names)


def clocks_calendar(
    clocks: Iterable[CaseClock],
    *,
    titles: Mapping[str, str],
    now: datetime,
    previous: Mapping[str, tuple[int, datetime, str]] | None = None,
) -> bytes:
    """An iCalendar file with one all-day event per clock that has a due date.

    ``titles`` maps case ids to case titles; ``previous`` is :func:`previous_events` of
    the file being replaced (unchanged events keep SEQUENCE and DTSTAMP).
    """
    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", "PUBLISH")
    calendar.add("X-WR-CALNAME", "aaib-cp deadlines")
    seen: set[str] = set()
    for clock in clocks:
        if clock.due is None:
            continue
        uid = clock_uid(clock)
        if uid in seen:
            continue
        seen.add(uid)
        event = _event(clock, titles.get(clock.case_id, ""), uid)
        sequence, stamp = 0, now
        if previous and uid in previous:
            old_sequence, old_stamp, old_print = previous[uid]
            unchanged = old_print == _fingerprint(event)
            sequence = old_sequence if unchanged else old_sequence + 1
            stamp = old_stamp if unchanged else now
        event.add("DTSTAMP", stamp)
        event.add("SEQUENCE", sequence)
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def _event(clock: CaseClock, title: str, uid: str) -> icalendar.Event:
    due: date = clock.due  # type: ignore[assignment]  # the caller skips clocks without one
    event = icalendar.Event()
    event.add("UID", uid)
    event.add("SUMMARY", f"{clock.case_id}: {clock.label}")
    rule = f"{clock.rule.amount} {clock.unit_words} from {clock.rule.anchor} on {clock.start}"
    lines = [
        f"Case {clock.case_id}" + (f" ({title})" if title else ""),
        f"{clock.label}: due {due.isoformat()} ({rule})",
        f"State: {clock.state}",
    ]
    if clock.trigger:
        lines.append(f"Due to fire: {clock.trigger}")
    event.add("DESCRIPTION", "\n".join(lines))
    event.add("CATEGORIES", [clock.kind])
    event.add("DTSTART", due)
    event.add("DTEND", due + timedelta(days=1))
    event.add("TRANSP", "TRANSPARENT")
    return event
