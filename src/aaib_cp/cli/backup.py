"""``aaib backup`` and ``aaib restore``: verified copies of the database, its evidence
files and its checkpoint log."""

from __future__ import annotations

from pathlib import Path

import click

from aaib_cp.cli._common import Context, pass_ctx


def _verified(db: Path, keys_of: Path, what: str) -> None:
    """Run ``aaib audit verify`` on the database at ``db`` with the keys of ``keys_of``."""
    from aaib_cp.db import Store
    from aaib_cp.db.keys import KeyRing
    from aaib_cp.exceptions import StoreError
    from aaib_cp.oversight import verify
    from aaib_cp.workflow.engine import Engine

    with Store.open(db) as store:
        store.keys = KeyRing.for_database(keys_of)
        found = verify(Engine(store))
    if not found.intact:
        lines = (
            list(found.problems)
            + [str(b) for b in found.broken]
            + [str(c) for c in found.bad_files]
        )
        raise StoreError(f"{what} does not verify: {lines[0]}")


def _paths(obj: Context) -> tuple[Path, Path, Path]:
    from aaib_cp.db.keys import key_dir_for
    from aaib_cp.evidence.files import evidence_dir_for

    db = Path(obj.db_path)
    return db, evidence_dir_for(db), key_dir_for(db)


@click.command()
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@pass_ctx
def backup(obj: Context, dest: Path) -> None:
    """Back up the database, evidence files and checkpoint log into a new folder DEST.

    The database is copied with SQLite's online backup API (safe while others
    write), the copy's audit trail verified, and a manifest of every file's
    SHA-256 written and checked. The secret keys are not copied: keep them with
    their custodian (docs/reliability.md).

    \b
    Example:
      aaib backup /mnt/backups/aaib-2026-11-30
    """
    import shutil

    from aaib_cp.db import backup as backups

    db, evidence, keys = _paths(obj)
    obj.store()  # refuses a missing or foreign file in one line
    copy = backups.write(db, evidence, keys, dest)
    try:
        _verified(copy.db, db, f"the copy in {dest}")
        done = backups.finish(copy)
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)  # write() made it, new or empty
        raise
    files = sum(1 for p in done.evidence.glob("*")) if done.evidence.is_dir() else 0
    click.echo(f"Backed up {db} to {dest} ({files} evidence file(s)); verified.")


@click.command()
@click.argument("source", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the database if it exists.")
@pass_ctx
def restore(obj: Context, source: Path, force: bool) -> None:
    """Restore the backup in folder SOURCE to the database (--db), then verify it.

    The backup's manifest and SQLite integrity are checked first; an existing
    database is replaced only with --force. The restored database is verified with
    the keys in its key folder against the checkpoint log: a backup older than the
    latest checkpoint is reported as rolled back, naming each case that lost events.

    \b
    Example:
      aaib --db aaib.db restore /mnt/backups/aaib-2026-11-30
    """
    from aaib_cp.db import backup as backups

    db, evidence, keys = _paths(obj)
    backups.restore(source, db, evidence, keys, force=force)
    _verified(db, db, f"{db} restored from {source}")
    click.echo(f"Restored {db} from {source}; verified.")
