"""Accounts and the agency registry: who may sign in, what they hold, whom they belong to.

Administrators add accounts, grant and revoke organisation roles, disable accounts and
register agencies with their aliases; every change goes on the registry's audit trail.
A person declares their own affiliations (an administrator may declare for them, as an
audited delegation), and the declaration is also written on the trail of every case
they serve on. Names are compared in canonical form (:mod:`.names`): a new account or
agency whose name is another's in a different spelling is refused, naming the other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from aaib_cp.exceptions import InputError, RecordNotFound, RoleRefused
from aaib_cp.workflow.identity import ADMINISTRATOR, Account, Actor, Organisation, as_actor
from aaib_cp.workflow.input_text import clean_line
from aaib_cp.workflow.model import EventKind
from aaib_cp.workflow.names import agency_key, canonical, looks_like_same_person
from aaib_cp.workflow.ports import AccountStore, CaseStore, TimeSource
from aaib_cp.workflow.spec import WorkflowDefinition

__all__ = ["LOGIN_PATTERN", "Accounts", "organisation_roles"]

#: What a login may look like: lower-case letters, digits, dots, hyphens, underscores.
LOGIN_PATTERN = re.compile(r"[a-z][a-z0-9._-]{0,63}\Z")


def organisation_roles(workflows: Iterable[WorkflowDefinition] = ()) -> set[str]:
    """The organisation roles of the shipped workflows and of ``workflows``: what may be
    granted (case roles come from appointment)."""
    from aaib_cp.workflow.definition import load_workflow, shipped_workflows

    every = [*(load_workflow(n) for n in shipped_workflows()), *workflows]
    return {r.name for d in every for r in d.roles.values() if not r.is_case_role}


class Accounts:
    """The account registry and the agency registry over a store."""

    def __init__(self, store: CaseStore, clock: TimeSource) -> None:
        self.store = store
        self.clock = clock

    @property
    def db(self) -> AccountStore:
        """The store's account tables."""
        return self.store.accounts

    # -- reading ------------------------------------------------------------------
    def get(self, login: str) -> Account:
        """The account with this login (any spelling); RecordNotFound naming it otherwise."""
        found = self.db.by_login(login)
        if found is None:
            known = ", ".join(a.login for a in self.db.all()[:10]) or "none yet"
            raise RecordNotFound(f"no account {login!r} (accounts: {known})")
        return found

    def all(self) -> list[Account]:
        """Every account."""
        return self.db.all()

    def organisations(self) -> list[Organisation]:
        """Every agency in the registry."""
        return self.db.organisations()

    def names_of(self, organisation_ids: Iterable[int]) -> list[str]:
        """The registry names of ``organisation_ids``."""
        return [self.db.organisation(i).name for i in organisation_ids]

    # -- who may administer ----------------------------------------------------------
    def administrator(self, actor: object, action: str) -> Actor:
        """``actor`` as now stored, if an active administrator; RoleRefused (audited) if not."""
        who = as_actor(actor)
        current = self.db.get(who.id)
        if not current.active or not current.holds(ADMINISTRATOR):
            message = f"{current.name} may not {action}: it needs the administrator role"
            raise self.refused(Actor(current), message)
        return Actor(current)

    def refused(self, actor: Actor, message: str) -> RoleRefused:
        """Record a refusal outside any case on the registry trail; the error to raise."""
        with self.store.transaction():
            self.audit(actor, EventKind.REFUSED, {"refused": message})
        return RoleRefused(message)

    def audit(self, actor: Actor | None, kind: str, detail: Mapping[str, Any]) -> None:
        """Append to the registry's audit trail (inside the caller's transaction)."""
        self.db.append_registry_event(
            at=self.clock(),
            actor=actor.label if actor else "aaib init",
            account_id=actor.id if actor else None,
            delegate_id=actor.delegate.id if actor and actor.delegate else None,
            kind=kind,
            detail=detail,
        )

    # -- accounts -----------------------------------------------------------------
    def first_administrator(self, login: str, name: str, *, email: str | None = None) -> Account:
        """Make the first administrator of a database that has none (``aaib init``).

        In a database upgraded from the release before accounts, ``login`` may be one of
        the accounts the upgrade made: it is then granted the administrator role.
        """
        if self.db.count_holding(ADMINISTRATOR):
            raise InputError("this database already has an administrator; ask them to add you")
        existing = self.db.by_login(login)
        with self.store.transaction():
            if existing is None:
                account = self._insert(login, name, email=email, by=None, allow_similar=False)
            else:
                account = existing
            self.db.grant(account.id, ADMINISTRATOR, at=self.clock(), by=None)
            self.audit(
                None,
                EventKind.ACCOUNT_ADDED if existing is None else EventKind.ROLE_GRANTED,
                {"login": account.login, "role": ADMINISTRATOR, "first_administrator": True},
            )
        return self.db.get(account.id)

    def add(
        self,
        login: str,
        name: str,
        *,
        actor: object,
        roles: Sequence[str] = (),
        email: str | None = None,
        allow_similar: bool = False,
        workflows: Iterable[WorkflowDefinition] = (),
    ) -> Account:
        """Add an account (administrators only), granting ``roles``.

        Refused when the login or name is an existing one in another spelling, or when the
        name could be an existing person's written with initials (``allow_similar`` says
        they are different people, and is recorded).
        """
        admin = self.administrator(actor, "add accounts")
        checked = [self._check_role(r, workflows) for r in roles]
        with self.store.transaction():
            account = self._insert(
                login, name, email=email, by=admin.id, allow_similar=allow_similar
            )
            for role in checked:
                self.db.grant(account.id, role, at=self.clock(), by=admin.id)
            self.audit(
                admin,
                EventKind.ACCOUNT_ADDED,
                {
                    "login": account.login,
                    "name": account.name,
                    "roles": checked,
                    "different_person_confirmed": allow_similar,
                },
            )
        return self.db.get(account.id)

    def _insert(
        self, login: str, name: str, *, email: str | None, by: int | None, allow_similar: bool
    ) -> Account:
        login = clean_line(login, "login", max_len=64)
        if not LOGIN_PATTERN.match(login):
            raise InputError(
                f"login: {login!r} must start with a lower-case letter and use only a-z, 0-9,"
                " '.', '-', '_' (up to 64)"
            )
        name = clean_line(name, "name", max_len=200)
        if not canonical(name):
            raise InputError("name: must contain a visible letter")
        if email is not None:
            email = clean_line(email, "email", max_len=254)
            if "@" not in email:
                raise InputError(f"email: {email!r} is not an e-mail address")
        for existing in self.db.all():
            if canonical(existing.login) == canonical(login):
                raise InputError(f"login: {login!r} is the existing account {existing.login}")
            if canonical(existing.name) == canonical(name):
                raise InputError(
                    f"name: {name!r} is the existing account {existing.login} ({existing.name})"
                )
            if not allow_similar and looks_like_same_person(name, existing.name):
                raise InputError(
                    f"name: {name!r} could be the existing account {existing.login}"
                    f" ({existing.name}); if they are different people, say so"
                    " (--different-person)"
                )
        return self.db.insert_account(login=login, name=name, email=email, at=self.clock(), by=by)

    def _check_role(self, role: str, workflows: Iterable[WorkflowDefinition]) -> str:
        known = {ADMINISTRATOR, *organisation_roles(workflows)}
        role = clean_line(role, "role", max_len=64)
        if role not in known:
            raise InputError(
                f"role: {role!r} is not an organisation role of any workflow here;"
                f" one of {', '.join(sorted(known))}"
            )
        return role

    def grant(
        self, login: str, role: str, *, actor: object, workflows: Iterable[WorkflowDefinition] = ()
    ) -> Account:
        """Grant an organisation role of a shipped workflow or of ``workflows`` (administrators
        only; audited)."""
        admin = self.administrator(actor, "grant roles")
        account = self.get(login)
        role = self._check_role(role, workflows)
        with self.store.transaction():
            if not self.db.grant(account.id, role, at=self.clock(), by=admin.id):
                raise InputError(f"{account.login} already holds {role}")
            self.audit(admin, EventKind.ROLE_GRANTED, {"login": account.login, "role": role})
        return self.db.get(account.id)

    def revoke(self, login: str, role: str, *, actor: object) -> Account:
        """Withdraw an organisation role (administrators only; the last administrator stays)."""
        admin = self.administrator(actor, "revoke roles")
        account = self.get(login)
        if role == ADMINISTRATOR and account.holds(role) and self.db.count_holding(role) == 1:
            raise InputError(f"{account.login} is the last administrator; grant another first")
        with self.store.transaction():
            if not self.db.revoke(account.id, role):
                raise InputError(f"{account.login} does not hold {role}")
            self.audit(admin, EventKind.ROLE_REVOKED, {"login": account.login, "role": role})
        return self.db.get(account.id)

    def set_active(self, login: str, active: bool, *, actor: object) -> Account:
        """Disable (or enable again) an account; disabling revokes its credentials."""
        admin = self.administrator(actor, "disable accounts" if not active else "enable accounts")
        account = self.get(login)
        if not active and account.id == admin.id:
            raise InputError("you cannot disable your own account; ask another administrator")
        if account.active == active:
            raise InputError(f"{account.login} is already {'active' if active else 'disabled'}")
        with self.store.transaction():
            self.db.set_active(account.id, active)
            if not active:
                self.db.revoke_credentials(account.id, at=self.clock())
            kind = EventKind.ACCOUNT_ENABLED if active else EventKind.ACCOUNT_DISABLED
            self.audit(admin, kind, {"login": account.login})
        return self.db.get(account.id)

    # -- affiliations ------------------------------------------------------------------
    def declare(self, agencies: Sequence[str], *, actor: object, none: bool = False) -> Account:
        """Declare the acting account's affiliations (registry agencies), or ``none``.

        An administrator declares for someone else by acting for them (``Actor(account,
        delegate=admin)``). The declaration goes on the registry trail and on the trail
        of every case the account serves on.
        """
        who = as_actor(actor)
        if who.delegate is not None:
            self.administrator(who.delegate, "declare affiliations for someone else")
        account = self.db.get(who.id)
        if none and agencies:
            raise InputError("affiliations: name agencies or say none, not both")
        if not none and not agencies:
            raise InputError("affiliations: name at least one agency, or declare none (--none)")
        orgs = [self.registered(a) for a in agencies]
        now = self.clock()
        names = [o.name for o in orgs]
        detail = {"login": account.login, "agencies": names, "agency_ids": [o.id for o in orgs]}
        with self.store.transaction():
            self.db.declare(
                account.id,
                [o.id for o in orgs],
                at=now,
                by=who.delegate.id if who.delegate else who.id,
            )
            self.audit(who, EventKind.AFFILIATIONS_DECLARED, detail)
            for case_id in self.db.cases_serving(account.id):
                self.store.append_event(
                    case_id,
                    at=now,
                    actor=who,
                    role=None,
                    kind=EventKind.AFFILIATIONS_DECLARED,
                    detail=detail,
                )
        return self.db.get(account.id)

    # -- the agency registry -------------------------------------------------------------
    def registered(self, name: str) -> Organisation:
        """The registry agency called ``name`` (or with it as alias); refused naming the nearest."""
        name = clean_line(name, "agency", max_len=200)
        found = self.db.find_organisation(name)
        if found is None:
            near = self._similar(name)
            hint = f" (did you mean {near.name!r}?)" if near else ""
            raise InputError(
                f"agency: {name!r} is not in the agency registry{hint};"
                " an administrator registers agencies and their aliases (aaib org add)"
            )
        return found

    def _similar(self, name: str) -> Organisation | None:
        """A registered agency whose name's words all appear in ``name``, or the reverse."""
        words = set(agency_key(name).split())
        for key, org_id, _ in self.db.organisation_keys():
            other = set(key.split())
            if min(len(other), len(words)) >= 2 and (other <= words or words <= other):
                return self.db.organisation(org_id)
        return None

    def register(
        self, name: str, *, actor: object, aliases: Sequence[str] = (), distinct: bool = False
    ) -> Organisation:
        """Add an agency to the registry (administrators only), with aliases."""
        admin = self.administrator(actor, "register agencies")
        return self._register(name, admin, aliases=aliases, distinct=distinct)

    def _register(
        self, name: str, actor: Actor, *, aliases: Sequence[str] = (), distinct: bool = False
    ) -> Organisation:
        name = clean_line(name, "agency", max_len=200)
        if not agency_key(name):
            raise InputError("agency: must contain a letter or digit")
        cleaned = [clean_line(a, "alias", max_len=200) for a in aliases]
        for candidate in [name, *cleaned]:
            self._free(candidate, distinct=distinct)
        with self.store.transaction():
            org = self.db.insert_organisation(name, at=self.clock(), by=actor.id)
            for alias in cleaned:
                if agency_key(alias) != agency_key(name):
                    self.db.add_organisation_name(org.id, alias, alias=True)
            self.audit(
                actor,
                EventKind.AGENCY_REGISTERED,
                {"agency": name, "id": org.id, "aliases": cleaned, "distinct_confirmed": distinct},
            )
        return self.db.organisation(org.id)

    def _free(self, name: str, *, distinct: bool) -> None:
        existing = self.db.find_organisation(name)
        if existing is not None:
            raise InputError(f"agency: {name!r} is the registered agency {existing.name!r}")
        near = None if distinct else self._similar(name)
        if near is not None:
            raise InputError(
                f"agency: {name!r} looks like the registered agency {near.name!r}; add it as"
                " an alias (aaib org alias), or say it is a different agency (--distinct)"
            )

    def alias(self, agency: str, alias: str, *, actor: object) -> Organisation:
        """Make ``alias`` another name of a registered agency (administrators only)."""
        admin = self.administrator(actor, "add agency aliases")
        org = self.registered(agency)
        alias = clean_line(alias, "alias", max_len=200)
        existing = self.db.find_organisation(alias)
        if existing is not None:
            raise InputError(f"alias: {alias!r} already names {existing.name!r}")
        with self.store.transaction():
            self.db.add_organisation_name(org.id, alias, alias=True)
            self.audit(admin, EventKind.AGENCY_ALIAS_ADDED, {"agency": org.name, "alias": alias})
        return self.db.organisation(org.id)

    def for_case_agency(self, name: str, actor: Actor, *, distinct: bool = False) -> Organisation:
        """The registry entry for an agency being added to a case, registering it if new.

        Inside the caller's transaction. A new name that looks like a registered agency
        is refused, naming it, so a case cannot list one agency under two ids.
        """
        found = self.db.find_organisation(name)
        if found is not None:
            return found
        self._free(name, distinct=distinct)
        org = self.db.insert_organisation(
            clean_line(name, "agency", max_len=200), at=self.clock(), by=actor.id
        )
        self.audit(actor, EventKind.AGENCY_REGISTERED, {"agency": org.name, "id": org.id})
        return org
