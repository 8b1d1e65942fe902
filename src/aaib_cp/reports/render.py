"""Render a :class:`~aaib_cp.reports.model.ReportData` as Markdown or self-contained HTML.

Three audiences:

``restricted``
    The full report for the investigation team: real names, dates of birth,
    addresses, and every just-culture classification with the answers behind it.
    Marked RESTRICTED at the top and bottom.
``public``
    The full narrative, findings and recommendations; everyone under their
    pseudonym; classifications only as counts per category; protected evidence left
    out entirely.
``summary``
    The executive summary: what happened, why, the recommendations and the status
    of the responses. Built from the same public view as ``public``.

Public and summary outputs are built from a *public view* that never holds a
restricted field, so no template can show one by mistake; every text in that view
goes through ``redact`` and the whole output through ``check`` (the integration
passes the anonymiser's). Templates live in ``aaib_cp/reports/templates``.
"""

from __future__ import annotations

import base64
import re
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from aaib_cp.exceptions import InputError
from aaib_cp.reports.anonymise import Anonymiser
from aaib_cp.reports.blocks import DRAFT_MARK, Document, Heading, Para, Table
from aaib_cp.reports.document import outline, summary_outline
from aaib_cp.reports.figures import process_svg
from aaib_cp.reports.model import CATEGORIES, FINDING_KINDS, Factor, ReportData
from aaib_cp.reports.templating import environment, markdown_escape
from aaib_cp.reports.visible import visible_text

__all__ = [
    "AUDIENCES",
    "CATEGORY_LABELS",
    "FORMATS",
    "MARKINGS",
    "MEDIA",
    "SMALL_COUNTS",
    "TEXT_FORMATS",
    "document_for",
    "markdown_escape",
    "published_only",
    "render",
    "render_document",
    "report_id",
    "visible_text",
]

AUDIENCES = ("restricted", "public", "summary")
FORMATS = ("md", "html", "pdf", "docx")
TEXT_FORMATS = ("md", "html")
#: What an HTML output is for: a screen, or printing as the PDF (the chronology one
#: paragraph per entry instead of a table row of five cells).
MEDIA = ("screen", "print")
#: How the public outputs name the just-culture categories they count.
CATEGORY_LABELS: Mapping[str, str] = {
    "honest_error": "Honest error or system-induced: look at the system",
    "at_risk": "At-risk behaviour: coaching and system change",
    "wrongdoing": "Referred outside the safety investigation",
}
#: The protective marking of each audience (UK Government Security Classifications).
MARKINGS: Mapping[str, str] = {
    "restricted": "OFFICIAL-SENSITIVE",
    "public": "OFFICIAL",
    "summary": "OFFICIAL",
}
RESTRICTED_MARK = "contains real names and just-culture classifications"
#: Counts below this are published as "fewer than N" (statistical disclosure control).
SMALL_COUNTS = 3
_IMAGE_KEYS = frozenset({"timeline_src", "workflow_src", "process_src"})
_CONDUCT = re.compile(r"violation|error", re.I)


def published_only(public_states: Sequence[str]) -> str:
    """Why a public output is refused: when public outputs exist (none, without states)."""
    if not public_states:
        return "public outputs exist only in the workflow's published phase, and it has none"
    return f"public outputs exist only from {public_states[0]} on ({', '.join(public_states)})"


def _identity(text: str) -> str:
    return text


def _no_check(_text: str) -> None:
    return None


def report_id(data: ReportData, audience: str) -> str:
    """The report's identifier: ``CP-2026-0001-P`` (public), ``-R`` restricted, ``-S``."""
    return f"{data.case.reference}-{audience[0].upper()}" + ("-DRAFT" if data.draft else "")


def document_for(
    data: ReportData,
    *,
    audience: str,
    public_states: Collection[str] = (),
    redact: Callable[[str], str] | None = None,
    marking: str | None = None,
    small_counts: int = SMALL_COUNTS,
) -> Document:
    """The numbered :class:`~aaib_cp.reports.document.Document` ``audience`` may see.

    Public and summary documents exist only when the case is in one of
    ``public_states``; every text of their view goes through ``redact``.
    """
    if audience not in AUDIENCES:
        raise InputError(
            f"report audience: expected one of {', '.join(AUDIENCES)} (got {audience!r})"
        )
    if not isinstance(data, ReportData):
        raise InputError(f"report data: expected ReportData (got {type(data).__name__})")
    if isinstance(small_counts, bool) or not isinstance(small_counts, int) or small_counts < 1:
        raise InputError(f"small counts: expected a whole number, 1 or more (got {small_counts!r})")
    restricted = audience == "restricted"
    if not restricted and data.case.state not in public_states:
        raise InputError(
            f"{audience} report: {published_only(tuple(public_states))}; "
            f"{data.case.reference} is in {data.case.state!r}"
        )
    if restricted:
        view = _restricted_view(data)
    else:
        view = _public_view(data)
        view = _redacted(view, _redactions(view, redact or _identity))
    view["audience"] = audience
    view["report_id"] = report_id(data, audience)
    view["marking"] = _marking(marking, audience)
    view["marking_note"] = RESTRICTED_MARK if restricted else ""
    document = outline(view, small_counts=small_counts)
    return summary_outline(document) if audience == "summary" else document


def _marking(marking: str | None, audience: str) -> str:
    """The protective marking: the audience's default, or one line of text given."""
    if marking is None:
        return MARKINGS[audience]
    text = marking.strip() if isinstance(marking, str) else ""
    if not text or len(text) > 80 or any(ord(c) < 32 or c == "\x7f" for c in text):
        raise InputError(
            f"marking: expected one line of text, 1 to 80 characters (got {marking!r:.90})"
        )
    return text


def render(
    data: ReportData,
    *,
    audience: str,
    fmt: str,
    public_states: Collection[str] = (),
    redact: Callable[[str], str] | None = None,
    check: Callable[[str], None] | None = None,
    marking: str | None = None,
    small_counts: int = SMALL_COUNTS,
    medium: str = "screen",
) -> str:
    """Render ``data`` for ``audience`` (restricted, public, summary) as ``fmt`` (md, html).

    Public and summary outputs exist only when the case is in one of ``public_states``,
    the states of its workflow's ``published`` phase
    (``definition.phase_states("published")``); otherwise :class:`InputError`.
    ``redact`` is applied to every text of the public view, ``check`` to what a reader
    of the public or summary output sees (its text, and for HTML its attribute values;
    it raises to refuse it); both default to doing nothing. ``marking`` replaces the
    audience's protective marking (:data:`MARKINGS`). When ``data.draft`` is true, every
    output is marked DRAFT. ``medium="print"`` gives the HTML the PDF is printed from
    (:func:`render_document`). PDF and Word: :mod:`aaib_cp.reports.formats`.
    """
    if fmt not in TEXT_FORMATS:
        raise InputError(
            f"report format: expected one of {', '.join(TEXT_FORMATS)} (got {fmt!r}); "
            "PDF and Word come from aaib_cp.reports.formats"
        )
    document = document_for(
        data,
        audience=audience,
        public_states=public_states,
        redact=redact,
        marking=marking,
        small_counts=small_counts,
    )
    text = render_document(document, fmt, medium=medium)
    if audience != "restricted":
        (check or _no_check)(visible_text(text) if fmt == "html" else text)
    return text


def render_document(document: Document, fmt: str, *, medium: str = "screen") -> str:
    """A document as Markdown or self-contained HTML.

    ``medium="print"`` is the HTML the PDF is printed from: the same text, with the
    chronology (Table A.1) one paragraph per entry, "when · agency — what happened
    (people: ...; records: ...)", instead of a table row of five cells, which a printer
    lays out, draws and tags cell by cell. The screen HTML keeps its table.
    """
    if medium not in MEDIA:
        raise InputError(f"report medium: expected one of {', '.join(MEDIA)} (got {medium!r})")
    template = environment(fmt).get_template(f"document.{fmt}.j2")
    text = template.render(
        doc=document,
        draft_mark=DRAFT_MARK,
        Heading=Heading,
        Para=Para,
        Table=Table,
        for_print=medium == "print",
    )
    while "\n\n\n" in text:  # runs of blank lines as one (faster than a pattern on a long page)
        text = text.replace("\n\n\n", "\n\n")
    return text.strip() + "\n"


# -- views: what each audience may see ------------------------------------------------------


def _data_uri(mime: str, content: bytes | None) -> str | None:
    if not content:
        return None
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


def _common(data: ReportData) -> dict[str, Any]:
    """The parts every audience sees (before redaction)."""
    chronology = sorted(data.chronology, key=lambda e: e.sort_key)
    counts = Counter(c.category for c in data.classifications)
    grades = Counter(r.response_grade for r in data.recommendations)
    statuses = Counter(r.status for r in data.recommendations)
    process = _data_uri(
        "image/svg+xml",
        process_svg(data.process, title=f"The phases of the investigation of {data.case.reference}")
        if data.process
        else None,
    )
    return {
        "draft": data.draft,
        "case": data.case.to_json(),
        "agencies": [a.to_json() for a in data.agencies],
        "chronology": [
            {
                "when": e.when,
                "agency": e.agency,
                "people": list(e.people),
                "text": e.text,
                "key_practice_episode": e.key_practice_episode,
                "evidence_refs": list(e.evidence_refs),
            }
            for e in chronology
        ],
        "acts": [a.to_json() for a in data.acts],
        "factors": [f.to_json() for f in data.factors],
        "counts": [
            {"category": c, "label": CATEGORY_LABELS[c], "count": counts.get(c, 0)}
            for c in CATEGORIES
        ],
        "classification_total": len(data.classifications),
        "findings": {
            kind: [f.to_json() for f in data.findings if f.kind == kind] for kind in FINDING_KINDS
        },
        "recommendations": [r.to_json() for r in data.recommendations],
        "response_grades": sorted(grades.items()),
        "response_statuses": sorted(statuses.items()),
        "safety_actions": [s.to_json() for s in data.safety_actions],
        "consultation": None if data.consultation is None else data.consultation.to_json(),
        "feedback": [f.to_json() for f in data.feedback],
        "glossary": [g.to_json() for g in data.glossary],
        "process": [p.to_json() for p in data.process],
        "timeline_src": _data_uri("image/svg+xml", data.timeline_svg)
        or _data_uri("image/png", data.timeline_png),
        "process_src": process,
    }


def _restricted_view(data: ReportData) -> dict[str, Any]:
    view = _common(data)
    view["restricted"] = True
    view["people"] = [p.to_json() for p in data.people]
    ordered = sorted(data.chronology, key=lambda e: e.sort_key)
    for entry, source in zip(view["chronology"], ordered, strict=True):
        entry["people_real"] = list(source.people_real)
    # Protected material blocks every export: even the team's report withholds its content.
    view["evidence"] = [
        {**e.to_json(), "description": None} if e.protected else e.to_json() for e in data.evidence
    ]
    view["classifications"] = [c.to_json() for c in data.classifications]
    return view


def _public_view(data: ReportData) -> dict[str, Any]:
    """Safe space by construction: no real identifier, classification or factor-to-act link."""
    view = _common(data)
    view["restricted"] = False
    view["people"] = [
        {"pseudonym": p.pseudonym, "role": p.role, "agency": p.agency} for p in data.people
    ]
    protected = {e.ref for e in data.evidence if e.protected}
    view["evidence"] = [
        {"ref": e.ref, "kind": e.kind, "agency": e.agency, "description": e.description}
        for e in data.evidence
        if not e.protected
    ]
    for entry in view["chronology"]:
        if entry["evidence_refs"]:
            entry["evidence_refs"] = [r for r in entry["evidence_refs"] if r not in protected]
    view["factors"] = [_public_factor(f) for f in data.factors]
    view["classifications"] = []
    if view["consultation"] is not None:  # who said what, on which paragraph: the team's
        view["consultation"]["cited"] = []
    return view


def _public_factor(factor: Factor) -> dict[str, Any]:
    """A factor with no act linked; one that tells how a person acted keeps its level only."""
    conduct = factor.discloses_conduct or bool(_CONDUCT.search(f"{factor.code} {factor.label}"))
    if conduct:
        return {
            "code": "",
            "label": "",
            "level": factor.level,
            "description": "",
            "act_refs": [],
            "discloses_conduct": True,
        }
    return {
        "code": factor.code,
        "label": factor.label,
        "level": factor.level,
        "description": factor.description,
        "act_refs": [],
        "discloses_conduct": False,
    }


def _texts(value: Any, out: list[str], key: str | None = None) -> list[str]:
    """Every text of a view that :func:`_redacted` redacts, appended to ``out``.

    Plain dicts, lists and strings (all a view is made of) are told apart by their
    exact type first: a view of a long chronology holds some 70,000 values.
    """
    if key in _IMAGE_KEYS:
        return out
    kind = type(value)
    if kind is str:
        out.append(value)
    elif kind is dict:
        for k, v in value.items():
            if type(v) is str:
                if k not in _IMAGE_KEYS:
                    out.append(v)
            elif v and type(v) is not bool and type(v) is not int:  # None, [] and 0: no text
                _texts(v, out, k)
    elif kind is list:
        for v in value:
            if type(v) is str:
                out.append(v)
            else:
                _texts(v, out)
    elif isinstance(value, str):
        out.append(value)
    elif isinstance(value, Mapping):
        for k, v in value.items():
            _texts(v, out, k)
    elif isinstance(value, list | tuple):
        for v in value:
            _texts(v, out)
    return out


def _redactions(view: Mapping[str, Any], redact: Callable[[str], str]) -> dict[str, str]:
    """Each distinct text of ``view`` and its redaction (each checked to be text).

    The same text (agency names, dates, roles) recurs across thousands of rows: each
    distinct one is redacted once; an :class:`Anonymiser`'s ``redact`` scans them all
    together (:meth:`Anonymiser.redact_all`).
    """
    owner = getattr(redact, "__self__", None)
    if isinstance(owner, Anonymiser) and getattr(redact, "__func__", None) is Anonymiser.redact:
        redactions = owner.redact_all(_texts(view, []))
    else:
        redactions = {text: redact(text) for text in dict.fromkeys(_texts(view, []))}
    for result in redactions.values():
        if not isinstance(result, str):
            raise InputError(f"redact: must return text (got {type(result).__name__})")
    return redactions


def _redacted(value: Any, redact: Mapping[str, str], key: str | None = None) -> Any:
    """``value`` with every text in it replaced by its redaction (pictures excepted).

    ``redact`` maps each text of the view to its redaction (:func:`_redactions`). The
    view's own dicts and lists (built for this document by :func:`_public_view`) are
    changed in place where a text changes, as most texts hold no identifier.
    """
    if key in _IMAGE_KEYS:
        return value
    kind = type(value)
    if kind is str or isinstance(value, str):
        return redact[value]
    if kind is dict:
        for k, v in value.items():
            if type(v) is str:
                if k not in _IMAGE_KEYS and (new := redact[v]) is not v:
                    value[k] = new
            elif v and type(v) is not bool and type(v) is not int:  # None, [] and 0: no text
                value[k] = _redacted(v, redact, k)
        return value
    if kind is list:
        for i, v in enumerate(value):
            if type(v) is str:
                if (new := redact[v]) is not v:
                    value[i] = new
            else:
                value[i] = _redacted(v, redact)
        return value
    if isinstance(value, Mapping):
        return {k: _redacted(v, redact, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(v, redact) for v in value]
    return value
