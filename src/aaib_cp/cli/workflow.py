"""``aaib workflow``: validate and draw workflow definitions."""

from __future__ import annotations

import sys

import click

from ._common import emit_json, json_option


@click.group()
def workflow() -> None:
    """Validate and draw workflow definitions (YAML).

    \b
    Example:
      aaib workflow validate workflows/child-protection.yaml
      aaib workflow show child-protection --format mermaid
    """


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
    from ..definition import load_workflow
    from ..exceptions import DefinitionError

    try:
        definition = load_workflow(source)
    except DefinitionError as exc:
        problems = exc.problems or [str(exc)]
        if as_json:
            emit_json({"valid": False, "problems": [str(p) for p in problems]})
        else:
            for problem in problems:
                click.echo(str(problem), err=True)
            click.echo(f"{len(problems)} problem(s) found.", err=True)
        sys.exit(1)
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
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of standard output.",
)
def show(source: str, fmt: str, current: str | None, output: str | None) -> None:
    """Print a workflow as text, a Mermaid or Graphviz DOT diagram, JSON, or a picture.

    svg and png draw the states in rows from the initial state, arrows labelled with
    their triggers, terminal states with a double border (drawn with matplotlib).

    \b
    Example:
      aaib workflow show child-protection --format mermaid -o workflow.mmd
      aaib workflow show child-protection --format dot | dot -Tsvg > workflow.svg
      aaib workflow show child-protection --format png --current analysis -o workflow.png
    """
    from ..definition import load_workflow
    from ..diagrams import (
        workflow_dot,
        workflow_figure,
        workflow_json,
        workflow_mermaid,
        workflow_text,
    )

    definition = load_workflow(source)
    if fmt in ("svg", "png"):
        picture = workflow_figure(definition, current=current, fmt=fmt)
        if output:
            with open(output, "wb") as fh:
                fh.write(picture)
            click.echo(f"Wrote {output}")
        else:
            click.get_binary_stream("stdout").write(picture)
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
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
        click.echo(f"Wrote {output}")
    else:
        click.echo(text, nl=not text.endswith("\n"))
