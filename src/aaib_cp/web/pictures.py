"""Pictures on the pages: the workflow with the case's state marked (an image of the
case page), the chronology's swim-lane timeline (an image of the chronology page) and
the themes chart across cases (embedded in the learning page as a
``data:`` image). Both are matplotlib SVG, whose inline styles the pages' content
security policy forbids inside a page, so each is shown as an image beside a text
alternative."""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Callable
from pathlib import Path

from starlette.responses import Response
from starlette.routing import Route

from aaib_cp.web.context import Ctx

__all__ = ["routes"]


def _data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def workflow_svg(ctx: Ctx) -> Response:
    """The case's workflow drawn with its current state filled (an image of the case page).
    Drawn once per workflow version and state for the life of the application, and
    fetched by the browser apart from the page, so the case page never waits for it."""
    from aaib_cp.workflow.diagrams import workflow_figure

    case = ctx.case()
    definition = ctx.engine.definition_for(case)
    key = (definition.content_hash, case.state)
    svg = ctx.web.pictures.get(key)
    if svg is None:
        svg = ctx.web.pictures[key] = workflow_figure(definition, current=case.state, fmt="svg")
    return Response(svg, media_type="image/svg+xml")


def chronology_svg(ctx: Ctx) -> Response:
    """The case's chronology as the swim-lane timeline ``aaib chronology plot`` draws, one
    lane per agency (an image of the chronology page, whose table is its text alternative).
    Drawn on each request: entries change without the case's version changing."""
    from aaib_cp.evidence.service import Casebook
    from aaib_cp.evidence.timeline import timeline_picture

    case = ctx.case()
    chron = Casebook(ctx.engine).chronology(case.id)
    if not chron.entries:
        raise LookupError(f"{case.id} has no chronology entries to draw")
    return Response(timeline_picture(chron, ".svg"), media_type="image/svg+xml")


def learning(ctx: Ctx) -> Response:
    """Themes across cases: factor codes counted by cases (with the chart), recurring ones,
    recommendations per addressee. Counts only: no case is named."""
    from datetime import date

    from aaib_cp.exceptions import InputError
    from aaib_cp.learning.service import Learning

    since_text = ctx.query("since").strip()
    try:
        since = date.fromisoformat(since_text) if since_text else None
    except ValueError:
        raise InputError(f"since: expected a date YYYY-MM-DD (got {since_text!r})") from None
    themes = Learning(ctx.engine).themes(since=since)
    chart = None
    if themes.factors:
        with tempfile.TemporaryDirectory(prefix="aaib-chart-") as folder:
            chart = _data_uri(themes.chart(Path(folder) / "themes.svg").read_bytes())
    return ctx.page("learning.html", themes=themes, chart=chart, since=since_text)


def routes(route: Callable[..., Route]) -> list[Route]:
    """This module's routes."""
    return [
        route("/learning", learning),
        route("/cases/{case_id}/workflow.svg", workflow_svg),
        route("/cases/{case_id}/chronology.svg", chronology_svg),
    ]
