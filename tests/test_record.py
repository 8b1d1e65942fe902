"""The kernel's records without attrs (:mod:`aaib_cp.workflow.record`) keep what
``attrs.frozen`` gave them: equality and hash by field, a repr naming every field,
immutability, slots, a re-checked :meth:`~aaib_cp.workflow.record.Record.evolve`."""

from __future__ import annotations

import copy
import pickle
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aaib_cp.exceptions import InputError
from aaib_cp.workflow.calendar import DeadlineRule, WorkingCalendar
from aaib_cp.workflow.decisions import Blocker
from aaib_cp.workflow.definition import load_workflow
from aaib_cp.workflow.guards import GuardRef, SimpleCaseView
from aaib_cp.workflow.identity import Account, Actor
from aaib_cp.workflow.model import Case, TeamMember
from aaib_cp.workflow.record import FrozenError, Record
from aaib_cp.workflow.spec import RoleDef

names = st.text(min_size=1, max_size=12)
params = st.none() | st.integers() | names | st.tuples(names, names)
rules = st.builds(
    DeadlineRule,
    amount=st.integers(1, 400),
    unit=st.sampled_from(["working_days", "days", "months"]),
    anchor=names,
    label=st.none() | names,
)


def _case(**changes: object) -> Case:
    values: dict[str, object] = {
        "id": "CP-2026-0001",
        "title": "Child A",
        "workflow_name": "child-protection",
        "workflow_version": "1",
        "workflow_hash": "ab" * 32,
        "state": "notification",
        "previous_state": None,
        "version": 1,
        "opened_at": datetime(2026, 1, 5, 9, 30),
        "opened_by": "Ana",
        "known_on": date(2026, 1, 5),
    }
    values.update(changes)
    return Case(**values)  # type: ignore[arg-type]


@given(names, params, names, params)
def test_equality_and_hash_follow_the_fields(name, param, other_name, other_param):
    ref, same = GuardRef(name, param), GuardRef(name=name, param=param)
    assert ref == same
    assert (ref != same) is False  # __ne__ too
    assert hash(ref) == hash(same)
    other = GuardRef(other_name, other_param)
    assert (ref == other) == ((name, param) == (other_name, other_param))
    assert len({ref, same}) == 1


@given(rules)
def test_evolve_without_changes_is_an_equal_copy(rule):
    again = rule.evolve()
    assert again == rule and again is not rule and hash(again) == hash(rule)
    assert pickle.loads(pickle.dumps(rule)) == rule
    assert copy.deepcopy(rule) == rule


def test_another_class_with_the_same_fields_is_not_equal():
    blocker = Blocker("guard", "x", "m")
    assert blocker != ("guard", "x", "m")
    assert Blocker("guard", "x", "m") != GuardRef("guard", "x")
    assert Blocker("guard", "x", "m") != Blocker("guard", "x", "other")


def test_a_record_holding_a_mapping_is_unhashable_but_comparable():
    assert _case() == _case(fields={})
    assert _case(fields={"depth": "field"}) != _case()
    with pytest.raises(TypeError):
        hash(_case())


def test_records_are_frozen_and_slotted():
    ref = GuardRef("role_appointed", "lead_investigator")
    with pytest.raises(FrozenError):
        ref.name = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del ref.param
    with pytest.raises(AttributeError):
        ref.extra = 1  # type: ignore[attr-defined]
    assert not hasattr(ref, "__dict__")
    assert ref.name == "role_appointed"


def test_defaults_and_factories_are_those_attrs_had():
    assert GuardRef("x").param is None
    assert WorkingCalendar().nation == "england"
    first, second = _case(), _case()
    assert first.fields == {} and first.fields is not second.fields  # a new dict each time
    assert RoleDef("chief").scope == "organisation"
    assert SimpleCaseView(_case()).members == ()


def test_repr_names_every_field_but_hidden_ones():
    assert repr(GuardRef("x", 2)) == "GuardRef(name='x', param=2)"
    definition = load_workflow("rapid-review")
    assert "_index" not in repr(definition)
    assert repr(definition).startswith("WorkflowDefinition(name='rapid-review', version=")


def test_evolve_runs_the_checks_again():
    rule = DeadlineRule(5, "working_days", "known_on")
    assert rule.evolve(amount=3) == DeadlineRule(3, "working_days", "known_on")
    with pytest.raises(InputError, match="amount must be a positive whole number"):
        rule.evolve(amount=0)
    with pytest.raises(InputError, match="unknown nation"):
        WorkingCalendar().evolve(nation="mars")
    with pytest.raises(TypeError):
        rule.evolve(colour="red")


def test_evolve_rebuilds_what_init_derives():
    definition = load_workflow("rapid-review")
    state = definition.initial
    trigger = definition.triggers_from(state)[0].trigger
    fewer = definition.evolve(transitions=())
    assert fewer.transition(state, trigger) is None
    assert definition.transition(state, trigger) is not None
    assert fewer != definition
    assert definition.evolve() == definition  # the index takes no part in equality


def test_nested_records_compare_by_value():
    account = Account(1, "ana", "Ana", roles=frozenset({"chief_investigator"}))
    assert Actor(account) == Actor(Account(1, "ana", "Ana", frozenset({"chief_investigator"})))
    assert Actor(account) != Actor(account, delegate=account)
    assert str(Actor(account)) == "Ana"  # its own __str__ is kept
    member = TeamMember("CP-1", "Ana", "lead_investigator", datetime(2026, 1, 5), "Bo")
    assert member.evolve(account_id=3).account_id == 3 and member.account_id is None


def test_a_subclass_lists_its_annotated_fields_as_slots():
    class Point(Record):
        x: int
        y: int

        def __init__(self, x: int, y: int = 0) -> None:
            self._set_fields(x, y)

    assert Point.__slots__ == ("x", "y")
    assert Point._fields == ("x", "y")
    assert Point(1) == Point(1, 0) and repr(Point(1)) == "Point(x=1, y=0)"
