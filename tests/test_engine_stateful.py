"""Hypothesis stateful test: random valid and invalid triggers by random actors and roles.

After every step: the state is declared; replaying the events gives the stored
state; a refused trigger changes nothing but the event log; the chain verifies.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, timedelta

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from aaib_cp import AaibCpError, Engine, Store, TransitionRefused, load_workflow
from tests.people import acct, as_role

WORKFLOW = load_workflow("child-protection")
ROLES = sorted(WORKFLOW.roles)
TRIGGERS = [*sorted(WORKFLOW.triggers), "no_such_trigger"]
ACTORS = ["Ana", "Chris", "Lee", "Sam", "Rita"]
FIELD_VALUES = {
    "classification": ["child_death", "serious_harm", "other", "bogus"],
    "depth": ["formal", "field", "correspondence", "record_only"],
    "terms_of_reference": ["Scope text"],
}


class EngineMachine(RuleBasedStateMachine):
    """Fires random triggers at a small set of cases and checks the invariants."""

    @initialize()
    def setup(self):
        self.now = datetime(2026, 1, 5, 9, tzinfo=UTC)
        self.store = Store.memory()
        self.engine = Engine(self.store, clock=lambda: self.now)
        self.cases = [
            self.engine.open_case(
                WORKFLOW,
                title=f"Child {c}",
                known_on=date(2026, 1, 2),
                **as_role("Ana", "notifier"),
            ).id
            for c in "AB"
        ]
        acct("Chris", "chief_investigator")  # the others hold no organisation role

    def teardown(self):
        self.store.close()

    @rule(
        case_index=st.integers(0, 1),
        trigger=st.sampled_from(TRIGGERS),
        actor=st.sampled_from(ACTORS),
        role=st.sampled_from(ROLES),
        reason=st.one_of(st.none(), st.text(min_size=1, max_size=20)),
        fields=st.dictionaries(
            st.sampled_from(sorted(FIELD_VALUES)),
            st.sampled_from([v for values in FIELD_VALUES.values() for v in values]),
            max_size=3,
        ),
    )
    def fire(self, case_index, trigger, actor, role, reason, fields):
        self.now += timedelta(hours=7)
        case_id = self.cases[case_index]
        before_row = self.store.case_row(case_id)
        before_events = len(self.store.events(case_id))
        other = self.cases[1 - case_index]
        other_row = self.store.case_row(other)
        try:
            self.engine.fire(
                case_id, trigger, actor=acct(actor), role=role, reason=reason, fields=fields
            )
        except TransitionRefused:
            assert before_row == self.store.case_row(case_id)
            assert before_events + 1 == len(self.store.events(case_id))
        except AaibCpError:
            # invalid input (e.g. a bad field value): nothing at all is written
            assert before_row == self.store.case_row(case_id)
            assert before_events == len(self.store.events(case_id))
        else:
            assert before_events + 1 == len(self.store.events(case_id))
            assert before_row["version"] + 1 == self.store.case_row(case_id)["version"]
        assert other_row == self.store.case_row(other)

    @rule(
        case_index=st.integers(0, 1),
        role=st.sampled_from(["lead_investigator", "investigator", "reviewer"]),
    )
    def appoint(self, case_index, role):
        with contextlib.suppress(AaibCpError):
            self.engine.appoint(
                self.cases[case_index], acct("Lee"), role, **as_role("Chris", "chief_investigator")
            )

    @invariant()
    def states_declared_and_replayable(self):
        for case_id in getattr(self, "cases", []):
            case = self.engine.get(case_id)
            assert case.state in WORKFLOW.states
            assert (case.state, case.previous_state) == self.engine.replay(case_id)
            assert self.engine.verify(case_id) is None


TestEngineMachine = EngineMachine.TestCase
