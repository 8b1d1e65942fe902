"""Commands for the analysis records: act, factor, taxonomy and finding."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from aaib_cp.cli._common import (
    Context,
    actor_options,
    emit_json,
    exit_with_problems,
    json_option,
    pass_ctx,
    short,
    table,
)

if TYPE_CHECKING:
    from aaib_cp.analysis.service import Analysis
    from aaib_cp.workflow.identity import Actor


def analysis_service(obj: Context) -> Analysis:
    """The analysis service over the command's database."""
    from aaib_cp.analysis.service import Analysis

    return Analysis(obj.engine())


_STATUS = {
    "unclassified": "not classified",
    "not_required": "classified",
    "awaiting_confirmation": "awaits a reviewer",
    "confirmed": "classified, confirmed",
    "returned": "returned: classify again",
}


# -- act -----------------------------------------------------------------------------
@click.group()
def act() -> None:
    """Acts and omissions of concern (key decisions), each by a registered person.

    \b
    Example:
      aaib act add CP-2026-0001 --person "Social Worker 1" --when 2026-01-10 \\
          --what "Closed the case after one home visit" --chronology C3 --evidence E1
    """


@act.command("add")
@click.argument("case_id", metavar="CASE")
@click.option("--person", required=True, help="Who acted: a pseudonym (or registered name).")
@click.option("--when", "when", required=True, help="When: YYYY-MM-DD (or YYYY-MM, YYYY).")
@click.option("--what", "description", required=True, help="What was done or not done.")
@click.option("--omission", is_flag=True, help="It was something not done.")
@click.option("--chronology", multiple=True, help="A chronology entry it is part of (C3).")
@click.option("--evidence", multiple=True, help="An evidence item that shows it (E1).")
@actor_options
@pass_ctx
def act_add(
    obj: Context,
    case_id: str,
    person: str,
    when: str,
    description: str,
    omission: bool,
    chronology: tuple[str, ...],
    evidence: tuple[str, ...],
    actor: Actor | None,
    role: str | None,
) -> None:
    """Record an act or omission of concern and print its reference (A1, A2, ...).

    \b
    Example:
      aaib act add CP-2026-0001 --person "Team Manager 1" --when 2026-01-20 --omission \\
          --what "No strategy discussion after the police notification" --evidence E2
    """
    actor, role = obj.who(actor, role)
    added = analysis_service(obj).add_act(
        case_id,
        person=person,
        when=when,
        description=description,
        kind="omission" if omission else "act",
        chronology=list(chronology),
        evidence=list(evidence),
        actor=actor,
        role=role,
    )
    click.echo(f"{case_id}: recorded {added.kind} {added.ref} by {added.person}")


@act.command("list")
@click.argument("case_id", metavar="CASE")
@json_option
@pass_ctx
def act_list(obj: Context, case_id: str, as_json: bool) -> None:
    """List the acts of concern, their factors and whether each is classified.

    Outcomes are not shown here: see 'aaib classification show' (recorded on the audit trail).

    \b
    Example:
      aaib act list CP-2026-0001 --json
    """
    found = analysis_service(obj).acts(case_id)
    if as_json:
        emit_json([a.to_json() for a in found])
        return
    if not found:
        click.echo("No acts of concern yet.")
        return
    rows = [
        [
            a.ref,
            a.when,
            a.person,
            a.kind,
            short(a.description),
            ", ".join(a.factors),
            _STATUS.get(a.status, a.status),
        ]
        for a in found
    ]
    click.echo(table(rows, ["act", "when", "person", "kind", "what", "factors", "classification"]))


# -- factor --------------------------------------------------------------------------
@click.group()
def factor() -> None:
    """Contributory factors, coded against a human-factors taxonomy (HFACS-CP by default).

    \b
    Example:
      aaib factor add CP-2026-0001 ORG.CASELOAD --act A1 --evidence E1 \\
          --note "The social worker held 31 cases against a target of 18"
    """


@factor.command("add")
@click.argument("case_id", metavar="CASE")
@click.argument("code")
@click.option("--act", "acts", multiple=True, required=True, help="An act it bears on (A1).")
@click.option("--evidence", multiple=True, required=True, help="An item supporting it (E1).")
@click.option("--note", required=True, help="How the factor bore on the act(s).")
@click.option(
    "--taxonomy",
    default="hfacs-cp",
    show_default=True,
    help="A shipped taxonomy's name or a taxonomy YAML file.",
)
@actor_options
@pass_ctx
def factor_add(
    obj: Context,
    case_id: str,
    code: str,
    acts: tuple[str, ...],
    evidence: tuple[str, ...],
    note: str,
    taxonomy: str,
    actor: Actor | None,
    role: str | None,
) -> None:
    """Record a contributory factor (CF1, CF2, ...) with its taxonomy code.

    The taxonomy's name, version and content hash are stored with the factor.

    \b
    Example:
      aaib factor add CP-2026-0001 PRE.MULTIAGENCY --act A1 --act A2 --evidence E2 \\
          --note "The police notification reached the hub but not the allocated worker"
    """
    actor, role = obj.who(actor, role)
    added = analysis_service(obj).add_factor(
        case_id,
        code=code,
        acts=list(acts),
        evidence=list(evidence),
        note=note,
        taxonomy=taxonomy,
        actor=actor,
        role=role,
    )
    click.echo(
        f"{case_id}: recorded factor {added.ref} {added.code} ({added.label})"
        f" on {', '.join(added.acts)}"
    )


@factor.command("list")
@click.argument("case_id", metavar="CASE")
@json_option
@pass_ctx
def factor_list(obj: Context, case_id: str, as_json: bool) -> None:
    """List the contributory factors, with the acts they bear on and their evidence.

    \b
    Example:
      aaib factor list CP-2026-0001
    """
    found = analysis_service(obj).factors(case_id)
    if as_json:
        emit_json([f.to_json() for f in found])
        return
    if not found:
        click.echo("No contributory factors yet.")
        return
    rows = [
        [f.ref, f.code, f.label, ", ".join(f.acts), ", ".join(f.evidence), short(f.note, 40)]
        for f in found
    ]
    click.echo(table(rows, ["factor", "code", "label", "acts", "evidence", "note"]))


# -- taxonomy ------------------------------------------------------------------------
@click.group()
def taxonomy() -> None:
    """Show and validate human-factors taxonomies (YAML).

    \b
    Example:
      aaib taxonomy show
      aaib taxonomy validate my-taxonomy.yaml
    """


@taxonomy.command("show")
@click.argument("source", metavar="[NAME_OR_FILE]", default="hfacs-cp")
@json_option
def taxonomy_show(source: str, as_json: bool) -> None:
    """Print a taxonomy's levels and codes (default: the shipped hfacs-cp).

    \b
    Example:
      aaib taxonomy show hfacs-cp --json
    """
    from aaib_cp.analysis import load_taxonomy

    found = load_taxonomy(source)
    if as_json:
        emit_json(
            {
                "name": found.name,
                "version": found.version,
                "title": found.title,
                "source": found.source,
                "content_hash": found.content_hash,
                "levels": [
                    {
                        "code": lv.code,
                        "label": lv.label,
                        "description": lv.description,
                        "categories": [
                            {"code": c.code, "label": c.label, "description": c.description}
                            for c in lv.categories
                        ],
                    }
                    for lv in found.levels
                ],
            }
        )
        return
    click.echo(f"{found.title} ({found.name} v{found.version})")
    for level in found.levels:
        click.echo(f"\n{level.code}  {level.label}: {level.description}")
        for c in level.categories:
            click.echo(f"  {c.code:<18} {c.label}")


@taxonomy.command("validate")
@click.argument("source", metavar="FILE")
@json_option
def taxonomy_validate(source: str, as_json: bool) -> None:
    """Check a taxonomy file; print every problem as file:line:col and exit 1 if any.

    \b
    Example:
      aaib taxonomy validate my-taxonomy.yaml
    """
    from aaib_cp.analysis import load_taxonomy
    from aaib_cp.exceptions import DefinitionError

    try:
        found = load_taxonomy(source)
    except DefinitionError as exc:
        exit_with_problems(exc, as_json)
    summary = {
        "valid": True,
        "name": found.name,
        "version": found.version,
        "hash": found.content_hash,
        "levels": len(found.levels),
        "codes": len(found.codes),
    }
    if as_json:
        emit_json(summary)
    else:
        click.echo(
            f"{source}: valid ({found.name} v{found.version}: {summary['levels']} levels,"
            f" {summary['codes']} codes)"
        )


# -- finding -------------------------------------------------------------------------
@click.group()
def finding() -> None:
    """Findings: what the investigation found, each causal, contributory or other.

    \b
    Example:
      aaib finding add CP-2026-0001 --kind contributory --act A1 --factor CF1 --evidence E1 \\
          --text "Caseloads left no time for a second home visit"
    """


@finding.command("add")
@click.argument("case_id", metavar="CASE")
@click.option(
    "--kind",
    type=click.Choice(["causal", "contributory", "other"]),
    required=True,
    help="What part it played.",
)
@click.option("--text", required=True, help="The finding, in a sentence or two.")
@click.option("--act", "acts", multiple=True, help="An act it concerns (A1).")
@click.option("--factor", "factors", multiple=True, help="A contributory factor (CF1).")
@click.option("--evidence", multiple=True, help="An evidence item supporting it (E1).")
@actor_options
@pass_ctx
def finding_add(
    obj: Context,
    case_id: str,
    kind: str,
    text: str,
    acts: tuple[str, ...],
    factors: tuple[str, ...],
    evidence: tuple[str, ...],
    actor: Actor | None,
    role: str | None,
) -> None:
    """Record a finding and print its reference (F1, F2, ...).

    \b
    Example:
      aaib finding add CP-2026-0001 --kind causal --act A2 --factor CF2 --evidence E2 \\
          --text "The notification was not acted on, so Child A was not seen for 70 days"
    """
    actor, role = obj.who(actor, role)
    added = analysis_service(obj).add_finding(
        case_id,
        kind=kind,
        text=text,
        acts=list(acts),
        factors=list(factors),
        evidence=list(evidence),
        actor=actor,
        role=role,
    )
    click.echo(f"{case_id}: recorded {added.kind} finding {added.ref}")


@finding.command("list")
@click.argument("case_id", metavar="CASE")
@json_option
@pass_ctx
def finding_list(obj: Context, case_id: str, as_json: bool) -> None:
    """List the findings with the acts, factors and evidence they rest on.

    \b
    Example:
      aaib finding list CP-2026-0001 --json
    """
    found = analysis_service(obj).findings(case_id)
    if as_json:
        emit_json([f.to_json() for f in found])
        return
    if not found:
        click.echo("No findings yet.")
        return
    rows = [
        [
            f.ref,
            f.kind,
            short(f.text),
            ", ".join(f.acts),
            ", ".join(f.factors),
            ", ".join(f.evidence),
        ]
        for f in found
    ]
    click.echo(table(rows, ["finding", "kind", "text", "acts", "factors", "evidence"]))
