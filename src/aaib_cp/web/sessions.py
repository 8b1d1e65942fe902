"""Browser sessions: a signed cookie holding the sign-in token and the CSRF token.

The cookie is signed with itsdangerous (``URLSafeTimedSerializer``) and carries the
token :meth:`Credentials.sign_in <aaib_cp.workflow.credentials.Credentials.sign_in>`
issued, so signing out revokes it on the server and a copied cookie stops working.
Every visitor, signed in or not, gets a CSRF token in the session; every POST must
send it back (form field ``csrf`` or header ``X-CSRF-Token``). Signing in starts a new
session (new CSRF token), so a session planted before sign-in is worth nothing.
"""

from __future__ import annotations

import hmac
import secrets
import time
from typing import TYPE_CHECKING, Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from aaib_cp.web.settings import Settings

if TYPE_CHECKING:
    from aaib_cp.db import Store

__all__ = ["COOKIE", "Session", "Throttle", "csrf_ok"]

COOKIE = "aaib_session"
#: The name the cookie takes over https: the browser then insists on Secure and Path=/.
SECURE_COOKIE = "__Host-aaib_session"


class Session:
    """One visitor's session, read from and written back to the cookie."""

    def __init__(self, data: dict[str, Any], *, fresh: bool) -> None:
        self.data = data
        self.fresh = fresh
        self.changed = fresh

    @classmethod
    def new(cls, now: float) -> Session:
        """An anonymous session with its own CSRF token."""
        return cls({"csrf": secrets.token_urlsafe(32), "iat": now, "seen": now}, fresh=True)

    @property
    def csrf(self) -> str:
        """The token every form of this session carries."""
        return str(self.data["csrf"])

    @property
    def token(self) -> str | None:
        """The sign-in token, when signed in."""
        value = self.data.get("tok")
        return str(value) if value else None

    def flash(self, message: str, kind: str = "info") -> None:
        """A message for the next page shown."""
        self.data.setdefault("flash", []).append([kind, message])
        self.changed = True

    def take_flashes(self) -> list[tuple[str, str]]:
        """The messages waiting, removed."""
        found = self.data.pop("flash", [])
        if found:
            self.changed = True
        return [(str(k), str(m)) for k, m in found]


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret, salt="aaib-web-session")


def is_secure(request: Request, settings: Settings) -> bool:
    """True when cookies must be Secure: always, never, or when the request was https."""
    if settings.secure in ("always", "never"):
        return settings.secure == "always"
    return request.url.scheme == "https"


def load(request: Request, settings: Settings, now: float) -> tuple[Session, str | None]:
    """The request's session, and why an earlier one ended (idle or absolute expiry)."""
    raw = request.cookies.get(SECURE_COOKIE) or request.cookies.get(COOKIE)
    if not raw:
        return Session.new(now), None
    try:
        data = _serializer(settings).loads(raw, max_age=settings.absolute)
    except BadSignature:
        return Session.new(now), None
    if not isinstance(data, dict) or "csrf" not in data:
        return Session.new(now), None
    session = Session(data, fresh=False)
    if session.token and now - float(data.get("seen", 0)) > settings.idle:
        return Session.new(now), "idle"
    if session.token and now - float(data.get("iat", 0)) > settings.absolute:
        return Session.new(now), "absolute"
    if session.token and now - float(data.get("seen", 0)) > 60:
        data["seen"] = now  # refreshed at most once a minute
        session.changed = True
    return session, None


def save(response: Response, request: Request, session: Session, settings: Settings) -> None:
    """Write the session cookie: signed, HttpOnly, SameSite=Strict, Secure over https."""
    secure = is_secure(request, settings)
    response.set_cookie(
        SECURE_COOKIE if secure else COOKIE,
        _serializer(settings).dumps(session.data),
        max_age=settings.absolute,
        path="/",
        secure=secure,
        httponly=True,
        samesite="strict",
    )


def csrf_ok(session: Session, sent: str | None) -> bool:
    """True when ``sent`` is this session's CSRF token (compared in constant time)."""
    return bool(sent) and hmac.compare_digest(str(sent), session.csrf)


class Throttle:
    """Failed sign-ins counted per login and per address; too many lock both out.

    The counts are kept in the database, so every server process (``--workers N``)
    counts the same failures.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def locked(self, store: Store, login: str, address: str, now: float) -> str | None:
        """Why sign-in is refused before the password is checked (None: go ahead)."""
        minutes = max(1, self.settings.lock_window // 60)
        since = now - self.settings.lock_window
        if store.accounts.count_failures(f"login:{login}", since=since) >= (
            self.settings.login_failures
        ):
            return f"too many failed sign-ins for this login; try again in {minutes} minutes"
        if store.accounts.count_failures(f"addr:{address}", since=since) >= (
            self.settings.address_failures
        ):
            return f"too many failed sign-ins from this address; try again in {minutes} minutes"
        return None

    def failed(self, store: Store, login: str, address: str, now: float) -> None:
        """Count one failure."""
        store.accounts.add_failures(
            [f"login:{login}", f"addr:{address}"],
            at=now,
            forget_before=now - self.settings.lock_window,
        )

    def succeeded(self, store: Store, login: str) -> None:
        """A correct password clears the login's count (not the address's)."""
        store.accounts.clear_failures(f"login:{login}")


def now() -> float:
    """Seconds since the epoch (patched in tests)."""
    return time.time()
