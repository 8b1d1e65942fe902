"""The analysis page: acts and factors through the same service as `aaib act|factor add`."""

from __future__ import annotations

import re
from html import unescape

import pytest
from starlette.testclient import TestClient

from aaib_cp.db import Store
from aaib_cp.evidence.service import Casebook
from aaib_cp.workflow.engine import Engine
from tests.web_support import app_for, csrf_of, make_site, sign_in


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
    page = client.get(f"/cases/{case_id}/analysis")
    response = client.post(
        f"/cases/{case_id}/analysis/{what}", data={"csrf": csrf_of(page.text), **data}
    )
    return response, [
        unescape(m) for m in re.findall(r'class="flash [^"]*"[^>]*>([^<]*)', response.text)
    ]


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
