"""aaib-cp: AAIB-style, learning-focused investigations of child-protection incidents.

Embed the engine::

    from datetime import date
    from aaib_cp import Engine, Store, load_workflow

    store = Store.open("aaib.db", create=True)
    engine = Engine(store)
    case = engine.open_case(load_workflow("child-protection"), title="Child A",
                            known_on=date(2026, 3, 2), actor="Ana", role="notifier")
    engine.fire(case.id, "start_triage", actor="Chris", role="chief_investigator")

Heavy modules are imported on first use, so ``import aaib_cp`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aaib_cp.exceptions import (
    AaibCpError,
    AnonymisationError,
    CaseNotFound,
    ConflictOfInterest,
    DefinitionError,
    ExplorationError,
    GuardFailed,
    InputError,
    IntegrityError,
    Problem,
    ProtectedMaterial,
    RecordNotFound,
    RoleRefused,
    StaleCaseError,
    StoreError,
    TransitionRefused,
    UnknownTrigger,
    WorkflowMismatch,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "AaibCpError",
    "AnonymisationError",
    "CaseNotFound",
    "ConflictOfInterest",
    "DefinitionError",
    "Engine",
    "ExplorationError",
    "GuardFailed",
    "GuardRegistry",
    "InputError",
    "IntegrityError",
    "Problem",
    "ProtectedMaterial",
    "RecordNotFound",
    "RoleRefused",
    "StaleCaseError",
    "Store",
    "StoreError",
    "TransitionRefused",
    "UnknownTrigger",
    "WorkflowDefinition",
    "WorkflowMismatch",
    "__version__",
    "default_registry",
    "load_workflow",
]

_LAZY = {
    "Engine": "aaib_cp.workflow.engine",
    "GuardRegistry": "aaib_cp.workflow.guards",
    "default_registry": "aaib_cp.workflow.guards",
    "Store": "aaib_cp.db",
    "WorkflowDefinition": "aaib_cp.workflow.definition",
    "load_workflow": "aaib_cp.workflow.definition",
}

if TYPE_CHECKING:
    from aaib_cp.db import Store
    from aaib_cp.workflow.definition import WorkflowDefinition, load_workflow
    from aaib_cp.workflow.engine import Engine
    from aaib_cp.workflow.guards import GuardRegistry, default_registry


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'aaib_cp' has no attribute {name!r}")
    import importlib

    importlib.import_module("aaib_cp.wiring")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
