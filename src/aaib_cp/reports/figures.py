"""The process figure: the investigation's phases in a column, a legend beside them.

Drawn as SVG text (no plotting library): one box per phase, first to last, on one axis;
suspension and the ways a case may end early are not drawn (the table beside the figure
says what happens in each phase). Progress is shown by a word and a mark in each box and
by the box's outline, never by colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from aaib_cp.reports.model import ProcessStep

__all__ = ["process_svg"]

_BOX_W, _BOX_H, _GAP, _PAD = 300, 34, 14, 16
_MARK = {"done": "\u2713 done", "current": "\u25b6 current", "to come": "\u2026 to come"}
_STYLE = {
    "done": 'fill="#e8eef4" stroke="#1f4e79" stroke-width="1.5"',
    "current": 'fill="#fff6e5" stroke="#1b1b1b" stroke-width="4"',
    "to come": 'fill="#ffffff" stroke="#555555" stroke-width="1.5" stroke-dasharray="6 4"',
}


def process_svg(steps: Sequence[ProcessStep], *, title: str) -> bytes:
    """An SVG of ``steps`` in order, each marked done, current or to come; a legend beside."""
    height = _PAD * 2 + len(steps) * (_BOX_H + _GAP)
    width = _PAD * 3 + _BOX_W + 200
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" font-family="DejaVu Sans, Arial, '
        'sans-serif" font-size="15">',
        f"<title>{escape(title)}</title>",
    ]
    y = _PAD
    for i, step in enumerate(steps):
        out.append(
            f'<rect x="{_PAD}" y="{y}" width="{_BOX_W}" height="{_BOX_H}" rx="4" '
            f"{_STYLE[step.status]}/>"
        )
        out.append(
            f'<text x="{_PAD + 10}" y="{y + 22}" fill="#1b1b1b">{i + 1}. {escape(step.name)}</text>'
        )
        out.append(
            f'<text x="{_PAD + _BOX_W - 10}" y="{y + 22}" text-anchor="end" fill="#1b1b1b">'
            f"{escape(_MARK[step.status])}</text>"
        )
        if i + 1 < len(steps):
            x = _PAD + _BOX_W // 2
            out.append(
                f'<path d="M{x} {y + _BOX_H} v{_GAP - 4} l-4 -5 m4 5 l4 -5" stroke="#1b1b1b" '
                'fill="none" stroke-width="1.5"/>'
            )
        y += _BOX_H + _GAP
    lx = _PAD * 2 + _BOX_W
    out.append(f'<text x="{lx}" y="{_PAD + 14}" font-weight="bold" fill="#1b1b1b">Legend</text>')
    for j, status in enumerate(("done", "current", "to come")):
        ly = _PAD + 28 + j * 40
        out.append(f'<rect x="{lx}" y="{ly}" width="34" height="24" rx="3" {_STYLE[status]}/>')
        out.append(f'<text x="{lx + 44}" y="{ly + 17}" fill="#1b1b1b">{_MARK[status]}</text>')
    out.append("</svg>")
    return "\n".join(out).encode("utf-8")
