"""A content-addressed file store for evidence files, beside the database.

Each file is kept under its SHA-256 (``<db stem>-evidence/<sha256>``), written to
a temporary name first and renamed into place, so a file is either complete or
absent. Identical files are stored once.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from aaib_cp.exceptions import InputError, IntegrityError, StoreError

__all__ = ["BlobStore", "evidence_dir_for", "sha256_file"]

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 20
MAX_FILE_BYTES = 2 * 1024**3


def evidence_dir_for(db_path: Path) -> Path:
    """``cases.db`` -> ``cases-evidence/`` in the same folder."""
    return db_path.parent / f"{db_path.stem}-evidence"


def _chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            yield chunk


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    for chunk in _chunks(path):
        digest.update(chunk)
    return digest.hexdigest()


class BlobStore:
    """Files named by their SHA-256 in one folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        """Where the file with this hash lives (the hash is checked: no traversal)."""
        if not _HEX64.match(sha256 or ""):
            raise IntegrityError(f"{sha256!r} is not a SHA-256 hash")
        return self.root / sha256

    def put(self, source: Path) -> tuple[str, int, bool]:
        """Copy ``source`` in; returns ``(sha256, size, newly_created)``."""
        source = Path(source)
        if not source.exists():
            raise InputError(f"file: {source} does not exist")
        if not source.is_file():
            raise InputError(f"file: {source} is not a regular file")
        size = source.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"file: {source} is larger than {MAX_FILE_BYTES} bytes")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the evidence folder {self.root}: {exc}") from None
        digest = hashlib.sha256()
        fd, tmp_name = tempfile.mkstemp(prefix=".incoming-", dir=self.root)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in _chunks(source):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            final = self.path(sha)
            if final.exists() and sha256_file(final) == sha:
                tmp.unlink()
                return sha, size, False
            os.replace(tmp, final)
            os.chmod(final, 0o444)
            return sha, size, True
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StoreError(f"cannot store {source.name} in {self.root}: {exc.strerror}") from None
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def discard(self, sha256: str) -> None:
        """Remove a file (only used to undo a ``put`` whose database write failed)."""
        target = self.path(sha256)
        if target.exists():
            os.chmod(target, 0o644)
            target.unlink()

    def check(self, sha256: str) -> str:
        """``ok``, ``missing`` or ``altered``."""
        target = self.path(sha256)
        if not target.is_file():
            return "missing"
        return "ok" if sha256_file(target) == sha256 else "altered"
