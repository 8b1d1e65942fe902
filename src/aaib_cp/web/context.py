"""What a handler gets: the request, its session, the signed-in account, the services.

Each request opens its own connection (read-only until its first write), so threads
and worker processes never share one.
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import jinja2
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from aaib_cp.exceptions import AaibCpError, CaseNotFound, InputError, RoleRefused
from aaib_cp.web.sessions import Session, Throttle
from aaib_cp.web.settings import Settings

if TYPE_CHECKING:
    from aaib_cp.db import Store
    from aaib_cp.workflow.credentials import Credentials
    from aaib_cp.workflow.engine import Engine
    from aaib_cp.workflow.identity import Account
    from aaib_cp.workflow.model import Case
    from aaib_cp.workflow.spec import WorkflowDefinition

__all__ = ["Ctx", "Web"]


class Web:
    """What lives as long as the application: settings, templates, the sign-in throttle."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.throttle = Throttle(settings)
        #: each worker thread's connection, opened on its first request and kept
        self.local = threading.local()
        #: workflow definitions by content hash, parsed once for every request
        self.definitions: dict[str, WorkflowDefinition] = {}
        #: workflow pictures drawn once: (workflow content hash, state) -> SVG
        self.pictures: dict[tuple[str, str], bytes] = {}
        self.templates = jinja2.Environment(
            loader=jinja2.PackageLoader("aaib_cp.web", "templates"),
            autoescape=True,
        )

    def check_database(self) -> None:
        """Open the database once (upgrading it if needed); an error if it is missing."""
        from aaib_cp.db import Store

        Store.open(self.settings.db_path).close()


class Ctx:
    """One request being handled."""

    def __init__(self, web: Web, request: Request, session: Session, form: FormData | None):
        self.web = web
        self.request = request
        self.session = session
        self.form = form
        self._store: Store | None = None
        self.account: Account | None = None

    # -- services --------------------------------------------------------------------
    @property
    def store(self) -> Store:
        """This thread's connection (read-only until a service first writes), kept for the
        thread's next requests: opening one costs more than most pages."""
        if self._store is None:
            self._store = getattr(self.web.local, "store", None)
            if self._store is None:
                from aaib_cp.db import Store

                self._store = Store.open(self.web.settings.db_path, readonly=True)
                self.web.local.store = self._store
        return self._store

    @cached_property
    def engine(self) -> Engine:
        """An engine over this request's connection."""
        from aaib_cp.workflow.engine import Engine

        engine = Engine(self.store)
        for definition in list(self.web.definitions.values()):
            engine.workflows.remember(definition)
        return engine

    @cached_property
    def credentials(self) -> Credentials:
        """Sign-in over this request's connection."""
        from aaib_cp.workflow.credentials import Credentials

        return Credentials(self.engine.accounts)

    def close(self) -> None:
        """Keep what this request parsed for the next ones; end any transaction left open."""
        if "engine" in self.__dict__:
            for definition in self.engine.workflows.definitions():
                self.web.definitions.setdefault(definition.content_hash, definition)
        if self._store is not None and self._store.in_transaction:
            self._store.db.conn.rollback()

    # -- who -------------------------------------------------------------------------
    def signed_in(self) -> Account | None:
        """The account of the session's token (None: not signed in, or no longer valid)."""
        token = self.session.token
        if token is None:
            return None
        try:
            self.account = self.credentials.authenticate(token)
        except RoleRefused as exc:
            self.restart()
            self.session.flash(f"You were signed out: {exc}")
            return None
        return self.account

    def bearer(self) -> str | None:
        """Authenticate ``Authorization: Bearer TOKEN``; why not, or None when it did."""
        scheme, _, token = self.request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return "send a personal access token: Authorization: Bearer TOKEN"
        try:
            self.account = self.credentials.authenticate(token)
        except RoleRefused as exc:
            return str(exc)
        return None

    @property
    def me(self) -> Account:
        """The signed-in account (the guard has made sure there is one)."""
        assert self.account is not None
        return self.account

    def restart(self, **data: Any) -> None:
        """A new session (new CSRF token) holding ``data``: at sign-in and sign-out."""
        from aaib_cp.web.sessions import Session, now

        fresh = Session.new(now())
        fresh.data.update(data)
        self.session.data.clear()
        self.session.data.update(fresh.data)
        self.session.changed = True

    def address(self) -> str:
        """The client's address (from the trusted proxy's header when one is configured)."""
        return self.request.client.host if self.request.client else "unknown"

    def roles_on(self, case: Case) -> list[str]:
        """The roles of the case's workflow this account holds: granted, or appointed on it."""
        definition = self.engine.definition_for(case)
        granted = [r for r in definition.roles if r in self.me.roles]
        appointed = [m.role for m in self.engine.team(case.id) if m.account_id == self.me.id]
        return list(dict.fromkeys([*granted, *appointed]))

    def case(self) -> Case:
        """The case named in the path, if this account may see it (else 'no case')."""
        return self.engine.access.readable(self.request.path_params["case_id"], actor=self.me)

    # -- input -----------------------------------------------------------------------
    def field(self, name: str, *, required: bool = False) -> str:
        """A form field as text ('' if absent); InputError naming it when required."""
        value = self.form.get(name) if self.form is not None else None
        text = value if isinstance(value, str) else ""
        if required and not text.strip():
            raise InputError(f"{name.replace('_', ' ')}: must not be empty")
        return text

    def query(self, name: str) -> str:
        """A query-string parameter ('' if absent)."""
        return self.request.query_params.get(name, "")

    # -- output ----------------------------------------------------------------------
    def page(self, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        """A page from ``template`` with what every page shows."""
        html = self.web.templates.get_template(template).render(
            csrf=self.session.csrf,
            me=self.account,
            flashes=self.session.take_flashes(),
            path=self.request.url.path,
            **values,
        )
        return HTMLResponse(html, status_code=status_code)

    def redirect(self, url: str) -> RedirectResponse:
        """See Other, to a path on this site only."""
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not url.startswith("/") or url[1:2] in ("/", "\\"):
            url = "/"
        return RedirectResponse(url, status_code=303)

    def problem(self, message: str, status_code: int) -> Response:
        """A refusal or an error in the same plain words as the command line."""
        if self.request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=status_code)
        return self.page("problem.html", status_code=status_code, message=message)

    def attempt(self, back: str, action: Any, done: str) -> Response:
        """Run a write; flash ``done`` (or the refusal, in plain words) and go ``back``."""
        from aaib_cp.exceptions import StaleCaseError

        try:
            result = action()
        except StaleCaseError as exc:
            self.session.flash(
                f"This case changed since you opened the page ({exc}). Nothing was changed:"
                " the page now shows the case as it is; check it and try again.",
                "error",
            )
            return self.redirect(back)
        except CaseNotFound:
            raise
        except AaibCpError as exc:
            self.session.flash(str(exc), "error")
            return self.redirect(back)
        self.session.flash(done.format(result=result), "ok")
        return self.redirect(back)
