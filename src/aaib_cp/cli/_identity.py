"""Who is acting at the command line: a signed-in account, never a typed name.

``aaib login`` keeps a token per database in the user's credentials file
(``credentials.json`` in click's application folder for ``aaib-cp``, such as
``~/.config/aaib-cp``; ``AAIB_CONFIG_DIR`` overrides), created 0600 in a 0700 folder,
as ``gh auth login`` does. Scripts give a token in ``AAIB_TOKEN`` instead. Several
people may be signed in on one machine; ``--user LOGIN`` (or ``AAIB_USER``) chooses
among the credentials the file holds, and ``aaib login`` makes one the default.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

__all__ = ["CredentialFile", "config_dir"]


def config_dir() -> Path:
    """Where the credentials file lives."""
    return Path(os.environ.get("AAIB_CONFIG_DIR") or click.get_app_dir("aaib-cp"))


def _key(db_path: str | Path) -> str:
    return str(Path(db_path).resolve())


class CredentialFile:
    """The user's saved tokens, per database file."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / "credentials.json"

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return {"databases": {}}
        except (OSError, ValueError) as exc:
            raise click.ClickException(
                f"{self.path}: cannot read saved credentials ({exc})"
            ) from None
        return data if isinstance(data, dict) and "databases" in data else {"databases": {}}

    def _save(self, data: dict[str, Any]) -> None:
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            temporary = self.path.with_suffix(".tmp")
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=2, sort_keys=True)
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
        except OSError as exc:
            raise click.ClickException(
                f"{self.path}: cannot save credentials ({exc.strerror})"
            ) from None

    def token(self, db_path: str | Path, login: str | None) -> tuple[str, str] | None:
        """(login, token) for the database: ``login``'s, or the default one; None if none."""
        entry = self._load()["databases"].get(_key(db_path))
        if not entry:
            return None
        chosen = login or entry.get("current")
        token = entry.get("tokens", {}).get(chosen)
        return (chosen, token) if chosen and token else None

    def logins(self, db_path: str | Path) -> list[str]:
        """The logins signed in to the database on this machine."""
        entry = self._load()["databases"].get(_key(db_path)) or {}
        return sorted(entry.get("tokens", {}))

    def save(self, db_path: str | Path, login: str, token: str) -> None:
        """Keep ``token`` for ``login`` and make it the default for the database."""
        data = self._load()
        entry = data["databases"].setdefault(_key(db_path), {"tokens": {}})
        entry.setdefault("tokens", {})[login] = token
        entry["current"] = login
        self._save(data)

    def forget(self, db_path: str | Path, login: str) -> str | None:
        """Drop ``login``'s token for the database; returns it (None if there was none)."""
        data = self._load()
        entry = data["databases"].get(_key(db_path)) or {}
        token = entry.get("tokens", {}).pop(login, None)
        if entry.get("current") == login:
            rest = sorted(entry.get("tokens", {}))
            entry["current"] = rest[0] if rest else None
        self._save(data)
        return token
