"""Property-based testing of workflow definitions, for workflow authors.

A three-line pytest file runs random cases through your workflow on a real engine
(an in-memory database) and checks, after every step, that the case is in a declared
state, that replaying its audit trail gives the same state, that a refused trigger
changed nothing but the audit trail, that every invariant holds when a case enters
its scope, and that a terminal state can still be reached::

    from aaib_cp.testing import workflow_test

    TestMyWorkflow = workflow_test("workflows/my-workflow.yaml")

Subclass :class:`WorkflowStateMachine` to add rules or checks of your own. The
strategies (:func:`cases`, :func:`case_views`, :func:`people`, :func:`acts`,
:func:`tree_answers`, :func:`tree_walks`, :func:`workflow_runs`) generate data for
tests of your own guards and records. See ``docs/testing-workflows.md``.
"""

from aaib_cp.testing.machine import WorkflowStateMachine, default_settings, workflow_test
from aaib_cp.testing.strategies import (
    acts,
    case_views,
    cases,
    field_values,
    people,
    tree_answers,
    tree_walks,
    workflow_runs,
)

__all__ = [
    "WorkflowStateMachine",
    "acts",
    "case_views",
    "cases",
    "default_settings",
    "field_values",
    "people",
    "tree_answers",
    "tree_walks",
    "workflow_runs",
    "workflow_test",
]
