"""The data a report is rendered from: frozen attrs records, no database access.

:class:`ReportData` holds everything any report may show. It is built by the caller
(the integration reads the store and fills it in); :func:`aaib_cp.reports.render`
decides per audience what is shown. Fields that only the restricted report may show
are marked *restricted* below: real names, dates of birth, addresses, just-culture
classifications and the answers behind them, and descriptions of protected evidence.

Every record has a named constructor ``from_mapping`` (plain JSON-ready data, as
produced by ``to_json``) that checks types and names the offending field on error;
pictures travel as base64 text in JSON.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

import attrs

from aaib_cp.analysis.decision_tree import CATEGORIES
from aaib_cp.exceptions import InputError

__all__ = [
    "CATEGORIES",
    "FINDING_KINDS",
    "Act",
    "Agency",
    "Answer",
    "CaseDetail",
    "CaseInfo",
    "ChronologyEntry",
    "Classification",
    "Consultation",
    "EvidenceSummary",
    "Factor",
    "FeedbackSession",
    "Finding",
    "GlossaryTerm",
    "KeyDate",
    "Person",
    "ProcessStep",
    "Recommendation",
    "ReportData",
    "SafetyAction",
]

#: Kinds of finding, in the order reports list them.
FINDING_KINDS: tuple[str, ...] = ("causal", "contributory", "other")

R = TypeVar("R", bound="_Record")


def _tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value)


def _pairs(value: Any) -> tuple[tuple[str, int], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    return tuple((str(k), int(v)) for k, v in items)


def _field(kind: str, *, default: Any = attrs.NOTHING, record: Any = None, choices: Any = None):
    """An attrs field described by ``kind`` (how to read it from JSON data)."""
    meta = {"kind": kind, "record": record, "choices": choices}
    converter = {"list": _tuple, "strs": _tuple, "pairs": _pairs}.get(kind)
    if converter is not None and default is attrs.NOTHING:
        default = ()
    return attrs.field(default=default, converter=converter, metadata=meta)


def _type_error(where: str, expected: str, value: Any) -> InputError:
    return InputError(f"{where}: expected {expected} (got {type(value).__name__} {value!r:.60})")


def _read(field: attrs.Attribute, value: Any, where: str) -> Any:
    kind, record, choices = (field.metadata[k] for k in ("kind", "record", "choices"))
    if value is None and kind in ("opt", "bytes", "record_opt"):
        return None
    if kind in ("str", "opt"):
        if not isinstance(value, str):
            raise _type_error(where, "text", value)
        if choices and value not in choices:
            raise InputError(f"{where}: expected one of {', '.join(choices)} (got {value!r})")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise _type_error(where, "true or false", value)
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _type_error(where, "a whole number, 0 or more", value)
        return value
    if kind == "strs":
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise _type_error(where, "a list of text", value)
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise _type_error(f"{where}[{i}]", "text", item)
        return tuple(value)
    if kind == "pairs":
        if not isinstance(value, Mapping):
            raise _type_error(where, "a mapping of text to counts", value)
        for k, v in value.items():
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise _type_error(f"{where}.{k}", "a whole number, 0 or more", v)
        return _pairs(value)
    if kind == "bytes":
        if isinstance(value, bytes):
            return value
        if not isinstance(value, str):
            raise _type_error(where, "base64 text", value)
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise InputError(f"{where}: expected base64 text (it does not decode)") from None
    if kind in ("record", "record_opt"):
        return record.from_mapping(value, where=where)
    if kind == "list":
        if isinstance(value, str | Mapping) or not isinstance(value, list | tuple):
            raise _type_error(where, "a list", value)
        return tuple(record.from_mapping(v, where=f"{where}[{i}]") for i, v in enumerate(value))
    raise AssertionError(kind)  # pragma: no cover


def _write(field: attrs.Attribute, value: Any) -> Any:
    kind = field.metadata["kind"]
    if value is None:
        return None
    if kind == "bytes":
        return base64.b64encode(value).decode("ascii")
    if kind in ("record", "record_opt"):
        return value.to_json()
    if kind == "list":
        return [v.to_json() for v in value]
    if kind == "strs":
        return list(value)
    if kind == "pairs":
        return dict(value)
    return value


class _Record:
    """Shared named constructor and JSON form for the report records."""

    __attrs_attrs__: ClassVar[Any]

    @classmethod
    def from_mapping(cls: type[R], data: Any, *, where: str | None = None) -> R:
        """Build the record from plain data, naming the field that is wrong, if any."""
        where = where or cls.__name__
        if not isinstance(data, Mapping):
            raise _type_error(where, "a mapping", data)
        fields = attrs.fields(cls)
        known = {f.name for f in fields}
        unknown = sorted(str(k) for k in data if k not in known)
        if unknown:
            expected = ", ".join(sorted(known))
            raise InputError(f"{where}: unknown field {unknown[0]!r} (expected one of {expected})")
        kwargs: dict[str, Any] = {}
        for f in fields:
            if f.name in data:
                kwargs[f.name] = _read(f, data[f.name], f"{where}.{f.name}")
            elif f.default is attrs.NOTHING:
                raise InputError(f"{where}: {f.name!r} is required")
        return cls(**kwargs)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready data (pictures as base64 text)."""
        return {f.name: _write(f, getattr(self, f.name)) for f in attrs.fields(type(self))}


@attrs.frozen
class KeyDate(_Record):
    """A dated milestone of the case (``date`` is display text, usually ISO)."""

    label: str = _field("str")
    date: str = _field("str")


@attrs.frozen
class CaseDetail(_Record):
    """A case field a report shows: on the title page or as a paragraph of section 1."""

    label: str = _field("str")
    value: str = _field("str")
    place: str = _field("str", default="title_page", choices=("title_page", "factual"))


@attrs.frozen
class GlossaryTerm(_Record):
    """A term of the report and what it means (from the taxonomy, the roles, the method)."""

    term: str = _field("str")
    meaning: str = _field("str")


@attrs.frozen
class ProcessStep(_Record):
    """One phase of the investigation, in plain words, and how far the case has come."""

    name: str = _field("str")
    description: str = _field("str")
    status: str = _field("str", default="to come", choices=("done", "current", "to come"))
    reached_on: str | None = _field("opt", default=None)


@attrs.frozen
class CaseInfo(_Record):
    """The case the report is about."""

    reference: str = _field("str")
    title: str = _field("str")
    workflow_name: str = _field("str")
    workflow_version: str = _field("str")
    state: str = _field("str")
    #: the case fields the workflow shows in reports (``report:`` in its field specs)
    details: tuple[CaseDetail, ...] = _field("list", record=CaseDetail)
    #: what happened, in a paragraph or two, written by the investigator
    synopsis: str | None = _field("opt", default=None)
    key_dates: tuple[KeyDate, ...] = _field("list", record=KeyDate)
    #: the date of the report (ISO); the title page shows it
    report_date: str | None = _field("opt", default=None)


@attrs.frozen
class Person(_Record):
    """Someone in the case. ``real_name``, ``date_of_birth`` and ``address`` are restricted."""

    pseudonym: str = _field("str")
    role: str = _field("str")
    agency: str | None = _field("opt", default=None)
    real_name: str | None = _field("opt", default=None)
    date_of_birth: str | None = _field("opt", default=None)
    address: str | None = _field("opt", default=None)


@attrs.frozen
class Agency(_Record):
    """An organisation involved (local authority, police, health, school, ...)."""

    name: str = _field("str")
    kind: str = _field("str")


@attrs.frozen
class ChronologyEntry(_Record):
    """One entry of the chronology; ``people_real`` (real names) is restricted.

    ``sort_key`` orders entries (ISO date-time text sorts correctly); ``when`` is shown.
    """

    when: str = _field("str")
    sort_key: str = _field("str")
    text: str = _field("str")
    agency: str | None = _field("opt", default=None)
    people: tuple[str, ...] = _field("strs")
    people_real: tuple[str, ...] = _field("strs")
    key_practice_episode: bool = _field("bool", default=False)
    evidence_refs: tuple[str, ...] = _field("strs")


@attrs.frozen
class EvidenceSummary(_Record):
    """An evidence item. A ``protected`` item is left out of every public output."""

    ref: str = _field("str")
    kind: str = _field("str")
    description: str = _field("str")
    agency: str | None = _field("opt", default=None)
    protected: bool = _field("bool", default=False)


@attrs.frozen
class Act(_Record):
    """An act or omission analysed one at a time; ``person`` is a pseudonym."""

    ref: str = _field("str")
    person: str = _field("str")
    description: str = _field("str")
    date: str | None = _field("opt", default=None)


@attrs.frozen
class Factor(_Record):
    """A contributory factor coded against the taxonomy."""

    code: str = _field("str")
    label: str = _field("str")
    level: str = _field("str")
    description: str = _field("str")
    act_refs: tuple[str, ...] = _field("strs")
    #: the code tells how a person acted (an error or a violation): public outputs show
    #: only its level, and never link a factor to an act or a person
    discloses_conduct: bool = _field("bool", default=False)


@attrs.frozen
class Answer(_Record):
    """One question of a just-culture decision tree, its answer and why (restricted)."""

    question: str = _field("str")
    answer: bool = _field("bool")
    rationale: str | None = _field("opt", default=None)


@attrs.frozen
class Classification(_Record):
    """The just-culture classification of one act (restricted: public outputs count them)."""

    act_ref: str = _field("str")
    tree_title: str = _field("str")
    outcome_label: str = _field("str")
    category: str = _field("str", choices=CATEGORIES)
    response: str = _field("str")
    marx: str = _field("str")
    nhs_letter: str | None = _field("opt", default=None)
    confirmed_by: str | None = _field("opt", default=None)
    path: tuple[Answer, ...] = _field("list", record=Answer)


@attrs.frozen
class Finding(_Record):
    """A finding: ``causal``, ``contributory`` or ``other``."""

    ref: str = _field("str")
    kind: str = _field("str", choices=FINDING_KINDS)
    text: str = _field("str")


@attrs.frozen
class Recommendation(_Record):
    """A safety recommendation addressed to a named organisation, and its response."""

    ref: str = _field("str")
    addressee: str = _field("str")
    text: str = _field("str")
    priority: str | None = _field("opt", default=None)
    status: str = _field("str", default="open")
    response_grade: str = _field("str", default="awaiting response")
    deadline: str | None = _field("opt", default=None)


@attrs.frozen
class SafetyAction(_Record):
    """Safety action an organisation has already taken on its own."""

    agency: str = _field("str")
    text: str = _field("str")
    date: str | None = _field("opt", default=None)


@attrs.frozen
class CitedParagraph(_Record):
    """A representation and the draft's paragraph it cites (restricted report only)."""

    ref: str = _field("str")
    party: str = _field("str")
    paragraph: str = _field("str")
    disposition: str = _field("str", default="not yet dispositioned")


@attrs.frozen
class Consultation(_Record):
    """Who was consulted on the draft and how their representations were dealt with."""

    parties: tuple[str, ...] = _field("strs")
    #: disposition (accepted, amended, appended, ...) -> number of representations
    representations: tuple[tuple[str, int], ...] = _field("pairs")
    #: the representations that cite a paragraph of the draft, in order
    cited: tuple[CitedParagraph, ...] = _field("list", record=CitedParagraph)


@attrs.frozen
class FeedbackSession(_Record):
    """A session where people heard the outcome (staff by default)."""

    date: str = _field("str")
    attendees: int = _field("int")
    audience: str = _field("str", default="staff")


@attrs.frozen
class ReportData(_Record):
    """Everything a report may show; :func:`aaib_cp.reports.render` filters per audience."""

    case: CaseInfo = _field("record", record=CaseInfo)  # noqa: RUF009
    draft: bool = _field("bool", default=False)
    people: tuple[Person, ...] = _field("list", record=Person)
    agencies: tuple[Agency, ...] = _field("list", record=Agency)
    chronology: tuple[ChronologyEntry, ...] = _field("list", record=ChronologyEntry)
    evidence: tuple[EvidenceSummary, ...] = _field("list", record=EvidenceSummary)
    acts: tuple[Act, ...] = _field("list", record=Act)
    factors: tuple[Factor, ...] = _field("list", record=Factor)
    classifications: tuple[Classification, ...] = _field("list", record=Classification)
    findings: tuple[Finding, ...] = _field("list", record=Finding)
    recommendations: tuple[Recommendation, ...] = _field("list", record=Recommendation)
    safety_actions: tuple[SafetyAction, ...] = _field("list", record=SafetyAction)
    consultation: Consultation | None = _field(  # noqa: RUF009
        "record_opt", default=None, record=Consultation
    )
    feedback: tuple[FeedbackSession, ...] = _field("list", record=FeedbackSession)
    glossary: tuple[GlossaryTerm, ...] = _field("list", record=GlossaryTerm)
    process: tuple[ProcessStep, ...] = _field("list", record=ProcessStep)
    #: the chronology timeline picture (SVG preferred, PNG otherwise)
    timeline_svg: bytes | None = _field("bytes", default=None)
    timeline_png: bytes | None = _field("bytes", default=None)
    #: the workflow diagram (SVG preferred, PNG otherwise)
    workflow_svg: bytes | None = _field("bytes", default=None)
    workflow_png: bytes | None = _field("bytes", default=None)

    @classmethod
    def from_json(cls, text: str) -> ReportData:
        """Build from JSON text (as written by ``json.dumps(data.to_json())``)."""
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"report data: not valid JSON ({exc})") from None
        return cls.from_mapping(loaded, where="report data")
