"""The JSON API and the services the web added: same operations, same refusals."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from aaib_cp.db import Store
from aaib_cp.evidence.service import Casebook
from aaib_cp.exceptions import CaseNotFound, RoleRefused
from aaib_cp.recommendations.service import SafetyBook
from aaib_cp.reports.build import Publisher
from aaib_cp.workflow.engine import Engine
from tests.web_support import api_token, app_for, make_site


@pytest.fixture
def site(tmp_path):
    return make_site(tmp_path)


@pytest.fixture
def api(site):
    client = TestClient(app_for(site[0]))
    client.headers["authorization"] = "Bearer " + api_token(site[0], "lee.park")
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
        client.headers["authorization"] = "Bearer " + api_token(site[0], "olive.stone")
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


@pytest.fixture
def evidence_phase(api, site):
    """The case in its evidence phase, with an evidence item and a person (Child A)."""
    done = api.post(
        f"/api/cases/{site[1]}/fire",
        json={"trigger": "agree_scope", "role": "lead_investigator",
              "fields": {"terms_of_reference": "Information sharing"}},
    )  # fmt: skip
    assert 201 == done.status_code
    with Store.open(site[0]) as store:
        engine = Engine(store)
        lead = {"actor": store.accounts.by_login("lee.park"), "role": "lead_investigator"}
        book = Casebook(engine)
        book.add_evidence(
            site[1], kind="case_record", description="Referral log", obtained_how="Request",
            obtained_on="2026-01-05", **lead,
        )  # fmt: skip
        book.add_person(site[1], "Kim Doe", "child", **lead)
    return site[1]


LEAD = {"role": "lead_investigator"}


class TestRecordsApi:
    def test_lists_are_the_screens_records(self, api, site, evidence_phase):
        case = f"/api/cases/{evidence_phase}"
        assert ["Northshire Police"] == [a["name"] for a in api.get(f"{case}/agencies").json()]
        people = api.get(f"{case}/people").json()
        assert [{"pseudonym": "Child A", "role": "child", "agency": None}] == people
        assert "Kim Doe" not in api.get(f"{case}/people").text  # pseudonyms only
        evidence = api.get(f"{case}/evidence").json()
        assert ["Referral log"] == [e["description"] for e in evidence]
        chron = api.get(f"{case}/chronology").json()
        assert ["Northshire Police"] == [e["agency"] for e in chron["entries"]]
        for empty in ("acts", "factors", "findings", "recommendations"):
            assert [] == api.get(f"{case}/{empty}").json(), empty
        assert {"parties": [], "representations": []} == api.get(f"{case}/consultation").json()

    def test_writes_go_through_the_services(self, api, site, evidence_phase):
        case = f"/api/cases/{evidence_phase}"
        entry = api.post(
            f"{case}/chronology",
            json={"when": "2026-01-03", "agency": "Northshire Police", "what": "Visit",
                  "people": ["Child A"], "evidence": "E1", "key_episode": True, **LEAD},
        )  # fmt: skip
        assert 201 == entry.status_code and entry.json()["key_episode"] is True
        act = api.post(
            f"{case}/acts",
            json={"person": "Child A", "when": "2026-01-02", "description": "No referral",
                  "evidence": ["E1"], **LEAD},
        )  # fmt: skip
        assert 201 == act.status_code
        ref = act.json()["act"]
        factor = api.post(
            f"{case}/factors",
            json={"code": "ORG.CASELOAD", "acts": [ref], "evidence": ["E1"], "note": "N", **LEAD},
        )
        assert 201 == factor.status_code
        finding = api.post(
            f"{case}/findings",
            json={"kind": "contributory", "text": "Caseloads", "acts": [ref],
                  "factors": [factor.json()["factor"]], **LEAD},
        )  # fmt: skip
        assert 201 == finding.status_code
        assert [ref] == [a["act"] for a in api.get(f"{case}/acts").json()]
        assert 2 == len(api.get(f"{case}/chronology").json()["entries"])
        assert 1 == len(api.get(f"{case}/findings").json())
        with Store.open(site[0]) as store:
            kinds = [e.kind for e in store.events(evidence_phase)]
        assert {"act_added", "factor_added", "finding_added"} <= set(kinds)

    def test_a_response_to_an_issued_recommendation(self, api, site, evidence_phase):
        with Store.open(site[0]) as store:
            book = SafetyBook(Engine(store))
            lead = {"actor": store.accounts.by_login("lee.park"), **LEAD}
            rec = book.add_recommendation(
                evidence_phase, text="Share at once", to="Northshire CCG", priority="urgent",
                **lead,
            )  # fmt: skip
            book.issue_recommendation(evidence_phase, rec.ref, **lead)
        path = f"/api/cases/{evidence_phase}/recommendations/{rec.ref}/responses"
        done = api.post(path, json={"text": "We will", **LEAD})
        assert 201 == done.status_code
        assert ["We will"] == [r["text"] for r in done.json()["responses"]]
        missing = api.post(path.replace("SR01", "SR09"), json={"text": "We will", **LEAD})
        assert 404 == missing.status_code and "no recommendation" in missing.json()["error"]

    def test_recommendations_from_draft_to_assessment(self, api, site, evidence_phase):
        """Draft, issue, response and assessment, each through the API and audited."""
        case = f"/api/cases/{evidence_phase}"
        made = api.post(
            f"{case}/recommendations",
            json={"text": "Share at once", "to": "Northshire CCG", "priority": "urgent", **LEAD},
        )
        assert 201 == made.status_code, made.text
        ref = made.json()["ref"]
        assert 200 == api.post(f"{case}/recommendations/{ref}/issue", json=LEAD).status_code
        api.post(f"{case}/recommendations/{ref}/responses", json={"text": "We will", **LEAD})
        graded = api.post(
            f"{case}/recommendations/{ref}/assessments",
            json={"grade": "adequate", "text": "Done", **LEAD},
        )
        assert 200 == graded.status_code, graded.text
        with Store.open(site[0]) as store:
            kinds = [e.kind for e in store.events(evidence_phase)]
        assert {"recommendation_issued", "recommendation_assessed"} <= set(kinds)

    def test_consultation_writes_go_through_the_service(self, api, site, evidence_phase):
        """Before the draft phase the service refuses, and the API says so in one line."""
        case = f"/api/cases/{evidence_phase}"
        sent = api.post(f"{case}/consultation/parties", json={"parties": ["Parent 1"], **LEAD})
        made = api.post(f"{case}/consultation/representations", json={"party": "X", **LEAD})
        for refused in (sent, made):
            assert 400 <= refused.status_code < 500
            assert 1 == len(refused.json()["error"].splitlines())

    def test_refusals_are_one_line_of_json(self, api, site, evidence_phase):
        case = f"/api/cases/{evidence_phase}"
        act = {"person": "Child A", "when": "2026-01-02", "description": "No referral"}
        rita = TestClient(api.app)
        rita.headers["authorization"] = "Bearer " + api_token(site[0], "rita.vale")
        refused = rita.post(f"{case}/acts", json={**act, "role": "reviewer"})
        assert 403 == refused.status_code
        assert "reviewer" in refused.json()["error"]
        no_role = api.post(f"{case}/acts", json=act)
        assert (400, "role: must not be empty") == (no_role.status_code, no_role.json()["error"])
        bad = api.post(
            f"{case}/chronology",
            json={"when": "2026-01-03", "agency": "X", "what": "W", "people": "Child A", **LEAD},
        )
        assert (400, "people: expected a list of text") == (bad.status_code, bad.json()["error"])
        assert [] == api.get(f"{case}/acts").json()  # nothing written

    def test_outsiders_and_anonymous_get_nothing(self, site, evidence_phase):
        case = f"/api/cases/{evidence_phase}"
        anonymous = TestClient(app_for(site[0]))
        outsider = TestClient(app_for(site[0]))
        outsider.headers["authorization"] = "Bearer " + api_token(site[0], "olive.stone")
        for path in ("agencies", "people", "evidence", "chronology", "acts", "consultation"):
            assert 401 == anonymous.get(f"{case}/{path}").status_code
            assert 404 == outsider.get(f"{case}/{path}").status_code
        entry = {"when": "2026-01-03", "agency": "Northshire Police", "what": "W", **LEAD}
        assert 401 == anonymous.post(f"{case}/chronology", json=entry).status_code
        assert 404 == outsider.post(f"{case}/chronology", json=entry).status_code

    def test_openapi_documents_every_body_and_path_parameter(self, api):
        schema = api.get("/api/openapi.json").json()
        respond = schema["paths"]["/api/cases/{case_id}/recommendations/{ref}/responses"]["post"]
        assert ["case_id", "ref"] == [p["name"] for p in respond["parameters"]]
        assert {"role", "text"} == set(
            respond["requestBody"]["content"]["application/json"]["schema"]["required"]
        )
        posts = [op for ops in schema["paths"].values() for m, op in ops.items() if m == "post"]
        routes = [r for r in api.app.routes if getattr(r, "path", "").startswith("/api/")]
        assert len(posts) == len([r for r in routes if "POST" in r.methods]) == 22
        assert all("requestBody" in op for op in posts)
        every = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]
        assert len(every) == len(set(every))  # each operation has its own id

    def test_openapi_gives_each_post_the_status_its_handler_answers(self, api):
        """A POST that creates a record answers 201, one that changes a record 200
        (UPDATES); the document says which, and no handler answers otherwise."""
        import inspect
        import re

        from aaib_cp.web.api import OPERATIONS, UPDATES

        schema = api.get("/api/openapi.json").json()
        posts = {op["operationId"]: op for ops in schema["paths"].values() for op in ops.values()}
        for _, method, handler, _, _ in OPERATIONS:
            if method != "post":
                continue
            source = inspect.getsource(handler)
            creates = bool(re.search(r"json_response\((?:.|\n)*?\b201\)", source))
            assert creates == (handler.__name__ not in UPDATES), handler.__name__
            documented = {"200", "201"} & set(posts[handler.__name__]["responses"])
            assert documented == {"201" if creates else "200"}, handler.__name__
        assert UPDATES <= set(posts)


def test_every_case_operation_is_404_to_an_account_with_no_appointment(site):
    """Enumerated from the app: each API route of a case answers an outsider 'no case'
    (GET and POST alike), and nothing is written."""
    app = app_for(site[0])
    olive = TestClient(app)
    olive.headers["authorization"] = "Bearer " + api_token(site[0], "olive.stone")
    with Store.open(site[0]) as store:
        before = len(store.events(site[1]))
    tried = []
    for route in app.routes:
        path = getattr(route, "path", "")
        if not path.startswith("/api/cases/{case_id}"):
            continue
        concrete = (
            path.replace("{case_id}", site[1]).replace("{ref}", "E1").replace("{act}", "A1")
            .replace("{audience}", "public").replace("{fmt}", "md")
        )  # fmt: skip
        for method in sorted(route.methods - {"HEAD"}):
            response = olive.request(method, concrete, json={"role": "reviewer"})
            assert 404 == response.status_code, (method, path, response.text)
            assert site[1] in response.json()["error"] and "Child A" not in response.text
            tried.append((method, path))
    assert len(tried) >= 35
    with Store.open(site[0]) as store:
        assert before == len(store.events(site[1]))
