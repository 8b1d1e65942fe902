"""The validated copy of each stored workflow (JSON beside its YAML), and its trust.

See :mod:`aaib_cp.workflow.spec_json` for why it exists. The copy is written whenever a
workflow is stored (``Store.save_workflow``) and, for workflows stored before it
existed, by the migration that adds it. In a keyed database it carries a MAC under the
audit key, and is used only when that verifies: an edit of the copy without the key
makes aaib-cp validate the YAML again, never act on the edited copy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aaib_cp.db.connection import Database
from aaib_cp.db.keys import KeyRing
from aaib_cp.workflow.audit import check_mac, record_mac

if TYPE_CHECKING:
    from aaib_cp.workflow.spec import WorkflowDefinition

__all__ = ["add_spec_columns", "save_spec", "save_specs", "trusted_spec"]


def _mac_text(content_hash: str, spec: str) -> str:
    return f"workflow-spec\n{content_hash}\n{spec}"


def save_spec(db: Database, keys: KeyRing, definition: WorkflowDefinition) -> None:
    """Keep the validated copy of ``definition`` (whose row is stored), unless it is current."""
    from aaib_cp.workflow.spec_json import definition_to_json

    spec = definition_to_json(definition)
    key = keys.current
    mac = record_mac(*key, _mac_text(definition.content_hash, spec)) if key else None
    db.execute(
        "UPDATE workflows SET spec_json = ?, spec_mac = ?"
        " WHERE hash = ? AND (spec_json IS NOT ? OR spec_mac IS NOT ?)",
        [spec, mac, definition.content_hash, spec, mac],
    )


def trusted_spec(row: dict[str, Any], keys: KeyRing) -> str | None:
    """The row's validated copy, if there is one this database vouches for."""
    spec = row.get("spec_json")
    if not spec:
        return None
    if not keys.keyed:
        return str(spec)  # (an unkeyed database's every row can be rewritten alike)
    mac = row.get("spec_mac")
    text = _mac_text(str(row["hash"]), str(spec))
    if not mac or check_mac(keys.keys, str(mac), lambda i, k: record_mac(i, k, text)):
        return None
    return str(spec)


def add_spec_columns(db: Database) -> None:
    """The migration: the columns, and the copy of every workflow already stored."""
    db.execute("ALTER TABLE workflows ADD COLUMN spec_json TEXT")
    db.execute("ALTER TABLE workflows ADD COLUMN spec_mac TEXT")
    save_specs(db, KeyRing.for_database(db.path))


def save_specs(db: Database, keys: KeyRing) -> None:
    """Validate every stored workflow's YAML again and keep its copy, with a MAC under
    ``keys``' current key if there is one: when a database gets its key (``aaib init``),
    the copies stored before it are vouched for from then on instead of being ignored."""
    from aaib_cp.exceptions import DefinitionError
    from aaib_cp.workflow.definition import workflow_from_text

    rows = db.execute("SELECT source_text, filename FROM workflows").fetchall()
    for source_text, filename in rows:
        try:
            definition = workflow_from_text(source_text, filename=filename)
        except DefinitionError:
            continue  # no longer valid here: its cases say so when read, as before
        save_spec(db, keys, definition)
