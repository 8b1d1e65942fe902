"""Identity through the library: accounts, held roles, separation of duties, canonical names.

Each bypass from the issue is a test that fails if it comes back: a claimed role, a
self-appointment, a classifier confirming their own classification, a requester
approving their own disclosure, and names spelled around (case, spaces, zero-width and
bidi characters, no-break spaces, look-alike letters, full-width letters, accents).
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aaib_cp import InputError, RoleRefused
from aaib_cp.exceptions import CaseNotFound, RecordNotFound
from aaib_cp.recommendations.service import SafetyBook
from aaib_cp.workflow.identity import Actor
from aaib_cp.workflow.model import EventKind
from aaib_cp.workflow.names import agency_key, canonical, looks_like_same_person
from tests.people import acct, as_role
from tests.records_helpers import CHIEF, LEAD, case_in_evidence

SAM = "Sam Idowu"
#: The ten spellings of "Sam Idowu" that confirmed A2 when names were compared as text.
SPELLINGS = [
    "sam idowu",
    "SAM IDOWU",
    "Sam  Idowu",
    "Sam Idowu\u200b",
    "Sam\u00a0Idowu",
    "S\u0430m Idowu",  # Cyrillic a
    "\uff33\uff41\uff4d \uff29\uff44\uff4f\uff57\uff55",  # full-width
    "Sam Idowu\u200e",  # left-to-right mark
    "Sam Ido\u0301wu",  # combining accent
]
POLICE = "Northshire Police"
#: Spellings of "Northshire Police" that were declared around the independence check.
AGENCY_SPELLINGS = [
    "Northshire  Police",
    "Northshire Police.",
    "Northshire\u00a0Police",
    "North\u0455hire Police",  # Cyrillic dze, looks like s
    "Northshire Pol\u0456ce",  # Cyrillic i
    "NORTHSHIRE POLICE",
]

_LOOKALIKE = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "i": "\u0456", "S": "\u0405"}


@st.composite
def spelled_around(draw: st.DrawFn, name: str) -> str:
    """``name`` disguised: letters swapped for look-alikes, case changed, invisible
    characters and extra spaces inserted, full-width forms, combining accents."""
    out = []
    for ch in name:
        choice = draw(st.integers(0, 6))
        if choice == 1 and ch in _LOOKALIKE:
            ch = _LOOKALIKE[ch]
        elif choice == 2:
            ch = ch.swapcase()
        elif choice == 3 and ch.isascii() and ch.isalpha():
            ch = chr(ord(ch) + 0xFEE0)
        elif choice == 4 and ch.isalpha():
            ch += "\u0301"
        out.append(ch)
        if draw(st.integers(0, 5)) == 0:
            out.append(draw(st.sampled_from(["\u200b", "\u200e", "\u2060", "\u00ad"])))
        if ch == " " and draw(st.booleans()):
            out.append(draw(st.sampled_from([" ", "\u00a0", "\u3000"])))
    return "".join(out)


class TestCanonicalNames:
    @pytest.mark.parametrize("spelling", SPELLINGS)
    def test_every_spelling_is_the_same_name(self, spelling):
        assert canonical(SAM) == canonical(spelling)

    def test_initials_and_surname_may_be_the_same_person(self):
        assert looks_like_same_person("S. Idowu", SAM)
        assert not looks_like_same_person("Sam Park", SAM)

    @pytest.mark.parametrize("spelling", AGENCY_SPELLINGS)
    def test_every_agency_spelling_is_one_key(self, spelling):
        assert agency_key(POLICE) == agency_key(spelling)

    @given(spelled_around(SAM))
    def test_generated_lookalikes_are_the_same_name(self, spelling):
        assert canonical(SAM) == canonical(spelling)


class TestAccounts:
    def test_spelled_around_account_is_refused_naming_the_existing_one(self, engine):
        admin = acct("Admin", "administrator")
        engine.accounts.add("sam", SAM, actor=admin)
        for i, spelling in enumerate([*SPELLINGS, "S. Idowu"]):
            with pytest.raises(InputError, match="existing account sam"):
                engine.accounts.add(f"other{i}", spelling, actor=admin)
        assert engine.accounts.add("sam2", "S. Idowu", actor=admin, allow_similar=True)

    @given(spelling=spelled_around(SAM))
    def test_generated_lookalike_accounts_are_refused(self, spelling):
        from aaib_cp import Engine, Store

        with Store.memory() as store:
            engine = Engine(store)
            admin = engine.accounts.first_administrator("admin", "Admin")
            engine.accounts.add("sam", SAM, actor=admin)
            with pytest.raises(InputError, match="existing account sam"):
                engine.accounts.add("other", spelling, actor=admin)

    def test_only_administrators_manage_accounts_and_refusals_are_audited(self, engine, store):
        lee = acct("Lee")
        with pytest.raises(RoleRefused, match="needs the administrator role"):
            engine.accounts.add("zed", "Zed", actor=lee)
        with pytest.raises(RoleRefused):
            engine.accounts.grant("lee", "chief_investigator", actor=lee)
        kinds = [r["kind"] for r in store.accounts.registry_rows()]
        assert [EventKind.REFUSED, EventKind.REFUSED] == kinds[-2:]

    def test_a_disabled_account_cannot_act(self, engine, workflow):
        admin = acct("Admin", "administrator")
        ana = acct("Ana", "notifier")
        engine.accounts.set_active("ana", False, actor=admin)
        with pytest.raises(RoleRefused, match="disabled"):
            engine.open_case(
                workflow, title="A", known_on=date(2026, 2, 2), actor=ana, role="notifier"
            )

    def test_an_account_disabled_after_it_was_read_cannot_fire(self, engine, workflow):
        """The fire reads the account with the case: the Account held by the caller is old."""
        admin = acct("Admin", "administrator")
        chris = acct("Chris", "chief_investigator")
        case_id = engine.open_case(
            workflow, title="A", known_on=date(2026, 2, 25), **as_role("Ana", "notifier")
        ).id
        engine.accounts.set_active(chris.login, False, actor=admin)
        with pytest.raises(RoleRefused, match="disabled"):
            engine.fire(case_id, "start_triage", actor=chris, role="chief_investigator")
        engine.accounts.set_active(chris.login, True, actor=admin)
        engine.fire(case_id, "start_triage", actor=chris, role="chief_investigator")
        assert "triage" == engine.get(case_id).state

    def test_an_account_is_built_again_when_its_row_or_grants_change(self, engine, store):
        admin = acct("Admin", "administrator")
        chris = acct("Chris", "chief_investigator")
        first = store.accounts.get(chris.id)
        assert first is store.accounts.get(chris.id)  # the same values read: the same object
        engine.accounts.revoke(chris.login, "chief_investigator", actor=admin)
        assert not store.accounts.get(chris.id).holds("chief_investigator")
        engine.accounts.grant(chris.login, "chief_investigator", actor=admin)
        assert store.accounts.get(chris.id).holds("chief_investigator")
        engine.accounts.set_active(chris.login, False, actor=admin)
        assert not store.accounts.get(chris.id).active

    def test_a_case_and_a_missing_account_read_together(self, engine, workflow, store):
        case_id = engine.open_case(
            workflow, title="A", known_on=date(2026, 2, 25), **as_role("Ana", "notifier")
        ).id
        with pytest.raises(CaseNotFound):
            store.case_and_account("CP-1999-0001", 10_000)
        with pytest.raises(RecordNotFound, match="no account #10000"):
            store.case_and_account(case_id, 10_000)

    def test_a_name_is_not_an_actor(self, engine, workflow):
        with pytest.raises(TypeError, match="must be an Account"):
            engine.open_case(
                workflow, title="A", known_on=date(2026, 2, 2), actor="Ana", role="notifier"
            )


class TestHeldRoles:
    def test_a_claimed_organisation_role_is_refused_and_audited(self, engine, workflow, store):
        case_id = engine.open_case(
            workflow, title="A", known_on=date(2026, 2, 25), **as_role("Ana", "notifier")
        ).id
        row = store.case_row(case_id)
        with pytest.raises(RoleRefused, match="Ana does not hold the role chief_investigator"):
            engine.fire(
                case_id, "discontinue", reason="x", actor=acct("Ana"), role="chief_investigator"
            )
        assert row == store.case_row(case_id)
        assert EventKind.REFUSED == engine.history(case_id)[-1].kind

    def test_a_case_is_opened_only_in_a_granted_role(self, engine, workflow):
        with pytest.raises(RoleRefused, match="does not hold the role notifier"):
            engine.open_case(
                workflow, title="A", known_on=date(2026, 2, 2), actor=acct("Zed"), role="notifier"
            )

    def test_a_revoked_grant_counts_at_once(self, engine, workflow):
        admin = acct("Admin", "administrator")
        chris = acct("Chris", "chief_investigator")
        case_id = engine.open_case(
            workflow, title="A", known_on=date(2026, 2, 25), **as_role("Ana", "notifier")
        ).id
        engine.accounts.revoke(chris.login, "chief_investigator", actor=admin)
        with pytest.raises(RoleRefused, match="does not hold the role chief_investigator"):
            engine.fire(case_id, "start_triage", actor=chris, role="chief_investigator")


class TestSeparationOfDuties:
    def test_no_self_appointment(self, engine, workflow):
        case_id = case_in_evidence(engine, workflow)
        with pytest.raises(RoleRefused, match="separation of duties"):
            engine.appoint(case_id, acct("Lee"), "reviewer", **LEAD)
        with pytest.raises(RoleRefused, match="separation of duties"):
            engine.appoint(case_id, acct("Chris"), "reviewer", **CHIEF)
        assert EventKind.REFUSED == engine.history(case_id)[-1].kind

    def test_delegate_counts_as_both_people(self, engine, workflow):
        """An administrator acting for the lead may not appoint themselves either."""
        case_id = case_in_evidence(engine, workflow)
        admin = acct("Admin", "administrator")
        for_lee = Actor(acct("Lee"), delegate=admin)
        with pytest.raises(RoleRefused, match="separation of duties"):
            engine.appoint(case_id, admin, "reviewer", actor=for_lee, role="lead_investigator")
        member = engine.appoint(
            case_id, acct("Rita"), "reviewer", actor=for_lee, role="lead_investigator"
        )
        event = engine.history(case_id)[-1]
        assert ("reviewer", "Admin for Lee") == (member.role, event.actor)

    def test_only_an_administrator_may_act_for_someone(self, engine, workflow):
        case_id = case_in_evidence(engine, workflow)
        with pytest.raises(RoleRefused, match="only as an administrator"):
            engine.appoint(
                case_id,
                acct("Rita"),
                "reviewer",
                actor=Actor(acct("Lee"), delegate=acct("Sam")),
                role="lead_investigator",
            )

    def test_requester_cannot_approve_their_own_disclosure(self, engine, workflow):
        from tests.safety_helpers import CHAIR, case_at

        case_id = case_at(engine, workflow, "evidence")
        book = SafetyBook(engine)
        book.add_note(case_id, "Private view.", **LEAD)
        pat = acct("Pat")
        with pytest.raises(RoleRefused, match="asked for this disclosure"):
            book.disclose(
                case_id, "N1", ground="court_order", requested_by=pat, recipient="Court",
                reason="Order", **CHAIR,
            )  # fmt: skip
        done = book.disclose(
            case_id, "N1", ground="court_order", requested_by=acct("Lee"), recipient="Court",
            reason="Order", **CHAIR,
        )  # fmt: skip
        assert ("Lee", "Pat") == (done.requested_by, done.approved_by)


class TestIndependenceByRegistry:
    @pytest.mark.parametrize("spelling", AGENCY_SPELLINGS)
    def test_spelled_around_declarations_meet_the_involved_agency(self, engine, workflow, spelling):
        from aaib_cp import ConflictOfInterest
        from aaib_cp.evidence.service import Casebook

        case_id = case_in_evidence(engine, workflow)
        Casebook(engine).add_agency(case_id, POLICE, "police", **LEAD)
        admin = acct("Admin", "administrator")
        kim = engine.accounts.add("kim", "Kim", actor=admin)
        kim = engine.accounts.declare([spelling], actor=kim)
        with pytest.raises(ConflictOfInterest, match=f"affiliated with {POLICE}"):
            engine.appoint(case_id, kim, "investigator", **LEAD)

    @pytest.mark.parametrize("unknown", ["Northshire Police Service", "Northshire Constabulary"])
    def test_an_unregistered_agency_cannot_be_declared(self, engine, workflow, unknown):
        from aaib_cp.evidence.service import Casebook

        case_id = case_in_evidence(engine, workflow)
        Casebook(engine).add_agency(case_id, POLICE, "police", **LEAD)
        with pytest.raises(InputError, match="not in the agency registry"):
            engine.accounts.declare([unknown], actor=acct("Kim"))

    def test_a_lookalike_agency_is_not_registered_twice(self, engine):
        admin = acct("Admin", "administrator")
        engine.accounts.register(POLICE, actor=admin)
        with pytest.raises(InputError, match=f"looks like the registered agency '{POLICE}'"):
            engine.accounts.register("Northshire Police Service", actor=admin)
        with pytest.raises(InputError, match=f"is the registered agency '{POLICE}'"):
            engine.accounts.register("NORTHSHIRE  POLICE.", actor=admin)


class TestPeopleOnACase:
    @pytest.mark.parametrize("spelling", ["SUE SMITH", "Sue  Smith", "Sue\u00a0Sm\u0456th"])
    def test_a_person_in_another_spelling_is_refused_naming_them(self, engine, workflow, spelling):
        from aaib_cp.evidence.service import Casebook

        case_id = case_in_evidence(engine, workflow)
        book = Casebook(engine)
        first = book.add_person(case_id, "Sue Smith", "social worker", **LEAD)
        with pytest.raises(InputError, match=f"already registered as {first.pseudonym}"):
            book.add_person(case_id, spelling, "social worker", **LEAD)
        other = book.add_person(case_id, spelling, "parent", different_person=True, **LEAD)
        assert "Parent 1" == other.pseudonym
