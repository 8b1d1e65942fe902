"""Commands on the integrated chronology: aaib chronology."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import click

from aaib_cp.cli._common import (
    Context,
    actor_options,
    emit_json,
    is_tty,
    json_option,
    pass_ctx,
    short,
    stream_table,
)
from aaib_cp.cli._services import casebook

if TYPE_CHECKING:
    from aaib_cp.workflow.identity import Actor

PROGRESS_FROM = 200


def _parse_map(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> Any:
    from aaib_cp.evidence.chronology_csv import parse_mapping
    from aaib_cp.exceptions import InputError

    try:
        return parse_mapping(value)
    except InputError as exc:
        raise click.BadParameter(str(exc).removeprefix("--map: "), ctx, param) from None


#: ``--map SRC=DEST`` on every CSV import: read the file's column SRC as DEST.
map_option = click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="SRC=DEST",
    callback=_parse_map,
    help="Read the file's column SRC as DEST (repeatable); 'SRC=' ignores SRC.",
)


# -- chronology --------------------------------------------------------------------
@click.group()
def chronology() -> None:
    """The integrated multi-agency chronology: entries, CSV import, gaps and a timeline.

    \b
    Example:
      aaib chronology show CP-2026-0001
    """


@chronology.command("add")
@click.argument("case_id", metavar="CASE")
@click.option("--when", "when", required=True, help="YYYY-MM-DD, YYYY-MM, YYYY or ...THH:MM.")
@click.option("--agency", "agency_name", required=True, help="The agency whose record this is.")
@click.option("--what", required=True, help="What happened.")
@click.option(
    "--person",
    "people",
    multiple=True,
    help="A person involved, by pseudonym or registered name (repeatable).",
)
@click.option("--evidence", "evidence_ref", help="The source evidence item, e.g. E3.")
@click.option("--key-episode", is_flag=True, help="Tag it as a key practice episode.")
@actor_options
@pass_ctx
def chronology_add(
    obj: Context,
    case_id: str,
    when: str,
    agency_name: str,
    what: str,
    people: tuple[str, ...],
    evidence_ref: str | None,
    key_episode: bool,
    actor: Actor | None,
    role: str | None,
) -> None:
    """Add one entry to the chronology; prints its reference (C1, C2, ...).

    \b
    Example:
      aaib chronology add CP-2026-0001 --when 2026-01-14 --agency "Northshire Police" \\
          --what "Domestic abuse call-out; child present" --person "Child A" --evidence E2
    """
    actor, role = obj.who(actor, role)
    entry = casebook(obj).add_entry(
        case_id,
        when=when,
        agency=agency_name,
        what=what,
        people=people,
        evidence=evidence_ref,
        key_episode=key_episode,
        actor=actor,
        role=role,
    )
    click.echo(f"{case_id}: added {entry.ref} ({entry.when}, {entry.agency})")


def _progress(items: Iterable[Any]) -> Iterator[Any]:
    """The rows, with a progress bar on a terminal once there are many (read as they come)."""
    rows = iter(items)
    head = list(itertools.islice(rows, PROGRESS_FROM))
    if not is_tty() or len(head) < PROGRESS_FROM:
        yield from head
        yield from rows
        return
    with click.progressbar(itertools.chain(head, rows), label="Importing rows") as bar:
        yield from bar


@chronology.command("import")
@click.argument("case_id", metavar="CASE")
@click.argument("csv_path", metavar="FILE", type=click.Path(readable=False))
@click.option("--agency", "agency_name", help="The submitting agency (else an 'agency' column).")
@map_option
@actor_options
@pass_ctx
def chronology_import(
    obj: Context,
    case_id: str,
    csv_path: str,
    agency_name: str | None,
    mapping: dict[str, str],
    actor: Actor | None,
    role: str | None,
) -> None:
    """Import an agency's chronology CSV (columns: docs/chronology.md).

    Every row is checked first. If any row is invalid, each problem is printed as
    'FILE: row N: COLUMN: problem' and nothing is imported. Unknown and missing
    columns are all reported at once (row 1); --map renames a column of the file.

    \b
    Example:
      aaib chronology import CP-2026-0001 police.csv --agency "Northshire Police"
      aaib chronology import CP-2026-0001 police.csv --agency "Northshire Police" \\
          --map date=when --map event=what --map key_practice_episode=key_episode
    """
    actor, role = obj.who(actor, role)
    refs = casebook(obj).import_chronology(
        case_id,
        csv_path,
        agency=agency_name,
        mapping=mapping,
        actor=actor,
        role=role,
        progress=_progress,
    )
    click.echo(f"{case_id}: imported {len(refs)} entries ({refs[0]}-{refs[-1]}) from {csv_path}")


@chronology.command("tag")
@click.argument("case_id", metavar="CASE")
@click.argument("entry_ref", metavar="ENTRY")
@click.option("--untag", is_flag=True, help="Remove the tag instead.")
@actor_options
@pass_ctx
def chronology_tag(
    obj: Context, case_id: str, entry_ref: str, untag: bool, actor: Actor | None, role: str | None
) -> None:
    """Tag an entry as a key practice episode (or --untag it).

    \b
    Example:
      aaib chronology tag CP-2026-0001 C7
    """
    actor, role = obj.who(actor, role)
    entry = casebook(obj).tag_entry(
        case_id, entry_ref, key_episode=not untag, actor=actor, role=role
    )
    state = "is" if entry.key_episode else "is no longer"
    click.echo(f"{case_id}: {entry.ref} {state} a key practice episode")


_GAP_OPTION = click.option(
    "--gap-days",
    type=click.IntRange(min=0),
    help="Flag gaps in contact with the child longer than this "
    "(default: the workflow setting chronology_gap_days).",
)


@chronology.command("show")
@click.argument("case_id", metavar="CASE")
@_GAP_OPTION
@json_option
@pass_ctx
def chronology_show(obj: Context, case_id: str, gap_days: int | None, as_json: bool) -> None:
    """Show every agency's entries merged in time order, flagging gaps and unevidenced entries.

    \b
    Example:
      aaib chronology show CP-2026-0001 --gap-days 14
    """
    if as_json:
        emit_json(casebook(obj).chronology(case_id, gap_days=gap_days).to_json())
        return
    from aaib_cp.evidence.model import Gap

    gap_days, items = casebook(obj).timeline(case_id, gap_days=gap_days)
    counts = {"entries": 0, "gaps": 0, "unevidenced": 0}
    agencies: set[str] = set()

    def rows() -> Iterator[list[str]]:
        for item in items:
            if isinstance(item, Gap):
                counts["gaps"] += 1
                note = f"--- GAP: {item.days} days without contact with the child"
                yield ["", "", "", note, "", "", f"GAP {item.start} to {item.end}"]
                continue
            counts["entries"] += 1
            counts["unevidenced"] += not item.cites_evidence
            agencies.add(item.agency)
            flags = ["KEY"] if item.key_episode else []
            flags += [] if item.cites_evidence else ["NO EVIDENCE"]
            yield [
                item.when.text,
                item.ref,
                item.agency,
                short(item.what, 70),
                ", ".join(item.people),
                item.evidence or "",
                " ".join(flags),
            ]

    listing = rows()
    first = next(listing, None)
    if first is None:
        click.echo("No chronology entries yet.")
        return
    headers = ["when", "entry", "agency", "what", "people", "evidence", "flags"]
    for line in stream_table(itertools.chain([first], listing), headers):
        click.echo(line)
    click.echo("")
    unevidenced = counts["unevidenced"]
    click.echo(
        f"{counts['entries']} entries from {len(agencies)} agencies; "
        f"{counts['gaps']} gap(s) longer than {gap_days} days; "
        f"{unevidenced} entr{'y' if unevidenced == 1 else 'ies'} citing no evidence."
    )


@chronology.command("plot")
@click.argument("case_id", metavar="CASE")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(readable=False),
    metavar="FILE",
    help="timeline.svg or .png",
)
@_GAP_OPTION
@pass_ctx
def chronology_plot(obj: Context, case_id: str, output: str, gap_days: int | None) -> None:
    """Draw the chronology as a swim-lane timeline, one lane per agency (SVG or PNG).

    Key practice episodes are highlighted, gaps in contact with the child shaded,
    and entries citing no evidence drawn hollow.

    \b
    Example:
      aaib chronology plot CP-2026-0001 -o timeline.svg
    """
    from aaib_cp.evidence.timeline import plot_timeline

    chron = casebook(obj).chronology(case_id, gap_days=gap_days)
    path = plot_timeline(chron, output)
    click.echo(f"{case_id}: timeline written to {path}")
