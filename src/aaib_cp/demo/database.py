"""A fresh demo database: replace a previous demo's files, never anything else."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from aaib_cp.db import Store
from aaib_cp.demo.sql import is_demo_database, mark_as_demo
from aaib_cp.evidence.files import evidence_dir_for
from aaib_cp.exceptions import StoreError

__all__ = ["open_demo_store"]


def open_demo_store(path: str | Path) -> Store:
    """A new, empty demo database at ``path``, marked as a demo.

    A previous demo database there (and its evidence folder) is removed first; any
    other existing file is refused with :class:`StoreError`.
    """
    path = Path(path)
    if path.exists():
        if not is_demo_database(path):
            raise StoreError(f"{path} exists and is not a demo database; choose another --db")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        _remove_previous_evidence(path)
    store = Store.open(path, create=True)
    mark_as_demo(store)
    return store


def _remove_previous_evidence(path: Path) -> None:
    """Remove the previous demo's evidence folder (only content-addressed files in it)."""
    folder = evidence_dir_for(path)
    if folder.is_dir() and all(re.fullmatch(r"[0-9a-f]{64}", p.name) for p in folder.iterdir()):
        for item in folder.iterdir():
            item.chmod(0o644)
        shutil.rmtree(folder)
