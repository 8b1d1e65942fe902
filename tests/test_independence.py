"""Independence: no investigator or reviewer from an agency involved in the case."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest
from click.testing import CliRunner

from aaib_cp import ConflictOfInterest, GuardFailed, Store
from aaib_cp.cli import cli
from aaib_cp.evidence.service import Casebook
from aaib_cp.workflow.model import EventKind
from tests.journeys import supply_evidence

CHIEF = {"actor": "Chris", "role": "chief_investigator"}
LEAD = {"actor": "Lee", "role": "lead_investigator"}
POLICE = "Northshire Police"


@pytest.fixture
def case_id(engine, workflow):
    case = engine.open_case(
        workflow, title="Child A", known_on=date(2026, 2, 25), actor="Ana", role="notifier"
    )
    engine.fire(case.id, "start_triage", **CHIEF)
    engine.fire(
        case.id,
        "decide_investigate",
        **CHIEF,
        reason="r",
        fields={"classification": "serious_harm", "depth": "field"},
    )
    engine.appoint(case.id, "Lee", "lead_investigator", **CHIEF)
    engine.fire(case.id, "agree_scope", **LEAD, fields={"terms_of_reference": "scope"})
    Casebook(engine).add_agency(case.id, POLICE, "police", **LEAD)
    return case.id


class TestAppointment:
    def test_declared_affiliation_blocks_appointment(self, engine, store, case_id):
        """A declared affiliation with an involved agency refuses the appointment, naming it."""
        engine.declare_affiliations("Sam", ["northshire police"], actor="Sam")
        row = store.case_row(case_id)
        with pytest.raises(ConflictOfInterest, match=f"affiliated with {POLICE}, an agency"):
            engine.appoint(case_id, "Sam", "investigator", **LEAD)
        assert row == store.case_row(case_id)
        assert ["Lee"] == [m.name for m in engine.team(case_id)]
        assert EventKind.REFUSED == engine.history(case_id)[-1].kind

    def test_affiliation_given_at_appointment(self, engine, store, case_id):
        """An affiliation declared while appointing is checked too, and not kept on refusal."""
        with pytest.raises(ConflictOfInterest, match=POLICE):
            engine.appoint(case_id, "Sam", "reviewer", **LEAD, affiliations=[POLICE])
        assert [] == store.affiliations("Sam")

    def test_non_independent_role_may_be_affiliated(self, engine, case_id):
        """A read-only observer from an involved agency may be appointed."""
        member = engine.appoint(case_id, "Pat", "read_only", **LEAD, affiliations=[POLICE])
        assert "read_only" == member.role

    def test_unrelated_affiliation_is_fine(self, engine, store, case_id):
        """An affiliation with an agency not involved does not block, and is kept."""
        engine.appoint(
            case_id, "Sam", "investigator", **LEAD, affiliations=["Westshire Health Board"]
        )
        assert ["Westshire Health Board"] == store.affiliations("Sam")


class TestLaterAgency:
    def test_agency_added_later_rechecks_team(self, engine, store, case_id):
        """Adding an agency a member is affiliated with blocks progress until they stand down."""
        engine.appoint(case_id, "Sam", "investigator", **LEAD, affiliations=["Eastshire Council"])
        book = Casebook(engine)
        book.add_agency(case_id, "Eastshire Council", "social_care", **LEAD)
        assert EventKind.INDEPENDENCE_CONFLICT == engine.history(case_id)[-1].kind
        supply_evidence(engine, case_id)
        with pytest.raises(
            GuardFailed, match="Sam \\(investigator\\) is affiliated with Eastshire Council"
        ):
            engine.fire(case_id, "begin_analysis", **LEAD)
        engine.stand_down(case_id, "Sam", "investigator", **LEAD, reason="conflict of interest")
        engine.appoint(case_id, "Kim", "investigator", **LEAD)
        engine.fire(case_id, "begin_analysis", **LEAD)
        assert "analysis" == engine.get(case_id).state


class TestCli:
    def test_appoint_refused_names_agency(self, tmp_path):
        """`aaib team appoint --affiliation` of an involved agency exits 1 naming it."""
        db = str(tmp_path / "x.db")

        def run(*args, role="chief_investigator", actor="Chris"):
            return CliRunner().invoke(cli, ["--db", db, "--actor", actor, "--role", role, *args])

        assert 0 == run("init").exit_code
        case = run("notify", "--title", "A", "--known-on", "2026-01-05", role="notifier").output
        case = case.strip()
        run("advance", case, "start_triage")
        run(
            "advance",
            case,
            "decide_investigate",
            "--set",
            "classification=other",
            "--set",
            "depth=field",
            "--reason",
            "r",
        )
        run("team", "appoint", case, "Lee", "--as", "lead_investigator")
        run(
            "advance",
            case,
            "agree_scope",
            "--set",
            "terms_of_reference=x",
            role="lead_investigator",
            actor="Lee",
        )
        assert (
            0
            == run(
                "agency",
                "add",
                case,
                POLICE,
                "--kind",
                "police",
                role="lead_investigator",
                actor="Lee",
            ).exit_code
        )
        result = run(
            "team",
            "appoint",
            case,
            "Sam",
            "--as",
            "investigator",
            "--affiliation",
            POLICE,
            role="lead_investigator",
            actor="Lee",
        )
        assert 1 == result.exit_code
        assert f"affiliated with {POLICE}, an agency involved in the case" in result.output
        declared = run(
            "team", "declare", "Sam", "--affiliation", "Eastshire Council", "--json", actor="Sam"
        )
        assert ["Eastshire Council"] == json.loads(declared.output)["affiliations"]
        run(
            "team",
            "appoint",
            case,
            "Sam",
            "--as",
            "investigator",
            role="lead_investigator",
            actor="Lee",
        )
        added = run(
            "agency",
            "add",
            case,
            "Eastshire Council",
            "--kind",
            "social_care",
            role="lead_investigator",
            actor="Lee",
        )
        assert 0 == added.exit_code
        assert "warning: Sam (investigator) is affiliated with Eastshire Council" in added.output
        with Store.open(db) as store:
            assert 1 == len(store.conflicts(case))
        env = {
            "AAIB_DB": db,
            "AAIB_ACTOR": "Lee",
            "AAIB_ROLE": "lead_investigator",
            "PATH": "/usr/bin:/bin",
        }
        stood = subprocess.run(
            [
                sys.executable,
                "-m",
                "aaib_cp",
                "team",
                "stand-down",
                case,
                "Sam",
                "--as",
                "investigator",
                "--reason",
                "conflict",
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        assert 0 == stood.returncode, stood.stderr
        with Store.open(db) as store:
            assert [] == store.conflicts(case)
