"""``aaib team``: appoint, declare affiliations, stand down and list a case's team."""

from __future__ import annotations

import click

from aaib_cp.cli._common import Context, actor_options, emit_json, json_option, pass_ctx, table


@click.group()
def team() -> None:
    """The investigation team of a case.

    \b
    Example:
      aaib team appoint CP-2026-0001 "Lee Park" --as lead_investigator
    """


@team.command("appoint")
@click.argument("case_id", metavar="CASE")
@click.argument("name")
@click.option("--as", "case_role", required=True, help="The case role, e.g. lead_investigator.")
@click.option(
    "--affiliation",
    "affiliations",
    multiple=True,
    metavar="AGENCY",
    help="An agency NAME is affiliated with (repeatable); kept for later cases.",
)
@actor_options
@pass_ctx
def team_appoint(
    obj: Context,
    case_id: str,
    name: str,
    case_role: str,
    affiliations: tuple[str, ...],
    actor: str | None,
    role: str | None,
) -> None:
    """Appoint NAME to the case's team in a workflow role.

    Roles marked independent cannot go to anyone affiliated with an agency involved
    in the case: the refusal names the agency (exit 1).

    \b
    Example:
      aaib team appoint CP-2026-0001 "Lee Park" --as lead_investigator \\
          --affiliation "Eastshire County Council" --actor "Chris Ode" --role chief_investigator
    """
    actor, role = obj.who(actor, role)
    member = obj.engine().appoint(
        case_id, name, case_role, actor=actor, role=role, affiliations=affiliations
    )
    click.echo(f"{case_id}: appointed {member.name} as {member.role}")


@team.command("declare")
@click.argument("name")
@click.option(
    "--affiliation",
    "affiliations",
    multiple=True,
    required=True,
    metavar="AGENCY",
    help="An agency NAME is affiliated with (repeatable).",
)
@actor_options
@json_option
@pass_ctx
def team_declare(
    obj: Context,
    name: str,
    affiliations: tuple[str, ...],
    actor: str | None,
    role: str | None,
    as_json: bool,
) -> None:
    """Record the agencies an investigator is affiliated with (checked on every appointment).

    \b
    Example:
      aaib team declare "Lee Park" --affiliation "Northshire Police" --actor "Lee Park"
    """
    actor = actor or obj.actor
    if not actor:
        raise click.UsageError("say who is acting: --actor NAME or AAIB_ACTOR")
    held = obj.engine().declare_affiliations(name, affiliations, actor=actor)
    if as_json:
        emit_json({"name": name, "affiliations": held})
    else:
        click.echo(f"{name}: affiliated with {', '.join(held)}")


@team.command("stand-down")
@click.argument("case_id", metavar="CASE")
@click.argument("name")
@click.option("--as", "case_role", required=True, help="The case role they leave.")
@click.option("--reason", required=True, help="Why they stand down.")
@actor_options
@pass_ctx
def team_stand_down(
    obj: Context,
    case_id: str,
    name: str,
    case_role: str,
    reason: str,
    actor: str | None,
    role: str | None,
) -> None:
    """Record that NAME no longer serves in a case role (e.g. after a conflict of interest).

    \b
    Example:
      aaib team stand-down CP-2026-0001 "Sam Idowu" --as investigator \\
          --reason "Affiliated with Northshire Police, added to the case" \\
          --actor "Lee Park" --role lead_investigator
    """
    actor, role = obj.who(actor, role)
    obj.engine().stand_down(case_id, name, case_role, actor=actor, role=role, reason=reason)
    click.echo(f"{case_id}: {name} stood down as {case_role}")


@team.command("list")
@click.argument("case_id", metavar="CASE")
@json_option
@pass_ctx
def team_list(obj: Context, case_id: str, as_json: bool) -> None:
    """List the case's team.

    \b
    Example:
      aaib team list CP-2026-0001 --json
    """
    members = obj.engine().team(case_id)
    if as_json:
        emit_json([m.to_json() for m in members])
        return
    if not members:
        click.echo("No one is appointed yet.")
        return
    click.echo(
        table(
            [[m.name, m.role, f"{m.appointed_at:%Y-%m-%d}", m.appointed_by] for m in members],
            ["name", "role", "appointed", "by"],
        )
    )
