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
from aaib_cp.recommendations import guards as recommendations_guards
from aaib_cp.recommendations import issuing as recommendations_issuing
from aaib_cp.recommendations import sql as recommendations_sql
from aaib_cp.recommendations import sql_consultation as consultation_sql
from aaib_cp.workflow.effects import EffectRegistry, default_effects
from aaib_cp.workflow.guards import GuardRegistry, default_registry

__all__ = ["EFFECTS", "FACT_SETS", "GUARD_SETS", "MIGRATION_SETS", "wire"]

#: Schema changes, in the order they apply: a later phase's tables refer to earlier ones.
MIGRATION_SETS: tuple[Migrations, ...] = (
    core_schema.MIGRATIONS,
    evidence_sql.MIGRATIONS,
    chronology_sql.MIGRATIONS,
    protection_sql.MIGRATIONS,
    analysis_sql.MIGRATIONS,
    recommendations_sql.MIGRATIONS,
    sql_search.MIGRATIONS,
    accounts_schema.MIGRATIONS,
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


wire()
