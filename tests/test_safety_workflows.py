"""The record services follow the case's workflow: its roles, its phases, its schema history."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from aaib_cp import Engine, Store, load_workflow
from aaib_cp.db.connection import MIGRATIONS, Database
from aaib_cp.evidence import sql_protection
from aaib_cp.evidence.service import Casebook
from aaib_cp.exceptions import RoleRefused
from aaib_cp.recommendations.issuing import issue_with_final_report
from aaib_cp.recommendations.service import SafetyBook
from aaib_cp.workflow.definition import shipped_workflow_path, workflow_from_text
from aaib_cp.workflow.effects import EVERY_TRIGGER, EffectRegistry, default_effects
from aaib_cp.workflow.model import EventKind
from tests.people import acct, as_role
from tests.safety_helpers import CHAIR, LEAD, book, case_at

CHIEF_INSPECTOR = as_role("Cleo", "chief_inspector")
IIC = as_role("Ian", "inspector_in_charge")


def aviation_case(engine: Engine, workflow) -> str:
    """An aviation investigation in analysis, led by Ian with one more inspector."""
    case = engine.open_case(
        workflow, title="G-ABCD", known_on=date(2026, 2, 25), **as_role("Ops", "notifier")
    )
    engine.appoint(case.id, acct("Ian"), "inspector_in_charge", **CHIEF_INSPECTOR)
    engine.fire(
        case.id,
        "open_investigation",
        reason="Serious incident",
        fields={"occurrence_class": "serious_incident", "depth": "field"},
        **CHIEF_INSPECTOR,
    )
    engine.appoint(case.id, acct("Ines"), "inspector", **IIC)
    engine.fire(case.id, "publish_preliminary_report", **IIC)
    return case.id


class TestAviation:
    def test_roles_come_from_the_workflow(self, engine):
        """An inspector in charge records in an aviation case; a lead investigator is unknown."""
        aviation = load_workflow("aviation-accident")
        case_id = aviation_case(engine, aviation)
        Casebook(engine).add_agency(case_id, "Skyways", "other", **IIC)
        rec = book(engine).add_recommendation(case_id, to="CAA", text="Check.", **IIC)
        assert rec.ref.startswith(case_id)
        with pytest.raises(Exception, match="unknown role 'lead_investigator'"):
            book(engine).add_recommendation(case_id, to="CAA", text="Check.", **LEAD)

    def test_pending_recommendations_issued_with_the_final_report(self, engine):
        """publish_final_report issues every draft, as issue_final_report does elsewhere."""
        aviation = load_workflow("aviation-accident")
        case_id = aviation_case(engine, aviation)
        book(engine).add_recommendation(case_id, to="CAA", text="Check.", **IIC)
        engine.fire(case_id, "write_draft_report", **IIC)
        engine.fire(case_id, "send_draft_for_comment", **IIC)
        assert not book(engine).recommendations(case_id)[0].issued
        engine.fire(case_id, "publish_final_report", **CHIEF_INSPECTOR)
        rec = book(engine).recommendations(case_id)[0]
        issued = [e for e in engine.history(case_id) if e.kind == EventKind.RECOMMENDATION_ISSUED]
        assert (True, "final report") == (rec.issued, issued[-1].detail["with"])

    def test_the_effect_runs_for_every_trigger(self):
        """The issuing effect is registered for every trigger, not one workflow's name."""
        for trigger in ("issue_final_report", "publish_final_report", "track_responses"):
            assert issue_with_final_report in default_effects().for_trigger(trigger)

    def test_an_effect_registered_after_a_lookup_runs(self):
        """The effects of a trigger are kept once looked up, and looked up again when one
        is added (to the registry or through another one)."""
        registry = EffectRegistry()
        assert () == registry.for_trigger("suspend")
        first = registry.register("suspend")(lambda *a, **k: None)
        assert (first,) == registry.for_trigger("suspend")
        every = registry.register(EVERY_TRIGGER)(lambda *a, **k: None)
        assert (first, every) == registry.for_trigger("suspend")
        other = EffectRegistry()
        later = other.register("suspend")(lambda *a, **k: None)
        registry.update(other)
        assert (first, later, every) == registry.for_trigger("suspend")

    def test_only_the_first_entry_into_published_issues(self, engine, workflow):
        """Moving on within the published phase issues nothing more."""
        case_id = case_at(engine, workflow, "final_report")
        book(engine).add_recommendation(case_id, to="DfE", text="Later draft.", **LEAD)
        engine.fire(case_id, "track_responses", **LEAD)
        assert not book(engine).recommendations(case_id)[-1].issued


class TestNoRoleGranted:
    def test_refusal_says_the_workflow_grants_no_role(self, engine, workflow):
        """A workflow that lets no role approve disclosures refuses plainly, and audits it."""
        text = shipped_workflow_path("child-protection").read_text(encoding="utf-8")
        line = "  disclose: [panel_chair, chief_investigator]\n"
        assert line in text
        strict = workflow_from_text(text.replace(line, ""))
        assert () == strict.roles_for("disclose")
        case_id = case_at(engine, strict, "evidence")
        book(engine).add_note(case_id, "Private view.", **LEAD)
        with pytest.raises(
            RoleRefused,
            match="workflow child-protection grants no role permission to approve a disclosure",
        ):
            book(engine).disclose(
                case_id,
                "N1",
                ground="court_order",
                requested_by=acct("Sam"),
                recipient="Court",
                reason="Order",
                **CHAIR,
            )
        refused = [e for e in engine.history(case_id) if e.kind == EventKind.REFUSED]
        assert "approve a disclosure" == refused[-1].trigger

    @pytest.mark.parametrize(
        ("permission", "call"),
        [
            ("recommend", lambda b, c, a: b.add_note(c, "n", **a)),
            (
                "consult",
                lambda b, c, a: b.add_feedback(c, held_on="2026-03-01", attendees=["X"], **a),
            ),
            ("protect", lambda b, c, a: b.protect(c, "E1", reason="health data", **a)),
        ],
    )
    def test_roles_follow_the_workflow(self, engine, workflow, permission, call):
        """Exactly the roles the workflow grants an action may take it."""
        case_id = case_at(engine, workflow, "evidence")
        granted = workflow.roles_for(permission)
        assert "lead_investigator" in granted
        assert "reviewer" not in granted
        with pytest.raises(RoleRefused, match="it needs " + " or ".join(granted)):
            call(SafetyBook(engine), case_id, as_role("Rita", "reviewer"))


class TestProtectionSchema:
    def test_protection_tables_migrate_after_the_evidence_and_only_if_missing(self):
        """protection_0001 comes after records_0001, before safety_0001, and never re-creates."""
        names = MIGRATIONS.names()
        assert names.index("records_0001") < names.index("protection_0001")
        assert names.index("protection_0001") < names.index("safety_0001")
        for statement in sql_protection._SCHEMA:
            assert "IF NOT EXISTS" in statement

    def test_a_database_made_by_the_old_schema_opens_and_works(self, tmp_path, workflow):
        """A database whose safety_0001 made the protection tables gets protection_0001 as a
        no-op, and its notes and disclosures work as before."""
        path = tmp_path / "old.db"
        conn = sqlite3.connect(path, isolation_level=None)
        db = Database(conn)
        db.execute(
            "CREATE TABLE schema_migrations "
            "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        )
        for name, func in MIGRATIONS:
            if name == "protection_0001":
                continue
            if name == "safety_0001":  # what safety_0001 used to create as well
                for statement in sql_protection._SCHEMA:
                    db.execute(statement.replace(" IF NOT EXISTS", ""))
            func(db)
            db.execute("INSERT INTO schema_migrations (name) VALUES (?)", [name])
        conn.close()
        with Store.open(path) as store:
            applied = {r[0] for r in store.db.execute("SELECT name FROM schema_migrations")}
            assert "protection_0001" in applied
            engine = Engine(store)
            case_id = case_at(engine, workflow, "evidence")
            note = SafetyBook(engine).add_note(case_id, "Private view.", **LEAD)
            assert {note.ref: True} == {
                k: v for k, v in SafetyBook(engine).protected_items(case_id).items() if k == "N1"
            }
