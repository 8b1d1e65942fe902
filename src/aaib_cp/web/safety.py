"""The recommendations page: safety recommendations, the addressees' responses and
their assessment, through the same service as ``aaib recommendation``."""

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
    chosen = actions.get(ctx.field("do"))
    if chosen is None:
        from aaib_cp.exceptions import InputError

        raise InputError(f"do: expected one of {', '.join(actions)}")
    return ctx.attempt(f"/cases/{case.id}/recommendations", chosen[0], chosen[1])


def routes(route: Callable[..., Route]) -> list[Route]:
    """This module's routes."""
    return [
        route("/cases/{case_id}/recommendations", recommendations),
        route("/cases/{case_id}/recommendations", act, methods=("POST",), name="recommend"),
    ]
