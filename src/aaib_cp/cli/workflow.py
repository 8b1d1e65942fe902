"""``aaib workflow``: validate and draw workflow definitions."""

from __future__ import annotations

import sys
import textwrap
from typing import Any

import click

from aaib_cp.cli._common import emit_json, exit_with_problems, json_option, terminal_width


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
