"""Acts of concern, contributory factors, findings and just-culture classifications.

Pure domain code (no SQLite, no click): the answers-file reader, the rule that turns a
:class:`~aaib_cp.analysis.decision_tree.Walk` plus rationales, evidence and peers into the
stored classification record, and the four-eyes rule. The stored records are in
:mod:`aaib_cp.analysis.model`.

A classification whose outcome refers the person onward (``Outcome.refers_onward``:
possible reckless violation, sabotage, substance abuse without mitigation, ...) needs
a second signature: an appointed reviewer who is not the classifier confirms it or
returns it with a reason. Honest-error outcomes need no second signature.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from aaib_cp.analysis.decision_tree import DecisionTree, load_tree
from aaib_cp.analysis.definition_files import did_you_mean, type_name
from aaib_cp.analysis.model import Classification
from aaib_cp.exceptions import AaibCpError, InputError
from aaib_cp.workflow.input_text import clean_text
from aaib_cp.workflow.yaml_source import Document, PathKey

__all__ = [
    "DEFAULT_TREE",
    "AnswerGiven",
    "ClassificationDraft",
    "draft_classification",
    "parse_answer",
    "read_answers",
    "review_problem",
]

#: The tree used when none is named.
DEFAULT_TREE = "reason-culpability"
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


def _as_tuple(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


@attrs.frozen
class AnswerGiven:
    """One answer with its rationale and the evidence items it cites (labels, ``E3``)."""

    answer: bool
    rationale: str
    evidence: tuple[str, ...] = attrs.field(default=(), converter=_as_tuple)


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
        if ok and isinstance(rationale, str):
            answers[qid] = AnswerGiven(answer, rationale, labels)
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


def review_problem(classification: Classification, *, action: str) -> str | None:
    """Why this classification cannot be ``confirm``-ed or ``return``-ed now (None: it can).

    Who may not review it (the classifier) is separation of duties, checked by account id
    in :func:`aaib_cp.workflow.access.separation_problem`.
    """
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
    return None
