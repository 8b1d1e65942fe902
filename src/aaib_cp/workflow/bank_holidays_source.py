"""Writes :mod:`aaib_cp.workflow.bank_holidays`, the UK public holidays precomputed.

Importing the ``holidays`` library costs about 70 ms, more than the rest of a command,
so the years a case is likely to need are shipped as data, computed once from that
library. ``tests/test_bank_holidays.py`` checks the data still matches it; after
upgrading ``holidays``, regenerate::

    python -m aaib_cp.workflow.bank_holidays_source > src/aaib_cp/workflow/bank_holidays.py
"""

from __future__ import annotations

import sys

__all__ = ["FIRST_YEAR", "LAST_YEAR", "SUBDIVISIONS", "compute", "render"]

FIRST_YEAR = 2000
LAST_YEAR = 2050
SUBDIVISIONS = ("ENG", "WLS", "SCT", "NIR")


def compute(subdiv: str, year: int) -> dict[str, str]:
    """``{ISO date: name}`` of the holidays dated in ``year`` (observed days included)."""
    import holidays

    years = range(max(1, year - 1), min(9999, year + 1) + 1)
    table = holidays.country_holidays("GB", subdiv=subdiv, years=years)
    return {d.isoformat(): str(name) for d, name in sorted(table.items()) if d.year == year}


def _quoted(text: str) -> str:
    """``text`` as a double-quoted Python literal (as ruff formats it)."""
    return (
        '"'
        + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
        + '"'
    )


def render() -> str:
    """The text of the generated module."""
    lines = [
        '"""UK public holidays by nation and year, generated from the ``holidays`` library.',
        "",
        "Do not edit: see :mod:`aaib_cp.workflow.bank_holidays_source`. Each year is one",
        'string of ``YYYY-MM-DD<tab>name`` lines, read only when that year is needed."""',
        "",
        "# ruff: noqa: E501",
        "",
        f"FIRST_YEAR = {FIRST_YEAR}",
        f"LAST_YEAR = {LAST_YEAR}",
        "",
        "HOLIDAYS: dict[str, tuple[str, ...]] = {",
    ]
    for subdiv in SUBDIVISIONS:
        lines.append(f'    "{subdiv}": (')
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            text = "\n".join(f"{d}\t{name}" for d, name in compute(subdiv, year).items())
            lines.append(f"        {_quoted(text)},")
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
