"""Oversight across cases: every running clock, and the integrity of every case's records.

What ``aaib deadlines`` and ``aaib audit verify`` show, for a library user:

- :func:`open_clocks` merges the clocks of every open case (its state's deadline,
  transitions due to fire, the interim statement due) with the response and
  assessment clocks of issued safety recommendations, soonest first;
- :func:`verify` recomputes every case's audit hash chain and MACs, replays it,
  checks every record against the event that wrote it, the schema's append-only
  triggers, the signed checkpoints, and re-hashes every stored evidence file, and
  returns an :class:`Integrity` report;
- :func:`checkpoint` signs a checkpoint of a verified database; :func:`init_keys`
  creates the audit keys and seals cases written before them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from aaib_cp.db import Store, checkpoints, content_groups, sql_store, workflow_specs
from aaib_cp.db.content import RecordTable, current_content
from aaib_cp.db.content import tables as content_tables
from aaib_cp.db.registrations import verify_registrations
from aaib_cp.evidence.service import Casebook
from aaib_cp.exceptions import StoreError
from aaib_cp.recommendations.service import SafetyBook
from aaib_cp.workflow.audit import ChainBreak, check_mac, head_mac, verify_chain
from aaib_cp.workflow.clocks import CaseClock
from aaib_cp.workflow.engine import Engine
from aaib_cp.workflow.identity import Actor
from aaib_cp.workflow.integrity import Members, check_content, verify_case
from aaib_cp.workflow.model import Case, EventKind

if TYPE_CHECKING:
    from aaib_cp.evidence.service import EvidenceCheck

__all__ = ["Integrity", "checkpoint", "init_keys", "open_clocks", "verify"]


def open_clocks(
    engine: Engine,
    cases: Sequence[Case] | None = None,
    *,
    today: date | None = None,
    recommendations: bool = True,
    progress: Callable[[Sequence[Case]], Any] | None = None,
) -> list[CaseClock]:
    """Every open clock of ``cases`` (default: every case), soonest first.

    The clocks of the open cases (see :meth:`Engine.open_clocks`), and, unless
    ``recommendations`` is false, the response and assessment clocks of their issued
    safety recommendations (calendar days). Clocks stopped while a case is suspended
    (no due date) come last. ``progress`` wraps the cases while their clocks are
    computed (e.g. a progress bar).
    """
    cases = engine.store.list_cases() if cases is None else cases
    when = today or engine.clock().date()
    clocks: list[CaseClock] = engine.open_clocks(cases, today=when, progress=progress)
    if not recommendations:
        return clocks
    wanted = {c.id for c in cases}
    issued = SafetyBook(engine).clocks(today=when, cases=cases)
    merged = clocks + [c for c in issued if c.case_id in wanted]
    return sorted(merged, key=lambda c: (c.due is None, c.due or when, c.case_id, c.label))


@attrs.frozen
class Integrity:
    """What :func:`verify` found: the cases and evidence files checked, and what is broken.

    ``problems`` are findings about the database as a whole (its schema, its checkpoint
    log); ``keyed`` says whether MACs were checked; ``checkpoint`` is the time of the
    latest checkpoint compared, if any.
    """

    cases: tuple[str, ...]
    broken: tuple[ChainBreak, ...]
    evidence: tuple[EvidenceCheck, ...]
    problems: tuple[str, ...] = ()
    keyed: bool = False
    checkpoint: str | None = None

    @property
    def bad_files(self) -> tuple[EvidenceCheck, ...]:
        """Evidence files that are missing or altered."""
        return tuple(c for c in self.evidence if not c.ok)

    @property
    def intact(self) -> bool:
        """True when every check passed: chains, records, schema, checkpoints, files."""
        return not self.broken and not self.bad_files and not self.problems

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping (what ``aaib audit verify --json`` prints)."""
        return {
            "checked": len(self.cases),
            "evidence_files_checked": len(self.evidence),
            "keyed": self.keyed,
            "checkpoint": self.checkpoint,
            "broken": [
                {"case": b.case_id, "event": b.n, "message": b.message} for b in self.broken
            ],
            "problems": list(self.problems),
            "evidence": [c.to_json() for c in self.bad_files],
        }


def verify(engine: Engine, case_id: str | None = None, *, witness: Path | None = None) -> Integrity:
    """Check the audit trail, the records and the evidence files of one case, or of all.

    For each case: its hash chain and (when the database has an audit key) every MAC,
    its recorded head, replay through its workflow, and each current record against
    the event that last wrote it. For the database: the append-only triggers and
    tables are present, and it holds everything the latest checkpoint in the log (and
    the ``witness`` checkpoint, if given) held. Every stored evidence file is re-hashed.
    """
    store = sql_store(engine.store)
    keys = store.keys.keys if store.keys.keyed else None
    ids = [case_id] if case_id else [c.id for c in store.list_cases()]
    record_tables = content_tables(store.db)
    current = current_content(store.db, record_tables, case_id)
    heads = store.heads()
    broken: list[ChainBreak] = []
    for cid in ids:
        case = store.get_case(cid)
        rows = store.event_rows(cid)
        found = verify_case(
            store, case, engine.definition_for, keys=keys, rows=rows, compiled=engine.compiled
        )
        if found is None and keys is not None:
            found = _head_mac(cid, heads.get(cid), keys)
        if found is not None:
            broken.append(found)
            continue
        broken += check_content(
            cid, rows, current.get(cid, {}), _members(store, record_tables, cid)
        )
    problems = checkpoints.schema_problems(store) + verify_registrations(store)
    registry = verify_chain("registry", store.accounts.registry_rows(), keys)
    if registry is not None:
        problems.append(f"the account registry's trail, event {registry.n}: {registry.message}")
    latest = _against_checkpoints(store, witness, problems, broken, case_id)
    checks = Casebook(engine).verify_evidence(case_id)
    return Integrity(
        tuple(ids), tuple(broken), tuple(checks), tuple(problems), keys is not None, latest
    )


def _members(store: Store, record_tables: Sequence[RecordTable], case_id: str) -> Members:
    """The current records of a group of records created in bulk (see
    :mod:`aaib_cp.db.content_groups`); none for a table the schema no longer has."""
    by_name = {t.name: t for t in record_tables}

    def read(table: str, first: Sequence[Any], last: Sequence[Any]) -> Iterator[Any]:
        if table in by_name:
            yield from content_groups.members(store.db, by_name[table], case_id, first, last)

    return read


def _head_mac(
    case_id: str, head: tuple[int, str, str | None] | None, keys: Mapping[str, bytes]
) -> ChainBreak | None:
    if head is None:
        return None
    n, h, mac = head
    if not mac:
        return ChainBreak(case_id, n, "the recorded head has no MAC (rewritten without the key)")
    problem = check_mac(keys, mac, lambda i, k: head_mac(i, k, case_id, n, h))
    return ChainBreak(case_id, n, f"the recorded head is {problem}") if problem else None


def _against_checkpoints(
    store: Store,
    witness: Path | None,
    problems: list[str],
    broken: list[ChainBreak],
    case_id: str | None,
) -> str | None:
    """Compare with the latest logged checkpoint and the witness; the latest's time."""
    log = checkpoints.read_log(store.keys) if store.keys.keyed else []
    if log:
        problems += checkpoints.verify_log(store.keys, log)
    compared: list[tuple[checkpoints.Checkpoint, str]] = [(log[-1], "checkpoint")] if log else []
    if witness is not None:
        seen = checkpoints.witness(witness)
        compared.append((seen, "witness checkpoint"))
        pub = checkpoints.public_key(store.keys) if store.keys.keyed else seen.public_key
        if not seen.signed_by(pub):
            problems.append(
                f"witness {witness}: its signature does not verify with this database's key"
            )
        elif store.keys.keyed and seen.id not in {cp.id for cp in log}:
            problems.append(
                f"witness {witness}: the checkpoint log lacks its checkpoint of {seen.at}"
                " (log truncated or replaced)"
            )
    reported = {b.case_id for b in broken}
    for cp, source in compared:
        for cid, problem in checkpoints.compare(store, cp, source):
            if cid is None:
                if case_id is None:
                    problems.append(f"database: {problem}")
            elif cid not in reported and case_id in (None, cid):
                broken.append(ChainBreak(cid, None, problem))
                reported.add(cid)
    return log[-1].at if log else None


def checkpoint(engine: Engine) -> checkpoints.Checkpoint:
    """Verify the whole database, then sign a checkpoint of it and append it to the log.

    Refuses (StoreError) when verification fails, so a checkpoint never vouches for a
    tampered database.
    """
    found = verify(engine)
    if not found.intact:
        first = (
            [str(b) for b in found.broken]
            + list(found.problems)
            + [str(c) for c in found.bad_files]
        )
        raise StoreError(f"no checkpoint taken: the database does not verify: {first[0]}")
    store = sql_store(engine.store)
    return checkpoints.append(store, engine.clock().isoformat(timespec="seconds"))


def init_keys(store: Store, *, at: datetime, sealer: Callable[[], Actor]) -> list[str]:
    """Create the database's audit keys if missing and seal every case not yet keyed.

    A case whose last event carries no MAC (opened before the key existed, e.g. by an
    earlier release) gets a ``sealed`` event holding the content hash of all its
    records, authenticated by the new key, recorded as done by ``sealer()`` (asked only
    when there is something to seal). Returns what was done, one line each.
    """
    said: list[str] = []
    if not store.keys.keyed:
        store.keys = store.keys.create()
        with store.transaction():  # the registry trail is authenticated from here on
            store.accounts.append_registry_event(
                at=at,
                actor="aaib init",
                account_id=None,
                delegate_id=None,
                kind=EventKind.SEALED,
                detail={"key": store.keys.current_id, "trail": "registry"},
            )
            # the workflows stored before the key: their copies vouched for from now on
            workflow_specs.save_specs(store.db, store.keys)
        said.append(
            f"Audit key created in {store.keys.folder} (keep it apart from the database;"
            " see docs/reliability.md)"
        )
    heads = store.heads()
    unsealed = [cid for cid, (_, _, mac) in sorted(heads.items()) if not mac]
    if unsealed:
        actor = sealer()
        with store.transaction():
            tables = content_tables(store.db)
            for cid in unsealed:
                records = current_content(store.db, tables, cid).get(cid, {})
                store.append_event(
                    cid,
                    at=at,
                    actor=actor,
                    role=None,
                    kind=EventKind.SEALED,
                    detail={"key": store.keys.current_id, "records": len(records)},
                    content={record: sha for record, (sha, _) in records.items()},
                )
        said.append(
            f"Upgraded {store.path}: {len(unsealed)} case(s) sealed under the audit key"
            " (their earlier events were written without one)"
        )
    return said
