"""``aaib demo``: run a complete sample investigation into a fresh database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

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
    (aaib-demo-report.html for aaib-demo.db), and by signing the demo's cast in on
    this machine (lee.park by default; choose another with --user LOGIN).

    \b
    Example:
      aaib demo
      aaib --db aaib-demo.db history CP-2026-0001
    """
    from pathlib import Path

    from aaib_cp.demo import LEAD, DemoBuild, run_demo
    from aaib_cp.reports.build import Publisher
    from aaib_cp.workflow.engine import Engine

    path = Path(db_path)
    report = path.with_name(f"{path.stem}-report.html")
    try:
        with DemoBuild(path) as build:
            engine = Engine(build.store)
            case_id = run_demo(engine, say=click.echo)
            click.echo("")
            click.echo("History:")
            rows = [
                [e.n, e.actor, e.role or "", e.kind, e.trigger or "", e.from_state or "",
                 e.to_state or ""]
                for e in engine.history(case_id)
            ]  # fmt: skip
            click.echo(table(rows, ["#", "actor", "role", "kind", "trigger", "from", "to"]))
            click.echo("")
            Publisher(engine).write(
                case_id,
                build.staged(report),
                audience="public",
                fmt="html",
                actor=engine.accounts.get(LEAD[0]),
                role=None,
            )
            tokens = cast_tokens(engine)
    except (KeyboardInterrupt, BrokenPipeError) as exc:
        _interrupted(path, exc)
    from aaib_cp.cli._identity import CredentialFile

    saved = CredentialFile()
    for login, token in tokens:
        saved.save(path, login, token)
    click.echo(f"Demo database: {path.resolve()}")
    click.echo(f"Signed in here for the demo: {', '.join(sorted(dict(tokens)))}")
    click.echo(f"  (as {LEAD[0]} unless you choose another with --user LOGIN)")
    click.echo(f"Public report: {report.resolve()} (open it in a browser)")
    click.echo(f"Try: aaib --db {db_path} status {case_id}")
    obj.db_path = str(path)


def _interrupted(path: Any, exc: BaseException) -> NoReturn:
    """Say on stderr that the demo stopped and nothing was written; exit 130 or 1."""
    import os
    import sys

    if isinstance(exc, BrokenPipeError):
        # nobody reads stdout any more: point it at /dev/null so exiting does not fail again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        why, code = "its output was closed", 1
    else:
        why, code = "interrupted", 130
    previous = "the previous demo is unchanged" if path.exists() else "no demo database was made"
    click.echo(f"aaib demo: {why}; stopped, nothing was written ({previous})", err=True)
    sys.exit(code)


def cast_tokens(engine: Engine) -> list[tuple[str, str]]:
    """A token for every demo account, the real way (an invitation, then redeemed); the
    lead investigator last, so that it is the default once saved."""
    from aaib_cp.demo import CAST, LEAD
    from aaib_cp.workflow.credentials import Credentials

    credentials = Credentials(engine.accounts)
    admin = engine.accounts.get(next(iter(CAST)))
    tokens = []
    for login in sorted(CAST, key=lambda login: login == LEAD[0]):
        code = credentials.invite(login, actor=admin)
        tokens.append((login, credentials.redeem(login, code, label="aaib demo")[1]))
    return tokens
