"""The people in the tests: accounts made on first use, in the store under test.

Services take accounts, never names. Tests name their cast once
(``LEAD = as_role("Lee", "lead_investigator")``) and write ``**LEAD``: the mapping
gives ``actor=`` the account called "Lee" in the store of the engine most recently
made (made on first use, its affiliations declared as none, the role granted) and
``role=``. The command-line tests sign in the same way, with a real token
(:func:`signed_in`). Identity itself is tested with explicit accounts in
``test_identity*.py``.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aaib_cp.db import Store
from aaib_cp.exceptions import StoreError
from aaib_cp.testing.accounts import sample_account, sample_login
from aaib_cp.workflow.credentials import secret_hash
from aaib_cp.workflow.identity import Account

#: Engines made during the current test, newest last (see conftest's autouse fixture).
ENGINES: list[Any] = []


def login_of(name: str) -> str:
    """The login a test person gets (see :func:`aaib_cp.testing.accounts.sample_login`)."""
    return sample_login(name)


def account(store: Store, name: str, *roles: str) -> Account:
    """The account called ``name`` in ``store`` (made if new, declared unaffiliated),
    holding the organisation roles ``roles``."""
    return sample_account(store, name, *roles)


def _live_store() -> Store:
    for engine in reversed(ENGINES):
        try:
            engine.store.db.conn.execute("SELECT 1")
        except sqlite3.ProgrammingError:
            continue
        return engine.store
    raise RuntimeError("no open engine in this test: make one before naming people")


def acct(name: str, *roles: str) -> Account:
    """The account called ``name`` in the store under test."""
    return account(_live_store(), name, *roles)


class as_role(Mapping[str, Any]):
    """``actor=`` (the account, resolved when used) and ``role=`` for ``**`` in calls."""

    def __init__(self, name: str, role: str | None) -> None:
        self.name = name
        self.role = role

    def __getitem__(self, key: str) -> Any:
        if key == "actor":
            return acct(self.name, *([self.role] if self.role else []))
        if key == "role":
            return self.role
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(("actor", "role"))

    def __len__(self) -> int:
        return 2


def signed_in(db: str | Path, name: str, *roles: str) -> dict[str, str]:
    """The environment to act as ``name`` at the command line: a real token in AAIB_TOKEN.

    Empty if the file is not a database this release can open (the test is then about
    the command's refusal). Remembered per database, so a test holding a lock on it, or
    making it read-only, still signs in without touching it."""
    key = (str(Path(db).resolve()), name, roles)
    if key in _SIGNED:
        return {"AAIB_TOKEN": _SIGNED[key]}
    try:
        store = Store.open(db, create=True)
    except StoreError:
        return {}
    with store:
        found = account(store, name, *roles)
        token = "aaib_test_" + hashlib.sha256(f"{found.id}:{found.login}".encode()).hexdigest()
        if store.accounts.credential(secret_hash(token)) is None:
            with store.transaction():
                store.accounts.insert_credential(
                    secret_hash(token),
                    found.id,
                    kind="token",
                    label="tests",
                    at=datetime.now(UTC),
                    expires_at=None,
                )
    _SIGNED[key] = token
    return {"AAIB_TOKEN": token}


#: (database, name, roles) -> token, for the current test process.
_SIGNED: dict[tuple[str, str, tuple[str, ...]], str] = {}


def cli_args(db: str | Path, args: list[str]) -> tuple[list[str], dict[str, str]]:
    """Old-style ``--actor NAME [--role R]`` arguments as a signed-in environment.

    ``--actor`` is removed and its account signed in (granted the role given with it);
    a person named to ``team appoint``/``team stand-down`` or ``--requested-by`` becomes
    that person's login.
    """
    args = list(args)
    env: dict[str, str] = {}
    if "--actor" in args:
        i = args.index("--actor")
        name = args[i + 1]
        del args[i : i + 2]
        role = args[args.index("--role") + 1] if "--role" in args else None
        env = signed_in(db, name, *([role] if role else []))
    if "team" in args:
        t = args.index("team")
        if len(args) > t + 3 and args[t + 1] in ("appoint", "stand-down"):
            args[t + 3] = _login(db, args[t + 3])
    if "--requested-by" in args:
        i = args.index("--requested-by") + 1
        args[i] = _login(db, args[i])
    return args, env


def _login(db: str | Path, name: str) -> str:
    with Store.open(db, create=True) as store:
        return account(store, name).login


def signed_env(db: str | Path, env: Mapping[str, str | None]) -> dict[str, str | None]:
    """``env`` with an old-style ``AAIB_ACTOR`` (and its ``AAIB_ROLE``) as a signed-in token."""
    out = dict(env)
    name = out.pop("AAIB_ACTOR", None)
    if name:
        role = out.get("AAIB_ROLE")
        out.update(signed_in(db, name, *([role] if role else [])))
    return out
