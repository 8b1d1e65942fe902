"""``aaib team``: appoint, stand down and list a case's team."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from aaib_cp.cli._common import Context, actor_options, emit_json, json_option, pass_ctx, table

if TYPE_CHECKING:
    from aaib_cp.workflow.identity import Actor


@click.group()
def team() -> None:
    """The investigation team of a case.

    \b
    Example:
      aaib team appoint CP-2026-0001 lee.park --as lead_investigator
    """


@team.command("appoint")
@click.argument("case_id", metavar="CASE")
@click.argument("login")
@click.option("--as", "case_role", required=True, help="The case role, e.g. lead_investigator.")
@actor_options
@pass_ctx
def team_appoint(
    obj: Context,
    case_id: str,
    login: str,
    case_role: str,
    actor: Actor | None,
    role: str | None,
) -> None:
    """Appoint the account LOGIN to the case's team in a workflow role.

    Nobody appoints themselves. Roles marked independent go only to someone who has
    declared their affiliations (aaib user declare) and is affiliated with no agency
    involved in the case: the refusal names the agency (exit 1).

    \b
    Example:
      aaib team appoint CP-2026-0001 lee.park --as lead_investigator --role chief_investigator
    """
    who, role = obj.who(actor, role)
    engine = obj.engine()
    member = engine.appoint(case_id, engine.accounts.get(login), case_role, actor=who, role=role)
    click.echo(f"{case_id}: appointed {member.name} as {member.role}")


@team.command("stand-down")
@click.argument("case_id", metavar="CASE")
@click.argument("login")
@click.option("--as", "case_role", required=True, help="The case role they leave.")
@click.option("--reason", required=True, help="Why they stand down.")
@actor_options
@pass_ctx
def team_stand_down(
    obj: Context,
    case_id: str,
    login: str,
    case_role: str,
    reason: str,
    actor: Actor | None,
    role: str | None,
) -> None:
    """Record that the account LOGIN no longer serves in a case role.

    \b
    Example:
      aaib team stand-down CP-2026-0001 sam.idowu --as investigator \\
          --reason "Affiliated with Northshire Police, added to the case"
    """
    who, role = obj.who(actor, role)
    engine = obj.engine()
    member = engine.accounts.get(login)
    engine.stand_down(case_id, member, case_role, actor=who, role=role, reason=reason)
    click.echo(f"{case_id}: {member.name} stood down as {case_role}")


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
