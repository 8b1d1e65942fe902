"""Wiring: the one place that joins every phase's migrations, facts, guards and effects.

Nothing in aaib-cp registers itself as a side effect of being imported. Each phase
keeps its own registries (``MIGRATIONS``, ``FACTS`` in its ``sql`` module, ``GUARDS``
in its ``guards`` module, ``EFFECTS`` beside the rule they carry out); this module
lists them, in order, and adds them to the shared defaults that :class:`~aaib_cp.db.Store`
(:data:`aaib_cp.db.MIGRATIONS`, :data:`aaib_cp.db.FACTS`) and
:class:`~aaib_cp.workflow.engine.Engine` (:func:`~aaib_cp.workflow.guards.default_registry`,
:func:`~aaib_cp.workflow.effects.default_effects`) use.

Each phase is listed by where its registry lives, with the names it holds, and imported
when first used (see :mod:`aaib_cp.workflow.lazy`). Importing this module is enough, and
doing so twice changes nothing. The package's public names
(``from aaib_cp import Store, Engine``), the command line, the demo and
:mod:`aaib_cp.testing` import it first; a program that imports a phase's modules
directly does ``import aaib_cp.wiring`` once at start-up. A new phase adds its lines here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from aaib_cp.db.connection import MIGRATIONS
from aaib_cp.db.facts import FACTS
from aaib_cp.recommendations import numbering
from aaib_cp.workflow import acting
from aaib_cp.workflow.effects import default_effects
from aaib_cp.workflow.guards import default_registry

if TYPE_CHECKING:
    from aaib_cp.workflow.engine import Engine

__all__ = ["EFFECTS", "FACT_SETS", "GUARD_SETS", "MIGRATION_SETS", "SERVICES", "wire"]

# Each registry is named by where it lives ("module:ATTRIBUTE") with the names it holds,
# and imported only when one of them is used: opening a database imports no phase (it
# needs only the migrations' names), a status check only the guards its triggers name.
# A registry that registers other names than listed here is refused when it is imported
# (and by tests/test_architecture.py), so the lists cannot drift from the code.

#: Schema changes, in the order they apply: a later phase's tables refer to earlier ones.
MIGRATION_SETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "aaib_cp.db.schema:MIGRATIONS",
        (
            "0001_core",
            "0002_independence",
            "0003_integrity",
            "workflow_spec_0001",
            "0004_deferred_indexes",
            "0005_audit_head_in_case",
        ),
    ),
    ("aaib_cp.evidence.sql:MIGRATIONS", ("records_0001",)),
    (
        "aaib_cp.evidence.sql_chronology:MIGRATIONS",
        ("records_0002_chronology_order", "records_0003_drop_chronology_case"),
    ),
    ("aaib_cp.evidence.sql_protection:MIGRATIONS", ("protection_0001",)),
    ("aaib_cp.analysis.sql:MIGRATIONS", ("analysis_0001",)),
    ("aaib_cp.recommendations.sql:MIGRATIONS", ("safety_0001",)),
    ("aaib_cp.recommendations.sql_consultation:MIGRATIONS", ("consultation_0001_paragraph",)),
    (
        "aaib_cp.learning.sql_search:MIGRATIONS",
        ("search_0001", "search_0002_safety", "search_0003_deferred"),
    ),
    (
        "aaib_cp.db.accounts_schema:MIGRATIONS",
        ("identity_0001", "identity_0002_totp", "identity_0003_sign_in_failures"),
    ),
    ("aaib_cp.reminders.sql:MIGRATIONS", ("reminders_0001",)),
)

#: Facts guards read, by phase.
FACT_SETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("aaib_cp.db.store:FACTS", ("independence_conflicts",)),
    (
        "aaib_cp.evidence.sql_facts:FACTS",
        ("agencies_without_chronology", "agencies_without_evidence", "agency_names"),
    ),
    (
        "aaib_cp.analysis.sql_facts:FACTS",
        (
            "act_refs",
            "acts_unclassified",
            "acts_without_factors",
            "classifications_unconfirmed",
            "classifications_without_evidence",
        ),
    ),
    ("aaib_cp.recommendations.sql:FACTS", ("recommendations_unsettled",)),
    (
        "aaib_cp.recommendations.sql_consultation:FACTS",
        (
            "consultation_parties",
            "feedback_sessions",
            "parties_not_answered",
            "representations_undisposed",
        ),
    ),
)

#: Guards beyond the kernel's own (fields, team, facts), by phase.
GUARD_SETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "aaib_cp.evidence.guards:GUARDS",
        ("chronology_covers_every_agency", "every_agency_supplied_evidence"),
    ),
    (
        "aaib_cp.analysis.guards:GUARDS",
        ("acts_classified", "acts_have_factors", "classifications_cite_evidence"),
    ),
    (
        "aaib_cp.recommendations.guards:GUARDS",
        (
            "draft_sent_to_parties",
            "every_party_answered",
            "feedback_session_recorded",
            "recommendations_settled",
            "representations_dispositioned",
        ),
    ),
)

#: Effects run by the engine when a trigger fires (imported when a case first moves).
EFFECTS: tuple[str, ...] = ("aaib_cp.recommendations.issuing:EFFECTS",)


#: Each phase's service, as ``act.<name>`` of :meth:`Engine.acting_as`: (module, class),
#: imported when first used.
SERVICES: dict[str, tuple[str, str]] = {
    "evidence": ("aaib_cp.evidence.service", "Casebook"),
    "analysis": ("aaib_cp.analysis.service", "Analysis"),
    "safety": ("aaib_cp.recommendations.service", "SafetyBook"),
    "reports": ("aaib_cp.reports.build", "Publisher"),
    "learning": ("aaib_cp.learning.service", "Learning"),
}


def _service(module: str, name: str) -> Callable[[Engine], object]:
    def make(engine: Engine) -> object:
        return getattr(importlib.import_module(module), name)(engine)

    return make


def _draft_paragraphs(engine: Engine, case_id: str) -> list[str]:
    """The draft's paragraph numbers, as the reports phase numbers them (loaded when used)."""
    from aaib_cp.reports.paragraphs import draft_paragraphs

    return draft_paragraphs(engine, case_id)


def wire() -> None:
    """Add every phase's migrations, facts, guards and effects to the shared defaults
    (each phase imported when first used)."""
    for where, names in MIGRATION_SETS:
        MIGRATIONS.add_lazy(where, names)
    for where, names in FACT_SETS:
        FACTS.add_lazy(where, names)
    for where, names in GUARD_SETS:
        default_registry().add_lazy(where, names)
    for where in EFFECTS:
        default_effects().add_lazy(where)
    acting.SERVICES.update({n: _service(*where) for n, where in SERVICES.items()})
    acting.SERVICES["accounts"] = lambda engine: engine.accounts
    numbering.PARAGRAPHS["draft"] = _draft_paragraphs


wire()
