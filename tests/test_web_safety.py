"""The recommendations page: add, issue, respond and assess as `aaib recommendation` does."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from aaib_cp.db import Store
from aaib_cp.workflow.engine import Engine
from tests.web_support import app_for, csrf_of, make_site, post_form, sign_in


@pytest.fixture
def site(tmp_path):
    db, case_id = make_site(tmp_path)
    with Store.open(db) as store:
        Engine(store).fire(
            case_id,
            "agree_scope",
            actor=store.accounts.by_login("lee.park"),
            role="lead_investigator",
            fields={"terms_of_reference": "Information sharing"},
        )
    return db, case_id


def _do(client, case_id, **data):
    response, found = post_form(client, f"/cases/{case_id}/recommendations", **data)
    return response.text, found


def test_add_issue_respond_assess(site):
    db, case_id = site
    lee = TestClient(app_for(db))
    sign_in(lee, "lee.park")
    lead = {"role": "lead_investigator"}
    _, flashes = _do(
        lee,
        case_id,
        do="add",
        text="Northshire Police share referrals daily",
        to_agency="Northshire Police",
        priority="normal",
        **lead,
    )
    assert [f"recorded {case_id}-SR01"] == flashes
    ref = f"{case_id}-SR01"
    _, flashes = _do(lee, case_id, do="issue", ref=ref, **lead)
    assert [
        f"{case_id} is in 'evidence': only urgent recommendations are issued before the final"
        " report (the others are issued with it)"
    ] == flashes
    _, flashes = _do(
        lee,
        case_id,
        do="add",
        text="Share referrals at once",
        to="Northshire CCG",
        priority="urgent",
        **lead,
    )
    urgent = flashes[0].removeprefix("recorded ")
    assert [f"issued {urgent}"] == _do(lee, case_id, do="issue", ref=urgent, **lead)[1]
    page, flashes = _do(lee, case_id, do="respond", ref=urgent, text="We will", **lead)
    assert [f"recorded the response to {urgent}"] == flashes
    assert "We will" in page
    rita = TestClient(lee.app)
    sign_in(rita, "rita.vale")
    page, flashes = _do(
        rita,
        case_id,
        do="assess",
        ref=urgent,
        grade="adequate",
        text="Addresses the issue",
        role="reviewer",
    )
    assert [f"assessed the response to {urgent}"] == flashes
    assert "assessed adequate: Addresses the issue" in page


def test_an_unknown_action_is_one_line(site):
    db, case_id = site
    lee = TestClient(app_for(db))
    sign_in(lee, "lee.park")
    page = lee.get(f"/cases/{case_id}/recommendations").text
    response = lee.post(
        f"/cases/{case_id}/recommendations", data={"csrf": csrf_of(page), "do": "delete"}
    )
    assert 400 == response.status_code
    assert "do: expected one of add, issue, respond, assess" in response.text
