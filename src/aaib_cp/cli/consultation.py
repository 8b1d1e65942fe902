"""Commands on consultation on the draft and feedback sessions: aaib consultation,
aaib feedback."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
from aaib_cp.cli._services import safety_book

if TYPE_CHECKING:
    from aaib_cp.workflow.identity import Actor


# -- consultation --------------------------------------------------------------------
@click.group()
def consultation() -> None:
    """Consultation on the draft report: send it, record representations, disposition them.

    \b
    Example:
      aaib consultation show CP-2026-0001
    """


@consultation.command("send")
@click.argument("case_id", metavar="CASE")
@click.option(
    "--party",
    "parties",
    multiple=True,
    required=True,
    help="An agency, or a person by pseudonym (repeatable).",
)
@click.option("--sent-on", help="When it was sent, YYYY-MM-DD (default: today).")
@actor_options
@pass_ctx
def consult_send(
    obj: Context,
    case_id: str,
    parties: tuple[str, ...],
    sent_on: str | None,
    actor: Actor | None,
    role: str | None,
) -> None:
    """Record that the draft was sent to directly involved parties; starts their period.

    \b
    Example:
      aaib consultation send CP-2026-0001 --party "Northshire Police" --party "Parent 1"
    """
    actor, role = obj.who(actor, role)
    sent = safety_book(obj).send_draft(case_id, parties, sent_on=sent_on, actor=actor, role=role)
    for p in sent:
        click.echo(f"{case_id}: draft sent to {p.label} on {p.sent_on}; comments due {p.due_on}")


@consultation.command("represent")
@click.argument("case_id", metavar="CASE")
@click.option("--party", required=True, help="The party (agency, or person by pseudonym).")
@click.option("--text", help="The representation.")
@click.option(
    "--none",
    "none_made",
    is_flag=True,
    help="The party made no representation (said so, or the period ended).",
)
@click.option("--received", "received_on", help="Date received, YYYY-MM-DD (default: today).")
@click.option(
    "--paragraph",
    metavar="NUMBER",
    help="The draft's paragraph (or section) the representation cites, such as 2.3.1.",
)
@actor_options
@pass_ctx
def consult_represent(
    obj: Context,
    case_id: str,
    party: str,
    text: str | None,
    none_made: bool,
    received_on: str | None,
    paragraph: str | None,
    actor: Actor | None,
    role: str | None,
) -> None:
    """Record a party's representation on the draft (R1, R2, ...), or that it made none.

    --paragraph must be one of the draft's numbers (aaib report CASE --audience
    restricted shows them); they stay the same in the final report.

    \b
    Example:
      aaib consultation represent CP-2026-0001 --party "Northshire Police" \\
          --paragraph 1.2.2 --text "The call time is misstated"
      aaib consultation represent CP-2026-0001 --party "Parent 1" --none
    """
    actor, role = obj.who(actor, role)
    rep = safety_book(obj).represent(
        case_id,
        party,
        text=text,
        none=none_made,
        received_on=received_on,
        paragraph=paragraph,
        actor=actor,
        role=role,
    )
    what = "no representation" if rep.none_made else "representation"
    on = f" on paragraph {rep.paragraph}" if rep.paragraph else ""
    click.echo(f"{case_id}: {rep.ref} {what} from {rep.party}{on} recorded")


@consultation.command("dispose")
@click.argument("case_id", metavar="CASE")
@click.argument("ref", metavar="REPRESENTATION")
@click.option(
    "--disposition",
    required=True,
    type=click.Choice(["accepted", "partly_accepted", "not_accepted"]),
    help="How the representation was dealt with.",
)
@click.option("--reason", help="Why (required unless accepted).")
@actor_options
@pass_ctx
def consult_dispose(
    obj: Context,
    case_id: str,
    ref: str,
    disposition: str,
    reason: str | None,
    actor: Actor | None,
    role: str | None,
) -> None:
    """Disposition a representation (lead investigator or panel chair).

    \b
    Example:
      aaib consultation dispose CP-2026-0001 R1 --disposition not_accepted \\
          --reason "The call log shows 21:40" --role lead_investigator
    """
    actor, role = obj.who(actor, role)
    rep = safety_book(obj).dispose(
        case_id, ref, disposition=disposition, reason=reason, actor=actor, role=role
    )
    click.echo(
        f"{case_id}: {rep.ref} {rep.disposition.replace('_', ' ') if rep.disposition else ''}"
    )


@consultation.command("show")
@click.argument("case_id", metavar="CASE")
@json_option
@pass_ctx
def consult_show(obj: Context, case_id: str, as_json: bool) -> None:
    """Show who was sent the draft, when comments are due, and each representation.

    \b
    Example:
      aaib consultation show CP-2026-0001 --json
    """
    book = safety_book(obj)
    parties = book.parties(case_id)
    reps = book.representations(case_id)
    if as_json:
        emit_json(
            {
                "parties": [p.to_json() for p in parties],
                "representations": [r.to_json() for r in reps],
            }
        )
        return
    if not parties:
        click.echo("The draft has not been sent to anyone.")
        return
    rows: list[list[Any]] = [
        [p.label, p.kind, str(p.sent_on), str(p.due_on), "yes" if p.answered else "no"]
        for p in parties
    ]
    click.echo(table(rows, ["party", "kind", "sent", "comments due", "answered"]))
    if reps:
        click.echo("")
        rows = [
            [
                r.ref,
                r.party,
                str(r.received_on),
                r.paragraph or "",
                "(none made)" if r.none_made else short(r.text or "", 40),
                "" if r.none_made else (r.disposition or "NOT YET DISPOSITIONED"),
            ]
            for r in reps
        ]
        heads = ["ref", "party", "received", "paragraph", "representation", "disposition"]
        click.echo(table(rows, heads))


# -- feedback ------------------------------------------------------------------------
@click.group()
def feedback() -> None:
    """Feedback sessions where staff hear the outcome (one is needed before a case closes).

    \b
    Example:
      aaib feedback list CP-2026-0001
    """


@feedback.command("add")
@click.argument("case_id", metavar="CASE")
@click.option("--date", "held_on", required=True, help="When it was held, YYYY-MM-DD.")
@click.option("--attendee", "attendees", multiple=True, required=True, help="Who (repeatable).")
@click.option("--audience", default="staff", show_default=True, help="Who it was for.")
@actor_options
@pass_ctx
def feedback_add(
    obj: Context,
    case_id: str,
    held_on: str,
    attendees: tuple[str, ...],
    audience: str,
    actor: Actor | None,
    role: str | None,
) -> None:
    """Record a feedback session (date, who attended).

    \b
    Example:
      aaib feedback add CP-2026-0001 --date 2026-10-01 --attendee "Alex Example" \\
          --attendee "Robin Example"
    """
    actor, role = obj.who(actor, role)
    session = safety_book(obj).add_feedback(
        case_id, held_on=held_on, attendees=attendees, audience=audience, actor=actor, role=role
    )
    click.echo(
        f"{case_id}: feedback session of {session.held_on} recorded "
        f"({len(session.attendees)} attended)"
    )


@feedback.command("list")
@click.argument("case_id", metavar="CASE")
@json_option
@pass_ctx
def feedback_list(obj: Context, case_id: str, as_json: bool) -> None:
    """List the feedback sessions of a case.

    \b
    Example:
      aaib feedback list CP-2026-0001 --json
    """
    sessions = safety_book(obj).feedback(case_id)
    if as_json:
        emit_json([s.to_json() for s in sessions])
        return
    if not sessions:
        click.echo("No feedback sessions recorded.")
        return
    rows = [[str(s.held_on), s.audience, ", ".join(s.attendees)] for s in sessions]
    click.echo(table(rows, ["date", "audience", "attended"]))
