"""The JSON API's my work, search, themes and chronology import: the same answers and
refusals as their screens, nothing written by a check or a rejected file."""

from __future__ import annotations

import pytest

from aaib_cp.db import Store
from tests.web_support import SEARCHABLE, api_client, make_site

GOOD = "when,what,key_episode\n2026-01-03,Strategy meeting held,yes\n2026-01-04,Visit,no\n"
BAD = "when,what\n2026-13-01,Bad month\n2026-01-04,\nsoon,Bad date\n"
POLICE = {"agency": "Northshire Police", "role": "lead_investigator"}


@pytest.fixture
def site(tmp_path):
    return make_site(tmp_path)


def _entries(db, case_id) -> list[str]:
    with Store.open(db) as store:
        rows = store.db.execute(
            "SELECT what FROM chronology_entries WHERE case_id = ? ORDER BY id", [case_id]
        )
        return [r[0] for r in rows]


def _events(db, case_id) -> int:
    with Store.open(db) as store:
        return len(store.events(case_id))


class TestMyWork:
    def test_my_cases_roles_and_clocks(self, site):
        db, case_id = site
        work = api_client(db, "lee.park").get("/api/work").json()
        assert [c["id"] for c in work["cases"]] == [case_id]
        assert work["cases"][0]["my_roles"] == ["lead_investigator"]
        assert work["clocks"] and {c["case"] for c in work["clocks"]} == {case_id}

    def test_an_account_serving_nothing_has_no_work(self, site):
        assert api_client(site[0], "olive.stone").get("/api/work").json() == {
            "cases": [],
            "clocks": [],
        }


class TestSearch:
    def test_finds_the_entry_in_a_case_i_may_see(self, site):
        db, case_id = site
        hits = api_client(db, "lee.park").get("/api/search", params={"q": "child seen"}).json()
        assert [(h["case_id"], h["kind"]) for h in hits] == [(case_id, "chronology")]
        assert SEARCHABLE.split(";")[0] in hits[0]["snippet"] or "seen" in hits[0]["snippet"]

    def test_an_outsider_finds_nothing(self, site):
        response = api_client(site[0], "olive.stone").get("/api/search", params={"q": "child"})
        assert (200, []) == (response.status_code, response.json())

    def test_no_words_is_one_line(self, site):
        response = api_client(site[0], "lee.park").get("/api/search")
        assert 400 == response.status_code
        assert response.json() == {"error": "q: give the words to search for"}


def test_themes_are_counts_naming_no_case(site):
    db, case_id = site
    response = api_client(db, "olive.stone").get("/api/learning/themes")
    assert 200 == response.status_code
    assert case_id not in response.text and "case_ids" not in response.text
    bad = api_client(db, "olive.stone").get("/api/learning/themes", params={"since": "soon"})
    assert (400, "since: expected a date YYYY-MM-DD (got 'soon')") == (
        bad.status_code,
        bad.json()["error"],
    )


class TestImport:
    def _post(self, client, case_id, content: str, **params):
        return client.post(
            f"/api/cases/{case_id}/chronology/import",
            params={**POLICE, "filename": "police.csv", **params},
            content=content.encode(),
            headers={"content-type": "text/csv"},
        )

    def test_check_lists_every_row_error_and_writes_nothing(self, site):
        db, case_id = site
        before = (_entries(db, case_id), _events(db, case_id))
        answer = self._post(api_client(db, "lee.park"), case_id, BAD, check="true").json()
        assert answer["written"] is False and answer["rows"] == 0
        assert [(e["row"], e["field"]) for e in answer["errors"]] == [
            (2, "when"),
            (3, "what"),
            (4, "when"),
        ]
        assert before == (_entries(db, case_id), _events(db, case_id))

    def test_a_bad_file_is_400_with_every_error_and_nothing_written(self, site):
        db, case_id = site
        before = _entries(db, case_id)
        response = self._post(api_client(db, "lee.park"), case_id, BAD)
        assert 400 == response.status_code
        assert response.json()["error"] == "police.csv: 3 invalid row(s); nothing was imported"
        assert len(response.json()["errors"]) == 3
        assert before == _entries(db, case_id)

    def test_a_good_file_imports_every_row(self, site):
        db, case_id = site
        client = api_client(db, "lee.park")
        assert {"rows": 2, "errors": [], "written": False} == self._post(
            client, case_id, GOOD, check="1"
        ).json()
        response = self._post(client, case_id, GOOD)
        assert 201 == response.status_code, response.text
        assert response.json()["imported"] == 2
        assert _entries(db, case_id)[-2:] == ["Strategy meeting held", "Visit"]

    def test_as_a_multipart_file(self, site):
        db, case_id = site
        response = api_client(db, "lee.park").post(
            f"/api/cases/{case_id}/chronology/import",
            params=POLICE,
            files={"file": ("police.csv", GOOD.encode(), "text/csv")},
        )
        assert (201, 2) == (response.status_code, response.json()["imported"])

    @pytest.mark.parametrize(
        ("login", "params", "status", "error"),
        [
            ("olive.stone", POLICE, 404, None),
            ("lee.park", {"agency": "Northshire Police"}, 400, "role: must not be empty"),
            ("lee.park", {**POLICE, "check": "maybe"}, 400, "check: expected true or false"),
            ("rita.vale", {**POLICE, "role": "reviewer"}, 403, None),
        ],
    )
    def test_refusals_write_nothing(self, site, login, params, status, error):
        db, case_id = site
        before = _entries(db, case_id)
        response = api_client(db, login).post(
            f"/api/cases/{case_id}/chronology/import",
            params=params,
            content=GOOD.encode(),
            headers={"content-type": "text/csv"},
        )
        assert status == response.status_code, response.text
        if error:
            assert response.json()["error"].startswith(error)
        assert before == _entries(db, case_id)

    def test_a_check_of_a_file_over_the_preview_limit_is_one_line(self, site):
        db, case_id = site
        big = "when,what\n" + "2026-01-03,Visit to the family home\n" * 80_000  # ~3 MB
        response = self._post(api_client(db, "lee.park"), case_id, big, check="true")
        assert 400 == response.status_code
        assert response.json()["error"].startswith("check: the file is larger than 2 MB")

    def test_no_body_is_one_line(self, site):
        db, case_id = site
        response = api_client(db, "lee.park").post(
            f"/api/cases/{case_id}/chronology/import", params=POLICE
        )
        assert 400 == response.status_code
        assert response.json()["error"].startswith("file: send the CSV")


def test_the_schema_lists_the_operations(site):
    paths = api_client(site[0], "lee.park").get("/api/openapi.json").json()["paths"]
    assert {"/api/work", "/api/search", "/api/learning/themes"} <= set(paths)
    upload = paths["/api/cases/{case_id}/chronology/import"]["post"]
    assert {"text/csv", "multipart/form-data"} == set(upload["requestBody"]["content"])
    assert {"role", "agency", "check", "filename"} <= {p["name"] for p in upload["parameters"]}
