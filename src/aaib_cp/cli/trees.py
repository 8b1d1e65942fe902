"""``aaib tree``: the just-culture decision trees, their questions and outcomes."""

from __future__ import annotations

from typing import Any

import click

from aaib_cp.cli._common import emit_json, json_option, table


@click.group()
def tree() -> None:
    """The just-culture decision trees that classify an act: questions and outcomes.

    \b
    Example:
      aaib tree list
      aaib tree show reason
    """


@tree.command("list")
@json_option
def tree_list(as_json: bool) -> None:
    """List the shipped decision trees: name, version and title.

    \b
    Example:
      aaib tree list --json
    """
    from aaib_cp.analysis import load_tree, shipped_trees

    trees = [load_tree(name) for name in shipped_trees()]
    if as_json:
        emit_json([{"name": t.name, "version": t.version, "title": t.title} for t in trees])
        return
    click.echo(table([[t.name, t.version, t.title] for t in trees], ["name", "version", "title"]))


def resolve_tree(name: str) -> Any:
    """A tree by shipped name, a unique start of one (``reason``, ``nhs``), or a file path."""
    from aaib_cp.analysis import load_tree, shipped_trees

    names = shipped_trees()
    starting = [n for n in names if n.startswith(name)] if name not in names else [name]
    return load_tree(starting[0] if len(starting) == 1 else name)


def scale(found: Any) -> dict[str, Any]:
    """Which way the culpability number runs in ``found``."""
    ranks = sorted(found.outcomes, key=lambda o: o.culpability)
    return {
        "least_culpable": ranks[0].culpability,
        "most_culpable": ranks[-1].culpability,
        "direction": "higher is more culpable",
        "least": ranks[0].id,
        "most": ranks[-1].id,
    }


def tree_json(found: Any) -> dict[str, Any]:
    """A tree's questions and outcomes as JSON-ready data (what ``tree show --json`` prints)."""
    return {
        "name": found.name,
        "version": found.version,
        "title": found.title,
        "source": found.source,
        "start": found.start,
        "scale": scale(found),
        "questions": [
            {
                "id": q.id,
                "text": q.text,
                "help": q.help,
                "kind": q.kind,
                "mitigating_answer": q.mitigating_answer,
                "yes": q.yes,
                "no": q.no,
            }
            for q in found.questions
        ],
        "outcomes": [
            {
                "id": o.id,
                "label": o.label,
                "culpability": o.culpability,
                "category": o.category,
                "response": o.response,
                "marx": o.marx,
                "marx_response": o.marx_response,
                "nhs_outcome": o.nhs_outcome,
                "refers_onward": o.refers_onward,
            }
            for o in sorted(found.outcomes, key=lambda o: -o.culpability)
        ],
    }


@tree.command("show")
@click.argument("name", metavar="TREE")
@json_option
def tree_show(name: str, as_json: bool) -> None:
    """Show a tree's questions (id, text, help) and outcomes, most culpable first.

    TREE is a shipped tree's name or the start of one (reason, nhs), or a tree file.
    The question ids are those an answers file for 'aaib classify --answers' uses.

    \b
    Example:
      aaib tree show reason
      aaib tree show nhs --json
    """
    found = resolve_tree(name)
    data = tree_json(found)
    if as_json:
        emit_json(data)
        return
    click.echo(f"{found.title} ({found.name} v{found.version})")
    click.echo(f"Source: {' '.join(found.source.split())}")
    click.echo("")
    click.echo(f"Questions (the walk starts at {found.start}):")
    for q in data["questions"]:
        click.echo(f"  {q['id']}: {' '.join(q['text'].split())}")
        if q["help"]:
            click.echo(f"      help: {' '.join(q['help'].split())}")
        click.echo(f"      yes -> {q['yes']}, no -> {q['no']}")
    s = data["scale"]
    click.echo("")
    click.echo(
        f"Outcomes: culpability runs from {s['least_culpable']} (least culpable, {s['least']}) "
        f"to {s['most_culpable']} (most culpable, {s['most']}); higher is more culpable."
    )
    rows = [
        [
            o["culpability"],
            o["id"],
            o["label"],
            o["category"],
            o["nhs_outcome"] or "",
            "yes" if o["refers_onward"] else "",
        ]
        for o in data["outcomes"]
    ]
    click.echo(table(rows, ["culpability", "outcome", "label", "category", "NHS", "refers onward"]))
