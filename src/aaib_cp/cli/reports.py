"""``aaib report``: write a case's restricted, public or summary report (md, html, pdf, docx)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from aaib_cp.cli._common import Context, actor_options, emit_json, json_option, pass_ctx, reader

if TYPE_CHECKING:
    from aaib_cp.workflow.identity import Actor


@click.command()
@click.argument("case_id", metavar="CASE")
@click.option(
    "--audience",
    type=click.Choice(["restricted", "public", "summary"]),
    default="restricted",
    show_default=True,
    help="restricted: the team's full report with real names; public: anonymised full "
    "report; summary: anonymised executive summary.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "pdf", "docx"]),
    help="Markdown, self-contained HTML, tagged PDF or Word. Default: from the output's extension.",
)
@click.option(
    "--marking",
    metavar="TEXT",
    help="Protective marking in the header and footer of every page. Default: "
    "OFFICIAL-SENSITIVE for restricted, OFFICIAL for public and summary.",
)
@click.option(
    "--suppress-below",
    "small_counts",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help='Publish counts below this as "fewer than N" (statistical disclosure control).',
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(readable=False),
    metavar="FILE",
    help="The file to write (replaced only when every check passed).",
)
@actor_options
@json_option
@pass_ctx
def report(
    obj: Context,
    case_id: str,
    audience: str,
    fmt: str | None,
    output: str,
    marking: str | None,
    small_counts: int,
    actor: Actor | None,
    role: str | None,
    as_json: bool,
) -> None:
    """Write a report of the case; each one is recorded on the audit trail with its SHA-256.

    Public and summary reports exist from the final report on. Every text in them goes
    through the anonymiser (every person registered on any case), and the finished
    report is scanned again: if any registered name, date of birth or address is still
    there, nothing is written. The restricted report needs a case role appointed on
    the case; before the final report it is marked DRAFT (as a Word file, the draft
    for consultation). Every format has the same paragraph numbers.

    \b
    Example:
      aaib report CP-2026-0001 --audience public -o report.pdf
      aaib --role lead_investigator report CP-2026-0001 -o draft.docx
    """
    from aaib_cp.reports.build import Publisher

    if audience == "restricted":
        actor, role = obj.who(actor, role)
    else:
        actor, role = reader(obj, actor, role)
    written = Publisher(obj.engine()).write(
        case_id,
        output,
        audience=audience,
        fmt=fmt,
        actor=actor,
        role=role,
        marking=marking,
        small_counts=small_counts,
    )
    if as_json:
        emit_json(written.to_json())
        return
    draft = " (DRAFT)" if written.draft else ""
    click.echo(
        f"{case_id}: {audience} report{draft} written to {written.path} "
        f"({written.size} bytes, sha256 {written.sha256[:12]})"
    )
