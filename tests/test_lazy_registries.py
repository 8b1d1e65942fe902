"""The facts and guards the wiring lists are imported on first use, and checked then."""

from __future__ import annotations

import pytest

from aaib_cp.db.facts import FactRegistry
from aaib_cp.workflow.guards import GuardRegistry

EVIDENCE_FACTS = "aaib_cp.evidence.sql_facts:FACTS"
EVIDENCE_GUARDS = "aaib_cp.evidence.guards:GUARDS"


def test_a_listed_fact_is_imported_when_first_asked_for():
    facts = FactRegistry()
    facts.add_lazy(EVIDENCE_FACTS, ["agency_names", "agencies_without_chronology",
                                    "agencies_without_evidence"])  # fmt: skip
    assert "agency_names" in facts
    assert facts.get("agency_names") is not None
    assert facts.get("agencies_without_evidence") is not None  # the whole registry came


def test_a_name_listed_twice_or_under_two_registries_is_refused():
    facts = FactRegistry()
    facts.add_lazy(EVIDENCE_FACTS, ["agency_names"])
    facts.add_lazy(EVIDENCE_FACTS, ["agency_names"])  # the same place again: harmless
    with pytest.raises(ValueError, match="fact 'agency_names' is registered twice"):
        facts.add_lazy("elsewhere:FACTS", ["agency_names"])
    guards = GuardRegistry()
    guards.add_lazy(EVIDENCE_GUARDS, ["chronology_covers_every_agency"])
    with pytest.raises(ValueError, match="guard 'chronology_covers_every_agency'"):
        guards.add_lazy("elsewhere:GUARDS", ["chronology_covers_every_agency"])


def test_a_wiring_list_that_differs_from_the_registry_is_refused_on_import():
    guards = GuardRegistry()
    guards.add_lazy(EVIDENCE_GUARDS, ["chronology_covers_every_agency", "no_such_guard"])
    with pytest.raises(ValueError, match="update the wiring"):
        guards.get("no_such_guard")


def test_a_copy_keeps_the_pending_names_apart():
    guards = GuardRegistry()
    guards.add_lazy(EVIDENCE_GUARDS, ["chronology_covers_every_agency",
                                      "every_agency_supplied_evidence"])  # fmt: skip
    copy = guards.copy()
    assert copy.get("every_agency_supplied_evidence") is not None
    assert "every_agency_supplied_evidence" in guards  # still listed, not yet imported there
    assert guards.names() == copy.names()
