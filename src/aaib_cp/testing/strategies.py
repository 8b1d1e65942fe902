"""Hypothesis strategies for workflow authors: cases, case views, people, acts, tree walks, runs.

Each generates data for tests of your own guards and records; :func:`workflow_runs`
follows the moves ``aaib workflow check`` finds. Import them from :mod:`aaib_cp.testing`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from aaib_cp.analysis import DecisionTree, Walk, load_tree
from aaib_cp.workflow.check import Exploration, Step, explore, fact_samples
from aaib_cp.workflow.definition import FieldDef, WorkflowDefinition, load_workflow
from aaib_cp.workflow.guards import GuardRegistry, SimpleCaseView, default_registry
from aaib_cp.workflow.model import Case, TeamMember

__all__ = [
    "EPOCH",
    "acts",
    "as_definition",
    "case_views",
    "cases",
    "explored",
    "field_values",
    "people",
    "tree_answers",
    "tree_walks",
    "workflow_runs",
]

_FIRST = ("Ana", "Chris", "Lee", "Sam", "Rita", "Jo", "Priya", "Tomasz", "Ade", "Mei")
_LAST = ("Ruiz", "Ode", "Park", "Idowu", "Haas", "Novak", "Shah", "Evans", "Byrne", "Lin")
_AGENCIES = ("children's social care", "police", "health visiting", "school", "GP", "housing")
_ACT_VERBS = (
    "did not share the referral",
    "closed the case after one visit",
    "did not escalate the concern",
    "recorded the injury as accidental",
    "missed the strategy meeting",
)
#: When every generated case opens.
EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def as_definition(workflow: str | Path | WorkflowDefinition) -> WorkflowDefinition:
    if isinstance(workflow, WorkflowDefinition):
        return workflow
    return load_workflow(workflow)


def people() -> st.SearchStrategy[str]:
    """Fictional people's names ("Ana Ruiz"): never a real person's."""
    return st.builds(lambda f, s: f"{f} {s}", st.sampled_from(_FIRST), st.sampled_from(_LAST))


def field_values(field: FieldDef) -> st.SearchStrategy[Any]:
    """Values a case field of this type accepts, as the engine stores them."""
    if field.type == "choice":
        return st.sampled_from(field.choices)
    if field.type == "int":
        return st.integers(0, 1000)
    if field.type == "date":
        return st.dates(date(2020, 1, 1), date(2030, 12, 31)).map(date.isoformat)
    return st.text(min_size=1, max_size=40).filter(str.strip)


def cases(workflow: str | Path | WorkflowDefinition) -> st.SearchStrategy[Case]:
    """Case records of ``workflow``, in any of its states, with any of its fields recorded."""
    definition = as_definition(workflow)
    fields = {name: st.none() | field_values(spec) for name, spec in definition.fields.items()}
    return st.builds(
        lambda n, title, state, previous, values, known_on: Case(
            id=f"CP-2026-{n:04d}",
            title=title,
            workflow_name=definition.name,
            workflow_version=definition.version,
            workflow_hash=definition.content_hash,
            state=state,
            previous_state=previous,
            version=1,
            opened_at=EPOCH,
            opened_by="Ana Ruiz",
            known_on=known_on,
            fields={k: v for k, v in values.items() if v is not None},
        ),
        st.integers(1, 9999),
        st.sampled_from("ABCDEFGH").map(lambda c: f"Child {c}"),
        st.sampled_from(list(definition.states)),
        st.none() | st.sampled_from(list(definition.states)),
        st.fixed_dictionaries(fields),
        st.dates(date(2020, 1, 1), EPOCH.date()),
    )


def case_views(
    workflow: str | Path | WorkflowDefinition, *, guards: GuardRegistry | None = None
) -> st.SearchStrategy[SimpleCaseView]:
    """In-memory views of cases (case, team, facts) for testing guards and predicates.

    Facts are those the workflow's guards and invariants declare, with their samples.
    """
    definition = as_definition(workflow)
    samples = fact_samples(definition, guards or default_registry())
    case_roles = [r.name for r in definition.roles.values() if r.is_case_role]

    def build(case: Case, team: list[tuple[str, str]], facts: dict[str, Any]) -> SimpleCaseView:
        members = [TeamMember(case.id, name, role, EPOCH, "Chris Ode") for name, role in team]
        return SimpleCaseView(case, members, facts)

    team = (
        st.lists(st.tuples(people(), st.sampled_from(case_roles)), max_size=5, unique=True)
        if case_roles
        else st.just([])
    )
    facts = st.fixed_dictionaries({k: st.sampled_from(v) for k, v in samples.items()})
    return st.builds(build, cases(definition), team, facts)


def acts() -> st.SearchStrategy[dict[str, Any]]:
    """Acts or omissions of concern, as keyword data: description, agency, role, on (a date)."""
    return st.fixed_dictionaries(
        {
            "description": st.sampled_from(_ACT_VERBS),
            "agency": st.sampled_from(_AGENCIES),
            "role": st.sampled_from(("social worker", "team manager", "health visitor", "officer")),
            "on": st.dates(date(2024, 1, 1), date(2025, 12, 31)),
        }
    )


def _as_tree(tree: str | Path | DecisionTree) -> DecisionTree:
    return tree if isinstance(tree, DecisionTree) else load_tree(tree)


def tree_answers(tree: str | Path | DecisionTree) -> st.SearchStrategy[dict[str, bool]]:
    """Answers to a just-culture decision tree that lead from its start to an outcome.

    ``tree`` is a :class:`~aaib_cp.analysis.DecisionTree`, a shipped tree's name
    (``reason-culpability``) or a path.
    """
    loaded = _as_tree(tree)
    return st.sampled_from(loaded.paths()).map(lambda walk: dict(walk.path))


def tree_walks(tree: str | Path | DecisionTree) -> st.SearchStrategy[Walk]:
    """Complete walks of a decision tree, with a note wherever a question needs one."""
    loaded = _as_tree(tree)

    def walk(answers: dict[str, bool], note: str) -> Walk:
        needs = [q for q in answers if loaded.question(q).needs_note]
        return loaded.walk(answers, notes={q: note for q in needs}, strict=True)

    notes = st.sampled_from(
        ("Two social workers in the same team, similar caseload.", "Peers: duty managers")
    )
    return st.builds(walk, tree_answers(loaded), notes)


def workflow_runs(
    workflow: str | Path | WorkflowDefinition,
    *,
    guards: GuardRegistry | None = None,
    max_steps: int = 30,
) -> st.SearchStrategy[list[Step]]:
    """Sequences of triggers that fire one after the other from the initial state.

    Each :class:`~aaib_cp.workflow.check.Step` has the trigger, the role, the states it
    moves between and the case data it fired under (team, fields, facts, the values
    given). The runs follow the moves ``aaib workflow check`` found.
    """
    exploration = explored(as_definition(workflow), guards)
    start = next(iter(exploration.nodes))

    @st.composite
    def runs(draw: st.DrawFn) -> list[Step]:
        node, steps = start, []
        for _ in range(draw(st.integers(0, max_steps))):
            outs = exploration.edges.get(node, ())
            if not outs:
                break
            step, node = draw(st.sampled_from(outs))
            steps.append(step)
        return steps

    return runs()


_EXPLORED: dict[tuple[str, int], Exploration] = {}


def explored(definition: WorkflowDefinition, guards: GuardRegistry | None) -> Exploration:
    """What ``aaib workflow check`` finds for ``definition`` (explored once per guards)."""
    key = (definition.content_hash, id(guards))
    if key not in _EXPLORED:
        _EXPLORED[key] = explore(definition, guards=guards)
    return _EXPLORED[key]
