"""A fresh demo database: built aside, then renamed into place; never replaces anything else.

:class:`DemoBuild` builds the demo in a hidden file beside the target (with its own
evidence folder) and only at :meth:`DemoBuild.commit` replaces a previous demo with it.
An interrupted build (an exception, Ctrl-C, a closed pipe) is undone by
:meth:`DemoBuild.abort`: the hidden files go, and whatever was at the target stays.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from aaib_cp.db import Store
from aaib_cp.demo.sql import is_demo_database, mark_as_demo
from aaib_cp.evidence.files import evidence_dir_for
from aaib_cp.exceptions import StoreError

__all__ = ["DemoBuild", "open_demo_store"]

_SIDE_FILES = ("", "-wal", "-shm", "-journal")


def _refuse_other_files(path: Path) -> None:
    if path.exists() and not is_demo_database(path):
        raise StoreError(f"{path} exists and is not a demo database; choose another --db")


def open_demo_store(path: str | Path) -> Store:
    """A new, empty demo database at ``path``, marked as a demo.

    A previous demo database there (and its evidence folder) is removed first; any
    other existing file is refused with :class:`StoreError`.
    """
    path = Path(path)
    _refuse_other_files(path)
    _remove_database(path)
    store = Store.open(path, create=True)
    mark_as_demo(store)
    return store


class DemoBuild:
    """A demo database built under a hidden name, renamed to ``target`` when complete.

    ``staged(final)`` gives the hidden name to write a companion file to (the report);
    :meth:`commit` moves the database, its evidence folder and every staged file into
    place; :meth:`abort` removes them. Used as a context manager, an exception aborts.
    """

    def __init__(self, target: str | Path) -> None:
        self.target = Path(target)
        _refuse_other_files(self.target)
        self.path = self.target.with_name(f".building-{os.getpid()}-{self.target.name}")
        self._staged: dict[Path, Path] = {}
        _remove_database(self.path)
        self.store = Store.open(self.path, create=True)
        mark_as_demo(self.store)

    def staged(self, final: str | Path) -> Path:
        """The hidden name to write ``final`` under until :meth:`commit`."""
        final = Path(final)
        hidden = final.with_name(f".building-{os.getpid()}-{final.name}")
        self._staged[final] = hidden
        return hidden

    def commit(self) -> None:
        """Close the database and move it, its evidence and the staged files into place."""
        self.store.close()
        _refuse_other_files(self.target)  # nothing else appeared meanwhile
        _remove_database(self.target)
        evidence = evidence_dir_for(self.path)
        if evidence.is_dir():
            evidence.rename(evidence_dir_for(self.target))
        for final, hidden in self._staged.items():
            if hidden.exists():
                hidden.replace(final)
        self.path.replace(self.target)

    def abort(self) -> None:
        """Close the database and remove everything built so far."""
        self.store.close()
        _remove_database(self.path)
        for hidden in self._staged.values():
            hidden.unlink(missing_ok=True)

    def __enter__(self) -> DemoBuild:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        if kind is None:
            self.commit()
        else:
            self.abort()


def _remove_database(path: Path) -> None:
    """Remove a demo database file, its journal files and its evidence folder."""
    for suffix in _SIDE_FILES:
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    _remove_previous_evidence(path)


def _remove_previous_evidence(path: Path) -> None:
    """Remove a demo's evidence folder (only content-addressed files in it)."""
    folder = evidence_dir_for(path)
    if folder.is_dir() and all(re.fullmatch(r"[0-9a-f]{64}", p.name) for p in folder.iterdir()):
        for item in folder.iterdir():
            item.chmod(0o644)
        shutil.rmtree(folder)
