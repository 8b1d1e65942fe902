"""Draw the integrated chronology as a swim-lane timeline (SVG or PNG), with matplotlib.

One lane per agency; each entry a marker (a bar for a partial date such as a
month); key practice episodes highlighted and labelled; entries citing no
evidence drawn hollow; gaps in contact with the child shaded.

matplotlib is imported inside :func:`plot_timeline`, and only its object API
with the Agg canvas is used (no pyplot, no global backend change).
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from aaib_cp.exceptions import InputError
from aaib_cp.workflow.safe_files import write_output

if TYPE_CHECKING:
    from aaib_cp.evidence.service import Chronology

__all__ = ["FORMATS", "plot_timeline", "timeline_picture"]

FORMATS = (".svg", ".png")
_KEY_COLOUR = "#c0392b"
_ENTRY_COLOUR = "#1f4e79"
_GAP_COLOUR = "#f0b429"
#: Key practice episodes labelled with their reference (more would be unreadable).
MAX_LABELS = 60


def plot_timeline(chronology: Chronology, path: str | Path, *, title: str | None = None) -> Path:
    """Write the timeline picture to ``path`` (``.svg`` or ``.png``); returns the path."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in FORMATS:
        raise InputError(f"output: {target.name!r} must end in .svg or .png")
    if not chronology.entries:
        raise InputError(f"{chronology.case_id} has no chronology entries to plot")
    if not target.parent.exists():
        raise InputError(f"output: folder {target.parent} does not exist")
    return write_output(target, timeline_picture(chronology, suffix, title=title))


def timeline_picture(chronology: Chronology, suffix: str, *, title: str | None = None) -> bytes:
    """The timeline picture's bytes, ``suffix`` ``.svg`` or ``.png``."""
    import matplotlib
    from matplotlib import dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    lanes = list(chronology.agencies)
    for entry in chronology.entries:
        if entry.agency not in lanes:
            lanes.append(entry.agency)
    y_of = {name: len(lanes) - 1 - i for i, name in enumerate(lanes)}

    with matplotlib.rc_context({"svg.fonttype": "none", "font.size": 9}):
        fig = Figure(figsize=(11, 1.6 + 0.7 * len(lanes)), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.xaxis_date()
        num = mdates.date2num
        for y in range(len(lanes)):
            ax.axhspan(y - 0.5, y + 0.5, color="#f4f6f8" if y % 2 else "white", zorder=0)
        for gap in chronology.gaps:
            ax.axvspan(
                num(datetime.combine(gap.start, datetime.min.time())),
                num(datetime.combine(gap.end, datetime.min.time())),
                color=_GAP_COLOUR,
                alpha=0.25,
                zorder=1,
            )
            middle = gap.start + (gap.end - gap.start) / 2
            ax.text(
                num(datetime.combine(middle, datetime.min.time())),
                len(lanes) - 0.55,
                f"gap {gap.days} days",
                ha="center",
                va="top",
                fontsize=8,
                color="#7a5c00",
            )
        # One artist per style, not one per entry: a chronology may hold 10,000 entries.
        points: dict[tuple[bool, bool], tuple[list[datetime], list[int]]] = {}
        ranges: dict[bool, tuple[list[int], list[datetime], list[datetime]]] = {}
        labels = []
        for entry in chronology.entries:
            y = y_of[entry.agency]
            start = entry.when.to_datetime()
            if entry.when.precision in ("year", "month"):
                end = datetime.combine(entry.when.latest + timedelta(days=1), datetime.min.time())
                ys, starts, ends = ranges.setdefault(entry.key_episode, ([], [], []))
                ys.append(y)
                starts.append(start)
                ends.append(end)
                start = start + (end - start) / 2
            xs, ys_ = points.setdefault((entry.key_episode, entry.cites_evidence), ([], []))
            xs.append(start)
            ys_.append(y)
            if entry.key_episode:
                labels.append((entry.ref, start, y))
        for key, (ys, starts, ends) in ranges.items():
            colour = _KEY_COLOUR if key else _ENTRY_COLOUR
            ax.hlines(ys, num(starts), num(ends), colors=colour, linewidth=6, alpha=0.45, zorder=2)
        for (key, cites), (xs, ys_) in points.items():
            colour = _KEY_COLOUR if key else _ENTRY_COLOUR
            ax.plot(
                num(xs),
                ys_,
                marker="*" if key else "o",
                markersize=14 if key else 7,
                color=colour,
                markerfacecolor=colour if cites else "white",
                linestyle="none",
                zorder=3,
            )
        for ref, start, y in labels[:MAX_LABELS]:
            ax.annotate(
                ref,
                (start, y),
                xytext=(0, 9),
                textcoords="offset points",
                ha="center",
                fontsize=8,
                color=_KEY_COLOUR,
                fontweight="bold",
            )
        ax.set_yticks(range(len(lanes)), [lanes[len(lanes) - 1 - y] for y in range(len(lanes))])
        ax.set_ylim(-0.5, len(lanes) - 0.5)
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.grid(axis="x", color="#d0d4d8", linewidth=0.6, zorder=0)
        ax.set_title(title or f"{chronology.case_id}: integrated multi-agency chronology")
        ax.legend(
            handles=[
                Line2D([], [], marker="o", color=_ENTRY_COLOUR, linestyle="none", label="entry"),
                Line2D(
                    [],
                    [],
                    marker="o",
                    color=_ENTRY_COLOUR,
                    markerfacecolor="white",
                    linestyle="none",
                    label="cites no evidence",
                ),
                Line2D(
                    [],
                    [],
                    marker="*",
                    markersize=12,
                    color=_KEY_COLOUR,
                    linestyle="none",
                    label="key practice episode",
                ),
                Patch(
                    color=_GAP_COLOUR,
                    alpha=0.25,
                    label=f"no contact with the child > {chronology.gap_days} days",
                ),
            ],
            loc="upper center",
            bbox_to_anchor=(0.5, -0.12),
            ncols=4,
            frameon=False,
        )
        metadata = {"Date": None} if suffix == ".svg" else {"Software": "aaib-cp"}
        picture = io.BytesIO()
        fig.savefig(picture, format=suffix[1:], dpi=120, metadata=metadata)
    return picture.getvalue()
