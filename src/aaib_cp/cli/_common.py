"""Shared plumbing for the CLI: the context object, options and output helpers."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, cast

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
        self._engine: Engine | None = None

    def store(self, *, create: bool = False) -> Store:
        """Open the database (once per command): read-only until the command first writes."""
        if self._store is None:
            from aaib_cp.db import Store

            synchronous = os.environ.get("AAIB_SYNCHRONOUS", "FULL")
            self._store = Store.open(
                self.db_path, create=create, readonly=not create, synchronous=synchronous
            )
            click.get_current_context().call_on_close(self._store.close)
            report_identity_upgrade(self._store)
        return self._store

    def engine(self) -> Engine:
        """The engine over the database (one per command: signing in and the command
        share it, and its workflows are read once)."""
        if self._engine is None:
            from aaib_cp.workflow.engine import Engine

            self._engine = Engine(self.store())
        return self._engine

    def credentials(self) -> Credentials:
        """Sign-in over the database."""
        from aaib_cp.workflow.credentials import Credentials

        return Credentials(self.engine().accounts)

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
        from aaib_cp.exceptions import AaibCpError
        from aaib_cp.workflow.acting import choose_role, held_roles

        try:
            held = held_roles(self.store(), who.account)
            return who, choose_role(who.account, held, how="--role")
        except AaibCpError as exc:
            raise click.UsageError(str(exc)) from None


def report_identity_upgrade(store: Store) -> None:
    """Say on stderr which spellings became which account, when this command upgraded a
    database from the release where actors were typed names."""
    if "identity_0001" not in store.db.applied_now:
        return
    notes = store.accounts.upgrade_notes()
    if not notes:
        return
    echo_err(f"Upgraded {store.path}: actors are now accounts ({len(notes)}); spellings merged:")
    for login, name, spellings in notes:
        echo_err(f"  {login} ({name}): {spellings}")
    echo_err("An administrator is made by 'aaib init --admin LOGIN'; see docs/security.md.")


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


def terminal_width() -> int | None:
    """The width to fit output to: COLUMNS if set, else the terminal's; None when piped."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if is_tty():
        import shutil

        return shutil.get_terminal_size().columns
    return None


#: A column is never wrapped narrower than this.
MIN_COLUMN = 6
_GAP = 2  # tabulate's "simple" format puts two spaces between columns


def column_caps(natural: Sequence[int], width: int) -> list[int | None]:
    """Widths to wrap each column at so the table fits ``width`` (None: leave it).

    The widest columns are cut to one shared cap, the largest that fits, never below
    :data:`MIN_COLUMN`; narrow columns keep their width.
    """
    room = width - _GAP * (len(natural) - 1)
    if sum(natural) <= room:
        return [None] * len(natural)
    cap = MIN_COLUMN
    for candidate in range(max(natural), MIN_COLUMN - 1, -1):
        if sum(min(w, candidate) for w in natural) <= room:
            cap = candidate
            break
    caps: list[int | None] = [cap if w > cap else None for w in natural]
    spare = room - sum(min(w, cap) for w in natural)
    for i in sorted(range(len(natural)), key=lambda i: -natural[i]):
        width_i = caps[i]
        if spare <= 0 or width_i is None:
            break
        extra = min(spare, natural[i] - width_i)
        caps[i], spare = width_i + extra, spare - extra
    return caps


def table(rows: Sequence[Sequence[Any]], headers: Iterable[str]) -> str:
    """A plain-text table, its widest columns wrapped to fit the terminal (or COLUMNS)."""
    from tabulate import tabulate

    heads = list(headers)
    width = terminal_width()
    caps: list[int | None] | None = None
    if width is not None and heads:
        cells = [[str(c) for c in row] for row in rows]
        natural = [  # tabulate pads each header by two
            max([len(h) + _GAP, *(len(line) for row in cells for line in row[i].splitlines())])
            for i, h in enumerate(heads)
        ]
        caps = column_caps(natural, width)
        if not any(caps):
            caps = None
    return tabulate(
        [[str(c) for c in row] for row in rows] if caps else rows,
        headers=heads,
        tablefmt="simple",
        disable_numparse=True,
        maxcolwidths=caps,
        maxheadercolwidths=cast(Any, caps),  # None entries are allowed at run time
    )


def stream_table(
    rows: Iterable[Sequence[Any]], headers: Iterable[str], *, first: int = 200
) -> Iterator[str]:
    """:func:`table` of ``rows``, line by line as the rows arrive (for long listings).

    The first ``first`` rows are laid out as :func:`table` does and printed at once; the
    rest keep those column widths, a longer cell wrapping within its column.
    """
    import itertools
    import textwrap

    rest = iter(rows)
    text = table(list(itertools.islice(rest, first)), headers)
    yield from text.splitlines()
    dashes = next(line for line in text.splitlines() if line and not line.strip("- "))
    widths = [len(d) for d in dashes.split("  ")]

    def cell(value: object, width: int) -> list[str]:
        parts = str(value).splitlines() or [""]
        return [w for p in parts for w in (textwrap.wrap(p, width) or [""])]

    for row in rest:
        cells = [cell(v, w) for v, w in zip(row, widths, strict=True)]
        for line in itertools.zip_longest(*cells, fillvalue=""):
            yield "  ".join(p.ljust(w) for p, w in zip(line, widths, strict=True)).rstrip()


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


# -- shell completion of case ids and triggers, read from the database ------------------
def _completion_store(ctx: click.Context) -> Store | None:
    """The database named by --db / AAIB_DB, if it exists (completion never creates one)."""
    from pathlib import Path

    import aaib_cp.wiring  # noqa: F401  (every phase's migrations, guards and facts)
    from aaib_cp.db import Store

    root = ctx.find_root()
    path = root.params.get("db_path") or os.environ.get("AAIB_DB") or DEFAULT_DB
    if not Path(path).is_file():
        return None
    return Store.open(path)


def complete_case_id(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[click.shell_completion.CompletionItem]:
    """Case ids from the database that start with ``incomplete``, each with its title."""
    from click.shell_completion import CompletionItem

    try:
        store = _completion_store(ctx)
        if store is None:
            return []
        with store:
            cases = store.list_cases()
    except Exception:  # completion must never fail the shell
        return []
    return [
        CompletionItem(c.id, help=c.title)
        for c in cases
        if c.id.lower().startswith(incomplete.lower())
    ]


def complete_trigger(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[click.shell_completion.CompletionItem]:
    """The triggers of the case named earlier on the line, from its current state."""
    from click.shell_completion import CompletionItem

    case_id = ctx.params.get("case_id")
    try:
        store = _completion_store(ctx)
        if store is None or not case_id:
            return []
        from aaib_cp.workflow.engine import Engine

        with store:
            options = Engine(store).status(case_id).options
    except Exception:  # completion must never fail the shell
        return []
    return [
        CompletionItem(o.trigger, help=f"-> {o.dest}" + ("" if o.can_fire else " (blocked)"))
        for o in options
        if o.trigger.startswith(incomplete)
    ]


#: argument name -> its completion, attached to every command as it is loaded.
COMPLETIONS: dict[str, Callable[..., Any]] = {
    "case_id": complete_case_id,
    "trigger": complete_trigger,
}


def add_completions(command: click.Command) -> None:
    """Complete every CASE and TRIGGER argument of ``command`` (and its subcommands).

    One place instead of a ``shell_complete=`` on each of some sixty declarations; an
    argument that declares its own completion keeps it.
    """
    for param in command.params:
        complete = COMPLETIONS.get(param.name or "")
        if isinstance(param, click.Argument) and complete and not param._custom_shell_complete:
            param._custom_shell_complete = complete
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_completions(sub)
