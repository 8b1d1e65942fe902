"""Classifying a case's acts with a just-culture decision tree, and the second signature.

:class:`Classifying` is the part of :class:`~aaib_cp.analysis.service.Analysis` that
stores classifications (allowed to the roles the workflow grants ``analyse``), lets a
reviewer confirm or return one (the roles granted ``confirm``, never the classifier),
and records every reading of the safe space on the audit trail.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aaib_cp.analysis import sql as db
from aaib_cp.analysis.base import AnalysisBase
from aaib_cp.analysis.classification import (
    DEFAULT_TREE,
    AnswerGiven,
    ClassificationDraft,
    draft_classification,
    read_answers,
    review_problem,
)
from aaib_cp.analysis.decision_tree import CATEGORIES, DecisionTree, load_tree
from aaib_cp.analysis.model import Act, Classification
from aaib_cp.db import Store
from aaib_cp.exceptions import InputError, RecordNotFound
from aaib_cp.workflow.access import separation_problem
from aaib_cp.workflow.acting import needs
from aaib_cp.workflow.identity import Account, Actor
from aaib_cp.workflow.input_text import clean_text
from aaib_cp.workflow.model import Case, EventKind
from aaib_cp.workflow.yaml_source import load_yaml_file

__all__ = ["Classifying"]


def classifier_ids(store: Store, classification: Classification) -> frozenset[int]:
    """The accounts that classified: stored ids, or for a classification made before
    accounts existed, the account its classifier's name was upgraded to."""
    if classification.classified_by_ids:
        return classification.classified_by_ids
    found = store.accounts.by_name(classification.classified_by)
    return frozenset({found.id}) if found else frozenset()


class Classifying(AnalysisBase):
    """Classifications of a case's acts: versions, reviews, and audited reading."""

    def read_answers_file(
        self, case_id: str, path: str | Path, *, tree: str | None = None
    ) -> tuple[DecisionTree, dict[str, AnswerGiven], str | None]:
        """Read and check an answers file against the case's evidence register."""
        self.store.get_case(case_id)
        resolve = self.evidence_resolver(case_id)
        doc = load_yaml_file(path)
        return read_answers(doc, tree=tree, evidence=lambda ref: resolve(ref).label)

    @needs("analyse")
    def check_can_classify(
        self, case_id: str, act: str, *, actor: Account | Actor, role: str
    ) -> Act:
        """The act, if ``actor`` may classify it in ``role`` (check before asking questions)."""
        case, _, actor = self.engine.authorise(
            case_id, actor=actor, role=role, permission="analyse", action="classify an act"
        )
        return self._act(case.id, act)

    @needs("analyse")
    def classify(
        self,
        case_id: str,
        act: str,
        answers: Mapping[str, AnswerGiven],
        *,
        tree: str | Path | DecisionTree = DEFAULT_TREE,
        peers: str | None = None,
        actor: Account | Actor,
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
        case, _, actor = self.engine.authorise(
            case_id, actor=actor, role=role, permission="analyse", action="classify an act"
        )
        found = self._act(case.id, act)
        return self._store_draft(case, found, draft, actor=actor, role=role)

    def _store_draft(
        self, case: Case, act: Act, draft: ClassificationDraft, *, actor: Actor, role: str
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
                by=actor.label,
                by_ids=sorted(actor.ids),
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
            self.engine.record_change(
                case,
                actor=actor,
                role=role,
                kind=EventKind.ACT_RECLASSIFIED if previous else EventKind.ACT_CLASSIFIED,
                detail=detail,
            )
        return db.classifications(self.store, case.id, act.ref)[-1]

    def classification(
        self,
        case_id: str,
        act: str,
        *,
        actor: Account | Actor,
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
                kind=EventKind.CLASSIFICATION_ACCESSED,
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
        return {key: counted.get(key, 0) for key in CATEGORIES}

    @needs("confirm")
    def confirm(
        self, case_id: str, act: str, *, actor: Account | Actor, role: str
    ) -> Classification:
        """Confirm an act's current classification as the second pair of eyes."""
        return self._review(case_id, act, action="confirm", reason=None, actor=actor, role=role)

    @needs("confirm")
    def return_(
        self, case_id: str, act: str, *, reason: str, actor: Account | Actor, role: str
    ) -> Classification:
        """Send an act's current classification back to be classified again, with a reason."""
        reason = clean_text(reason, "reason").strip()
        if not reason:
            raise InputError("reason: say why the classification is sent back")
        return self._review(case_id, act, action="return", reason=reason, actor=actor, role=role)

    def _review(
        self,
        case_id: str,
        act: str,
        *,
        action: str,
        reason: str | None,
        actor: Account | Actor,
        role: str,
    ) -> Classification:
        verb = "confirm a classification" if action == "confirm" else "return a classification"
        case, definition, actor = self.engine.authorise(
            case_id, actor=actor, role=role, permission="confirm", action=verb
        )
        found = self._act(case.id, act)
        versions = db.classifications(self.store, case.id, found.ref)
        if not versions:
            raise RecordNotFound(f"act {found.ref} on {case.id} is not classified yet")
        current = versions[-1]
        problem = review_problem(current, action=action) or separation_problem(
            definition,
            "classify",
            "confirm",
            done_by=classifier_ids(self.store, current),
            actor=actor,
            what=f"classified act {current.act}",
        )
        if problem is not None:
            raise self.engine.refuse(case, actor=actor, role=role, action=verb, message=problem)
        done, kind = (
            ("confirmed", EventKind.CLASSIFICATION_CONFIRMED)
            if action == "confirm"
            else ("returned", EventKind.CLASSIFICATION_RETURNED)
        )
        with self.store.transaction():
            db.insert_review(
                self.store,
                current.id,
                action=done,
                reason=reason,
                at=self.engine.clock(),
                by=actor.label,
                role=role,
            )
            self.engine.record_change(
                case,
                actor=actor,
                role=role,
                kind=kind,
                detail={
                    "act": found.ref,
                    "version": current.version,
                    "classified_by": current.classified_by,
                    "reason": reason,
                },
            )
        return db.classifications(self.store, case.id, found.ref)[-1]
