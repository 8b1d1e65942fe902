"""Wiring: the one place that joins every phase's migrations, facts, guards and effects.

Nothing in aaib-cp registers itself as a side effect of being imported. Each phase
keeps its own registries (``MIGRATIONS``, ``FACTS`` in its ``sql`` module, ``GUARDS``
in its ``guards`` module, ``EFFECTS`` beside the rule they carry out); this module
lists them, in order, and adds them to the shared defaults that :class:`~aaib_cp.db.Store`
(:data:`aaib_cp.db.MIGRATIONS`, :data:`aaib_cp.db.FACTS`) and
:class:`~aaib_cp.workflow.engine.Engine` (:func:`~aaib_cp.workflow.guards.default_registry`,
:func:`~aaib_cp.workflow.effects.default_effects`) use.

Importing it is enough, and doing so twice changes nothing. The package's public names
(``from aaib_cp import Store, Engine``), the command line, the demo and
:mod:`aaib_cp.testing` import it first; a program that imports a phase's modules
directly does ``import aaib_cp.wiring`` once at start-up. A new phase adds its lines here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from aaib_cp.analysis import guards as analysis_guards
from aaib_cp.analysis import sql as analysis_sql
from aaib_cp.analysis import sql_facts as analysis_facts
from aaib_cp.db import FACTS, MIGRATIONS, FactRegistry, Migrations, accounts_schema
from aaib_cp.db import schema as core_schema
from aaib_cp.db import store as core_store
from aaib_cp.evidence import guards as evidence_guards
from aaib_cp.evidence import sql as evidence_sql
from aaib_cp.evidence import sql_chronology as chronology_sql
from aaib_cp.evidence import sql_protection as protection_sql
from aaib_cp.learning import sql_search
from aaib_cp.recommendations import consultation
from aaib_cp.recommendations import guards as recommendations_guards
from aaib_cp.recommendations import issuing as recommendations_issuing
from aaib_cp.recommendations import sql as recommendations_sql
from aaib_cp.recommendations import sql_consultation as consultation_sql
from aaib_cp.reminders import sql as reminders_sql
from aaib_cp.workflow import acting
from aaib_cp.workflow.effects import EffectRegistry, default_effects
from aaib_cp.workflow.guards import GuardRegistry, default_registry

if TYPE_CHECKING:
    from aaib_cp.workflow.engine import Engine

__all__ = ["EFFECTS", "FACT_SETS", "GUARD_SETS", "MIGRATION_SETS", "SERVICES", "wire"]

#: Schema changes, in the order they apply: a later phase's tables refer to earlier ones.
MIGRATION_SETS: tuple[Migrations, ...] = (
    core_schema.MIGRATIONS,
    evidence_sql.MIGRATIONS,
    chronology_sql.MIGRATIONS,
    protection_sql.MIGRATIONS,
    analysis_sql.MIGRATIONS,
    recommendations_sql.MIGRATIONS,
    consultation_sql.MIGRATIONS,
    sql_search.MIGRATIONS,
    accounts_schema.MIGRATIONS,
    reminders_sql.MIGRATIONS,
)

#: Facts guards read, by phase.
FACT_SETS: tuple[FactRegistry, ...] = (
    core_store.FACTS,
    evidence_sql.FACTS,
    analysis_facts.FACTS,
    recommendations_sql.FACTS,
    consultation_sql.FACTS,
)

#: Guards beyond the kernel's own (fields, team, facts), by phase.
GUARD_SETS: tuple[GuardRegistry, ...] = (
    evidence_guards.GUARDS,
    analysis_guards.GUARDS,
    recommendations_guards.GUARDS,
)

#: Effects run by the engine when a trigger fires.
EFFECTS: tuple[EffectRegistry, ...] = (recommendations_issuing.EFFECTS,)


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
    """Add every phase's migrations, facts, guards and effects to the shared defaults."""
    for migrations in MIGRATION_SETS:
        MIGRATIONS.extend(migrations)
    for facts in FACT_SETS:
        FACTS.update(facts)
    for guards in GUARD_SETS:
        default_registry().update(guards)
    for effects in EFFECTS:
        default_effects().update(effects)
    acting.SERVICES.update({n: _service(*where) for n, where in SERVICES.items()})
    acting.SERVICES["accounts"] = lambda engine: engine.accounts
    consultation.PARAGRAPHS["draft"] = _draft_paragraphs


wire()
