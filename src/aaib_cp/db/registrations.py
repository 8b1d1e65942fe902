"""The workflows a database trusts: stored texts by content hash, and registrations.

See :mod:`aaib_cp.workflow.registry` for the rule; this module holds its SQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from aaib_cp.db.connection import fetch_rows
from aaib_cp.workflow.audit import check_mac, record_mac
from aaib_cp.workflow.registry import admissible, registration_mac_text
from aaib_cp.workflow.spec import WorkflowDefinition

if TYPE_CHECKING:
    from aaib_cp.db.store import Store

__all__ = ["check_admissible", "register", "registrations", "verify_registrations"]


def _stored_hash(store: Store, definition: WorkflowDefinition) -> str | None:
    row = store.db.execute(
        "SELECT hash FROM workflows WHERE name = ? AND version = ? ORDER BY hash != ? LIMIT 1",
        [definition.name, definition.version, definition.content_hash],
    ).fetchone()
    return str(row[0]) if row else None


def _registered(store: Store, content_hash: str) -> bool:
    row = store.db.execute(
        "SELECT 1 FROM workflow_registrations WHERE hash = ?", [content_hash]
    ).fetchone()
    return row is not None


def check_admissible(store: Store, definition: WorkflowDefinition) -> None:
    """Raise WorkflowMismatch unless cases may be opened under ``definition`` here."""
    admissible(
        definition,
        stored_hash=_stored_hash(store, definition),
        registered=_registered(store, definition.content_hash),
        keyed=store.keys.keyed,
    )


def register(
    store: Store,
    definition: WorkflowDefinition,
    *,
    at: datetime,
    by: str,
    role: str | None,
    reason: str | None,
) -> bool:
    """Admit ``definition`` (inside a transaction); False if it was already registered."""
    admissible(
        definition,
        stored_hash=_stored_hash(store, definition),
        registered=True,
        keyed=store.keys.keyed,
    )
    if _registered(store, definition.content_hash):
        return False
    store.save_workflow(definition, at=at, checked=True)
    when = at.isoformat()
    key = store.keys.current
    text = registration_mac_text(
        definition.content_hash, definition.name, definition.version, by, when
    )
    store.db.execute(
        "INSERT INTO workflow_registrations (hash, name, version, registered_at,"
        " registered_by, role, reason, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            definition.content_hash,
            definition.name,
            definition.version,
            when,
            by,
            role,
            reason,
            record_mac(*key, text) if key else None,
        ],
    )
    return True


def registrations(store: Store) -> list[dict[str, Any]]:
    """Every registration, oldest first."""
    return fetch_rows(store.db, "SELECT * FROM workflow_registrations ORDER BY seq")


def verify_registrations(store: Store) -> list[str]:
    """Registrations whose MAC does not verify (added or edited without the key)."""
    if not store.keys.keyed:  # (an unkeyed database may predate the registrations table)
        return []
    problems = []
    for row in registrations(store):
        text = registration_mac_text(
            row["hash"], row["name"], row["version"], row["registered_by"], row["registered_at"]
        )
        label = f"workflow registration {row['name']} v{row['version']}"
        if not row["mac"]:
            problems.append(f"{label}: has no MAC (added without the audit key)")
            continue
        problem = check_mac(store.keys.keys, row["mac"], lambda i, k, t=text: record_mac(i, k, t))
        if problem:
            problems.append(f"{label}: {problem}")
    return problems
