"""Independence: no investigator or reviewer from an agency involved in the case.

Compared by registry id: an agency's aliases and spellings lead to one id, and an
affiliation must name a registered agency.
"""

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
from tests.people import acct, as_role, signed_in

CHIEF = as_role("Chris", "chief_investigator")
LEAD = as_role("Lee", "lead_investigator")
POLICE = "Northshire Police"


@pytest.fixture
def case_id(engine, workflow):
    case = engine.open_case(
        workflow, title="Child A", known_on=date(2026, 2, 25), **as_role("Ana", "notifier")
    )
    engine.fire(case.id, "start_triage", **CHIEF)
    engine.fire(
        case.id,
        "decide_investigate",
        **CHIEF,
        reason="r",
        fields={"classification": "serious_harm", "depth": "field"},
    )
    engine.appoint(case.id, acct("Lee"), "lead_investigator", **CHIEF)
    engine.fire(case.id, "agree_scope", **LEAD, fields={"terms_of_reference": "scope"})
    Casebook(engine).add_agency(case.id, POLICE, "police", **LEAD)
    return case.id


def undeclared(engine, name: str):
    """A new account that has declared nothing yet."""
    admin = acct("Admin", "administrator")
    return engine.accounts.add(name.lower(), name, actor=admin)


def declare(engine, account, *agencies: str):
    """``account`` declares ``agencies`` (registered by an administrator if new)."""
    admin = acct("Admin", "administrator")
    for agency in agencies:
        if engine.accounts.db.find_organisation(agency) is None:
            engine.accounts.register(agency, actor=admin, distinct=True)
    return engine.accounts.declare(agencies, actor=account, none=not agencies)


class TestAppointment:
    def test_declared_affiliation_blocks_appointment(self, engine, store, case_id):
        """A declared affiliation with an involved agency refuses the appointment, naming it."""
        sam = declare(engine, undeclared(engine, "Sam"), "northshire  police.")
        row = store.case_row(case_id)
        with pytest.raises(ConflictOfInterest, match=f"affiliated with {POLICE}, an agency"):
            engine.appoint(case_id, sam, "investigator", **LEAD)
        assert row == store.case_row(case_id)
        assert ["Lee"] == [m.name for m in engine.team(case_id)]
        assert EventKind.REFUSED == engine.history(case_id)[-1].kind

    def test_undeclared_account_cannot_take_an_independent_role(self, engine, case_id):
        """Declaring nothing is not independence: the appointment waits for a declaration."""
        sam = undeclared(engine, "Sam")
        with pytest.raises(ConflictOfInterest, match="before declaring their affiliations"):
            engine.appoint(case_id, sam, "investigator", **LEAD)
        engine.appoint(case_id, declare(engine, sam), "investigator", **LEAD)

    def test_non_independent_role_may_be_affiliated(self, engine, case_id):
        """A read-only observer from an involved agency may be appointed."""
        pat = declare(engine, undeclared(engine, "Pat"), POLICE)
        assert "read_only" == engine.appoint(case_id, pat, "read_only", **LEAD).role

    def test_unrelated_affiliation_is_fine(self, engine, case_id):
        """An affiliation with an agency not involved does not block."""
        sam = declare(engine, undeclared(engine, "Sam"), "Westshire Health Board")
        assert "investigator" == engine.appoint(case_id, sam, "investigator", **LEAD).role

    def test_alias_is_the_same_agency(self, engine, case_id):
        """An alias registered for the involved agency leads to its id: the appointment fails."""
        admin = acct("Admin", "administrator")
        engine.accounts.alias(POLICE, "Northshire Constabulary", actor=admin)
        sam = declare(engine, undeclared(engine, "Sam"), "Northshire Constabulary")
        with pytest.raises(ConflictOfInterest, match=POLICE):
            engine.appoint(case_id, sam, "investigator", **LEAD)

    def test_declaration_is_on_the_trail_of_every_case_served(self, engine, case_id):
        """A later declaration by a serving member is written on that case's audit trail."""
        sam = declare(engine, undeclared(engine, "Sam"), "Westshire Health Board")
        engine.appoint(case_id, sam, "investigator", **LEAD)
        declare(engine, sam, "Westshire Health Board", POLICE)
        last = engine.history(case_id)[-1]
        assert (EventKind.AFFILIATIONS_DECLARED, "Sam") == (last.kind, last.actor)
        assert POLICE in last.detail["agencies"]


class TestLaterAgency:
    def test_agency_added_later_rechecks_team(self, engine, case_id):
        """Adding an agency a member is affiliated with blocks progress until they stand down."""
        sam = declare(engine, undeclared(engine, "Sam"), "Eastshire Council")
        engine.appoint(case_id, sam, "investigator", **LEAD)
        book = Casebook(engine)
        book.add_agency(case_id, "Eastshire Council", "social_care", **LEAD)
        assert EventKind.INDEPENDENCE_CONFLICT == engine.history(case_id)[-1].kind
        supply_evidence(engine, case_id)
        with pytest.raises(
            GuardFailed, match="Sam \\(investigator\\) is affiliated with Eastshire Council"
        ):
            engine.fire(case_id, "begin_analysis", **LEAD)
        engine.stand_down(case_id, sam, "investigator", **LEAD, reason="conflict of interest")
        engine.appoint(case_id, acct("Kim"), "investigator", **LEAD)
        engine.fire(case_id, "begin_analysis", **LEAD)
        assert "analysis" == engine.get(case_id).state


class TestCli:
    def test_declare_appoint_refuse_and_stand_down(self, tmp_path):
        """Declarations through `aaib user declare`; refusals name the agency; exit codes."""
        db = str(tmp_path / "x.db")

        def run(*args, who=("Chris", "chief_investigator")):
            env = signed_in(db, who[0], *who[1:])
            return CliRunner().invoke(cli, ["--db", db, *args], env=env)

        assert 0 == CliRunner().invoke(cli, ["--db", db, "init", "--admin", "root"]).exit_code
        case = run("notify", "--title", "A", "--known-on", "2026-01-05", who=("Ana", "notifier"))
        case = case.output.strip()
        run("advance", case, "start_triage")
        run(
            "advance", case, "decide_investigate", "--set", "classification=other",
            "--set", "depth=field", "--reason", "r",
        )  # fmt: skip
        lee = ("Lee",)
        assert 0 == run("user", "declare", "--none", who=lee).exit_code
        run("team", "appoint", case, "lee", "--as", "lead_investigator")
        run("advance", case, "agree_scope", "--set", "terms_of_reference=x", who=lee)
        assert 0 == run("agency", "add", case, POLICE, "--kind", "police", who=lee).exit_code
        sam = ("Sam",)
        signed_in(db, "Sam")
        unknown = run("user", "declare", "--agency", "Northshire Police Service", who=sam)
        assert 1 == unknown.exit_code
        assert "not in the agency registry (did you mean 'Northshire Police'?)" in unknown.output
        declared = run("user", "declare", "--agency", "NORTHSHIRE POLICE", "--json", who=sam)
        assert [POLICE] == json.loads(declared.output)["agencies"]
        refused = run("team", "appoint", case, "sam", "--as", "investigator", who=lee)
        assert 1 == refused.exit_code
        assert f"affiliated with {POLICE}, an agency involved in the case" in refused.output
        kim = ("Kim",)
        run("user", "declare", "--none", who=kim)
        assert 0 == run("team", "appoint", case, "kim", "--as", "investigator", who=lee).exit_code
        with Store.open(db) as store:
            assert [] == store.conflicts(case)
        env = {"AAIB_DB": db, "PATH": "/usr/bin:/bin", **signed_in(db, "Lee")}
        stood = subprocess.run(
            [sys.executable, "-m", "aaib_cp", "team", "stand-down", case, "kim",
             "--as", "investigator", "--reason", "workload"],
            env=env, capture_output=True, text=True,
        )  # fmt: skip
        assert 0 == stood.returncode, stood.stderr
        assert "Kim stood down as investigator" in stood.stdout
