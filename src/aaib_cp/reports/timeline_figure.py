"""The report's timeline picture: the chronology as a swim-lane SVG written from the data.

One lane per agency; each entry a marker at its date (a bar across its span for a
month or a year); key practice episodes as red stars, the first
:data:`~aaib_cp.evidence.timeline.MAX_LABELS` labelled with their reference; entries
citing no evidence drawn hollow; gaps in contact with the child shaded and labelled
with their length; a legend below. It shows what the matplotlib timeline of
``aaib chronology plot`` shows, without a plotting library: a chronology of 10,000
entries is drawn in a few hundredths of a second. Markers that would land on the same
pixel of the same lane in the same style are drawn once (the picture is the same), and
each style's markers are one ``path``, so the picture's size is bounded by its width,
not by the number of entries.

The picture's text (title, lane names, references, axis and legend) is SVG text, which
the leak check of the public report reads (:func:`aaib_cp.reports.visible.visible_text`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from aaib_cp.evidence.timeline import MAX_LABELS

if TYPE_CHECKING:
    from aaib_cp.evidence.chronology import Chronology
    from aaib_cp.evidence.model import When

__all__ = ["timeline_svg"]

_KEY = "#c0392b"
_ENTRY = "#1f4e79"
_GAP = "#f0b429"
_GAP_TEXT = "#7a5c00"
_GRID = "#d0d4d8"
_FONT = 'font-family="DejaVu Sans, Arial, Helvetica, sans-serif"'
_PLOT_W, _LANE_H, _TOP, _CHAR_W = 800, 50, 58, 8
_R = 5  # an entry's marker: a circle of this radius
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _star(size: float) -> str:
    """A five-pointed star as a relative path from its top point."""
    points = []
    for i in range(10):
        radius = size if i % 2 == 0 else size * 0.42
        angle = math.pi / 2 - i * math.pi / 5
        points.append((radius * math.cos(angle), -radius * math.sin(angle)))
    moves = [f"{b[0] - a[0]:.1f} {b[1] - a[1]:.1f}" for a, b in itertools.pairwise(points)]
    return f"m0 {-size:.1f}l" + " ".join(moves) + "z"


_STAR = _star(10)
_CIRCLE = f"m{-_R} 0a{_R} {_R} 0 1 0 {2 * _R} 0a{_R} {_R} 0 1 0 {-2 * _R} 0"


def _day(when: When) -> float:
    """An entry's moment as a day number (a fraction for the time of day)."""
    day = float(when.earliest.toordinal())
    if when.time:
        parts = [int(p) for p in when.time.split(":")]
        day += (parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) > 2 else 0)) / 86400
    return day


def _ticks(first: float, last: float) -> list[tuple[float, str]]:
    """Axis ticks between two day numbers: years, months or days, about ten at most."""
    start, end = date.fromordinal(int(first)), date.fromordinal(int(last))
    span = last - first
    ticks: list[tuple[float, str]] = []
    if span > 3 * 366:
        step = max(1, math.ceil((end.year - start.year + 1) / 10))
        for year in range(start.year - start.year % step, end.year + 1, step):
            ticks.append((date(year, 1, 1).toordinal(), str(year)))
    elif span > 62:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        step = next(s for s in (1, 2, 3, 6, 12) if months / s <= 12)
        index = start.year * 12 + start.month - 1
        index -= index % step
        while index <= end.year * 12 + end.month - 1:
            year, month = divmod(index, 12)
            ticks.append((date(year, month + 1, 1).toordinal(), f"{_MONTHS[month]} {year}"))
            index += step
    else:
        step = next(s for s in (1, 2, 7, 14, 28) if span / s <= 12)
        day = int(first)
        while day <= last:
            d = date.fromordinal(day)
            ticks.append((day, f"{d.day} {_MONTHS[d.month - 1]} {d.year}"))
            day += step
    return [(t, label) for t, label in ticks if first <= t <= last]


def timeline_svg(
    chronology: Chronology, *, title: str, lane: Callable[[str], str] = str
) -> bytes | None:
    """The timeline of ``chronology`` as SVG, each agency's lane named by ``lane``.

    None when the chronology has no entries.
    """
    entries = chronology.entries
    if not entries:
        return None
    names = list(dict.fromkeys([*chronology.agencies, *(e.agency for e in entries)]))
    shown = {name: lane(name) for name in names}
    lanes = len(names)
    row = {name: i for i, name in enumerate(names)}
    left = 24 + _CHAR_W * max(len(shown[n]) for n in names)
    width, plot_h = left + _PLOT_W + 24, lanes * _LANE_H
    height = _TOP + plot_h + 76

    moments = []
    seen: dict[str, tuple[float, float]] = {}  # a long chronology repeats its dates
    for e in entries:
        moment = seen.get(e.when.text)
        if moment is None:
            if e.when.precision in ("year", "month"):
                moment = (float(e.when.earliest.toordinal()), e.when.latest.toordinal() + 1.0)
            else:
                moment = (_day(e.when), _day(e.when))
            seen[e.when.text] = moment
        moments.append(moment)
    first = min(m[0] for m in moments)
    last = max(m[1] for m in moments)
    for gap in chronology.gaps:
        first, last = min(first, gap.start.toordinal()), max(last, gap.end.toordinal())
    if last - first < 30:
        middle = (first + last) / 2
        first, last = middle - 15, middle + 15
    pad = (last - first) * 0.02
    first, last = first - pad, last + pad
    scale = _PLOT_W / (last - first)

    def x(day: float) -> float:
        return left + (day - first) * scale

    def y(name: str) -> float:
        return _TOP + (row[name] + 0.5) * _LANE_H

    # one mark per pixel, lane and style: the picture is the same, its size bounded
    points: dict[tuple[bool, bool], dict[tuple[int, float], None]] = {}
    bars: dict[bool, dict[tuple[int, int, float], None]] = {}
    labels: list[tuple[str, int, float]] = []
    for e, (start, end) in zip(entries, moments, strict=True):
        at = y(e.agency)
        if start != end:
            bars.setdefault(e.key_episode, {})[(round(x(start)), round(x(end)), at)] = None
            start = (start + end) / 2
        px = round(x(start))
        points.setdefault((e.key_episode, e.cites_evidence), {})[(px, at)] = None
        if e.key_episode and len(labels) < MAX_LABELS:
            labels.append((e.ref, px, at))

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" {_FONT} font-size="13">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{width / 2:.0f}" y="24" text-anchor="middle" font-size="16" '
        f'font-weight="bold" fill="#1b1b1b">{escape(title)}</text>',
    ]
    for i, name in enumerate(names):
        top = _TOP + i * _LANE_H
        fill = "#f4f6f8" if i % 2 else "#ffffff"
        out.append(
            f'<rect x="{left}" y="{top}" width="{_PLOT_W}" height="{_LANE_H}" fill="{fill}"/>'
        )
        out.append(
            f'<text x="{left - 8}" y="{top + _LANE_H / 2 + 4:.0f}" text-anchor="end" '
            f'fill="#1b1b1b">{escape(shown[name])}</text>'
        )
    bottom = _TOP + plot_h
    for day, label in _ticks(first, last):
        tx = x(day)
        out.append(
            f'<path d="M{tx:.1f} {_TOP}V{bottom}" stroke="{_GRID}" stroke-width="0.8"/>'
            f'<text x="{tx:.1f}" y="{bottom + 18}" text-anchor="middle" '
            f'fill="#1b1b1b">{escape(label)}</text>'
        )
    for gap in chronology.gaps:
        gx, gw = x(gap.start.toordinal()), (gap.end.toordinal() - gap.start.toordinal()) * scale
        out.append(
            f'<rect x="{gx:.1f}" y="{_TOP}" width="{gw:.1f}" height="{plot_h}" '
            f'fill="{_GAP}" fill-opacity="0.25"/>'
            f'<text x="{gx + gw / 2:.1f}" y="{_TOP - 6}" text-anchor="middle" font-size="12" '
            f'fill="{_GAP_TEXT}">gap {gap.days} days</text>'
        )
    out.append(
        f'<rect x="{left}" y="{_TOP}" width="{_PLOT_W}" height="{plot_h}" '
        'fill="none" stroke="#8a9bb0"/>'
    )
    for key, spans in bars.items():
        d = "".join(f"M{a} {b_y:.0f}H{b}" for a, b, b_y in spans)
        colour = _KEY if key else _ENTRY
        out.append(f'<path d="{d}" stroke="{colour}" stroke-width="6" stroke-opacity="0.45"/>')
    for style in ((False, True), (False, False), (True, True), (True, False)):
        marks = points.get(style)
        if not marks:
            continue
        key, cites = style
        colour = _KEY if key else _ENTRY
        shape = _STAR if key else _CIRCLE
        d = "".join(f"M{px} {py:.0f}{shape}" for px, py in marks)
        fill = colour if cites else "#ffffff"
        out.append(f'<path d="{d}" fill="{fill}" stroke="{colour}" stroke-width="1.5"/>')
    for ref, lx, ly in labels:
        out.append(
            f'<text x="{lx}" y="{ly - 13:.0f}" text-anchor="middle" font-size="12" '
            f'font-weight="bold" fill="{_KEY}">{escape(ref)}</text>'
        )
    out.append(_legend(left, bottom + 46, chronology.gap_days))
    out.append("</svg>")
    return "\n".join(out).encode("utf-8")


def _legend(left: int, top: int, gap_days: int) -> str:
    """The legend below the plot: what each mark means, in words."""
    items: Sequence[tuple[str, str]] = (
        (f'<path d="M{{x}} {top}{_CIRCLE}" fill="{_ENTRY}" stroke="{_ENTRY}"/>', "entry"),
        (
            f'<path d="M{{x}} {top}{_CIRCLE}" fill="#ffffff" stroke="{_ENTRY}" '
            'stroke-width="1.5"/>',
            "cites no evidence",
        ),
        (
            f'<path d="M{{x}} {top}{_STAR}" fill="{_KEY}" stroke="{_KEY}"/>',
            "key practice episode",
        ),
        (
            f'<rect x="{{x_box}}" y="{top - 6}" width="14" height="12" fill="{_GAP}" '
            'fill-opacity="0.25" stroke="#b58a00"/>',
            f"no contact with the child > {gap_days} days",
        ),
    )
    out, at = [], left
    for mark, text in items:
        out.append(mark.format(x=at + 6, x_box=at))
        out.append(f'<text x="{at + 20}" y="{top + 4}" fill="#1b1b1b">{escape(text)}</text>')
        at += 20 + 7 * len(text) + 18
    return "".join(out)
