"""Render the CLI reference (docs/cli.md) from the commands' own ``--help``.

Regenerate with ``python -m aaib_cp.cli.reference > docs/cli.md``; a test checks
the file is current, so the reference stays true by construction.
"""

from __future__ import annotations

import click

from aaib_cp.cli import COMMANDS, cli

HELP = ["-h", "--help"]


def _help(args: list[str]) -> str:
    ctx = click.Context(
        cli, info_name="aaib", terminal_width=100, max_content_width=100, help_option_names=HELP
    )
    command: click.Command = cli
    for name in args:
        assert isinstance(command, click.Group)
        sub = command.get_command(ctx, name)
        assert sub is not None
        ctx = click.Context(
            sub, info_name=name, parent=ctx, terminal_width=100, max_content_width=100
        )
        command = sub
    return command.get_help(ctx)


def render() -> str:
    """The whole reference as Markdown."""
    parts = [
        "# Command-line reference",
        "",
        "Generated from `--help` by `python -m aaib_cp.cli.reference > docs/cli.md`.",
        "Every read command takes `--json`; exit codes are 0 ok, 1 a user mistake or a",
        "refused action (one line on stderr), 2 a usage error.",
        "",
        "## aaib",
        "",
        "```text",
        _help([]).rstrip(),
        "```",
    ]
    ctx = click.Context(cli)
    for name in sorted(COMMANDS):
        command = cli.get_command(ctx, name)
        parts += ["", f"## aaib {name}", "", "```text", _help([name]).rstrip(), "```"]
        if isinstance(command, click.Group):
            for sub in command.list_commands(ctx):
                parts += [
                    "",
                    f"### aaib {name} {sub}",
                    "",
                    "```text",
                    _help([name, sub]).rstrip(),
                    "```",
                ]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    click.echo(render(), nl=False)
