"""Workflows declare which case fields a report shows (report:, label:, set_by:)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from aaib_cp import Engine
from aaib_cp.db import Store
from aaib_cp.exceptions import DefinitionError
from aaib_cp.reports.build import build_report_data
from aaib_cp.workflow.definition import load_workflow, workflow_from_text
from tests.conftest import FixedClock
from tests.people import as_role

SMALL = """
name: small-review
version: 1
initial: referral
terminal: [closed]
roles:
  manager: Runs the review.
fields:
  depth:
    type: choice
    choices: [desktop, full_review]
    {depth}
  what_went_on:
    type: text
    {summary}
  notes:
    type: text
transitions:
  - {{trigger: close, source: referral, dest: closed, roles: [manager], sets: [depth]}}
states:
  referral: {{}}
  closed: {{}}
"""


def _small(depth: str = "report: title_page", summary: str = "report: synopsis"):
    return workflow_from_text(SMALL.format(depth=depth, summary=summary), filename="small.yaml")


class TestDeclaration:
    def test_shipped_workflows_declare_their_report_fields(self):
        """Each shipped workflow names its title-page fields and its synopsis."""
        for name in ("child-protection", "aviation-accident", "rapid-review"):
            fields = load_workflow(name).fields.values()
            assert 1 == sum(f.report == "synopsis" for f in fields), name
            assert any(f.report == "title_page" for f in fields), name

    @pytest.mark.parametrize(
        ("depth", "summary", "message"),
        [
            ("report: cover", "report: synopsis", "unknown report place 'cover'"),
            ("report: synopsis", "report: synopsis", "the synopsis must be a text field"),
            ("label: Depth", "set_by: [boss]", "unknown role 'boss'"),
        ],
    )
    def test_bad_declarations_name_the_line(self, depth, summary, message):
        """A wrong report place, a choice synopsis or an unknown role is one located error."""
        with pytest.raises(DefinitionError, match=re.escape(message)) as raised:
            _small(depth, summary)
        assert "small.yaml:" in str(raised.value)

    def test_one_synopsis_at_most(self):
        """Two synopsis fields are refused."""
        text = SMALL.format(depth="report: title_page", summary="report: synopsis")
        text = text.replace(
            "  notes:\n    type: text", "  notes:\n    type: text\n    report: synopsis"
        )
        with pytest.raises(DefinitionError, match="only one field may be the synopsis"):
            workflow_from_text(text, filename="small.yaml")

    def test_set_by_lets_a_role_record_the_field(self):
        """A role in set_by may record the field with `aaib set` though no transition sets it."""
        definition = _small(summary="report: synopsis\n    set_by: [manager]")
        assert ("manager",) == definition.roles_setting("what_went_on")
        assert () == definition.roles_setting("notes")


class TestBuild:
    def test_fields_come_from_the_workflow_not_from_names(self, tmp_path):
        """A workflow whose fields have other names gets them on the title page and as synopsis."""
        definition = _small(
            "report: title_page\n    label: Review depth",
            "report: synopsis\n    set_by: [manager]",
        )
        with Store.memory() as store:
            engine = Engine(store, clock=FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)))
            manager = as_role("M", "manager")
            case = engine.open_case(
                definition, title="T", known_on=datetime(2026, 3, 1).date(), **manager
            )
            engine.set_field(case.id, "what_went_on", "It went wrong.", **manager)
            engine.fire(case.id, "close", fields={"depth": "full_review"}, **manager)
            info = build_report_data(engine, case.id, pictures=False).case
        assert "It went wrong." == info.synopsis
        assert [("Review depth", "full review", "title_page")] == [
            (d.label, d.value, d.place) for d in info.details
        ]
