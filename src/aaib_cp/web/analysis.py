"""The analysis page: acts and omissions of concern, and contributory factors picked
from the HFACS-CP taxonomy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from aaib_cp.web.context import Ctx

__all__ = ["routes"]


def _analysis(ctx: Ctx) -> Any:
    from aaib_cp.analysis.service import Analysis

    return Analysis(ctx.engine)


def _list(ctx: Ctx, name: str) -> list[str]:
    """A multi-valued form field (checkboxes), or a comma-separated text field."""
    values = ctx.form.getlist(name) if ctx.form is not None else []
    found = [v for value in values if isinstance(value, str) for v in value.split(",")]
    return [v.strip() for v in found if v.strip()]


def analysis(ctx: Ctx) -> Response:
    """Acts and factors of the case, with forms to add each."""
    from aaib_cp.analysis.decision_tree import shipped_trees
    from aaib_cp.analysis.model import ACT_KINDS
    from aaib_cp.analysis.taxonomy import load_taxonomy
    from aaib_cp.evidence.service import Casebook

    case = ctx.case()
    service = _analysis(ctx)
    definition = ctx.engine.definition_for(case)
    held = ctx.roles_on(case)
    return ctx.page(
        "analysis.html",
        case=case,
        acts=service.acts(case.id),
        factors=service.factors(case.id),
        people=Casebook(ctx.engine).people(case.id),
        kinds=ACT_KINDS,
        taxonomy=load_taxonomy(),
        roles=[r for r in held if r in definition.roles_for("analyse")],
        reviewer_roles=[r for r in held if r in definition.roles_for("confirm")],
        trees=shipped_trees(),
    )


def add_act(ctx: Ctx) -> Response:
    """Record an act or omission of concern."""
    case = ctx.case()

    def act() -> Any:
        return _analysis(ctx).add_act(
            case.id,
            person=ctx.field("person", required=True),
            when=ctx.field("when", required=True),
            description=ctx.field("description", required=True),
            kind=ctx.field("kind") or "act",
            chronology=_list(ctx, "chronology"),
            evidence=_list(ctx, "evidence"),
            actor=ctx.me,
            role=ctx.field("role"),
        )

    return ctx.attempt(f"/cases/{case.id}/analysis", act, "recorded {result.ref}")


def add_factor(ctx: Ctx) -> Response:
    """Record a contributory factor against one or more acts."""
    case = ctx.case()

    def act() -> Any:
        return _analysis(ctx).add_factor(
            case.id,
            code=ctx.field("code", required=True),
            acts=_list(ctx, "acts"),
            evidence=_list(ctx, "evidence"),
            note=ctx.field("note", required=True),
            actor=ctx.me,
            role=ctx.field("role"),
        )

    return ctx.attempt(f"/cases/{case.id}/analysis", act, "recorded {result.ref}")


def routes(route: Callable[..., Route]) -> list[Route]:
    """This module's routes."""
    post = ("POST",)
    return [
        route("/cases/{case_id}/analysis", analysis),
        route("/cases/{case_id}/analysis/acts", add_act, methods=post),
        route("/cases/{case_id}/analysis/factors", add_factor, methods=post),
    ]
