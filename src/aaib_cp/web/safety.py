"""The recommendations page (safety recommendations, the addressees' responses and
their assessment) and the consultation page (the draft sent to the parties, their
representations and dispositions), through the same service as ``aaib recommendation``
and ``aaib consultation``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from aaib_cp.web.context import Ctx

__all__ = ["routes"]


def _book(ctx: Ctx) -> Any:
    from aaib_cp.recommendations.service import SafetyBook

    return SafetyBook(ctx.engine)


def recommendations(ctx: Ctx) -> Response:
    """Every recommendation with its responses, and the forms to add, issue, respond, assess."""
    from aaib_cp.evidence.service import Casebook
    from aaib_cp.recommendations.model import ASSESSMENT_GRADES, PRIORITIES

    case = ctx.case()
    definition = ctx.engine.definition_for(case)
    held = ctx.roles_on(case)
    return ctx.page(
        "recommendations.html",
        case=case,
        recommendations=_book(ctx).recommendations(case.id),
        agencies=Casebook(ctx.engine).agencies(case.id),
        priorities=PRIORITIES,
        grades=ASSESSMENT_GRADES,
        roles=[r for r in held if r in definition.roles_for("recommend")],
        assessors=[r for r in held if r in definition.roles_for("assess")],
    )


def act(ctx: Ctx) -> Response:
    """One of: add, issue, respond, assess (``do`` names which)."""
    case = ctx.case()
    book = _book(ctx)
    ref = ctx.field("ref")
    who = {"actor": ctx.me, "role": ctx.field("role")}
    actions: dict[str, tuple[Callable[[], Any], str]] = {
        "add": (
            lambda: book.add_recommendation(
                case.id,
                text=ctx.field("text", required=True),
                to_agency=ctx.field("to_agency") or None,
                to=ctx.field("to") or None,
                priority=ctx.field("priority") or "normal",
                findings=[f.strip() for f in ctx.field("findings").split(",") if f.strip()],
                **who,
            ),
            "recorded {result.ref}",
        ),
        "issue": (lambda: book.issue_recommendation(case.id, ref, **who), "issued {result.ref}"),
        "respond": (
            lambda: book.respond(
                case.id,
                ref,
                text=ctx.field("text", required=True),
                received_on=ctx.field("received_on") or None,
                **who,
            ),
            "recorded the response to {result.ref}",
        ),
        "assess": (
            lambda: book.assess(
                case.id,
                ref,
                grade=ctx.field("grade", required=True),
                text=ctx.field("text", required=True),
                **who,
            ),
            "assessed the response to {result.ref}",
        ),
    }
    return _dispatch(ctx, f"/cases/{case.id}/recommendations", actions)


def _dispatch(ctx: Ctx, back: str, actions: dict[str, tuple[Callable[[], Any], str]]) -> Response:
    """Run the action the form's ``do`` names, and go ``back`` saying what happened."""
    chosen = actions.get(ctx.field("do"))
    if chosen is None:
        from aaib_cp.exceptions import InputError

        raise InputError(f"do: expected one of {', '.join(actions)}")
    return ctx.attempt(back, chosen[0], chosen[1])


def consultation(ctx: Ctx) -> Response:
    """The parties the draft went to, their representations and how each was dealt with."""
    from aaib_cp.recommendations.model import DISPOSITIONS

    case = ctx.case()
    book = _book(ctx)
    definition = ctx.engine.definition_for(case)
    return ctx.page(
        "consultation.html",
        case=case,
        parties=book.parties(case.id),
        representations=book.representations(case.id),
        dispositions=DISPOSITIONS,
        roles=[r for r in ctx.roles_on(case) if r in definition.roles_for("consult")],
    )


def consult(ctx: Ctx) -> Response:
    """One of: send (the draft to parties), represent, dispose."""
    case = ctx.case()
    book = _book(ctx)
    who = {"actor": ctx.me, "role": ctx.field("role")}
    parties = [p.strip() for p in ctx.field("parties").split(";") if p.strip()]
    actions: dict[str, tuple[Callable[[], Any], str]] = {
        "send": (
            lambda: book.send_draft(case.id, parties, sent_on=ctx.field("sent_on") or None, **who),
            "sent the draft to {result[0].label}" + (" and others" if len(parties) > 1 else ""),
        ),
        "represent": (
            lambda: book.represent(
                case.id,
                ctx.field("party", required=True),
                text=ctx.field("text") or None,
                none=ctx.field("none") == "yes",
                received_on=ctx.field("received_on") or None,
                **who,
            ),
            "recorded {result.ref}",
        ),
        "dispose": (
            lambda: book.dispose(
                case.id,
                ctx.field("ref", required=True),
                disposition=ctx.field("disposition", required=True),
                reason=ctx.field("reason") or None,
                **who,
            ),
            "recorded how {result.ref} was dealt with",
        ),
    }
    return _dispatch(ctx, f"/cases/{case.id}/consultation", actions)


def routes(route: Callable[..., Route]) -> list[Route]:
    """This module's routes."""
    return [
        route("/cases/{case_id}/recommendations", recommendations),
        route("/cases/{case_id}/recommendations", act, methods=("POST",), name="recommend"),
        route("/cases/{case_id}/consultation", consultation),
        route("/cases/{case_id}/consultation", consult, methods=("POST",)),
    ]
