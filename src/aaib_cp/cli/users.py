"""``aaib login|logout|whoami``, ``aaib user ...`` and ``aaib org ...``: accounts and agencies."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from aaib_cp.cli._common import Context, F, emit_json, json_option, pass_ctx, table

if TYPE_CHECKING:
    from aaib_cp.workflow.identity import Account, Organisation
    from aaib_cp.workflow.spec import WorkflowDefinition


def _workflows(names: tuple[str, ...]) -> list[WorkflowDefinition]:
    from aaib_cp.workflow.definition import load_workflow

    return [load_workflow(n) for n in names]


def _workflow_option(func: F) -> F:
    return click.option(
        "--workflow",
        "workflows",
        multiple=True,
        metavar="NAME|PATH",
        help="Also accept the organisation roles of this workflow (repeatable).",
    )(func)


def _read_secret(prompt: str, from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    value: str = click.prompt(prompt, hide_input=True)
    return value


def _describe(account: Account, agencies: list[str], case_roles: list[str]) -> list[str]:
    declared = ", ".join(agencies) if agencies else ("none" if account.declared else "not declared")
    return [
        f"{account.login}  {account.name}" + ("" if account.active else "  (disabled)"),
        f"  organisation roles: {', '.join(sorted(account.roles)) or 'none'}",
        f"  case roles now:     {', '.join(case_roles) or 'none'}",
        f"  affiliations:       {declared}",
    ]


# -- signing in -------------------------------------------------------------------------
@click.command()
@click.argument("login")
@click.option("--code", help="The one-time invitation code an administrator gave you.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--otp", metavar="CODE", help="Your one-time code, if you set one up (docs/web.md).")
@pass_ctx
def login(
    obj: Context, login: str, code: str | None, password_stdin: bool, otp: str | None
) -> None:
    """Sign in as LOGIN and keep a token for this database (0600, in your config folder).

    The first time, use the invitation code from your administrator; afterwards, your
    password (set it with aaib user passwd). Scripts may set AAIB_TOKEN instead.

    \b
    Example:
      aaib login lee.park --code 3fJx...      # first time
      aaib login lee.park                      # asks for the password
    """
    from aaib_cp.cli._identity import CredentialFile

    credentials = obj.credentials()
    if code:
        account, token = credentials.redeem(login, code)
    else:
        password = _read_secret("Password", password_stdin)
        account, token = credentials.sign_in(login, password, code=otp)
    CredentialFile().save(obj.db_path, account.login, token)
    click.echo(f"Signed in to {obj.db_path} as {account.name} ({account.login})")


@click.command()
@pass_ctx
def logout(obj: Context) -> None:
    """Sign out: revoke the saved token and forget it.

    \b
    Example:
      aaib logout
    """
    from aaib_cp.cli._identity import CredentialFile

    account = obj.signed_in()
    token = CredentialFile().forget(obj.db_path, account.login)
    if token:
        obj.credentials().sign_out(token)
    click.echo(f"Signed out {account.login} from {obj.db_path}")


@click.command()
@json_option
@pass_ctx
def whoami(obj: Context, as_json: bool) -> None:
    """Show the account you act as, its roles and affiliations.

    \b
    Example:
      aaib whoami --json
    """
    from aaib_cp.workflow.acting import held_roles

    who = obj.acting()
    engine = obj.engine()
    agencies = engine.accounts.names_of(who.account.affiliations)
    if as_json:
        emit_json(
            {
                **who.account.as_dict(),
                "acting_as": who.label,
                "agencies": agencies,
                "held_roles": held_roles(obj.store(), who.account),
            }
        )
        return
    case_roles = obj.store().accounts.case_roles(who.id)
    for line in _describe(who.account, agencies, case_roles):
        click.echo(line)
    if who.delegate:
        click.echo(f"  acting as:          {who.label} (delegation, recorded)")


# -- accounts --------------------------------------------------------------------------
@click.group()
def user() -> None:
    """Accounts: who may sign in and which organisation roles they hold.

    \b
    Example:
      aaib user add lee.park --name "Lee Park" --grant chief_investigator
    """


@user.command("add")
@click.argument("login")
@click.option("--name", required=True, help="The person's name as shown on records.")
@click.option("--email", help="Where reminders go.")
@click.option("--grant", "grants", multiple=True, metavar="ROLE", help="An organisation role.")
@click.option(
    "--different-person",
    is_flag=True,
    help="The name resembles an existing account's, but this is someone else (recorded).",
)
@_workflow_option
@pass_ctx
def user_add(
    obj: Context,
    login: str,
    name: str,
    email: str | None,
    grants: tuple[str, ...],
    different_person: bool,
    workflows: tuple[str, ...],
) -> None:
    """Add an account (administrators only) and print its one-time invitation code.

    \b
    Example:
      aaib user add ana.ruiz --name "Ana Ruiz" --grant notifier
    """
    engine = obj.engine()
    account = engine.accounts.add(
        login,
        name,
        actor=obj.acting(),
        roles=grants,
        email=email,
        allow_similar=different_person,
        workflows=_workflows(workflows),
    )
    code = obj.credentials().invite(account.login, actor=obj.acting())
    roles = ", ".join(sorted(account.roles)) or "none"
    click.echo(f"Added {account.login} ({account.name}); roles: {roles}")
    click.echo(f"Invitation code (works once, for 7 days): {code}")
    click.echo(f"They sign in with: aaib login {account.login} --code {code}")


@user.command("invite")
@click.argument("login")
@pass_ctx
def user_invite(obj: Context, login: str) -> None:
    """Issue a new one-time invitation code (administrators only; the old one stops working).

    \b
    Example:
      aaib user invite ana.ruiz
    """
    code = obj.credentials().invite(login, actor=obj.acting())
    click.echo(f"Invitation code for {login} (works once, for 7 days): {code}")


@user.command("list")
@json_option
@pass_ctx
def user_list(obj: Context, as_json: bool) -> None:
    """List every account.

    \b
    Example:
      aaib user list --json
    """
    accounts = obj.engine().accounts.all()
    if as_json:
        emit_json([a.as_dict() for a in accounts])
        return
    rows = [
        [a.login, a.name, ", ".join(sorted(a.roles)), "yes" if a.active else "disabled"]
        for a in accounts
    ]
    click.echo(table(rows, ["login", "name", "organisation roles", "active"]))


@user.command("show")
@click.argument("login")
@json_option
@pass_ctx
def user_show(obj: Context, login: str, as_json: bool) -> None:
    """Show one account: roles held, case roles now, declared affiliations.

    \b
    Example:
      aaib user show lee.park
    """
    engine = obj.engine()
    account = engine.accounts.get(login)
    agencies = engine.accounts.names_of(account.affiliations)
    case_roles = obj.store().accounts.case_roles(account.id)
    if as_json:
        emit_json({**account.as_dict(), "agencies": agencies, "case_roles": case_roles})
        return
    for line in _describe(account, agencies, case_roles):
        click.echo(line)


@user.command("grant")
@click.argument("login")
@click.argument("role")
@_workflow_option
@pass_ctx
def user_grant(obj: Context, login: str, role: str, workflows: tuple[str, ...]) -> None:
    """Grant LOGIN an organisation role (administrators only; audited).

    \b
    Example:
      aaib user grant chris.ode chief_investigator
    """
    account = obj.engine().accounts.grant(
        login, role, actor=obj.acting(), workflows=_workflows(workflows)
    )
    click.echo(f"{account.login} now holds {', '.join(sorted(account.roles))}")


@user.command("revoke")
@click.argument("login")
@click.argument("role")
@pass_ctx
def user_revoke(obj: Context, login: str, role: str) -> None:
    """Withdraw an organisation role (administrators only; audited).

    \b
    Example:
      aaib user revoke chris.ode chief_investigator
    """
    account = obj.engine().accounts.revoke(login, role, actor=obj.acting())
    click.echo(f"{account.login} now holds {', '.join(sorted(account.roles)) or 'no role'}")


@user.command("disable")
@click.argument("login")
@pass_ctx
def user_disable(obj: Context, login: str) -> None:
    """Disable an account and revoke its tokens (administrators only; audited).

    \b
    Example:
      aaib user disable sam.idowu
    """
    account = obj.engine().accounts.set_active(login, False, actor=obj.acting())
    click.echo(f"{account.login} is disabled")


@user.command("enable")
@click.argument("login")
@pass_ctx
def user_enable(obj: Context, login: str) -> None:
    """Enable a disabled account again (administrators only; audited).

    \b
    Example:
      aaib user enable sam.idowu
    """
    account = obj.engine().accounts.set_active(login, True, actor=obj.acting())
    click.echo(f"{account.login} is active")


@user.command("reset-otp")
@click.argument("login")
@pass_ctx
def user_reset_otp(obj: Context, login: str) -> None:
    """Remove the one-time code of someone who lost it (administrators only; audited).

    They then sign in with their password alone, and may set up a new code on their
    account page. Nobody resets their own: another administrator must.

    \b
    Example:
      aaib user reset-otp lee.park
    """
    account = obj.credentials().second_factor_reset(login, actor=obj.acting())
    click.echo(
        f"{account.login}'s one-time code is removed: they sign in with their password"
        " and may set up a new one"
    )


@user.command("passwd")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
@pass_ctx
def user_passwd(obj: Context, password_stdin: bool) -> None:
    """Set your own password (argon2id; at least 12 characters).

    \b
    Example:
      aaib user passwd
    """
    password = _read_secret("New password", password_stdin)
    obj.credentials().set_password(password, actor=obj.acting())
    click.echo(f"Password set for {obj.acting().account.login}")


@user.command("declare")
@click.option("--agency", "agencies", multiple=True, metavar="AGENCY", help="Registered agency.")
@click.option("--none", "none", is_flag=True, help="Declare that you have no affiliation.")
@json_option
@pass_ctx
def user_declare(obj: Context, agencies: tuple[str, ...], none: bool, as_json: bool) -> None:
    """Declare your agency affiliations, or none (checked on every independent appointment).

    The declaration is recorded on the registry's audit trail and on that of every case
    you serve on. An administrator declares for someone with --on-behalf-of.

    \b
    Example:
      aaib user declare --agency "Northshire Police"
      aaib user declare --none
    """
    engine = obj.engine()
    account = engine.accounts.declare(agencies, actor=obj.acting(), none=none)
    names = engine.accounts.names_of(account.affiliations)
    if as_json:
        emit_json({"login": account.login, "agencies": names})
    else:
        click.echo(f"{account.login}: affiliated with {', '.join(names) or 'no agency'}")


# -- the agency registry -------------------------------------------------------------------
@click.group()
def org() -> None:
    """The agency registry: one id per agency, with its aliases.

    \b
    Example:
      aaib org add "Northshire Police" --alias "Northshire Constabulary"
    """


def _org_line(o: Organisation) -> str:
    aliases = f" (also: {', '.join(o.aliases)})" if o.aliases else ""
    return f"#{o.id} {o.name}{aliases}"


@org.command("add")
@click.argument("name")
@click.option("--alias", "aliases", multiple=True, help="Another name of the same agency.")
@click.option("--distinct", is_flag=True, help="It resembles a registered agency but is another.")
@pass_ctx
def org_add(obj: Context, name: str, aliases: tuple[str, ...], distinct: bool) -> None:
    """Register an agency (administrators only; audited).

    \b
    Example:
      aaib org add "Northshire Police" --alias "Northshire Constabulary"
    """
    found = obj.engine().accounts.register(
        name, actor=obj.acting(), aliases=aliases, distinct=distinct
    )
    click.echo(f"Registered {_org_line(found)}")


@org.command("alias")
@click.argument("name")
@click.argument("alias")
@pass_ctx
def org_alias(obj: Context, name: str, alias: str) -> None:
    """Record another name of a registered agency (administrators only; audited).

    \b
    Example:
      aaib org alias "Northshire Police" "Northshire Police Service"
    """
    found = obj.engine().accounts.alias(name, alias, actor=obj.acting())
    click.echo(_org_line(found))


@org.command("list")
@json_option
@pass_ctx
def org_list(obj: Context, as_json: bool) -> None:
    """List the agency registry.

    \b
    Example:
      aaib org list --json
    """
    found = obj.engine().accounts.organisations()
    if as_json:
        emit_json([o.as_dict() for o in found])
        return
    for o in found:
        click.echo(_org_line(o))
