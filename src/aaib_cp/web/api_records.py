"""The JSON API over a case's records: the lists the screens show and the writes their
forms make, through the same services (``Casebook``, ``Analysis``, ``SafetyBook``).

Each write takes a JSON object naming the ``role`` to act in; the service authorises
and audits it exactly as for the screens and the command line.
"""

from __future__ import annotations

from starlette.responses import Response

from aaib_cp.web.analysis import _analysis
from aaib_cp.web.api_support import (
    CASE,
    Operation,
    body,
    flag,
    json_response,
    listing,
    optional_text,
    schema,
    text,
    texts,
    who,
)
from aaib_cp.web.context import Ctx
from aaib_cp.web.outcomes import _safety
from aaib_cp.web.records import _casebook

__all__ = ["RECORD_OPERATIONS"]


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
        when=text(data, "when"),
        agency=text(data, "agency"),
        what=text(data, "what"),
        people=texts(data, "people"),
        evidence=optional_text(data, "evidence"),
        key_episode=flag(data, "key_episode"),
        **who(ctx, data),
    )
    return json_response(entry.to_json(), 201)


def add_act(ctx: Ctx) -> Response:
    """Record an act or omission of concern (``kind`` act or omission)."""
    case, data = ctx.case(), body(ctx)
    act = _analysis(ctx).add_act(
        case.id,
        person=text(data, "person"),
        when=text(data, "when"),
        description=text(data, "description"),
        kind=optional_text(data, "kind") or "act",
        chronology=texts(data, "chronology"),
        evidence=texts(data, "evidence"),
        **who(ctx, data),
    )
    return json_response(act.to_json(), 201)


def add_factor(ctx: Ctx) -> Response:
    """Record a contributory factor (an HFACS-CP code) against one or more acts."""
    case, data = ctx.case(), body(ctx)
    factor = _analysis(ctx).add_factor(
        case.id,
        code=text(data, "code"),
        acts=texts(data, "acts"),
        evidence=texts(data, "evidence"),
        note=text(data, "note"),
        **who(ctx, data),
    )
    return json_response(factor.to_json(), 201)


def add_finding(ctx: Ctx) -> Response:
    """Record a finding (causal, contributory or other) from acts, factors and evidence."""
    case, data = ctx.case(), body(ctx)
    finding = _analysis(ctx).add_finding(
        case.id,
        kind=text(data, "kind"),
        text=text(data, "text"),
        acts=texts(data, "acts"),
        factors=texts(data, "factors"),
        evidence=texts(data, "evidence"),
        **who(ctx, data),
    )
    return json_response(finding.to_json(), 201)


def respond(ctx: Ctx) -> Response:
    """Record the addressee's response to an issued recommendation (``received_on``
    YYYY-MM-DD, today if absent); the recommendation with its responses."""
    case, data = ctx.case(), body(ctx)
    rec = _safety(ctx).respond(
        case.id,
        ctx.request.path_params["ref"],
        text=text(data, "text"),
        received_on=optional_text(data, "received_on"),
        **who(ctx, data),
    )
    return json_response(rec.to_json(), 201)


def add_recommendation(ctx: Ctx) -> Response:
    """Draft a safety recommendation (``issue`` true issues it at once, where allowed)."""
    case, data = ctx.case(), body(ctx)
    rec = _safety(ctx).add_recommendation(
        case.id,
        text=text(data, "text"),
        to_agency=optional_text(data, "to_agency"),
        to=optional_text(data, "to"),
        priority=optional_text(data, "priority") or "normal",
        findings=texts(data, "findings"),
        issue=flag(data, "issue"),
        **who(ctx, data),
    )
    return json_response(rec.to_json(), 201)


def issue_recommendation(ctx: Ctx) -> Response:
    """Issue a drafted recommendation now (an urgent one before the final report)."""
    case, data = ctx.case(), body(ctx)
    ref = ctx.request.path_params["ref"]
    rec = _safety(ctx).issue_recommendation(case.id, ref, **who(ctx, data))
    return json_response(rec.to_json())


def assess(ctx: Ctx) -> Response:
    """Assess the latest response (a grade and why; ``close`` true closes it)."""
    case, data = ctx.case(), body(ctx)
    rec = _safety(ctx).assess(
        case.id,
        ctx.request.path_params["ref"],
        grade=text(data, "grade"),
        text=text(data, "text"),
        close=flag(data, "close"),
        **who(ctx, data),
    )
    return json_response(rec.to_json())


def send_draft(ctx: Ctx) -> Response:
    """Send the draft report to the parties for their representations."""
    case, data = ctx.case(), body(ctx)
    sent = _safety(ctx).send_draft(case.id, texts(data, "parties"), **who(ctx, data))
    return json_response([p.to_json() for p in sent], 201)


def represent(ctx: Ctx) -> Response:
    """Record a party's representation (or ``none``), citing a draft ``paragraph``."""
    case, data = ctx.case(), body(ctx)
    made = _safety(ctx).represent(
        case.id,
        text(data, "party"),
        text=optional_text(data, "text"),
        none=flag(data, "none"),
        paragraph=optional_text(data, "paragraph"),
        **who(ctx, data),
    )
    return json_response(made.to_json(), 201)


def add_feedback(ctx: Ctx) -> Response:
    """Record a session where staff heard the outcome (``held_on`` YYYY-MM-DD, the
    ``attendees`` by name, ``audience`` staff unless said); the case closes only after one."""
    case, data = ctx.case(), body(ctx)
    session = _safety(ctx).add_feedback(
        case.id,
        held_on=text(data, "held_on"),
        attendees=texts(data, "attendees"),
        audience=optional_text(data, "audience") or "staff",
        **who(ctx, data),
    )
    return json_response(session.to_json(), 201)


def dispose(ctx: Ctx) -> Response:
    """Decide on a representation (accepted, partly accepted, rejected, noted)."""
    case, data = ctx.case(), body(ctx)
    done = _safety(ctx).dispose(
        case.id,
        ctx.request.path_params["ref"],
        disposition=text(data, "disposition"),
        reason=optional_text(data, "reason"),
        **who(ctx, data),
    )
    return json_response(done.to_json())


#: (path, method, handler, summary, request body schema) of the records' operations.
RECORD_OPERATIONS: list[Operation] = [
    (f"{CASE}/agencies", "get", listing(_casebook, "agencies", "Agencies."), "Agencies", None),
    (
        f"{CASE}/people",
        "get",
        listing(_casebook, "people", "The people, by pseudonym only (no real name)."),
        "People (pseudonyms)",
        None,
    ),
    (f"{CASE}/chronology", "get", chronology, "The chronology", None),
    (
        f"{CASE}/chronology",
        "post",
        add_entry,
        "Add a chronology entry",
        schema(
            ["when", "agency", "what"],
            when="text",
            agency="text",
            what="text",
            people="list",
            evidence="text",
            key_episode="flag",
        ),
    ),
    (f"{CASE}/acts", "get", listing(_analysis, "acts", "Acts of concern."), "Acts", None),
    (
        f"{CASE}/acts",
        "post",
        add_act,
        "Record an act or omission",
        schema(
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
        f"{CASE}/factors",
        "get",
        listing(_analysis, "factors", "Contributory factors."),
        "Contributory factors",
        None,
    ),
    (
        f"{CASE}/factors",
        "post",
        add_factor,
        "Record a contributory factor",
        schema(["code", "acts", "note"], code="text", acts="list", evidence="list", note="text"),
    ),
    (f"{CASE}/findings", "get", listing(_analysis, "findings", "Findings."), "Findings", None),
    (
        f"{CASE}/findings",
        "post",
        add_finding,
        "Record a finding",
        schema(
            ["kind", "text"], kind="text", text="text", acts="list", factors="list", evidence="list"
        ),
    ),
    (
        f"{CASE}/recommendations",
        "get",
        listing(_safety, "recommendations", "Safety recommendations with their responses."),
        "Recommendations",
        None,
    ),
    (
        f"{CASE}/recommendations",
        "post",
        add_recommendation,
        "Draft a safety recommendation",
        schema(
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
        f"{CASE}/recommendations/{{ref}}/issue",
        "post",
        issue_recommendation,
        "Issue a recommendation now",
        schema([]),
    ),
    (
        f"{CASE}/recommendations/{{ref}}/responses",
        "post",
        respond,
        "Record a response to a recommendation",
        schema(["text"], text="text", received_on="text"),
    ),
    (
        f"{CASE}/recommendations/{{ref}}/assessments",
        "post",
        assess,
        "Assess the latest response",
        schema(["grade", "text"], grade="text", text="text", close="flag"),
    ),
    (f"{CASE}/consultation", "get", consultation, "Consultation on the draft", None),
    (
        f"{CASE}/consultation/parties",
        "post",
        send_draft,
        "Send the draft to the parties",
        schema(["parties"], parties="list"),
    ),
    (
        f"{CASE}/consultation/representations",
        "post",
        represent,
        "Record a representation",
        schema(["party"], party="text", text="text", none="flag", paragraph="text"),
    ),
    (
        f"{CASE}/consultation/representations/{{ref}}/disposition",
        "post",
        dispose,
        "Decide on a representation",
        schema(["disposition"], disposition="text", reason="text"),
    ),
    (
        f"{CASE}/feedback",
        "get",
        listing(_safety, "feedback", "The feedback sessions held, as aaib feedback list --json."),
        "Feedback sessions",
        None,
    ),
    (
        f"{CASE}/feedback",
        "post",
        add_feedback,
        "Record a feedback session",
        schema(["held_on", "attendees"], held_on="text", attendees="list", audience="text"),
    ),
]
