"""``aaib demo``: run a complete sample investigation into a fresh database."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from pathlib import Path

from aaib_cp.cli._common import Context, pass_ctx, table

DEMO_DB = "aaib-demo.db"


@click.command()
@click.option(
    "--db",
    "db_path",
    default=DEMO_DB,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Where to write the demo database (replaced if it is a previous demo).",
)
@pass_ctx
def demo(obj: Context, db_path: str) -> None:
    """Run a complete sample investigation, notification to closed, into a fresh database.

    Ends by writing the case's public report, as HTML, next to the database
    (aaib-demo-report.html for aaib-demo.db).

    \b
    Example:
      aaib demo
      aaib --db aaib-demo.db history CP-2026-0001
    """
    from pathlib import Path

    from aaib_cp.db import Store
    from aaib_cp.demo import run_demo
    from aaib_cp.exceptions import StoreError
    from aaib_cp.workflow.engine import Engine

    path = Path(db_path)
    if path.exists():
        if not _is_previous_demo(path):
            raise StoreError(f"{path} exists and is not a demo database; choose another --db")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        _remove_previous_evidence(path)
    store = Store.open(path, create=True)
    click.get_current_context().call_on_close(store.close)
    store.db.execute("CREATE TABLE IF NOT EXISTS demo_marker (created_by TEXT)")
    store.db.execute("INSERT INTO demo_marker VALUES ('aaib demo')")
    engine = Engine(store)
    case_id = run_demo(engine, say=click.echo)
    click.echo("")
    click.echo("History:")
    rows = [
        [e.n, e.actor, e.role or "", e.kind, e.trigger or "", e.from_state or "", e.to_state or ""]
        for e in engine.history(case_id)
    ]
    click.echo(table(rows, ["#", "actor", "role", "kind", "trigger", "from", "to"]))
    click.echo("")
    from aaib_cp.demo import LEAD
    from aaib_cp.reports.build import Publisher

    report = path.with_name(f"{path.stem}-report.html")
    Publisher(engine).write(
        case_id, report, audience="public", fmt="html", actor=LEAD[0], role=LEAD[1]
    )
    click.echo(f"Demo database: {path.resolve()}")
    click.echo(f"Public report: {report.resolve()} (open it in a browser)")
    click.echo(f"Try: aaib --db {db_path} status {case_id}")
    obj.db_path = str(path)


def _is_previous_demo(path: Path) -> bool:
    import sqlite3

    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            conn.execute("SELECT 1 FROM demo_marker").fetchall()
            return True
    except sqlite3.Error:
        return False


def _remove_previous_evidence(path: Path) -> None:
    """Remove the previous demo's evidence folder (only content-addressed files in it)."""
    import re
    import shutil

    from aaib_cp.evidence.files import evidence_dir_for

    folder = evidence_dir_for(path)
    if folder.is_dir() and all(re.fullmatch(r"[0-9a-f]{64}", p.name) for p in folder.iterdir()):
        for item in folder.iterdir():
            item.chmod(0o644)
        shutil.rmtree(folder)
