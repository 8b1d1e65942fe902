"""``aaib search``, ``aaib learning themes`` and ``aaib export``: learning across cases."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import click

from aaib_cp.cli._common import emit_json, is_tty, json_option, pass_ctx, table


@click.command()
@click.argument("query", nargs=-1, required=True)
@click.option(
    "--public",
    is_flag=True,
    help="Search only what public reports contain: published cases, anonymised text.",
)
@click.option("--case", "case_id", help="Only this case.")
@click.option("--not-case", "exclude_case", help="Leave out this case (find it elsewhere).")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    help="Only records of this kind (chronology, act, factor, finding, ...); repeatable.",
)
@click.option("--limit", type=int, default=20, show_default=True, help="At most this many.")
@json_option
@pass_ctx
def search(
    obj: Any,
    query: tuple[str, ...],
    public: bool,
    case_id: str | None,
    exclude_case: str | None,
    kinds: tuple[str, ...],
    limit: int,
    as_json: bool,
) -> None:
    """Search findings, factors, acts and chronologies across all cases, best first.

    Every word must match; "quoted words" match as a phrase and word* as a prefix.
    Matches are shown in [brackets]. With --public only published cases are searched,
    in their anonymised text: results never contain a real name.

    \b
    Example:
      aaib search caseload pressure
      aaib search '"not spoken to"' --not-case CP-2026-0001
      aaib search --public strategy meet* --json
    """
    from aaib_cp.learning.service import Learning

    hits = Learning(obj.engine()).search(
        " ".join(query),
        public=public,
        limit=limit,
        case_id=case_id,
        exclude_case=exclude_case,
        kinds=kinds,
    )
    if as_json:
        emit_json([h.to_json() for h in hits])
        return
    if not hits:
        click.echo("No matches.")
        return
    click.echo(
        table(
            [(h.case_id, h.kind, h.ref, h.snippet) for h in hits], ["case", "kind", "ref", "match"]
        )
    )


@click.group()
def learning() -> None:
    """Learning across cases: recurring themes.

    \b
    Example:
      aaib learning themes --since 2026-01-01 -o themes.png
    """


@learning.command()
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Only cases opened on or after this date (YYYY-MM-DD).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(readable=False),
    metavar="FILE",
    help="Also draw a bar chart of cases per factor code (.png or .svg).",
)
@json_option
@pass_ctx
def themes(obj: Any, since: datetime | None, output: str | None, as_json: bool) -> None:
    """Count contributory-factor codes across cases, recurring factors and recommendations.

    A factor is recurring when its code is recorded in two cases or more.
    Recommendations are counted per addressee, by status and response grade.

    \b
    Example:
      aaib learning themes
      aaib learning themes --since 2026-01-01 -o themes.png
      aaib learning themes --json
    """
    from aaib_cp.learning.service import Learning

    result = Learning(obj.engine()).themes(since=since.date() if since else None)
    if output:
        result.chart(output)
    if as_json:
        emit_json(result.to_json())
        return
    rows = [
        (
            f["code"],
            f["level"],
            f["label"],
            f["cases"],
            f["factors"],
            "yes" if f["cases"] >= 2 else "",
        )
        for f in result.factors
    ]
    click.echo(
        table(rows, ["code", "level", "label", "cases", "factors", "recurring"])
        if rows
        else "No contributory factors recorded."
    )
    if result.addressees:
        click.echo("")
        click.echo(
            table(
                [
                    (
                        a["addressee"],
                        a["recommendations"],
                        ", ".join(f"{k} {v}" for k, v in sorted(a["status"].items())),
                        ", ".join(f"{k} {v}" for k, v in sorted(a["grade"].items())),
                    )
                    for a in result.addressees
                ],
                ["addressee", "recommendations", "status", "response grade"],
            )
        )
    if output:
        click.echo(f"Chart written to {output}")


@contextlib.contextmanager
def _progress(label: str) -> Iterator[Any]:
    if not is_tty():
        yield iter
        return
    bars: list[Any] = []

    def wrap(items: Iterable[str]) -> Iterable[str]:
        items = list(items)
        bar = click.progressbar(items, label=label)
        bars.append(bar)
        return bar.__enter__()

    try:
        yield wrap
    finally:
        for bar in bars:
            bar.__exit__(None, None, None)


OGL = "Open Government Licence v3.0"
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


@click.command()
@click.argument("target", metavar="[OUTPUT]", required=False, type=click.Path())
@click.option("--public", is_flag=True, help="Export the public, anonymised dataset (required).")
@click.option(
    "-o",
    "--output",
    type=click.Path(),
    help="Where to write (or give OUTPUT): a new or empty directory for csv, a file for sqlite.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "sqlite"]),
    default="csv",
    show_default=True,
    help="csv: a CSV and a JSON file per record type; sqlite: one typed SQLite file "
    "and a Datasette metadata file beside it.",
)
@click.option("--licence", default=OGL, show_default=True, help="The dataset's licence (sqlite).")
@click.option("--licence-url", default=OGL_URL, help="Where the licence is published (sqlite).")
@json_option
@pass_ctx
def export(
    obj: Any,
    target: str | None,
    public: bool,
    output: str | None,
    fmt: str,
    licence: str,
    licence_url: str,
    as_json: bool,
) -> None:
    """Write the anonymised records of every published case: CSV and JSON, or SQLite.

    One table per record type: cases, people (pseudonym, role and agency only),
    chronology, acts, factors, findings, recommendations, responses. Every text is
    anonymised and checked again; if any registered identifier is left, nothing is
    written. Restricted exports are not offered.

    --format sqlite writes one SQLite file with typed columns (dates as ISO text,
    yes/no as 0 or 1, counts as integers) and FILE.metadata.json for Datasette
    (titles, descriptions, licence, source). Exporting again replaces the file.

    \b
    Example:
      aaib export --public -o national-dataset
      aaib export --public --format sqlite national.db
      datasette national.db -m national.metadata.json
    """
    from aaib_cp.exceptions import InputError
    from aaib_cp.learning.service import Learning

    if not public:
        raise InputError(
            "export: only the public, anonymised dataset is offered (add --public);"
            " the restricted records stay in the database"
        )
    if (target is None) == (output is None):
        raise click.UsageError("say where to write: OUTPUT or -o OUTPUT (one of them)")
    where = str(target or output)
    learning = Learning(obj.engine())
    with _progress("Exporting published cases") as progress:
        if fmt == "sqlite":
            counts = _export_sqlite(learning, where, licence, licence_url, progress)
        else:
            counts = learning.export_public(where, progress=progress)
    if as_json:
        emit_json({"directory" if fmt == "csv" else "file": where, "rows": counts})
        return
    summary = ", ".join(f"{n} {name}" for name, n in counts.items())
    click.echo(f"Wrote {where}: {summary}")


def _export_sqlite(
    learning: Any, where: str, licence: str, licence_url: str, progress: Any
) -> dict[str, int]:
    """Write the dataset to the SQLite file ``where`` and its Datasette metadata beside it."""
    import json
    from pathlib import Path

    from aaib_cp.learning.sql_dataset import datasette_metadata, write_dataset

    tables = learning.public_dataset(progress=progress)
    target = Path(where)
    write_dataset(target, tables)
    metadata = datasette_metadata(
        target.stem,
        licence=licence,
        licence_url=licence_url or None,
        source="aaib-cp: the anonymised records of published investigations",
    )
    meta = target.with_name(f"{target.stem}.metadata.json")
    meta.write_text(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return {name: len(rows) for name, rows in tables.items()}
