"""The JSON API and the services the web added: same operations, same refusals."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from aaib_cp.db import Store
from aaib_cp.exceptions import CaseNotFound, RoleRefused
from aaib_cp.reports.build import Publisher
from aaib_cp.workflow.credentials import Credentials
from aaib_cp.workflow.engine import Engine
from tests.web_support import PASSWORD, app_for, make_site


@pytest.fixture
def site(tmp_path):
    return make_site(tmp_path)


def _token(db, login: str) -> str:
    with Store.open(db) as store:
        return Credentials(Engine(store).accounts).sign_in(login, PASSWORD, label="api")[1]


@pytest.fixture
def api(site):
    client = TestClient(app_for(site[0]))
    client.headers["authorization"] = "Bearer " + _token(site[0], "lee.park")
    return client


class TestApi:
    def test_status_is_aaib_status_json(self, api, site):
        data = api.get(f"/api/cases/{site[1]}").json()
        assert "scoping" == data["state"]["name"]
        assert "agree_scope" in [t["trigger"] for t in data["triggers"]]
        assert {"Lee Park", "Rita Vale"} <= {m["name"] for m in data["team"]}

    def test_fire_and_refusal(self, api, site):
        refused = api.post(
            f"/api/cases/{site[1]}/fire",
            json={"trigger": "agree_scope", "role": "lead_investigator"},
        )
        assert 403 == refused.status_code or 400 == refused.status_code
        assert "needs a value for 'terms_of_reference'" in refused.json()["error"]
        done = api.post(
            f"/api/cases/{site[1]}/fire",
            json={
                "trigger": "agree_scope",
                "role": "lead_investigator",
                "fields": {"terms_of_reference": "Information sharing"},
            },
        )
        assert 201 == done.status_code
        assert "evidence" == done.json()["to_state"]
        assert ["evidence"] == [
            e["to_state"] for e in api.get(f"/api/cases/{site[1]}/history").json()[-1:]
        ]

    def test_bad_body_is_one_line(self, api, site):
        response = api.post(f"/api/cases/{site[1]}/fire", content=b"{not json")
        assert 400 == response.status_code
        assert response.json()["error"].startswith("request body: not JSON")

    def test_cookies_are_ignored_and_tokens_required(self, site):
        client = TestClient(app_for(site[0]))
        assert 401 == client.get("/api/cases").status_code
        client.headers["authorization"] = "Bearer aaib_not-a-token"
        assert 401 == client.get("/api/cases").status_code

    def test_outsider_sees_nothing(self, site):
        client = TestClient(app_for(site[0]))
        client.headers["authorization"] = "Bearer " + _token(site[0], "olive.stone")
        assert [] == client.get("/api/cases").json()
        assert 404 == client.get(f"/api/cases/{site[1]}").status_code

    def test_openapi_lists_every_api_route(self, site):
        app = app_for(site[0])
        schema = TestClient(app).get("/api/openapi.json").json()
        routes = {
            r.path.replace("{case_id}", "{case_id}")
            for r in app.routes
            if getattr(r, "path", "").startswith("/api/") and r.path != "/api/openapi.json"
        }
        assert routes == set(schema["paths"])
        assert "3.1.0" == schema["openapi"]


class TestServicesTheWebNeeds:
    def test_readable_follows_grants_and_appointments(self, site):
        with Store.open(site[0]) as store:
            engine = Engine(store)
            by = store.accounts.by_login
            for login in ("ana.ruiz", "chris.ode", "lee.park", "rita.vale"):
                assert site[1] == engine.access.readable(site[1], actor=by(login)).id
            with pytest.raises(CaseNotFound):
                engine.access.readable(site[1], actor=by("olive.stone"))
            assert [] == engine.access.readable_cases(actor=by("olive.stone"))

    def test_readable_follows_a_revoked_grant_at_once(self, site):
        with Store.open(site[0]) as store:
            engine = Engine(store)
            admin = engine.accounts.first_administrator("root", "Root")
            ana = store.accounts.by_login("ana.ruiz")
            engine.accounts.revoke("ana.ruiz", "notifier", actor=admin)
            with pytest.raises(CaseNotFound):
                engine.access.readable(site[1], actor=ana)  # the stale account object

    def test_produce_authorises_and_audits(self, site):
        with Store.open(site[0]) as store:
            engine = Engine(store)
            lee, olive = store.accounts.by_login("lee.park"), store.accounts.by_login("olive.stone")
            content, written = Publisher(engine).produce(
                site[1], audience="restricted", fmt="md", actor=lee, role="lead_investigator"
            )
            assert b"OFFICIAL-SENSITIVE" in content and written.size == len(content)
            with pytest.raises(RoleRefused):
                Publisher(engine).produce(
                    site[1], audience="restricted", fmt="md", actor=olive, role="reviewer"
                )
            kinds = [e.kind for e in store.events(site[1])[-2:]]
        assert ["report_generated", "refused"] == kinds
