"""Schema for identity: accounts, grants, the agency registry, credentials, and the upgrade.

The upgrade (``identity_0001``) turns a database made by the previous release, where
actors were free text, into one with accounts: one account per canonical name
(:func:`~aaib_cp.workflow.names.canonical`), team members and declared affiliations
linked to them, agencies linked to registry entries. What it merged is kept in
``identity_upgrade`` and printed by the command line once.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict

from aaib_cp.db.connection import Database, Migrations
from aaib_cp.workflow.names import agency_key, canonical

__all__ = ["MIGRATIONS", "login_for"]

#: Identity's schema changes (joined last by :mod:`aaib_cp.wiring`: they alter earlier tables).
MIGRATIONS = Migrations()

_TABLES = [
    """
    CREATE TABLE accounts (
        id INTEGER PRIMARY KEY,
        login TEXT NOT NULL UNIQUE,
        login_key TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL UNIQUE,
        email TEXT,
        active INTEGER NOT NULL DEFAULT 1,
        declared INTEGER NOT NULL DEFAULT 0,
        password_hash TEXT,
        created_at TEXT NOT NULL,
        created_by INTEGER
    )
    """,
    """
    CREATE TABLE account_roles (
        account_id INTEGER NOT NULL REFERENCES accounts(id),
        role TEXT NOT NULL,
        granted_at TEXT NOT NULL,
        granted_by INTEGER,
        PRIMARY KEY (account_id, role)
    )
    """,
    """
    CREATE TABLE organisations (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by INTEGER
    )
    """,
    """
    CREATE TABLE organisation_names (
        key TEXT PRIMARY KEY,
        organisation_id INTEGER NOT NULL REFERENCES organisations(id),
        name TEXT NOT NULL,
        alias INTEGER NOT NULL DEFAULT 0
    )
    """,
    """
    CREATE TABLE account_affiliations (
        account_id INTEGER NOT NULL REFERENCES accounts(id),
        organisation_id INTEGER NOT NULL REFERENCES organisations(id),
        declared_at TEXT NOT NULL,
        declared_by INTEGER,
        PRIMARY KEY (account_id, organisation_id)
    )
    """,
    """
    CREATE TABLE credentials (
        secret_hash TEXT PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts(id),
        kind TEXT NOT NULL CHECK (kind IN ('token', 'invitation')),
        label TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        expires_at TEXT,
        used_at TEXT,
        revoked_at TEXT
    )
    """,
    """
    CREATE TABLE registry_events (
        n INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        account_id INTEGER,
        delegate_id INTEGER,
        kind TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}',
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        mac TEXT
    )
    """,
    """
    CREATE TRIGGER registry_events_no_update BEFORE UPDATE ON registry_events
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: events cannot be changed'); END
    """,
    """
    CREATE TRIGGER registry_events_no_delete BEFORE DELETE ON registry_events
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: events cannot be deleted'); END
    """,
    """
    CREATE TABLE identity_upgrade (
        spelling TEXT NOT NULL,
        account_id INTEGER NOT NULL REFERENCES accounts(id),
        PRIMARY KEY (spelling, account_id)
    )
    """,
    "ALTER TABLE events ADD COLUMN account_id INTEGER",
    "ALTER TABLE events ADD COLUMN delegate_id INTEGER",
    "ALTER TABLE team ADD COLUMN account_id INTEGER REFERENCES accounts(id)",
    "ALTER TABLE agencies ADD COLUMN organisation_id INTEGER REFERENCES organisations(id)",
    "ALTER TABLE classifications ADD COLUMN classified_by_ids TEXT",
    "ALTER TABLE classification_reviews ADD COLUMN reviewed_by_ids TEXT",
    "ALTER TABLE disclosures ADD COLUMN requested_by_id INTEGER",
    "ALTER TABLE disclosures ADD COLUMN approved_by_ids TEXT",
    "CREATE INDEX team_account ON team(account_id)",
    "CREATE INDEX agencies_organisation ON agencies(organisation_id)",
]


def login_for(name: str, taken: set[str]) -> str:
    """A login made from a display name ("Lee Park" -> "lee.park"), unique among ``taken``."""
    ascii_name = unicodedata.normalize("NFKD", canonical(name)).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", ".", ascii_name).strip(".") or "user"
    login, n = base, 1
    while login in taken:
        n += 1
        login = f"{base}{n}"
    taken.add(login)
    return login


@MIGRATIONS.register("identity_0001")
def identity(db: Database) -> None:
    """Accounts, grants, agency registry, credentials; existing actors become accounts."""
    for statement in _TABLES:
        db.execute(statement)
    accounts = _accounts_from_names(db)
    _link_team(db, accounts)
    organisations = _organisations_from_agencies(db)
    _affiliations(db, accounts, organisations)


def _accounts_from_names(db: Database) -> dict[str, int]:
    """One account per canonical spelling of every actor, appointee and declarer."""
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    sources = [
        "SELECT actor FROM events",
        "SELECT name FROM team",
        "SELECT name FROM affiliations",
        "SELECT opened_by FROM cases",
    ]
    for sql in sources:
        for (name,) in db.execute(sql):
            if name and name.strip():
                spellings[canonical(name)][name] += 1
    used_roles: dict[str, set[str]] = defaultdict(set)
    case_roles = {r for (r,) in db.execute("SELECT DISTINCT role FROM team")}
    for actor, role in db.execute("SELECT DISTINCT actor, role FROM events WHERE role IS NOT NULL"):
        if role not in case_roles:
            used_roles[canonical(actor)].add(role)
    taken: set[str] = set()
    ids: dict[str, int] = {}
    for key in sorted(spellings):
        name = spellings[key].most_common(1)[0][0].strip()
        login = login_for(name, taken)
        cursor = db.execute(
            "INSERT INTO accounts (login, login_key, name, name_key, created_at)"
            " VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP)",
            [login, canonical(login), name, key],
        )
        ids[key] = int(cursor.lastrowid or 0)
        for spelling in spellings[key]:
            db.execute("INSERT INTO identity_upgrade VALUES (?, ?)", [spelling, ids[key]])
        for role in sorted(used_roles.get(key, ())):
            db.execute(
                "INSERT INTO account_roles (account_id, role, granted_at) "
                "VALUES (?, ?, CURRENT_TIMESTAMP)",
                [ids[key], role],
            )
    return ids


def _link_team(db: Database, accounts: dict[str, int]) -> None:
    for rowid, name in list(db.execute("SELECT rowid, name FROM team")):
        db.execute(
            "UPDATE team SET account_id = ? WHERE rowid = ?", [accounts[canonical(name)], rowid]
        )


def _organisation(db: Database, name: str, known: dict[str, int]) -> int:
    key = agency_key(name)
    if key not in known:
        cursor = db.execute(
            "INSERT INTO organisations (name, created_at) VALUES (?, CURRENT_TIMESTAMP)", [name]
        )
        known[key] = int(cursor.lastrowid or 0)
        db.execute(
            "INSERT INTO organisation_names (key, organisation_id, name) VALUES (?, ?, ?)",
            [key, known[key], name],
        )
    return known[key]


def _organisations_from_agencies(db: Database) -> dict[str, int]:
    known: dict[str, int] = {}
    for rowid, name in list(db.execute("SELECT id, name FROM agencies ORDER BY id")):
        org = _organisation(db, name, known)
        db.execute("UPDATE agencies SET organisation_id = ? WHERE id = ?", [org, rowid])
    return known


def _affiliations(db: Database, accounts: dict[str, int], known: dict[str, int]) -> None:
    rows = list(db.execute("SELECT name, agency, declared_at FROM affiliations"))
    for name, agency, at in rows:
        account = accounts[canonical(name)]
        org = _organisation(db, agency, known)
        db.execute(
            "INSERT OR IGNORE INTO account_affiliations"
            " (account_id, organisation_id, declared_at) VALUES (?, ?, ?)",
            [account, org, at],
        )
        db.execute("UPDATE accounts SET declared = 1 WHERE id = ?", [account])


@MIGRATIONS.register("identity_0002_totp")
def second_factor(db: Database) -> None:
    """A one-time-password secret per account (RFC 6238), and whether it is in force."""
    db.execute("ALTER TABLE accounts ADD COLUMN totp_secret TEXT")
    db.execute("ALTER TABLE accounts ADD COLUMN totp_active INTEGER NOT NULL DEFAULT 0")


@MIGRATIONS.register("identity_0003_sign_in_failures")
def sign_in_failures(db: Database) -> None:
    """Failed sign-ins by login and by address, so every server process counts the same;
    and the last one-time-code time step each account used, so a code works once."""
    db.execute("CREATE TABLE sign_in_failures (key TEXT NOT NULL, at REAL NOT NULL)")
    db.execute("ALTER TABLE accounts ADD COLUMN totp_last_step INTEGER")
    db.execute("CREATE INDEX sign_in_failures_key ON sign_in_failures(key, at)")
