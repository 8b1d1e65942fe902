"""The ASGI application: sessions, the guard every route passes, and the routes.

Every route is built by :func:`guarded`: a page needs a signed-in session (else the
sign-in page), a POST needs the session's CSRF token (else 403), and an API route
needs ``Authorization: Bearer TOKEN`` (else 401) and ignores cookies. Only the routes
listed ``public`` (sign-in, the invitation, static files, the health check and the
OpenAPI schema) are reachable without signing in. Handlers are plain functions run in
a worker thread, each over its own connection to the database.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aaib_cp.exceptions import AaibCpError, RoleRefused, StaleCaseError
from aaib_cp.web import sessions
from aaib_cp.web.context import Ctx, Web
from aaib_cp.web.settings import Settings

__all__ = ["PUBLIC_PATHS", "create_app", "guarded"]

HERE = Path(__file__).parent
Handler = Callable[[Ctx], Response]

#: Paths reachable without signing in (everything else refuses an anonymous request).
PUBLIC_PATHS = ("/sign-in", "/invitation", "/healthz", "/api/openapi.json", "/static")

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
        " object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}


def guarded(
    web: Web, handler: Handler, *, public: bool = False, api: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint for ``handler``: authenticated, CSRF-checked, run in a thread."""

    async def endpoint(request: Request) -> Response:
        session: sessions.Session = request.state.session
        form: FormData | None = None
        if request.method == "POST":
            # Refused before a byte of the body is read: an anonymous client must not make
            # the server spool an upload to disk.
            early = _body_refused(request, web.settings.max_upload)
            if early is None and not public:
                early = await run_in_threadpool(_unauthenticated, web, request, session, api)
            if early is not None:
                return early
        if request.method == "POST" and not api:
            try:
                form = await request.form(max_part_size=web.settings.max_upload)
            except Exception:  # a malformed body: the same refusal as a missing token
                form = None
            if form is None or not sessions.csrf_ok(session, _text(form.get("csrf"))):
                if form is not None:
                    await form.close()
                return PlainTextResponse(
                    "refused: the form's security token is missing or out of date;"
                    " reload the page and try again",
                    status_code=403,
                )
        if api and request.method == "POST":
            request.state.body = b""
            if request.headers.get("content-type", "").startswith("multipart/form-data"):
                try:
                    form = await request.form(max_part_size=web.settings.max_upload)
                except Exception:  # a malformed body: one line, as for bad JSON
                    return JSONResponse(
                        {"error": "request body: not a valid multipart/form-data body"},
                        status_code=400,
                    )
            else:
                request.state.body = await request.body()
        try:
            return await run_in_threadpool(_run, web, handler, request, session, form, public, api)
        finally:
            if form is not None:
                await form.close()

    return endpoint


#: Room for a form's other fields and multipart framing beside an upload of the limit.
_FORM_OVERHEAD = 1024 * 1024


def _body_refused(request: Request, max_upload: int) -> Response | None:
    """411 without a Content-Length, 413 over the upload limit; None when acceptable."""
    length = request.headers.get("content-length")
    if length is None:
        if "transfer-encoding" not in request.headers:
            return None  # no body at all
        return PlainTextResponse("refused: send the body with a Content-Length", status_code=411)
    if not length.isdigit():
        return PlainTextResponse("refused: Content-Length is not a number", status_code=400)
    if int(length) > max_upload + _FORM_OVERHEAD:
        return PlainTextResponse(
            f"refused: the body is over the {max_upload // (1024 * 1024)} MB upload limit",
            status_code=413,
        )
    return None


def _unauthenticated(
    web: Web, request: Request, session: sessions.Session, api: bool
) -> Response | None:
    """The refusal a POST without a valid token or session gets, before its body is read.

    An API token found good is kept on the request, so the handler does not check it again.
    """
    if not api:
        # The session cookie is signed: without a sign-in token in it, nobody is signed in.
        return None if session.token is not None else RedirectResponse("/sign-in", 303)
    ctx = Ctx(web, request, session, None)
    try:
        failure = ctx.bearer()
    finally:
        ctx.close()
    request.state.account = ctx.account
    return None if failure is None else _no_token(failure)


def _no_token(failure: str) -> Response:
    """401 for an API call without a valid token, saying why."""
    return JSONResponse(
        {"error": failure}, status_code=401, headers={"www-authenticate": 'Bearer realm="aaib"'}
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _run(
    web: Web,
    handler: Handler,
    request: Request,
    session: sessions.Session,
    form: FormData | None,
    public: bool,
    api: bool,
) -> Response:
    ctx = Ctx(web, request, session, form)
    try:
        if api:
            ctx.account = getattr(request.state, "account", None)
            failure = None if ctx.account is not None else ctx.bearer()
            if failure is not None:
                return _no_token(failure)
        elif not public and ctx.signed_in() is None:
            if request.method == "GET":
                return ctx.redirect("/sign-in?next=" + _next(request))
            return ctx.redirect("/sign-in")
        return handler(ctx)
    except RoleRefused as exc:
        return ctx.problem(str(exc), 403)
    except StaleCaseError as exc:
        return ctx.problem(str(exc), 409)
    except LookupError as exc:
        return ctx.problem(str(exc), 404)
    except AaibCpError as exc:
        return ctx.problem(str(exc), 400)
    finally:
        ctx.close()


def _next(request: Request) -> str:
    from urllib.parse import quote

    return quote(request.url.path, safe="/")


class SessionMiddleware:
    """Loads the session before the app and writes it back (and security headers) after."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        session, ended = sessions.load(request, self.settings, sessions.now())
        if ended:
            session.flash(
                "You were signed out: the session "
                + ("was idle too long." if ended == "idle" else "reached its time limit.")
            )
        scope.setdefault("state", {})["session"] = session

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.encode() not in names:
                        headers.append((name.encode(), value.encode()))
                if session.changed and not scope["path"].startswith(("/api/", "/static/")):
                    cookie = Response()
                    sessions.save(cookie, request, session, self.settings)
                    headers += [(k, v) for k, v in cookie.raw_headers if k == b"set-cookie"]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_wrapper)


def create_app(settings: Settings) -> Starlette:
    """The web application over ``settings.db_path`` (which must exist)."""
    import aaib_cp.wiring  # noqa: F401  (every phase's tables, facts, guards and effects)
    from aaib_cp.web import (
        analysis,
        api,
        classify,
        custody,
        outcomes,
        pages,
        pictures,
        records,
        safety,
    )

    web = Web(settings)
    web.check_database()
    route = partial(_route, web)
    routes: list[BaseRoute] = [
        *pages.routes(route),
        *records.routes(route),
        *analysis.routes(route),
        *classify.routes(route),
        *safety.routes(route),
        *outcomes.routes(route),
        *custody.routes(route),
        *pictures.routes(route),
        *api.routes(route),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]
    stack = []
    if settings.trusted_proxies:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        stack.append(
            Middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
        )
    stack.append(Middleware(SessionMiddleware, settings=settings))
    app = Starlette(routes=routes, middleware=stack)
    app.state.web = web
    return app


def _route(
    web: Web,
    path: str,
    handler: Handler,
    *,
    methods: tuple[str, ...] = ("GET",),
    public: bool = False,
    api: bool = False,
    name: str | None = None,
) -> Route:
    return Route(
        path,
        guarded(web, handler, public=public, api=api),
        methods=list(methods),
        name=name or handler.__name__,
    )


def app_from_env() -> Starlette:
    """The application as ``aaib serve`` starts it in each worker (uvicorn ``factory``)."""
    return create_app(Settings.from_env())
