"""Accounts for tests, examples and benchmarks: made on first use, roles granted.

Real use makes accounts through :class:`~aaib_cp.workflow.accounts.Accounts` (an
administrator, audited). Tests of other behaviour need people quickly:
:func:`sample_account` makes one straight in the store, its affiliations declared as
none, holding the organisation roles asked for.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

from aaib_cp.db import Store
from aaib_cp.workflow.identity import Account

__all__ = ["sample_account", "sample_login"]


def sample_login(name: str) -> str:
    """A login for a sample person: "Lee Park" -> "lee.park" (a digest if not plain)."""
    plain = re.sub(r"[^a-z0-9]+", ".", name.lower()).strip(".")
    if plain and plain[0].isalpha() and plain.isascii():
        return plain[:40]
    return "u" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]


def sample_account(store: Store, name: str, *roles: str) -> Account:
    """The account called ``name`` (any spelling) in ``store``, made if new, holding ``roles``."""
    accounts = store.accounts
    now = datetime.now(UTC)
    found = accounts.by_name(name)
    if found is not None and all(found.holds(r) for r in roles):
        return found
    with store.transaction():
        if found is None:
            login = sample_login(name)
            if accounts.by_login(login) is not None:
                login = "u" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]
            found = accounts.insert_account(login=login, name=name, email=None, at=now, by=None)
            accounts.declare(found.id, [], at=now, by=found.id)
        for role in roles:
            if not found.holds(role):
                accounts.grant(found.id, role, at=now, by=None)
    return accounts.get(found.id)
