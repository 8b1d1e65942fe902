"""The findings page (causal, contributory and other findings, linked to acts, factors
and evidence) and the feedback page (sessions where staff heard the outcome), through
the same services as ``aaib finding`` and ``aaib feedback``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from aaib_cp.web.analysis import _analysis, _list
from aaib_cp.web.context import Ctx
from aaib_cp.web.records import roles_with

__all__ = ["routes"]


def findings(ctx: Ctx) -> Response:
    """The case's findings, and the form to record one from its acts and factors."""
    from aaib_cp.analysis.model import FINDING_KINDS
    from aaib_cp.evidence.service import Casebook

    case = ctx.case()
    service = _analysis(ctx)
    return ctx.page(
        "findings.html",
        case=case,
        findings=service.findings(case.id),
        acts=service.acts(case.id),
        factors=service.factors(case.id),
        evidence=Casebook(ctx.engine).evidence(case.id),
        kinds=FINDING_KINDS,
        roles=roles_with(ctx, case, "analyse"),
    )


def add_finding(ctx: Ctx) -> Response:
    """Record a finding."""
    case = ctx.case()

    def act() -> Any:
        return _analysis(ctx).add_finding(
            case.id,
            kind=ctx.field("kind", required=True),
            text=ctx.field("text", required=True),
            acts=_list(ctx, "acts"),
            factors=_list(ctx, "factors"),
            evidence=_list(ctx, "evidence"),
            actor=ctx.me,
            role=ctx.field("role"),
        )

    return ctx.attempt(f"/cases/{case.id}/findings", act, "recorded {result.ref}")


def _safety(ctx: Ctx) -> Any:
    from aaib_cp.recommendations.service import SafetyBook

    return SafetyBook(ctx.engine)


def feedback(ctx: Ctx) -> Response:
    """The feedback sessions held, and the form to record one."""
    case = ctx.case()
    return ctx.page(
        "feedback.html",
        case=case,
        sessions=_safety(ctx).feedback(case.id),
        roles=roles_with(ctx, case, "consult"),
        today=ctx.engine.clock().date().isoformat(),
    )


def add_feedback(ctx: Ctx) -> Response:
    """Record a feedback session (attendees separated by ;)."""
    case = ctx.case()
    attendees = [a.strip() for a in ctx.field("attendees").split(";") if a.strip()]

    def act() -> Any:
        return _safety(ctx).add_feedback(
            case.id,
            held_on=ctx.field("held_on", required=True),
            attendees=attendees,
            audience=ctx.field("audience") or "staff",
            actor=ctx.me,
            role=ctx.field("role"),
        )

    return ctx.attempt(
        f"/cases/{case.id}/feedback", act, "recorded the feedback session of {result.held_on}"
    )


def routes(route: Callable[..., Route]) -> list[Route]:
    """This module's routes."""
    post = ("POST",)
    return [
        route("/cases/{case_id}/findings", findings),
        route("/cases/{case_id}/findings", add_finding, methods=post),
        route("/cases/{case_id}/feedback", feedback),
        route("/cases/{case_id}/feedback", add_feedback, methods=post),
    ]
