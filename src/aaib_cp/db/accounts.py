"""SQL for identity: accounts, grants, affiliations, the agency registry and credentials.

:class:`AccountsSQL` satisfies :class:`~aaib_cp.workflow.ports.AccountStore`; the
store offers one as ``store.accounts``. Lookups go by canonical key
(:mod:`aaib_cp.workflow.names`), so no spelling reaches a different row.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from aaib_cp.db.connection import Database, fetch_rows, transaction
from aaib_cp.exceptions import RecordNotFound
from aaib_cp.workflow.audit import GENESIS, event_hash
from aaib_cp.workflow.identity import Account, Organisation
from aaib_cp.workflow.names import agency_key, canonical

__all__ = ["AccountsSQL"]

_REGISTRY = "registry"
#: The columns an :class:`Account` is built from, with its roles and affiliations (JSON
#: arrays), over an ``accounts`` row aliased ``a``: read with the case on every fire.
ACCOUNT_FIELDS = (
    "a.id, a.login, a.name, a.declared, a.active, a.email, a.created_at,"
    " (SELECT json_group_array(role) FROM account_roles WHERE account_id = a.id),"
    " (SELECT json_group_array(organisation_id) FROM (SELECT organisation_id"
    "  FROM account_affiliations WHERE account_id = a.id ORDER BY organisation_id))"
)
#: How many values :data:`ACCOUNT_FIELDS` gives.
ACCOUNT_WIDTH = 9
#: An account with its roles and affiliations, in one statement (read on every action).
_ACCOUNT_WITH_GRANTS = f"SELECT {ACCOUNT_FIELDS} FROM accounts a WHERE a.id = ?"
#: Accounts kept built, by the values they were built from (see :meth:`AccountsSQL.built`).
_BUILT_MAX = 256


class AccountsSQL:
    """Every statement about accounts and the agency registry."""

    def __init__(self, db: Database, mac: Callable[[str], str | None] = lambda _: None) -> None:
        self.db = db
        #: The MAC of a registry event's hash under the database's audit key (None if unkeyed).
        self.mac = mac
        #: Accounts by the exact values they were built from (:meth:`built`).
        self._built: dict[tuple[Any, ...], Account] = {}

    def _rows(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        return fetch_rows(self.db, sql, params)

    # -- accounts ---------------------------------------------------------------
    def insert_account(
        self, *, login: str, name: str, email: str | None, at: datetime, by: int | None
    ) -> Account:
        """Add an account (the caller has checked the canonical forms are free)."""
        cursor = self.db.execute(
            "INSERT INTO accounts (login, login_key, name, name_key, email, created_at, created_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [login, canonical(login), name, canonical(name), email, at.isoformat(), by],
        )
        return self.get(int(cursor.lastrowid or 0))

    def get(self, account_id: int) -> Account:
        """The account with ``account_id`` (RecordNotFound otherwise)."""
        values = self.db.conn.execute(_ACCOUNT_WITH_GRANTS, (account_id,)).fetchone()
        if values is None:
            raise RecordNotFound(f"no account #{account_id}")
        return self.built(values)

    def built(self, values: tuple[Any, ...]) -> Account:
        """The account of one row of :data:`ACCOUNT_FIELDS`.

        The values are read from the database every time (a disabled account or a
        revoked grant counts at once); only the building of the (immutable) Account is
        kept, by those exact values, so the same values give the same object.
        """
        account = self._built.get(values)
        if account is None:
            if len(self._built) >= _BUILT_MAX:
                self._built.clear()
            account_id, login, name, declared, active, email, created_at, roles, orgs = values
            account = self._built[values] = Account(
                id=int(account_id),
                login=login,
                name=name,
                roles=frozenset(json.loads(roles)),
                affiliations=tuple(json.loads(orgs)),
                declared=bool(declared),
                active=bool(active),
                email=email,
                created_at=datetime.fromisoformat(created_at) if "T" in created_at else None,
            )
        return account

    def by_login(self, login: str) -> Account | None:
        """The account whose login is ``login`` in any spelling, or None."""
        return self._one("a.login_key = ?", canonical(login))

    def by_name(self, name: str) -> Account | None:
        """The account whose display name is ``name`` in any spelling, or None."""
        return self._one("a.name_key = ?", canonical(name))

    def all(self) -> list[Account]:
        """Every account, by login."""
        rows = self.db.execute(f"SELECT {ACCOUNT_FIELDS} FROM accounts a ORDER BY a.login")
        return [self.built(values) for values in rows]

    def _one(self, where: str, value: str) -> Account | None:
        """The account matching ``where`` (over ``accounts a``), or None."""
        values = self.db.execute(
            f"SELECT {ACCOUNT_FIELDS} FROM accounts a WHERE {where}", [value]
        ).fetchone()
        return None if values is None else self.built(values)

    def count_holding(self, role: str) -> int:
        """How many active accounts hold organisation role ``role``."""
        (n,) = self.db.execute(
            "SELECT count(*) FROM account_roles r JOIN accounts a ON a.id = r.account_id"
            " WHERE r.role = ? AND a.active = 1",
            [role],
        ).fetchone()
        return int(n)

    def set_active(self, account_id: int, active: bool) -> None:
        """Enable or disable an account."""
        self.db.execute("UPDATE accounts SET active = ? WHERE id = ?", [int(active), account_id])

    def grant(self, account_id: int, role: str, *, at: datetime, by: int | None) -> bool:
        """Grant an organisation role; False if already held."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO account_roles (account_id, role, granted_at, granted_by)"
            " VALUES (?, ?, ?, ?)",
            [account_id, role, at.isoformat(), by],
        )
        return cursor.rowcount > 0

    def revoke(self, account_id: int, role: str) -> bool:
        """Withdraw an organisation role; False if it was not held."""
        cursor = self.db.execute(
            "DELETE FROM account_roles WHERE account_id = ? AND role = ?", [account_id, role]
        )
        return cursor.rowcount > 0

    def password_hash(self, account_id: int) -> str | None:
        """The account's argon2 password hash, if a password is set."""
        row = self.db.execute("SELECT password_hash FROM accounts WHERE id = ?", [account_id])
        found = row.fetchone()
        return found[0] if found else None

    def set_password_hash(self, account_id: int, value: str) -> None:
        """Store a new argon2 password hash."""
        self.db.execute("UPDATE accounts SET password_hash = ? WHERE id = ?", [value, account_id])

    def totp(self, account_id: int) -> tuple[str | None, bool]:
        """The account's one-time-password secret (None if none) and whether it is in force."""
        row = self.db.execute(
            "SELECT totp_secret, totp_active FROM accounts WHERE id = ?", [account_id]
        ).fetchone()
        return (row[0], bool(row[1])) if row else (None, False)

    def use_totp_step(self, account_id: int, step: int) -> bool:
        """Record that the code of time step ``step`` was used; False if it (or a later
        one) already was: a one-time code works once."""
        cursor = self.db.execute(
            "UPDATE accounts SET totp_last_step = ? WHERE id = ?"
            " AND (totp_last_step IS NULL OR totp_last_step < ?)",
            [step, account_id, step],
        )
        return cursor.rowcount == 1

    def set_totp(self, account_id: int, secret: str | None, *, active: bool) -> None:
        """Store (or with None, remove) the one-time-password secret."""
        self.db.execute(
            "UPDATE accounts SET totp_secret = ?, totp_active = ? WHERE id = ?",
            [secret, int(active and secret is not None), account_id],
        )

    # -- affiliations -------------------------------------------------------------
    def declare(
        self, account_id: int, organisation_ids: list[int], *, at: datetime, by: int
    ) -> None:
        """Record the account's affiliations (possibly none) as declared."""
        for org in organisation_ids:
            self.db.execute(
                "INSERT OR IGNORE INTO account_affiliations"
                " (account_id, organisation_id, declared_at, declared_by) VALUES (?, ?, ?, ?)",
                [account_id, org, at.isoformat(), by],
            )
        self.db.execute("UPDATE accounts SET declared = 1 WHERE id = ?", [account_id])

    def case_roles(self, account_id: int) -> list[str]:
        """The case roles the account serves in now, on any case."""
        return [
            r
            for (r,) in self.db.execute(
                "SELECT DISTINCT role FROM team WHERE account_id = ? AND stood_down_at IS NULL"
                " ORDER BY role",
                [account_id],
            )
        ]

    def cases_serving(self, account_id: int) -> list[str]:
        """The cases on which the account holds (or held) a case role."""
        return [
            c
            for (c,) in self.db.execute(
                "SELECT DISTINCT case_id FROM team WHERE account_id = ? ORDER BY case_id",
                [account_id],
            )
        ]

    # -- the agency registry ------------------------------------------------------
    def organisation(self, organisation_id: int) -> Organisation:
        """The registry entry ``organisation_id``."""
        rows = self._rows("SELECT * FROM organisations WHERE id = ?", [organisation_id])
        if not rows:
            raise RecordNotFound(f"no agency #{organisation_id} in the registry")
        aliases = tuple(
            n
            for (n,) in self.db.execute(
                "SELECT name FROM organisation_names WHERE organisation_id = ? AND alias = 1"
                " ORDER BY name",
                [organisation_id],
            )
        )
        return Organisation(int(rows[0]["id"]), rows[0]["name"], aliases)

    def find_organisation(self, name: str) -> Organisation | None:
        """The registry entry named ``name`` or with it as an alias, in any spelling."""
        row = self.db.execute(
            "SELECT organisation_id FROM organisation_names WHERE key = ?", [agency_key(name)]
        ).fetchone()
        return self.organisation(int(row[0])) if row else None

    def organisations(self) -> list[Organisation]:
        """Every registry entry, by name."""
        ids = [i for (i,) in self.db.execute("SELECT id FROM organisations ORDER BY name, id")]
        return [self.organisation(i) for i in ids]

    def insert_organisation(self, name: str, *, at: datetime, by: int | None) -> Organisation:
        """Add a registry entry (the caller has checked the name is free)."""
        cursor = self.db.execute(
            "INSERT INTO organisations (name, created_at, created_by) VALUES (?, ?, ?)",
            [name, at.isoformat(), by],
        )
        org = int(cursor.lastrowid or 0)
        self.add_organisation_name(org, name, alias=False)
        return self.organisation(org)

    def add_organisation_name(self, organisation_id: int, name: str, *, alias: bool) -> None:
        """Make ``name`` (any spelling) lead to the registry entry."""
        self.db.execute(
            "INSERT INTO organisation_names (key, organisation_id, name, alias)"
            " VALUES (?, ?, ?, ?)",
            [agency_key(name), organisation_id, name, int(alias)],
        )

    def organisation_keys(self) -> list[tuple[str, int, str]]:
        """Every (key, registry id, name) the registry answers to."""
        return [
            (str(r[0]), int(r[1]), str(r[2]))
            for r in self.db.execute(
                "SELECT key, organisation_id, name FROM organisation_names ORDER BY key"
            )
        ]

    # -- credentials -------------------------------------------------------------
    def insert_credential(
        self,
        secret_hash: str,
        account_id: int,
        *,
        kind: str,
        label: str,
        at: datetime,
        expires_at: datetime | None,
    ) -> None:
        """Keep the hash of a token or invitation (never the secret)."""
        self.db.execute(
            "INSERT INTO credentials (secret_hash, account_id, kind, label, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                secret_hash,
                account_id,
                kind,
                label,
                at.isoformat(),
                expires_at.isoformat() if expires_at else None,
            ],
        )

    def credential(self, secret_hash: str) -> dict[str, Any] | None:
        """The credential row with this hash, or None."""
        rows = self._rows("SELECT * FROM credentials WHERE secret_hash = ?", [secret_hash])
        return rows[0] if rows else None

    def credential_count(self, account_id: int) -> int:
        """How many credentials were ever issued to the account."""
        (n,) = self.db.execute(
            "SELECT count(*) FROM credentials WHERE account_id = ?", [account_id]
        ).fetchone()
        return int(n)

    def use_credential(self, secret_hash: str, *, at: datetime) -> None:
        """Mark a credential used (an invitation works once)."""
        self.db.execute(
            "UPDATE credentials SET used_at = ? WHERE secret_hash = ?",
            [at.isoformat(), secret_hash],
        )

    def revoke_credential(self, secret_hash: str, *, at: datetime) -> None:
        """Revoke one credential."""
        self.db.execute(
            "UPDATE credentials SET revoked_at = ? WHERE secret_hash = ? AND revoked_at IS NULL",
            [at.isoformat(), secret_hash],
        )

    def revoke_credentials(self, account_id: int, *, at: datetime, kind: str | None = None) -> int:
        """Revoke every live credential of an account (of ``kind``); how many."""
        sql = "UPDATE credentials SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL"
        params: list[Any] = [at.isoformat(), account_id]
        if kind:
            sql += " AND kind = ?"
            params.append(kind)
        return self.db.execute(sql, params).rowcount

    # -- sign-in throttling (shared by every server process) -------------------------------
    def count_failures(self, key: str, *, since: float) -> int:
        """Failed sign-ins counted under ``key`` since ``since`` (seconds since the epoch)."""
        (n,) = self.db.execute(
            "SELECT count(*) FROM sign_in_failures WHERE key = ? AND at > ?", [key, since]
        ).fetchone()
        return int(n)

    def add_failures(self, keys: list[str], *, at: float, forget_before: float) -> None:
        """Count one failed sign-in under each key, forgetting failures too old to count."""
        with transaction(self.db):
            self.db.execute("DELETE FROM sign_in_failures WHERE at <= ?", [forget_before])
            for key in keys:
                self.db.execute("INSERT INTO sign_in_failures (key, at) VALUES (?, ?)", [key, at])

    def clear_failures(self, key: str) -> None:
        """Forget the failures counted under ``key``."""
        with transaction(self.db):
            self.db.execute("DELETE FROM sign_in_failures WHERE key = ?", [key])

    # -- the registry's own audit trail --------------------------------------------
    def append_registry_event(
        self,
        *,
        at: datetime,
        actor: str,
        account_id: int | None,
        delegate_id: int | None,
        kind: str,
        detail: Mapping[str, Any],
    ) -> None:
        """Append one hash-chained event to the registry trail (inside a transaction)."""
        last = self.db.execute("SELECT n, hash FROM registry_events ORDER BY n DESC LIMIT 1")
        found = last.fetchone()
        n, prev = (int(found[0]) + 1, found[1]) if found else (1, GENESIS)
        content = {
            "case_id": _REGISTRY,
            "n": n,
            "at": at.isoformat(),
            "actor": actor,
            "account_id": account_id,
            "delegate_id": delegate_id,
            "kind": kind,
            "detail": json.loads(json.dumps(dict(detail), default=str)),
        }
        digest = event_hash(prev, content)
        self.db.execute(
            "INSERT INTO registry_events"
            " (n, at, actor, account_id, delegate_id, kind, detail, prev_hash, hash, mac)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                n,
                content["at"],
                actor,
                account_id,
                delegate_id,
                kind,
                json.dumps(content["detail"], sort_keys=True, ensure_ascii=False),
                prev,
                digest,
                self.mac(digest),
            ],
        )

    def registry_rows(self) -> list[dict[str, Any]]:
        """The registry trail's rows, in order (with ``case_id`` for the hash check)."""
        return [
            {**row, "case_id": _REGISTRY}
            for row in self._rows("SELECT * FROM registry_events ORDER BY n")
        ]

    def upgrade_notes(self) -> list[tuple[str, str, str]]:
        """What the identity upgrade merged: (login, display name, spellings joined)."""
        rows = self.db.execute(
            "SELECT a.login, a.name, group_concat(u.spelling, ' | ') FROM identity_upgrade u"
            " JOIN accounts a ON a.id = u.account_id GROUP BY a.id ORDER BY a.login"
        )
        return [(r[0], r[1], r[2]) for r in rows]
