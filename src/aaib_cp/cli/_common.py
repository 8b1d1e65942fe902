"""Shared plumbing for the CLI: the context object, options and output helpers."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

if TYPE_CHECKING:
    from aaib_cp.db import Store
    from aaib_cp.exceptions import DefinitionError
    from aaib_cp.workflow.credentials import Credentials
    from aaib_cp.workflow.engine import Engine
    from aaib_cp.workflow.identity import Account, Actor

DEFAULT_DB = "aaib.db"
F = TypeVar("F", bound=Callable[..., Any])


class Context:
    """What every subcommand gets: where the database is and who is signed in."""

    def __init__(
        self,
        *,
        db_path: str,
        user: str | None = None,
        on_behalf_of: str | None = None,
        role: str | None = None,
    ) -> None:
        self.db_path = db_path
        self.user = user
        self.on_behalf_of = on_behalf_of
        self.role = role
        self._store: Store | None = None
        self._actor: Actor | None = None

    def store(self, *, create: bool = False) -> Store:
        """Open the database (once per command)."""
        if self._store is None:
            from aaib_cp.db import Store

            synchronous = os.environ.get("AAIB_SYNCHRONOUS", "FULL")
            self._store = Store.open(self.db_path, create=create, synchronous=synchronous)
            click.get_current_context().call_on_close(self._store.close)
        return self._store

    def engine(self) -> Engine:
        """An engine over the database."""
        from aaib_cp.workflow.engine import Engine

        return Engine(self.store())

    def credentials(self) -> Credentials:
        """Sign-in over the database."""
        from aaib_cp.workflow.accounts import Accounts
        from aaib_cp.workflow.credentials import Credentials

        engine = self.engine()
        return Credentials(Accounts(engine.store, engine.clock))

    def signed_in(self) -> Account:
        """The account whose token this command carries (AAIB_TOKEN, or ``aaib login``'s)."""
        from aaib_cp.cli._identity import CredentialFile

        token = os.environ.get("AAIB_TOKEN")
        if not token:
            saved = CredentialFile().token(self.db_path, self.user)
            if saved is None:
                who = f" as {self.user}" if self.user else ""
                raise click.UsageError(
                    f"not signed in{who} to {self.db_path}: run 'aaib login' (docs/security.md)"
                )
            token = saved[1]
        return self.credentials().authenticate(token)

    def acting(self) -> Actor:
        """The signed-in account, or an administrator acting for ``--on-behalf-of``."""
        if self._actor is None:
            from aaib_cp.workflow.identity import Actor

            me = self.signed_in()
            if self.on_behalf_of:
                principal = self.engine().accounts.get(self.on_behalf_of)
                self._actor = Actor(principal, delegate=me)
            else:
                self._actor = Actor(me)
        return self._actor

    def who(self, actor: object, role: str | None) -> tuple[Actor, str]:
        """The acting account and the role it acts in (``--role``, or the one role it holds)."""
        who = self.acting()
        chosen = role or self.role
        if chosen:
            return who, chosen
        held = held_roles(self.store(), who.account)
        if len(held) == 1:
            return who, held[0]
        if not held:
            raise click.UsageError(
                f"{who.account.login} holds no role: an administrator grants one"
                " (aaib user grant) or appoints you to a case (aaib team appoint)"
            )
        raise click.UsageError(
            f"say in which role: --role, one of the roles you hold: {', '.join(held)}"
        )


def held_roles(store: Store, account: Account) -> list[str]:
    """The workflow roles ``account`` holds: granted organisation roles and case roles."""
    from aaib_cp.workflow.identity import ADMINISTRATOR

    granted = sorted(r for r in account.roles if r != ADMINISTRATOR)
    return list(dict.fromkeys([*granted, *store.accounts.case_roles(account.id)]))


pass_ctx = click.make_pass_decorator(Context)


def refuse_typed_actor(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """``--actor NAME`` is gone: the actor is the signed-in account."""
    if value:
        raise click.UsageError(
            "--actor is no longer accepted: you act as the account you signed in with"
            " (aaib login; docs/security.md)"
        )
    return value


def actor_options(func: F) -> F:
    """``--role`` on a write command: which of the roles you hold (overrides the global one)."""
    func = click.option(
        "--role", "role", help="Which of your roles to act in (or global --role / AAIB_ROLE)."
    )(func)
    func = click.option(
        "--actor", "actor", hidden=True, expose_value=True, callback=refuse_typed_actor
    )(func)
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


def is_tty() -> bool:
    """True when stdout is a terminal."""
    return sys.stdout.isatty()


def short(text: str, width: int = 60) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def reader(obj: Context, actor: object, role: str | None) -> tuple[Actor, str | None]:
    """Who is reading (recorded on the audit trail): the signed-in account."""
    return obj.acting(), role or obj.role


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
