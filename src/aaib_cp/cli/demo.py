"""``aaib demo``: run a complete sample investigation into a fresh database."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from aaib_cp.cli._common import Context, pass_ctx, table

if TYPE_CHECKING:
    from aaib_cp.workflow.engine import Engine

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
    lead = engine.accounts.get(LEAD[0])
    Publisher(engine).write(case_id, report, audience="public", fmt="html", actor=lead, role=None)
    signed_in = sign_in_cast(engine, path)
    click.echo(f"Demo database: {path.resolve()}")
    click.echo(
        f"Signed in on this machine for the demo: {', '.join(signed_in)} (default {LEAD[0]};"
    )
    click.echo("  choose another with --user LOGIN)")
    click.echo(f"Public report: {report.resolve()} (open it in a browser)")
    click.echo(f"Try: aaib --db {db_path} status {case_id}")
    obj.db_path = str(path)


def sign_in_cast(engine: Engine, path: Path) -> list[str]:
    """Sign every demo account in on this machine, the real way (invitation, then token),
    so each role can be tried with ``--user``; the lead investigator is the default."""
    from aaib_cp.cli._identity import CredentialFile
    from aaib_cp.demo import CAST, LEAD
    from aaib_cp.workflow.credentials import Credentials

    credentials = Credentials(engine.accounts)
    admin = engine.accounts.get(next(iter(CAST)))
    saved = CredentialFile()
    logins = sorted(CAST, key=lambda login: login == LEAD[0])
    for login in logins:
        code = credentials.invite(login, actor=admin)
        _, token = credentials.redeem(login, code, label="aaib demo")
        saved.save(path, login, token)
    return sorted(CAST)
