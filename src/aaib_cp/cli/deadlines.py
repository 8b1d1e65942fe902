"""``aaib deadlines``: every open clock across all open cases, soonest first."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

import click

from aaib_cp.cli._common import as_of_option, emit_json, is_tty, json_option, pass_ctx, table

#: Show a progress bar on a terminal from this many cases in the database.
PROGRESS_FROM = 500


def left_text(clock: Any) -> str:
    """Days left in words: ``3 working days``, ``OVERDUE 1 day``, ``stopped (suspended)``."""
    if clock.paused:
        return "stopped (suspended)"
    if clock.kind == "interim_statement":
        return "due today" if clock.days_left == 0 else f"due {clock.amount(-clock.days_left)} ago"
    if clock.overdue:
        return f"OVERDUE {clock.amount(-clock.days_left)}"
    return clock.amount(clock.days_left)


def _progress_bar(items: Any) -> Any:
    """A progress bar on stderr over ``items``."""
    return click.progressbar(items, label="Computing clocks", file=sys.stderr)


@click.command()
@click.option("--overdue", is_flag=True, help="Only clocks past their due date.")
@click.option(
    "--within",
    type=click.IntRange(min=0),
    metavar="N",
    help="Only clocks due within N days (working days for working-day clocks), or overdue.",
)
@click.option(
    "--no-recommendations",
    "recommendations_too",
    flag_value=False,
    default=True,
    help="Leave out the response and assessment clocks of safety recommendations.",
)
@as_of_option
@json_option
@pass_ctx
def deadlines(
    obj: Any,
    overdue: bool,
    within: int | None,
    recommendations_too: bool,
    as_of: datetime | None,
    as_json: bool,
) -> None:
    """List every open clock of every open case, soonest first, flagging overdue ones.

    A case's clocks are its state's deadline, the deadlines of transitions due to
    fire (e.g. the final report) and the interim statement due on the latest
    anniversary, and the response and assessment clocks of issued safety
    recommendations (calendar days). Clocks stopped while a case is suspended are
    listed last (not with --overdue or --within).

    \b
    Example:
      aaib deadlines
      aaib deadlines --within 5
      aaib deadlines --overdue --json
    """
    from aaib_cp.oversight import open_clocks

    engine = obj.engine()
    today = as_of.date() if as_of else engine.clock().date()
    cases = engine.store.list_cases()
    bar = is_tty() and not as_json and len(cases) >= PROGRESS_FROM
    clocks = open_clocks(
        engine,
        cases,
        today=today,
        recommendations=recommendations_too,
        progress=_progress_bar if bar else None,
    )
    if overdue:
        clocks = [c for c in clocks if c.overdue]
    if within is not None:
        clocks = [c for c in clocks if c.within(within)]
    if as_json:
        titles = {c.id: c.title for c in cases}
        emit_json(
            {
                "as_of": today.isoformat(),
                "clocks": [{**c.to_json(), "title": titles[c.case_id]} for c in clocks],
            }
        )
        return
    if not clocks:
        click.echo("No open clocks." if not (overdue or within is not None) else "No clocks match.")
        return
    rows = [[c.case_id, str(c.due or ""), left_text(c), c.label, c.state] for c in clocks]
    click.echo(table(rows, ["case", "due", "left", "clock", "state"]))
    late = sum(1 for c in clocks if c.overdue)
    click.echo(f"{len(clocks)} clock(s), {late} overdue (as of {today}).")
