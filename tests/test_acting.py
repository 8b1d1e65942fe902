"""Acting as one account: the actor is bound once and the role is the one the action needs."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aaib_cp import Acting, InputError, RoleRefused
from aaib_cp.evidence.service import Casebook
from aaib_cp.workflow.acting import BoundService, choose_role, held_roles
from aaib_cp.workflow.identity import Actor
from tests.people import acct

KNOWN = date(2026, 3, 2)


@pytest.fixture
def opened(engine, workflow):
    """A case in scoping with Lee appointed lead investigator."""
    with engine.acting_as(acct("Ana", "notifier")) as act:
        case = act.open_case(workflow, title="Child A", known_on=KNOWN)
    with engine.acting_as(acct("Chris", "chief_investigator")) as act:
        act.fire(case.id, "start_triage")
        act.fire(
            case.id,
            "decide_investigate",
            fields={"classification": "serious_harm", "depth": "field"},
            reason="Wider lessons likely",
        )
        act.appoint(case.id, acct("Lee"), "lead_investigator")
    return case.id


def test_fire_uses_the_one_role_held_and_records_it(engine, opened):
    """The actor and the chosen role are on the audit trail, as if given on each call."""
    with engine.acting_as(acct("Lee")) as act:
        event = act.fire(opened, "agree_scope", fields={"terms_of_reference": "Jan-Mar"})
    assert (event.actor, event.role, event.to_state) == ("Lee", "lead_investigator", "evidence")
    [opened_event, *_] = engine.history(opened)
    assert (opened_event.actor, opened_event.role) == ("Ana", "notifier")


def test_services_get_the_actor_and_role(engine, opened):
    """``act.evidence`` is a Casebook whose writes need no actor= or role=."""
    with engine.acting_as(acct("Lee")) as act:
        act.fire(opened, "agree_scope", fields={"terms_of_reference": "Jan-Mar"})
        agency = act.evidence.add_agency(opened, "Northshire Police", "police")
        assert isinstance(act.evidence._service, Casebook)
        assert [a.name for a in act.evidence.agencies(opened)] == [agency.name]
    last = engine.history(opened)[-1]
    assert (last.actor, last.role, last.kind) == ("Lee", "lead_investigator", "agency_added")


def test_a_role_given_to_the_call_wins(engine, opened):
    """``role=`` on the call overrides the act's choice (and is checked as usual)."""
    with engine.acting_as(acct("Lee")) as act, pytest.raises(RoleRefused):
        act.fire(opened, "agree_scope", role="notifier", fields={"terms_of_reference": "x"})
    assert engine.get(opened).state == "scoping"


def test_two_usable_roles_must_be_named(engine, workflow, opened):
    """An account holding two roles that may act is asked which; the act's role= settles it."""
    both = acct("Bo", "notifier", "chief_investigator")
    with pytest.raises(InputError, match="one of the roles you hold: chief_investigator, notifier"):
        engine.acting_as(both).open_case(workflow, title="Child B", known_on=KNOWN)
    case = Acting(engine, both, role="notifier").open_case(workflow, title="B", known_on=KNOWN)
    assert engine.history(case.id)[0].role == "notifier"


def test_only_roles_the_action_needs_are_candidates(engine, opened):
    """Chris holds chief_investigator only, which the workflow does not let register evidence."""
    with engine.acting_as(acct("Lee")) as act:
        act.fire(opened, "agree_scope", fields={"terms_of_reference": "Jan-Mar"})
    version = engine.get(opened).version
    with engine.acting_as(acct("Chris")) as act, pytest.raises(RoleRefused) as refused:
        act.evidence.add_agency(opened, "Northshire Police", "police")
    assert str(refused.value) == (
        "Chris may not add agency: it needs lead_investigator or investigator;"
        " roles held: chief_investigator"
    )
    assert engine.get(opened).version == version


def test_case_roles_count_only_on_their_case(engine, workflow, opened):
    """Lee is lead on one case; on another case Lee holds nothing."""
    other = engine.acting_as(acct("Ana")).open_case(workflow, title="Other", known_on=KNOWN)
    lee = acct("Lee")
    assert held_roles(engine.store, lee, engine.team(opened)) == ["lead_investigator"]
    assert held_roles(engine.store, lee, engine.team(other.id)) == []
    assert held_roles(engine.store, lee) == ["lead_investigator"]
    with pytest.raises(RoleRefused, match="holds no role"):
        engine.acting_as(lee).fire(other.id, "start_triage")


def test_an_unknown_service_lists_those_there_are(engine):
    """A misspelt service names the real ones."""
    with pytest.raises(AttributeError, match="analysis, evidence, learning, reports, safety"):
        _ = engine.acting_as(acct("Ana")).evidnce


class _Service:
    """A service with one optional-role method and one that needs a role."""

    label = "plain attribute"

    def optional(self, case_id, *, actor, role=None):
        return actor, role

    def required(self, case_id, *, actor, role):
        return actor, role


def test_optional_roles_stay_optional(engine, opened):
    """Where a service's role may be None (a public report), no usable role passes None."""
    ana = acct("Ana")
    bound = BoundService(Acting(engine, ana), _Service())
    assert bound.label == "plain attribute"
    assert bound.optional(opened) == (Actor(ana), "notifier")
    two = acct("Bo", "notifier", "chief_investigator")
    assert BoundService(Acting(engine, two), _Service()).optional(opened) == (Actor(two), None)
    with pytest.raises(InputError, match="say in which role"):
        BoundService(Acting(engine, two), _Service()).required(opened)


@settings(max_examples=60, deadline=None)
@given(
    held=st.lists(st.sampled_from("abcdef"), unique=True, max_size=5),
    needed=st.one_of(st.none(), st.lists(st.sampled_from("abcdef"), unique=True)),
)
def test_choose_role_picks_the_one_usable_role_or_refuses(held, needed):
    """Exactly one usable role is chosen; none refuses; several ask, listing them."""
    account = type("A", (), {"login": "x", "name": "X"})()
    usable = [r for r in held if needed is None or r in needed]
    if len(usable) == 1:
        assert choose_role(account, held, needed) == usable[0]
    elif not usable:
        with pytest.raises(RoleRefused):
            choose_role(account, held, needed)
    else:
        with pytest.raises(InputError, match=", ".join(usable)):
            choose_role(account, held, needed)
