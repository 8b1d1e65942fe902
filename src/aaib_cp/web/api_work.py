"""The JSON API's remaining screens: my work, search across cases, the themes across
cases, and a chronology CSV import (checked first, if asked, writing nothing), through
the services those screens use (``Engine``, ``Learning``, ``Casebook``).

An import's CSV is the request body itself (``Content-Type: text/csv``) or the ``file``
of a ``multipart/form-data`` body; ``?agency=`` and ``?role=`` say whose it is, and
``?check=true`` answers with every row it would add and every row error instead (for a
file of up to 2 MB, as the screen's preview).
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from starlette.responses import Response

from aaib_cp.exceptions import InputError
from aaib_cp.web.api_support import CASE, Operation, json_response
from aaib_cp.web.context import Ctx
from aaib_cp.web.records import MAX_IMPORT, _casebook, uploaded

__all__ = ["WORK_OPERATIONS"]


def my_work(ctx: Ctx) -> Response:
    """The cases you are appointed on with your roles, and their clocks, soonest first
    (as the "My work" page)."""
    serving = set(ctx.store.accounts.cases_serving(ctx.me.id))
    cases = [c for c in ctx.engine.access.readable_cases(actor=ctx.me) if c.id in serving]
    return json_response(
        {
            "cases": [
                {
                    **c.to_json(),
                    "my_roles": [
                        m.role for m in ctx.engine.team(c.id) if m.account_id == ctx.me.id
                    ],
                }
                for c in cases
            ],
            "clocks": [clock.to_json() for clock in ctx.engine.open_clocks(cases)],
        }
    )


def search(ctx: Ctx) -> Response:
    """Full-text search (``?q=``) over the records of the cases you may see, best first,
    at most 50 (as the search page)."""
    from aaib_cp.learning.service import Learning

    query = ctx.query("q").strip()
    if not query:
        raise InputError("q: give the words to search for")
    visible = {c.id for c in ctx.engine.access.readable_cases(actor=ctx.me)}
    found = Learning(ctx.engine).search(query, limit=500)
    return json_response([h.to_json() for h in found if h.case_id in visible][:50])


def themes(ctx: Ctx) -> Response:
    """Counts across cases (``?since=YYYY-MM-DD``): factor codes by the cases they occur
    in, the recurring ones, recommendations per addressee. No case is named."""
    from aaib_cp.learning.service import Learning

    since_text = ctx.query("since").strip()
    try:
        since = date.fromisoformat(since_text) if since_text else None
    except ValueError:
        raise InputError(f"since: expected a date YYYY-MM-DD (got {since_text!r})") from None
    counts = Learning(ctx.engine).themes(since=since).to_json()
    for factor in counts["factors"]:
        del factor["case_ids"]  # counts only: which cases is not for every account
    return json_response(counts)


def _flag(ctx: Ctx, name: str) -> bool:
    value = ctx.query(name).strip().lower()
    if value not in ("", "true", "false", "1", "0"):
        raise InputError(f"{name}: expected true or false (got {value!r})")
    return value in ("true", "1")


def import_chronology(ctx: Ctx) -> Response:
    """Import an agency's chronology CSV: every row, or (if any row is invalid) none,
    with every row error; ``?check=true`` only checks, writing nothing."""
    from aaib_cp.evidence.chronology_csv import ImportRejected

    case = ctx.case()
    role = ctx.query("role").strip()
    if not role:
        raise InputError("role: must not be empty")
    agency = ctx.query("agency").strip() or None
    book = _casebook(ctx)
    with (
        uploaded(ctx, "file") as (sent, sent_name),
        tempfile.TemporaryDirectory(prefix="aaib-import-") as folder,
    ):
        name = Path(ctx.query("filename") or sent_name or "upload.csv").name
        path = Path(folder) / name
        if sent is not None:
            sent.replace(path)
        elif ctx.form is None and ctx.request.state.body:
            path.write_bytes(ctx.request.state.body)
        else:
            raise InputError("file: send the CSV as the body (text/csv) or as the form's file")
        if _flag(ctx, "check"):
            if path.stat().st_size > MAX_IMPORT:  # a check holds every row, as the preview does
                raise InputError(
                    f"check: the file is larger than {MAX_IMPORT // 1024 // 1024} MB; import it"
                    " without check (all rows or none, every row error listed)"
                )
            drafts, errors = book.check_chronology(
                case.id, path.read_bytes(), filename=name, agency=agency, actor=ctx.me, role=role
            )
            return json_response(
                {"rows": len(drafts), "errors": [_error(e) for e in errors], "written": False}
            )
        try:
            refs = book.import_chronology(case.id, path, agency=agency, actor=ctx.me, role=role)
        except ImportRejected as exc:
            return json_response(
                {"error": str(exc).splitlines()[-1], "errors": [_error(e) for e in exc.errors]},
                status_code=400,
            )
    return json_response({"imported": len(refs), "refs": refs}, status_code=201)


def _error(error: Any) -> dict[str, Any]:
    return {"row": error.row, "field": error.field, "message": error.message, "text": str(error)}


_CSV = {"type": "string", "contentMediaType": "text/csv"}
_IMPORT = {
    "required": True,
    "content": {
        "text/csv": {"schema": _CSV},
        "multipart/form-data": {
            "schema": {"type": "object", "required": ["file"], "properties": {"file": _CSV}}
        },
    },
}

#: (path, method, handler, summary, request body schema) of these operations.
WORK_OPERATIONS: list[Operation] = [
    ("/api/work", "get", my_work, "My cases, roles and clocks", None),
    ("/api/search", "get", search, "Search the cases you may see", None),
    ("/api/learning/themes", "get", themes, "Themes across cases (counts only)", None),
    (
        f"{CASE}/chronology/import",
        "post",
        import_chronology,
        "Import (or check) a chronology CSV",
        _IMPORT,
    ),
]
