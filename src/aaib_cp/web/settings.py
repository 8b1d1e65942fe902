"""What ``aaib serve`` is configured with: the database, the signing secret, expiry, TLS.

Workers are separate processes, so everything travels in environment variables
(:meth:`Settings.from_env`), which ``aaib serve`` sets before uvicorn starts them.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

import attrs

__all__ = ["Settings", "secret_for"]

#: The file beside the database that keeps the session-signing secret (0600).
SECRET_SUFFIX = ".web-secret"


def secret_for(db_path: str | Path) -> str:
    """The signing secret kept beside the database, made (0600) on first use.

    Made in a temporary file and linked into place, so workers starting together
    all read the one that won.
    """
    path = Path(f"{db_path}{SECRET_SUFFIX}")
    if not path.exists():
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".web-secret-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(secrets.token_urlsafe(48) + "\n")
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    return path.read_text("utf-8").strip()


@attrs.frozen
class Settings:
    """The web application's settings (times in seconds)."""

    db_path: str
    secret: str = attrs.field(repr=False)
    #: a session unused this long is signed out
    idle: int = 30 * 60
    #: a session is signed out this long after sign-in, however busy
    absolute: int = 12 * 60 * 60
    #: Secure cookies: "auto" (when the request came over https), "always" or "never"
    secure: str = "auto"
    #: addresses whose X-Forwarded-For / X-Forwarded-Proto are believed (a reverse proxy)
    trusted_proxies: tuple[str, ...] = ()
    #: failed sign-ins allowed per login, and per address, within ``lock_window``
    login_failures: int = 5
    address_failures: int = 20
    #: how long failures are counted, and how long a lockout lasts
    lock_window: int = 15 * 60
    #: the largest evidence upload accepted, in bytes
    max_upload: int = 100 * 1024 * 1024

    @classmethod
    def from_env(cls) -> Settings:
        """Settings from AAIB_DB, AAIB_WEB_SECRET (or the file beside the database),
        AAIB_WEB_SECURE and AAIB_WEB_TRUSTED_PROXIES (comma-separated)."""
        db_path = os.environ.get("AAIB_DB", "aaib.db")
        secret = os.environ.get("AAIB_WEB_SECRET") or secret_for(db_path)
        proxies = os.environ.get("AAIB_WEB_TRUSTED_PROXIES", "")
        return cls(
            db_path=db_path,
            secret=secret,
            secure=os.environ.get("AAIB_WEB_SECURE", "auto"),
            trusted_proxies=tuple(p.strip() for p in proxies.split(",") if p.strip()),
        )
