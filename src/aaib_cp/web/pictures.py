"""Pictures on the pages: the workflow with the case's state marked (on the case page)
and the themes chart across cases (the learning page). Each is an SVG embedded as a
``data:`` image (the pages' content security policy allows no inline style, which
matplotlib's SVG uses) beside a text alternative."""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from aaib_cp.web.context import Ctx

__all__ = ["routes", "workflow_picture"]


def _data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def workflow_picture(ctx: Ctx, definition: Any, state: str) -> dict[str, str]:
    """The workflow drawn with ``state`` filled, as a data URI, and its text alternative.
    Drawn once per workflow version and state for the life of the application."""
    from aaib_cp.workflow.diagrams import workflow_figure, workflow_text

    key = (definition.content_hash, state)
    found = ctx.web.pictures.get(key)
    if found is None:
        found = {
            "src": _data_uri(workflow_figure(definition, current=state, fmt="svg")),
            "text": workflow_text(definition),
        }
        ctx.web.pictures[key] = found
    return found


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
    return [route("/learning", learning)]
