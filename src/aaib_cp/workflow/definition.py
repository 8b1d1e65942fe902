"""Workflow definitions: YAML in, a validated, frozen :class:`WorkflowDefinition` out.

Loading checks everything before any case is touched and reports every problem
at once, each as ``file:line:col: path: message`` with a suggestion where one fits.
The format is documented in ``docs/workflow-format.md`` and published as a JSON
Schema in ``workflows/workflow.schema.json``.

This module loads workflows (files, shipped names, text). The records a definition
is made of are in :mod:`aaib_cp.workflow.spec` and validation is in
:mod:`aaib_cp.workflow.parse`; both are importable from here too.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from aaib_cp.exceptions import DefinitionError, Problem
from aaib_cp.workflow.guards import GuardRegistry
from aaib_cp.workflow.parse import parse_workflow
from aaib_cp.workflow.spec import (
    ACTIONS,
    ANY_OPEN,
    DEFAULT_CASE_PREFIX,
    PHASES,
    PREVIOUS,
    SETTINGS,
    WORKFLOW_NAME,
    FieldDef,
    InterimStatements,
    InvariantDef,
    RoleDef,
    StateDef,
    TransitionDef,
    WorkflowDefinition,
    suggest,
)
from aaib_cp.workflow.yaml_source import load_yaml_bytes, load_yaml_text, read_yaml_file

__all__ = [
    "ACTIONS",
    "ANY_OPEN",
    "DEFAULT_CASE_PREFIX",
    "PHASES",
    "PREVIOUS",
    "SETTINGS",
    "FieldDef",
    "InterimStatements",
    "InvariantDef",
    "RoleDef",
    "StateDef",
    "TransitionDef",
    "WorkflowDefinition",
    "load_workflow",
    "parse_workflow",
    "shipped_workflow_path",
    "shipped_workflows",
    "suggest",
    "workflow_from_text",
]


def shipped_workflows() -> list[str]:
    """Names of the workflows shipped with aaib-cp."""
    return sorted(p.stem for p in _shipped_dir().glob("*.yaml"))


def shipped_workflow_path(name: str) -> Path:
    """Path of a shipped workflow by name (``child-protection``)."""
    return _shipped_dir() / f"{name}.yaml"


def _shipped_dir() -> Path:
    packaged = Path(str(resources.files("aaib_cp"))) / "workflows"
    if packaged.is_dir():
        return packaged
    # an editable install or a source checkout: the repository's workflows/ folder
    return Path(__file__).resolve().parents[3] / "workflows"


def load_workflow(source: str | Path, *, guards: GuardRegistry | None = None) -> WorkflowDefinition:
    """Load and validate a workflow from a file path or a shipped workflow's name."""
    path = Path(source)
    if not path.exists() and isinstance(source, str) and WORKFLOW_NAME.match(source):
        shipped = shipped_workflow_path(source)
        if not shipped.exists():
            names = ", ".join(shipped_workflows())
            message = (
                f"file not found, and no shipped workflow is called {source!r} (shipped: {names})"
            )
            raise DefinitionError([Problem(source, 1, 1, "", message)])
        path = shipped
    raw = read_yaml_file(path)
    doc = load_yaml_bytes(raw, filename=str(path))
    return parse_workflow(doc, guards=guards, source_text=raw.decode("utf-8-sig"))


def workflow_from_text(
    text: str, *, filename: str = "<string>", guards: GuardRegistry | None = None
) -> WorkflowDefinition:
    """Load and validate a workflow from YAML text (e.g. as stored with a case)."""
    return parse_workflow(load_yaml_text(text, filename=filename), guards=guards, source_text=text)
