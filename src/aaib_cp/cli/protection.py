"""Commands on protected material: aaib note, aaib disclosure."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from aaib_cp.cli._common import (
    Context,
    actor_options,
    emit_json,
    json_option,
    pass_ctx,
    short,
    table,
)
from aaib_cp.cli._services import protection

if TYPE_CHECKING:
    from aaib_cp.workflow.identity import Actor


# -- notes ---------------------------------------------------------------------------
@click.group()
def note() -> None:
    """Investigators' notes: protected material by default.

    \b
    Example:
      aaib note list CP-2026-0001
    """


@note.command("add")
@click.argument("case_id", metavar="CASE")
@click.option("--text", required=True, help="The note.")
@click.option("--not-protected", is_flag=True, help="The note is not protected material.")
@actor_options
@pass_ctx
def note_add(
    obj: Context,
    case_id: str,
    text: str,
    not_protected: bool,
    actor: Actor | None,
    role: str | None,
) -> None:
    """Record an investigator's note; prints its reference (N1, ...).

    \b
    Example:
      aaib note add CP-2026-0001 --text "Team manager seemed under pressure of caseload"
    """
    actor, role = obj.who(actor, role)
    added = protection(obj).add_note(
        case_id, text, protected=not not_protected, actor=actor, role=role
    )
    kind = "protected note" if added.protected else "note"
    click.echo(f"{case_id}: recorded {kind} {added.ref}")


@note.command("list")
@click.argument("case_id", metavar="CASE")
@click.option("--text", "with_text", is_flag=True, help="Include each note's text (restricted).")
@json_option
@pass_ctx
def note_list(obj: Context, case_id: str, with_text: bool, as_json: bool) -> None:
    """List the case's notes (references and flags; --text for their text).

    \b
    Example:
      aaib note list CP-2026-0001 --text
    """
    notes = protection(obj).notes(case_id)
    if as_json:
        emit_json([n.to_json(with_text=with_text) for n in notes])
        return
    if not notes:
        click.echo("No notes recorded.")
        return
    rows = [
        [n.ref, "yes" if n.protected else "no", f"{n.added_at:%Y-%m-%d}", n.added_by]
        + ([short(n.text)] if with_text else [])
        for n in notes
    ]
    click.echo(table(rows, ["ref", "protected", "added", "by"] + (["text"] if with_text else [])))


# -- disclosure ----------------------------------------------------------------------
@click.group()
def disclosure() -> None:
    """Disclosures of protected material: a named approver, a stated ground, audited.

    \b
    Example:
      aaib disclosure list CP-2026-0001
    """


@disclosure.command("add")
@click.argument("case_id", metavar="CASE")
@click.option("--item", required=True, help="The protected evidence item (E3) or note (N1).")
@click.option(
    "--ground",
    required=True,
    type=click.Choice(["serious_continuing_risk", "court_order"]),
    help="The ground for disclosure.",
)
@click.option(
    "--requested-by",
    required=True,
    help="Login of the account that asked for it (not the approver).",
)
@click.option("--recipient", required=True, help="Who receives it.")
@click.option("--reason", required=True, help="Why, in a sentence or two.")
@actor_options
@pass_ctx
def disclosure_add(
    obj: Context,
    case_id: str,
    item: str,
    ground: str,
    requested_by: str,
    recipient: str,
    reason: str,
    actor: Actor | None,
    role: str | None,
) -> None:
    """Approve disclosing one protected item (panel chair or chief investigator).

    The acting account is the approver and must not be the account that asked
    (REQUESTED-BY is a login).
    Once approved, the item may be exported (aaib evidence export).

    \b
    Example:
      aaib disclosure add CP-2026-0001 --item E3 --ground court_order \\
          --requested-by lee.park --recipient "High Court (case 2026/123)" \\
          --reason "Order of 3 May 2026" --role chief_investigator
    """
    actor, role = obj.who(actor, role)
    found = protection(obj).disclose(
        case_id,
        item,
        ground=ground,
        requested_by=obj.engine().accounts.get(requested_by),
        recipient=recipient,
        reason=reason,
        actor=actor,
        role=role,
    )
    click.echo(
        f"{case_id}: {found.ref} approved by {found.approved_by}: {found.item} to {found.recipient}"
    )


@disclosure.command("list")
@click.argument("case_id", metavar="CASE")
@json_option
@pass_ctx
def disclosure_list(obj: Context, case_id: str, as_json: bool) -> None:
    """List approved disclosures of protected material.

    \b
    Example:
      aaib disclosure list CP-2026-0001 --json
    """
    found = protection(obj).disclosures(case_id)
    if as_json:
        emit_json([d.to_json() for d in found])
        return
    if not found:
        click.echo("No disclosures approved.")
        return
    rows = [
        [
            d.ref,
            d.item,
            d.ground,
            d.requested_by,
            d.approved_by,
            d.recipient,
            f"{d.approved_at:%Y-%m-%d}",
        ]
        for d in found
    ]
    click.echo(
        table(
            rows, ["ref", "item", "ground", "requested by", "approved by", "recipient", "approved"]
        )
    )
