"""Just-culture decision trees, defined as data and walked one act or omission at a time.

A tree is a YAML file (shipped ones live in ``aaib_cp/data/trees``)::

    name: reason-culpability         # slug; shipped files are named <name>.yaml
    version: 1                       # positive integer, raised on every change
    title: Culpability decision tree for unsafe acts
    source: Reason, J. (1997) ...    # citation
    start: actions_intended          # id of the first question
    questions:
      actions_intended:              # question id
        text: Were the actions as intended?
        help: ...                    # optional guidance for the person answering
        kind: intent                 # optional, see below
        yes: consequences_intended   # next question id, or an outcome id
        no: unauthorised_substance
    outcomes:
      sabotage:                      # outcome id
        label: Sabotage, malevolent damage
        culpability: 8               # rank within this tree; 0 = least culpable
        category: wrongdoing         # honest_error | at_risk | wrongdoing
        response: refer to employer, regulator and police
        marx: reckless               # human_error | at_risk | reckless (console/coach/sanction)
        nhs_outcome: A               # optional; the (closest) NHS just culture letter A-G
        refers_onward: true          # the person's part goes to employer/regulator/police

Question and outcome ids share one namespace and match ``[A-Za-z][A-Za-z0-9_]*``.

A question's ``kind`` says what it asks about and so which answer favours the person
(the *mitigating* answer). The loader proves, for every question with a kind, that the
mitigating answer never gives a more culpable outcome than the other one, all other
answers being equal; a tree that breaks this is refused. Phrase questions to match:

=============  ===========  ============================================================
kind           mitigating   asks
=============  ===========  ============================================================
procedures     no           were procedures available, workable, intelligible, correct,
                            in place, in routine use?
substitution   yes          would comparable peers have done the same? (the answer must
                            record who the peers were: :attr:`Question.needs_note`)
intent         no           was the act, its consequence or a departure intended?
substance      no           was an unauthorised substance involved?
health         yes          was there a medical condition or ill health?
training       yes          were there gaps in training, selection or experience?
supervision    yes          did seniors fail to give normal supervision?
mitigation     yes          were there significant mitigating circumstances?
history        no           is there a history of unsafe acts?
=============  ===========  ============================================================

Every problem in a file is reported at once, each located ``file:line:col``, in a
:class:`~aaib_cp.exceptions.DefinitionError`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import attrs

from aaib_cp.analysis.definition_files import (
    Checker,
    data_hash,
    did_you_mean,
    read_definition,
    shipped_names,
)
from aaib_cp.exceptions import DefinitionError, InputError
from aaib_cp.workflow.yaml_source import Document

__all__ = [
    "CATEGORIES",
    "MARX_RESPONSES",
    "MITIGATING_ANSWER",
    "NHS_OUTCOMES",
    "DecisionTree",
    "Outcome",
    "Question",
    "Walk",
    "load_tree",
    "shipped_trees",
]

#: For each question kind, the answer that favours the person.
MITIGATING_ANSWER: Mapping[str, bool] = MappingProxyType(
    {
        "procedures": False,
        "substitution": True,
        "intent": False,
        "substance": False,
        "health": True,
        "training": True,
        "supervision": True,
        "mitigation": True,
        "history": False,
    }
)
#: Outcome categories, from honest error to deliberate wrongdoing.
CATEGORIES: tuple[str, ...] = ("honest_error", "at_risk", "wrongdoing")
#: Marx's behaviour classes and the response each calls for.
MARX_RESPONSES: Mapping[str, str] = MappingProxyType(
    {"human_error": "console", "at_risk": "coach", "reckless": "sanction"}
)
#: Outcome letters of the NHS just culture guide.
NHS_OUTCOMES: tuple[str, ...] = ("A", "B", "C", "D", "E", "F", "G")

_PEERS_PROMPT = "Who were the comparable peers (role, experience, team, workload)?"


@attrs.frozen
class Question:
    """One yes/no question; ``yes`` and ``no`` name the next question or an outcome."""

    id: str
    text: str
    yes: str
    no: str
    kind: str | None = attrs.field(default=None, kw_only=True)
    help: str | None = attrs.field(default=None, kw_only=True)

    def target(self, answer: bool) -> str:
        """The id that follows ``answer``."""
        return self.yes if answer else self.no

    @property
    def mitigating_answer(self) -> bool | None:
        """The answer that favours the person, or ``None`` when the question has no kind."""
        return MITIGATING_ANSWER.get(self.kind) if self.kind else None

    @property
    def needs_note(self) -> bool:
        """Whether the answer must come with a note (who the peers were, for substitution)."""
        return self.kind == "substitution"

    @property
    def note_prompt(self) -> str | None:
        """What the note must say, or ``None`` when no note is needed."""
        return _PEERS_PROMPT if self.needs_note else None


@attrs.frozen
class Outcome:
    """Where a walk ends: a culpability rank and the response it calls for."""

    id: str
    label: str
    culpability: int
    category: str
    response: str
    marx: str
    refers_onward: bool
    nhs_outcome: str | None = attrs.field(default=None, kw_only=True)

    @property
    def marx_response(self) -> str:
        """Marx's response to the behaviour: ``console``, ``coach`` or ``sanction``."""
        return MARX_RESPONSES[self.marx]


@attrs.frozen
class Walk:
    """The answers given, in order, and the outcome they lead to in one tree version."""

    tree: str
    version: int
    content_hash: str
    path: tuple[tuple[str, bool], ...]
    outcome: Outcome
    notes: tuple[tuple[str, str], ...] = attrs.field(default=(), kw_only=True)
    unused: tuple[str, ...] = attrs.field(default=(), kw_only=True)
    missing_notes: tuple[str, ...] = attrs.field(default=(), kw_only=True)

    @property
    def answers(self) -> dict[str, bool]:
        """The answers on the path, as a mapping."""
        return dict(self.path)

    def as_record(self) -> dict[str, Any]:
        """Plain JSON-ready data for storing the classification."""
        return {
            "tree": self.tree,
            "version": self.version,
            "content_hash": self.content_hash,
            "path": [{"question": q, "answer": a} for q, a in self.path],
            "notes": dict(self.notes),
            "outcome": self.outcome.id,
        }


@attrs.frozen
class DecisionTree:
    """A validated decision tree. Build with :meth:`from_document` or :func:`load_tree`."""

    name: str
    version: int
    title: str
    source: str
    start: str
    questions: tuple[Question, ...]
    outcomes: tuple[Outcome, ...]
    content_hash: str
    filename: str = attrs.field(default="<string>", kw_only=True, eq=False)
    _question_index: Mapping[str, Question] = attrs.field(
        init=False, eq=False, repr=False, hash=False
    )
    _outcome_index: Mapping[str, Outcome] = attrs.field(
        init=False, eq=False, repr=False, hash=False
    )

    def __attrs_post_init__(self) -> None:
        questions = MappingProxyType({q.id: q for q in self.questions})
        outcomes = MappingProxyType({o.id: o for o in self.outcomes})
        object.__setattr__(self, "_question_index", questions)
        object.__setattr__(self, "_outcome_index", outcomes)

    # -- construction -------------------------------------------------------------

    @classmethod
    def from_document(cls, doc: Document, *, content_hash: str | None = None) -> DecisionTree:
        """Validate a loaded YAML document and build the tree.

        ``content_hash`` should be the sha256 of the file's bytes (as :func:`load_tree`
        gives); without it, the sha256 of the data's canonical JSON is used.
        Raises :class:`DefinitionError` listing every problem found.
        """
        from aaib_cp.analysis.tree_checks import build_tree

        checker = Checker(doc)
        tree = build_tree(checker, doc.data, content_hash or data_hash(doc.data), doc.filename)
        if checker.problems or tree is None:
            raise DefinitionError(sorted(checker.problems, key=lambda p: (p.line, p.column)))
        return tree

    # -- lookup -------------------------------------------------------------------

    def question(self, question_id: str) -> Question:
        """The question with this id; :class:`InputError` (with a suggestion) if none."""
        try:
            return self._question_index[question_id]
        except (KeyError, TypeError):
            hint = did_you_mean(str(question_id), self._question_index)
            raise InputError(f"{self.name}: no question {question_id!r}{hint}") from None

    def outcome(self, outcome_id: str) -> Outcome:
        """The outcome with this id; :class:`InputError` (with a suggestion) if none."""
        try:
            return self._outcome_index[outcome_id]
        except (KeyError, TypeError):
            hint = did_you_mean(str(outcome_id), self._outcome_index)
            raise InputError(f"{self.name}: no outcome {outcome_id!r}{hint}") from None

    def is_outcome(self, node_id: str) -> bool:
        """Whether ``node_id`` names an outcome (rather than a question)."""
        return node_id in self._outcome_index

    # -- navigation ---------------------------------------------------------------

    def step(self, question_id: str, answer: bool) -> str:
        """The id (question or outcome) that follows answering ``question_id``."""
        question = self.question(question_id)
        if not isinstance(answer, bool):
            raise InputError(f"{self.name}: answer to {question_id!r} must be true or false")
        return question.target(answer)

    def walk(
        self,
        answers: Mapping[str, bool],
        *,
        notes: Mapping[str, str] | None = None,
        strict: bool = False,
    ) -> Walk:
        """Follow ``answers`` from the start to an outcome.

        Answers to questions off the path are allowed and listed in ``Walk.unused``;
        with ``strict`` they are an error, and so is a missing note for a question that
        needs one (``Question.needs_note``). Raises :class:`InputError` for unknown
        question ids, non-boolean answers, or the first unanswered question on the path.
        """
        if not isinstance(answers, Mapping) or not isinstance(notes or {}, Mapping):
            raise InputError(f"{self.name}: answers and notes must map question ids to values")
        notes = dict(notes or {})
        self._check_keys("answers", answers)
        self._check_keys("notes", notes)
        for qid, value in answers.items():
            if not isinstance(value, bool):
                raise InputError(
                    f"{self.name}: answer to {qid!r} must be true or false, not {value!r}"
                )
        for qid, note in notes.items():
            if not isinstance(note, str):
                raise InputError(f"{self.name}: note on {qid!r} must be text, not {note!r}")
        path: list[tuple[str, bool]] = []
        node = self.start
        while node in self._question_index:
            if node not in answers:
                raise InputError(
                    f"{self.name}: question {node!r} is unanswered: {self.question(node).text}"
                )
            path.append((node, answers[node]))
            node = self._question_index[node].target(answers[node])
        on_path = {qid for qid, _ in path}
        unused = tuple(q.id for q in self.questions if q.id in answers and q.id not in on_path)
        missing = tuple(
            qid
            for qid, _ in path
            if self._question_index[qid].needs_note and not notes.get(qid, "").strip()
        )
        if strict:
            off_path = [qid for qid in notes if qid not in on_path]
            if unused or off_path:
                listed = ", ".join(repr(q) for q in [*unused, *off_path])
                raise InputError(f"{self.name}: answers or notes not on the path: {listed}")
            if missing:
                q = self.question(missing[0])
                raise InputError(
                    f"{self.name}: the answer to {q.id!r} needs a note: {q.note_prompt}"
                )
        return Walk(
            self.name,
            self.version,
            self.content_hash,
            tuple(path),
            self._outcome_index[node],
            notes=tuple((qid, notes[qid]) for qid, _ in path if qid in notes),
            unused=unused,
            missing_notes=missing,
        )

    def paths(self) -> tuple[Walk, ...]:
        """Every path from the start to an outcome, ``yes`` branches first."""
        return tuple(self._paths(self.start, ()))

    def _paths(self, node: str, path: tuple[tuple[str, bool], ...]) -> Iterator[Walk]:
        if node in self._outcome_index:
            needs = tuple(q for q, _ in path if self._question_index[q].needs_note)
            yield Walk(
                self.name,
                self.version,
                self.content_hash,
                path,
                self._outcome_index[node],
                missing_notes=needs,
            )
            return
        question = self._question_index[node]
        for answer in (True, False):
            yield from self._paths(question.target(answer), (*path, (node, answer)))

    def _check_keys(self, what: str, given: Mapping[str, Any]) -> None:
        unknown = [key for key in given if key not in self._question_index]
        if unknown:
            listed = ", ".join(
                f"{key!r}{did_you_mean(str(key), self._question_index)}" for key in unknown
            )
            raise InputError(f"{self.name}: unknown question(s) in {what}: {listed}")


def load_tree(path_or_name: str | Path) -> DecisionTree:
    """Load a tree from a file path, or a shipped tree by bare name (``"nhs-just-culture"``)."""
    doc, digest = read_definition(path_or_name, kind="trees", what="decision tree")
    return DecisionTree.from_document(doc, content_hash=digest)


def shipped_trees() -> list[str]:
    """Names of the decision trees shipped with aaib-cp, sorted."""
    return shipped_names("trees")
