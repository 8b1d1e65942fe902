"""The JSON API over just-culture classification: record one (every answer on the path
through the decision tree at once, as the wizard's last step and ``aaib classify
--answers`` send them), read it (recorded: the safe space), and the reviewer's
confirmation or return, through :class:`~aaib_cp.analysis.service.Analysis`.

Four eyes: the service refuses the classifier's own confirmation (403, recorded).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from aaib_cp.exceptions import InputError
from aaib_cp.web.analysis import _analysis
from aaib_cp.web.api_support import (
    CASE,
    Operation,
    body,
    json_response,
    optional_text,
    schema,
    text,
    texts,
    who,
)
from aaib_cp.web.classify import MAX_ANSWERS, _tree
from aaib_cp.web.context import Ctx
from aaib_cp.web.records import roles_with

__all__ = ["ANALYSIS_OPERATIONS"]


def _answers(data: dict[str, Any]) -> dict[str, Any]:
    """``answers`` as :class:`AnswerGiven` by question id (the service walks the tree)."""
    from aaib_cp.analysis.classification import AnswerGiven, parse_answer

    given = data.get("answers")
    if not isinstance(given, dict) or not given or len(given) > MAX_ANSWERS:
        raise InputError(
            "answers: expected an object of QUESTION: {answer, rationale, evidence}"
            f" (1 to {MAX_ANSWERS} questions)"
        )
    answers: dict[str, Any] = {}
    for qid, item in given.items():
        if not isinstance(item, dict):
            raise InputError(f"answers.{qid}: expected an object of answer, rationale, evidence")
        try:
            answer = parse_answer(item.get("answer"))
        except ValueError as exc:
            raise InputError(f"answers.{qid}: {exc}") from None
        rationale = item.get("rationale", "")
        if not isinstance(rationale, str):
            raise InputError(f"answers.{qid}.rationale: expected text")
        try:
            evidence = texts(item, "evidence")
        except InputError:
            raise InputError(f"answers.{qid}.evidence: expected a list of text") from None
        answers[qid] = AnswerGiven(answer, rationale, tuple(evidence))
    return answers


def classify(ctx: Ctx) -> Response:
    """Classify an act: ``tree`` (a shipped one; Reason's by default), every ``answers``
    on the path with its rationale and evidence, and ``peers`` at the substitution test.
    Classifying again stores a new version; 201 with the classification."""
    case, data = ctx.case(), body(ctx)
    done = _analysis(ctx).classify(
        case.id,
        ctx.request.path_params["act"],
        _answers(data),
        tree=_tree(optional_text(data, "tree") or ""),
        peers=optional_text(data, "peers"),
        **who(ctx, data),
    )
    return json_response(done.to_json(), 201)


def classification(ctx: Ctx) -> Response:
    """An act's current classification (``?all_versions=1``: every version), each
    question, answer, rationale and review. Restricted: the reading is recorded, in the
    ``?role=`` given (else the first role held that may read restricted material)."""
    case = ctx.case()
    readers = roles_with(ctx, case, "read_restricted")
    found = _analysis(ctx).classification(
        case.id,
        ctx.request.path_params["act"],
        actor=ctx.me,
        role=ctx.query("role") or (readers[0] if readers else None),
        all_versions=bool(ctx.query("all_versions")),
    )
    return json_response([c.to_json() for c in found])


def confirm(ctx: Ctx) -> Response:
    """Confirm the act's current classification as the second pair of eyes (never the
    classifier's own: refused, and the refusal recorded)."""
    case, data = ctx.case(), body(ctx)
    done = _analysis(ctx).confirm(case.id, ctx.request.path_params["act"], **who(ctx, data))
    return json_response(done.to_json())


def return_(ctx: Ctx) -> Response:
    """Send the act's current classification back to be classified again, saying why."""
    case, data = ctx.case(), body(ctx)
    done = _analysis(ctx).return_(
        case.id, ctx.request.path_params["act"], reason=text(data, "reason"), **who(ctx, data)
    )
    return json_response(done.to_json())


return_.__name__ = "return_classification"

_ANSWER = {
    "type": "object",
    "required": ["answer", "rationale"],
    "properties": {
        "answer": {"type": "boolean"},
        "rationale": {"type": "string"},
        "evidence": {"type": "array", "items": {"type": "string"}},
    },
}
_ANSWERS = {"type": "object", "additionalProperties": _ANSWER}
_PATH = f"{CASE}/acts/{{act}}/classification"

#: (path, method, handler, summary, request body schema) of the classification operations.
ANALYSIS_OPERATIONS: list[Operation] = [
    (_PATH, "get", classification, "An act's classification (recorded)", None),
    (
        _PATH,
        "post",
        classify,
        "Classify an act through a decision tree",
        schema(["answers"], tree="text", answers=_ANSWERS, peers="text"),
    ),
    (f"{_PATH}/confirm", "post", confirm, "Confirm a classification", schema([])),
    (
        f"{_PATH}/return",
        "post",
        return_,
        "Return a classification",
        schema(["reason"], reason="text"),
    ),
]
