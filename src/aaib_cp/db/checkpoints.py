"""Signed checkpoints of a database, kept outside it, and the schema it must have.

A checkpoint records every case's event count and last hash, the number of cases
and the schema version, signed with the database's Ed25519 key. Checkpoints are
appended to ``checkpoints.log`` in the key folder, each naming the hash of the one
before, and one can be exported for a witness (the oversight body). A database
compared with a checkpoint shows a case deleted, rolled back or truncated (fewer
events than the checkpoint holds), or re-chained (the event the checkpoint names has
another hash), even when its own chain and MACs are consistent.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from aaib_cp.db.keys import CHECKPOINT_LOG, SIGNING_KEY, SIGNING_PUB, KeyRing
from aaib_cp.exceptions import StoreError
from aaib_cp.workflow.audit import canonical, digest

if TYPE_CHECKING:
    from aaib_cp.db.connection import Database
    from aaib_cp.db.store import Store

__all__ = [
    "FORMAT",
    "Checkpoint",
    "append",
    "build",
    "compare",
    "read_log",
    "schema_problems",
    "verify_log",
]

FORMAT = "aaib-cp checkpoint 1"


@attrs.frozen
class Checkpoint:
    """One signed checkpoint: its content, signature and the public key that signed it."""

    body: dict[str, Any]
    signature: str
    public_key: str

    @property
    def at(self) -> str:
        """When it was taken (UTC, ISO 8601)."""
        return str(self.body["at"])

    @property
    def line(self) -> str:
        """Its line in the log (and the witness file's content)."""
        return canonical(
            {"checkpoint": self.body, "signature": self.signature, "public_key": self.public_key}
        )

    @property
    def id(self) -> str:
        """SHA-256 of its line: what the next checkpoint's ``prev`` names."""
        return digest(self.line)

    @classmethod
    def parse(cls, text: str, where: str) -> Checkpoint:
        """A checkpoint from its line; StoreError naming ``where`` if it is not one."""
        try:
            data = json.loads(text)
            body = data["checkpoint"]
            if body.get("format") != FORMAT:
                raise ValueError(f"not an {FORMAT!r}")
            return cls(body, str(data["signature"]), str(data["public_key"]))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StoreError(f"{where}: not a signed checkpoint ({exc})") from None

    def signed_by(self, public_key_hex: str) -> bool:
        """True if the signature is valid and made with ``public_key_hex``."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        if public_key_hex != self.public_key:
            return False
        try:
            key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
            key.verify(bytes.fromhex(self.signature), canonical(self.body).encode("utf-8"))
        except (InvalidSignature, ValueError):
            return False
        return True


def public_key(keys: KeyRing) -> str:
    """The hex Ed25519 public key of the database's signing pair."""
    try:
        return keys.path(SIGNING_PUB).read_text(encoding="ascii").strip()
    except OSError as exc:
        raise StoreError(f"no checkpoint signing key in {keys.folder}: {exc}") from None


def read_log(keys: KeyRing) -> list[Checkpoint]:
    """Every checkpoint in the log, oldest first (none if there is no log)."""
    path = keys.path(CHECKPOINT_LOG)
    if not path.exists():
        return []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeError) as exc:
        raise StoreError(f"{path}: cannot be read: {exc}") from None
    return [Checkpoint.parse(line, f"{path}:{i}") for i, line in enumerate(lines, 1) if line]


def verify_log(keys: KeyRing, log: Sequence[Checkpoint]) -> Iterator[str]:
    """What is wrong with the log: a bad signature, a broken link, a gap."""
    pub = public_key(keys)
    prev = ""
    for i, cp in enumerate(log, start=1):
        where = f"checkpoint log line {i} ({cp.at})"
        if not cp.signed_by(pub):
            yield f"{where}: signature does not verify with {SIGNING_PUB}"
        if cp.body.get("prev") != prev or cp.body.get("seq") != i:
            yield f"{where}: does not follow the line before it (log edited)"
        prev = cp.id


def build(store: Store, at: str, prev: Checkpoint | None) -> dict[str, Any]:
    """The content of a checkpoint of ``store`` now."""
    migrations = [r[0] for r in store.db.execute("SELECT name FROM schema_migrations")]
    return {
        "format": FORMAT,
        "database": store.path.name if store.path else ":memory:",
        "at": at,
        "seq": (int(prev.body["seq"]) + 1) if prev else 1,
        "prev": prev.id if prev else "",
        "schema_version": len(migrations),
        "case_count": store.count_cases(),
        "cases": {case: [n, h] for case, (n, h, _) in sorted(store.heads().items())},
    }


def append(store: Store, at: str) -> Checkpoint:
    """Sign a checkpoint of ``store`` and append it to the log (fsync'd); the checkpoint."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    keys = store.keys
    if not keys.keyed:
        raise StoreError(f"no audit key in {keys.folder}; run 'aaib init' to create one")
    log = read_log(keys)
    problems = list(verify_log(keys, log))
    if problems:
        raise StoreError(problems[0])
    try:
        pem = keys.path(SIGNING_KEY).read_bytes()
        private = serialization.load_pem_private_key(pem, password=None)
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read the checkpoint signing key: {exc}") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise StoreError(f"{keys.path(SIGNING_KEY)}: not an Ed25519 key")
    body = build(store, at, log[-1] if log else None)
    checkpoint = Checkpoint(
        body, private.sign(canonical(body).encode("utf-8")).hex(), public_key(keys)
    )
    path = keys.path(CHECKPOINT_LOG)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (checkpoint.line + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise StoreError(f"cannot append to {path}: {exc}") from None
    return checkpoint


def compare(store: Store, checkpoint: Checkpoint, source: str) -> list[tuple[str | None, str]]:
    """``(case or None, problem)`` for each way the database falls short of ``checkpoint``."""
    body = checkpoint.body
    when = f"the {source} of {checkpoint.at}"
    heads = store.heads()
    problems: list[tuple[str | None, str]] = []
    for case_id, (n, h) in sorted(body["cases"].items()):
        if case_id not in heads:
            problems.append((case_id, f"deleted: {when} holds it with {n} event(s)"))
        elif heads[case_id][0] < n:
            problems.append(
                (
                    case_id,
                    f"rolled back or truncated: {heads[case_id][0]} event(s), {when} holds {n}",
                )
            )
        elif store.event_hash_at(case_id, n) != h:
            problems.append((case_id, f"event {n} differs from {when} (history re-chained)"))
    if store.count_cases() < int(body["case_count"]):
        problems.append((None, f"{store.count_cases()} case(s), {when} holds {body['case_count']}"))
    migrations = store.db.execute("SELECT count(*) FROM schema_migrations").fetchone()[0]
    if migrations < int(body["schema_version"]):
        problems.append((None, f"schema version {migrations} is older than {when}"))
    return problems


def schema_problems(store: Store) -> list[str]:
    """Triggers and tables that the database's applied migrations made, missing or altered."""
    import sqlite3

    from aaib_cp.db.connection import MIGRATIONS, Database

    applied = {r[0] for r in store.db.execute("SELECT name FROM schema_migrations")}
    fresh = Database(sqlite3.connect(":memory:", isolation_level=None))
    try:
        for name, func in MIGRATIONS:
            if name in applied:
                func(fresh)
        want = _objects(fresh)
    finally:
        fresh.close()
    have = _objects(store.db)
    problems = []
    for (kind, name), sql in sorted(want.items()):
        if (kind, name) not in have:
            problems.append(f"schema: {kind} {name} is missing (dropped)")
        elif kind == "trigger" and _norm(have[(kind, name)]) != _norm(sql):
            problems.append(f"schema: trigger {name} differs from this release's (replaced)")
    return problems


def _objects(db: Database) -> dict[tuple[str, str], str]:
    rows = db.execute(
        "SELECT type, name, sql FROM main.sqlite_master"
        " WHERE type IN ('table', 'trigger', 'index') AND sql IS NOT NULL"
    ).fetchall()
    return {(t, n): s for t, n, s in rows}


def _norm(sql: str) -> str:
    return " ".join(sql.split())


def witness(path: Path) -> Checkpoint:
    """The checkpoint in a witness file."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeError) as exc:
        raise StoreError(f"{path}: cannot read the witness checkpoint: {exc}") from None
    return Checkpoint.parse(text, str(path))
