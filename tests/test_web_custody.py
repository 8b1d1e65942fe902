"""One evidence item in the browser: chain of custody, protected flag and disclosures,
with the separation of asking for a disclosure from approving it."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from aaib_cp.db import Store
from aaib_cp.evidence.service import Casebook
from aaib_cp.workflow.engine import Engine
from tests.web_support import app_for, make_site, post_form, sign_in


@pytest.fixture
def site(tmp_path):
    db, case_id = make_site(tmp_path)
    with Store.open(db) as store:
        engine = Engine(store)
        lead = {"actor": store.accounts.by_login("lee.park"), "role": "lead_investigator"}
        engine.fire(case_id, "agree_scope", fields={"terms_of_reference": "T"}, **lead)
        Casebook(engine).add_evidence(
            case_id, kind="agency_report", description="Police log",
            obtained_how="Interview", obtained_on="2026-01-05", **lead,
        )  # fmt: skip
    return db, case_id


def _as(db, login):
    client = TestClient(app_for(db))
    sign_in(client, login)
    return client


def test_reading_an_item_is_on_its_chain_of_custody(site):
    db, case_id = site
    lee = _as(db, "lee.park")
    assert f'href="/cases/{case_id}/evidence/E1"' in lee.get(f"/cases/{case_id}/evidence").text
    lee.get(f"/cases/{case_id}/evidence/E1")
    page = lee.get(f"/cases/{case_id}/evidence/E1").text
    assert "evidence added: item E1" in page and 2 == page.count("evidence accessed")
    assert "E1 is not protected material." in page
    assert "no evidence item" in lee.get(f"/cases/{case_id}/evidence/E9").text


def test_protect_then_a_disclosure_approved_only_by_someone_who_did_not_ask(site):
    db, case_id = site
    item = f"/cases/{case_id}/evidence/E1"
    rita = _as(db, "rita.vale")
    assert "Protect E1" not in rita.get(item).text
    _, said = post_form(rita, item, f"{item}/protect", role="reviewer", reason="Health data")
    assert 1 == len(said) and "reviewer" in said[0]
    lee = _as(db, "lee.park")
    page, said = post_form(
        lee, item, f"{item}/protect", role="lead_investigator", reason="Health data"
    )
    assert ["E1 is protected material"] == said
    assert "Approve a disclosure" not in page.text  # Lee may not approve disclosures
    chris = _as(db, "chris.ode")
    ask = {"role": "chief_investigator", "ground": "court_order", "reason": "Ordered"}
    _, said = post_form(
        chris, item, f"{item}/disclosures", requested_by="chris.ode", recipient="Court", **ask
    )
    assert 1 == len(said) and "asked for this disclosure" in said[0]
    page, said = post_form(
        chris, item, f"{item}/disclosures", requested_by="lee.park", recipient="Court", **ask
    )
    assert ["approved D1: E1 to Court"] == said
    assert "<td>Lee Park</td><td>Chris Ode</td>" in page.text
    with Store.open(db) as store:
        kinds = [e.kind for e in Engine(store).history(case_id)]
    assert "refused" in kinds and "disclosure_approved" in kinds
