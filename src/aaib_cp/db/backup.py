"""Backups: a consistent copy of the database (SQLite's online backup API), its
evidence files and its checkpoint log, with a manifest of every file's SHA-256.

A backup folder holds ``<db name>``, ``<stem>-evidence/``, ``<stem>-keys/`` with the
checkpoint log and the public signing key (never the secret keys: they stay in
their custodian's hands), and ``MANIFEST.json``. :func:`check` re-hashes every
file against the manifest and runs SQLite's integrity check; the caller then
verifies the audit trail of the copy.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from aaib_cp.db.keys import CHECKPOINT_LOG, SIGNING_PUB
from aaib_cp.exceptions import StoreError

__all__ = ["MANIFEST", "Backup", "check", "finish", "restore", "write"]

MANIFEST = "MANIFEST.json"
FORMAT = "aaib-cp backup 1"


class Backup:
    """The layout of a backup folder for a database called ``name``."""

    def __init__(self, folder: Path, name: str) -> None:
        self.folder = folder
        self.name = name
        stem = Path(name).stem
        self.db = folder / name
        self.evidence = folder / f"{stem}-evidence"
        self.keys = folder / f"{stem}-keys"

    @classmethod
    def read(cls, folder: Path) -> tuple[Backup, dict[str, str]]:
        """The backup in ``folder`` and its manifest ``{relative path: sha256}``."""
        try:
            data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError(f"not an {FORMAT!r}")
            return cls(folder, str(data["database"])), dict(data["files"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StoreError(f"{folder}: not an aaib-cp backup ({exc})") from None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != MANIFEST:
            yield path


def _copy_db(source: Path, dest: Path) -> None:
    """A consistent copy of a live database, through SQLite's online backup API."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(dest)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    finally:
        src.close()


def write(db_path: Path, evidence_dir: Path, key_dir: Path, dest: Path) -> Backup:
    """Copy the database, its evidence files and checkpoint log into the new ``dest``.

    The caller verifies the copy's audit trail, then :func:`finish` writes the manifest.
    """
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise StoreError(f"{dest} already exists and is not an empty folder; choose another")
    backup = Backup(dest, db_path.name)
    try:
        dest.mkdir(mode=0o700, parents=True, exist_ok=True)
        _copy_db(db_path, backup.db)
        os.chmod(backup.db, 0o600)
        if evidence_dir.is_dir():
            shutil.copytree(evidence_dir, backup.evidence)
        backup.keys.mkdir(mode=0o700)
        for name in (CHECKPOINT_LOG, SIGNING_PUB):
            if (key_dir / name).is_file():
                shutil.copy2(key_dir / name, backup.keys / name)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"backup to {dest} failed: {exc}") from None
    return backup


def finish(backup: Backup) -> Backup:
    """Write the manifest of a backup whose copy has been verified, and check it."""
    try:
        conn = sqlite3.connect(backup.db)
        try:
            conn.execute("PRAGMA journal_mode = DELETE")
        finally:
            conn.close()
        for suffix in ("-wal", "-shm"):
            Path(f"{backup.db}{suffix}").unlink(missing_ok=True)
        files = {str(p.relative_to(backup.folder)): _sha256(p) for p in _files(backup.folder)}
        manifest = {"format": FORMAT, "database": backup.name, "files": files}
        text = json.dumps(manifest, indent=2) + "\n"
        (backup.folder / MANIFEST).write_text(text, encoding="utf-8")
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"backup to {backup.folder} failed: {exc}") from None
    return check(backup.folder)


def check(folder: Path) -> Backup:
    """Re-hash every file of the backup against its manifest and check the database."""
    backup, files = Backup.read(folder)
    present = {str(p.relative_to(folder)) for p in _files(folder)}
    for name in sorted(set(files) | present):
        if name not in files:
            raise StoreError(f"{folder}: {name} is not in the manifest (added)")
        if name not in present:
            raise StoreError(f"{folder}: {name} is missing")
        if _sha256(folder / name) != files[name]:
            raise StoreError(f"{folder}: {name} does not match the manifest (altered)")
    conn = sqlite3.connect(f"file:{backup.db}?mode=ro", uri=True)
    try:
        (result,) = conn.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.Error as exc:
        raise StoreError(f"{backup.db}: {exc}") from None
    finally:
        conn.close()
    if result != "ok":
        raise StoreError(f"{backup.db}: SQLite integrity check fails: {result}")
    return backup


def restore(
    source: Path, db_path: Path, evidence_dir: Path, key_dir: Path, *, force: bool
) -> Backup:
    """Check the backup in ``source`` and put it in place at ``db_path``.

    Refuses to replace an existing database unless ``force``. Evidence files are
    added (content-addressed, so none is overwritten); the checkpoint log is copied
    only where the key folder has none, so a newer log still shows what was lost.
    """
    backup = check(source)
    if db_path.exists() and not force:
        raise StoreError(f"{db_path} exists; restore over it with --force")
    try:
        for suffix in ("-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        tmp = db_path.with_name(db_path.name + ".restoring")
        tmp.unlink(missing_ok=True)
        _copy_db(backup.db, tmp)
        os.chmod(tmp, 0o600)
        os.replace(tmp, db_path)
        if backup.evidence.is_dir():
            evidence_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            for path in backup.evidence.iterdir():
                if not (evidence_dir / path.name).exists():
                    shutil.copy2(path, evidence_dir / path.name)
        key_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        for name in (CHECKPOINT_LOG, SIGNING_PUB):
            if (backup.keys / name).is_file() and not (key_dir / name).exists():
                shutil.copy2(backup.keys / name, key_dir / name)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"restore from {source} failed: {exc}") from None
    return backup
