"""aaib-cp: AAIB-style, learning-focused investigations of child-protection incidents.

Embed the engine, and act as one account through every phase (docs/library.md)::

    from datetime import date
    from aaib_cp import Engine, Store, load_workflow

    engine = Engine(Store.open("aaib.db", create=True))
    ana, chris = engine.accounts.get("ana.ruiz"), engine.accounts.get("chris.ode")
    with engine.acting_as(ana) as act:
        case = act.open_case(load_workflow("child-protection"), title="Child A",
                             known_on=date(2026, 3, 2))
    with engine.acting_as(chris) as act:
        act.fire(case.id, "start_triage")
        act.evidence.add_agency(case.id, "Northshire Police", "police")

Services: ``Casebook`` (evidence), ``Analysis``, ``SafetyBook`` (recommendations,
consultation, feedback), ``Publisher`` (reports), ``Learning``, ``Accounts``; an
``Acting`` (``engine.acting_as``) offers each with the actor and role filled in.

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
    DeliveryError,
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
    "Account",
    "Accounts",
    "Acting",
    "Actor",
    "Analysis",
    "AnonymisationError",
    "CaseNotFound",
    "Casebook",
    "ConflictOfInterest",
    "DefinitionError",
    "DeliveryError",
    "Engine",
    "ExplorationError",
    "GuardFailed",
    "GuardRegistry",
    "InputError",
    "IntegrityError",
    "Learning",
    "Problem",
    "ProtectedMaterial",
    "Publisher",
    "RecordNotFound",
    "RoleRefused",
    "SafetyBook",
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
    "Account": "aaib_cp.workflow.identity",
    "Accounts": "aaib_cp.workflow.accounts",
    "Acting": "aaib_cp.workflow.acting",
    "Actor": "aaib_cp.workflow.identity",
    "Analysis": "aaib_cp.analysis.service",
    "Casebook": "aaib_cp.evidence.service",
    "Engine": "aaib_cp.workflow.engine",
    "GuardRegistry": "aaib_cp.workflow.guards",
    "Learning": "aaib_cp.learning.service",
    "Publisher": "aaib_cp.reports.build",
    "SafetyBook": "aaib_cp.recommendations.service",
    "Store": "aaib_cp.db",
    "WorkflowDefinition": "aaib_cp.workflow.definition",
    "default_registry": "aaib_cp.workflow.guards",
    "load_workflow": "aaib_cp.workflow.definition",
}

if TYPE_CHECKING:
    from aaib_cp.analysis.service import Analysis
    from aaib_cp.db import Store
    from aaib_cp.evidence.service import Casebook
    from aaib_cp.learning.service import Learning
    from aaib_cp.recommendations.service import SafetyBook
    from aaib_cp.reports.build import Publisher
    from aaib_cp.workflow.accounts import Accounts
    from aaib_cp.workflow.acting import Acting
    from aaib_cp.workflow.definition import WorkflowDefinition, load_workflow
    from aaib_cp.workflow.engine import Engine
    from aaib_cp.workflow.guards import GuardRegistry, default_registry
    from aaib_cp.workflow.identity import Account, Actor


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'aaib_cp' has no attribute {name!r}")
    import importlib

    importlib.import_module("aaib_cp.wiring")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
