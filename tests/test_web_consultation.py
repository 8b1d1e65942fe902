"""The consultation page: the draft sent, representations and dispositions, as the CLI."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from aaib_cp.db import Store
from aaib_cp.workflow.credentials import Credentials
from aaib_cp.workflow.definition import load_workflow
from aaib_cp.workflow.engine import Engine
from tests.journeys import AGENCY
from tests.people import acct, login_of
from tests.safety_helpers import case_at
from tests.web_support import PASSWORD, app_for, post_form, sign_in


@pytest.fixture
def lee(tmp_path, clock):
    db = tmp_path / "consult.db"
    store = Store.open(db, create=True)
    engine = Engine(store, clock=clock)
    case_id = case_at(engine, load_workflow("child-protection"), "consultation")
    Credentials(engine.accounts).set_password(PASSWORD, actor=acct("Lee"))
    store.close()
    client = TestClient(app_for(db))
    sign_in(client, login_of("Lee"))
    return client, case_id


def _do(client, case_id, **data):
    response, found = post_form(client, f"/cases/{case_id}/consultation", **data)
    return response.text, found


def test_send_represent_dispose(lee):
    client, case_id = lee
    lead = {"role": "lead_investigator"}
    _, flashes = _do(client, case_id, do="send", parties=AGENCY, **lead)
    assert [f"sent the draft to {AGENCY}"] == flashes
    page, flashes = _do(
        client,
        case_id,
        do="represent",
        party=AGENCY,
        text="Paragraph 2.3 misstates the date",
        **lead,
    )
    [recorded] = flashes
    ref = recorded.removeprefix("recorded ")
    assert "Paragraph 2.3 misstates the date" in page
    _, flashes = _do(client, case_id, do="dispose", ref=ref, disposition="not_accepted", **lead)
    assert ["reason: a not accepted representation needs one"] == flashes
    page, flashes = _do(client, case_id, do="dispose", ref=ref, disposition="accepted", **lead)
    assert [f"recorded how {ref} was dealt with"] == flashes
    assert "accepted" in page
