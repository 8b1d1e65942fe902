"""What every JSON API module shares: reading the request's JSON object (or its
multipart form), checking each member's type in one line, answering in JSON, and the
shape of an operation as the OpenAPI document lists it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.datastructures import UploadFile
from starlette.responses import JSONResponse, Response

from aaib_cp.exceptions import InputError
from aaib_cp.web.context import Ctx

__all__ = [
    "CASE",
    "Operation",
    "body",
    "flag",
    "json_response",
    "listing",
    "optional_text",
    "schema",
    "text",
    "texts",
    "who",
]

#: (path, method, handler, summary, request body schema) of one API operation. A body
#: schema holding ``content`` is the whole request body (a multipart upload, say);
#: any other is a JSON object's schema.
Operation = tuple[str, str, Callable[[Ctx], Response], str, dict[str, Any] | None]

#: The path of one case.
CASE = "/api/cases/{case_id}"


def json_response(data: Any, status_code: int = 200) -> JSONResponse:
    """``data`` as JSON (dates and the like as text)."""
    return JSONResponse(json.loads(json.dumps(data, default=str)), status_code=status_code)


def body(ctx: Ctx) -> dict[str, Any]:
    """The request's JSON object; InputError in one line when it is not one.

    An operation that takes a multipart form (an upload) gets its text fields instead.
    """
    if ctx.form is not None:
        return {k: v for k, v in ctx.form.multi_items() if not isinstance(v, UploadFile)}
    raw = ctx.request.state.body
    try:
        data = json.loads(raw or b"{}")
    except ValueError as exc:
        raise InputError(f"request body: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InputError("request body: expected a JSON object")
    return data


def optional_text(data: dict[str, Any], name: str) -> str | None:
    """A text member, or None when absent or empty."""
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise InputError(f"{name}: expected text")
    return value or None


def text(data: dict[str, Any], name: str) -> str:
    """A text member that must be there and not blank."""
    value = optional_text(data, name)
    if value is None or not value.strip():
        raise InputError(f"{name}: must not be empty")
    return value


def texts(data: dict[str, Any], name: str) -> list[str]:
    """A list of text (absent: empty), blanks dropped."""
    value = data.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{name}: expected a list of text")
    return [v.strip() for v in value if v.strip()]


def flag(data: dict[str, Any], name: str) -> bool:
    """A true/false member (absent: false)."""
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise InputError(f"{name}: expected true or false")
    return value


def who(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    """The token's account and the ``role`` it names, as every service takes them."""
    return {"actor": ctx.me, "role": text(data, "role")}


def listing(service: Callable[[Ctx], Any], method: str, doc: str) -> Callable[[Ctx], Response]:
    """A handler listing the case's records as ``service(ctx).method(case_id)`` gives them."""

    def handler(ctx: Ctx) -> Response:
        case = ctx.case()
        return json_response([r.to_json() for r in getattr(service(ctx), method)(case.id)])

    handler.__name__ = f"list_{method}"
    handler.__doc__ = doc
    return handler


_KINDS: dict[str, dict[str, Any]] = {
    "text": {"type": "string"},
    "list": {"type": "array", "items": {"type": "string"}},
    "flag": {"type": "boolean"},
}


def schema(required: list[str], **properties: str | dict[str, Any]) -> dict[str, Any]:
    """A JSON body's schema: ``role`` and ``required`` are required; each property is
    ``text``, ``list`` (of text), ``flag`` or a schema of its own."""
    return {
        "type": "object",
        "required": ["role", *required],
        "properties": {
            "role": {"type": "string"},
            **{k: _KINDS[v] if isinstance(v, str) else v for k, v in properties.items()},
        },
    }
