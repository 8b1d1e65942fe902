"""aaib_cp.testing: the strategies and the stateful test workflow authors use."""

from __future__ import annotations

import unittest

from hypothesis import HealthCheck, Phase, given, settings

from aaib_cp import load_workflow
from aaib_cp.analysis import load_tree
from aaib_cp.testing import (
    acts,
    case_views,
    cases,
    people,
    tree_answers,
    tree_walks,
    workflow_runs,
    workflow_test,
)
from aaib_cp.workflow.guards import default_registry
from tests.conftest import REPO, SHIPPED
from tests.test_workflow_check import without_reviewer_guard

WORKFLOW = load_workflow("child-protection")
TREE = load_tree("reason-culpability")


class TestStrategies:
    @given(cases(WORKFLOW))
    def test_cases_fit_the_workflow(self, case):
        """A generated case is in a declared state with valid field values."""
        assert case.state in WORKFLOW.states
        for name, value in case.fields.items():
            spec = WORKFLOW.fields[name]
            assert spec.type != "choice" or value in spec.choices

    @given(case_views(WORKFLOW))
    def test_case_views_answer_every_guard(self, view):
        """Every guard of the workflow can be evaluated on a generated view."""
        for t in WORKFLOW.transitions:
            for ref in t.guards:
                result = default_registry().evaluate(ref, view)
                assert result is None or isinstance(result, str)

    @given(people(), acts())
    def test_people_and_acts(self, name, act):
        """People have a first and last name; acts have a description, agency, role and date."""
        assert 2 == len(name.split())
        assert {"description", "agency", "role", "on"} == set(act)

    @given(tree_answers(TREE))
    def test_tree_answers_reach_an_outcome(self, answers):
        """The answers walk the tree from its start to an outcome, using every answer."""
        walk = TREE.walk(answers)
        assert () == walk.unused
        assert TREE.is_outcome(walk.outcome.id)

    @given(tree_walks("nhs-just-culture"))
    def test_tree_walks_have_their_notes(self, walk):
        """A generated walk has a note wherever a question needs one."""
        assert () == walk.missing_notes

    @given(workflow_runs(WORKFLOW))
    def test_runs_follow_the_workflow(self, steps):
        """Each step of a run starts where the one before ended, from the initial state."""
        state = WORKFLOW.initial
        for step in steps:
            assert state == step.source
            assert WORKFLOW.transition(step.source, step.trigger) is not None
            state = step.dest


def _run(test_case: type) -> unittest.TestResult:
    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(test_case).run(result)
    return result


class TestWorkflowTest:
    def test_shipped_workflow_passes(self):
        """The stateful test passes on the shipped workflow."""
        result = _run(workflow_test(SHIPPED, settings=settings(max_examples=10, database=None)))
        assert ([], []) == (result.failures, result.errors)

    def test_broken_copy_fails_with_the_invariant(self, tmp_path):
        """Without the reviewer guard, random cases reach recommendations unreviewed."""
        text = SHIPPED.read_text(encoding="utf-8")
        path = tmp_path / "broken.yaml"
        path.write_text(without_reviewer_guard(text))
        strict = settings(
            max_examples=200,
            database=None,
            derandomize=True,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=[HealthCheck.too_slow],
        )
        result = _run(workflow_test(path, settings=strict))
        assert 1 == len(result.failures)
        assert "invariant 'reviewed' broken in recommendations" in result.failures[0][1]

    def test_relative_path_found_from_the_calling_file(self, monkeypatch, tmp_path):
        """A path relative to the repository works from any working directory."""
        monkeypatch.chdir(tmp_path)
        test_case = workflow_test("workflows/rapid-review.yaml")
        assert "rapid-review" == test_case.workflow_machine.definition().name


def test_docs_show_the_example_file():
    """docs/testing-workflows.md shows tests/test_workflows_example.py exactly."""
    example = (REPO / "tests" / "test_workflows_example.py").read_text(encoding="utf-8")
    assert f"```python\n{example}```" in (REPO / "docs" / "testing-workflows.md").read_text()


def test_docs_python_blocks_run():
    """Every ```python block in docs/testing-workflows.md runs without error."""
    from tests.test_docs_library import python_blocks

    page = REPO / "docs" / "testing-workflows.md"
    blocks = python_blocks(page.read_text(encoding="utf-8"))
    assert 4 == len(blocks)
    for line, code in blocks:
        namespace = {"__name__": "__docs_testing__"}
        exec(compile("\n" * (line - 1) + code, str(page), "exec"), namespace)
