"""The workflow picture on the case page and the themes chart on the learning page."""

from __future__ import annotations

import base64
import re

from starlette.testclient import TestClient

from aaib_cp.analysis.service import Analysis
from aaib_cp.db import Store
from aaib_cp.evidence.service import Casebook
from aaib_cp.workflow.engine import Engine
from tests.web_support import app_for, make_site, sign_in


def _svg(html: str, alt_starts: str) -> str:
    """The SVG of the image whose text alternative starts with ``alt_starts``."""
    found = re.search(
        r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="' + re.escape(alt_starts), html
    )
    assert found, f"no image described {alt_starts!r}"
    return base64.b64decode(found.group(1)).decode("utf-8")


def test_the_case_page_draws_the_workflow_with_its_state_filled(tmp_path):
    db, case_id = make_site(tmp_path)
    client = TestClient(app_for(db))
    sign_in(client, "lee.park")
    page = client.get(f"/cases/{case_id}").text
    assert f'<img src="/cases/{case_id}/workflow.svg?v=' in page
    picture = client.get(f"/cases/{case_id}/workflow.svg")
    assert "image/svg+xml" == picture.headers["content-type"]
    svg = picture.text
    assert "scoping" in svg and "agree_scope" in svg  # states and triggers kept as text
    with Store.open(db) as store:
        lead = {"actor": store.accounts.by_login("lee.park"), "role": "lead_investigator"}
        Engine(store).fire(case_id, "agree_scope", fields={"terms_of_reference": "T"}, **lead)
    assert svg != client.get(f"/cases/{case_id}/workflow.svg").text  # evidence filled now
    assert "with the current state, scoping, filled" in page
    assert "Current state: scoping." in page and "agree_scope: scoping -&gt; evidence" in page


def test_the_learning_page_charts_factors_without_naming_cases(tmp_path):
    db, case_id = make_site(tmp_path)
    client = TestClient(app_for(db))
    sign_in(client, "lee.park")
    assert "No contributory factor is recorded yet." in client.get("/learning").text
    with Store.open(db) as store:
        engine = Engine(store)
        lead = {"actor": store.accounts.by_login("lee.park"), "role": "lead_investigator"}
        engine.fire(case_id, "agree_scope", fields={"terms_of_reference": "T"}, **lead)
        Casebook(engine).add_evidence(
            case_id, kind="case_record", description="R", obtained_how="H",
            obtained_on="2026-01-05", **lead,
        )  # fmt: skip
        Casebook(engine).add_person(case_id, "Kim Doe", "child", **lead)
        analysis = Analysis(engine)
        analysis.add_act(case_id, person="Child A", when="2026-01-02", description="D", **lead)
        analysis.add_factor(
            case_id, code="ORG.CASELOAD", acts=["A1"], evidence=["E1"], note="N", **lead
        )
    page = client.get("/learning").text
    svg = _svg(page, "Bar chart of cases per contributory factor code")
    assert "ORG.CASELOAD" in svg and "<td>ORG.CASELOAD</td>" in page
    assert case_id not in page
    assert "since: expected a date" in client.get("/learning?since=soon").text
    assert "No contributory factor" in client.get("/learning?since=2099-01-01").text


def test_the_chronology_page_draws_the_timeline_with_agencies_as_lanes(tmp_path):
    db, case_id = make_site(tmp_path)
    client = TestClient(app_for(db), follow_redirects=False)
    refused = client.get(f"/cases/{case_id}/chronology.svg")
    assert 303 == refused.status_code and "/sign-in" in refused.headers["location"]
    outsider = TestClient(app_for(db))
    sign_in(outsider, "olive.stone")  # not on the case
    assert 404 == outsider.get(f"/cases/{case_id}/chronology.svg").status_code
    sign_in(client, "lee.park")
    page = client.get(f"/cases/{case_id}/chronology").text
    assert f'<img src="/cases/{case_id}/chronology.svg" alt="Timeline of the chronology' in page
    assert "one lane per agency (Northshire Police)" in page
    assert "<td>Northshire Police</td>" in page  # the table stays as the text alternative
    picture = client.get(f"/cases/{case_id}/chronology.svg")
    assert "image/svg+xml" == picture.headers["content-type"]
    assert picture.text.lstrip().startswith("<?xml") and "Northshire Police" in picture.text
