"""The SMTP settings file, and sending messages over :mod:`smtplib`.

The settings are a TOML file (keys at the top, or under ``[smtp]``)::

    host = "smtp.example.org"
    port = 587
    starttls = true
    username = "aaib-reminders"
    password-file = "/etc/aaib-cp/smtp-password"
    from = "Investigations <investigations@example.org>"

Only ``host`` and ``from`` are required; ``port`` defaults to 25 (587 with
``starttls``). The password is read from its own file (a relative path is beside the
settings file), so the settings file holds no secret; one readable by others is refused.
"""

from __future__ import annotations

import smtplib
import ssl
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import attrs

from aaib_cp.exceptions import DeliveryError, InputError

__all__ = ["KEYS", "SmtpSettings", "smtp_connection"]

#: key -> (type, description)
KEYS: dict[str, tuple[type, str]] = {
    "host": (str, "the mail server's name"),
    "port": (int, "its port (25, or 587 with starttls)"),
    "starttls": (bool, "upgrade the connection with STARTTLS"),
    "username": (str, "the account to log in as"),
    "password-file": (str, "a file holding the password (readable by you only)"),
    "from": (str, "the sender address"),
}


@attrs.frozen
class SmtpSettings:
    """Where and how to send: read with :meth:`load`."""

    host: str
    sender: str
    port: int = 25
    starttls: bool = False
    username: str | None = None
    password_file: Path | None = None
    source: str = "settings"

    @classmethod
    def load(cls, path: str | Path) -> SmtpSettings:
        """The settings in the TOML file ``path``; InputError naming the file and key."""
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(
                f"{path}: no SMTP settings file (write one, or give --config FILE;"
                " see docs/deadlines.md)"
            ) from None
        except OSError as exc:
            raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: not valid TOML: {exc}") from None
        return cls.from_mapping(data.get("smtp", data), source=str(path), base=path.parent)

    @classmethod
    def from_mapping(
        cls, data: dict[str, Any], *, source: str = "settings", base: Path | None = None
    ) -> SmtpSettings:
        """The settings from a mapping of :data:`KEYS`; a relative ``password-file`` is
        read in ``base`` (the settings file's folder)."""
        for key, value in data.items():
            if key not in KEYS:
                raise InputError(f"{source}: unknown key {key!r}; the keys are {', '.join(KEYS)}")
            kind = KEYS[key][0]
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise InputError(f"{source}: {key}: expected {kind.__name__} ({KEYS[key][1]})")
        for key in ("host", "from"):
            if not str(data.get(key, "")).strip():
                raise InputError(f"{source}: {key} is required ({KEYS[key][1]})")
        if "@" not in parseaddr(data["from"])[1]:
            raise InputError(f"{source}: from: {data['from']!r} is not an e-mail address")
        if "password-file" in data and "username" not in data:
            raise InputError(f"{source}: password-file is given without a username")
        starttls = data.get("starttls", False)
        port = data.get("port", 587 if starttls else 25)
        if not 0 < port < 65536:
            raise InputError(f"{source}: port: {port} is not a port number")
        password_file = data.get("password-file")
        if password_file:
            password_file = Path(password_file).expanduser()
            if base is not None and not password_file.is_absolute():
                password_file = base / password_file
        return cls(
            host=data["host"],
            sender=data["from"],
            port=port,
            starttls=starttls,
            username=data.get("username"),
            password_file=password_file or None,
            source=source,
        )

    def password(self) -> str | None:
        """The password from ``password-file`` (first line), if one is set."""
        if self.password_file is None:
            return None
        path = self.password_file
        try:
            if path.stat().st_mode & 0o077:
                raise InputError(
                    f"{self.source}: password-file {path} is readable by others (chmod 600 {path})"
                )
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise InputError(
                f"{self.source}: password-file {path} cannot be read ({exc.strerror})"
            ) from None
        return lines[0] if lines else ""


@contextmanager
def smtp_connection(settings: SmtpSettings, *, timeout: float = 30) -> Iterator[smtplib.SMTP]:
    """An open, logged-in SMTP connection; failures become one-line :class:`DeliveryError`."""
    password = settings.password()
    where = f"{settings.host}:{settings.port}"
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=timeout) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, password or "")
            yield smtp
    except smtplib.SMTPException as exc:
        raise DeliveryError(f"mail server {where}: {_smtp_problem(exc)}") from None
    except OSError as exc:
        raise DeliveryError(f"mail server {where}: {exc.strerror or exc}") from None


def _smtp_problem(exc: smtplib.SMTPException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
        return f"{exc.smtp_code} {' '.join(text.split())}".strip()
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "refused " + ", ".join(exc.recipients)
    return str(exc) or type(exc).__name__
