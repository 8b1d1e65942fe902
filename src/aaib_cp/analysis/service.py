"""The analysis of a case: acts of concern, contributory factors, classifications, findings.

:class:`Analysis` orchestrates, as :class:`~aaib_cp.evidence.service.Casebook` does for the
evidence: it checks who is acting (recording needs an appointed ``lead_investigator``
or ``investigator``; confirming or returning a classification needs an appointed
``reviewer`` who is not the classifier; refusals are audited), runs each command in one
transaction that bumps the case version and appends an audit event, and leaves every
SQL statement to :mod:`aaib_cp.analysis.sql`.

Safe space: the audit events name the act, the version and the outcome category, never
the answers or their rationales; :meth:`Analysis.classification` records who read them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from aaib_cp.analysis import sql as db
from aaib_cp.analysis.classification import (
    ACT_KINDS,
    DEFAULT_TREE,
    FINDING_KINDS,
    Act,
    AnswerGiven,
    Classification,
    ClassificationDraft,
    Factor,
    Finding,
    draft_classification,
    read_answers,
    review_problem,
)
from aaib_cp.analysis.decision_tree import DecisionTree, load_tree
from aaib_cp.analysis.taxonomy import DEFAULT_TAXONOMY, Taxonomy, load_taxonomy
from aaib_cp.db import Store
from aaib_cp.evidence import sql as rdb
from aaib_cp.evidence.model import EvidenceItem, When, find_person
from aaib_cp.exceptions import InputError, RecordNotFound
from aaib_cp.workflow.engine import Engine
from aaib_cp.workflow.input_text import clean_line, clean_text
from aaib_cp.workflow.model import Case
from aaib_cp.workflow.yaml_source import load_yaml_file

__all__ = ["REVIEW_ROLES", "WRITE_ROLES", "Analysis"]

#: Case roles that may record acts, factors, findings and classifications.
WRITE_ROLES = ("lead_investigator", "investigator")
#: Case roles that may confirm or return a classification.
REVIEW_ROLES = ("reviewer",)


def _refs(values: Sequence[str] | str | None) -> list[str]:
    """``"E1, E2"`` or ``["E1", "E2"]`` -> ``["E1", "E2"]``."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for value in values:
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return out


class Analysis:
    """Human-factors analysis and just-culture classification of one case's acts.

    >>> analysis = Analysis(engine)                                        # doctest: +SKIP
    >>> act = analysis.add_act(case_id, person="Social Worker 1", when="2026-01-10",
    ...     description="Closed the case without a home visit", actor="Lee",
    ...     role="lead_investigator")
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        store = engine.store
        if not isinstance(store, Store):
            raise TypeError("an Analysis needs an engine over an aaib_cp Store")
        self.store: Store = store

    # -- shared --------------------------------------------------------------------------
    def _authorise(
        self,
        case_id: str,
        *,
        actor: str,
        role: str | None,
        action: str,
        roles: Sequence[str] = WRITE_ROLES,
    ) -> tuple[Case, str]:
        case, _, actor = self.engine.authorise(
            case_id, actor=actor, role=role, action=action, roles=roles
        )
        return case, actor

    def _record(
        self, case: Case, *, actor: str, role: str | None, kind: str, detail: dict[str, Any]
    ) -> None:
        """Bump the case version and append the audit event (inside the transaction)."""
        self.engine.record_change(case, actor=actor, role=role, kind=kind, detail=detail)

    def evidence_resolver(self, case_id: str) -> Callable[[str], EvidenceItem]:
        """A function from a typed reference (``E3``, ``e3``, ``E3v1``) to the evidence item.

        A bare reference means the current version. Raises :class:`ValueError` naming
        the reference when the case has no such item.
        """
        items = rdb.evidence_items(self.store, case_id, all_versions=True)

        def resolve(ref: str) -> EvidenceItem:
            wanted = str(ref).strip().upper()
            base, _, version = wanted.partition("V")
            matching = [i for i in items if i.ref == base]
            if version:
                matching = [i for i in matching if str(i.version) == version]
            else:
                matching = [i for i in matching if not i.superseded]
            if not matching:
                known = ", ".join(sorted({i.ref for i in items}, key=lambda r: int(r[1:])))
                raise ValueError(
                    f"no evidence item {ref!r} on {case_id} (items: {known or 'none yet'})"
                )
            return matching[-1]

        return resolve

    def _evidence(self, case_id: str, refs: Sequence[str]) -> list[EvidenceItem]:
        resolve = self.evidence_resolver(case_id)
        try:
            return [resolve(r) for r in refs]
        except ValueError as exc:
            raise RecordNotFound(f"evidence: {exc}") from None

    def _act(self, case_id: str, ref: str) -> Act:
        wanted = ref.strip().upper()
        found = db.acts(self.store, case_id)
        for act in found:
            if act.ref == wanted:
                return act
        listing = ", ".join(a.ref for a in found) or "none yet: add one with 'aaib act add'"
        raise RecordNotFound(f"no act {ref!r} on {case_id} (acts: {listing})")

    def _acts(self, case_id: str, refs: Sequence[str]) -> list[Act]:
        return [self._act(case_id, r) for r in refs]

    # -- acts ----------------------------------------------------------------------------
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
        actor: str,
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
        case, actor = self._authorise(case_id, actor=actor, role=role, action="record an act")
        who = self._person(case.id, person)
        entries = []
        for ref in _refs(chronology):
            entry = rdb.find_entry(self.store, case.id, ref)
            if entry is None:
                raise RecordNotFound(f"chronology: no entry {ref!r} on {case.id}")
            entries.append(entry)
        items = self._evidence(case.id, _refs(evidence))
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
                by=actor,
            )
            self._record(
                case,
                actor=actor,
                role=role,
                kind="act_added",
                detail={
                    "act": ref,
                    "kind": kind,
                    "person": who.pseudonym,
                    "chronology": [e.ref for e in entries],
                    "evidence": [i.label for i in items],
                },
            )
        return self._act(case.id, ref)

    def _person(self, case_id: str, name: str) -> Any:
        everyone = rdb.people(self.store, case_id)
        try:
            return find_person(everyone, clean_line(name, "person"))
        except LookupError as exc:
            listing = ", ".join(p.pseudonym for p in everyone) or "none yet: 'aaib person add'"
            raise RecordNotFound(f"person: {exc} on {case_id} (people: {listing})") from None

    def acts(self, case_id: str) -> list[Act]:
        """The case's acts of concern, with the review status of each current classification."""
        self.store.get_case(case_id)
        return db.acts(self.store, case_id)

    # -- factors -------------------------------------------------------------------------
    def add_factor(
        self,
        case_id: str,
        *,
        code: str,
        acts: Sequence[str] | str,
        evidence: Sequence[str] | str,
        note: str,
        taxonomy: str | Path | Taxonomy = DEFAULT_TAXONOMY,
        actor: str,
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
        act_refs, evidence_refs = _refs(acts), _refs(evidence)
        if not act_refs:
            raise InputError("acts: name at least one act the factor bears on (e.g. A1)")
        if not evidence_refs:
            raise InputError("evidence: cite at least one evidence item supporting the factor")
        case, actor = self._authorise(
            case_id, actor=actor, role=role, action="record a contributory factor"
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
                by=actor,
            )
            self._record(
                case,
                actor=actor,
                role=role,
                kind="factor_added",
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
    def add_finding(
        self,
        case_id: str,
        *,
        kind: str,
        text: str,
        acts: Sequence[str] | str | None = None,
        factors: Sequence[str] | str | None = None,
        evidence: Sequence[str] | str | None = None,
        actor: str,
        role: str,
    ) -> Finding:
        """Record a finding (``F1``, ...): causal, contributory or other, with its links."""
        kind = clean_line(kind, "kind").lower()
        if kind not in FINDING_KINDS:
            raise InputError(f"kind: {kind!r} is not one of {', '.join(FINDING_KINDS)}")
        text = clean_text(text, "text").strip()
        if not text:
            raise InputError("text: say what was found")
        case, actor = self._authorise(case_id, actor=actor, role=role, action="record a finding")
        on_acts = self._acts(case.id, _refs(acts))
        known = {f.ref: f for f in db.factors(self.store, case.id)}
        chosen = []
        for ref in _refs(factors):
            if ref.upper() not in known:
                listing = ", ".join(known) or "none yet: 'aaib factor add'"
                raise RecordNotFound(f"factors: no factor {ref!r} on {case.id} ({listing})")
            chosen.append(known[ref.upper()])
        items = self._evidence(case.id, _refs(evidence))
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
                by=actor,
            )
            self._record(
                case,
                actor=actor,
                role=role,
                kind="finding_added",
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

    # -- classification ------------------------------------------------------------------
    def read_answers_file(
        self, case_id: str, path: str | Path, *, tree: str | None = None
    ) -> tuple[DecisionTree, dict[str, AnswerGiven], str | None]:
        """Read and check an answers file against the case's evidence register."""
        self.store.get_case(case_id)
        resolve = self.evidence_resolver(case_id)
        doc = load_yaml_file(path)
        return read_answers(doc, tree=tree, evidence=lambda ref: resolve(ref).label)

    def check_can_classify(self, case_id: str, act: str, *, actor: str, role: str) -> Act:
        """The act, if ``actor`` may classify it in ``role`` (check before asking questions)."""
        case, actor = self._authorise(case_id, actor=actor, role=role, action="classify an act")
        return self._act(case.id, act)

    def classify(
        self,
        case_id: str,
        act: str,
        answers: Mapping[str, AnswerGiven],
        *,
        tree: str | Path | DecisionTree = DEFAULT_TREE,
        peers: str | None = None,
        actor: str,
        role: str,
    ) -> Classification:
        """Classify an act by walking ``tree``; a later call stores version n+1.

        Each answer needs a rationale and may cite evidence; ``peers`` says who the
        comparable peers were when the substitution test is on the path. The previous
        version is kept, marked superseded.
        """
        chosen = tree if isinstance(tree, DecisionTree) else load_tree(tree)
        resolve = self.evidence_resolver(case_id)
        checked: dict[str, AnswerGiven] = {}
        for qid, given in answers.items():
            try:
                labels = tuple(resolve(ref).label for ref in given.evidence)
            except ValueError as exc:
                raise RecordNotFound(f"evidence for {qid}: {exc}") from None
            checked[qid] = AnswerGiven(given.answer, given.rationale, labels)
        draft = draft_classification(chosen, checked, peers=peers)
        case, actor = self._authorise(case_id, actor=actor, role=role, action="classify an act")
        found = self._act(case.id, act)
        return self._store_draft(case, found, draft, actor=actor, role=role)

    def _store_draft(
        self, case: Case, act: Act, draft: ClassificationDraft, *, actor: str, role: str
    ) -> Classification:
        items = self._evidence(case.id, draft.evidence)
        previous = db.classifications(self.store, case.id, act.ref)
        version = previous[-1].version + 1 if previous else 1
        record = {**draft.record, "act": act.ref}
        with self.store.transaction():
            db.insert_classification(
                self.store,
                case.id,
                act_id=act.id,
                version=version,
                record=record,
                evidence_ids=[i.id for i in items],
                at=self.engine.clock(),
                by=actor,
                role=role,
            )
            detail: dict[str, Any] = {
                "act": act.ref,
                "version": version,
                "tree": f"{draft.tree.name} v{draft.tree.version}",
                "tree_hash": draft.tree.content_hash,
                "category": record["outcome"]["category"],
                "needs_confirmation": draft.needs_confirmation,
                "evidence": [i.label for i in items],
            }
            if previous:
                detail["supersedes"] = previous[-1].version
            self._record(
                case,
                actor=actor,
                role=role,
                kind="act_reclassified" if previous else "act_classified",
                detail=detail,
            )
        return db.classifications(self.store, case.id, act.ref)[-1]

    def classification(
        self,
        case_id: str,
        act: str,
        *,
        actor: str,
        role: str | None = None,
        all_versions: bool = False,
    ) -> list[Classification]:
        """The current classification of an act (or every version); the reading is recorded.

        Classifications are the safe space: each reading is on the audit trail.
        """
        case = self.store.get_case(case_id)
        definition = self.engine.definition_for(case)
        actor = self.engine.check_actor(definition, actor, role)
        found = self._act(case.id, act)
        versions = db.classifications(self.store, case.id, found.ref)
        if not versions:
            raise RecordNotFound(f"act {found.ref} on {case.id} is not classified yet")
        with self.store.transaction():
            self.store.append_event(
                case.id,
                at=self.engine.clock(),
                actor=actor,
                role=role,
                kind="classification_accessed",
                detail={"act": found.ref, "versions": [v.version for v in versions]},
            )
        return versions if all_versions else versions[-1:]

    def classifications(self, case_id: str) -> list[Classification]:
        """Every version of every classification on the case (restricted; not audited)."""
        self.store.get_case(case_id)
        return db.classifications(self.store, case_id)

    def counts(self, case_id: str) -> dict[str, int]:
        """Current classifications counted by outcome category: all a public output may show."""
        current = [c for c in self.classifications(case_id) if not c.superseded]
        counted = Counter(c.outcome["category"] for c in current)
        return {key: counted.get(key, 0) for key in ("honest_error", "at_risk", "wrongdoing")}

    def confirm(self, case_id: str, act: str, *, actor: str, role: str) -> Classification:
        """Confirm an act's current classification as the second pair of eyes."""
        return self._review(case_id, act, action="confirm", reason=None, actor=actor, role=role)

    def return_(
        self, case_id: str, act: str, *, reason: str, actor: str, role: str
    ) -> Classification:
        """Send an act's current classification back to be classified again, with a reason."""
        reason = clean_text(reason, "reason").strip()
        if not reason:
            raise InputError("reason: say why the classification is sent back")
        return self._review(case_id, act, action="return", reason=reason, actor=actor, role=role)

    def _review(
        self, case_id: str, act: str, *, action: str, reason: str | None, actor: str, role: str
    ) -> Classification:
        verb = "confirm a classification" if action == "confirm" else "return a classification"
        case, actor = self._authorise(
            case_id, actor=actor, role=role, action=verb, roles=REVIEW_ROLES
        )
        found = self._act(case.id, act)
        versions = db.classifications(self.store, case.id, found.ref)
        if not versions:
            raise RecordNotFound(f"act {found.ref} on {case.id} is not classified yet")
        current = versions[-1]
        problem = review_problem(current, reviewer=actor, action=action)
        if problem is not None:
            raise self.engine.refuse(case, actor=actor, role=role, action=verb, message=problem)
        done = "confirmed" if action == "confirm" else "returned"
        with self.store.transaction():
            db.insert_review(
                self.store,
                current.id,
                action=done,
                reason=reason,
                at=self.engine.clock(),
                by=actor,
                role=role,
            )
            self._record(
                case,
                actor=actor,
                role=role,
                kind=f"classification_{done}",
                detail={
                    "act": found.ref,
                    "version": current.version,
                    "classified_by": current.classified_by,
                    "reason": reason,
                },
            )
        return db.classifications(self.store, case.id, found.ref)[-1]
