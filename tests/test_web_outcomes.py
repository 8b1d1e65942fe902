"""The findings and feedback pages: recorded through the same services as the CLI."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from aaib_cp.db import Store
from aaib_cp.recommendations.service import SafetyBook
from aaib_cp.workflow.credentials import Credentials
from aaib_cp.workflow.definition import load_workflow
from aaib_cp.workflow.engine import Engine
from tests.people import acct, login_of
from tests.safety_helpers import case_at
from tests.web_support import PASSWORD, app_for, post_form, sign_in


@pytest.fixture
def site(tmp_path, clock):
    db = tmp_path / "outcomes.db"
    store = Store.open(db, create=True)
    engine = Engine(store, clock=clock)
    case_id = case_at(engine, load_workflow("child-protection"), "response_tracking")
    credentials = Credentials(engine.accounts)
    for name in ("Lee", "Rita"):
        credentials.set_password(PASSWORD, actor=acct(name))
    store.close()
    return db, case_id


def _client(db, name):
    client = TestClient(app_for(db))
    sign_in(client, login_of(name))
    return client


def test_a_finding_is_recorded_with_its_links_and_a_bad_link_named(site):
    db, case_id = site
    client = _client(db, "Lee")
    page = f"/cases/{case_id}/findings"
    lead = {"role": "lead_investigator", "kind": "causal"}
    _, flashes = post_form(client, page, text="Not joined up", acts="A99", **lead)
    assert 1 == len(flashes) and "A99" in flashes[0]
    response, flashes = post_form(
        client, page, text="Information was not joined up", acts="A1", evidence="E1", **lead
    )
    [recorded] = flashes
    assert recorded.startswith("recorded F")
    row = response.text.split(recorded.removeprefix("recorded "), 1)[1]
    assert "Information was not joined up" in row and "A1" in row and "E1" in row


def test_the_reviewer_sees_findings_but_has_no_form_and_is_refused(site):
    db, case_id = site
    client = _client(db, "Rita")
    page = client.get(f"/cases/{case_id}/findings")
    assert 200 == page.status_code and "Record a finding" not in page.text
    _, flashes = post_form(
        client, f"/cases/{case_id}/findings", role="reviewer", kind="other", text="Mine"
    )
    assert 1 == len(flashes) and "reviewer" in flashes[0]


def test_a_feedback_session_is_recorded(site):
    db, case_id = site
    client = _client(db, "Lee")
    page = f"/cases/{case_id}/feedback"
    assert "cannot close until staff have heard" in client.get(page).text
    lead = {"role": "lead_investigator", "held_on": "2026-03-01"}
    _, flashes = post_form(client, page, attendees=" ; ", **lead)
    assert ["attendee: name at least one person who attended"] == flashes
    response, flashes = post_form(client, page, attendees="Alex Example; Robin Example", **lead)
    assert ["recorded the feedback session of 2026-03-01"] == flashes
    assert "Alex Example; Robin Example" in response.text
    with Store.open(db) as store:
        [held] = SafetyBook(Engine(store)).feedback(case_id)
    assert ("Alex Example", "Robin Example") == held.attendees
