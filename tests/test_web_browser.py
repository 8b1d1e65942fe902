"""A real browser (Debian's Chromium through Playwright) against `aaib serve`.

Three people in three browser contexts: Lee (lead investigator) agrees the scope and
meets a refused trigger with its message; Chris (chief investigator) suspends and
resumes; Rita (reviewer) reads the history and verifies it. axe-core finds no
violation on any main screen. A screenshot of every screen is kept in
``AAIB_WEB_SCREENSHOTS`` (default: the test's temporary folder).
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from aaib_cp.analysis.service import Analysis
from aaib_cp.db import Store
from aaib_cp.evidence.service import Casebook
from aaib_cp.workflow.engine import Engine
from tests.test_report_formats import _chromium  # Debian's Chromium, or skip/fail
from tests.web_support import PASSWORD, make_site, start_serving

pytest.importorskip("playwright")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-browser")
    db, case_id = make_site(folder)
    with Store.open(db) as store:  # an act to classify
        engine = Engine(store)
        lead = {"actor": store.accounts.by_login("lee.park"), "role": "lead_investigator"}
        Casebook(engine).add_person(case_id, "Sam Brook", "social worker", **lead)
        Analysis(engine).add_act(
            case_id, person="Social Worker 1", when="2026-01-02", description="No visit", **lead
        )
    process, base = start_serving(db)
    yield base, case_id, folder
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=30)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=_chromium(), args=["--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


def _shots(folder: Path) -> Path:
    out = Path(os.environ.get("AAIB_WEB_SCREENSHOTS") or folder / "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    return out


def _shot(page, path: Path) -> None:
    """A full-page screenshot (the caret left alone: hiding it injects a style the CSP
    would report)."""
    page.screenshot(path=path, full_page=True, caret="initial")


def _signed_in(browser, base: str, login: str, *, bypass_csp: bool = False):
    """A browser context signed in as ``login``; CSP is enforced unless axe must inject."""
    context = browser.new_context(base_url=base, bypass_csp=bypass_csp)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and ERRORS.append(m.text))
    page.goto("/sign-in")
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="My work").wait_for()
    return context, page


#: Errors the pages logged in the browser's console (a CSP violation would be one).
ERRORS: list[str] = []


def _axe(page) -> list[tuple[str, str]]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [(v["id"], v["help"]) for v in results.response["violations"]]


def test_three_people_take_the_case_forward(served, browser):
    base, case_id, folder = served
    shots = _shots(folder)
    lead_ctx, lee = _signed_in(browser, base, "lee.park")
    assert "object" == lee.evaluate("typeof htmx")  # the shipped htmx loaded under the CSP
    _shot(lee, shots / "my-work.png")
    lee.get_by_role("link", name=case_id).first.click()
    lee.get_by_role("heading", name="State: scoping").wait_for()
    _shot(lee, shots / "case.png")

    form = lee.locator("#t-agree_scope form")
    form.get_by_label("terms of reference").fill("Information sharing, January to March")
    form.get_by_role("button", name="Fire agree_scope").click()
    lee.get_by_role("heading", name="State: evidence").wait_for()
    assert "scoping -> evidence (agree_scope)" in lee.get_by_role("status").first.inner_text()

    lee.locator("#t-begin_analysis").get_by_role("button", name="Fire begin_analysis").click()
    alert = lee.get_by_role("alert").first
    alert.wait_for()
    assert "no one is appointed as investigator" in alert.inner_text()
    _shot(lee, shots / "refused.png")

    chief_ctx, chris = _signed_in(browser, base, "chris.ode")
    chris.goto(f"/cases/{case_id}")
    suspend = chris.locator("#t-suspend form")
    suspend.get_by_label("Reason").fill("Criminal proceedings")
    suspend.get_by_role("button", name="Fire suspend").click()
    chris.get_by_role("heading", name="State: suspended").wait_for()

    review_ctx, rita = _signed_in(browser, base, "rita.vale")
    rita.goto(f"/cases/{case_id}/history")
    rita.get_by_role("link", name="Verify the audit trail").click()
    rita.get_by_text("Audit trail intact").wait_for()
    text = rita.locator("table").inner_text()
    assert "begin_analysis: evidence -> REFUSED" in text and "Chris Ode" in text
    _shot(rita, shots / "history.png")
    for context in (lead_ctx, chief_ctx, review_ctx):
        context.close()
    assert [] == ERRORS, ERRORS


SCREENS = [
    "/",
    "/cases",
    "/cases/{case}",
    "/cases/{case}/history",
    "/cases/{case}/chronology",
    "/cases/{case}/evidence",
    "/cases/{case}/reports",
    "/cases/{case}/analysis",
    "/cases/{case}/recommendations",
    "/cases/{case}/consultation",
    "/account",
    "/cases/{case}/classify/A1?tree=reason-culpability",
    "/search?q=visit",
]


def test_axe_core_finds_no_violation_on_any_screen(served, browser):
    """WCAG 2.x A and AA rules and best practice, on every main screen and the sign-in."""
    base, case_id, folder = served
    shots = _shots(folder)
    anonymous = browser.new_context(base_url=base, bypass_csp=True).new_page()
    anonymous.goto("/sign-in")
    found = {"/sign-in": _axe(anonymous)}
    _shot(anonymous, shots / "sign-in.png")
    context, page = _signed_in(browser, base, "lee.park", bypass_csp=True)
    for screen in SCREENS:
        path = screen.format(case=case_id)
        page.goto(path)
        found[path] = _axe(page)
        name = path.strip("/").replace("/", "-").split("?")[0] or "home"
        _shot(page, shots / f"{name}.png")
    context.close()
    assert {} == {path: v for path, v in found.items() if v}


def test_keyboard_reaches_the_skip_link_first(served, browser):
    """Tab once: the skip link has focus and is visible; Enter moves focus to main."""
    base, _, _ = served
    context, page = _signed_in(browser, base, "lee.park")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Skip to main content" == focused
    box = page.locator(".skip").bounding_box()
    assert box is not None and box["x"] >= 0
    page.keyboard.press("Enter")
    assert "main" == page.evaluate("document.activeElement.id")
    context.close()
