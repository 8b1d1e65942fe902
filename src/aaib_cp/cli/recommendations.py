"""Commands on safety recommendations and safety actions: aaib recommendation,
aaib safety-action."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import click

from aaib_cp.cli._common import (
    Context,
    actor_options,
    as_of_option,
    emit_json,
    json_option,
    pass_ctx,
    short,
    table,
)
from aaib_cp.cli._services import safety_book

if TYPE_CHECKING:
    from aaib_cp.recommendations.model import Recommendation
    from aaib_cp.workflow.identity import Actor


def _rec_line(rec: Recommendation) -> str:
    issued = f"issued {rec.issued_on}, reply due {rec.response_due}" if rec.issued else "draft"
    return f"{rec.ref} to {rec.addressee} ({rec.priority}; {issued}; {rec.status}; {rec.grade})"


# -- recommendation ------------------------------------------------------------------
@click.group()
def recommendation() -> None:
    """Safety recommendations: add, issue, record responses, assess them, list overdue ones.

    \b
    Example:
      aaib recommendation overdue
    """


@recommendation.command("add")
@click.argument("case_id", metavar="CASE")
@click.option("--text", required=True, help="What the addressee should do.")
@click.option("--to-agency", "to_agency", help="Addressee: an agency registered on the case.")
@click.option("--to", "to", help="Addressee: any other organisation, by name.")
@click.option(
    "--priority",
    type=click.Choice(["urgent", "high", "normal"]),
    default="normal",
    show_default=True,
    help="urgent ones may be issued at once; the others are issued with the final report.",
)
@click.option(
    "--finding", "findings", multiple=True, help="A finding it follows from (repeatable), e.g. F2."
)
@click.option("--issue", is_flag=True, help="Issue it now (urgent ones before the final report).")
@actor_options
@pass_ctx
def rec_add(
    obj: Context,
    case_id: str,
    text: str,
    to_agency: str | None,
    to: str | None,
    priority: str,
    findings: tuple[str, ...],
    issue: bool,
    actor: Actor | None,
    role: str | None,
) -> None:
    """Record a safety recommendation; prints its stable reference (CASE-SR01, ...).

    \b
    Example:
      aaib recommendation add CP-2026-0001 --to "Department for Education" \\
          --text "Require call-outs involving a child to be shared within a day" \\
          --finding F2 --role lead_investigator
      aaib recommendation add CP-2026-0001 --to-agency "Northshire Police" --priority urgent \\
          --text "Speak to every child present at a call-out" --issue
    """
    actor, role = obj.who(actor, role)
    rec = safety_book(obj).add_recommendation(
        case_id,
        text=text,
        to_agency=to_agency,
        to=to,
        priority=priority,
        findings=findings,
        issue=issue,
        actor=actor,
        role=role,
    )
    click.echo(f"{case_id}: recorded {_rec_line(rec)}")


@recommendation.command("issue")
@click.argument("case_id", metavar="CASE")
@click.argument("ref", metavar="REF")
@actor_options
@pass_ctx
def rec_issue(obj: Context, case_id: str, ref: str, actor: Actor | None, role: str | None) -> None:
    """Issue a draft recommendation now; its response clock starts today.

    Urgent recommendations may be issued from the evidence phase onwards; the
    others are issued with the final report (issue_final_report issues them all).

    \b
    Example:
      aaib recommendation issue CP-2026-0001 SR01
    """
    actor, role = obj.who(actor, role)
    rec = safety_book(obj).issue_recommendation(case_id, ref, actor=actor, role=role)
    click.echo(f"{case_id}: {_rec_line(rec)}")


@recommendation.command("list")
@click.argument("case_id", metavar="CASE")
@json_option
@pass_ctx
def rec_list(obj: Context, case_id: str, as_json: bool) -> None:
    """List the case's recommendations with status, grade and response deadline.

    \b
    Example:
      aaib recommendation list CP-2026-0001 --json
    """
    recs = safety_book(obj).recommendations(case_id)
    if as_json:
        emit_json([r.to_json() for r in recs])
        return
    if not recs:
        click.echo("No recommendations yet.")
        return
    rows = [
        [
            r.ref,
            r.addressee,
            r.priority,
            str(r.issued_on or "draft"),
            str(r.response_due or ""),
            r.status,
            r.grade,
        ]
        for r in recs
    ]
    click.echo(
        table(rows, ["ref", "addressee", "priority", "issued", "reply due", "status", "grade"])
    )


@recommendation.command("show")
@click.argument("case_id", metavar="CASE")
@click.argument("ref", metavar="REF")
@json_option
@pass_ctx
def rec_show(obj: Context, case_id: str, ref: str, as_json: bool) -> None:
    """Show one recommendation, its findings, responses and assessments.

    \b
    Example:
      aaib recommendation show CP-2026-0001 SR01
    """
    rec = safety_book(obj).recommendation(case_id, ref)
    if as_json:
        emit_json(rec.to_json())
        return
    click.echo(_rec_line(rec))
    click.echo(f"  {rec.text}")
    if rec.findings:
        click.echo(f"  findings: {', '.join(rec.findings)}")
    if rec.close_reason:
        click.echo(f"  closed: {rec.close_reason}")
    for r in rec.responses:
        click.echo(f"  response #{r.n} received {r.received_on}: {r.text}")
        if r.assessed:
            click.echo(
                f"    assessed {r.assessed_on} by {r.assessed_by}: {r.grade} - {r.assessment}"
            )
        else:
            click.echo(f"    assessment due {r.assessment_due}")


@recommendation.command("respond")
@click.argument("case_id", metavar="CASE")
@click.argument("ref", metavar="REF")
@click.option("--text", required=True, help="What the addressee has done or will do, by when.")
@click.option("--received", "received_on", help="Date received, YYYY-MM-DD (default: today).")
@actor_options
@pass_ctx
def rec_respond(
    obj: Context,
    case_id: str,
    ref: str,
    text: str,
    received_on: str | None,
    actor: Actor | None,
    role: str | None,
) -> None:
    """Record the addressee's response; it must be assessed within response_assessment_days.

    \b
    Example:
      aaib recommendation respond CP-2026-0001 SR01 --received 2026-05-01 \\
          --text "New guidance issued to all officers on 28 April"
    """
    actor, role = obj.who(actor, role)
    rec = safety_book(obj).respond(
        case_id, ref, text=text, received_on=received_on, actor=actor, role=role
    )
    assert rec.latest is not None
    click.echo(f"{case_id}: response to {rec.ref} recorded; assess by {rec.latest.assessment_due}")


@recommendation.command("assess")
@click.argument("case_id", metavar="CASE")
@click.argument("ref", metavar="REF")
@click.option(
    "--grade",
    required=True,
    type=click.Choice(["adequate", "partially_adequate", "not_adequate"]),
    help="The AAIB's grade for the latest response.",
)
@click.option("--text", required=True, help="Why this grade.")
@click.option("--close", is_flag=True, help="Also set the recommendation's status to closed.")
@actor_options
@pass_ctx
def rec_assess(
    obj: Context,
    case_id: str,
    ref: str,
    grade: str,
    text: str,
    close: bool,
    actor: Actor | None,
    role: str | None,
) -> None:
    """Grade the latest response (lead investigator or reviewer); optionally close it.

    \b
    Example:
      aaib recommendation assess CP-2026-0001 SR01 --grade adequate \\
          --text "The guidance addresses the risk" --close --role reviewer
    """
    actor, role = obj.who(actor, role)
    rec = safety_book(obj).assess(
        case_id, ref, grade=grade, text=text, close=close, actor=actor, role=role
    )
    click.echo(f"{case_id}: {rec.ref} response graded {rec.grade}; status {rec.status}")


@recommendation.command("close")
@click.argument("case_id", metavar="CASE")
@click.argument("ref", metavar="REF")
@click.option("--reason", required=True, help="Why it is closed (e.g. superseded by SR04).")
@actor_options
@pass_ctx
def rec_close(
    obj: Context, case_id: str, ref: str, reason: str, actor: Actor | None, role: str | None
) -> None:
    """Set a recommendation's status to closed, with the reason.

    \b
    Example:
      aaib recommendation close CP-2026-0001 SR02 --reason "Superseded by SR03"
    """
    actor, role = obj.who(actor, role)
    rec = safety_book(obj).close_recommendation(case_id, ref, reason=reason, actor=actor, role=role)
    click.echo(f"{case_id}: {rec.ref} closed")


@recommendation.command("overdue")
@as_of_option
@json_option
@pass_ctx
def rec_overdue(obj: Context, as_of: datetime | None, as_json: bool) -> None:
    """List issued, open recommendations past a deadline, across all cases.

    A response is overdue once recommendation_response_days have passed since
    issue with no response; an assessment once response_assessment_days have
    passed since a response was received without a grade.

    \b
    Example:
      aaib recommendation overdue
      aaib recommendation overdue --as-of 2027-06-30 --json
    """
    book = safety_book(obj)
    today = as_of.date() if as_of else book.engine.clock().date()
    late = book.overdue(today=today)
    if as_json:
        emit_json({"as_of": today.isoformat(), "overdue": [o.to_json() for o in late]})
        return
    if not late:
        click.echo(f"No overdue recommendations (as of {today}).")
        return
    rows = [[o.case_id, o.ref, o.what, o.addressee, str(o.due), str(o.days_late)] for o in late]
    click.echo(table(rows, ["case", "recommendation", "overdue", "addressee", "due", "days late"]))
    click.echo(f"{len(late)} overdue (as of {today}).")


# -- safety action -------------------------------------------------------------------
@click.group("safety-action")
def safety_action() -> None:
    """Safety action an organisation has already taken on its own (kept apart from
    recommendations).

    \b
    Example:
      aaib safety-action list CP-2026-0001
    """


@safety_action.command("add")
@click.argument("case_id", metavar="CASE")
@click.option("--text", required=True, help="What was done.")
@click.option("--agency", "agency", help="The agency (registered on the case) that acted.")
@click.option("--by", "organisation", help="Any other organisation that acted, by name.")
@click.option("--taken-on", help="When, YYYY-MM-DD.")
@actor_options
@pass_ctx
def action_add(
    obj: Context,
    case_id: str,
    text: str,
    agency: str | None,
    organisation: str | None,
    taken_on: str | None,
    actor: Actor | None,
    role: str | None,
) -> None:
    """Record safety action already taken; prints its reference (SA1, ...).

    \b
    Example:
      aaib safety-action add CP-2026-0001 --agency "Northshire Police" \\
          --text "Officers now speak to every child present" --taken-on 2026-04-01
    """
    actor, role = obj.who(actor, role)
    action = safety_book(obj).add_safety_action(
        case_id,
        text=text,
        agency=agency,
        organisation=organisation,
        taken_on=taken_on,
        actor=actor,
        role=role,
    )
    click.echo(f"{case_id}: recorded {action.ref} by {action.organisation}")


@safety_action.command("list")
@click.argument("case_id", metavar="CASE")
@json_option
@pass_ctx
def action_list(obj: Context, case_id: str, as_json: bool) -> None:
    """List the safety actions recorded on a case.

    \b
    Example:
      aaib safety-action list CP-2026-0001 --json
    """
    actions = safety_book(obj).safety_actions(case_id)
    if as_json:
        emit_json([a.to_json() for a in actions])
        return
    if not actions:
        click.echo("No safety actions recorded.")
        return
    rows = [[a.ref, a.organisation, str(a.taken_on or ""), short(a.text)] for a in actions]
    click.echo(table(rows, ["ref", "organisation", "taken on", "action"]))
