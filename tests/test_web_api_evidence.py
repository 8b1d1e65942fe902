"""The JSON API over evidence and reports: an upload (multipart, its SHA-256 back), the
register, an item's chain of custody, the protected flag, disclosures with the
requester/approver separation, and report downloads with the screen's access rules."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from aaib_cp import load_workflow
from aaib_cp.db import Store
from aaib_cp.workflow.engine import Engine
from tests.people import signed_in
from tests.safety_helpers import case_at
from tests.web_support import api_client, app_for, make_site, start_serving

LEAD = {"role": "lead_investigator"}
CONTENT = b"Minutes of the strategy meeting, 3 January\n"
FIELDS = {
    "kind": "document",
    "description": "Strategy meeting minutes",
    "obtained_how": "from the police",
    "obtained_on": "2026-01-10",
    "agency": "Northshire Police",
}


@pytest.fixture
def site(tmp_path):
    """The web tests' site with its case moved on to the evidence phase."""
    db, case_id = make_site(tmp_path)
    with Store.open(db) as store:
        engine = Engine(store)
        engine.fire(
            case_id, "agree_scope", actor=store.accounts.by_login("lee.park"),
            fields={"terms_of_reference": "Information sharing"}, **LEAD,
        )  # fmt: skip
    return db, case_id


@pytest.fixture
def lee(site):
    return api_client(site[0], "lee.park")


def _upload(client, case_id, content=CONTENT, **fields):
    return client.post(
        f"/api/cases/{case_id}/evidence",
        data={**FIELDS, **LEAD, **fields},
        files={"file": ("minutes.txt", content, "text/plain")},
    )


def _kinds(db, case_id) -> list[str]:
    with Store.open(db) as store:
        return [e.kind for e in store.events(case_id)]


class TestUpload:
    def test_an_upload_gives_the_files_sha256(self, lee, site):
        done = _upload(lee, site[1])
        assert 201 == done.status_code, done.text
        item = done.json()
        digest = hashlib.sha256(CONTENT).hexdigest()
        assert ("E1", {"name": "minutes.txt", "sha256": digest, "size": len(CONTENT)}) == (
            item["item"],
            item["file"],
        )
        listed = lee.get(f"/api/cases/{site[1]}/evidence").json()
        assert [(digest, False)] == [(e["file"]["sha256"], e["protected"]) for e in listed]
        assert "evidence_added" == _kinds(*site)[-1]

    def test_an_item_without_a_file_may_be_sent_as_json(self, lee, site):
        done = lee.post(f"/api/cases/{site[1]}/evidence", json={**FIELDS, **LEAD})
        assert 201 == done.status_code and done.json()["file"] is None

    def test_refusals_and_bad_input_write_nothing(self, lee, site):
        rita, olive = api_client(site[0], "rita.vale"), api_client(site[0], "olive.stone")
        refused = _upload(rita, site[1], role="reviewer")
        assert 403 == refused.status_code and "reviewer" in refused.json()["error"]
        assert 404 == _upload(olive, site[1], role="reviewer").status_code
        assert 401 == _upload(api_client(site[0], None), site[1]).status_code
        missing = _upload(lee, site[1], kind="")
        assert (400, "kind: must not be empty") == (missing.status_code, missing.json()["error"])
        bad_date = _upload(lee, site[1], obtained_on="10 January")
        assert 400 == bad_date.status_code and 1 == len(bad_date.json()["error"].splitlines())
        broken = lee.post(
            f"/api/cases/{site[1]}/evidence",
            content=b"--x\r\nnot a part",
            headers={"content-type": "multipart/form-data; boundary=x"},
        )
        assert 400 == broken.status_code and "\n" not in broken.json()["error"]
        assert [] == lee.get(f"/api/cases/{site[1]}/evidence").json()
        assert "evidence_added" not in _kinds(*site)


@pytest.fixture
def item(lee, site):
    assert 201 == _upload(lee, site[1]).status_code
    return f"/api/cases/{site[1]}/evidence/E1"


class TestItem:
    def test_versions_and_chain_of_custody_and_the_reading_recorded(self, lee, site, item):
        shown = lee.get(item).json()
        assert ("E1", False, []) == (shown["ref"], shown["protected"], shown["disclosures"])
        assert [1] == [v["version"] for v in shown["versions"]]
        assert ["evidence_added", "evidence_accessed"] == [e["kind"] for e in shown["custody"]]
        assert "lead_investigator" == shown["custody"][-1]["role"]
        assert 404 == lee.get(item.replace("E1", "E9")).status_code
        assert 404 == api_client(site[0], "olive.stone").get(item).status_code

    def test_protect_then_disclose_with_the_separation_refusal(self, lee, site, item):
        assert 400 == lee.post(f"{item}/protect", json=LEAD).status_code  # no reason
        refused = api_client(site[0], "rita.vale").post(
            f"{item}/protect", json={"role": "reviewer", "reason": "Health data"}
        )
        assert 403 == refused.status_code
        done = lee.post(f"{item}/protect", json={"reason": "Health data", **LEAD})
        assert (200, {"ref": "E1", "protected": True}) == (done.status_code, done.json())
        assert lee.get(f"/api/cases/{site[1]}/evidence").json()[0]["protected"] is True
        chris = api_client(site[0], "chris.ode")
        ask = {"role": "chief_investigator", "ground": "court_order",
               "recipient": "Coroner", "reason": "Inquest"}  # fmt: skip
        own = chris.post(f"{item}/disclosures", json={**ask, "requested_by": "chris.ode"})
        assert 403 == own.status_code
        assert "asked for this disclosure" in own.json()["error"]
        by_lee = lee.post(f"{item}/disclosures", json={**ask, **LEAD, "requested_by": "lee.park"})
        assert 403 == by_lee.status_code  # the lead investigator may not approve
        approved = chris.post(f"{item}/disclosures", json={**ask, "requested_by": "lee.park"})
        assert 201 == approved.status_code, approved.text
        shown = approved.json()
        assert ("D1", "E1", "Coroner") == (shown["ref"], shown["item"], shown["recipient"])
        assert [approved.json()] == lee.get(f"/api/cases/{site[1]}/disclosures").json()
        assert [approved.json()] == lee.get(item).json()["disclosures"]
        kinds = _kinds(*site)
        assert {"evidence_protected", "disclosure_approved", "refused"} <= set(kinds)

    def test_a_disclosure_of_material_not_protected_is_bad_input(self, site, item):
        chris = api_client(site[0], "chris.ode")
        done = chris.post(
            f"{item}/disclosures",
            json={"role": "chief_investigator", "ground": "court_order",
                  "recipient": "Coroner", "reason": "Inquest", "requested_by": "lee.park"},
        )  # fmt: skip
        assert (400, "E1 is not protected material; it needs no disclosure") == (
            done.status_code,
            done.json()["error"],
        )
        unknown = chris.post(f"{item}/disclosures", json={"role": "chief_investigator",
                             "requested_by": "no.one", "ground": "x", "recipient": "y",
                             "reason": "z"})  # fmt: skip
        assert 404 == unknown.status_code and "no account 'no.one'" in unknown.json()["error"]


MEDIA = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class TestReports:
    @pytest.mark.parametrize("fmt", list(MEDIA))
    def test_the_restricted_report_in_each_format(self, lee, site, fmt):
        response = lee.get(f"/api/cases/{site[1]}/reports/restricted.{fmt}?role=lead_investigator")
        assert 200 == response.status_code, response.text
        assert MEDIA[fmt] == response.headers["content-type"]
        expected = f'attachment; filename="{site[1]}-restricted.{fmt}"'
        assert expected == response.headers["content-disposition"]
        digest = hashlib.sha256(response.content).hexdigest()
        assert digest == response.headers["x-report-sha256"]
        with Store.open(site[0]) as store:
            last = store.events(site[1])[-1]
        assert ("report_generated", digest) == (last.kind, last.detail["sha256"])

    def test_the_restricted_report_only_to_those_allowed(self, site):
        path = f"/api/cases/{site[1]}/reports/restricted.md"
        ana = api_client(site[0], "ana.ruiz")  # sees the case (notifier), may not read restricted
        refused = ana.get(path + "?role=notifier")
        assert 403 == refused.status_code
        assert "may not produce the restricted report" in refused.json()["error"]
        assert 404 == api_client(site[0], "olive.stone").get(path + "?role=reviewer").status_code
        assert 401 == api_client(site[0], None).get(path).status_code
        assert 200 == api_client(site[0], "rita.vale").get(path + "?role=reviewer").status_code

    def test_bad_format_audience_or_phase_is_one_line(self, lee, site):
        case = f"/api/cases/{site[1]}/reports"
        for path, words in (
            ("restricted.txt", "report format: expected one of html, md, pdf, docx"),
            ("private.md?role=lead_investigator", "report audience: expected one of"),
            ("public.md?role=lead_investigator", "public outputs exist only from final_report"),
        ):
            response = lee.get(f"{case}/{path}")
            assert 400 == response.status_code
            assert words in response.json()["error"] and "\n" not in response.json()["error"]

    def test_public_and_summary_once_published(self, tmp_path):
        db = tmp_path / "published.db"
        with Store.open(db, create=True) as store:
            case_id = case_at(Engine(store), load_workflow("child-protection"), "final_report")
        client = TestClient(app_for(db))
        client.headers["authorization"] = "Bearer " + signed_in(db, "Ana")["AAIB_TOKEN"]
        for audience in ("public", "summary"):
            response = client.get(f"/api/cases/{case_id}/reports/{audience}.html?role=notifier")
            assert 200 == response.status_code, response.text
            assert MEDIA["html"] == response.headers["content-type"]
            assert f"{case_id}-{audience}.html" in response.headers["content-disposition"]
            assert "attachment" in response.headers["content-disposition"]
            assert "sandbox" in response.headers["content-security-policy"]
        assert 403 == client.get(f"/api/cases/{case_id}/reports/restricted.md").status_code


def _documented_curls() -> dict[str, str]:
    """The upload and download commands of docs/web.md's API example, one line each."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "web.md").read_text()
    block = text.split("## The JSON API")[1].split("```bash\n")[1].split("```")[0]
    commands = block.replace("\\\n", " ").splitlines()
    return {
        "upload": next(c for c in commands if " -F file=@" in c),
        "download": next(c for c in commands if "/reports/" in c),
    }


def test_the_documented_curl_commands_work_against_aaib_serve(site, tmp_path):
    """docs/web.md's upload and report download, run by curl against a real server."""
    token = api_client(site[0], "lee.park").headers["authorization"].split()[1]
    folder = tmp_path / "client"
    folder.mkdir()
    (folder / "minutes.pdf").write_bytes(b"%PDF-1.4 minutes of the strategy meeting\n")
    process, base = start_serving(site[0])
    try:
        done = {}
        for name, command in _documented_curls().items():
            command = command.replace("http://127.0.0.1:8000", base)
            assert site[1] in command
            done[name] = subprocess.run(
                ["bash", "-c", command], cwd=folder, capture_output=True, text=True,
                env={**os.environ, "AAIB_TOKEN": token}, timeout=120,
            )  # fmt: skip
            assert 0 == done[name].returncode, done[name].stderr
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    item = json.loads(done["upload"].stdout)
    sent = (folder / "minutes.pdf").read_bytes()
    assert hashlib.sha256(sent).hexdigest() == item["file"]["sha256"]
    saved = folder / f"{site[1]}-restricted.docx"
    assert saved.read_bytes()[:2] == b"PK"  # a Word file, under the name the server gave
    assert "report_generated" == _kinds(*site)[-1]
