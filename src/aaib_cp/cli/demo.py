"""``aaib demo``: run a complete sample investigation into a fresh database."""

from __future__ import annotations

import click

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

    from aaib_cp.demo import LEAD, open_demo_store, run_demo
    from aaib_cp.reports.build import Publisher
    from aaib_cp.workflow.engine import Engine

    path = Path(db_path)
    store = open_demo_store(path)
    click.get_current_context().call_on_close(store.close)
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
    report = path.with_name(f"{path.stem}-report.html")
    Publisher(engine).write(
        case_id, report, audience="public", fmt="html", actor=LEAD[0], role=LEAD[1]
    )
    click.echo(f"Demo database: {path.resolve()}")
    click.echo(f"Public report: {report.resolve()} (open it in a browser)")
    click.echo(f"Try: aaib --db {db_path} status {case_id}")
    obj.db_path = str(path)
