"""The JSON API over classification (four eyes), the team (no self-appointment),
feedback sessions, and a stale expected_version: the same refusals as the screens."""

from __future__ import annotations

import pytest

from aaib_cp.analysis.service import Analysis
from aaib_cp.db import Store
from aaib_cp.evidence.service import Casebook
from aaib_cp.workflow.engine import Engine
from tests.journeys import PEERS, RECKLESS
from tests.web_support import api_client, make_site

LEAD = {"role": "lead_investigator"}
CHIEF = {"role": "chief_investigator"}


@pytest.fixture
def site(tmp_path):
    """The web tests' site in its evidence phase, with an item (E1) and an act (A1)."""
    db, case_id = make_site(tmp_path)
    with Store.open(db) as store:
        engine = Engine(store)
        lee = {"actor": store.accounts.by_login("lee.park"), **LEAD}
        engine.fire(
            case_id, "agree_scope", fields={"terms_of_reference": "Information sharing"}, **lee
        )
        Casebook(engine).add_evidence(
            case_id, kind="case_record", description="Referral log", obtained_how="Request",
            obtained_on="2026-01-05", **lee,
        )  # fmt: skip
        Casebook(engine).add_person(case_id, "Kim Doe", "child", **lee)
        Analysis(engine).add_act(
            case_id, person="Child A", when="2026-01-02", description="No referral", **lee
        )
    return db, case_id


def _kinds(db, case_id) -> list[str]:
    with Store.open(db) as store:
        return [e.kind for e in store.events(case_id)]


def _reckless(**extra):
    answers = {
        q: {"answer": a, "rationale": f"Because of {q}", "evidence": ["E1"]}
        for q, a in RECKLESS.items()
    }
    return {"answers": answers, **extra}


class TestTeam:
    def test_appoint_list_and_stand_down(self, site):
        chris, olive = api_client(site[0], "chris.ode"), api_client(site[0], "olive.stone")
        team = f"/api/cases/{site[1]}/team"
        assert 404 == olive.get(team).status_code  # no appointment: no case
        done = chris.post(team, json={"login": "olive.stone", "case_role": "read_only", **CHIEF})
        assert 201 == done.status_code, done.text
        assert ("Olive Stone", "read_only") == (done.json()["name"], done.json()["role"])
        assert "read_only" in [m["role"] for m in olive.get(team).json()]  # now she sees it
        assert "appointed" == _kinds(*site)[-1]
        left = chris.post(
            f"{team}/stand-down",
            json={"login": "olive.stone", "case_role": "read_only", "reason": "Done", **CHIEF},
        )
        assert 200 == left.status_code, left.text
        assert "Olive Stone" not in [m["name"] for m in left.json()]
        assert 404 == olive.get(team).status_code

    def test_nobody_appoints_themselves(self, site):
        team = f"/api/cases/{site[1]}/team"
        chris, lee = api_client(site[0], "chris.ode"), api_client(site[0], "lee.park")
        own = lee.post(team, json={"login": "lee.park", "case_role": "investigator", **LEAD})
        assert 403 == own.status_code
        assert "nobody appoints themselves" in own.json()["error"]
        chief = chris.post(team, json={"login": "chris.ode", "case_role": "reviewer", **CHIEF})
        assert 403 == chief.status_code
        assert ["refused", "refused"] == _kinds(*site)[-2:]

    def test_a_role_not_held_and_bad_input(self, site):
        team = f"/api/cases/{site[1]}/team"
        rita = api_client(site[0], "rita.vale")
        refused = rita.post(
            team, json={"login": "olive.stone", "case_role": "read_only", "role": "reviewer"}
        )
        assert 403 == refused.status_code and "may not appoint" in refused.json()["error"]
        chris = api_client(site[0], "chris.ode")
        for data, status, words in (
            ({"login": "olive.stone", **CHIEF}, 400, "case_role: must not be empty"),
            ({"login": "olive.stone", "case_role": "pilot", **CHIEF}, 400, "unknown role"),
            ({"login": "nobody", "case_role": "read_only", **CHIEF}, 404, "no account"),
            ({"login": ["olive.stone"], "case_role": "read_only", **CHIEF}, 400, "login:"),
        ):
            response = chris.post(team, json=data)
            assert status == response.status_code, data
            assert words in response.json()["error"]
            assert "\n" not in response.json()["error"]
        assert ["Lee Park", "Rita Vale"] == sorted(m["name"] for m in chris.get(team).json())


class TestClassification:
    def test_classify_then_the_reviewer_confirms(self, site):
        lee, rita = api_client(site[0], "lee.park"), api_client(site[0], "rita.vale")
        path = f"/api/cases/{site[1]}/acts/A1/classification"
        done = lee.post(path, json=_reckless(**LEAD))
        assert 201 == done.status_code, done.text
        made = done.json()
        assert ("awaiting_confirmation", "possible_reckless_violation") == (
            made["status"],
            made["record"]["outcome"]["id"],
        )
        assert ["E1"] == made["record"]["evidence"]
        confirmed = rita.post(f"{path}/confirm", json={"role": "reviewer"})
        assert 200 == confirmed.status_code, confirmed.text
        assert "confirmed" == confirmed.json()["status"]
        shown = rita.get(path + "?role=reviewer").json()
        assert [("confirmed", 1)] == [(c["status"], c["version"]) for c in shown]
        assert ["act_classified", "classification_confirmed", "classification_accessed"] == (
            _kinds(*site)[-3:]
        )

    def test_the_classifier_may_not_confirm_their_own(self, site):
        """Four eyes: Lee, also appointed reviewer, is refused confirming what he classified."""
        chris, lee = api_client(site[0], "chris.ode"), api_client(site[0], "lee.park")
        appointed = chris.post(
            f"/api/cases/{site[1]}/team",
            json={"login": "lee.park", "case_role": "reviewer", **CHIEF},
        )
        assert 201 == appointed.status_code, appointed.text
        path = f"/api/cases/{site[1]}/acts/A1/classification"
        assert 201 == lee.post(path, json=_reckless(**LEAD)).status_code
        refused = lee.post(f"{path}/confirm", json={"role": "reviewer"})
        assert 403 == refused.status_code
        assert "Lee Park classified act A1 and so cannot confirm" in refused.json()["error"]
        assert "refused" == _kinds(*site)[-1]
        still = lee.get(path + "?role=lead_investigator").json()
        assert ["awaiting_confirmation"] == [c["status"] for c in still]

    def test_return_with_a_reason_and_a_new_version(self, site):
        lee, rita = api_client(site[0], "lee.park"), api_client(site[0], "rita.vale")
        path = f"/api/cases/{site[1]}/acts/A1/classification"
        lee.post(path, json=_reckless(**LEAD))
        no_reason = rita.post(f"{path}/return", json={"role": "reviewer"})
        assert (400, "reason: must not be empty") == (
            no_reason.status_code,
            no_reason.json()["error"],
        )
        back = rita.post(f"{path}/return", json={"role": "reviewer", "reason": "Check E1"})
        assert (200, "returned") == (back.status_code, back.json()["status"])
        again = lee.post(path, json={**_reckless(**LEAD), "tree": "reason-culpability"})
        assert 2 == again.json()["version"]

    def test_a_role_not_held_outsiders_and_bad_answers(self, site):
        lee, rita = api_client(site[0], "lee.park"), api_client(site[0], "rita.vale")
        path = f"/api/cases/{site[1]}/acts/A1/classification"
        refused = rita.post(path, json=_reckless(role="reviewer"))
        assert 403 == refused.status_code
        assert (
            404 == api_client(site[0], "olive.stone").post(path, json=_reckless(**LEAD)).status_code
        )
        assert 404 == lee.post(path.replace("A1", "A9"), json=_reckless(**LEAD)).status_code
        blank = _reckless(**LEAD)
        blank["answers"]["actions_intended"]["rationale"] = " "
        bad = [
            ({"answers": [], **LEAD}, "answers: expected an object"),
            ({"answers": {"actions_intended": "yes"}, **LEAD}, "answers.actions_intended:"),
            (_reckless(tree="my-tree", **LEAD), "tree: expected one of"),
            (blank, "needs a rationale"),
            (_reckless(peers=PEERS, **LEAD), "peers are recorded only for the substitution"),
        ]
        maybe = _reckless(**LEAD)
        maybe["answers"]["procedures_sound"]["answer"] = "maybe"
        bad.append((maybe, "answer must be yes or no"))
        short = _reckless(**LEAD)
        del short["answers"]["procedures_sound"]
        bad.append((short, "question 'procedures_sound' is unanswered"))
        for data, words in bad:
            response = lee.post(path, json=data)
            assert 400 == response.status_code, (data, response.text)
            assert words in response.json()["error"] and "\n" not in response.json()["error"]
        assert "act_classified" not in _kinds(*site)


class TestFeedback:
    def test_record_and_list(self, site):
        lee, rita = api_client(site[0], "lee.park"), api_client(site[0], "rita.vale")
        path = f"/api/cases/{site[1]}/feedback"
        data = {"held_on": "2026-01-20", "attendees": ["Sam Idowu", "Jo Bell"], **LEAD}
        done = lee.post(path, json=data)
        assert 201 == done.status_code, done.text
        assert ["2026-01-20"] == [s["held_on"] for s in lee.get(path).json()]
        assert 403 == rita.post(path, json={**data, "role": "reviewer"}).status_code
        for bad, words in (
            ({**data, "attendees": []}, "attendee: name at least one person"),
            ({**data, "attendees": "Sam"}, "attendees: expected a list of text"),
            ({**data, "held_on": "2099-01-01"}, "date"),
        ):
            response = lee.post(path, json=bad)
            assert 400 == response.status_code and words in response.json()["error"]
        assert 404 == api_client(site[0], "olive.stone").get(path).status_code
        assert 1 == len(lee.get(path).json())


def test_a_stale_expected_version_is_a_conflict(site):
    lee = api_client(site[0], "lee.park")
    before = _kinds(*site)
    stale = lee.post(
        f"/api/cases/{site[1]}/fire",
        json={"trigger": "suspend", "reason": "Trial", "expected_version": 1, **LEAD},
    )
    assert 409 == stale.status_code, stale.text
    assert "\n" not in stale.json()["error"]
    assert before == _kinds(*site)  # nothing written
    assert "evidence" == lee.get(f"/api/cases/{site[1]}").json()["state"]["name"]


def test_a_multipart_body_where_json_is_expected_is_one_line(site):
    lee = api_client(site[0], "lee.park")
    response = lee.post(f"/api/cases/{site[1]}/acts", data={"person": "Child A", **LEAD})
    assert 400 == response.status_code
    assert "\n" not in response.json()["error"]
