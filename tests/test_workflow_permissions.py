"""Analysis, reports and learning ask the case's workflow: its permissions and its phases."""

from __future__ import annotations

import pytest

import aaib_cp.wiring  # noqa: F401  (the shipped workflow's guards)
from aaib_cp.analysis.service import Analysis
from aaib_cp.exceptions import InputError, RoleRefused
from aaib_cp.learning.service import Learning
from aaib_cp.reports.build import Publisher, build_report_data
from aaib_cp.workflow.definition import workflow_from_text
from tests.conftest import SHIPPED
from tests.journeys import RECKLESS, analyse_and_classify, answers
from tests.people import as_role
from tests.safety_helpers import LEAD, SAM, case_at


def shipped_with(**replace: str):
    """The shipped workflow with some of its YAML lines replaced (``old=new`` pairs)."""
    text = SHIPPED.read_text(encoding="utf-8")
    for old, new in replace.values():
        assert old in text, old
        text = text.replace(old, new)
    return workflow_from_text(text)


def kinds(engine, case_id):
    return [e.kind for e in engine.history(case_id)]


class TestPermissions:
    def test_no_role_may_confirm(self, engine):
        """A workflow that grants no role 'confirm' refuses plainly, on the audit trail."""
        workflow = shipped_with(confirm=("  confirm: [reviewer]\n", "  confirm: []\n"))
        case_id = case_at(engine, workflow, "classification")
        act = analyse_and_classify(engine, case_id)
        analysis = Analysis(engine)
        analysis.classify(case_id, act, answers(RECKLESS), **LEAD)
        with pytest.raises(
            RoleRefused,
            match="workflow child-protection grants no role permission to confirm a classification",
        ):
            analysis.confirm(case_id, act, **as_role("Rita", "reviewer"))
        assert "refused" == kinds(engine, case_id)[-1]

    def test_analyse_follows_the_workflow(self, engine):
        """Only the roles granted 'analyse' record acts: here the lead alone."""
        workflow = shipped_with(
            analyse=(
                "  analyse: [lead_investigator, investigator]\n",
                "  analyse: [lead_investigator]\n",
            )
        )
        case_id = case_at(engine, workflow, "analysis")
        with pytest.raises(RoleRefused, match="may not record an act; it needs lead_investigator"):
            analyse_and_classify(engine, case_id, who=SAM)
        assert analyse_and_classify(engine, case_id, who=LEAD) == "A1"

    def test_restricted_report_needs_read_restricted(self, engine, tmp_path):
        """The restricted report goes to the roles granted 'read_restricted', and no other."""
        workflow = shipped_with(
            read=(
                "  read_restricted: [lead_investigator, investigator, reviewer, panel_chair,"
                " read_only]\n",
                "  read_restricted: [lead_investigator]\n",
            )
        )
        case_id = case_at(engine, workflow, "evidence")
        publisher = Publisher(engine)
        out = tmp_path / "restricted.md"
        with pytest.raises(RoleRefused, match="needs lead_investigator"):
            publisher.write(case_id, out, audience="restricted", **SAM)
        assert not out.exists() and "refused" == kinds(engine, case_id)[-1]
        assert publisher.write(case_id, out, audience="restricted", **LEAD).path == out

    def test_no_role_may_read_restricted(self, engine, tmp_path):
        """Granted to no role, the restricted report is refused in plain words."""
        workflow = shipped_with(
            read=(
                "  read_restricted: [lead_investigator, investigator, reviewer, panel_chair,"
                " read_only]\n",
                "  read_restricted: []\n",
            )
        )
        case_id = case_at(engine, workflow, "evidence")
        with pytest.raises(
            RoleRefused, match="grants no role permission to produce the restricted"
        ):
            Publisher(engine).write(case_id, tmp_path / "r.md", audience="restricted", **LEAD)


class TestPublishedPhase:
    def test_no_published_phase_no_public_outputs(self, engine):
        """Without a published phase, no public report exists and nothing is published."""
        workflow = shipped_with(
            published=("  published: [final_report, response_tracking, closed]\n", "")
        )
        case_id = case_at(engine, workflow, "final_report")
        with pytest.raises(InputError, match="only in the workflow's published phase"):
            Publisher(engine).render(case_id, audience="public", fmt="md")
        assert [] == Learning(engine).published()
        assert build_report_data(engine, case_id, pictures=False).draft

    def test_published_phase_is_the_workflow_s(self, engine):
        """Public outputs exist from the first state of the published phase the YAML names."""
        workflow = shipped_with(
            published=(
                "  published: [final_report, response_tracking, closed]\n",
                "  published: [response_tracking, closed]\n",
            )
        )
        case_id = case_at(engine, workflow, "final_report")
        with pytest.raises(InputError, match="exist only from response_tracking on"):
            Publisher(engine).render(case_id, audience="summary", fmt="md")

    def test_key_dates_come_from_the_phases(self, engine, workflow):
        """Evidence gathering begun, the first draft and published states, in order."""
        case_id = case_at(engine, workflow, "response_tracking")
        dates = build_report_data(engine, case_id, pictures=False).case.key_dates
        assert [
            "Incident known",
            "Investigation opened",
            "Evidence stage begun",
            "Draft report stage begun",
            "Final report stage begun",
        ] == [d.label for d in dates]
