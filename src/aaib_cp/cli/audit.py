"""``aaib audit verify``: check the tamper-evident audit trail and the evidence files."""

from __future__ import annotations

import sys

import click

from aaib_cp.cli._common import Context, emit_json, json_option, pass_ctx


@click.group()
def audit() -> None:
    """Check the tamper-evident audit trail.

    \b
    Example:
      aaib audit verify
    """


@audit.command("verify")
@click.argument("case_id", metavar="[CASE]", required=False)
@json_option
@pass_ctx
def audit_verify(obj: Context, case_id: str | None, as_json: bool) -> None:
    """Recompute every case's hash chain, replay and evidence file hashes; exit 1 if broken.

    Reports the first broken link of each case's chain (naming the case and event)
    and every evidence file that is missing or altered.

    \b
    Example:
      aaib audit verify CP-2026-0001
    """
    from aaib_cp.oversight import verify

    found = verify(obj.engine(), case_id)
    if as_json:
        emit_json(found.to_json())
    elif found.intact:
        click.echo(
            f"Audit trail intact: {len(found.cases)} case(s) and {len(found.evidence)}"
            " evidence file(s) verified."
        )
    if not as_json:
        for b in found.broken:
            click.echo(f"BROKEN: {b}", err=True)
        for c in found.bad_files:
            click.echo(f"EVIDENCE: {c}", err=True)
    if not found.intact:
        sys.exit(1)
