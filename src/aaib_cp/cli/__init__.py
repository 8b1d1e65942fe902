"""The ``aaib`` command line: a thin click layer over the engine.

Subcommands live in small modules loaded on first use, so ``aaib --help`` and
simple reads start quickly: ``aaib --help`` lists each command's first sentence from
:mod:`aaib_cp.cli._summaries` (a table a test keeps equal to the commands' own help)
and imports no command module. Every :class:`~aaib_cp.exceptions.AaibCpError`, and
every operating-system or SQLite failure that reaches here (disk full, read-only,
permission denied, name too long), becomes one line on stderr naming the file and
the problem, and exit code 1; usage errors exit with 2.
"""

from __future__ import annotations

import importlib
import sqlite3
from typing import Any

import click

from aaib_cp.cli._common import DEFAULT_DB, Context, add_completions, os_problem, refuse_typed_actor
from aaib_cp.exceptions import AaibCpError

__all__ = ["cli", "main"]

#: command name -> (module in this package, attribute)
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("cases", "init"),
    "notify": ("cases", "notify"),
    "list": ("cases", "list_cases"),
    "show": ("cases", "show"),
    "status": ("cases", "status"),
    "advance": ("cases", "advance"),
    "history": ("cases", "history"),
    "set": ("cases", "set_field"),
    "team": ("team", "team"),
    "login": ("users", "login"),
    "logout": ("users", "logout"),
    "whoami": ("users", "whoami"),
    "user": ("users", "user"),
    "org": ("users", "org"),
    "audit": ("audit", "audit"),
    "backup": ("backup", "backup"),
    "restore": ("backup", "restore"),
    "deadlines": ("deadlines", "deadlines"),
    "remind": ("remind", "remind"),
    "workflow": ("workflow", "workflow"),
    "agency": ("agencies", "agency"),
    "person": ("agencies", "person"),
    "evidence": ("evidence", "evidence"),
    "chronology": ("chronology", "chronology"),
    "recommendation": ("recommendations", "recommendation"),
    "safety-action": ("recommendations", "safety_action"),
    "consultation": ("consultation", "consultation"),
    "feedback": ("consultation", "feedback"),
    "note": ("protection", "note"),
    "disclosure": ("protection", "disclosure"),
    "act": ("analysis", "act"),
    "factor": ("analysis", "factor"),
    "taxonomy": ("analysis", "taxonomy"),
    "tree": ("trees", "tree"),
    "classify": ("classification", "classify"),
    "classification": ("classification", "classification"),
    "finding": ("analysis", "finding"),
    "search": ("learning", "search"),
    "learning": ("learning", "learning"),
    "export": ("learning", "export"),
    "report": ("reports", "report"),
    "demo": ("demo", "demo"),
    "serve": ("serve", "serve"),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported when used, turning our errors into one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The "Commands" section of ``aaib --help``, as click writes it, from the table."""
        from aaib_cp.cli._summaries import SUMMARIES

        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [(name, _shorten(SUMMARIES[name], limit)) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module = importlib.import_module(f"{__name__}.{target[0]}")
        command: click.Command = getattr(module, target[1])
        add_completions(command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AaibCpError as exc:
            raise click.ClickException(str(exc)) from None
        except sqlite3.Error as exc:
            from aaib_cp.db.connection import database_problem

            db_path = ctx.obj.db_path if isinstance(ctx.obj, Context) else None
            raise click.ClickException(database_problem(db_path, exc)) from None
        except OSError as exc:
            raise click.ClickException(os_problem(exc)) from None


def _shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a word, as click shortens a command's help."""
    if len(text) <= limit:
        return text
    if limit < len("..."):
        return "..."
    import textwrap

    return textwrap.shorten(text, limit, placeholder="...", break_on_hyphens=False)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_path",
    envvar="AAIB_DB",
    default=DEFAULT_DB,
    show_default=True,
    type=click.Path(readable=False),
    metavar="FILE",
    help="SQLite database file (or set AAIB_DB).",
)
@click.option(
    "--user",
    envvar="AAIB_USER",
    metavar="LOGIN",
    help="Act as this signed-in account when several are (or set AAIB_USER).",
)
@click.option(
    "--on-behalf-of",
    "on_behalf_of",
    metavar="LOGIN",
    help="Administrators only: act for this account, recorded as 'you for them'.",
)
@click.option("--role", envvar="AAIB_ROLE", help="Which of your roles to act in (or AAIB_ROLE).")
@click.option(
    "--actor", envvar="AAIB_ACTOR", hidden=True, expose_value=False, callback=refuse_typed_actor
)
@click.version_option(package_name="aaib-cp", prog_name="aaib")
@click.pass_context
def cli(
    ctx: click.Context,
    db_path: str,
    user: str | None,
    on_behalf_of: str | None,
    role: str | None,
) -> None:
    """Run independent, learning-focused investigations of child-protection incidents.

    You act as the account you signed in with (aaib login); see docs/security.md.

    \b
    Example:
      aaib demo                                  # a complete sample investigation
      aaib init --admin chris --name "Chris Ode" # the database and its first administrator
      aaib status CP-2026-0001
    """
    import aaib_cp.wiring  # noqa: F401  (every phase's tables, facts, guards and effects)

    ctx.obj = Context(db_path=db_path, user=user, on_behalf_of=on_behalf_of, role=role)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="aaib")
