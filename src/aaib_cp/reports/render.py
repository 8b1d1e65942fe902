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
import functools
import re
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from aaib_cp.exceptions import InputError
from aaib_cp.reports.model import CATEGORIES, FINDING_KINDS, ReportData

__all__ = [
    "AUDIENCES",
    "CATEGORY_LABELS",
    "FORMATS",
    "markdown_escape",
    "published_only",
    "render",
]

AUDIENCES = ("restricted", "public", "summary")
FORMATS = ("md", "html")
#: How the public outputs name the just-culture categories they count.
CATEGORY_LABELS: Mapping[str, str] = {
    "honest_error": "Honest error or system-induced: look at the system",
    "at_risk": "At-risk behaviour: coaching and system change",
    "wrongdoing": "Referred outside the safety investigation",
}
RESTRICTED_MARK = "RESTRICTED — contains real names and just-culture classifications"
DRAFT_MARK = "DRAFT — not final; do not circulate or rely on it"
_IMAGE_KEYS = frozenset({"timeline_src", "workflow_src"})


def published_only(public_states: Sequence[str]) -> str:
    """Why a public output is refused: when public outputs exist (none, without states)."""
    if not public_states:
        return "public outputs exist only in the workflow's published phase, and it has none"
    return f"public outputs exist only from {public_states[0]} on ({', '.join(public_states)})"


def _identity(text: str) -> str:
    return text


def _no_check(_text: str) -> None:
    return None


def render(
    data: ReportData,
    *,
    audience: str,
    fmt: str,
    public_states: Collection[str] = (),
    redact: Callable[[str], str] | None = None,
    check: Callable[[str], None] | None = None,
) -> str:
    """Render ``data`` for ``audience`` (restricted, public, summary) as ``fmt`` (md, html).

    Public and summary outputs exist only when the case is in one of ``public_states``,
    the states of its workflow's ``published`` phase
    (``definition.phase_states("published")``); otherwise :class:`InputError`.
    ``redact`` is applied to every text of the public view, ``check`` to the whole
    public or summary output (it raises to refuse it); both default to doing nothing.
    When ``data.draft`` is true, every output is marked DRAFT.
    """
    if audience not in AUDIENCES:
        raise InputError(
            f"report audience: expected one of {', '.join(AUDIENCES)} (got {audience!r})"
        )
    if fmt not in FORMATS:
        raise InputError(f"report format: expected one of {', '.join(FORMATS)} (got {fmt!r})")
    if not isinstance(data, ReportData):
        raise InputError(f"report data: expected ReportData (got {type(data).__name__})")
    restricted = audience == "restricted"
    if not restricted and data.case.state not in public_states:
        raise InputError(
            f"{audience} report: {published_only(tuple(public_states))}; "
            f"{data.case.reference} is in {data.case.state!r}"
        )
    if restricted:
        view = _restricted_view(data)
    else:
        # The same text (agency names, dates, roles) recurs across thousands of rows:
        # redact each distinct text once.
        view = _redacted(_public_view(data), functools.lru_cache(maxsize=None)(redact or _identity))
    view["audience"] = audience
    view["restricted_mark"] = RESTRICTED_MARK
    view["draft_mark"] = DRAFT_MARK
    template = "summary" if audience == "summary" else "full"
    text = _environment(fmt).get_template(f"{template}.{fmt}.j2").render(**view)
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    if not restricted:
        (check or _no_check)(text)
    return text


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
    workflow_src = _data_uri("image/svg+xml", data.workflow_svg) or _data_uri(
        "image/png", data.workflow_png
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
        "classification_counts": [
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
        "timeline_src": _data_uri("image/png", data.timeline_png),
        "workflow_src": workflow_src,
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
        entry["evidence_refs"] = [r for r in entry["evidence_refs"] if r not in protected]
    view["classifications"] = []
    return view


def _redacted(value: Any, redact: Callable[[str], str], key: str | None = None) -> Any:
    """``value`` with ``redact`` applied to every text in it (pictures excepted)."""
    if key in _IMAGE_KEYS:
        return value
    if isinstance(value, str):
        result = redact(value)
        if not isinstance(result, str):
            raise InputError(f"redact: must return text (got {type(result).__name__})")
        return result
    if isinstance(value, Mapping):
        return {k: _redacted(v, redact, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(v, redact) for v in value]
    return value


# -- templates ------------------------------------------------------------------------------


class Raw(str):
    """Markdown that is already safe (built by a filter); the finaliser leaves it alone."""


_MD_INLINE = re.compile(r"([\\`*_{}\[\]()#|~!])")
_MD_LINE_START = re.compile(r"^([ \t]*)([-+=>]|\d+[.)])", re.M)


def markdown_escape(text: object) -> str:
    """Free text made inert in Markdown: no markup, no raw HTML, no block structure."""
    s = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _MD_INLINE.sub(r"\\\1", s)
    s = _MD_LINE_START.sub(lambda m: "\\" + m.group(2), s)
    return s


def _md_finalize(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Raw):
        return value
    return markdown_escape(value)


def _md_cell(value: Any) -> Raw:
    """A Markdown table cell: escaped, line breaks as <br>."""
    if value is None or value == "":
        return Raw("—")
    return Raw(markdown_escape(value).replace("\r\n", "\n").replace("\n", "<br>"))


def _md_para(value: Any) -> Raw:
    """A Markdown paragraph: escaped, blank lines kept as paragraph breaks."""
    return Raw(markdown_escape("" if value is None else value))


def _html_finalize(value: Any) -> Any:
    return "" if value is None else value


def _words(value: Any) -> str:
    """``honest_error`` -> ``honest error``."""
    return str(value).replace("_", " ")


_ENVIRONMENTS: dict[str, Any] = {}


def _environment(fmt: str) -> Any:
    env = _ENVIRONMENTS.get(fmt)
    if env is None:
        import jinja2

        loader = jinja2.PackageLoader("aaib_cp.reports", "templates")
        if fmt == "html":
            env = jinja2.Environment(
                loader=loader,
                autoescape=True,
                finalize=_html_finalize,
                undefined=jinja2.StrictUndefined,
                trim_blocks=True,
                lstrip_blocks=True,
            )
        else:
            env = jinja2.Environment(
                loader=loader,
                autoescape=False,
                finalize=_md_finalize,
                undefined=jinja2.StrictUndefined,
                trim_blocks=True,
                lstrip_blocks=True,
            )
            env.filters["cell"] = _md_cell
            env.filters["raw"] = Raw
            env.filters["para"] = _md_para
        env.filters["words"] = _words
        _ENVIRONMENTS[fmt] = env
    return env
