"""Who acts: accounts, the agencies they are affiliated with, and delegation.

An :class:`Account` is read from the store; services never take a typed name. An
administrator may act for someone else only as an explicit :class:`Actor` with
``delegate`` set, which every event records ("A for B"). Separation of duties compares
account ids (:meth:`Actor.ids`), never spellings.
"""

from __future__ import annotations

from datetime import datetime

from aaib_cp.workflow.record import Record

__all__ = ["ADMINISTRATOR", "Account", "Actor", "Organisation", "as_actor"]

#: The organisation role that manages accounts, grants and agencies (not a workflow role).
ADMINISTRATOR = "administrator"


class Organisation(Record):
    """An agency in the registry: one id, a display name and any declared aliases."""

    id: int
    name: str
    aliases: tuple[str, ...]

    def __init__(
        self,
        id: int,
        name: str,
        aliases: tuple[str, ...] = (),
    ) -> None:
        self._set_fields(id, name, aliases)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form."""
        return {"id": self.id, "name": self.name, "aliases": list(self.aliases)}


class Account(Record):
    """A person who signs in: the only kind of actor the services accept.

    ``roles`` are the organisation roles an administrator granted; case roles come from
    appointments. ``affiliations`` are registry agency ids; ``declared`` is False until
    the person has declared their affiliations (possibly none).
    """

    id: int
    login: str
    name: str
    roles: frozenset[str]
    affiliations: tuple[int, ...]
    declared: bool
    active: bool
    email: str | None
    created_at: datetime | None

    def __init__(
        self,
        id: int,
        login: str,
        name: str,
        roles: frozenset[str] = frozenset(),
        affiliations: tuple[int, ...] = (),
        declared: bool = False,
        active: bool = True,
        email: str | None = None,
        created_at: datetime | None = None,
    ) -> None:
        self._set_fields(id, login, name, roles, affiliations, declared, active, email, created_at)

    @property
    def label(self) -> str:
        """How the account appears on records: its display name."""
        return self.name

    def holds(self, role: str) -> bool:
        """True when an administrator granted this organisation role."""
        return role in self.roles

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form (never any secret)."""
        return {
            "id": self.id,
            "login": self.login,
            "name": self.name,
            "roles": sorted(self.roles),
            "affiliations": list(self.affiliations),
            "declared": self.declared,
            "active": self.active,
            "email": self.email,
        }


class Actor(Record):
    """An account acting, possibly through an administrator acting on its behalf."""

    account: Account
    delegate: Account | None

    def __init__(
        self,
        account: Account,
        delegate: Account | None = None,
    ) -> None:
        self._set_fields(account, delegate)

    @property
    def id(self) -> int:
        """The account whose roles and appointments are used."""
        return self.account.id

    @property
    def ids(self) -> frozenset[int]:
        """Every account taking part: separation of duties refuses any overlap."""
        return frozenset({self.account.id} | ({self.delegate.id} if self.delegate else set()))

    @property
    def label(self) -> str:
        """ "Name", or "Admin for Name" under delegation."""
        if self.delegate is None:
            return self.account.name
        return f"{self.delegate.name} for {self.account.name}"

    def __str__(self) -> str:
        return self.label


def as_actor(value: object) -> Actor:
    """``value`` as an :class:`Actor`; TypeError for anything but an Account or Actor."""
    if isinstance(value, Actor):
        return value
    if isinstance(value, Account):
        return Actor(value)
    raise TypeError(
        f"actor must be an Account read from the store (store.accounts.get(login)), "
        f"not {type(value).__name__} {value!r}"
    )
