"""The JSON API: the same operations for other systems, with personal access tokens.

A token is the one ``aaib login`` or ``aaib user token`` gives (see docs/web.md), sent
as ``Authorization: Bearer TOKEN``; cookies are ignored here, so no CSRF token is
needed. The OpenAPI document is served at ``/api/openapi.json``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from aaib_cp.exceptions import InputError
from aaib_cp.web.api_analysis import ANALYSIS_OPERATIONS
from aaib_cp.web.api_evidence import EVIDENCE_OPERATIONS, RESPONSE_TYPES
from aaib_cp.web.api_records import RECORD_OPERATIONS
from aaib_cp.web.api_support import (
    CASE,
    Operation,
    body,
    json_response,
    optional_text,
    schema,
    text,
    who,
)
from aaib_cp.web.api_work import WORK_OPERATIONS
from aaib_cp.web.context import Ctx

__all__ = ["OPERATIONS", "openapi", "routes"]


def list_cases(ctx: Ctx) -> Response:
    """The cases the token's account may see (``?state=`` filters)."""
    cases = ctx.engine.access.readable_cases(actor=ctx.me, state=ctx.query("state") or None)
    return json_response([c.to_json() for c in cases])


def case_status(ctx: Ctx) -> Response:
    """A case's state, clocks and every trigger with its blockers (as ``aaib status --json``)."""
    case = ctx.case()
    return json_response({**ctx.engine.status(case.id).to_json(), "team": _team(ctx, case.id)})


def _team(ctx: Ctx, case_id: str) -> list[dict[str, Any]]:
    return [m.to_json() for m in ctx.engine.team(case_id)]


def team(ctx: Ctx) -> Response:
    """The case's investigation team (as ``aaib team list --json``)."""
    case = ctx.case()
    return json_response(_team(ctx, case.id))


def appoint(ctx: Ctx) -> Response:
    """Appoint the account ``login`` to the team in the case role ``case_role`` (as
    ``aaib team appoint``): nobody appoints themselves, and an independent role goes only
    to someone affiliated with no agency involved (each refusal recorded); 201 with the
    member."""
    case, data = ctx.case(), body(ctx)
    appointee = ctx.engine.accounts.get(text(data, "login").strip())
    member = ctx.engine.appoint(case.id, appointee, text(data, "case_role"), **who(ctx, data))
    return json_response(member.to_json(), 201)


def stand_down(ctx: Ctx) -> Response:
    """Record that the account ``login`` no longer serves in ``case_role``, and why (as
    ``aaib team stand-down``); the team as it now is."""
    case, data = ctx.case(), body(ctx)
    member = ctx.engine.accounts.get(text(data, "login").strip())
    ctx.engine.stand_down(
        case.id, member, text(data, "case_role"), reason=text(data, "reason"), **who(ctx, data)
    )
    return json_response(_team(ctx, case.id))


def case_history(ctx: Ctx) -> Response:
    """Every event of the case's audit trail, refusals included."""
    case = ctx.case()
    return json_response([e.to_json() for e in ctx.engine.history(case.id)])


def fire(ctx: Ctx) -> Response:
    """Fire a trigger: ``{"trigger", "role", "reason", "fields", "expected_version"}``."""
    case = ctx.case()
    data = body(ctx)
    fields = data.get("fields") or {}
    if not isinstance(fields, dict):
        raise InputError("fields: expected an object of NAME: VALUE")
    version = data.get("expected_version")
    if version is not None and not isinstance(version, int):
        raise InputError("expected_version: expected a whole number")
    event = ctx.engine.fire(
        case.id,
        str(data.get("trigger") or ""),
        actor=ctx.me,
        role=optional_text(data, "role"),
        reason=optional_text(data, "reason"),
        fields={str(k): v for k, v in fields.items()},
        expected_version=version,
    )
    return json_response(event.to_json(), status_code=201)


def _version() -> str:
    from importlib.metadata import version

    return version("aaib-cp")


def openapi(ctx: Ctx) -> Response:
    """The OpenAPI 3.1 document of this API."""
    paths: dict[str, dict[str, Any]] = {}
    for path, method, handler, summary, body_schema in OPERATIONS:
        operation: dict[str, Any] = {
            "summary": summary,
            "description": handler.__doc__ or "",
            "operationId": handler.__name__,
            "security": [{"bearer": []}],
            "responses": {
                _success(method, handler.__name__): {"description": "done"},
                "400": {"description": "bad input, in one line"},
                "401": {"description": "no valid token"},
                "403": {"description": "refused, with the reason"},
                "404": {"description": "no such case (or not visible to you) or record"},
            },
        }
        if handler is fire:
            operation["responses"]["409"] = {"description": "the case changed since then"}
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in re.findall(r"{(\w+)}", path)
        ] + [
            {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
            for name in QUERIES.get(handler.__name__, ())
        ]
        if parameters:
            operation["parameters"] = parameters
        if body_schema is not None:
            operation["requestBody"] = (
                body_schema
                if "content" in body_schema
                else {"content": {"application/json": {"schema": body_schema}}}
            )
        if handler.__name__ in RESPONSE_TYPES:
            operation["responses"]["200"]["content"] = {
                media.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
                for media in RESPONSE_TYPES[handler.__name__]
            }
        paths.setdefault(path, {})[method] = operation
    return json_response(
        {
            "openapi": "3.1.0",
            "info": {"title": "aaib-cp", "version": _version()},
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "paths": paths,
        }
    )


#: The POSTs that change a record that already exists (by operationId): they answer 200
#: with it; every other POST creates one and answers 201.
UPDATES = frozenset(
    {
        "stand_down",
        "issue_recommendation",
        "assess",
        "dispose",
        "protect",
        "confirm",
        "return_classification",
    }
)


def _success(method: str, operation_id: str) -> str:
    return "201" if method == "post" and operation_id not in UPDATES else "200"


#: The query parameters an operation reads (by operationId).
QUERIES = {
    "list_cases": ("state",),
    "evidence": ("all_versions",),
    "item": ("role",),
    "report": ("role",),
    "classification": ("role", "all_versions"),
    "search": ("q",),
    "themes": ("since",),
    "import_chronology": ("role", "agency", "check", "filename"),
}

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

#: (path, method, handler, summary, request body schema) of every API operation.
OPERATIONS: list[Operation] = [
    ("/api/cases", "get", list_cases, "List the cases you may see", None),
    (CASE, "get", case_status, "A case's status", None),
    (f"{CASE}/history", "get", case_history, "A case's audit trail", None),
    (f"{CASE}/fire", "post", fire, "Fire a trigger", FIRE_BODY),
    (f"{CASE}/team", "get", team, "The case's team", None),
    (
        f"{CASE}/team",
        "post",
        appoint,
        "Appoint someone to the team",
        schema(["login", "case_role"], login="text", case_role="text"),
    ),
    (
        f"{CASE}/team/stand-down",
        "post",
        stand_down,
        "Record that someone stands down",
        schema(["login", "case_role", "reason"], login="text", case_role="text", reason="text"),
    ),
    *RECORD_OPERATIONS,
    *EVIDENCE_OPERATIONS,
    *ANALYSIS_OPERATIONS,
    *WORK_OPERATIONS,
]


def routes(route: Callable[..., Route]) -> list[Route]:
    """This module's routes."""
    found = [
        route(path, handler, methods=(method.upper(),), api=True)
        for path, method, handler, *_ in OPERATIONS
    ]
    return [*found, route("/api/openapi.json", openapi, public=True)]
