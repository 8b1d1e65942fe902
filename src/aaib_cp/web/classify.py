"""The classification wizard, one question at a time, and the reviewer's confirmation.

The answers so far travel in the form (a JSON field) from step to step; nothing is
stored until the last step, when :meth:`Analysis.classify` walks the tree again with
every answer and checks each one, so an edited field can only be refused. Only the
shipped trees may be named.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from aaib_cp.exceptions import InputError
from aaib_cp.web.context import Ctx

__all__ = ["routes"]

#: The most answers a walk may carry (the shipped trees have at most a dozen questions).
MAX_ANSWERS = 50


def _analysis(ctx: Ctx) -> Any:
    from aaib_cp.analysis.service import Analysis

    return Analysis(ctx.engine)


def _tree(name: str) -> Any:
    from aaib_cp.analysis.classification import DEFAULT_TREE
    from aaib_cp.analysis.decision_tree import load_tree, shipped_trees

    chosen = name or DEFAULT_TREE
    if chosen not in shipped_trees():
        raise InputError(f"tree: expected one of {', '.join(shipped_trees())} (got {chosen!r})")
    return load_tree(chosen)


def _answers(text: str) -> dict[str, dict[str, Any]]:
    """The answers so far, as the previous step wrote them."""
    try:
        data = json.loads(text or "{}")
    except ValueError:
        raise InputError("answers: the form's answers are damaged; start again") from None
    if not isinstance(data, dict) or len(data) > MAX_ANSWERS:
        raise InputError("answers: the form's answers are damaged; start again")
    return data


def _node(tree: Any, answers: dict[str, dict[str, Any]]) -> str:
    """The first question on the path not answered yet, or the outcome reached."""
    node = tree.start
    while not tree.is_outcome(node) and node in answers:
        node = tree.step(node, bool(answers[node].get("answer")))
    return str(node)


def wizard(ctx: Ctx) -> Response:
    """A step of the walk: a GET starts it; each POST adds one answer, or saves at the end."""
    case = ctx.case()
    act = ctx.request.path_params["act"]
    tree = _tree(ctx.field("tree") or ctx.query("tree"))
    allowed = ctx.engine.definition_for(case).roles_for("analyse")
    roles = [r for r in ctx.roles_on(case) if r in allowed]
    role = ctx.field("role") or (roles[0] if roles else "")
    found = _analysis(ctx).check_can_classify(case.id, act, actor=ctx.me, role=role)
    answers = _answers(ctx.field("answers"))
    question = ctx.field("question")
    if question and ctx.field("answer") in ("yes", "no"):
        answers[question] = {
            "answer": ctx.field("answer") == "yes",
            "rationale": ctx.field("rationale", required=True),
            "evidence": [e.strip() for e in ctx.field("evidence").split(",") if e.strip()],
        }
    peers = ctx.field("peers") or None
    node = _node(tree, answers)
    if tree.is_outcome(node) and ctx.field("save") == "yes":
        return _save(ctx, case.id, act, tree, answers, peers, role)
    return ctx.page(
        "classify.html",
        case=case,
        act=found,
        tree=tree,
        role=role,
        answers=answers,
        answers_json=json.dumps(answers),
        peers=peers or "",
        question=None if tree.is_outcome(node) else tree.question(node),
        outcome=tree.outcome(node) if tree.is_outcome(node) else None,
        step=len(answers) + 1,
    )


def _save(
    ctx: Ctx,
    case_id: str,
    act: str,
    tree: Any,
    answers: dict[str, dict[str, Any]],
    peers: str | None,
    role: str,
) -> Response:
    from aaib_cp.analysis.classification import AnswerGiven

    given = {
        str(q): AnswerGiven(
            bool(a.get("answer")), str(a.get("rationale", "")), tuple(a.get("evidence") or ())
        )
        for q, a in answers.items()
    }

    def save() -> Any:
        return _analysis(ctx).classify(
            case_id, act, given, tree=tree, peers=peers, actor=ctx.me, role=role
        )

    done = "classified {result.act} as {result.outcome[label]} (version {result.version})"
    return ctx.attempt(f"/cases/{case_id}/analysis", save, done)


def review(ctx: Ctx) -> Response:
    """The reviewer confirms the current classification, or returns it with a reason."""
    case = ctx.case()
    act = ctx.request.path_params["act"]
    service = _analysis(ctx)
    role = ctx.field("role")
    if ctx.field("decision") == "confirm":

        def act_on() -> Any:
            return service.confirm(case.id, act, actor=ctx.me, role=role)

        done = "confirmed the classification of " + act
    else:

        def act_on() -> Any:
            return service.return_(
                case.id, act, reason=ctx.field("reason"), actor=ctx.me, role=role
            )

        done = "returned the classification of " + act
    return ctx.attempt(f"/cases/{case.id}/analysis", act_on, done)


def routes(route: Callable[..., Route]) -> list[Route]:
    """This module's routes."""
    return [
        route("/cases/{case_id}/classify/{act}", wizard, methods=("GET", "POST")),
        route("/cases/{case_id}/review/{act}", review, methods=("POST",)),
    ]
