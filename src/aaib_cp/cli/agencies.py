"""Commands on the agencies and people of a case: aaib agency, aaib person."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from aaib_cp.cli._common import (
    Context,
    actor_options,
    emit_json,
    json_option,
    pass_ctx,
    table,
)
from aaib_cp.cli._services import casebook
from aaib_cp.cli.chronology import map_option

if TYPE_CHECKING:
    from aaib_cp.workflow.identity import Actor

_CSV = click.Path(exists=True, dir_okay=False)


def _warn_conflicts(book: Any, case_id: str, names: set[str]) -> None:
    """Warn on stderr about independent team members affiliated with agencies just added."""
    for c in book.conflicts(case_id):
        if c["agency"] in names:
            click.echo(
                f"warning: {c['name']} ({c['role']}) is affiliated with {c['agency']}; the team "
                "is no longer independent: stand them down (aaib team stand-down) to go on",
                err=True,
            )


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
    obj: Context, case_id: str, name: str, kind: str, actor: Actor | None, role: str | None
) -> None:
    """Register an agency involved in the case (needs an appointed investigator).

    \b
    Example:
      aaib agency add CP-2026-0001 "Northshire Children's Social Care" --kind social_care \\
          --role lead_investigator
    """
    actor, role = obj.who(actor, role)
    book = casebook(obj)
    added = book.add_agency(case_id, name, kind, actor=actor, role=role)
    click.echo(f"{case_id}: added agency {added.name} ({added.kind})")
    _warn_conflicts(book, case_id, {added.name})


@agency.command("import")
@click.argument("case_id", metavar="CASE")
@click.argument("csv_path", metavar="FILE", type=_CSV)
@map_option
@actor_options
@pass_ctx
def agency_import(
    obj: Context,
    case_id: str,
    csv_path: str,
    mapping: dict[str, str],
    actor: Actor | None,
    role: str | None,
) -> None:
    """Register every agency in a CSV file (columns: name, kind): all of them, or none.

    Every row is checked first; each problem is printed as 'FILE: row N: COLUMN:
    problem' and nothing is added. --map renames a column of the file.

    \b
    Example:
      aaib agency import CP-2026-0001 agencies.csv
      aaib agency import CP-2026-0001 agencies.csv --map organisation=name --map type=kind
    """
    actor, role = obj.who(actor, role)
    book = casebook(obj)
    added = book.import_agencies(case_id, csv_path, mapping=mapping, actor=actor, role=role)
    click.echo(f"{case_id}: added {len(added)} agencies from {csv_path}")
    _warn_conflicts(book, case_id, {a.name for a in added})


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
    found = casebook(obj).agencies(case_id)
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
    actor: Actor | None,
    role: str | None,
) -> None:
    """Record why an agency supplies no evidence item (lets the evidence phase end).

    \b
    Example:
      aaib agency no-evidence CP-2026-0001 "Northshire Housing" \\
          --reason "No contact with the family in the review period"
    """
    actor, role = obj.who(actor, role)
    found = casebook(obj).record_no_evidence(case_id, agency_name, reason, actor=actor, role=role)
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
@click.option(
    "--pseudonym",
    "chosen",
    help="For a child: the pseudonym the case is known by, e.g. 'Child R' (default: the "
    "next letter).",
)
@click.option(
    "--different-person",
    is_flag=True,
    help="NAME is a registered person's name in another spelling, but someone else.",
)
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
    chosen: str | None,
    different_person: bool,
    actor: Actor | None,
    role: str | None,
) -> None:
    """Register a person and print their pseudonym (e.g. Child A, Social Worker 1).

    NAME, --dob and --address are restricted data: they are never printed by
    default and never written to the audit trail.

    \b
    Example:
      aaib person add CP-2026-0001 "Sue Smith" --as "social worker" \\
          --agency "Northshire Children's Social Care"
      aaib person add CP-2026-0001 "Rio Bloggs" --as child --pseudonym "Child R"
    """
    actor, role = obj.who(actor, role)
    added = casebook(obj).add_person(
        case_id,
        name,
        person_role,
        agency=agency_name,
        date_of_birth=dob,
        address=address,
        pseudonym_of_child=chosen,
        different_person=different_person,
        actor=actor,
        role=role,
    )
    click.echo(f"{case_id}: registered {added.pseudonym}")


@person.command("import")
@click.argument("case_id", metavar="CASE")
@click.argument("csv_path", metavar="FILE", type=_CSV)
@map_option
@actor_options
@pass_ctx
def person_import(
    obj: Context,
    case_id: str,
    csv_path: str,
    mapping: dict[str, str],
    actor: Actor | None,
    role: str | None,
) -> None:
    """Register every person in a CSV file and print their pseudonyms: all of them, or none.

    Columns: name and role (required), agency, date_of_birth, address. Every row is
    checked first; each problem is printed as 'FILE: row N: COLUMN: problem' and
    nothing is added. Names, dates of birth and addresses are restricted data.

    \b
    Example:
      aaib person import CP-2026-0001 people.csv --map "job title=role"
    """
    actor, role = obj.who(actor, role)
    added = casebook(obj).import_people(case_id, csv_path, mapping=mapping, actor=actor, role=role)
    click.echo(f"{case_id}: registered {len(added)} people from {csv_path}")
    for p in added:
        click.echo(f"  {p.pseudonym}")


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
    found = casebook(obj).people(case_id)
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
