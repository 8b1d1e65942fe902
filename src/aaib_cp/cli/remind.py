"""``aaib remind``: e-mail each account a digest of the clocks it answers for."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from aaib_cp.cli._common import as_of_option, emit_json, json_option, pass_ctx

if TYPE_CHECKING:
    from aaib_cp.reminders.mail import SmtpSettings
    from aaib_cp.reminders.service import Digest

#: The settings file's name in the configuration folder.
SETTINGS_FILE = "smtp.toml"


def _settings(config: str | None, *, required: bool) -> SmtpSettings | None:
    """The SMTP settings from ``--config`` or the configuration folder (None if absent and
    not ``required``)."""
    from aaib_cp.cli._identity import config_dir
    from aaib_cp.reminders.mail import SmtpSettings

    path = Path(config) if config else config_dir() / SETTINGS_FILE
    if not required and config is None and not path.exists():
        return None
    return SmtpSettings.load(path)


@click.command()
@click.option(
    "--within",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    metavar="N",
    help="Remind of clocks due within N working days (and every overdue one).",
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help=f"SMTP settings (TOML). Default: {SETTINGS_FILE} in the configuration folder.",
)
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and record nothing.")
@as_of_option
@json_option
@pass_ctx
def remind(
    obj: Any,
    within: int,
    config: str | None,
    dry_run: bool,
    as_of: datetime | None,
    as_json: bool,
) -> None:
    """E-mail each account a digest of the deadlines it answers for (administrators only).

    A digest lists the clocks due within N working days, or overdue, that the account
    acts on: a case's clocks go to those appointed to it in the roles that act on
    them (or to holders of the organisation roles that do), a recommendation's
    response and assessment clocks to the roles granted recommend and assess. A clock
    is never reminded twice to the same account on the same day, so the command can
    run from cron as often as you like. Each sending is recorded and audited on the
    registry trail. Accounts without an e-mail address are listed. --as-of counts
    what is due as on another date (a clock still goes once per day of sending).

    The SMTP settings (host, port, starttls, username, password-file, from) are read
    from smtp.toml in the configuration folder, or --config FILE; see
    docs/deadlines.md.

    \b
    Example:
      aaib remind --dry-run
      aaib remind --within 3 --config /etc/aaib-cp/smtp.toml
    """
    from aaib_cp.reminders.service import Reminders

    settings = _settings(config, required=not dry_run)
    engine = obj.engine()
    me = obj.acting()
    engine.accounts.administrator(me, "send reminders")
    reminders = Reminders(engine)
    digests, unreachable = reminders.digests(within=within, today=as_of.date() if as_of else None)
    sent = digests
    if not dry_run and digests:
        from aaib_cp.reminders.mail import smtp_connection

        assert settings is not None
        with smtp_connection(settings) as smtp:
            sent = reminders.send(
                digests, deliver=smtp.send_message, sender=settings.sender, actor=me
            )
    if as_json:
        emit_json(
            {
                "dry_run": dry_run,
                "within": within,
                "sent" if not dry_run else "would_send": [d.to_json() for d in sent],
                "no_email": [a.login for a in unreachable],
            }
        )
        return
    _report(sent, unreachable, dry_run=dry_run)


def _report(digests: list[Digest], unreachable: list[Any], *, dry_run: bool) -> None:
    for digest in digests:
        click.echo(f"To {digest.account.login} <{digest.account.email}>: {digest.subject()}")
        for item in digest.items:
            click.echo(f"  {item.clock.case_id}  {item.clock.describe()}")
    clocks = sum(len(d.items) for d in digests)
    verb = "Would send" if dry_run else "Sent"
    if digests:
        click.echo(f"{verb} {len(digests)} digest(s) covering {clocks} clock(s).")
    else:
        click.echo("Nothing to remind: every due clock was reminded today, or none is due.")
    if unreachable:
        logins = ", ".join(a.login for a in unreachable)
        click.echo(f"No e-mail address, not reminded: {logins}.")
