"""Commands after the analysis: recommendations, safety actions, consultation, feedback,
investigators' notes and disclosures of protected material."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from aaib_cp.recommendations.model import Recommendation
    from aaib_cp.recommendations.service import SafetyBook


def _book(obj: Context) -> SafetyBook:
    from aaib_cp.recommendations.service import SafetyBook

    return SafetyBook(obj.engine())


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
    actor: str | None,
    role: str | None,
) -> None:
    """Record a safety recommendation; prints its stable reference (CASE-SR01, ...).

    \b
    Example:
      aaib recommendation add CP-2026-0001 --to "Department for Education" \\
          --text "Require call-outs involving a child to be shared within a day" \\
          --finding F2 --actor "Lee Park" --role lead_investigator
      aaib recommendation add CP-2026-0001 --to-agency "Northshire Police" --priority urgent \\
          --text "Speak to every child present at a call-out" --issue
    """
    actor, role = obj.who(actor, role)
    rec = _book(obj).add_recommendation(
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
def rec_issue(obj: Context, case_id: str, ref: str, actor: str | None, role: str | None) -> None:
    """Issue a draft recommendation now; its response clock starts today.

    Urgent recommendations may be issued from the evidence phase onwards; the
    others are issued with the final report (issue_final_report issues them all).

    \b
    Example:
      aaib recommendation issue CP-2026-0001 SR01
    """
    actor, role = obj.who(actor, role)
    rec = _book(obj).issue_recommendation(case_id, ref, actor=actor, role=role)
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
    recs = _book(obj).recommendations(case_id)
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
    rec = _book(obj).recommendation(case_id, ref)
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
    actor: str | None,
    role: str | None,
) -> None:
    """Record the addressee's response; it must be assessed within response_assessment_days.

    \b
    Example:
      aaib recommendation respond CP-2026-0001 SR01 --received 2026-05-01 \\
          --text "New guidance issued to all officers on 28 April"
    """
    actor, role = obj.who(actor, role)
    rec = _book(obj).respond(
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
    actor: str | None,
    role: str | None,
) -> None:
    """Grade the latest response (lead investigator or reviewer); optionally close it.

    \b
    Example:
      aaib recommendation assess CP-2026-0001 SR01 --grade adequate \\
          --text "The guidance addresses the risk" --close --actor "Rita Haas" --role reviewer
    """
    actor, role = obj.who(actor, role)
    rec = _book(obj).assess(
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
    obj: Context, case_id: str, ref: str, reason: str, actor: str | None, role: str | None
) -> None:
    """Set a recommendation's status to closed, with the reason.

    \b
    Example:
      aaib recommendation close CP-2026-0001 SR02 --reason "Superseded by SR03"
    """
    actor, role = obj.who(actor, role)
    rec = _book(obj).close_recommendation(case_id, ref, reason=reason, actor=actor, role=role)
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
    book = _book(obj)
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
    actor: str | None,
    role: str | None,
) -> None:
    """Record safety action already taken; prints its reference (SA1, ...).

    \b
    Example:
      aaib safety-action add CP-2026-0001 --agency "Northshire Police" \\
          --text "Officers now speak to every child present" --taken-on 2026-04-01
    """
    actor, role = obj.who(actor, role)
    action = _book(obj).add_safety_action(
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
    actions = _book(obj).safety_actions(case_id)
    if as_json:
        emit_json([a.to_json() for a in actions])
        return
    if not actions:
        click.echo("No safety actions recorded.")
        return
    rows = [[a.ref, a.organisation, str(a.taken_on or ""), short(a.text)] for a in actions]
    click.echo(table(rows, ["ref", "organisation", "taken on", "action"]))


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
    actor: str | None,
    role: str | None,
) -> None:
    """Record that the draft was sent to directly involved parties; starts their period.

    \b
    Example:
      aaib consultation send CP-2026-0001 --party "Northshire Police" --party "Parent 1"
    """
    actor, role = obj.who(actor, role)
    sent = _book(obj).send_draft(case_id, parties, sent_on=sent_on, actor=actor, role=role)
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
@actor_options
@pass_ctx
def consult_represent(
    obj: Context,
    case_id: str,
    party: str,
    text: str | None,
    none_made: bool,
    received_on: str | None,
    actor: str | None,
    role: str | None,
) -> None:
    """Record a party's representation on the draft (R1, R2, ...), or that it made none.

    \b
    Example:
      aaib consultation represent CP-2026-0001 --party "Northshire Police" \\
          --text "Paragraph 12 misstates the call time"
      aaib consultation represent CP-2026-0001 --party "Parent 1" --none
    """
    actor, role = obj.who(actor, role)
    rep = _book(obj).represent(
        case_id,
        party,
        text=text,
        none=none_made,
        received_on=received_on,
        actor=actor,
        role=role,
    )
    what = "no representation" if rep.none_made else "representation"
    click.echo(f"{case_id}: {rep.ref} {what} from {rep.party} recorded")


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
    actor: str | None,
    role: str | None,
) -> None:
    """Disposition a representation (lead investigator or panel chair).

    \b
    Example:
      aaib consultation dispose CP-2026-0001 R1 --disposition not_accepted \\
          --reason "The call log shows 21:40" --actor "Lee Park" --role lead_investigator
    """
    actor, role = obj.who(actor, role)
    rep = _book(obj).dispose(
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
    book = _book(obj)
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
                "(none made)" if r.none_made else short(r.text or "", 40),
                "" if r.none_made else (r.disposition or "NOT YET DISPOSITIONED"),
            ]
            for r in reps
        ]
        click.echo(table(rows, ["ref", "party", "received", "representation", "disposition"]))


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
    actor: str | None,
    role: str | None,
) -> None:
    """Record a feedback session (date, who attended).

    \b
    Example:
      aaib feedback add CP-2026-0001 --date 2026-10-01 --attendee "Alex Example" \\
          --attendee "Robin Example"
    """
    actor, role = obj.who(actor, role)
    session = _book(obj).add_feedback(
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
    sessions = _book(obj).feedback(case_id)
    if as_json:
        emit_json([s.to_json() for s in sessions])
        return
    if not sessions:
        click.echo("No feedback sessions recorded.")
        return
    rows = [[str(s.held_on), s.audience, ", ".join(s.attendees)] for s in sessions]
    click.echo(table(rows, ["date", "audience", "attended"]))


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
    actor: str | None,
    role: str | None,
) -> None:
    """Record an investigator's note; prints its reference (N1, ...).

    \b
    Example:
      aaib note add CP-2026-0001 --text "Team manager seemed under pressure of caseload"
    """
    actor, role = obj.who(actor, role)
    added = _book(obj).add_note(case_id, text, protected=not not_protected, actor=actor, role=role)
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
    notes = _book(obj).notes(case_id)
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
@click.option("--requested-by", required=True, help="Who asked for it (not the approver).")
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
    actor: str | None,
    role: str | None,
) -> None:
    """Approve disclosing one protected item (panel chair or chief investigator).

    The acting person is the approver and must not be the person who asked.
    Once approved, the item may be exported (aaib evidence export).

    \b
    Example:
      aaib disclosure add CP-2026-0001 --item E3 --ground court_order \\
          --requested-by "Lee Park" --recipient "High Court (case 2026/123)" \\
          --reason "Order of 3 May 2026" --actor "Chris Ode" --role chief_investigator
    """
    actor, role = obj.who(actor, role)
    found = _book(obj).disclose(
        case_id,
        item,
        ground=ground,
        requested_by=requested_by,
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
    found = _book(obj).disclosures(case_id)
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
