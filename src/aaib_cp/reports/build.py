"""Build a case's :class:`~aaib_cp.reports.ReportData` from the store, and publish reports.

This is the integration between the records and the pure renderer. It runs no SQL:
it reads through :class:`~aaib_cp.evidence.service.Casebook`,
:class:`~aaib_cp.analysis.service.Analysis`, :class:`~aaib_cp.recommendations.service.SafetyBook`
and the store's record functions.

- :func:`build_report_data` fills every part of the model for one audience. For
  ``public`` and ``summary`` the timeline picture is drawn with agency names passed
  through the anonymiser, and everyone appears by pseudonym only.
- :func:`anonymiser_for` builds the :class:`~aaib_cp.reports.anonymise.Anonymiser` from every
  person registered on any case in the database.
- :class:`Publisher` checks who may produce the report, renders it, checks the
  public outputs for any registered identifier, writes the file atomically (a temporary
  file in the same folder, renamed only when everything passed) and records the
  ``report_generated`` audit event with the output's SHA-256.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import attrs

from aaib_cp.db import Store, sql_store
from aaib_cp.exceptions import InputError
from aaib_cp.reports import case_parts as cp
from aaib_cp.reports import model as rm
from aaib_cp.reports.anonymise import Anonymiser, Identity
from aaib_cp.reports.formats import docx_bytes, pdf_bytes
from aaib_cp.reports.paused_gc import gc_paused
from aaib_cp.reports.render import (
    AUDIENCES,
    FORMATS,
    SMALL_COUNTS,
    document_for,
    published_only,
    render,
)
from aaib_cp.workflow.acting import needs
from aaib_cp.workflow.engine import Engine
from aaib_cp.workflow.identity import Account, Actor
from aaib_cp.workflow.model import Case, EventKind
from aaib_cp.workflow.safe_files import staged_output

__all__ = [
    "PUBLIC_AUDIENCES",
    "Publisher",
    "ReportWritten",
    "anonymiser_for",
    "build_report_data",
    "without_data_uris",
]

PUBLIC_AUDIENCES = ("public", "summary")
_SUFFIXES = {".md": "md", ".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx"}
_DATA_URI = re.compile(r"(data:[a-z+/.-]+;base64,)([A-Za-z0-9+/=]+)")


def without_data_uris(text: str) -> str:
    """``text`` with each embedded picture's base64 payload blanked (same length).

    Base64 is a run of random letters and digits: scanning it for names would find
    short names by chance. The pictures are made safe where they are drawn instead.
    """
    return _DATA_URI.sub(lambda m: m[1] + "." * len(m[2]), text)


def _words(value: str | None) -> str | None:
    return None if value is None else value.replace("_", " ")


def anonymiser_for(store: Store, case_id: str) -> Anonymiser:
    """An anonymiser over every person registered on any case in the database.

    People of ``case_id`` are replaced by their pseudonyms; people of other cases by
    neutral markers (never another case's pseudonym).
    """
    from aaib_cp.evidence import sql as rdb

    own: list[Identity] = []
    elsewhere: list[Identity] = []
    for case in store.list_cases():
        for person in rdb.people(store, case.id):
            dob = None
            if person.date_of_birth:
                from datetime import date

                dob = date.fromisoformat(person.date_of_birth)
            identity = Identity(
                person.pseudonym if case.id == case_id else f"{person.pseudonym} ({case.id})",
                person.real_name,
                date_of_birth=dob,
                address=person.address,
            )
            (own if case.id == case_id else elsewhere).append(identity)
    return Anonymiser(own, also_withhold=elsewhere)


def _taxonomy() -> Any:
    from aaib_cp.analysis.taxonomy import load_taxonomy

    return load_taxonomy()


def build_report_data(
    engine: Engine,
    case_id: str,
    *,
    audience: str = "restricted",
    anonymiser: Anonymiser | None = None,
    pictures: bool = True,
) -> rm.ReportData:
    """The report data of ``case_id``; pictures are drawn for ``audience``.

    For ``public`` and ``summary`` the timeline's agency lanes go through the
    anonymiser (built with :func:`anonymiser_for` when not given) and its labels are
    checked; people never appear in it. The renderer filters the rest per audience.
    """
    from aaib_cp.analysis.service import Analysis
    from aaib_cp.evidence.model import AGENCY_KINDS
    from aaib_cp.evidence.service import Casebook
    from aaib_cp.reports.safety_parts import safety_parts

    if audience not in AUDIENCES:
        raise InputError(
            f"report audience: expected one of {', '.join(AUDIENCES)} (got {audience!r})"
        )
    case = engine.store.get_case(case_id)
    definition = engine.definition_for(case)
    book = Casebook(engine)
    analysis = Analysis(engine)
    parts = safety_parts(engine, case.id)
    protected: dict[str, bool] = parts["protected"]

    people = book.people(case.id)
    real = {p.pseudonym: p.real_name for p in people}
    chronology = book.chronology(case.id)

    current = [c for c in analysis.classifications(case.id) if not c.superseded]
    classifications = []
    for c in current:
        outcome = c.outcome
        confirmed = [r for r in c.reviews if r.action == "confirmed"]
        classifications.append(
            rm.Classification(
                act_ref=c.act,
                tree_title=str(c.record.get("tree_title", "")),
                outcome_label=str(outcome["label"]),
                category=str(outcome["category"]),
                response=str(outcome.get("response") or ""),
                marx=str(outcome.get("marx") or ""),
                nhs_letter=outcome.get("nhs_outcome"),
                confirmed_by=confirmed[-1].by if confirmed else None,
                path=tuple(
                    rm.Answer(
                        question=str(step.get("text") or step["question"]),
                        answer=bool(step["answer"]),
                        rationale=step.get("rationale"),
                    )
                    for step in c.record.get("path", ())
                ),
            )
        )

    history = engine.history(case.id)
    info = rm.CaseInfo(
        reference=case.id,
        title=case.title,
        workflow_name=case.workflow_name,
        workflow_version=str(case.workflow_version),
        state=case.state,
        details=cp.details(case, definition),
        synopsis=cp.synopsis(case, definition),
        key_dates=cp.key_dates(case, definition, history),
        report_date=engine.clock().date().isoformat(),
    )
    factors = analysis.factors(case.id)

    timeline_svg = None
    if pictures:
        title = f"{case.id}: integrated multi-agency chronology"
        if audience in PUBLIC_AUDIENCES:
            anon = anonymiser or anonymiser_for(book.store, case.id)

            def check(text: str) -> None:
                anon.check(text, where=f"{audience} report timeline")

            timeline_svg = cp.timeline(chronology, title=title, lane=anon.redact, check=check)
        else:
            timeline_svg = cp.timeline(
                chronology, title=title, lane=lambda s: s, check=lambda _s: None
            )

    return rm.ReportData(
        case=info,
        draft=not definition.in_phase(case.state, "published"),
        people=tuple(
            rm.Person(
                pseudonym=p.pseudonym,
                role=p.role.replace("_", " "),
                agency=p.agency,
                real_name=p.real_name,
                date_of_birth=p.date_of_birth,
                address=p.address,
            )
            for p in people
        ),
        agencies=tuple(
            rm.Agency(name=a.name, kind=AGENCY_KINDS.get(a.kind, _words(a.kind) or ""))
            for a in book.agencies(case.id)
        ),
        chronology=cp.chronology_entries(chronology.entries, real),
        evidence=tuple(
            rm.EvidenceSummary(
                ref=i.ref,
                kind=i.kind.replace("_", " "),
                description=i.description,
                agency=i.agency,
                protected=bool(protected.get(i.ref, False)),
            )
            for i in book.evidence(case.id)
        ),
        acts=tuple(
            rm.Act(ref=a.ref, person=a.person, description=a.description, date=a.when)
            for a in analysis.acts(case.id)
        ),
        factors=tuple(
            rm.Factor(
                code=f.code,
                label=f.label,
                level=f.level,
                description=f.note,
                act_refs=f.acts,
                discloses_conduct=cp.conduct_code(f.code, f.label, f.level),
            )
            for f in factors
        ),
        classifications=tuple(classifications),
        findings=tuple(
            rm.Finding(ref=f.ref, kind=f.kind, text=f.text) for f in analysis.findings(case.id)
        ),
        recommendations=parts["recommendations"],
        safety_actions=parts["safety_actions"],
        consultation=parts["consultation"],
        feedback=parts["feedback"],
        glossary=cp.glossary(definition, factors, _taxonomy()),
        process=cp.process(case, definition, history),
        timeline_svg=timeline_svg,
    )


@attrs.frozen
class ReportWritten:
    """A report written to ``path``: its audience, format, size and SHA-256."""

    case_id: str
    path: Path
    audience: str
    fmt: str
    sha256: str
    size: int
    draft: bool

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "case": self.case_id,
            "path": str(self.path),
            "audience": self.audience,
            "format": self.fmt,
            "sha256": self.sha256,
            "bytes": self.size,
            "draft": self.draft,
        }


class Publisher:
    """Produces a case's reports: who may, the anonymisation check, the file, the audit.

    The restricted report needs a role the workflow grants ``read_restricted`` (a case
    role held on the case: the report is a reading of the case, and each one is on the
    audit trail). Public and summary reports may be produced by anyone, once the case
    is in its workflow's ``published`` phase.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine: Engine = engine
        self.store: Store = sql_store(engine.store)

    def _authorise(
        self, case: Case, *, actor: Account | Actor, role: str | None, audience: str
    ) -> Actor:
        """The actor as stored, if they may produce the report for ``audience`` (audited).

        The restricted report is allowed to the roles the workflow grants
        ``read_restricted``; a case role must also be held on the case.
        """
        definition = self.engine.definition_for(case)
        actor = self.engine.check_actor(definition, self.engine.access.current(actor), role)
        if audience in PUBLIC_AUDIENCES:
            return actor
        self.engine.check_permission(
            case,
            definition,
            actor=actor,
            role=role,
            action="produce the restricted report",
            permission="read_restricted",
        )
        return actor

    def render(
        self,
        case_id: str,
        *,
        audience: str,
        fmt: str,
        anonymiser: Anonymiser | None = None,
        marking: str | None = None,
        small_counts: int = SMALL_COUNTS,
    ) -> tuple[bytes, rm.ReportData]:
        """The report's bytes (checked, for public audiences) and the data it came from.

        Public outputs are checked on what a reader sees: the text of Markdown, the text
        and shown attribute values of HTML, and for PDF and Word the document's text
        before it is printed (the PDF is printed from the checked HTML).
        """
        if fmt not in FORMATS:
            raise InputError(f"report format: expected one of {', '.join(FORMATS)} (got {fmt!r})")
        case = self.store.get_case(case_id)
        definition = self.engine.definition_for(case)
        states = definition.phase_states("published")
        public = audience in PUBLIC_AUDIENCES
        if public and case.state not in states:
            raise InputError(
                f"{audience} report: {published_only(states)}; {case.id} is in "
                f"{case.state!r}; nothing was written"
            )
        if public and anonymiser is None:
            anonymiser = anonymiser_for(self.store, case.id)
        data = build_report_data(
            self.engine,
            case.id,
            audience=audience,
            anonymiser=anonymiser,
            # the summary shows no picture
            pictures=fmt in ("html", "pdf") and audience != "summary",
        )
        where = f"{audience} report of {case.id}"
        check = None
        if public:
            assert anonymiser is not None
            anon = anonymiser

            def check(out: str) -> None:
                anon.check(without_data_uris(out), where=where)

        options: dict[str, Any] = {
            "audience": audience,
            "public_states": states,
            "redact": anonymiser.redact if public and anonymiser else None,
            "marking": marking,
            "small_counts": small_counts,
        }
        if fmt == "docx":
            document = document_for(data, **options)
            if check is not None:
                check(document.text())
            return docx_bytes(document), data
        text = render(
            data,
            fmt="md" if fmt == "md" else "html",
            check=check,
            medium="print" if fmt == "pdf" else "screen",
            **options,
        )
        if fmt == "pdf":
            return pdf_bytes(text), data
        return text.encode("utf-8"), data

    @needs("read_restricted")
    def write(
        self,
        case_id: str,
        output: str | Path,
        *,
        audience: str,
        fmt: str | None = None,
        actor: Account | Actor,
        role: str | None = None,
        anonymiser: Anonymiser | None = None,
        marking: str | None = None,
        small_counts: int = SMALL_COUNTS,
    ) -> ReportWritten:
        """Render, check and write the report to ``output``; recorded as ``report_generated``.

        Nothing is written unless every check passed: the text goes to a temporary
        file in the same folder, which is renamed over ``output`` in the same
        transaction that records the audit event.
        """
        target = Path(output)
        if fmt is None:
            fmt = _SUFFIXES.get(target.suffix.lower())
            if fmt is None:
                raise InputError(
                    f"output: say --format md, html, pdf or docx (cannot tell from {target.name!r})"
                )
        if audience not in AUDIENCES:
            raise InputError(
                f"report audience: expected one of {', '.join(AUDIENCES)} (got {audience!r})"
            )
        with gc_paused(), staged_output(target) as output_file:  # bad target refused first
            case = self.store.get_case(case_id)
            actor = self._authorise(case, actor=actor, role=role, audience=audience)
            content, data = self.render(
                case.id,
                audience=audience,
                fmt=fmt,
                anonymiser=anonymiser,
                marking=marking,
                small_counts=small_counts,
            )
            digest = hashlib.sha256(content).hexdigest()
            output_file.write(content)
            with self.store.transaction():
                self._record(case, actor, role, audience, fmt, digest, data.draft, target.name)
                output_file.publish()
        return ReportWritten(case.id, target, audience, fmt, digest, len(content), data.draft)

    def produce(
        self, case_id: str, *, audience: str, fmt: str, actor: Account | Actor, role: str | None
    ) -> tuple[bytes, ReportWritten]:
        """The report's bytes for a download, authorised and recorded as :meth:`write` does
        (``file`` on the event is ``download``)."""
        if audience not in AUDIENCES:
            raise InputError(
                f"report audience: expected one of {', '.join(AUDIENCES)} (got {audience!r})"
            )
        case = self.store.get_case(case_id)
        who = self._authorise(case, actor=actor, role=role, audience=audience)
        content, data = self.render(case.id, audience=audience, fmt=fmt)
        digest = hashlib.sha256(content).hexdigest()
        with self.store.transaction():
            self._record(case, who, role, audience, fmt, digest, data.draft, "download")
        name = Path(f"{case.id}-{audience}.{fmt}")
        return content, ReportWritten(
            case.id, name, audience, fmt, digest, len(content), data.draft
        )

    def _record(
        self,
        case: Case,
        actor: Actor,
        role: str | None,
        audience: str,
        fmt: str,
        digest: str,
        draft: bool,
        file: str,
    ) -> None:
        self.store.append_event(
            case.id,
            at=self.engine.clock(),
            actor=actor,
            role=role,
            kind=EventKind.REPORT_GENERATED,
            detail={
                "audience": audience,
                "format": fmt,
                "sha256": digest,
                "draft": draft,
                "file": file,
            },
        )
