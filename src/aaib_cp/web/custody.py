"""One evidence item: its versions and chain of custody (reading it is recorded), its
protected flag, and the approved disclosures of it, through the same services as
``aaib evidence show``, ``aaib evidence protect`` and ``aaib disclosure add``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from aaib_cp.web.context import Ctx
from aaib_cp.web.pages import describe_event
from aaib_cp.web.records import roles_with

__all__ = ["routes"]


def _protection(ctx: Ctx) -> Any:
    from aaib_cp.evidence.protection import Protection

    return Protection(ctx.engine)


def item(ctx: Ctx) -> Response:
    """The item's versions, chain of custody, protection and disclosures, with the forms."""
    from aaib_cp.evidence.protection_model import DISCLOSURE_GROUNDS
    from aaib_cp.evidence.service import Casebook

    case = ctx.case()
    readers = roles_with(ctx, case, "read_restricted")
    versions, custody = Casebook(ctx.engine).access_evidence(
        case.id, ctx.request.path_params["ref"], actor=ctx.me, role=readers[0] if readers else None
    )
    ref = versions[-1].ref
    protection = _protection(ctx)
    return ctx.page(
        "evidence_item.html",
        case=case,
        ref=ref,
        versions=versions,
        custody=custody,
        describe=describe_event,
        protected=protection.protected_items(case.id).get(ref, False),
        disclosures=[d for d in protection.disclosures(case.id) if d.item == ref],
        grounds=DISCLOSURE_GROUNDS,
        protectors=roles_with(ctx, case, "protect"),
        approvers=roles_with(ctx, case, "disclose"),
    )


def protect(ctx: Ctx) -> Response:
    """Mark the item as protected material."""
    case = ctx.case()
    ref = ctx.request.path_params["ref"]

    def act() -> Any:
        _protection(ctx).protect(
            case.id, ref, reason=ctx.field("reason"), actor=ctx.me, role=ctx.field("role")
        )
        return ref.upper()

    return ctx.attempt(f"/cases/{case.id}/evidence/{ref}", act, "{result} is protected material")


def disclose(ctx: Ctx) -> Response:
    """Approve a disclosure asked for by another account (never the approver's own)."""
    case = ctx.case()
    ref = ctx.request.path_params["ref"]

    def act() -> Any:
        requester = ctx.engine.accounts.get(ctx.field("requested_by", required=True).strip())
        return _protection(ctx).disclose(
            case.id,
            ref,
            ground=ctx.field("ground", required=True),
            requested_by=requester,
            recipient=ctx.field("recipient"),
            reason=ctx.field("reason"),
            actor=ctx.me,
            role=ctx.field("role"),
        )

    return ctx.attempt(
        f"/cases/{case.id}/evidence/{ref}",
        act,
        "approved {result.ref}: {result.item} to {result.recipient}",
    )


def routes(route: Callable[..., Route]) -> list[Route]:
    """This module's routes."""
    post = ("POST",)
    return [
        route("/cases/{case_id}/evidence/{ref}", item),
        route("/cases/{case_id}/evidence/{ref}/protect", protect, methods=post),
        route("/cases/{case_id}/evidence/{ref}/disclosures", disclose, methods=post),
    ]
