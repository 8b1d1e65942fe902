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

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import attrs

from aaib_cp.analysis._common import (
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

_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
_TOP_KEYS = ("name", "version", "title", "source", "start", "questions", "outcomes")
_QUESTION_KEYS = ("text", "yes", "no")
_QUESTION_OPTIONAL = ("help", "kind")
_OUTCOME_KEYS = ("label", "culpability", "category", "response", "marx", "refers_onward")
_OUTCOME_OPTIONAL = ("nhs_outcome",)
_PEERS_PROMPT = "Who were the comparable peers (role, experience, team, workload)?"
# Bound on the search that checks mitigating answers; far above what a real tree needs.
_CHECK_BUDGET = 200_000


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
        checker = Checker(doc)
        tree = _build(checker, doc.data, content_hash or data_hash(doc.data), doc.filename)
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
        for qid, value in notes.items():
            if not isinstance(value, str):
                raise InputError(f"{self.name}: note on {qid!r} must be text, not {value!r}")
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


# -- validation -----------------------------------------------------------------------


def _build(checker: Checker, data: Any, digest: str, filename: str) -> DecisionTree | None:
    """Check everything that can be checked and build the tree if nothing is wrong."""
    if not checker.mapping((), data, required=_TOP_KEYS, what="a decision tree"):
        return None
    name, version = data.get("name"), data.get("version")
    if "name" in data:
        checker.ident(("name",), name, what="name", pattern=_NAME)
    if "version" in data:
        checker.version(("version",), version)
    for key in ("title", "source"):
        if key in data:
            checker.text((key,), data[key], what=key)

    questions = _questions(checker, data.get("questions"), "questions" in data)
    outcomes = _outcomes(checker, data.get("outcomes"), "outcomes" in data)
    for qid in questions.keys() & outcomes.keys():
        checker.add(("outcomes", qid), f"{qid!r} is both a question and an outcome id", key=True)
    targets = {**outcomes, **questions}

    start = data.get("start")
    if "start" in data:
        if not isinstance(start, str):
            checker.add(("start",), f"start must be a question id, not {start!r}")
        elif start in outcomes and start not in questions:
            checker.add(("start",), f"start must name a question, not outcome {start!r}")
        elif start not in questions:
            hint = did_you_mean(start, questions)
            checker.add(("start",), f"start names unknown question {start!r}{hint}")

    edges: dict[str, list[tuple[str, str]]] = {}
    for qid, question in questions.items():
        edges[qid] = []
        for answer in ("yes", "no"):
            target = question.get(answer)
            if answer not in question:
                continue
            where = ("questions", qid, answer)
            if not isinstance(target, str):
                checker.add(where, f"{answer} must be a question or outcome id, not {target!r}")
            elif target not in targets:
                hint = did_you_mean(target, targets)
                checker.add(
                    where, f"{answer} leads to unknown question or outcome {target!r}{hint}"
                )
            else:
                edges[qid].append((answer, target))

    if isinstance(start, str) and start in questions:
        reached = _reachable(start, edges)
        for qid in questions:
            if qid not in reached:
                checker.add(
                    ("questions", qid), f"question {qid!r} is unreachable from start", key=True
                )
        for oid in outcomes:
            if oid not in reached:
                checker.add(("outcomes", oid), f"outcome {oid!r} is never reached", key=True)
    _report_cycles(checker, edges)

    if checker.problems:
        return None
    tree = DecisionTree(
        name,
        version,
        data["title"],
        data["source"],
        start,
        tuple(
            Question(qid, q["text"], q["yes"], q["no"], kind=q.get("kind"), help=q.get("help"))
            for qid, q in questions.items()
        ),
        tuple(
            Outcome(
                oid,
                o["label"],
                o["culpability"],
                o["category"],
                o["response"],
                o["marx"],
                o["refers_onward"],
                nhs_outcome=o.get("nhs_outcome"),
            )
            for oid, o in outcomes.items()
        ),
        digest,
        filename=filename,
    )
    _check_mitigating_answers(checker, tree)
    return tree


def _questions(checker: Checker, value: Any, present: bool) -> dict[str, dict[str, Any]]:
    """Check the ``questions`` mapping; return the well-formed ones by id."""
    out: dict[str, dict[str, Any]] = {}
    if not present:
        return out
    if not isinstance(value, dict) or not value:
        checker.add(("questions",), "questions must be a non-empty mapping of id to question")
        return out
    for qid, question in value.items():
        path = ("questions", qid)
        checker.ident(path, qid, what="question id", pattern=_ID, key=True)
        if not checker.mapping(
            path, question, required=_QUESTION_KEYS, optional=_QUESTION_OPTIONAL, what="a question"
        ):
            out[qid] = {}  # still a known id, so references to it are not reported
            continue
        if "text" in question:
            checker.text((*path, "text"), question["text"], what="text")
        if "help" in question:
            checker.text((*path, "help"), question["help"], what="help")
        if "kind" in question:
            checker.choice((*path, "kind"), question["kind"], MITIGATING_ANSWER, what="kind")
        out[qid] = question
    return out


def _outcomes(checker: Checker, value: Any, present: bool) -> dict[str, dict[str, Any]]:
    """Check the ``outcomes`` mapping; return them by id."""
    out: dict[str, dict[str, Any]] = {}
    if not present:
        return out
    if not isinstance(value, dict) or not value:
        checker.add(("outcomes",), "outcomes must be a non-empty mapping of id to outcome")
        return out
    for oid, outcome in value.items():
        path = ("outcomes", oid)
        checker.ident(path, oid, what="outcome id", pattern=_ID, key=True)
        if not checker.mapping(
            path, outcome, required=_OUTCOME_KEYS, optional=_OUTCOME_OPTIONAL, what="an outcome"
        ):
            out[oid] = {}
            continue
        for key in ("label", "response"):
            if key in outcome:
                checker.text((*path, key), outcome[key], what=key)
        rank = outcome.get("culpability")
        if "culpability" in outcome and (
            isinstance(rank, bool) or not isinstance(rank, int) or rank < 0
        ):
            checker.add(
                (*path, "culpability"), f"culpability must be an integer >= 0, not {rank!r}"
            )
        if "category" in outcome:
            checker.choice((*path, "category"), outcome["category"], CATEGORIES, what="category")
        if "marx" in outcome:
            checker.choice((*path, "marx"), outcome["marx"], MARX_RESPONSES, what="marx")
        if "nhs_outcome" in outcome:
            checker.choice(
                (*path, "nhs_outcome"), outcome["nhs_outcome"], NHS_OUTCOMES, what="nhs_outcome"
            )
        if "refers_onward" in outcome and not isinstance(outcome["refers_onward"], bool):
            checker.add(
                (*path, "refers_onward"),
                f"refers_onward must be true or false, not {outcome['refers_onward']!r}",
            )
        out[oid] = outcome
    return out


def _reachable(start: str, edges: Mapping[str, list[tuple[str, str]]]) -> set[str]:
    seen = {start}
    stack = [start]
    while stack:
        for _, target in edges.get(stack.pop(), ()):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def _report_cycles(checker: Checker, edges: Mapping[str, list[tuple[str, str]]]) -> None:
    """Report every answer that closes a cycle, naming the cycle."""
    state: dict[str, str] = {}  # "open" while on the current trail, then "done"
    for root in edges:
        if root in state:
            continue
        trail = [root]
        state[root] = "open"
        stack: list[Iterator[tuple[str, str]]] = [iter(edges[root])]
        while stack:
            step = next(stack[-1], None)
            if step is None:
                stack.pop()
                state[trail.pop()] = "done"
                continue
            answer, target = step
            if target not in edges:
                continue
            if state.get(target) == "open":
                loop = " -> ".join([*trail[trail.index(target) :], target])
                checker.add(("questions", trail[-1], answer), f"cycle: {loop}")
            elif target not in state:
                state[target] = "open"
                trail.append(target)
                stack.append(iter(edges[target]))


def _check_mitigating_answers(checker: Checker, tree: DecisionTree) -> None:
    """Refuse a tree where a mitigating answer can give a more culpable outcome."""
    for question in tree.questions:
        favour = question.mitigating_answer
        if favour is None:
            continue
        counter = [0]
        found = _worse(
            tree,
            question.target(favour),
            question.target(not favour),
            {question.id: favour},
            counter,
        )
        if found is None:
            continue
        answers, bad, good = found
        given = ", ".join(
            f"{q}={'yes' if a else 'no'}" for q, a in answers.items() if q != question.id
        )
        mitigating = "yes" if favour else "no"
        checker.add(
            ("questions", question.id, "kind"),
            f"kind {question.kind!r} means answering {mitigating!r} must never be more culpable,"
            f" but {mitigating!r} leads to {bad.id!r} (culpability {bad.culpability}) and the"
            f" other answer to {good.id!r} (culpability {good.culpability})"
            + (f" when {given}" if given else ""),
        )


def _worse(
    tree: DecisionTree, a: str, b: str, fixed: dict[str, bool], counter: list[int]
) -> tuple[dict[str, bool], Outcome, Outcome] | None:
    """Find answers under which node ``a`` ends more culpable than node ``b``, if any."""
    counter[0] += 1
    if counter[0] > _CHECK_BUDGET:
        return None
    for node, other, first in ((a, b, True), (b, a, False)):
        if tree.is_outcome(node):
            continue
        question = tree.question(node)
        if node in fixed:
            nxt = question.target(fixed[node])
            return (
                _worse(tree, nxt, other, fixed, counter)
                if first
                else _worse(tree, other, nxt, fixed, counter)
            )
        for answer in (True, False):
            found = _worse(tree, a, b, {**fixed, node: answer}, counter)
            if found is not None:
                return found
        return None
    bad, good = tree.outcome(a), tree.outcome(b)
    return (fixed, bad, good) if bad.culpability > good.culpability else None
