"""The JSON API: the same operations for other systems, with personal access tokens.

A token is the one ``aaib login`` or ``aaib user token`` gives (see docs/web.md), sent
as ``Authorization: Bearer TOKEN``; cookies are ignored here, so no CSRF token is
needed. The OpenAPI document is served at ``/api/openapi.json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from aaib_cp.exceptions import InputError
from aaib_cp.web.context import Ctx

__all__ = ["OPERATIONS", "openapi", "routes"]


def _json(data: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse(json.loads(json.dumps(data, default=str)), status_code=status_code)


def list_cases(ctx: Ctx) -> Response:
    """The cases the token's account may see (``?state=`` filters)."""
    cases = ctx.engine.access.readable_cases(actor=ctx.me, state=ctx.query("state") or None)
    return _json([c.to_json() for c in cases])


def case_status(ctx: Ctx) -> Response:
    """A case's state, clocks and every trigger with its blockers (as ``aaib status --json``)."""
    case = ctx.case()
    return _json({**ctx.engine.status(case.id).to_json(), "team": _team(ctx, case.id)})


def _team(ctx: Ctx, case_id: str) -> list[dict[str, Any]]:
    return [m.to_json() for m in ctx.engine.team(case_id)]


def case_history(ctx: Ctx) -> Response:
    """Every event of the case's audit trail, refusals included."""
    case = ctx.case()
    return _json([e.to_json() for e in ctx.engine.history(case.id)])


def fire(ctx: Ctx) -> Response:
    """Fire a trigger: ``{"trigger", "role", "reason", "fields", "expected_version"}``."""
    case = ctx.case()
    body = _body(ctx)
    fields = body.get("fields") or {}
    if not isinstance(fields, dict):
        raise InputError("fields: expected an object of NAME: VALUE")
    version = body.get("expected_version")
    if version is not None and not isinstance(version, int):
        raise InputError("expected_version: expected a whole number")
    event = ctx.engine.fire(
        case.id,
        str(body.get("trigger") or ""),
        actor=ctx.me,
        role=_optional_text(body, "role"),
        reason=_optional_text(body, "reason"),
        fields={str(k): v for k, v in fields.items()},
        expected_version=version,
    )
    return _json(event.to_json(), status_code=201)


def _optional_text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise InputError(f"{name}: expected text")
    return value or None


def _body(ctx: Ctx) -> dict[str, Any]:
    raw = ctx.request.state.body
    try:
        data = json.loads(raw or b"{}")
    except ValueError as exc:
        raise InputError(f"request body: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InputError("request body: expected a JSON object")
    return data


def _version() -> str:
    from importlib.metadata import version

    return version("aaib-cp")


def openapi(ctx: Ctx) -> Response:
    """The OpenAPI 3.1 document of this API."""
    paths: dict[str, dict[str, Any]] = {}
    for path, method, handler, summary in OPERATIONS:
        operation: dict[str, Any] = {
            "summary": summary,
            "description": handler.__doc__ or "",
            "operationId": handler.__name__,
            "security": [{"bearer": []}],
            "responses": {
                "200" if method == "get" else "201": {"description": "done"},
                "400": {"description": "bad input, in one line"},
                "401": {"description": "no valid token"},
                "403": {"description": "refused, with the reason"},
                "404": {"description": "no such case (or not visible to you)"},
            },
        }
        if "{case_id}" in path:
            operation["parameters"] = [
                {"name": "case_id", "in": "path", "required": True, "schema": {"type": "string"}}
            ]
        if method == "post":
            operation["requestBody"] = {"content": {"application/json": {"schema": FIRE_BODY}}}
        paths.setdefault(path, {})[method] = operation
    return _json(
        {
            "openapi": "3.1.0",
            "info": {"title": "aaib-cp", "version": _version()},
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "paths": paths,
        }
    )


FIRE_BODY = {
    "type": "object",
    "required": ["trigger", "role"],
    "properties": {
        "trigger": {"type": "string"},
        "role": {"type": "string"},
        "reason": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
        "expected_version": {"type": "integer"},
    },
}

#: (path, method, handler, summary) of every API operation.
OPERATIONS: list[tuple[str, str, Callable[[Ctx], Response], str]] = [
    ("/api/cases", "get", list_cases, "List the cases you may see"),
    ("/api/cases/{case_id}", "get", case_status, "A case's status"),
    ("/api/cases/{case_id}/history", "get", case_history, "A case's audit trail"),
    ("/api/cases/{case_id}/fire", "post", fire, "Fire a trigger"),
]


def routes(route: Callable[..., Route]) -> list[Route]:
    """This module's routes."""
    found = [
        route(path, handler, methods=(method.upper(),), api=True)
        for path, method, handler, _ in OPERATIONS
    ]
    return [*found, route("/api/openapi.json", openapi, public=True)]
