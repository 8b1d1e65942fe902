"""Commands on the evidence register: aaib evidence."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from aaib_cp.cli._common import (
    Context,
    actor_options,
    emit_json,
    json_option,
    pass_ctx,
    reader,
    short,
    table,
)
from aaib_cp.cli._services import casebook, protection

if TYPE_CHECKING:
    from aaib_cp.workflow.identity import Actor


# -- evidence ----------------------------------------------------------------------
@click.group()
def evidence() -> None:
    """The evidence register: immutable items, stored files and their chain of custody.

    \b
    Example:
      aaib evidence verify
    """


_EVIDENCE_KINDS = "case_record, interview, agency_report, document, photo or other."


@evidence.command("add")
@click.argument("case_id", metavar="CASE")
@click.option("--kind", required=True, help=_EVIDENCE_KINDS)
@click.option("--description", required=True, help="What the item is.")
@click.option(
    "--obtained-how", required=True, help="How it was obtained, e.g. 'requested from the agency'."
)
@click.option("--obtained-on", required=True, help="When it was obtained, YYYY-MM-DD.")
@click.option("--agency", "agency_name", help="The agency that supplied it.")
@click.option(
    "--file",
    "file_path",
    type=click.Path(readable=False),
    metavar="FILE",
    help="A file to keep (copied into the content-addressed evidence store).",
)
@click.option("--file-name", help="The name to record for the file (default: its own name).")
@actor_options
@pass_ctx
def evidence_add(
    obj: Context,
    case_id: str,
    kind: str,
    description: str,
    obtained_how: str,
    obtained_on: str,
    agency_name: str | None,
    file_path: str | None,
    file_name: str | None,
    actor: Actor | None,
    role: str | None,
) -> None:
    """Register an evidence item, optionally with a file; prints its reference (E1, E2, ...).

    \b
    Example:
      aaib evidence add CP-2026-0001 --kind case_record --description "CSC case file" \\
          --obtained-how "Requested from the agency" --obtained-on 2026-03-02 \\
          --agency "Northshire Children's Social Care" --file casefile.pdf
    """
    actor, role = obj.who(actor, role)
    item = casebook(obj).add_evidence(
        case_id,
        kind=kind,
        description=description,
        obtained_how=obtained_how,
        obtained_on=obtained_on,
        agency=agency_name,
        file=file_path,
        file_name=file_name,
        actor=actor,
        role=role,
    )
    stored = f", file sha256 {item.sha256[:12]}" if item.sha256 else ""
    click.echo(f"{case_id}: registered {item.label}{stored}")


@evidence.command("correct")
@click.argument("case_id", metavar="CASE")
@click.argument("item_ref", metavar="ITEM")
@click.option("--reason", required=True, help="Why the item is corrected.")
@click.option("--kind", help=_EVIDENCE_KINDS)
@click.option("--description", help="Corrected description.")
@click.option("--obtained-how", help="Corrected account of how it was obtained.")
@click.option("--obtained-on", help="Corrected date obtained, YYYY-MM-DD.")
@click.option("--agency", "agency_name", help="Corrected source agency.")
@click.option(
    "--file",
    "file_path",
    type=click.Path(readable=False),
    metavar="FILE",
    help="A replacement file.",
)
@click.option("--file-name", help="The name to record for the replacement file.")
@actor_options
@pass_ctx
def evidence_correct(
    obj: Context,
    case_id: str,
    item_ref: str,
    reason: str,
    kind: str | None,
    description: str | None,
    obtained_how: str | None,
    obtained_on: str | None,
    agency_name: str | None,
    file_path: str | None,
    file_name: str | None,
    actor: Actor | None,
    role: str | None,
) -> None:
    """Register a corrected version of ITEM, linked to the old one (which is kept).

    \b
    Example:
      aaib evidence correct CP-2026-0001 E2 --obtained-on 2026-03-04 \\
          --reason "Date misread from the covering letter"
    """
    actor, role = obj.who(actor, role)
    item = casebook(obj).correct_evidence(
        case_id,
        item_ref,
        reason=reason,
        kind=kind,
        description=description,
        obtained_how=obtained_how,
        obtained_on=obtained_on,
        agency=agency_name,
        file=file_path,
        file_name=file_name,
        actor=actor,
        role=role,
    )
    click.echo(f"{case_id}: registered {item.label}, correcting {item.ref}")


@evidence.command("list")
@click.argument("case_id", metavar="CASE")
@click.option("--all-versions", is_flag=True, help="Include corrected (superseded) versions.")
@json_option
@pass_ctx
def evidence_list(obj: Context, case_id: str, all_versions: bool, as_json: bool) -> None:
    """List the evidence register (current versions; --all-versions for every one).

    \b
    Example:
      aaib evidence list CP-2026-0001
    """
    items = casebook(obj).evidence(case_id, all_versions=all_versions)
    protected = protection(obj).protected_items(case_id)
    if as_json:
        emit_json([{**i.to_json(), "protected": protected.get(i.ref, False)} for i in items])
        return
    if not items:
        click.echo("No evidence registered yet.")
        return
    rows = [
        [
            i.label + (" (superseded)" if i.superseded else ""),
            "yes" if protected.get(i.ref) else "",
            i.kind,
            i.agency or "",
            i.obtained_on.isoformat(),
            i.file_name or "",
            short(i.description, 50),
        ]
        for i in items
    ]
    click.echo(
        table(rows, ["item", "protected", "kind", "agency", "obtained", "file", "description"])
    )


@evidence.command("show")
@click.argument("case_id", metavar="CASE")
@click.argument("item_ref", metavar="ITEM")
@actor_options
@json_option
@pass_ctx
def evidence_show(
    obj: Context,
    case_id: str,
    item_ref: str,
    actor: Actor | None,
    role: str | None,
    as_json: bool,
) -> None:
    """Show an item, all its versions and its chain of custody (the access is recorded).

    \b
    Example:
      aaib evidence show CP-2026-0001 E1
    """
    actor, role = reader(obj, actor, role)
    versions, custody = casebook(obj).access_evidence(case_id, item_ref, actor=actor, role=role)
    if as_json:
        emit_json(
            {
                "versions": [v.to_json() for v in versions],
                "custody": [e.to_json() for e in custody],
            }
        )
        return
    for v in versions:
        click.echo(f"{case_id} {v.label}{'  (superseded)' if v.superseded else ''}")
        click.echo(f"  kind:         {v.kind}")
        click.echo(f"  agency:       {v.agency or '-'}")
        click.echo(f"  obtained:     {v.obtained_on} ({v.obtained_how})")
        click.echo(f"  description:  {v.description}")
        if v.sha256:
            click.echo(f"  file:         {v.file_name} ({v.file_size} bytes, sha256 {v.sha256})")
        click.echo(f"  registered:   {v.registered_at:%Y-%m-%d %H:%M} by {v.registered_by}")
        if v.correction_reason:
            click.echo(f"  correction:   {v.correction_reason}")
    click.echo("  chain of custody:")
    for e in custody:
        what = e.kind.removeprefix("evidence_")
        version = e.detail.get("version")
        click.echo(f"    #{e.n} {e.at:%Y-%m-%d %H:%M:%S} {what} v{version} by {e.actor}")


@evidence.command("export")
@click.argument("case_id", metavar="CASE")
@click.argument("item_ref", metavar="ITEM")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(readable=False),
    help="File or existing folder to copy the item's file to.",
)
@actor_options
@pass_ctx
def evidence_export(
    obj: Context,
    case_id: str,
    item_ref: str,
    output: str,
    actor: Actor | None,
    role: str | None,
) -> None:
    """Copy an item's stored file out, after checking its hash (recorded as an export).

    \b
    Example:
      aaib evidence export CP-2026-0001 E1 -o ./exports/
    """
    actor, role = reader(obj, actor, role)
    target = casebook(obj).export_evidence(case_id, item_ref, output, actor=actor, role=role)
    click.echo(f"{case_id}: exported {item_ref} to {target}")


@evidence.command("protect")
@click.argument("case_id", metavar="CASE")
@click.argument("item_ref", metavar="ITEM")
@click.option("--reason", required=True, help="Why it is protected (e.g. 'health data').")
@actor_options
@pass_ctx
def evidence_protect(
    obj: Context, case_id: str, item_ref: str, reason: str, actor: Actor | None, role: str | None
) -> None:
    """Mark an item as protected material: no export or public output without a disclosure.

    Interviews (witness statements) are protected from the start; mark any other
    item that holds, e.g., health data or identifies who gave evidence.

    \b
    Example:
      aaib evidence protect CP-2026-0001 E2 --reason "GP records: health data"
    """
    actor, role = obj.who(actor, role)
    protection(obj).protect(case_id, item_ref, reason=reason, actor=actor, role=role)
    click.echo(f"{case_id}: {item_ref.upper()} is protected material")


@evidence.command("verify")
@click.argument("case_id", metavar="[CASE]", required=False)
@json_option
@pass_ctx
def evidence_verify(obj: Context, case_id: str | None, as_json: bool) -> None:
    """Re-hash every stored evidence file; exit 1 naming any missing or altered one.

    \b
    Example:
      aaib evidence verify CP-2026-0001
    """
    checks = casebook(obj).verify_evidence(case_id)
    bad = [c for c in checks if not c.ok]
    if as_json:
        emit_json({"checked": len(checks), "problems": [c.to_json() for c in bad]})
    elif not bad:
        click.echo(f"Evidence intact: {len(checks)} stored file(s) verified.")
    else:
        for c in bad:
            click.echo(f"{c.status.upper()}: {c}", err=True)
    if bad:
        sys.exit(1)
