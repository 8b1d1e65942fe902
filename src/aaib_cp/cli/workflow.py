"""``aaib workflow``: validate and draw workflow definitions."""

from __future__ import annotations

import sys
import textwrap
from typing import Any

import click

from aaib_cp.cli._common import (
    Context,
    emit_json,
    exit_with_problems,
    json_option,
    pass_ctx,
    terminal_width,
)


@click.group()
def workflow() -> None:
    """Validate, check and draw workflow definitions (YAML).

    Wherever a workflow FILE is asked for, the name of a shipped workflow works too
    (aaib workflow list names them).

    \b
    Example:
      aaib workflow list
      aaib workflow validate workflows/child-protection.yaml
      aaib workflow check child-protection
      aaib workflow show child-protection --format mermaid
    """


@workflow.command("list")
@json_option
def workflow_list(as_json: bool) -> None:
    """List the workflows shipped with aaib-cp: name, version and description.

    \b
    Example:
      aaib workflow list
      aaib workflow list --json
    """
    from aaib_cp.workflow.definition import load_workflow, shipped_workflows

    found = [load_workflow(name) for name in shipped_workflows()]
    if as_json:
        emit_json(
            [
                {
                    "name": d.name,
                    "version": d.version,
                    "title": d.title,
                    "description": " ".join(d.description.split()),
                }
                for d in found
            ]
        )
        return
    for d in found:
        click.echo(f"{d.name} (version {d.version}): {d.title}")
        text = " ".join(d.description.split())
        width = min(terminal_width() or 88, 100)
        click.echo(textwrap.fill(text, width=width, initial_indent="  ", subsequent_indent="  "))


@workflow.command("validate")
@click.argument("source", metavar="FILE")
@json_option
def validate(source: str, as_json: bool) -> None:
    """Check a workflow file; print every problem as file:line:col and exit 1 if any.

    FILE is a path, or the name of a shipped workflow.

    \b
    Example:
      aaib workflow validate my-workflow.yaml
    """
    definition = _load_or_exit(source, as_json)
    summary = {
        "valid": True,
        "name": definition.name,
        "version": definition.version,
        "hash": definition.content_hash,
        "states": len(definition.states),
        "transitions": len(definition.transitions),
        "roles": len(definition.roles),
    }
    if as_json:
        emit_json(summary)
    else:
        click.echo(
            f"{source}: valid ({definition.name} v{definition.version}: "
            f"{summary['states']} states, {summary['transitions']} transitions, "
            f"{summary['roles']} roles)"
        )


def _load_or_exit(source: str, as_json: bool) -> Any:
    """The loaded workflow; on problems, print each (file:line:col) and exit 1."""
    from aaib_cp.exceptions import DefinitionError
    from aaib_cp.workflow.definition import load_workflow

    try:
        return load_workflow(source)
    except DefinitionError as exc:
        exit_with_problems(exc, as_json)


@workflow.command("check")
@click.argument("source", metavar="FILE")
@click.option(
    "--max-examples",
    type=click.IntRange(min=1),
    default=60,
    show_default=True,
    help="Cases hypothesis generates per question (can this trigger fire here?).",
)
@json_option
def check(source: str, max_examples: int, as_json: bool) -> None:
    """Explore a workflow with generated cases; exit 1 if anything is wrong.

    Generates case data (fields, team, facts) and sequences of triggers by every
    role, using the engine's own decisions, and reports states unreachable given
    the guards, states from which no terminal state can be reached, and invariants
    that can be broken, each with the shortest trigger sequence that shows it.
    FILE is a path, or the name of a shipped workflow. See docs/testing-workflows.md.

    \b
    Example:
      aaib workflow check workflows/child-protection.yaml
      aaib workflow check my-workflow.yaml --max-examples 500 --json
    """
    from aaib_cp.workflow.check import explore

    definition = _load_or_exit(source, as_json)
    result = explore(definition, max_examples=max_examples)
    if as_json:
        emit_json(result.to_json())
    else:
        for finding in result.findings:
            click.echo(finding.line())
        reached = len(result.states_reached)
        summary = (
            f"{reached} of {len(definition.states)} states reached, "
            f"{len(result.nodes)} positions, {len(definition.invariants)} invariant(s), "
            f"--max-examples {max_examples}"
        )
        if result.ok:
            click.echo(f"{source}: no problems found ({summary})")
        else:
            click.echo(f"{len(result.findings)} problem(s) found ({summary}).", err=True)
    if not result.ok:
        sys.exit(1)


@workflow.command("show")
@click.argument("source", metavar="FILE")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "mermaid", "dot", "json", "svg", "png"]),
    default="text",
    show_default=True,
    help="text to read, mermaid or dot to draw, json for programs, svg or png for a picture.",
)
@click.option(
    "--current",
    metavar="STATE",
    help="Highlight this state in the svg or png picture.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(readable=False),
    metavar="FILE",
    help="Write to this file instead of standard output.",
)
def show(source: str, fmt: str, current: str | None, output: str | None) -> None:
    """Print a workflow as text, a Mermaid or Graphviz DOT diagram, JSON, or a picture.

    FILE is a path, or the name of a shipped workflow (aaib workflow list).

    svg and png draw the states in rows from the initial state, arrows labelled with
    their triggers, terminal states with a double border (drawn with matplotlib).

    \b
    Example:
      aaib workflow show child-protection --format mermaid -o workflow.mmd
      aaib workflow show child-protection --format dot | dot -Tsvg > workflow.svg
      aaib workflow show child-protection --format png --current analysis -o workflow.png
    """
    from aaib_cp.workflow.definition import load_workflow
    from aaib_cp.workflow.diagrams import (
        workflow_dot,
        workflow_figure,
        workflow_json,
        workflow_mermaid,
        workflow_text,
    )
    from aaib_cp.workflow.safe_files import write_output

    definition = load_workflow(source)
    if fmt in ("svg", "png"):
        picture = workflow_figure(definition, current=current, fmt=fmt)
        if output:
            write_output(output, picture)
            click.echo(f"Wrote {output}")
        else:
            sys.stdout.buffer.write(picture)
        return
    if current is not None:
        raise click.UsageError("--current applies to --format svg or png only")
    render = {
        "text": workflow_text,
        "mermaid": workflow_mermaid,
        "dot": workflow_dot,
        "json": workflow_json,
    }[fmt]
    text = render(definition)
    if output:
        write_output(output, text.encode("utf-8"))
        click.echo(f"Wrote {output}")
    else:
        click.echo(text, nl=not text.endswith("\n"))


@workflow.command("permissions")
@click.argument("source", metavar="NAME|FILE", default="child-protection")
@json_option
def permissions(source: str, as_json: bool) -> None:
    """Who may do what under a workflow: roles and how each is held, every trigger and
    action with the roles that may take it, and the duties kept apart.

    \b
    Example:
      aaib workflow permissions child-protection
      aaib workflow permissions aviation-accident --json
    """
    from aaib_cp.workflow.permissions import permission_rows, permissions_markdown

    definition = _load_or_exit(source, as_json=as_json)
    if as_json:
        emit_json({"workflow": definition.name, "permissions": permission_rows(definition),
                   "separation": [list(p) for p in definition.separation]})  # fmt: skip
    else:
        click.echo(permissions_markdown(definition), nl=False)


@workflow.command("register")
@click.argument("source", metavar="FILE")
@click.option("--reason", help="Why this workflow is admitted (recorded).")
@pass_ctx
def register(obj: Context, source: str, reason: str | None) -> None:
    """Admit a custom workflow to this database (administrators only), recording who did
    it, when and why.

    A database with an audit key opens cases only under shipped workflows and
    registered ones. A name and version stand for one text: another text under a
    name and version already known (shipped or registered) is refused.

    \b
    Example:
      aaib workflow register my-workflow.yaml --reason "Approved by the board, 2026-11-30"
    """
    from aaib_cp.db import sql_store
    from aaib_cp.db.registrations import register as admit
    from aaib_cp.workflow.input_text import clean_text

    engine = obj.engine()
    who = engine.accounts.administrator(obj.acting(), "register a workflow")
    as_role = "administrator"
    definition = _load_or_exit(source, as_json=False)
    store = sql_store(engine.store)
    why = clean_text(reason, "reason") if reason else None
    with store.transaction():
        added = admit(store, definition, at=engine.clock(), by=who.label, role=as_role, reason=why)
    label = f"{definition.name} v{definition.version} ({definition.content_hash[:12]})"
    click.echo(f"Registered {label}" if added else f"{label} was already registered")
