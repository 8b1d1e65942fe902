"""Which workflow texts a database trusts: one text per name and version.

A workflow is identified by its content hash. In a database with an audit key (made
by ``aaib init``): a shipped workflow's name and version belong to the text shipped
with aaib-cp; a second text under a name and version the database already holds is
refused; and a workflow that is not shipped must first be admitted with
``aaib workflow register FILE``, which is recorded (who, when, why) in an
append-only, keyed list.
"""

from __future__ import annotations

import functools
import hashlib
import json

from aaib_cp.exceptions import WorkflowMismatch
from aaib_cp.workflow.definition import shipped_workflow_path
from aaib_cp.workflow.spec import WorkflowDefinition
from aaib_cp.workflow.yaml_source import load_yaml_file

__all__ = ["admissible", "registration_mac_text", "shipped_hash"]


@functools.cache
def shipped_hash(name: str) -> tuple[str, str] | None:
    """``(version, content hash)`` of the shipped workflow called ``name``, if any."""
    path = shipped_workflow_path(name)
    if not path.is_file():
        return None
    data = load_yaml_file(path).data
    if not isinstance(data, dict):
        return None
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return str(data.get("version")), hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def admissible(
    definition: WorkflowDefinition,
    *,
    stored_hash: str | None,
    registered: bool,
    keyed: bool,
) -> None:
    """Raise WorkflowMismatch unless the database may run cases under ``definition``.

    ``stored_hash`` is the hash the database already holds for this name and version;
    ``registered`` whether this text was admitted; ``keyed`` whether the database has
    an audit key. Only a keyed database (made by ``aaib init``) is held to the rule; an
    unkeyed one (a test's or a program's scratch database) may try variants of a
    workflow under one name and version, as it always could.
    """
    if not keyed:
        return
    label = f"workflow {definition.name} v{definition.version}"
    mine = definition.content_hash
    shipped = shipped_hash(definition.name)
    if shipped is not None and shipped[0] == definition.version and shipped[1] != mine:
        raise WorkflowMismatch(
            f"{label} ({mine[:12]}) is not the text shipped under that name and version"
            f" ({shipped[1][:12]}); give your workflow another name or version"
        )
    if stored_hash is not None and stored_hash != mine:
        raise WorkflowMismatch(
            f"{label} ({mine[:12]}) differs from the text this database holds under that"
            f" name and version ({stored_hash[:12]}); give it a new version"
        )
    is_shipped = shipped is not None and shipped[1] == mine
    if not is_shipped and not registered:
        raise WorkflowMismatch(
            f"{label} ({mine[:12]}) is not registered in this database;"
            f" admit it with 'aaib workflow register {definition.filename}'"
        )


def registration_mac_text(content_hash: str, name: str, version: str, by: str, at: str) -> str:
    """What a registration's MAC covers."""
    return "\n".join(("registration", content_hash, name, version, by, at))
