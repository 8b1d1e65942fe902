"""Shared plumbing for the CLI: the context object, options and output helpers."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

if TYPE_CHECKING:
    from aaib_cp.db import Store
    from aaib_cp.exceptions import DefinitionError
    from aaib_cp.workflow.engine import Engine

DEFAULT_DB = "aaib.db"
F = TypeVar("F", bound=Callable[..., Any])


class Context:
    """What every subcommand gets: where the database is and who is acting."""

    def __init__(self, *, db_path: str, actor: str | None, role: str | None) -> None:
        self.db_path = db_path
        self.actor = actor
        self.role = role
        self._store: Store | None = None

    def store(self, *, create: bool = False) -> Store:
        """Open the database (once per command): read-only until the command first writes."""
        if self._store is None:
            from aaib_cp.db import Store

            synchronous = os.environ.get("AAIB_SYNCHRONOUS", "FULL")
            self._store = Store.open(
                self.db_path, create=create, readonly=not create, synchronous=synchronous
            )
            click.get_current_context().call_on_close(self._store.close)
        return self._store

    def engine(self) -> Engine:
        """An engine over the database."""
        from aaib_cp.workflow.engine import Engine

        return Engine(self.store())

    def who(self, actor: str | None, role: str | None) -> tuple[str, str]:
        """The acting person and role, from options or the environment; clear error if absent."""
        actor = actor or self.actor
        role = role or self.role
        if not actor:
            raise click.UsageError("say who is acting: --actor NAME or AAIB_ACTOR")
        if not role:
            raise click.UsageError("say in which role: --role ROLE or AAIB_ROLE")
        return actor, role


pass_ctx = click.make_pass_decorator(Context)


def actor_options(func: F) -> F:
    """``--actor`` and ``--role`` on a write command (override the global ones)."""
    func = click.option("--role", "role", help="The acting role (or global --role / AAIB_ROLE).")(
        func
    )
    func = click.option("--actor", "actor", help="Who is acting (or global --actor / AAIB_ACTOR).")(
        func
    )
    return func


def json_option(func: F) -> F:
    """``--json`` on a read command."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(func)


def as_of_option(func: F) -> F:
    """``--as-of DATE``: count days left as on that date instead of today."""
    return click.option(
        "--as-of",
        "as_of",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        help="Count the days left as on this date (YYYY-MM-DD). Default: today.",
    )(func)


def emit_json(data: Any) -> None:
    """Print ``data`` as indented JSON."""
    import json

    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def table(rows: Sequence[Sequence[Any]], headers: Iterable[str]) -> str:
    """A plain-text table."""
    from tabulate import tabulate

    return tabulate(rows, headers=list(headers), tablefmt="simple", disable_numparse=True)


def echo_err(message: str) -> None:
    """Print to stderr."""
    click.echo(message, err=True)


def os_problem(exc: OSError) -> str:
    """An operating-system failure as one line: the file (both, for a rename) and the problem."""
    problem = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
    names = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
    return f"{' -> '.join(names)}: {problem}" if names else problem


def is_tty() -> bool:
    """True when stdout is a terminal."""
    return sys.stdout.isatty()


def short(text: str, width: int = 60) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def reader(obj: Context, actor: str | None, role: str | None) -> tuple[str, str | None]:
    """Who is reading (recorded on the audit trail): --actor, AAIB_ACTOR, or the login name."""
    import getpass

    who = actor or obj.actor
    if not who:
        try:
            who = getpass.getuser()
        except (KeyError, OSError):
            raise click.UsageError("say who is acting: --actor NAME or AAIB_ACTOR") from None
    return who, role or obj.role


def exit_with_problems(exc: DefinitionError, as_json: bool) -> NoReturn:
    """Print every problem of an invalid definition file (file:line:col) and exit 1."""
    problems = [str(p) for p in exc.problems] or [str(exc)]
    if as_json:
        emit_json({"valid": False, "problems": problems})
    else:
        for problem in problems:
            click.echo(problem, err=True)
        click.echo(f"{len(problems)} problem(s) found.", err=True)
    sys.exit(1)
