"""Acts of concern, contributory factors, findings and just-culture classifications.

Pure domain code (no SQLite, no click): the records, the answers-file reader, the rule
that turns a :class:`~aaib_cp.analysis.decision_tree.Walk` plus rationales, evidence and
peers into the stored classification record, and the four-eyes rules.

A classification whose outcome refers the person onward (``Outcome.refers_onward``:
possible reckless violation, sabotage, substance abuse without mitigation, ...) needs
a second signature: an appointed reviewer who is not the classifier confirms it or
returns it with a reason. Honest-error outcomes need no second signature.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs

from aaib_cp.analysis._common import did_you_mean, type_name
from aaib_cp.analysis.decision_tree import DecisionTree, load_tree
from aaib_cp.exceptions import AaibCpError, InputError
from aaib_cp.workflow.input_text import clean_text
from aaib_cp.workflow.yaml_source import Document, PathKey

__all__ = [
    "ACT_KINDS",
    "DEFAULT_TREE",
    "FINDING_KINDS",
    "STATUSES",
    "Act",
    "AnswerGiven",
    "Classification",
    "ClassificationDraft",
    "Factor",
    "Finding",
    "Review",
    "draft_classification",
    "parse_answer",
    "read_answers",
    "review_problem",
]

#: The tree used when none is named.
DEFAULT_TREE = "reason-culpability"
#: What an act of concern can be.
ACT_KINDS: tuple[str, ...] = ("act", "omission")
#: Kinds of finding, in the order reports list them.
FINDING_KINDS: tuple[str, ...] = ("causal", "contributory", "other")
#: Review status of a classification, and what each means.
STATUSES: Mapping[str, str] = {
    "not_required": "honest error or at-risk outcome: no second signature needed",
    "awaiting_confirmation": "refers the person onward: awaits confirmation by a reviewer",
    "confirmed": "confirmed by a reviewer",
    "returned": "returned by a reviewer: classify the act again",
}
_TRUE = ("yes", "y", "true")
_FALSE = ("no", "n", "false")


def parse_answer(value: Any) -> bool:
    """``yes``/``no`` (or true/false) as a boolean; ValueError otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise ValueError(f"answer must be yes or no, not {value!r}")


@attrs.frozen
class AnswerGiven:
    """One answer with its rationale and the evidence items it cites (labels, ``E3``)."""

    answer: bool
    rationale: str
    evidence: tuple[str, ...] = attrs.field(default=(), converter=tuple)


@attrs.frozen
class ClassificationDraft:
    """A walked tree with every answer's rationale and evidence: ready to be stored."""

    tree: DecisionTree = attrs.field(eq=False)
    record: Mapping[str, Any]

    @property
    def outcome_id(self) -> str:
        """The outcome reached."""
        return str(self.record["outcome"]["id"])

    @property
    def evidence(self) -> tuple[str, ...]:
        """Every evidence label cited by any answer, first citation first."""
        return tuple(self.record["evidence"])

    @property
    def needs_confirmation(self) -> bool:
        """Whether a reviewer must confirm it (the outcome refers the person onward)."""
        return bool(self.record["outcome"]["refers_onward"])


def draft_classification(
    tree: DecisionTree, answers: Mapping[str, AnswerGiven], *, peers: str | None = None
) -> ClassificationDraft:
    """Walk ``tree`` strictly with ``answers`` and build the record to store.

    Every answer on the path needs a rationale; the substitution test needs ``peers``
    (who the comparable peers were). Answers off the path, ``peers`` when no
    substitution question is on the path, and unknown question ids are refused with
    :class:`InputError`.
    """
    plain = {qid: given.answer for qid, given in answers.items()}
    on_path = [q for q, _ in tree.walk(plain).path]
    peers = clean_text(peers, "peers").strip() if peers is not None else None
    notes = {q: peers for q in on_path if tree.question(q).needs_note and peers}
    if peers and not notes:
        raise InputError(
            f"{tree.name}: peers are recorded only for the substitution test,"
            " which is not on the path of these answers"
        )
    walk = tree.walk(plain, notes=notes, strict=True)
    path: list[dict[str, Any]] = []
    cited: dict[str, None] = {}
    for item in walk.as_record()["path"]:
        qid = item["question"]
        given = answers[qid]
        rationale = clean_text(given.rationale, f"rationale for {qid}").strip()
        if not rationale:
            raise InputError(f"{tree.name}: the answer to {qid!r} needs a rationale")
        evidence = list(dict.fromkeys(given.evidence))
        cited.update(dict.fromkeys(evidence))
        path.append(
            {
                "question": qid,
                "text": tree.question(qid).text,
                "answer": item["answer"],
                "rationale": rationale,
                "evidence": evidence,
            }
        )
    outcome = walk.outcome
    record = {
        **walk.as_record(),
        "tree_title": tree.title,
        "path": path,
        "peers": peers or None,
        "evidence": list(cited),
        "outcome": {
            "id": outcome.id,
            "label": outcome.label,
            "culpability": outcome.culpability,
            "category": outcome.category,
            "response": outcome.response,
            "marx": outcome.marx,
            "marx_response": outcome.marx_response,
            "nhs_outcome": outcome.nhs_outcome,
            "refers_onward": outcome.refers_onward,
        },
    }
    return ClassificationDraft(tree, record)


# -- the answers file --------------------------------------------------------------
_FILE_KEYS = ("tree", "answers", "peers")
_ANSWER_KEYS = ("answer", "rationale", "evidence")


def read_answers(
    doc: Document,
    *,
    tree: str | None = None,
    evidence: Callable[[str], str] | None = None,
    loader: Callable[[str | Path], DecisionTree] = load_tree,
) -> tuple[DecisionTree, dict[str, AnswerGiven], str | None]:
    """Read an answers file: the tree, each answer, and the peers; every problem located.

    ``tree`` (from the command line) must agree with the file's ``tree`` when both are
    given; a tree path in the file is relative to the file. ``evidence`` turns a typed
    reference into its label, raising :class:`ValueError` for an unknown one. Raises
    :class:`InputError` listing every problem as ``file:line:col: path: message``.
    """
    problems: list[str] = []

    def add(path: PathKey, message: str, *, key: bool = False) -> None:
        problems.append(str(doc.problem(path, message, key=key)))

    def fail() -> InputError:
        return InputError("\n".join(problems))

    data = doc.data
    if not isinstance(data, dict):
        add((), f"an answers file must be a mapping, not {type_name(data)}")
        raise fail()
    for key in data:
        if key not in _FILE_KEYS:
            add((key,), f"unknown key {key!r}{did_you_mean(str(key), _FILE_KEYS)}", key=True)
    name = data.get("tree", tree or DEFAULT_TREE)
    if not isinstance(name, str) or not name.strip():
        add(("tree",), f"tree must name a decision tree, not {name!r}")
        raise fail()
    if tree is not None and "tree" in data and tree != name:
        add(("tree",), f"the file uses tree {name!r} but {tree!r} was asked for")
    target: str | Path = name
    if any(sep in name for sep in "/\\") or name.endswith((".yaml", ".yml")):
        target = Path(doc.filename).parent / name
    try:
        chosen = loader(target)
    except AaibCpError as exc:
        add(("tree",) if "tree" in data else (), str(exc).splitlines()[0])
        raise fail() from None
    peers = data.get("peers")
    if peers is not None and not (isinstance(peers, str) and peers.strip()):
        add(("peers",), f"peers must be text, not {type_name(peers)}")
        peers = None
    given = data.get("answers")
    if not isinstance(given, dict) or not given:
        add(("answers",) if "answers" in data else (), "answers must be a non-empty mapping")
        raise fail()
    answers: dict[str, AnswerGiven] = {}
    question_ids = [q.id for q in chosen.questions]
    for qid, item in given.items():
        path: PathKey = ("answers", qid)
        if qid not in question_ids:
            hint = did_you_mean(str(qid), question_ids)
            add(path, f"unknown question {qid!r} in tree {chosen.name}{hint}", key=True)
            continue
        if not isinstance(item, dict):
            add(
                path,
                f"an answer must be a mapping with answer and rationale, not {type_name(item)}",
            )
            continue
        for key in item:
            if key not in _ANSWER_KEYS:
                hint = did_you_mean(str(key), _ANSWER_KEYS)
                add((*path, key), f"unknown key {key!r}{hint}", key=True)
        ok = True
        try:
            answer = parse_answer(item.get("answer"))
        except ValueError as exc:
            add((*path, "answer") if "answer" in item else path, str(exc))
            ok = False
        rationale = item.get("rationale")
        if not isinstance(rationale, str) or not rationale.strip():
            add(
                (*path, "rationale") if "rationale" in item else path,
                "every answer needs a rationale; this one is blank"
                if isinstance(rationale, str)
                else f"every answer needs a rationale (text), not {type_name(rationale)}",
            )
            ok = False
        refs = item.get("evidence", [])
        refs = [refs] if isinstance(refs, str) else refs
        labels: list[str] = []
        if not isinstance(refs, list):
            add(
                (*path, "evidence"),
                f"evidence must be a list of item references, not {type_name(refs)}",
            )
            ok = False
            refs = []
        for i, ref in enumerate(refs):
            where = (
                (*path, "evidence", i)
                if isinstance(item.get("evidence"), list)
                else (*path, "evidence")
            )
            if not isinstance(ref, str):
                add(where, f"an evidence reference must be text like E3, not {type_name(ref)}")
                ok = False
                continue
            try:
                labels.append(evidence(ref) if evidence else ref.strip())
            except ValueError as exc:
                add(where, str(exc))
                ok = False
        if ok:
            answers[qid] = AnswerGiven(answer, rationale, tuple(labels))
    if problems:
        raise fail()
    _check_path(chosen, answers, peers, add)
    if problems:
        raise fail()
    return chosen, answers, peers


def _check_path(
    tree: DecisionTree,
    answers: Mapping[str, AnswerGiven],
    peers: str | None,
    add: Callable[..., None],
) -> None:
    """Locate unanswered, off-path and missing-peers problems."""
    plain = {q: a.answer for q, a in answers.items()}
    try:
        walk = tree.walk(plain)
    except InputError as exc:
        add(("answers",), str(exc).removeprefix(f"{tree.name}: "))
        return
    route = " -> ".join([*(q for q, _ in walk.path), walk.outcome.id])
    for qid in walk.unused:
        add(
            ("answers", qid),
            f"question {qid!r} is not on the path of these answers ({route})",
            key=True,
        )
    needs_peers = [q for q, _ in walk.path if tree.question(q).needs_note]
    if needs_peers and not peers:
        q = tree.question(needs_peers[0])
        add((), f"peers is required because {q.id!r} is on the path: {q.note_prompt}")
    if peers and not needs_peers:
        add(
            ("peers",), f"peers belong to the substitution test, which is not on the path ({route})"
        )


# -- stored records -----------------------------------------------------------------
def _when(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


@attrs.frozen
class Act:
    """An act or omission of concern (a key decision), by a registered person."""

    id: int
    case_id: str
    ref: str
    kind: str
    person: str
    when: str
    description: str
    chronology: tuple[str, ...]
    evidence: tuple[str, ...]
    added_at: datetime
    added_by: str
    #: review status of the current classification, or ``unclassified``
    status: str = "unclassified"
    factors: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping (the person by pseudonym; no classification outcome)."""
        return {
            "act": self.ref,
            "kind": self.kind,
            "person": self.person,
            "when": self.when,
            "description": self.description,
            "chronology": list(self.chronology),
            "evidence": list(self.evidence),
            "factors": list(self.factors),
            "classification": self.status,
            "added_at": self.added_at.isoformat(),
            "added_by": self.added_by,
        }


@attrs.frozen
class Factor:
    """A contributory factor coded against a taxonomy, bearing on one or more acts."""

    id: int
    case_id: str
    ref: str
    code: str
    label: str
    level: str
    taxonomy: str
    taxonomy_version: int
    taxonomy_hash: str
    note: str
    acts: tuple[str, ...]
    evidence: tuple[str, ...]
    added_at: datetime
    added_by: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "factor": self.ref,
            "code": self.code,
            "label": self.label,
            "level": self.level,
            "taxonomy": {
                "name": self.taxonomy,
                "version": self.taxonomy_version,
                "content_hash": self.taxonomy_hash,
            },
            "note": self.note,
            "acts": list(self.acts),
            "evidence": list(self.evidence),
            "added_at": self.added_at.isoformat(),
            "added_by": self.added_by,
        }


@attrs.frozen
class Finding:
    """A statement of what was found: causal, contributory or other."""

    id: int
    case_id: str
    ref: str
    kind: str
    text: str
    acts: tuple[str, ...]
    factors: tuple[str, ...]
    evidence: tuple[str, ...]
    added_at: datetime
    added_by: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "finding": self.ref,
            "kind": self.kind,
            "text": self.text,
            "acts": list(self.acts),
            "factors": list(self.factors),
            "evidence": list(self.evidence),
            "added_at": self.added_at.isoformat(),
            "added_by": self.added_by,
        }


@attrs.frozen
class Review:
    """A reviewer's confirmation of a classification, or its return with a reason."""

    action: str  # "confirmed" | "returned"
    reason: str | None
    at: datetime
    by: str
    role: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "action": self.action,
            "reason": self.reason,
            "at": self.at.isoformat(),
            "by": self.by,
            "role": self.role,
        }


@attrs.frozen
class Classification:
    """One stored version of an act's classification (restricted: the safe space)."""

    id: int
    case_id: str
    act: str
    version: int
    record: Mapping[str, Any]
    classified_at: datetime
    classified_by: str
    role: str
    superseded: bool = False
    reviews: tuple[Review, ...] = ()

    @property
    def outcome(self) -> Mapping[str, Any]:
        """The outcome reached (id, label, category, response, marx, nhs_outcome, ...)."""
        return self.record["outcome"]

    @property
    def label(self) -> str:
        """``A2 v1``."""
        return f"{self.act} v{self.version}"

    @property
    def needs_confirmation(self) -> bool:
        """Whether the outcome refers the person onward, so a reviewer must confirm it."""
        return bool(self.outcome["refers_onward"])

    @property
    def evidence(self) -> tuple[str, ...]:
        """Every evidence label the answers cite."""
        return tuple(self.record["evidence"])

    @property
    def status(self) -> str:
        """One of :data:`STATUSES`."""
        if not self.needs_confirmation:
            return "not_required"
        if not self.reviews:
            return "awaiting_confirmation"
        return self.reviews[-1].action

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping (restricted: the answers and rationales)."""
        return {
            "act": self.act,
            "version": self.version,
            "superseded": self.superseded,
            "status": self.status,
            "classified_at": self.classified_at.isoformat(),
            "classified_by": self.classified_by,
            "role": self.role,
            "record": dict(self.record),
            "reviews": [r.to_json() for r in self.reviews],
        }


def review_problem(classification: Classification, *, reviewer: str, action: str) -> str | None:
    """Why ``reviewer`` may not ``confirm``/``return`` this classification (None: they may)."""
    c = classification
    label = f"act {c.act} ({c.outcome['label'].lower()}, version {c.version})"
    if c.superseded:
        return f"{label} is superseded by a later classification; review the current one"
    if not c.needs_confirmation:
        return f"{label} needs no second signature: its outcome refers no one onward"
    if c.status == "confirmed":
        return f"{label} is already confirmed by {c.reviews[-1].by}"
    if c.status == "returned":
        return f"{label} was returned by {c.reviews[-1].by}; it must be classified again first"
    if reviewer == c.classified_by:
        verb = "confirm" if action == "confirm" else "return"
        return (
            f"{reviewer} classified {label} and so cannot {verb} it:"
            " another reviewer must (four eyes)"
        )
    return None


def link_labels(values: Sequence[str]) -> tuple[str, ...]:
    """References in order, without repeats."""
    return tuple(dict.fromkeys(values))
