"""Commands on a case's records: agency, person, evidence and chronology."""

from __future__ import annotations

import sys
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
    reader,
    short,
    table,
)

if TYPE_CHECKING:
    from aaib_cp.evidence.service import Casebook

PROGRESS_FROM = 200


def _book(obj: Context) -> Casebook:
    from aaib_cp.evidence.service import Casebook

    return Casebook(obj.engine())


# -- agency ------------------------------------------------------------------------
@click.group()
def agency() -> None:
    """The agencies involved in a case (children's social care, police, health, ...).

    \b
    Example:
      aaib agency add CP-2026-0001 "Northshire Police" --kind police
    """


@agency.command("add")
@click.argument("case_id", metavar="CASE")
@click.argument("name")
@click.option(
    "--kind",
    required=True,
    help="social_care, police, health, education, housing, probation, voluntary or other.",
)
@actor_options
@pass_ctx
def agency_add(
    obj: Context, case_id: str, name: str, kind: str, actor: str | None, role: str | None
) -> None:
    """Register an agency involved in the case (needs an appointed investigator).

    \b
    Example:
      aaib agency add CP-2026-0001 "Northshire Children's Social Care" --kind social_care \\
          --actor "Lee Park" --role lead_investigator
    """
    actor, role = obj.who(actor, role)
    book = _book(obj)
    added = book.add_agency(case_id, name, kind, actor=actor, role=role)
    click.echo(f"{case_id}: added agency {added.name} ({added.kind})")
    for c in book.conflicts(case_id):
        if c["agency"] == added.name:
            click.echo(
                f"warning: {c['name']} ({c['role']}) is affiliated with {added.name}; the team "
                "is no longer independent: stand them down (aaib team stand-down) to go on",
                err=True,
            )


@agency.command("list")
@click.argument("case_id", metavar="CASE")
@json_option
@pass_ctx
def agency_list(obj: Context, case_id: str, as_json: bool) -> None:
    """List the case's agencies, with any reason recorded for supplying no evidence.

    \b
    Example:
      aaib agency list CP-2026-0001 --json
    """
    found = _book(obj).agencies(case_id)
    if as_json:
        emit_json([a.to_json() for a in found])
        return
    if not found:
        click.echo("No agencies yet.")
        return
    click.echo(
        table(
            [[a.name, a.kind, a.no_evidence_reason or ""] for a in found],
            ["agency", "kind", "no evidence because"],
        )
    )


@agency.command("no-evidence")
@click.argument("case_id", metavar="CASE")
@click.argument("agency_name", metavar="AGENCY")
@click.option("--reason", required=True, help="Why this agency supplies no evidence item.")
@actor_options
@pass_ctx
def agency_no_evidence(
    obj: Context,
    case_id: str,
    agency_name: str,
    reason: str,
    actor: str | None,
    role: str | None,
) -> None:
    """Record why an agency supplies no evidence item (lets the evidence phase end).

    \b
    Example:
      aaib agency no-evidence CP-2026-0001 "Northshire Housing" \\
          --reason "No contact with the family in the review period"
    """
    actor, role = obj.who(actor, role)
    found = _book(obj).record_no_evidence(case_id, agency_name, reason, actor=actor, role=role)
    click.echo(f"{case_id}: recorded why {found.name} supplies no evidence")


# -- person ------------------------------------------------------------------------
@click.group()
def person() -> None:
    """People involved in a case; each is reported only under a stable pseudonym.

    \b
    Example:
      aaib person add CP-2026-0001 "Jo Bloggs" --as child
    """


@person.command("add")
@click.argument("case_id", metavar="CASE")
@click.argument("name")
@click.option(
    "--as",
    "person_role",
    required=True,
    help="Their role: child, parent, social worker, police officer, health visitor, ...",
)
@click.option("--agency", "agency_name", help="The agency they work for, if any.")
@click.option("--dob", help="Date of birth, YYYY-MM-DD (restricted data).")
@click.option("--address", help="Address (restricted data).")
@actor_options
@pass_ctx
def person_add(
    obj: Context,
    case_id: str,
    name: str,
    person_role: str,
    agency_name: str | None,
    dob: str | None,
    address: str | None,
    actor: str | None,
    role: str | None,
) -> None:
    """Register a person and print their pseudonym (e.g. Child A, Social Worker 1).

    NAME, --dob and --address are restricted data: they are never printed by
    default and never written to the audit trail.

    \b
    Example:
      aaib person add CP-2026-0001 "Sue Smith" --as "social worker" \\
          --agency "Northshire Children's Social Care"
    """
    actor, role = obj.who(actor, role)
    added = _book(obj).add_person(
        case_id,
        name,
        person_role,
        agency=agency_name,
        date_of_birth=dob,
        address=address,
        actor=actor,
        role=role,
    )
    click.echo(f"{case_id}: registered {added.pseudonym}")


@person.command("list")
@click.argument("case_id", metavar="CASE")
@click.option(
    "--restricted", is_flag=True, help="Also show real names, dates of birth and addresses."
)
@json_option
@pass_ctx
def person_list(obj: Context, case_id: str, restricted: bool, as_json: bool) -> None:
    """List the case's people by pseudonym (real names only with --restricted).

    \b
    Example:
      aaib person list CP-2026-0001 --json
    """
    found = _book(obj).people(case_id)
    if as_json:
        emit_json([p.to_json(restricted=restricted) for p in found])
        return
    if not found:
        click.echo("No people registered yet.")
        return
    headers = ["pseudonym", "role", "agency"]
    rows: list[list[Any]] = [[p.pseudonym, p.role.replace("_", " "), p.agency or ""] for p in found]
    if restricted:
        headers += ["name", "date of birth", "address"]
        for row, p in zip(rows, found, strict=True):
            row += [p.real_name, p.date_of_birth or "", p.address or ""]
    click.echo(table(rows, headers))


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
    type=click.Path(exists=True, dir_okay=False),
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
    actor: str | None,
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
    item = _book(obj).add_evidence(
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
    "--file", "file_path", type=click.Path(exists=True, dir_okay=False), help="A replacement file."
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
    actor: str | None,
    role: str | None,
) -> None:
    """Register a corrected version of ITEM, linked to the old one (which is kept).

    \b
    Example:
      aaib evidence correct CP-2026-0001 E2 --obtained-on 2026-03-04 \\
          --reason "Date misread from the covering letter"
    """
    actor, role = obj.who(actor, role)
    item = _book(obj).correct_evidence(
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
    from aaib_cp.recommendations.service import SafetyBook

    book = _book(obj)
    items = book.evidence(case_id, all_versions=all_versions)
    protected = SafetyBook(book.engine).protected_items(case_id)
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
    actor: str | None,
    role: str | None,
    as_json: bool,
) -> None:
    """Show an item, all its versions and its chain of custody (the access is recorded).

    \b
    Example:
      aaib evidence show CP-2026-0001 E1 --actor "Sam Idowu"
    """
    actor, role = reader(obj, actor, role)
    versions, custody = _book(obj).access_evidence(case_id, item_ref, actor=actor, role=role)
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
    type=click.Path(),
    help="File or existing folder to copy the item's file to.",
)
@actor_options
@pass_ctx
def evidence_export(
    obj: Context,
    case_id: str,
    item_ref: str,
    output: str,
    actor: str | None,
    role: str | None,
) -> None:
    """Copy an item's stored file out, after checking its hash (recorded as an export).

    \b
    Example:
      aaib evidence export CP-2026-0001 E1 -o ./exports/
    """
    actor, role = reader(obj, actor, role)
    target = _book(obj).export_evidence(case_id, item_ref, output, actor=actor, role=role)
    click.echo(f"{case_id}: exported {item_ref} to {target}")


@evidence.command("protect")
@click.argument("case_id", metavar="CASE")
@click.argument("item_ref", metavar="ITEM")
@click.option("--reason", required=True, help="Why it is protected (e.g. 'health data').")
@actor_options
@pass_ctx
def evidence_protect(
    obj: Context, case_id: str, item_ref: str, reason: str, actor: str | None, role: str | None
) -> None:
    """Mark an item as protected material: no export or public output without a disclosure.

    Interviews (witness statements) are protected from the start; mark any other
    item that holds, e.g., health data or identifies who gave evidence.

    \b
    Example:
      aaib evidence protect CP-2026-0001 E2 --reason "GP records: health data"
    """
    from aaib_cp.recommendations.service import SafetyBook

    actor, role = obj.who(actor, role)
    SafetyBook(obj.engine()).protect(case_id, item_ref, reason=reason, actor=actor, role=role)
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
    checks = _book(obj).verify_evidence(case_id)
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
    actor: str | None,
    role: str | None,
) -> None:
    """Add one entry to the chronology; prints its reference (C1, C2, ...).

    \b
    Example:
      aaib chronology add CP-2026-0001 --when 2026-01-14 --agency "Northshire Police" \\
          --what "Domestic abuse call-out; child present" --person "Child A" --evidence E2
    """
    actor, role = obj.who(actor, role)
    entry = _book(obj).add_entry(
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
    listed = list(items)
    if not is_tty() or len(listed) < PROGRESS_FROM:
        yield from listed
        return
    with click.progressbar(listed, label="Importing") as bar:
        yield from bar


@chronology.command("import")
@click.argument("case_id", metavar="CASE")
@click.argument("csv_path", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@click.option("--agency", "agency_name", help="The submitting agency (else an 'agency' column).")
@actor_options
@pass_ctx
def chronology_import(
    obj: Context,
    case_id: str,
    csv_path: str,
    agency_name: str | None,
    actor: str | None,
    role: str | None,
) -> None:
    """Import an agency's chronology CSV (columns: docs/chronology.md).

    Every row is checked first. If any row is invalid, each problem is printed as
    'FILE: row N: COLUMN: problem' and nothing is imported.

    \b
    Example:
      aaib chronology import CP-2026-0001 police.csv --agency "Northshire Police"
    """
    actor, role = obj.who(actor, role)
    refs = _book(obj).import_chronology(
        case_id, csv_path, agency=agency_name, actor=actor, role=role, progress=_progress
    )
    click.echo(f"{case_id}: imported {len(refs)} entries ({refs[0]}-{refs[-1]}) from {csv_path}")


@chronology.command("tag")
@click.argument("case_id", metavar="CASE")
@click.argument("entry_ref", metavar="ENTRY")
@click.option("--untag", is_flag=True, help="Remove the tag instead.")
@actor_options
@pass_ctx
def chronology_tag(
    obj: Context, case_id: str, entry_ref: str, untag: bool, actor: str | None, role: str | None
) -> None:
    """Tag an entry as a key practice episode (or --untag it).

    \b
    Example:
      aaib chronology tag CP-2026-0001 C7
    """
    actor, role = obj.who(actor, role)
    entry = _book(obj).tag_entry(case_id, entry_ref, key_episode=not untag, actor=actor, role=role)
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
    chron = _book(obj).chronology(case_id, gap_days=gap_days)
    if as_json:
        emit_json(chron.to_json())
        return
    if not chron.entries:
        click.echo("No chronology entries yet.")
        return
    rows: list[list[str]] = []
    gaps = list(chron.gaps)
    for entry in chron.entries:
        while gaps and entry.when.earliest >= gaps[0].end:
            gap = gaps.pop(0)
            note = f"--- GAP: {gap.days} days without contact with the child"
            rows.append(["", "", "", note, "", "", f"GAP {gap.start} to {gap.end}"])
        flags = ["KEY"] if entry.key_episode else []
        flags += [] if entry.cites_evidence else ["NO EVIDENCE"]
        rows.append(
            [
                entry.when.text,
                entry.ref,
                entry.agency,
                short(entry.what, 70),
                ", ".join(entry.people),
                entry.evidence or "",
                " ".join(flags),
            ]
        )
    click.echo(table(rows, ["when", "entry", "agency", "what", "people", "evidence", "flags"]))
    click.echo("")
    click.echo(
        f"{len(chron.entries)} entries from {len({e.agency for e in chron.entries})} agencies; "
        f"{len(chron.gaps)} gap(s) longer than {chron.gap_days} days; "
        f"{len(chron.without_evidence)} entr{'y' if len(chron.without_evidence) == 1 else 'ies'} "
        "citing no evidence."
    )


@chronology.command("plot")
@click.argument("case_id", metavar="CASE")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="timeline.svg or .png"
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

    chron = _book(obj).chronology(case_id, gap_days=gap_days)
    path = plot_timeline(chron, output)
    click.echo(f"{case_id}: timeline written to {path}")
