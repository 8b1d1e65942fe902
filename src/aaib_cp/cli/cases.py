"""Commands on cases: init, notify, list, show, status, advance, history, set."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import click

from aaib_cp.cli._common import (
    Context,
    actor_options,
    as_of_option,
    emit_json,
    json_option,
    pass_ctx,
    stream_table,
    table,
)

if TYPE_CHECKING:
    from aaib_cp.workflow.identity import Actor


def _parse_sets(pairs: tuple[str, ...]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="'--set'")
        fields[name.strip()] = value
    return fields


@click.command()
@click.option("--workflow", "workflow_path", help="Only check that this workflow loads.")
@click.option(
    "--admin",
    "admin_login",
    metavar="LOGIN",
    help="Login of the first administrator (default: your operating-system login).",
)
@click.option("--name", "admin_name", help="The first administrator's name (default: the login).")
@pass_ctx
def init(
    obj: Context, workflow_path: str | None, admin_login: str | None, admin_name: str | None
) -> None:
    """Create the database and its first administrator, signed in on this machine.

    Safe to run again: it only adds what is missing. A database from the previous
    release is upgraded in place, and what the upgrade merged is printed.

    \b
    Example:
      aaib --db investigations.db init --admin chris.ode --name "Chris Ode"
    """
    store = obj.store(create=True)
    if workflow_path:
        from aaib_cp.workflow.definition import load_workflow

        load_workflow(workflow_path)
    click.echo(f"Database ready: {store.path} ({store.count_cases()} case(s))")
    from aaib_cp.cli.audit import init_keys

    first_administrator(obj, admin_login, admin_name)
    init_keys(obj)


def first_administrator(obj: Context, login: str | None, name: str | None) -> None:
    """Make and sign in the first administrator, if the database has none."""
    import getpass

    from aaib_cp.cli._identity import CredentialFile
    from aaib_cp.workflow.identity import ADMINISTRATOR

    store = obj.store()
    if store.accounts.count_holding(ADMINISTRATOR):
        return
    if login is None:
        try:
            login = getpass.getuser().lower()
        except (KeyError, OSError):
            raise click.UsageError("say who administers this database: --admin LOGIN") from None
    engine = obj.engine()
    account = engine.accounts.first_administrator(login, name or login)
    _, token = obj.credentials().issue(account, label="aaib init")
    CredentialFile().save(obj.db_path, account.login, token)
    click.echo(f"Administrator: {account.name} ({account.login}), signed in on this machine")


@click.command()
@click.option("--title", required=True, help="Short, anonymised title, e.g. 'Child A'.")
@click.option(
    "--known-on",
    metavar="YYYY-MM-DD",
    required=True,
    help="Date the incident became known (YYYY-MM-DD); starts the notification clock.",
)
@click.option(
    "--workflow",
    "workflow_name",
    default="child-protection",
    show_default=True,
    help="Shipped workflow name or path to a YAML file.",
)
@click.option("--reason", help="Free-text note recorded with the opening event.")
@actor_options
@json_option
@pass_ctx
def notify(
    obj: Context,
    title: str,
    known_on: str,
    workflow_name: str,
    reason: str | None,
    actor: Actor | None,
    role: str | None,
    as_json: bool,
) -> None:
    """Open a case for a notified incident and print its reference.

    \b
    Example:
      aaib notify --title "Child A" --known-on 2026-11-20 --role notifier
    """
    from aaib_cp.workflow.definition import load_workflow
    from aaib_cp.workflow.input_text import parse_date

    actor, role = obj.who(actor, role)
    known = parse_date(known_on, "known_on")
    definition = load_workflow(workflow_name)
    case = obj.engine().open_case(
        definition, title=title, known_on=known, actor=actor, role=role, reason=reason
    )
    if as_json:
        emit_json(case.to_json())
    else:
        click.echo(case.id)


@click.command("list")
@click.option("--state", help="Only cases in this state.")
@as_of_option
@json_option
@pass_ctx
def list_cases(obj: Context, state: str | None, as_of: Any, as_json: bool) -> None:
    """List cases with their state and soonest deadline (OVERDUE when any clock has run out).

    \b
    Example:
      aaib list --state evidence
      aaib list --as-of 2026-12-31 --json
    """
    engine = obj.engine()
    today = as_of.date() if as_of else None
    if as_json:
        cases = engine.store.list_cases(state=state)
        clocks = _clocks_of(engine, cases, today)
        emit_json(
            [
                {
                    **c.to_json(),
                    "deadline": next(
                        (k.to_json() for k in clocks[c.id] if k.kind == "state"), None
                    ),
                    "clocks": [k.to_json() for k in clocks[c.id]],
                    "overdue": any(k.overdue for k in clocks[c.id]),
                }
                for c in cases
            ]
        )
        return

    def rows() -> Iterator[list[str]]:
        from aaib_cp.db.store import sql_store

        for page in sql_store(engine.store).iter_cases(state=state):
            clocks = _clocks_of(engine, page, today)
            for c in page:
                yield [c.id, c.state, _due(clocks[c.id]), c.known_on.isoformat(), c.title]

    listing = rows()
    first = next(listing, None)
    if first is None:
        click.echo("No cases." if state is None else f"No cases in state {state!r}.")
        return
    for line in stream_table(
        itertools.chain([first], listing), ["case", "state", "due", "known on", "title"]
    ):
        click.echo(line)


def _clocks_of(engine: Any, cases: list[Any], today: Any) -> dict[str, list[Any]]:
    """Each case's clocks, soonest first."""
    clocks: dict[str, list[Any]] = {c.id: [] for c in cases}
    for clock in engine.open_clocks(cases, today=today):
        clocks[clock.case_id].append(clock)
    return clocks


def _due(own: list[Any]) -> str:
    """The listing's deadline column for a case's clocks (soonest first)."""
    late = [k for k in own if k.overdue]
    running = [k for k in own if k.due is not None and k.kind != "interim_statement"]
    if late:
        return f"OVERDUE {late[0].due}"
    if running:
        return str(running[0].due)
    if own:
        return "stopped" if own[0].paused else f"interim {own[0].due}"
    return ""


@click.command()
@click.argument("case_id", metavar="CASE")
@json_option
@pass_ctx
def show(obj: Context, case_id: str, as_json: bool) -> None:
    """Show a case's record: workflow, state, fields and team.

    \b
    Example:
      aaib show CP-2026-0001 --json
    """
    engine = obj.engine()
    case = engine.get(case_id)
    team = engine.team(case_id)
    if as_json:
        emit_json({**case.to_json(), "team": [m.to_json() for m in team]})
        return
    click.echo(f"{case.id}  {case.title}")
    click.echo(
        f"  workflow:   {case.workflow_name} v{case.workflow_version} ({case.workflow_hash[:12]})"
    )
    click.echo(f"  state:      {case.state}")
    click.echo(f"  known on:   {case.known_on}")
    click.echo(f"  opened:     {case.opened_at:%Y-%m-%d %H:%M} by {case.opened_by}")
    for name, value in case.fields.items():
        click.echo(f"  {name}: {value}")
    if team:
        click.echo("  team:")
        for m in team:
            click.echo(f"    {m.name} ({m.role.replace('_', ' ')})")


@click.command()
@click.argument("case_id", metavar="CASE")
@click.option("--as-role", "as_role", help="Check the triggers for this role too.")
@as_of_option
@json_option
@pass_ctx
def status(obj: Context, case_id: str, as_role: str | None, as_of: Any, as_json: bool) -> None:
    """Show the case's state, its deadlines (with days left), and every trigger and its blockers.

    \b
    Example:
      aaib status CP-2026-0001
      aaib status CP-2026-0001 --as-role lead_investigator --json
    """
    st = obj.engine().status(case_id, role=as_role or None, today=as_of.date() if as_of else None)
    if as_json:
        emit_json(st.to_json())
        return
    state = st.definition.states[st.case.state]
    click.echo(f"{st.case.id}  {st.case.title}")
    click.echo(f"  state:    {state.name}" + (" (ended)" if state.terminal else ""))
    if state.description:
        click.echo(f"            {state.description}")
    if st.clocks:
        click.echo("  deadlines:")
        for clock in st.clocks:
            click.echo(f"    {clock.describe()}")
    if not st.options:
        click.echo("  No triggers: the case has ended.")
        return
    click.echo("  triggers:")
    for o in st.options:
        mark = "ready  " if o.can_fire else "blocked"
        needs = []
        if o.sets:
            needs.append("--set " + " --set ".join(f"{s}=..." for s in o.sets))
        if o.reason_required:
            needs.append("--reason")
        extra = f"  needs {' '.join(needs)}" if needs else ""
        click.echo(f"    [{mark}] {o.trigger} -> {o.dest}  (roles: {', '.join(o.roles)}){extra}")
        for message in dict.fromkeys(b.message for b in o.blockers):  # each once, in order
            click.echo(f"              blocked: {message}")


@click.command()
@click.argument("case_id", metavar="CASE")
@click.argument("trigger")
@click.option("--reason", help="Why (required by some transitions, e.g. suspend).")
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="NAME=VALUE",
    help="A case field the transition sets (repeatable).",
)
@click.option(
    "--expect-version",
    type=int,
    help="Fail if the case is no longer at this version (optimistic locking).",
)
@actor_options
@pass_ctx
def advance(
    obj: Context,
    case_id: str,
    trigger: str,
    reason: str | None,
    sets: tuple[str, ...],
    expect_version: int | None,
    actor: Actor | None,
    role: str | None,
) -> None:
    """Fire TRIGGER on CASE. A refusal is recorded and exits 1, naming what blocks it.

    \b
    Example:
      aaib advance CP-2026-0001 decide_investigate --set classification=child_death \\
          --set depth=field --reason "Multi-agency failings suspected" \\
          --role chief_investigator
    """
    actor, role = obj.who(actor, role)
    event = obj.engine().fire(
        case_id,
        trigger,
        actor=actor,
        role=role,
        reason=reason,
        fields=_parse_sets(sets),
        expected_version=expect_version,
    )
    click.echo(f"{case_id}: {event.from_state} -> {event.to_state} ({trigger})")


@click.command()
@click.argument("case_id", metavar="CASE")
@click.option("--all", "include_all", is_flag=True, help="Include refused attempts.")
@json_option
@pass_ctx
def history(obj: Context, case_id: str, include_all: bool, as_json: bool) -> None:
    """Show the case's audit trail: every transition (and with --all, refusals too).

    \b
    Example:
      aaib history CP-2026-0001 --all
    """
    events = obj.engine().history(case_id)
    if not include_all:
        events = [e for e in events if e.allowed]
    if as_json:
        emit_json([e.to_json() for e in events])
        return
    rows = []
    for e in events:
        if e.kind in ("transition", "refused"):
            what = f"{e.trigger}: {e.from_state} -> {e.to_state or 'REFUSED'}"
        elif e.kind == "opened":
            what = f"opened in {e.to_state}"
        elif e.kind == "field_set":
            what = f"set {e.detail.get('field')} = {e.detail.get('value')}"
        elif e.kind == "appointed":
            what = f"appointed {e.detail.get('name')} as {e.detail.get('role')}"
        else:
            what = _describe_event(e.kind, e.detail)
        if e.kind == "refused":
            blockers = e.detail.get("blockers") or []
            note = "; ".join(b.get("message", "") for b in blockers) or e.detail.get("refused", "")
        else:
            note = e.reason or ""
        rows.append([e.n, f"{e.at:%Y-%m-%d %H:%M:%S}", e.actor, e.role or "", what, note])
    click.echo(table(rows, ["#", "at (UTC)", "actor", "role", "what", "reason"]))


def _describe_event(kind: str, detail: Any) -> str:
    """A plain-words line for an event kind the history has no special wording for."""
    simple = [
        f"{key} {value}"
        for key, value in dict(detail).items()
        if isinstance(value, str | int | float) and not isinstance(value, bool) and value != ""
    ]
    words = kind.replace("_", " ")
    return f"{words}: {', '.join(simple[:3])}" if simple else words


@click.command("set")
@click.argument("case_id", metavar="CASE")
@click.argument("name")
@click.argument("value")
@click.option("--reason", help="Why the field is recorded or amended.")
@actor_options
@pass_ctx
def set_field(
    obj: Context,
    case_id: str,
    name: str,
    value: str,
    reason: str | None,
    actor: Actor | None,
    role: str | None,
) -> None:
    """Record or amend a case field declared by the workflow (audited).

    \b
    Example:
      aaib set CP-2026-0001 terms_of_reference "Multi-agency response, Jan-Mar 2026"
    """
    actor, role = obj.who(actor, role)
    case = obj.engine().set_field(case_id, name, value, actor=actor, role=role, reason=reason)
    click.echo(f"{case.id}: {name} = {case.fields[name]}")
