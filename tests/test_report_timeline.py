"""The report's timeline picture: an SVG written from the chronology (no plotting library)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from aaib_cp.evidence.chronology import Chronology
from aaib_cp.evidence.model import ChronologyEntry, Gap, When
from aaib_cp.evidence.timeline import MAX_LABELS
from aaib_cp.reports.timeline_figure import timeline_svg
from aaib_cp.reports.visible import visible_text

SVG = "{http://www.w3.org/2000/svg}"


def entry(n, when, agency="Police", *, key=False, evidence="E1"):
    return ChronologyEntry(
        id=n,
        case_id="CP-1",
        ref=f"C{n}",
        when=When.parse(when),
        agency=agency,
        people=(),
        what="seen",
        evidence=evidence,
        key_episode=key,
        source="test",
    )


def chronology(entries, *, agencies=("Police", "School"), gaps=()):
    return Chronology("CP-1", tuple(agencies), tuple(entries), tuple(gaps), 28)


def draw(entries, **kwargs):
    svg = timeline_svg(chronology(entries, **kwargs), title="CP-1: timeline")
    assert svg is not None
    return svg.decode("utf-8")


def marks(svg):
    """The number of marks in each marker path (one ``M`` per mark)."""
    root = ET.fromstring(svg)
    return [p.get("d").count("M") for p in root.iter(f"{SVG}path") if "a5 5" in p.get("d", "")]


def test_no_entries_no_picture():
    assert timeline_svg(chronology([]), title="t") is None


def test_lanes_labels_gaps_and_legend_are_text():
    """Everything the picture says is SVG text: the leak check reads it."""
    svg = draw(
        [
            entry(1, "2026-01-02"),
            entry(2, "2026-03-04", "School", key=True),
            entry(3, "2026-05", "Health", evidence=None),
        ],
        gaps=(Gap(date(2026, 1, 3), date(2026, 3, 4)),),
    )
    ET.fromstring(svg)  # well formed
    text = visible_text(svg)
    for words in (
        "CP-1: timeline",
        "Police",
        "School",
        "Health",  # an agency not registered still gets its lane
        "C2",  # a key practice episode is labelled
        "gap 60 days",
        "entry",
        "cites no evidence",
        "key practice episode",
        "no contact with the child > 28 days",
    ):
        assert words in text
    assert "C1" not in text and "C3" not in text  # only key practice episodes are labelled


def test_lanes_are_named_by_the_lane_function():
    svg = timeline_svg(
        chronology([entry(1, "2026-01-02", "Amy Surgery")]),
        title="t",
        lane=lambda name: name.replace("Amy", "Child A"),
    )
    assert svg is not None
    text = visible_text(svg.decode("utf-8"))
    assert "Child A Surgery" in text and "Amy" not in text


def test_marks_on_the_same_pixel_are_drawn_once():
    """10,000 entries on one day of one lane are one mark: the size follows the width."""
    one = draw([entry(1, "2026-01-02")])
    many = draw([entry(n, "2026-01-02") for n in range(1, 10_001)])
    assert [1, 1, 1] == marks(one) == marks(many)  # the entry and the legend's two circles
    assert len(many) == len(one)


def test_each_style_is_drawn():
    """Evidenced, unevidenced and key entries each get their own path and colour."""
    svg = draw(
        [
            entry(1, "2026-01-02"),
            entry(2, "2026-02-02", evidence=None),
            entry(3, "2026-03-02", key=True),
        ]
    )
    root = ET.fromstring(svg)
    fills = {p.get("fill") for p in root.iter(f"{SVG}path") if p.get("d", "").count("M") >= 1}
    assert {"#1f4e79", "#ffffff", "#c0392b"} <= fills


def test_a_month_is_a_bar_across_its_span():
    svg = draw([entry(1, "2026-02"), entry(2, "2026-06-30")])
    bars = re.findall(r'<path d="(M[\d.]+ [\d.]+H[\d.]+)+" stroke="#1f4e79" stroke-width="6"', svg)
    assert 1 == len(bars)


def test_labels_are_capped():
    svg = draw([entry(n, f"2026-01-{1 + n % 28:02d}", key=True) for n in range(200)])
    labelled = re.findall(r'font-weight="bold" fill="#c0392b">(C\d+)<', svg)
    assert MAX_LABELS == len(labelled)


@pytest.mark.parametrize(
    ("first", "last", "tick"),
    [
        ("2015-01-01", "2026-06-01", r">2016<"),  # years
        ("2026-01-01", "2026-09-01", r">Mar 2026<"),  # months
        ("2026-01-01", "2026-01-20", r">1?\d Jan 2026<"),  # days
        ("2026-01-01T09:00", "2026-01-01T17:30", r">\d+ (Dec 2025|Jan 2026)<"),  # times of day
    ],
)
def test_the_axis_is_labelled_for_the_span(first, last, tick):
    svg = draw([entry(1, first), entry(2, last)])
    assert re.search(tick, svg)


def test_text_is_escaped():
    svg = timeline_svg(chronology([entry(1, "2026-01-02", "A & <B>")]), title="<t>")
    assert svg is not None
    ET.fromstring(svg)
    assert "A &amp; &lt;B&gt;" in svg.decode("utf-8")
