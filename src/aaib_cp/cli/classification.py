"""Commands for the just-culture classification: classify, and show, confirm or return one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from aaib_cp.cli._common import Context, actor_options, emit_json, json_option, pass_ctx, reader
from aaib_cp.cli.analysis import analysis_service

if TYPE_CHECKING:
    from aaib_cp.analysis.service import Analysis
    from aaib_cp.workflow.identity import Actor


# -- classify ------------------------------------------------------------------------
@click.command()
@click.argument("case_id", metavar="CASE")
@click.argument("act_ref", metavar="ACT")
@click.option(
    "--answers",
    "answers_file",
    type=click.Path(readable=False),
    metavar="FILE",
    help="A YAML or JSON answers file (scripted use); without it, the questions are asked.",
)
@click.option(
    "--tree",
    help="reason-culpability (default) or nhs-just-culture, or a tree YAML file.",
)
@actor_options
@pass_ctx
def classify(
    obj: Context,
    case_id: str,
    act_ref: str,
    answers_file: str | None,
    tree: str | None,
    actor: Actor | None,
    role: str | None,
) -> None:
    """Classify an act by walking a just-culture decision tree (again: a new version).

    Without --answers each question is asked in turn (yes/no), then the rationale and
    any evidence items it rests on, and who the comparable peers were at the
    substitution test. An outcome that refers the person onward then awaits
    confirmation by a reviewer.

    \b
    Example:
      aaib classify CP-2026-0001 A2 --answers a2-answers.yaml
      aaib classify CP-2026-0001 A1 --tree nhs-just-culture
    """
    from aaib_cp.analysis import load_tree
    from aaib_cp.analysis.classification import DEFAULT_TREE

    actor, role = obj.who(actor, role)
    analysis = analysis_service(obj)
    if answers_file:
        chosen, answers, peers = analysis.read_answers_file(case_id, answers_file, tree=tree)
    else:
        chosen = load_tree(tree or DEFAULT_TREE)
        analysis.check_can_classify(case_id, act_ref, actor=actor, role=role)
        answers, peers = _ask(analysis, case_id, chosen)
    done = analysis.classify(
        case_id, act_ref, answers, tree=chosen, peers=peers, actor=actor, role=role
    )
    outcome = done.outcome
    click.echo(
        f"{case_id}: act {done.act} classified (version {done.version}):"
        f" {outcome['label']}; response: {outcome['response']}"
    )
    if done.needs_confirmation:
        click.echo(
            f"This outcome refers the person onward: a reviewer must confirm it"
            f" ('aaib classification confirm {case_id} {done.act}') before the case can advance."
        )


def _ask(analysis: Analysis, case_id: str, tree: Any) -> tuple[dict[str, Any], str | None]:
    """Ask the questions on the path, in order; return the answers and the peers."""
    from aaib_cp.analysis.classification import AnswerGiven, parse_answer

    resolve = analysis.evidence_resolver(case_id)

    def yes_no(value: str) -> bool:
        try:
            return parse_answer(value)
        except ValueError:
            raise click.BadParameter("answer yes or no") from None

    def refs(value: str) -> tuple[str, ...]:
        try:
            return tuple(resolve(r.strip()).label for r in value.split(",") if r.strip())
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    def text(value: str) -> str:
        if not value.strip():
            raise click.BadParameter("this cannot be blank")
        return value

    click.echo(f"{tree.title} ({tree.name} v{tree.version})")
    answers: dict[str, Any] = {}
    peers = None
    node = tree.start
    step = 0
    while not tree.is_outcome(node):
        step += 1
        question = tree.question(node)
        click.echo(f"\n{step}. {question.text}")
        if question.help:
            click.echo(f"   {question.help}")
        answer = click.prompt("Answer (yes/no)", value_proc=yes_no)
        rationale = click.prompt("Rationale", value_proc=text)
        cited = click.prompt(
            "Evidence items (e.g. E1, E3; blank for none)",
            default="",
            show_default=False,
            value_proc=refs,
        )
        if question.needs_note:
            peers = click.prompt(question.note_prompt, value_proc=text)
        answers[node] = AnswerGiven(answer, rationale, cited if isinstance(cited, tuple) else ())
        node = question.target(answer)
    return answers, peers


# -- classification ------------------------------------------------------------------
@click.group()
def classification() -> None:
    """Show, confirm or return just-culture classifications (restricted: the safe space).

    \b
    Example:
      aaib classification show CP-2026-0001 A2
      aaib classification confirm CP-2026-0001 A2 --role reviewer
    """


@classification.command("show")
@click.argument("case_id", metavar="CASE")
@click.argument("act_ref", metavar="ACT")
@click.option("--all", "all_versions", is_flag=True, help="Every version, superseded ones too.")
@actor_options
@json_option
@pass_ctx
def classification_show(
    obj: Context,
    case_id: str,
    act_ref: str,
    all_versions: bool,
    actor: Actor | None,
    role: str | None,
    as_json: bool,
) -> None:
    """Show an act's classification: each question, answer, rationale and evidence.

    Restricted: reading it is recorded on the audit trail.

    \b
    Example:
      aaib classification show CP-2026-0001 A2 --all --json
    """
    actor, role = reader(obj, actor, role)
    found = analysis_service(obj).classification(
        case_id, act_ref, actor=actor, role=role, all_versions=all_versions
    )
    if as_json:
        emit_json([c.to_json() for c in found])
        return
    for c in found:
        rec = c.record
        state = "superseded" if c.superseded else c.status.replace("_", " ")
        click.echo(
            f"{c.act} version {c.version} ({state}): {rec['tree_title']}"
            f" ({rec['tree']} v{rec['version']}), by {c.classified_by}"
            f" on {c.classified_at.date().isoformat()}"
        )
        for i, step in enumerate(rec["path"], start=1):
            cited = f" [{', '.join(step['evidence'])}]" if step["evidence"] else ""
            answer = "yes" if step["answer"] else "no"
            click.echo(f"  {i}. {step['text']} {answer}{cited}")
            click.echo(f"     {step['rationale']}")
        if rec.get("peers"):
            click.echo(f"  Comparable peers: {rec['peers']}")
        out = rec["outcome"]
        click.echo(f"  Outcome: {out['label']} ({out['category'].replace('_', ' ')})")
        click.echo(f"  Response: {out['response']}")
        click.echo(
            f"  Marx: {out['marx'].replace('_', ' ')} -> {out['marx_response']};"
            f" NHS just culture guide: {out['nhs_outcome'] or '-'}"
        )
        for r in c.reviews:
            why = f": {r.reason}" if r.reason else ""
            click.echo(f"  {r.action.capitalize()} by {r.by} ({r.role}){why}")


@classification.command("confirm")
@click.argument("case_id", metavar="CASE")
@click.argument("act_ref", metavar="ACT")
@actor_options
@pass_ctx
def classification_confirm(
    obj: Context, case_id: str, act_ref: str, actor: Actor | None, role: str | None
) -> None:
    """Confirm an act's classification as the second pair of eyes (an appointed reviewer).

    \b
    Example:
      aaib classification confirm CP-2026-0001 A2 --role reviewer
    """
    actor, role = obj.who(actor, role)
    done = analysis_service(obj).confirm(case_id, act_ref, actor=actor, role=role)
    click.echo(f"{case_id}: act {done.act} version {done.version} confirmed by {actor}")


@classification.command("return")
@click.argument("case_id", metavar="CASE")
@click.argument("act_ref", metavar="ACT")
@click.option("--reason", required=True, help="Why it goes back to be classified again.")
@actor_options
@pass_ctx
def classification_return(
    obj: Context, case_id: str, act_ref: str, reason: str, actor: Actor | None, role: str | None
) -> None:
    """Send an act's classification back with a reason; it must be classified again.

    \b
    Example:
      aaib classification return CP-2026-0001 A2 --reason "E4 shows the procedure was unworkable"
    """
    actor, role = obj.who(actor, role)
    done = analysis_service(obj).return_(case_id, act_ref, reason=reason, actor=actor, role=role)
    click.echo(f"{case_id}: act {done.act} version {done.version} returned by {actor}")
