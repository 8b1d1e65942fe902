"""The pages through Starlette's TestClient: each does what its CLI command does."""

from __future__ import annotations

import hashlib
import re
from html import unescape

import pytest
from starlette.testclient import TestClient

from aaib_cp.db import Store
from aaib_cp.evidence.service import Casebook
from aaib_cp.workflow.credentials import Credentials
from aaib_cp.workflow.engine import Engine
from tests.web_support import PASSWORD, app_for, csrf_of, flashes, make_site, post_form, sign_in


@pytest.fixture
def site(tmp_path):
    return make_site(tmp_path)


@pytest.fixture
def lee(site):
    client = TestClient(app_for(site[0]))
    sign_in(client, "lee.park")
    return client


def _fire(client, case_id, trigger, **data):
    return post_form(
        client, f"/cases/{case_id}", f"/cases/{case_id}/fire", trigger=trigger, **data
    )[0]


def _entry(client, case_id, when):
    return post_form(
        client,
        f"/cases/{case_id}/chronology",
        role="lead_investigator",
        when=when,
        agency="Northshire Police",
        what="Strategy meeting held",
    )[0]


class TestCasePages:
    def test_my_work_lists_my_cases_and_clocks(self, lee, site):
        page = lee.get("/")
        assert site[1] in page.text and "lead_investigator" in page.text
        assert "Local review published" in page.text

    def test_case_list_filters(self, lee, site):
        assert site[1] in lee.get("/cases?state=scoping").text
        assert site[1] not in lee.get("/cases?state=evidence").text
        assert site[1] not in lee.get("/cases?q=nothing-like-it").text

    def test_case_page_shows_triggers_and_blockers_as_aaib_status(self, tmp_path):
        """Before Lee is appointed, agree_scope is blocked in the CLI's words."""
        db, case_id = make_site(tmp_path)
        client = TestClient(app_for(db))
        sign_in(client, "chris.ode")
        page = client.get(f"/cases/{case_id}").text
        assert "State: scoping" in page
        assert "agree_scope → evidence" in page
        assert "Lee Park (lead investigator)" in page

    def test_fire_a_trigger(self, lee, site):
        response = _fire(
            lee,
            site[1],
            "agree_scope",
            role="lead_investigator",
            **{"set.terms_of_reference": "Information sharing"},
        )
        assert ["scoping -> evidence (agree_scope)"] == flashes(response.text)
        assert "State: evidence" in response.text

    def test_a_refusal_is_shown_in_the_cli_words_and_recorded(self, lee, site):
        """A missing field: the engine's sentence on the page; the refusal on the trail."""
        response = _fire(lee, site[1], "agree_scope", role="lead_investigator")
        assert any(
            "'agree_scope' needs a value for 'terms_of_reference'" in f
            for f in flashes(response.text)
        )
        history = lee.get(f"/cases/{site[1]}/history").text
        assert "agree_scope: scoping -&gt; REFUSED" in history

    def test_a_stale_page_says_the_case_changed(self, lee, site):
        page = lee.get(f"/cases/{site[1]}")
        version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
        with Store.open(site[0]) as store:  # someone else acts meanwhile
            engine = Engine(store)
            engine.fire(
                site[1],
                "suspend",
                actor=store.accounts.by_login("chris.ode"),
                role="chief_investigator",
                reason="trial",
            )
        response = lee.post(
            f"/cases/{site[1]}/fire",
            data={
                "csrf": csrf_of(page.text),
                "trigger": "suspend",
                "version": version,
                "role": "lead_investigator",
                "reason": "again",
            },
        )
        assert 200 == response.status_code
        assert any(
            "This case changed since you opened the page" in f for f in flashes(response.text)
        )
        assert "State: suspended" in response.text

    def test_history_verifies(self, lee, site):
        page = lee.get(f"/cases/{site[1]}/history?verify=1").text
        assert "Audit trail intact" in page and "decide_investigate" in page


class TestRecords:
    def test_add_a_chronology_entry(self, lee, site):
        response = _entry(lee, site[1], "2026-01-02")
        assert ["added C2"] == flashes(response.text)
        assert "Strategy meeting held" in response.text

    def test_a_bad_date_is_one_line(self, lee, site):
        response = _entry(lee, site[1], "yesterday")
        [message] = flashes(response.text)
        assert "yesterday" in message
        with Store.open(site[0]) as store:
            assert ["C1"] == [e.ref for e in Casebook(Engine(store)).chronology(site[1]).entries]

    def test_upload_evidence_shows_its_digest(self, lee, site):
        content = b"minutes of the strategy meeting\n"
        evidence = f"/cases/{site[1]}/evidence"
        response, _ = post_form(
            lee,
            evidence,
            files={"file": ("minutes.txt", content, "text/plain")},
            role="lead_investigator",
            kind="document",
            description="Minutes",
            obtained_how="from the police",
            obtained_on="2026-01-10",
        )
        assert ["registered E1"] == flashes(response.text)
        assert hashlib.sha256(content).hexdigest() in response.text

    def test_restricted_report_download_is_audited(self, lee, site):
        response = lee.get(
            f"/cases/{site[1]}/reports/restricted.md?role=lead_investigator&download=1"
        )
        assert 200 == response.status_code
        assert "attachment" in response.headers["content-disposition"]
        digest = hashlib.sha256(response.content).hexdigest()
        assert digest == response.headers["x-report-sha256"]
        with Store.open(site[0]) as store:
            last = store.events(site[1])[-1]
        assert ("report_generated", digest, "download") == (
            last.kind,
            last.detail["sha256"],
            last.detail["file"],
        )

    def test_public_report_before_publication_is_refused_in_plain_words(self, lee, site):
        response = lee.get(f"/cases/{site[1]}/reports/public.html")
        assert 400 == response.status_code
        assert "nothing was written" in response.text

    def test_search_finds_within_visible_cases(self, lee, site):
        assert f'href="/cases/{site[1]}"' in lee.get("/search?q=visit").text


class TestInvitation:
    def test_redeem_set_password_then_sign_in(self, site):
        with Store.open(site[0]) as store:
            engine = Engine(store)
            admin = engine.accounts.first_administrator("root", "Root Admin")
            engine.accounts.add("new.person", name="New Person", actor=admin)
            code = Credentials(engine.accounts).invite("new.person", actor=admin)
        client = TestClient(app_for(site[0]))
        page = client.get("/invitation")
        new = "a long new password"
        response = client.post(
            "/invitation",
            data={
                "csrf": csrf_of(page.text),
                "login": "new.person",
                "code": code,
                "password": new,
                "password_again": new,
            },
        )
        assert "Your password is set and you are signed in." in response.text
        again = TestClient(app_for(site[0]))
        assert "New Person" in sign_in(again, "new.person", new).text
        reused = client.post(
            "/invitation",
            data={
                "csrf": csrf_of(client.get("/invitation").text),
                "login": "new.person",
                "code": code,
                "password": new,
                "password_again": new,
            },
        )
        assert 401 == reused.status_code and "already used" in reused.text

    def test_wrong_password_shows_the_refusal(self, site):
        client = TestClient(app_for(site[0]))
        response = sign_in(client, "lee.park", PASSWORD + "x")
        assert 401 == response.status_code
        assert "sign-in refused for 'lee.park': wrong password" in unescape(response.text)
