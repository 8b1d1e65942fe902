"""Render the CLI reference (docs/cli.md) from the commands' own ``--help``.

Regenerate with ``python -m aaib_cp.cli.reference > docs/cli.md``; a test checks
the file is current, so the reference stays true by construction.
"""

from __future__ import annotations

import click

from aaib_cp.cli import COMMANDS, cli

HELP = ["-h", "--help"]

#: The section on shell completion, at the top of the reference.
COMPLETION = [
    "## Shell completion",
    "",
    "The shell completes commands, options, and also case ids (read from the database",
    "that `--db` or `AAIB_DB` names, with each case's title) and the triggers of the case",
    "given before them (`aaib advance CP-2026-0001 <TAB>`). Turn it on once:",
    "",
    "```bash",
    "# bash: in ~/.bashrc",
    'eval "$(_AAIB_COMPLETE=bash_source aaib)"',
    "# zsh: in ~/.zshrc",
    'eval "$(_AAIB_COMPLETE=zsh_source aaib)"',
    "# fish: in ~/.config/fish/completions/aaib.fish",
    "_AAIB_COMPLETE=fish_source aaib | source",
    "```",
    "",
    "For a faster shell start-up, write the script to a file once",
    "(`_AAIB_COMPLETE=bash_source aaib > ~/.aaib-complete.bash`) and source that file.",
    "Completion never creates a database; with none, it offers no case ids.",
]


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
        *COMPLETION,
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
