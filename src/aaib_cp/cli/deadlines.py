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
@click.option(
    "--ics",
    "ics_path",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Write the clocks as an iCalendar file (one event per clock) instead of a table.",
)
@as_of_option
@json_option
@pass_ctx
def deadlines(
    obj: Any,
    overdue: bool,
    within: int | None,
    recommendations_too: bool,
    ics_path: str | None,
    as_of: datetime | None,
    as_json: bool,
) -> None:
    """List every open clock of every open case, soonest first, flagging overdue ones.

    A case's clocks are its state's deadline, the deadlines of transitions due to
    fire (e.g. the final report) and the interim statement due on the latest
    anniversary, and the response and assessment clocks of issued safety
    recommendations (calendar days). Clocks stopped while a case is suspended are
    listed last (not with --overdue or --within).

    --ics FILE writes one all-day event per clock with a due date. Each event keeps
    its UID from one run to the next, so a calendar updates it rather than adding a
    copy; an event whose date or text changed gets the next SEQUENCE.

    \b
    Example:
      aaib deadlines
      aaib deadlines --within 5
      aaib deadlines --overdue --json
      aaib deadlines --ics deadlines.ics
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
    titles = {c.id: c.title for c in cases}
    if ics_path is not None:
        _write_ics(ics_path, clocks, titles, engine.clock())
        return
    if as_json:
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


def _write_ics(path: str, clocks: list[Any], titles: dict[str, str], now: datetime) -> None:
    """Write the clocks to ``path`` as iCalendar, keeping the sequence of unchanged events."""
    from pathlib import Path

    from aaib_cp.exceptions import InputError
    from aaib_cp.workflow.ics import clocks_calendar, previous_events

    target = Path(path)
    previous = {}
    if target.exists():
        try:
            previous = previous_events(target.read_bytes(), filename=path)
        except OSError as exc:
            raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    data = clocks_calendar(clocks, titles=titles, now=now, previous=previous)
    temporary = target.with_name(f".{target.name}.tmp")
    try:
        temporary.write_bytes(data)
        temporary.replace(target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise InputError(f"{path}: cannot be written ({exc.strerror})") from None
    written = previous_events(data, filename=path)
    new = len(written.keys() - previous.keys())
    changed = sum(
        1 for uid, (seq, *_) in written.items() if uid in previous and seq > previous[uid][0]
    )
    click.echo(
        f"{len(written)} event(s) written to {path}: {new} new, {changed} changed, "
        f"{len(written) - new - changed} unchanged."
    )
