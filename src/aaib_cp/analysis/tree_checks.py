"""Checking a decision tree's YAML document and building the :class:`DecisionTree`.

Every problem is collected by a :class:`~aaib_cp.analysis.definition_files.Checker`,
located in the file: unknown keys, bad ids, dangling answers, unreachable questions or
outcomes, cycles, and question kinds whose mitigating answer can be more culpable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from aaib_cp.analysis.decision_tree import (
    CATEGORIES,
    MARX_RESPONSES,
    MITIGATING_ANSWER,
    NHS_OUTCOMES,
    DecisionTree,
    Outcome,
    Question,
)
from aaib_cp.analysis.definition_files import Checker, did_you_mean

__all__ = ["build_tree"]

_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
_TOP_KEYS = ("name", "version", "title", "source", "start", "questions", "outcomes")
_QUESTION_KEYS = ("text", "yes", "no")
_QUESTION_OPTIONAL = ("help", "kind")
_OUTCOME_KEYS = ("label", "culpability", "category", "response", "marx", "refers_onward")
_OUTCOME_OPTIONAL = ("nhs_outcome",)
# Bound on the search that checks mitigating answers; far above what a real tree needs.
_CHECK_BUDGET = 200_000


def build_tree(checker: Checker, data: Any, digest: str, filename: str) -> DecisionTree | None:
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
