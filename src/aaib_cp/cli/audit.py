"""``aaib audit``: verify the keyed audit trail, take signed checkpoints, rotate the key."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from aaib_cp.cli._common import Context, emit_json, json_option, pass_ctx

if TYPE_CHECKING:
    from aaib_cp.workflow.identity import Actor


@click.group()
def audit() -> None:
    """Check the tamper-evident audit trail; sign checkpoints for a witness.

    \b
    Example:
      aaib audit verify
      aaib audit checkpoint -o witness.json
    """


@audit.command("verify")
@click.argument("case_id", metavar="[CASE]", required=False)
@click.option(
    "--witness",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also check against this exported checkpoint (kept by a witness).",
)
@json_option
@pass_ctx
def audit_verify(obj: Context, case_id: str | None, witness: Path | None, as_json: bool) -> None:
    """Check chains, MACs, records, schema, checkpoints and evidence files; exit 1 if broken.

    Each case's hash chain and MACs (with the audit key), its recorded head, replay
    through its workflow, and every record against the event that wrote it; the
    append-only triggers; the latest signed checkpoint in the log and, with
    --witness, an exported one (a deleted, rolled-back, truncated or re-chained case);
    every evidence file. One line per problem, naming the case.

    \b
    Example:
      aaib audit verify CP-2026-0001
      aaib audit verify --witness witness.json
    """
    from aaib_cp.oversight import verify

    found = verify(obj.engine(), case_id, witness=witness)
    if as_json:
        emit_json(found.to_json())
    else:
        if found.intact:
            click.echo(
                f"Audit trail intact: {len(found.cases)} case(s) and {len(found.evidence)}"
                " evidence file(s) verified."
            )
        if not found.keyed:
            click.echo(
                "Note: no audit key, so the chain is not authenticated; 'aaib init' creates one.",
                err=True,
            )
        for p in found.problems:
            click.echo(f"BROKEN: {p}", err=True)
        for b in found.broken:
            click.echo(f"BROKEN: {b}", err=True)
        for c in found.bad_files:
            click.echo(f"EVIDENCE: {c}", err=True)
    if not found.intact:
        sys.exit(1)


@audit.command("checkpoint")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the checkpoint to this file, for the witness to keep.",
)
@json_option
@pass_ctx
def audit_checkpoint(obj: Context, output: Path | None, as_json: bool) -> None:
    """Verify the database, then sign a checkpoint and append it to the checkpoint log.

    The checkpoint holds every case's event count and last hash, the case count and
    the schema version, signed with the database's Ed25519 key. Refused if the
    database does not verify. Give the -o file to the oversight body: 'aaib audit
    verify --witness FILE' then detects a rollback or rewrite even by a key holder.

    \b
    Example:
      aaib audit checkpoint -o witness-2026-11-30.json
    """
    from aaib_cp.oversight import checkpoint

    taken = checkpoint(obj.engine())
    if output is not None:
        from aaib_cp.exceptions import StoreError

        try:
            output.write_text(taken.line + "\n", encoding="utf-8")
        except OSError as exc:
            raise StoreError(f"cannot write {output}: {exc.strerror}") from None
    if as_json:
        emit_json({"checkpoint": taken.body, "signature": taken.signature, "id": taken.id})
        return
    body = taken.body
    click.echo(
        f"Checkpoint {body['seq']} signed at {body['at']}: {body['case_count']} case(s),"
        f" schema version {body['schema_version']}, id {taken.id[:12]}"
        + (f"; written to {output}" if output else "")
    )


@audit.command("rotate-key")
@pass_ctx
def audit_rotate_key(obj: Context) -> None:
    """Retire the audit key (kept to verify older events) and create a new one.

    Run it when a key may have been exposed, or on schedule; take a checkpoint
    first, and give the new checkpoint to the witness.

    \b
    Example:
      aaib audit checkpoint -o before-rotation.json && aaib audit rotate-key
    """
    store = obj.store()
    old = store.keys.current_id
    store.keys = store.keys.rotate()
    click.echo(f"Audit key {old} retired; new key {store.keys.current_id} in {store.keys.folder}")


def init_keys(obj: Context) -> None:
    """What ``aaib init`` adds: the audit keys, and sealing cases written without one."""
    from aaib_cp.oversight import init_keys as create

    store = obj.store()
    engine = obj.engine()

    def sealer() -> Actor:
        return engine.accounts.administrator(obj.acting(), "seal cases under the audit key")

    for line in create(store, at=engine.clock(), sealer=sealer):
        click.echo(line)
