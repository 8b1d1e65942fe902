"""The keys that authenticate a database's audit trail, held outside the database.

A database's key folder (``AAIB_KEY_DIR``, or ``<db stem>-keys/`` next to it, as the evidence
folder is ``<db stem>-evidence/``) holds:

- ``audit.key``: the current HMAC-SHA256 key (32 random bytes, hex), mode 0400;
- ``audit-<id>.key``: earlier keys, kept after a rotation to verify older events;
- ``signing.key`` / ``signing.pub``: the Ed25519 pair that signs checkpoints;
- ``checkpoints.log``: the append-only log of signed checkpoints.

A database without a key folder is *unkeyed*: its chain is checked, but not
authenticated (tests, the library's ``Store.open`` and databases of earlier
releases until ``aaib init`` upgrades them).
"""

from __future__ import annotations

import os
from pathlib import Path

from aaib_cp.exceptions import StoreError
from aaib_cp.workflow.record import Record

__all__ = ["KEY_DIR_ENV", "KeyRing", "key_dir_for"]

KEY_DIR_ENV = "AAIB_KEY_DIR"
AUDIT_KEY = "audit.key"
SIGNING_KEY = "signing.key"
SIGNING_PUB = "signing.pub"
CHECKPOINT_LOG = "checkpoints.log"


def key_dir_for(db_path: str | Path) -> Path:
    """The key folder of the database at ``db_path``: ``$AAIB_KEY_DIR`` or ``<stem>-keys``."""
    configured = os.environ.get(KEY_DIR_ENV)
    if configured:
        return Path(configured)
    path = Path(db_path)
    return path.parent / f"{path.stem}-keys"


def _key_id(key: bytes) -> str:
    import hashlib  # only with a key: a database without one imports no hash

    return hashlib.sha256(b"aaib-cp/key-id\n" + key).hexdigest()[:12]


def _write_private(path: Path, data: bytes, mode: int = 0o400) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(path, mode)


def _read_key(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except (OSError, ValueError, UnicodeError) as exc:
        raise StoreError(f"{path}: not a readable audit key ({exc})") from None
    if len(key) < 32:
        raise StoreError(f"{path}: an audit key is 32 bytes of hex")
    return key


class KeyRing(Record):
    """The audit keys of one database (current and retired, by id) and its folder.

    Its repr names the folder and the key ids, never the keys (a repr ends up in logs
    and tracebacks)."""

    _no_repr = frozenset({"keys"})

    folder: Path
    current_id: str | None
    keys: dict[str, bytes]

    def __init__(
        self,
        folder: Path,
        current_id: str | None,
        keys: dict[str, bytes],
    ) -> None:
        self._set_fields(folder, current_id, keys)

    @classmethod
    def load(cls, folder: Path) -> KeyRing:
        """The keys in ``folder`` (none if it has no ``audit.key``)."""
        keys: dict[str, bytes] = {}
        current_id = None
        if folder.is_dir():
            for path in sorted(folder.glob("audit-*.key")):
                key = _read_key(path)
                keys[_key_id(key)] = key
            if (folder / AUDIT_KEY).exists():
                key = _read_key(folder / AUDIT_KEY)
                current_id = _key_id(key)
                keys[current_id] = key
        return cls(folder, current_id, keys)

    @classmethod
    def for_database(cls, db_path: str | Path | None) -> KeyRing:
        """The key ring of the database at ``db_path`` (empty for an in-memory one)."""
        if db_path is None or str(db_path) == ":memory:":
            return cls(Path(os.devnull), None, {})
        return cls.load(key_dir_for(db_path))

    @property
    def keyed(self) -> bool:
        """True when there is a current key to authenticate new events with."""
        return self.current_id is not None

    @property
    def current(self) -> tuple[str, bytes] | None:
        """``(id, key)`` of the current key, or None."""
        if self.current_id is None:
            return None
        return self.current_id, self.keys[self.current_id]

    def path(self, name: str) -> Path:
        """A file in the key folder."""
        return self.folder / name

    def create(self) -> KeyRing:
        """Make the folder (0700), an audit key and a signing pair if missing; the new ring."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not (self.folder / AUDIT_KEY).exists():
                import secrets  # on first use: ``aaib status`` never writes a key

                _write_private(self.folder / AUDIT_KEY, secrets.token_hex(32).encode() + b"\n")
            if not (self.folder / SIGNING_KEY).exists():
                private = Ed25519PrivateKey.generate()
                pem = private.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
                _write_private(self.folder / SIGNING_KEY, pem)
                public = private.public_key().public_bytes(
                    serialization.Encoding.Raw, serialization.PublicFormat.Raw
                )
                pub = self.folder / SIGNING_PUB
                pub.unlink(missing_ok=True)
                _write_private(pub, public.hex().encode() + b"\n", 0o444)
        except OSError as exc:
            raise StoreError(f"cannot create the audit keys in {self.folder}: {exc}") from None
        return KeyRing.load(self.folder)

    def rotate(self) -> KeyRing:
        """Retire the current audit key (kept to verify older events) and make a new one."""
        current = self.current
        if current is None:
            raise StoreError(f"no audit key in {self.folder}; run 'aaib init' first")
        key_id, _ = current
        try:
            os.rename(self.folder / AUDIT_KEY, self.folder / f"audit-{key_id}.key")
        except OSError as exc:
            raise StoreError(f"cannot rotate the audit key in {self.folder}: {exc}") from None
        return self.create()
