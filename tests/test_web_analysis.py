"""The analysis page: acts and factors through the same service as `aaib act|factor add`."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from starlette.testclient import TestClient

from aaib_cp.db import Store
from aaib_cp.evidence.service import Casebook
from aaib_cp.workflow.engine import Engine
from tests.web_support import app_for, csrf_of, make_site, post_form, sign_in


@pytest.fixture
def lee(tmp_path):
    db, case_id = make_site(tmp_path)
    with Store.open(db) as store:
        lead = {"actor": store.accounts.by_login("lee.park"), "role": "lead_investigator"}
        book = Casebook(Engine(store))
        book.add_person(case_id, "Sam Brook", "social worker", agency="Northshire Police", **lead)
        book.add_evidence(
            case_id,
            kind="case_record",
            description="Social care record",
            obtained_how="requested",
            obtained_on="2026-01-20",
            **lead,
        )
    client = TestClient(app_for(db))
    sign_in(client, "lee.park")
    return client, case_id


def _post(client, case_id, what, **data):
    return post_form(
        client, f"/cases/{case_id}/analysis", f"/cases/{case_id}/analysis/{what}", **data
    )


def test_record_an_act_then_a_factor_from_the_taxonomy(lee):
    client, case_id = lee
    page = client.get(f"/cases/{case_id}/analysis").text
    assert "<optgroup" in page and "Social Worker 1" in page
    _, flashes = _post(
        client,
        case_id,
        "acts",
        role="lead_investigator",
        kind="omission",
        person="Social Worker 1",
        when="2026-01-02",
        description="Did not see the child alone",
        chronology="C1",
    )
    assert ["recorded A1"] == flashes
    code = re.search(r'<option value="([A-Z0-9.-]+)">', page).group(1)
    response, flashes = _post(
        client,
        case_id,
        "factors",
        role="lead_investigator",
        code=code,
        acts="A1",
        evidence="",
        note="Caseload of 30",
    )
    assert len(flashes) == 1
    assert "evidence" in flashes[0]  # a factor needs its evidence: the service's words
    assert "No factors recorded yet." in response.text
    response, flashes = _post(
        client,
        case_id,
        "factors",
        role="lead_investigator",
        code=code,
        acts="A1",
        evidence="E1",
        note="Caseload of 30",
    )
    assert ["recorded CF1"] == flashes
    assert "Caseload of 30" in response.text


def test_an_unknown_person_is_refused_in_one_line(lee):
    client, case_id = lee
    _, flashes = _post(
        client,
        case_id,
        "acts",
        role="lead_investigator",
        person="Nobody 9",
        when="2026-01-02",
        description="x",
    )
    assert 1 == len(flashes) and "Nobody 9" in flashes[0]


def _step(client, url, page, **data):
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    response = client.post(url, data={**{k: unescape(v) for k, v in form.items()}, **data})
    return response.text


def _classify(client, case_id, answers):
    """Walk the wizard answering ``answers`` in order; the page after saving."""
    url = f"/cases/{case_id}/classify/A1"
    page = client.get(url + "?tree=reason-culpability").text
    for answer in answers:
        assert 'name="question"' in page
        page = _step(client, url, page, answer=answer, rationale=f"because {answer}")
    assert "Outcome:" in page
    return _step(client, url, page)


@pytest.fixture
def act(lee):
    client, case_id = lee
    _post(
        client,
        case_id,
        "acts",
        role="lead_investigator",
        person="Social Worker 1",
        when="2026-01-02",
        description="Did not see the child alone",
    )
    return client, case_id


def test_the_wizard_asks_one_question_at_a_time_and_the_reviewer_confirms(act, tmp_path):
    client, case_id = act
    page = client.get(f"/cases/{case_id}/classify/A1?tree=reason-culpability").text
    assert "Question 1: Were the actions as intended?" in unescape(page)
    assert page.count('name="answer"') == 2  # one question, yes or no
    done = _classify(client, case_id, ["yes", "yes"])
    assert "classified A1 as" in unescape(done)
    assert "awaiting confirmation" in done
    rita = TestClient(client.app)
    sign_in(rita, "rita.vale")
    analysis = rita.get(f"/cases/{case_id}/analysis").text
    assert "Confirm A1" in analysis
    confirmed = rita.post(
        f"/cases/{case_id}/review/A1",
        data={"csrf": csrf_of(analysis), "role": "reviewer", "decision": "confirm"},
    ).text
    assert "confirmed the classification of A1" in confirmed


def test_the_classifier_cannot_confirm_their_own(act):
    client, case_id = act
    _classify(client, case_id, ["yes", "yes"])
    page = client.get(f"/cases/{case_id}/analysis").text
    response = client.post(
        f"/cases/{case_id}/review/A1",
        data={"csrf": csrf_of(page), "role": "reviewer", "decision": "confirm"},
    )
    assert "Lee Park is not appointed as reviewer" in unescape(response.text)


def test_only_shipped_trees_may_be_named(act):
    client, case_id = act
    response = client.get(f"/cases/{case_id}/classify/A1?tree=../../../etc/passwd")
    assert 400 == response.status_code
    assert "tree: expected one of nhs-just-culture, reason-culpability" in unescape(response.text)


def test_edited_answers_are_refused_when_saved(act):
    """Answers carried in the form are checked again by the service: off-path is refused."""
    client, case_id = act
    page = client.get(f"/cases/{case_id}/analysis").text
    forged = {
        "actions_intended": {"answer": True, "rationale": "x"},
        "consequences_intended": {"answer": True, "rationale": "x"},
        "unsafe_acts_history": {"answer": False, "rationale": "x"},
    }
    response = client.post(
        f"/cases/{case_id}/classify/A1",
        data={
            "csrf": csrf_of(page),
            "tree": "reason-culpability",
            "role": "lead_investigator",
            "answers": json.dumps(forged),
            "save": "yes",
        },
    )
    assert "unsafe_acts_history" in unescape(response.text)
    assert "classified A1" not in response.text
