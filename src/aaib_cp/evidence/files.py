"""A content-addressed file store for evidence files, beside the database.

Each file is kept under its SHA-256 (``<db stem>-evidence/<sha256>``), written to
a temporary name first and renamed into place, so a file is either complete or
absent. Identical files are stored once. The folder is private (``0700``) and each
file read-only to its owner (``0400``). A source must be a regular file outside
``/proc``, ``/sys`` and ``/dev`` (:mod:`aaib_cp.workflow.safe_files`).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import itertools
import os
import re
import tempfile
from collections.abc import Generator, Iterator
from pathlib import Path

from aaib_cp.exceptions import InputError, IntegrityError, StoreError
from aaib_cp.workflow.safe_files import PRIVATE_DIR, open_input

__all__ = ["BlobStore", "evidence_dir_for", "sha256_file"]

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 20
MAX_FILE_BYTES = 2 * 1024**3
STORED_MODE = 0o400


def evidence_dir_for(db_path: Path) -> Path:
    """``cases.db`` -> ``cases-evidence/`` beside the real database file (symlinks resolved)."""
    real = Path(os.path.realpath(db_path))
    return real.parent / f"{real.stem}-evidence"


def _chunks(path: Path, *, what: str = "evidence file") -> Generator[bytes, None, None]:
    with open_input(path, what=what, limit=MAX_FILE_BYTES) as fh:
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
        with contextlib.closing(_chunks(source, what="file")) as chunks:
            first = next(chunks, b"")  # opens and checks the source before anything is created
            return self._put(source, first, chunks)

    def _put(self, source: Path, first: bytes, chunks: Iterator[bytes]) -> tuple[str, int, bool]:
        try:
            self.root.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
        except OSError as exc:
            raise StoreError(
                f"cannot create the evidence folder {self.root} ({exc.strerror})"
            ) from None
        digest = hashlib.sha256()
        size = 0
        try:
            fd, tmp_name = tempfile.mkstemp(prefix=".incoming-", dir=self.root)
        except OSError as exc:
            raise self._cannot_store(source, exc) from None
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in itertools.chain([first], chunks):
                    digest.update(chunk)
                    size += len(chunk)
                    if size > MAX_FILE_BYTES:
                        raise InputError(f"file: {source} is larger than {MAX_FILE_BYTES} bytes")
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            final = self.path(sha)
            if self.check(sha) == "ok":
                tmp.unlink()
                return sha, size, False
            os.chmod(tmp, STORED_MODE)
            os.replace(tmp, final)
            return sha, size, True
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise self._cannot_store(source, exc) from None
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def _cannot_store(self, source: Path, exc: OSError) -> StoreError:
        problem = "the disk is full" if exc.errno == errno.ENOSPC else exc.strerror
        return StoreError(f"cannot store {source.name} in {self.root} ({problem})")

    def chunks(self, sha256: str) -> Iterator[bytes]:
        """The stored file's bytes in chunks; IntegrityError at the end if they do not match."""
        digest = hashlib.sha256()
        for chunk in _chunks(self.path(sha256)):
            digest.update(chunk)
            yield chunk
        if digest.hexdigest() != sha256:
            raise IntegrityError(f"the stored file {sha256[:12]} was altered")

    def discard(self, sha256: str) -> None:
        """Remove a file (only used to undo a ``put`` whose database write failed)."""
        self.path(sha256).unlink(missing_ok=True)

    def check(self, sha256: str) -> str:
        """``ok``, ``missing`` or ``altered``."""
        target = self.path(sha256)
        if not target.exists():
            return "missing"
        try:
            return "ok" if sha256_file(target) == sha256 else "altered"
        except InputError:  # no longer a regular file, or unreadable
            return "altered"
