"""Signing in: invitations, passwords (argon2) and the tokens the command line keeps.

Only hashes are stored: a token or invitation as SHA-256 (they are long random
secrets), a password with argon2id (``argon2-cffi``). An invitation is issued by an
administrator, works once and expires; redeeming it, or giving the password, issues
a token that ``aaib login`` keeps in the user's own credentials file. Every sign-in,
failure and sign-out goes on the registry's audit trail.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from aaib_cp.exceptions import InputError, RoleRefused
from aaib_cp.workflow.accounts import Accounts
from aaib_cp.workflow.identity import ADMINISTRATOR, Account, Actor, as_actor
from aaib_cp.workflow.model import EventKind
from aaib_cp.workflow.ports import AccountStore

__all__ = ["INVITATION_DAYS", "MIN_PASSWORD", "Credentials", "secret_hash"]

#: Days an invitation stays valid.
INVITATION_DAYS = 7
#: The shortest password accepted (NCSC advice favours length over composition rules).
MIN_PASSWORD = 12


def secret_hash(secret: str) -> str:
    """How a token or invitation is stored: its SHA-256."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _totp_step(secret: str, code: str, now: float) -> int | None:
    """The 30-second time step (this one, or one either side for clock drift) whose code
    is ``code``, compared in constant time; None if none is."""
    totp = _totp(secret)
    for offset in (-1, 0, 1):
        at = now + offset * totp.interval
        if hmac.compare_digest(totp.at(at), code):
            return int(at // totp.interval)
    return None


def _totp(secret: str) -> Any:
    import pyotp

    return pyotp.TOTP(secret)


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()


class Credentials:
    """Issues and checks the secrets that prove who an actor is."""

    def __init__(self, accounts: Accounts) -> None:
        self.accounts = accounts
        self.store = accounts.store
        self.clock = accounts.clock

    @property
    def db(self) -> AccountStore:
        """The store's account tables."""
        return self.store.accounts

    def invite(self, login: str, *, actor: object) -> str:
        """A one-time invitation code for ``login`` (administrators only; audited)."""
        admin = self.accounts.administrator(actor, "invite people to sign in")
        account = self.accounts.get(login)
        code = secrets.token_urlsafe(18)
        now = self.clock()
        with self.store.transaction():
            self.db.revoke_credentials(account.id, at=now, kind="invitation")
            self.db.insert_credential(
                secret_hash(code),
                account.id,
                kind="invitation",
                label="invitation",
                at=now,
                expires_at=now + timedelta(days=INVITATION_DAYS),
            )
            self.accounts.audit(admin, EventKind.INVITATION_ISSUED, {"login": account.login})
        return code

    def _issue_token(self, account: Account, label: str, now: datetime) -> str:
        token = "aaib_" + secrets.token_urlsafe(32)
        self.db.insert_credential(
            secret_hash(token), account.id, kind="token", label=label, at=now, expires_at=None
        )
        self.accounts.audit(
            Actor(account), EventKind.SIGNED_IN, {"login": account.login, "via": label}
        )
        return token

    def issue(self, account: Account, *, label: str) -> tuple[Account, str]:
        """A token for ``account`` without a secret: only for the first administrator,
        made by ``aaib init`` by the person who created the database file."""
        first = (
            account.holds(ADMINISTRATOR)
            and self.db.count_holding(ADMINISTRATOR) == 1
            and not self.db.credential_count(account.id)
        )
        if not first:
            raise RoleRefused(
                "a token is issued without a secret only to a new database's first administrator"
            )
        with self.store.transaction():
            token = self._issue_token(account, label, self.clock())
        return account, token

    def _failed(self, login: str, why: str) -> RoleRefused:
        with self.store.transaction():
            self.accounts.audit(None, EventKind.SIGN_IN_FAILED, {"login": login, "why": why})
        return RoleRefused(f"sign-in refused for {login!r}: {why}")

    def refuse(self, login: str, why: str) -> RoleRefused:
        """Record a sign-in refused before any secret was checked (say, a lockout)."""
        return self._failed(login, why)

    def redeem(self, login: str, code: str, *, label: str = "cli") -> tuple[Account, str]:
        """Exchange an invitation code for a token (the code then stops working)."""
        account = self.db.by_login(login)
        row = self.db.credential(secret_hash(code.strip()))
        now = self.clock()
        if (
            account is None
            or row is None
            or row["account_id"] != account.id
            or row["kind"] != "invitation"
        ):
            raise self._failed(login, "unknown login or invitation code")
        if row["used_at"] or row["revoked_at"]:
            raise self._failed(login, "the invitation code was already used or withdrawn")
        if row["expires_at"] and datetime.fromisoformat(row["expires_at"]) < now:
            raise self._failed(login, "the invitation code has expired; ask for a new one")
        if not account.active:
            raise self._failed(login, "the account is disabled")
        with self.store.transaction():
            self.db.use_credential(row["secret_hash"], at=now)
            token = self._issue_token(account, label, now)
        return account, token

    def sign_in(
        self, login: str, password: str, *, label: str = "cli", code: str | None = None
    ) -> tuple[Account, str]:
        """Check a password (and the one-time ``code`` when the account has a second
        factor in force) and issue a token."""
        from argon2.exceptions import InvalidHashError, VerificationError

        account = self.db.by_login(login)
        stored = self.db.password_hash(account.id) if account else None
        if account is None or stored is None:
            raise self._failed(login, "unknown login, or no password set (use an invitation)")
        try:
            _hasher().verify(stored, password)
        except (VerificationError, InvalidHashError):
            raise self._failed(login, "wrong password") from None
        if not account.active:
            raise self._failed(login, "the account is disabled")
        problem, step = self._second_factor_problem(account, code)
        if problem:
            raise self._failed(login, problem)
        with self.store.transaction():
            if step is not None and not self.db.use_totp_step(account.id, step):
                problem = "that one-time code was already used; wait for the next one"
            else:
                token = self._issue_token(account, label, self.clock())
        if problem:
            raise self._failed(login, problem)
        return account, token

    # -- the second factor: a time-based one-time password (RFC 6238, pyotp) ------------
    def _second_factor_problem(
        self, account: Account, code: str | None
    ) -> tuple[str | None, int | None]:
        """What is wrong with ``code`` (None: fine), and the time step it belongs to."""
        secret, active = self.db.totp(account.id)
        if not (secret and active):
            return None, None
        if not code or not code.strip():
            return "this account needs its one-time code as well as the password", None
        step = _totp_step(secret, code.strip().replace(" ", ""), self.clock().timestamp())
        if step is None:
            return "wrong one-time code", None
        return None, step

    def second_factor_start(self, *, actor: object) -> str:
        """A new one-time-password secret for the acting account, in force once confirmed
        (:meth:`second_factor_confirm`). Returns the secret (base32) to put in an app."""
        import pyotp

        who = self._owner(actor, "set up a one-time code")
        secret = pyotp.random_base32()
        with self.store.transaction():
            self.db.set_totp(who.id, secret, active=False)
            self.accounts.audit(
                who, EventKind.SECOND_FACTOR_CHANGED, {"login": who.account.login, "now": "set up"}
            )
        return secret

    def second_factor_confirm(self, code: str, *, actor: object) -> None:
        """Put the secret set up in force, given a code from it (so the app is known to work)."""
        who = self._owner(actor, "confirm a one-time code")
        secret, _ = self.db.totp(who.id)
        if secret is None:
            raise InputError("one-time code: set one up first")
        if not _totp(secret).verify(code.strip().replace(" ", ""), valid_window=1):
            raise InputError("one-time code: wrong code; check the app's clock and try again")
        with self.store.transaction():
            self.db.set_totp(who.id, secret, active=True)
            self.accounts.audit(
                who, EventKind.SECOND_FACTOR_CHANGED, {"login": who.account.login, "now": "on"}
            )

    def second_factor_reset(self, login: str, *, actor: object) -> Account:
        """Remove the one-time code of ``login``, who lost it (administrators only; audited
        on the registry trail). The account then signs in with its password alone and may
        set up a new code. An administrator cannot reset their own: another must."""
        admin = self.accounts.administrator(actor, "reset a second factor")
        account = self.accounts.get(login)
        if account.id == admin.id:
            raise InputError("you cannot reset your own second factor; ask another administrator")
        secret, _ = self.db.totp(account.id)
        if secret is None:
            raise InputError(f"{account.login} has no one-time code to reset")
        with self.store.transaction():
            self.db.set_totp(account.id, None, active=False)
            self.accounts.audit(
                admin, EventKind.SECOND_FACTOR_CHANGED, {"login": account.login, "now": "reset"}
            )
        return account

    def second_factor_in_force(self, account: Account) -> bool:
        """True when signing in needs a one-time code."""
        secret, active = self.db.totp(account.id)
        return bool(secret and active)

    def _owner(self, actor: object, what: str) -> Actor:
        who = as_actor(actor)
        if who.delegate is not None:
            raise RoleRefused(f"only the account's owner may {what}, never on their behalf")
        return who

    def set_password(self, password: str, *, actor: object) -> None:
        """Set the acting account's own password (argon2id)."""
        who = as_actor(actor)
        if who.delegate is not None:
            raise RoleRefused("a password is set by its owner, never on someone's behalf")
        if len(password) < MIN_PASSWORD:
            raise InputError(f"password: use at least {MIN_PASSWORD} characters")
        with self.store.transaction():
            self.db.set_password_hash(who.id, _hasher().hash(password))
            self.accounts.audit(who, EventKind.PASSWORD_SET, {"login": who.account.login})

    def authenticate(self, token: str) -> Account:
        """The account a token was issued to; RoleRefused if unknown, revoked or disabled."""
        row = self.db.credential(secret_hash(token.strip()))
        if row is None or row["kind"] != "token" or row["revoked_at"]:
            raise RoleRefused("the saved credential is not valid here; sign in again (aaib login)")
        account = self.db.get(int(row["account_id"]))
        if not account.active:
            raise RoleRefused(f"account {account.login} is disabled")
        return account

    def sign_out(self, token: str) -> Account:
        """Revoke a token."""
        account = self.authenticate(token)
        now = self.clock()
        with self.store.transaction():
            self.db.revoke_credential(secret_hash(token.strip()), at=now)
            self.accounts.audit(Actor(account), EventKind.SIGNED_OUT, {"login": account.login})
        return account
