"""The JSON API over a case's evidence and reports: the register, an upload, an item's
versions and chain of custody, its protected flag and disclosures, and the reports'
downloads, through the services the evidence screens use (``Casebook``,
``Protection``, ``Publisher``).

An upload is ``multipart/form-data`` (the fields and the ``file``), as a browser or
``curl -F`` sends it; the item comes back with the file's SHA-256.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from aaib_cp.web.api_support import (
    CASE,
    Operation,
    body,
    json_response,
    listing,
    optional_text,
    schema,
    text,
    who,
)
from aaib_cp.web.context import Ctx
from aaib_cp.web.records import REPORT_TYPES, _casebook, report_response, roles_with, uploaded

__all__ = ["EVIDENCE_OPERATIONS", "RESPONSE_TYPES"]


def _protection(ctx: Ctx) -> Any:
    from aaib_cp.evidence.protection import Protection

    return Protection(ctx.engine)


def evidence(ctx: Ctx) -> Response:
    """The evidence register: each item with its SHA-256 and whether it is protected
    material (as ``aaib evidence list --json``; ``?all_versions=1`` for corrected ones)."""
    case = ctx.case()
    items = _casebook(ctx).evidence(case.id, all_versions=bool(ctx.query("all_versions")))
    protected = _protection(ctx).protected_items(case.id)
    return json_response([{**i.to_json(), "protected": protected.get(i.ref, False)} for i in items])


def add_evidence(ctx: Ctx) -> Response:
    """Register an evidence item from a ``multipart/form-data`` body: the fields ``role``,
    ``kind``, ``description``, ``obtained_how``, ``obtained_on`` (YYYY-MM-DD), ``agency``,
    and the ``file`` (optional; an item with no file may come as a JSON object instead);
    201 with the item, the file's ``sha256`` in its ``file``."""
    case = ctx.case()
    data = body(ctx)
    with uploaded(ctx, "file") as (path, name):
        item = _casebook(ctx).add_evidence(
            case.id,
            kind=text(data, "kind"),
            description=text(data, "description"),
            obtained_how=text(data, "obtained_how"),
            obtained_on=text(data, "obtained_on"),
            agency=optional_text(data, "agency"),
            file=path,
            file_name=name,
            **who(ctx, data),
        )
    return json_response(item.to_json(), 201)


def item(ctx: Ctx) -> Response:
    """Every version of an item and its chain of custody, whether it is protected, and
    the disclosures approved of it. Reading it is recorded on the chain of custody, in
    the ``?role=`` given (else the first role held that may read restricted material)."""
    case = ctx.case()
    readers = roles_with(ctx, case, "read_restricted")
    role = ctx.query("role") or (readers[0] if readers else None)
    versions, custody = _casebook(ctx).access_evidence(
        case.id, ctx.request.path_params["ref"], actor=ctx.me, role=role
    )
    ref = versions[-1].ref
    protection = _protection(ctx)
    return json_response(
        {
            "ref": ref,
            "protected": protection.protected_items(case.id).get(ref, False),
            "versions": [v.to_json() for v in versions],
            "custody": [e.to_json() for e in custody],
            "disclosures": [d.to_json() for d in protection.disclosures(case.id) if d.item == ref],
        }
    )


def protect(ctx: Ctx) -> Response:
    """Mark the item as protected material (a witness statement, health data), saying why;
    it is then never released without an approved disclosure."""
    case, data = ctx.case(), body(ctx)
    ref = ctx.request.path_params["ref"]
    _protection(ctx).protect(case.id, ref, reason=text(data, "reason"), **who(ctx, data))
    return json_response({"ref": ref.upper(), "protected": True})


def disclose(ctx: Ctx) -> Response:
    """Approve a disclosure of protected material asked for by the account
    ``requested_by`` (a login): the approver is the token's account, never the one who
    asked (that refusal is recorded); 201 with the disclosure."""
    case, data = ctx.case(), body(ctx)
    requester = ctx.engine.accounts.get(text(data, "requested_by").strip())
    done = _protection(ctx).disclose(
        case.id,
        ctx.request.path_params["ref"],
        ground=text(data, "ground"),
        requested_by=requester,
        recipient=text(data, "recipient"),
        reason=text(data, "reason"),
        **who(ctx, data),
    )
    return json_response(done.to_json(), 201)


def report(ctx: Ctx) -> Response:
    """A report's file: ``restricted`` (only to the roles that may read it), ``public`` or
    ``summary``, as ``md``, ``html``, ``pdf`` or ``docx``, in the ``?role=`` named; made
    and recorded on the audit trail as the reports screen does, always as an attachment.
    Its SHA-256 is in the ``X-Report-SHA256`` header."""
    return report_response(ctx, shown=False)


_FIELDS = schema(
    ["kind", "description", "obtained_how", "obtained_on"],
    kind="text",
    description="text",
    obtained_how="text",
    obtained_on={"type": "string", "format": "date"},
    agency="text",
)
_FILE = {"type": "string", "contentMediaType": "application/octet-stream"}
_UPLOAD = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {**_FIELDS, "properties": {**_FIELDS["properties"], "file": _FILE}}
        },
        "application/json": {"schema": _FIELDS},
    },
}

#: The media types an operation's success answers in, beside JSON (by operationId).
RESPONSE_TYPES = {"report": list(REPORT_TYPES.values())}

_ITEM = f"{CASE}/evidence/{{ref}}"

#: (path, method, handler, summary, request body schema) of the evidence operations.
EVIDENCE_OPERATIONS: list[Operation] = [
    (f"{CASE}/evidence", "get", evidence, "Evidence register", None),
    (f"{CASE}/evidence", "post", add_evidence, "Upload an evidence item", _UPLOAD),
    (_ITEM, "get", item, "An item's versions and chain of custody", None),
    (
        f"{_ITEM}/protect",
        "post",
        protect,
        "Mark an item as protected material",
        schema(["reason"], reason="text"),
    ),
    (
        f"{_ITEM}/disclosures",
        "post",
        disclose,
        "Approve a disclosure of protected material",
        schema(
            ["ground", "requested_by", "recipient", "reason"],
            ground="text",
            requested_by="text",
            recipient="text",
            reason="text",
        ),
    ),
    (
        f"{CASE}/disclosures",
        "get",
        listing(_protection, "disclosures", "The approved disclosures of protected material."),
        "Disclosures",
        None,
    ),
    (f"{CASE}/reports/{{audience}}.{{fmt}}", "get", report, "Download a report", None),
]
