"""The pages of a case's records: chronology, evidence, reports; and search across cases."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile
from starlette.responses import Response
from starlette.routing import Route

from aaib_cp.exceptions import InputError
from aaib_cp.web.context import Ctx

__all__ = ["REPORT_TYPES", "report_response", "roles_with", "routes", "uploaded"]

#: Report formats and the media type each is served as.
REPORT_TYPES = {
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
#: A report previewed in the browser runs no script and loads nothing.
REPORT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; sandbox"
)


def roles_with(ctx: Ctx, case: Any, permission: str) -> list[str]:
    """The roles I hold on the case that the workflow grants ``permission``."""
    allowed = ctx.engine.definition_for(case).roles_for(permission)
    return [r for r in ctx.roles_on(case) if r in allowed]


def _casebook(ctx: Ctx) -> Any:
    from aaib_cp.evidence.service import Casebook

    return Casebook(ctx.engine)


# -- chronology -------------------------------------------------------------------------
def chronology(ctx: Ctx) -> Response:
    """The integrated chronology, its gaps, and a form to add an entry."""
    case = ctx.case()
    book = _casebook(ctx)
    return ctx.page(
        "chronology.html",
        case=case,
        chron=book.chronology(case.id),
        agencies=book.agencies(case.id),
        roles=roles_with(ctx, case, "register_evidence"),
    )


def add_entry(ctx: Ctx) -> Response:
    """Add one chronology entry."""
    case = ctx.case()
    people = [p.strip() for p in ctx.field("people").split(";") if p.strip()]

    def act() -> Any:
        return _casebook(ctx).add_entry(
            case.id,
            when=ctx.field("when", required=True),
            agency=ctx.field("agency", required=True),
            what=ctx.field("what", required=True),
            people=people,
            evidence=ctx.field("evidence") or None,
            key_episode=ctx.field("key_episode") == "yes",
            actor=ctx.me,
            role=ctx.field("role"),
        )

    return ctx.attempt(f"/cases/{case.id}/chronology", act, "added {result.ref}")


#: The largest chronology CSV the import form takes (it travels back in the preview).
MAX_IMPORT = 2 * 1024 * 1024


def _upload(ctx: Ctx, name: str) -> UploadFile | None:
    value = ctx.form.get(name) if ctx.form is not None else None
    return value if isinstance(value, UploadFile) and value.filename else None


def preview_import(ctx: Ctx) -> Response:
    """Check an uploaded chronology CSV and show every row it would add and every row
    error; nothing is written. With no error, a button imports exactly that file."""
    case = ctx.case()
    upload = _upload(ctx, "file")
    if upload is None:
        raise InputError("file: choose a CSV file to preview")
    data = upload.file.read(MAX_IMPORT + 1)
    if len(data) > MAX_IMPORT:
        raise InputError(f"file: larger than {MAX_IMPORT // 1024 // 1024} MB")
    filename = Path(upload.filename or "upload.csv").name
    agency, role = ctx.field("agency") or None, ctx.field("role")
    drafts, errors = _casebook(ctx).check_chronology(
        case.id, data, filename=filename, agency=agency, actor=ctx.me, role=role
    )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = ""
    return ctx.page(
        "chronology_import.html",
        case=case,
        filename=filename,
        drafts=drafts,
        errors=errors,
        error_rows=len({e.row for e in errors}),
        text=text,
        agency=agency or "",
        role=role,
    )


def import_entries(ctx: Ctx) -> Response:
    """Import the previewed CSV (all rows, or none if any is invalid)."""
    case = ctx.case()
    filename = Path(ctx.field("filename") or "upload.csv").name
    data = ctx.field("csv", required=True).encode("utf-8")
    with tempfile.TemporaryDirectory(prefix="aaib-import-") as folder:
        path = Path(folder) / filename
        path.write_bytes(data)

        def act() -> Any:
            refs = _casebook(ctx).import_chronology(
                case.id, path, agency=ctx.field("agency") or None, actor=ctx.me,
                role=ctx.field("role"),
            )  # fmt: skip
            return f"{len(refs)} entries ({refs[0]} to {refs[-1]})"

        return ctx.attempt(f"/cases/{case.id}/chronology", act, "imported {result}")


# -- evidence ---------------------------------------------------------------------------
def evidence(ctx: Ctx) -> Response:
    """The evidence register (each item's SHA-256, linked to its chain of custody) and
    the upload form."""
    from aaib_cp.evidence.model import EVIDENCE_KINDS
    from aaib_cp.evidence.protection import Protection

    case = ctx.case()
    book = _casebook(ctx)
    return ctx.page(
        "evidence.html",
        case=case,
        items=book.evidence(case.id),
        protected=Protection(ctx.engine).protected_items(case.id),
        kinds=EVIDENCE_KINDS,
        agencies=book.agencies(case.id),
        roles=roles_with(ctx, case, "register_evidence"),
        today=ctx.engine.clock().date().isoformat(),
    )


@contextmanager
def uploaded(ctx: Ctx, field: str) -> Iterator[tuple[Path | None, str | None]]:
    """The file uploaded in the form's ``field`` copied to a temporary folder, and the
    name it was sent with (None, None when no file was sent); removed afterwards."""
    upload = _upload(ctx, field)
    with tempfile.TemporaryDirectory(prefix="aaib-upload-") as folder:
        if upload is None:
            yield None, None
            return
        path = Path(folder) / "upload"
        with path.open("wb") as out:
            while chunk := upload.file.read(1 << 20):
                out.write(chunk)
        yield path, Path(upload.filename or "upload").name


def add_evidence(ctx: Ctx) -> Response:
    """Register an evidence item, with its file if one was uploaded."""
    case = ctx.case()
    with uploaded(ctx, "file") as (path, name):

        def act() -> Any:
            return _casebook(ctx).add_evidence(
                case.id,
                kind=ctx.field("kind", required=True),
                description=ctx.field("description", required=True),
                obtained_how=ctx.field("obtained_how", required=True),
                obtained_on=ctx.field("obtained_on", required=True),
                agency=ctx.field("agency") or None,
                file=path,
                file_name=name,
                actor=ctx.me,
                role=ctx.field("role"),
            )

        return ctx.attempt(f"/cases/{case.id}/evidence", act, "registered {result.label}")


# -- reports ----------------------------------------------------------------------------
def reports(ctx: Ctx) -> Response:
    """Which reports may be previewed or downloaded."""
    from aaib_cp.reports.build import AUDIENCES

    case = ctx.case()
    return ctx.page(
        "reports.html",
        case=case,
        audiences=AUDIENCES,
        formats=REPORT_TYPES,
        roles=roles_with(ctx, case, "read_restricted"),
    )


def report(ctx: Ctx) -> Response:
    """A report's bytes (authorised and audited by the publisher); HTML shown, others saved."""
    return report_response(ctx, shown=ctx.request.path_params["fmt"] == "html")


def report_response(ctx: Ctx, *, shown: bool) -> Response:
    """The report the path names (``{audience}.{fmt}``) in the ``?role=`` asked for, made
    by the publisher (which authorises and audits it): ``shown`` in the browser, or
    saved (``?download=1`` always saves)."""
    from aaib_cp.reports.build import Publisher

    case = ctx.case()
    audience, fmt = ctx.request.path_params["audience"], ctx.request.path_params["fmt"]
    if fmt not in REPORT_TYPES:
        raise InputError(f"report format: expected one of {', '.join(REPORT_TYPES)}")
    content, written = Publisher(ctx.engine).produce(
        case.id, audience=audience, fmt=fmt, actor=ctx.me, role=ctx.query("role") or None
    )
    shown = shown and not ctx.query("download")
    disposition = "inline" if shown else f'attachment; filename="{written.path.name}"'
    headers = {"content-disposition": disposition, "x-report-sha256": written.sha256}
    if fmt == "html":
        headers["content-security-policy"] = REPORT_POLICY
    return Response(content, media_type=REPORT_TYPES[fmt], headers=headers)


# -- search -----------------------------------------------------------------------------
def search(ctx: Ctx) -> Response:
    """Full-text search over the cases this account may see."""
    from aaib_cp.learning.service import Learning

    query = ctx.query("q").strip()
    hits: list[Any] = []
    if query:
        visible = {c.id for c in ctx.engine.access.readable_cases(actor=ctx.me)}
        found = Learning(ctx.engine).search(query, limit=500)
        hits = [h for h in found if h.case_id in visible][:50]
    return ctx.page("search.html", q=query, hits=hits)


def routes(route: Callable[..., Route]) -> list[Route]:
    """This module's routes."""
    post = ("POST",)
    return [
        route("/cases/{case_id}/chronology", chronology),
        route("/cases/{case_id}/chronology", add_entry, methods=post),
        route("/cases/{case_id}/chronology/preview", preview_import, methods=post),
        route("/cases/{case_id}/chronology/import", import_entries, methods=post),
        route("/cases/{case_id}/evidence", evidence),
        route("/cases/{case_id}/evidence", add_evidence, methods=post),
        route("/cases/{case_id}/reports", reports),
        route("/cases/{case_id}/reports/{audience}.{fmt}", report),
        route("/search", search),
    ]
