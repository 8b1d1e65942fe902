"""Chronology CSV import in the browser: a preview of every row and every row error
before anything is written, then the import of exactly the previewed file."""

from __future__ import annotations

from starlette.testclient import TestClient

from aaib_cp.db import Store
from aaib_cp.evidence.service import Casebook
from aaib_cp.workflow.engine import Engine
from tests.web_support import app_for, csrf_of, flashes, make_site, post_form, sign_in

GOOD = "when,what,key_episode\n2026-01-03,Strategy meeting held,yes\n2026-01-04,Visit,no\n"
BAD = "when,what\n2026-13-01,Bad month\n2026-01-04,\nsoon,Bad date\n"


def _entries(db, case_id) -> list[str]:
    with Store.open(db) as store:
        return [e.what for e in Casebook(Engine(store)).chronology(case_id).entries]


def _preview(client, case_id, content: str, name: str = "police.csv"):
    page = f"/cases/{case_id}/chronology"
    return post_form(
        client,
        page,
        f"{page}/preview",
        files={"file": (name, content.encode(), "text/csv")},
        role="lead_investigator",
        agency="Northshire Police",
    )[0]


def _site(tmp_path):
    db, case_id = make_site(tmp_path)
    client = TestClient(app_for(db))
    sign_in(client, "lee.park")
    return db, case_id, client


def test_every_row_error_is_shown_and_nothing_is_written(tmp_path):
    db, case_id, client = _site(tmp_path)
    before = _entries(db, case_id)
    page = _preview(client, case_id, BAD).text
    assert "3 invalid row(s): nothing can be imported" in page
    for row in ("row 2: when", "row 3: what", "row 4: when"):
        assert f"police.csv: {row}" in page
    assert "chronology/import" not in page  # no import button
    assert before == _entries(db, case_id)


def test_a_clean_file_is_previewed_then_imported_exactly(tmp_path):
    db, case_id, client = _site(tmp_path)
    before = _entries(db, case_id)
    page = _preview(client, case_id, GOOD).text
    assert "2 valid row(s)" in page and "Strategy meeting held" in page
    assert before == _entries(db, case_id)  # the preview wrote nothing
    response = client.post(
        f"/cases/{case_id}/chronology/import",
        data={
            "csrf": csrf_of(page),
            "role": "lead_investigator",
            "agency": "Northshire Police",
            "filename": "police.csv",
            "csv": GOOD,
        },
    )
    assert ["imported 2 entries (C2 to C3)"] == flashes(response.text)
    assert [*before, "Strategy meeting held", "Visit"] == _entries(db, case_id)


def test_wrong_columns_and_a_role_without_the_permission_are_refused(tmp_path):
    db, case_id, client = _site(tmp_path)
    page = _preview(client, case_id, "date,text\n2026-01-01,x\n").text
    assert "invalid row(s)" in page and "police.csv: row 1:" in page
    rita = TestClient(app_for(db))
    sign_in(rita, "rita.vale")
    response = post_form(
        rita,
        f"/cases/{case_id}/chronology",
        f"/cases/{case_id}/chronology/preview",
        files={"file": ("police.csv", GOOD.encode(), "text/csv")},
        role="reviewer",
    )[0]
    assert 403 == response.status_code and "reviewer" in response.text
