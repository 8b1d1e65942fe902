"""The workflows an engine's cases run under: each read and validated once, its machine
built once (when a case first moves), keyed by content hash.

A stored workflow is read from the validated copy the store keeps beside its YAML
(:mod:`.spec_json`), so reading a case parses no YAML; the YAML is validated again
when there is no trusted, current copy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aaib_cp.workflow.guards import GuardRegistry
from aaib_cp.workflow.integrity import check_fits
from aaib_cp.workflow.model import Case
from aaib_cp.workflow.ports import CaseStore
from aaib_cp.workflow.spec import WorkflowDefinition
from aaib_cp.workflow.spec_json import definition_from_json, guard_names

if TYPE_CHECKING:
    from aaib_cp.workflow.machine import CompiledWorkflow

__all__ = ["WorkflowCache"]


class WorkflowCache:
    """Definitions and machines by content hash, read from the store when first needed."""

    def __init__(self, store: CaseStore, guards: GuardRegistry) -> None:
        self.store = store
        self.guards = guards
        self._compiled: dict[str, CompiledWorkflow] = {}
        self._definitions: dict[str, WorkflowDefinition] = {}

    def remember(self, definition: WorkflowDefinition) -> None:
        """Keep ``definition`` (e.g. one a case was just opened under)."""
        self._definitions.setdefault(definition.content_hash, definition)

    def definitions(self) -> list[WorkflowDefinition]:
        """Every definition read or remembered so far (to share with another engine)."""
        return list(self._definitions.values())

    def compiled(self, definition: WorkflowDefinition) -> CompiledWorkflow:
        """The machine for a definition, built once per content hash, when first needed.

        Reading a case (``status``, guards, history) never needs the machine, so
        ``transitions`` is imported and the machine built only to move a case.
        """
        compiled = self._compiled.get(definition.content_hash)
        if compiled is None:
            from aaib_cp.workflow.machine import CompiledWorkflow

            compiled = self._compiled[definition.content_hash] = CompiledWorkflow(definition)
            self.remember(definition)
        return compiled

    def definition_for(self, case: Case) -> WorkflowDefinition:
        """The exact workflow the case runs under, as stored with it (read once)."""
        definition = self._definitions.get(case.workflow_hash)
        if definition is not None:
            return definition
        row = self.store.workflow_source(case.workflow_hash)
        definition = self._from_spec(row)
        if definition is None:
            from aaib_cp.workflow.definition import workflow_from_text

            definition = workflow_from_text(
                row["source_text"], filename=row["filename"], guards=self.guards
            )
        check_fits(case, definition)
        return self._definitions.setdefault(definition.content_hash, definition)

    def _from_spec(self, row: Mapping[str, Any]) -> WorkflowDefinition | None:
        """The validated copy stored beside the YAML (no YAML parsed), if the store has a
        trusted, current one whose guards this engine knows (else None: validate the YAML,
        which says what is wrong)."""
        spec = row.get("spec_json")
        if not spec:
            return None
        definition = definition_from_json(
            spec,
            content_hash=str(row["hash"]),
            source_text=str(row["source_text"]),
            filename=str(row["filename"]),
        )
        if definition is None or not all(name in self.guards for name in guard_names(definition)):
            return None
        return definition
