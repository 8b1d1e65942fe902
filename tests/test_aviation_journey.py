"""A workflow is data: a whole case on the shipped aviation-accident workflow.

Driven through the library's public services with that workflow's own roles
(chief_inspector, inspector_in_charge, inspector), from notification to closed
through evidence, analysis, recommendations, consultation and reports. No service
may know a child-protection role or state for this to pass.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from aaib_cp import Engine, load_workflow
from aaib_cp.analysis.service import Analysis
from aaib_cp.evidence.service import Casebook
from aaib_cp.exceptions import RoleRefused
from aaib_cp.recommendations.service import SafetyBook
from aaib_cp.reports.build import Publisher
from tests.journeys import BLAMELESS, PEERS, answers
from tests.people import acct, as_role, signed_in

CHIEF = as_role("Cara Chief", "chief_inspector")
IIC = as_role("Ian Charge", "inspector_in_charge")
INSPECTOR = as_role("Ivy Inspector", "inspector")
OPERATOR = "Skyways Operations"


@pytest.fixture
def aviation():
    return load_workflow("aviation-accident")


def _evidence(engine: Engine, case_id: str) -> None:
    book = Casebook(engine)
    book.add_agency(case_id, OPERATOR, "other", **IIC)
    book.add_person(case_id, "Pat Pilot", "pilot", **IIC)
    item = book.add_evidence(
        case_id,
        kind="document",
        description="Flight data recorder summary",
        obtained_how="requested",
        obtained_on=engine.clock().date(),
        agency=OPERATOR,
        **INSPECTOR,
    )
    book.add_entry(
        case_id,
        when="2026-02-20",
        agency=OPERATOR,
        what="Unstable approach continued below 500 ft",
        people=["Pat Pilot"],
        evidence=item.ref,
        **INSPECTOR,
    )


def _analyse(engine: Engine, case_id: str) -> str:
    analysis = Analysis(engine)
    person = Casebook(engine).people(case_id)[0].pseudonym
    act = analysis.add_act(
        case_id,
        person=person,
        when="2026-02-20",
        description="Continued an unstable approach",
        chronology=["C1"],
        evidence=["E1"],
        **IIC,
    )
    analysis.add_factor(
        case_id, code="ORG.CASELOAD", acts=[act.ref], evidence=["E1"], note="roster", **IIC
    )
    analysis.classify(case_id, act.ref, answers(BLAMELESS), peers=PEERS, **INSPECTOR)
    analysis.add_finding(
        case_id,
        kind="contributory",
        text="The approach was continued despite the stabilisation criteria",
        acts=[act.ref],
        **IIC,
    )
    return act.ref


class TestAviationCase:
    """An aviation investigation runs end to end on the generic services."""

    def test_whole_case_from_notification_to_closed(self, engine, clock, aviation, tmp_path):
        """Every phase works with the aviation roles, and the case id carries AAIB-."""
        case = engine.open_case(
            aviation,
            title="Serious incident, unstable approach",
            known_on=clock().date(),
            **as_role("Otto Operator", "notifier"),
        )
        assert case.id.startswith("AAIB-2026-")

        engine.appoint(case.id, IIC["actor"], "inspector_in_charge", **CHIEF)
        engine.fire(
            case.id,
            "open_investigation",
            fields={"occurrence_class": "serious_incident", "depth": "field"},
            reason="Unstable approach to a busy airport",
            **CHIEF,
        )
        engine.appoint(case.id, INSPECTOR["actor"], "inspector", **IIC)
        _evidence(engine, case.id)
        engine.fire(case.id, "publish_preliminary_report", **IIC)
        _analyse(engine, case.id)
        engine.fire(case.id, "write_draft_report", **IIC)

        book = SafetyBook(engine)
        rec = book.add_recommendation(
            case.id,
            text="Review the stabilised approach criteria in the operations manual",
            to=OPERATOR,
            **IIC,
        )
        engine.fire(case.id, "send_draft_for_comment", **IIC)
        book.send_draft(case.id, [OPERATOR], **IIC)
        book.represent(case.id, OPERATOR, none=True, **IIC)
        engine.fire(case.id, "publish_final_report", **CHIEF)

        issued = book.recommendation(case.id, rec.ref)
        assert issued.issued, "recommendations are issued with the final report"

        publisher = Publisher(engine)
        restricted = publisher.write(
            case.id, tmp_path / "restricted.md", audience="restricted", **IIC
        )
        public = publisher.write(
            case.id, tmp_path / "public.html", audience="public", actor=acct("A Reader")
        )
        assert restricted.path.exists() and public.path.exists()
        assert "Pat Pilot" in restricted.path.read_text(encoding="utf-8")
        assert "Pat Pilot" not in public.path.read_text(encoding="utf-8")

        engine.fire(case.id, "track_responses", **IIC)
        clock.now += timedelta(days=30)
        book.respond(case.id, rec.ref, text="The manual is being revised", **IIC)
        book.assess(case.id, rec.ref, grade="adequate", text="Accepted", close=True, **CHIEF)
        engine.fire(case.id, "close", reason="Every response assessed", **CHIEF)

        assert "closed" == engine.get(case.id).state
        assert engine.verify(case.id) is None

    def test_a_child_protection_role_is_refused_here(self, engine, clock, aviation):
        """Services ask this workflow: a lead_investigator is no role of it."""
        case = engine.open_case(
            aviation, title="Incident", known_on=clock().date(), **as_role("O", "notifier")
        )
        with pytest.raises(Exception, match="lead_investigator"):
            Casebook(engine).add_agency(
                case.id, OPERATOR, "other", **as_role("Lee", "lead_investigator")
            )

    def test_an_unappointed_inspector_is_refused(self, engine, clock, aviation):
        """A case role must be held on the case, as in every workflow."""
        case = engine.open_case(
            aviation, title="Incident", known_on=clock().date(), **as_role("O", "notifier")
        )
        with pytest.raises(RoleRefused):
            Casebook(engine).add_agency(case.id, OPERATOR, "other", **INSPECTOR)


class TestAviationCommandLine:
    """The same from the command line, as a user types it, in a real process."""

    def test_prefix_and_roles_come_from_the_workflow(self, tmp_path):
        """AAIB- references; an appointed inspector in charge may add an agency, a stranger not."""
        import subprocess
        import sys

        db = tmp_path / "a.db"

        def aaib(*args: str, who: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "aaib_cp", "--db", str(db), *args],
                capture_output=True,
                text=True,
                cwd=tmp_path,
                env={**os.environ, "AAIB_CONFIG_DIR": str(tmp_path / "config"), **(who or {})},
            )

        assert 0 == aaib("init", "--admin", "ada").returncode
        otto = signed_in(db, "Otto Operator", "notifier")
        opened = aaib(
            "--role", "notifier", "notify", "--workflow", "aviation-accident",
            "--title", "Unstable approach", "--known-on", "2026-11-01", who=otto,
        )  # fmt: skip
        case_id = opened.stdout.strip()
        assert case_id.startswith("AAIB-"), opened.stderr
        ian = signed_in(db, "Ian Charge")
        iic = ("--role", "inspector_in_charge")

        refused = aaib(*iic, "agency", "add", case_id, OPERATOR, "--kind", "other", who=ian)
        assert 1 == refused.returncode
        assert [f"Error: {case_id}: Ian Charge is not appointed as inspector_in_charge on "
                f"{case_id}"] == refused.stderr.strip().splitlines()  # fmt: skip

        appointed = aaib(
            "team", "appoint", case_id, "ian.charge", "--as", "inspector_in_charge",
            who=signed_in(db, "Cara Chief", "chief_inspector"),
        )  # fmt: skip
        assert 0 == appointed.returncode, appointed.stderr
        added = aaib(*iic, "agency", "add", case_id, OPERATOR, "--kind", "other", who=ian)
        assert 0 == added.returncode, added.stderr
        listed = aaib("agency", "list", case_id, "--json")
        assert OPERATOR in listed.stdout
