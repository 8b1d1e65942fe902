"""Recording a case's acts of concern, contributory factors and findings.

:class:`AnalysisRecords` is the part of :class:`~aaib_cp.analysis.service.Analysis` that
adds and lists these records: each command is allowed to the roles the workflow grants
``analyse``, runs in one transaction that bumps the case version and appends the audit
event, and leaves the SQL to :mod:`aaib_cp.analysis.sql`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from aaib_cp.analysis import sql as db
from aaib_cp.analysis.base import AnalysisBase, refs
from aaib_cp.analysis.model import ACT_KINDS, FINDING_KINDS, Act, Factor, Finding
from aaib_cp.analysis.taxonomy import DEFAULT_TAXONOMY, Taxonomy, load_taxonomy
from aaib_cp.evidence import sql as rdb
from aaib_cp.evidence.model import When
from aaib_cp.exceptions import InputError, RecordNotFound
from aaib_cp.workflow.acting import needs
from aaib_cp.workflow.identity import Account, Actor
from aaib_cp.workflow.input_text import clean_line, clean_text
from aaib_cp.workflow.model import EventKind

__all__ = ["AnalysisRecords"]


class AnalysisRecords(AnalysisBase):
    """Acts of concern, contributory factors and findings of a case."""

    @needs("analyse")
    def add_act(
        self,
        case_id: str,
        *,
        person: str,
        when: str,
        description: str,
        kind: str = "act",
        chronology: Sequence[str] | str | None = None,
        evidence: Sequence[str] | str | None = None,
        actor: Account | Actor,
        role: str,
    ) -> Act:
        """Record an act or omission of concern by a registered person (ref ``A1``, ...)."""
        kind = clean_line(kind, "kind").lower()
        if kind not in ACT_KINDS:
            raise InputError(f"kind: {kind!r} is not one of {', '.join(ACT_KINDS)}")
        description = clean_text(description, "description").strip()
        if not description:
            raise InputError("description: must not be empty")
        try:
            moment = When.parse(clean_line(when, "when", max_len=40))
        except ValueError as exc:
            raise InputError(f"when: {exc}") from None
        if moment.earliest > self.engine.clock().date():
            raise InputError(f"when: {moment.text} is in the future")
        case, _, actor = self.engine.authorise(
            case_id, actor=actor, role=role, permission="analyse", action="record an act"
        )
        who = self._person(case.id, person)
        entries = []
        for ref in refs(chronology):
            entry = rdb.find_entry(self.store, case.id, ref)
            if entry is None:
                raise RecordNotFound(f"chronology: no entry {ref!r} on {case.id}")
            entries.append(entry)
        items = self._evidence(case.id, refs(evidence))
        with self.store.transaction():
            ref = f"A{rdb.next_number(self.store, case.id, 'act')}"
            db.insert_act(
                self.store,
                case.id,
                ref=ref,
                kind=kind,
                person_id=who.id,
                when=moment.text,
                description=description,
                chronology_ids=[e.id for e in entries],
                evidence_ids=[i.id for i in items],
                at=self.engine.clock(),
                by=actor.label,
            )
            self.engine.record_change(
                case,
                actor=actor,
                role=role,
                kind=EventKind.ACT_ADDED,
                detail={
                    "act": ref,
                    "kind": kind,
                    "person": who.pseudonym,
                    "chronology": [e.ref for e in entries],
                    "evidence": [i.label for i in items],
                },
            )
        return self._act(case.id, ref)

    def acts(self, case_id: str) -> list[Act]:
        """The case's acts of concern, with the review status of each current classification."""
        self.store.get_case(case_id)
        return db.acts(self.store, case_id)

    # -- factors -------------------------------------------------------------------------
    @needs("analyse")
    def add_factor(
        self,
        case_id: str,
        *,
        code: str,
        acts: Sequence[str] | str,
        evidence: Sequence[str] | str,
        note: str,
        taxonomy: str | Path | Taxonomy = DEFAULT_TAXONOMY,
        actor: Account | Actor,
        role: str,
    ) -> Factor:
        """Record a contributory factor: a taxonomy code, the act(s) it bears on, its evidence.

        ``taxonomy`` is a shipped name, a file path or a loaded :class:`Taxonomy`; its
        name, version and content hash are stored with the factor.
        """
        chosen = taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy)
        category = chosen.get(clean_line(code, "code").upper())
        note = clean_text(note, "note").strip()
        if not note:
            raise InputError("note: say how the factor bore on the act(s)")
        act_refs, evidence_refs = refs(acts), refs(evidence)
        if not act_refs:
            raise InputError("acts: name at least one act the factor bears on (e.g. A1)")
        if not evidence_refs:
            raise InputError("evidence: cite at least one evidence item supporting the factor")
        case, _, actor = self.engine.authorise(
            case_id,
            actor=actor,
            role=role,
            permission="analyse",
            action="record a contributory factor",
        )
        on_acts = self._acts(case.id, act_refs)
        items = self._evidence(case.id, evidence_refs)
        level = chosen.level_of(category.code)
        with self.store.transaction():
            ref = f"CF{rdb.next_number(self.store, case.id, 'factor')}"
            db.insert_factor(
                self.store,
                case.id,
                ref=ref,
                code=category.code,
                label=category.label,
                level=level.label,
                taxonomy=(chosen.name, chosen.version, chosen.content_hash),
                note=note,
                act_ids=[a.id for a in on_acts],
                evidence_ids=[i.id for i in items],
                at=self.engine.clock(),
                by=actor.label,
            )
            self.engine.record_change(
                case,
                actor=actor,
                role=role,
                kind=EventKind.FACTOR_ADDED,
                detail={
                    "factor": ref,
                    "code": category.code,
                    "taxonomy": f"{chosen.name} v{chosen.version}",
                    "taxonomy_hash": chosen.content_hash,
                    "acts": [a.ref for a in on_acts],
                    "evidence": [i.label for i in items],
                },
            )
        return next(f for f in db.factors(self.store, case.id) if f.ref == ref)

    def factors(self, case_id: str) -> list[Factor]:
        """The case's contributory factors."""
        self.store.get_case(case_id)
        return db.factors(self.store, case_id)

    # -- findings ------------------------------------------------------------------------
    @needs("analyse")
    def add_finding(
        self,
        case_id: str,
        *,
        kind: str,
        text: str,
        acts: Sequence[str] | str | None = None,
        factors: Sequence[str] | str | None = None,
        evidence: Sequence[str] | str | None = None,
        actor: Account | Actor,
        role: str,
    ) -> Finding:
        """Record a finding (``F1``, ...): causal, contributory or other, with its links."""
        kind = clean_line(kind, "kind").lower()
        if kind not in FINDING_KINDS:
            raise InputError(f"kind: {kind!r} is not one of {', '.join(FINDING_KINDS)}")
        text = clean_text(text, "text").strip()
        if not text:
            raise InputError("text: say what was found")
        case, _, actor = self.engine.authorise(
            case_id, actor=actor, role=role, permission="analyse", action="record a finding"
        )
        on_acts = self._acts(case.id, refs(acts))
        known = {f.ref: f for f in db.factors(self.store, case.id)}
        chosen = []
        for ref in refs(factors):
            if ref.upper() not in known:
                listing = ", ".join(known) or "none yet: 'aaib factor add'"
                raise RecordNotFound(f"factors: no factor {ref!r} on {case.id} ({listing})")
            chosen.append(known[ref.upper()])
        items = self._evidence(case.id, refs(evidence))
        with self.store.transaction():
            ref = f"F{rdb.next_number(self.store, case.id, 'finding')}"
            db.insert_finding(
                self.store,
                case.id,
                ref=ref,
                kind=kind,
                text=text,
                act_ids=[a.id for a in on_acts],
                factor_ids=[f.id for f in chosen],
                evidence_ids=[i.id for i in items],
                at=self.engine.clock(),
                by=actor.label,
            )
            self.engine.record_change(
                case,
                actor=actor,
                role=role,
                kind=EventKind.FINDING_ADDED,
                detail={
                    "finding": ref,
                    "kind": kind,
                    "acts": [a.ref for a in on_acts],
                    "factors": [f.ref for f in chosen],
                    "evidence": [i.label for i in items],
                },
            )
        return next(f for f in db.findings(self.store, case.id) if f.ref == ref)

    def findings(self, case_id: str) -> list[Finding]:
        """The case's findings."""
        self.store.get_case(case_id)
        return db.findings(self.store, case_id)
