"""The JSON API over a case's records: the lists the screens show and the writes their
forms make, through the same services (``Casebook``, ``Analysis``, ``SafetyBook``).

Each write takes a JSON object naming the ``role`` to act in; the service authorises
and audits it exactly as for the screens and the command line.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.responses import JSONResponse, Response

from aaib_cp.exceptions import InputError
from aaib_cp.web.analysis import _analysis
from aaib_cp.web.context import Ctx
from aaib_cp.web.outcomes import _safety
from aaib_cp.web.records import _casebook

__all__ = ["RECORD_OPERATIONS", "body", "json_response", "optional_text"]


def json_response(data: Any, status_code: int = 200) -> JSONResponse:
    """``data`` as JSON (dates and the like as text)."""
    return JSONResponse(json.loads(json.dumps(data, default=str)), status_code=status_code)


def body(ctx: Ctx) -> dict[str, Any]:
    """The request's JSON object; InputError in one line when it is not one."""
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


def _text(data: dict[str, Any], name: str) -> str:
    value = optional_text(data, name)
    if value is None or not value.strip():
        raise InputError(f"{name}: must not be empty")
    return value


def _texts(data: dict[str, Any], name: str) -> list[str]:
    value = data.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{name}: expected a list of text")
    return [v.strip() for v in value if v.strip()]


def _flag(data: dict[str, Any], name: str) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise InputError(f"{name}: expected true or false")
    return value


def _who(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    return {"actor": ctx.me, "role": _text(data, "role")}


def _listing(service: Callable[[Ctx], Any], method: str, doc: str) -> Callable[[Ctx], Response]:
    """A handler listing the case's records as ``service(ctx).method(case_id)`` gives them."""

    def handler(ctx: Ctx) -> Response:
        case = ctx.case()
        return json_response([r.to_json() for r in getattr(service(ctx), method)(case.id)])

    handler.__name__ = f"list_{method}"
    handler.__doc__ = doc
    return handler


def chronology(ctx: Ctx) -> Response:
    """The integrated chronology: entries in order, gaps in contact with the child, the
    agencies (as ``aaib chronology show --json``)."""
    case = ctx.case()
    return json_response(_casebook(ctx).chronology(case.id).to_json())


def consultation(ctx: Ctx) -> Response:
    """The parties the draft report went to, and their representations."""
    case = ctx.case()
    book = _safety(ctx)
    return json_response(
        {
            "parties": [p.to_json() for p in book.parties(case.id)],
            "representations": [r.to_json() for r in book.representations(case.id)],
        }
    )


def add_entry(ctx: Ctx) -> Response:
    """Add a chronology entry (``people`` are pseudonyms; ``evidence`` an item such as E1)."""
    case, data = ctx.case(), body(ctx)
    entry = _casebook(ctx).add_entry(
        case.id,
        when=_text(data, "when"),
        agency=_text(data, "agency"),
        what=_text(data, "what"),
        people=_texts(data, "people"),
        evidence=optional_text(data, "evidence"),
        key_episode=_flag(data, "key_episode"),
        **_who(ctx, data),
    )
    return json_response(entry.to_json(), 201)


def add_act(ctx: Ctx) -> Response:
    """Record an act or omission of concern (``kind`` act or omission)."""
    case, data = ctx.case(), body(ctx)
    act = _analysis(ctx).add_act(
        case.id,
        person=_text(data, "person"),
        when=_text(data, "when"),
        description=_text(data, "description"),
        kind=optional_text(data, "kind") or "act",
        chronology=_texts(data, "chronology"),
        evidence=_texts(data, "evidence"),
        **_who(ctx, data),
    )
    return json_response(act.to_json(), 201)


def add_factor(ctx: Ctx) -> Response:
    """Record a contributory factor (an HFACS-CP code) against one or more acts."""
    case, data = ctx.case(), body(ctx)
    factor = _analysis(ctx).add_factor(
        case.id,
        code=_text(data, "code"),
        acts=_texts(data, "acts"),
        evidence=_texts(data, "evidence"),
        note=_text(data, "note"),
        **_who(ctx, data),
    )
    return json_response(factor.to_json(), 201)


def add_finding(ctx: Ctx) -> Response:
    """Record a finding (causal, contributory or other) from acts, factors and evidence."""
    case, data = ctx.case(), body(ctx)
    finding = _analysis(ctx).add_finding(
        case.id,
        kind=_text(data, "kind"),
        text=_text(data, "text"),
        acts=_texts(data, "acts"),
        factors=_texts(data, "factors"),
        evidence=_texts(data, "evidence"),
        **_who(ctx, data),
    )
    return json_response(finding.to_json(), 201)


def respond(ctx: Ctx) -> Response:
    """Record the addressee's response to an issued recommendation (``received_on``
    YYYY-MM-DD, today if absent); the recommendation with its responses."""
    case, data = ctx.case(), body(ctx)
    rec = _safety(ctx).respond(
        case.id,
        ctx.request.path_params["ref"],
        text=_text(data, "text"),
        received_on=optional_text(data, "received_on"),
        **_who(ctx, data),
    )
    return json_response(rec.to_json(), 201)


def add_recommendation(ctx: Ctx) -> Response:
    """Draft a safety recommendation (``issue`` true issues it at once, where allowed)."""
    case, data = ctx.case(), body(ctx)
    rec = _safety(ctx).add_recommendation(
        case.id,
        text=_text(data, "text"),
        to_agency=optional_text(data, "to_agency"),
        to=optional_text(data, "to"),
        priority=optional_text(data, "priority") or "normal",
        findings=_texts(data, "findings"),
        issue=_flag(data, "issue"),
        **_who(ctx, data),
    )
    return json_response(rec.to_json(), 201)


def issue_recommendation(ctx: Ctx) -> Response:
    """Issue a drafted recommendation now (an urgent one before the final report)."""
    case, data = ctx.case(), body(ctx)
    ref = ctx.request.path_params["ref"]
    rec = _safety(ctx).issue_recommendation(case.id, ref, **_who(ctx, data))
    return json_response(rec.to_json())


def assess(ctx: Ctx) -> Response:
    """Assess the latest response (a grade and why; ``close`` true closes it)."""
    case, data = ctx.case(), body(ctx)
    rec = _safety(ctx).assess(
        case.id,
        ctx.request.path_params["ref"],
        grade=_text(data, "grade"),
        text=_text(data, "text"),
        close=_flag(data, "close"),
        **_who(ctx, data),
    )
    return json_response(rec.to_json())


def send_draft(ctx: Ctx) -> Response:
    """Send the draft report to the parties for their representations."""
    case, data = ctx.case(), body(ctx)
    sent = _safety(ctx).send_draft(case.id, _texts(data, "parties"), **_who(ctx, data))
    return json_response([p.to_json() for p in sent], 201)


def represent(ctx: Ctx) -> Response:
    """Record a party's representation (or ``none``), citing a draft ``paragraph``."""
    case, data = ctx.case(), body(ctx)
    made = _safety(ctx).represent(
        case.id,
        _text(data, "party"),
        text=optional_text(data, "text"),
        none=_flag(data, "none"),
        paragraph=optional_text(data, "paragraph"),
        **_who(ctx, data),
    )
    return json_response(made.to_json(), 201)


def dispose(ctx: Ctx) -> Response:
    """Decide on a representation (accepted, partly accepted, rejected, noted)."""
    case, data = ctx.case(), body(ctx)
    done = _safety(ctx).dispose(
        case.id,
        ctx.request.path_params["ref"],
        disposition=_text(data, "disposition"),
        reason=optional_text(data, "reason"),
        **_who(ctx, data),
    )
    return json_response(done.to_json())


def _schema(required: list[str], **properties: str) -> dict[str, Any]:
    kinds = {"text": {"type": "string"}, "list": {"type": "array", "items": {"type": "string"}}}
    kinds["flag"] = {"type": "boolean"}
    return {
        "type": "object",
        "required": ["role", *required],
        "properties": {"role": {"type": "string"}, **{k: kinds[v] for k, v in properties.items()}},
    }


_CASE = "/api/cases/{case_id}"

#: (path, method, handler, summary, request body schema) of the records' operations.
RECORD_OPERATIONS: list[tuple[str, str, Callable[[Ctx], Response], str, dict[str, Any] | None]] = [
    (f"{_CASE}/agencies", "get", _listing(_casebook, "agencies", "Agencies."), "Agencies", None),
    (
        f"{_CASE}/people",
        "get",
        _listing(_casebook, "people", "The people, by pseudonym only (no real name)."),
        "People (pseudonyms)",
        None,
    ),
    (
        f"{_CASE}/evidence",
        "get",
        _listing(_casebook, "evidence", "The evidence register, each item with its SHA-256."),
        "Evidence register",
        None,
    ),
    (f"{_CASE}/chronology", "get", chronology, "The chronology", None),
    (
        f"{_CASE}/chronology",
        "post",
        add_entry,
        "Add a chronology entry",
        _schema(
            ["when", "agency", "what"],
            when="text",
            agency="text",
            what="text",
            people="list",
            evidence="text",
            key_episode="flag",
        ),
    ),
    (f"{_CASE}/acts", "get", _listing(_analysis, "acts", "Acts of concern."), "Acts", None),
    (
        f"{_CASE}/acts",
        "post",
        add_act,
        "Record an act or omission",
        _schema(
            ["person", "when", "description"],
            person="text",
            when="text",
            description="text",
            kind="text",
            chronology="list",
            evidence="list",
        ),
    ),
    (
        f"{_CASE}/factors",
        "get",
        _listing(_analysis, "factors", "Contributory factors."),
        "Contributory factors",
        None,
    ),
    (
        f"{_CASE}/factors",
        "post",
        add_factor,
        "Record a contributory factor",
        _schema(["code", "acts", "note"], code="text", acts="list", evidence="list", note="text"),
    ),
    (f"{_CASE}/findings", "get", _listing(_analysis, "findings", "Findings."), "Findings", None),
    (
        f"{_CASE}/findings",
        "post",
        add_finding,
        "Record a finding",
        _schema(
            ["kind", "text"], kind="text", text="text", acts="list", factors="list", evidence="list"
        ),
    ),
    (
        f"{_CASE}/recommendations",
        "get",
        _listing(_safety, "recommendations", "Safety recommendations with their responses."),
        "Recommendations",
        None,
    ),
    (
        f"{_CASE}/recommendations",
        "post",
        add_recommendation,
        "Draft a safety recommendation",
        _schema(
            ["text"],
            text="text",
            to_agency="text",
            to="text",
            priority="text",
            findings="list",
            issue="flag",
        ),
    ),
    (
        f"{_CASE}/recommendations/{{ref}}/issue",
        "post",
        issue_recommendation,
        "Issue a recommendation now",
        _schema([]),
    ),
    (
        f"{_CASE}/recommendations/{{ref}}/responses",
        "post",
        respond,
        "Record a response to a recommendation",
        _schema(["text"], text="text", received_on="text"),
    ),
    (
        f"{_CASE}/recommendations/{{ref}}/assessments",
        "post",
        assess,
        "Assess the latest response",
        _schema(["grade", "text"], grade="text", text="text", close="flag"),
    ),
    (f"{_CASE}/consultation", "get", consultation, "Consultation on the draft", None),
    (
        f"{_CASE}/consultation/parties",
        "post",
        send_draft,
        "Send the draft to the parties",
        _schema(["parties"], parties="list"),
    ),
    (
        f"{_CASE}/consultation/representations",
        "post",
        represent,
        "Record a representation",
        _schema(["party"], party="text", text="text", none="flag", paragraph="text"),
    ),
    (
        f"{_CASE}/consultation/representations/{{ref}}/disposition",
        "post",
        dispose,
        "Decide on a representation",
        _schema(["disposition"], disposition="text", reason="text"),
    ),
]
