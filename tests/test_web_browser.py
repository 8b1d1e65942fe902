"""A real browser (Debian's Chromium through Playwright) against `aaib serve`.

One case from notification to closed, through the screens, by four people in four
browser contexts: Chris (chief investigator) triages and decides to investigate; Lee
(lead investigator) fires the triggers and meets a refusal with its message; Sam
(investigator) registers evidence, analyses, classifies and records a finding, and is
refused confirming his own classification; Rita (reviewer) confirms it, assesses the
response and downloads the anonymised public report. axe-core finds no violation on
any main screen. A screenshot of every screen is kept in ``AAIB_WEB_SCREENSHOTS``
(default: the test's temporary folder).
"""

from __future__ import annotations

import hashlib
import os
import signal
from pathlib import Path

import pytest

from aaib_cp.analysis.service import Analysis
from aaib_cp.db import Store
from aaib_cp.evidence.service import Casebook
from aaib_cp.workflow.engine import Engine
from tests.test_report_formats import _chromium  # Debian's Chromium, or skip/fail
from tests.web_support import PASSWORD, make_site, notified, start_serving

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
        Casebook(engine).add_evidence(
            case_id,
            kind="interview",
            description="Health visitor's account",
            obtained_how="Interview",
            obtained_on="2026-01-05",
            **lead,
        )  # fmt: skip (E1: protected material, for its custody page)
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
    context.set_default_timeout(10_000)
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


#: The journey's people: name -> organisation roles; appointments are made in set-up.
JOURNEY = {
    "Ana Ruiz": ("notifier",),
    "Chris Ode": ("chief_investigator",),
    "Lee Park": (),
    "Sam Idowu": (),
    "Rita Vale": (),
}
#: The real name of the social worker, which the public report must never show.
REAL_NAME = "Alex Example"
#: Reason's tree, answered to a possible reckless violation (referred onward).
RECKLESS = {
    "actions_intended": "yes",
    "consequences_intended": "no",
    "unauthorised_substance": "no",
    "knowingly_violating": "yes",
    "procedures_sound": "yes",
}


def _journey_site(folder: Path) -> tuple[Path, str]:
    """A case just notified. Set-up the issue lists no screen for: the accounts, the
    appointments (Sam is investigator and, on this case, a reviewer too: the four-eyes
    rule must still stop him confirming his own classification), one agency, one person."""
    db = folder / "journey.db"
    with Store.open(db, create=True) as store:
        engine = Engine(store)
        people, case = notified(engine, JOURNEY, "Child B", engine.clock().date())
        chief = {"actor": people["Chris Ode"], "role": "chief_investigator"}
        for name, role in (
            ("Lee Park", "lead_investigator"),
            ("Sam Idowu", "investigator"),
            ("Sam Idowu", "reviewer"),
            ("Rita Vale", "reviewer"),
        ):
            engine.appoint(case.id, people[name], role, **chief)
        book = Casebook(engine)
        lead = {"actor": people["Lee Park"], "role": "lead_investigator"}
        book.add_agency(case.id, "Northshire Police", "police", **lead)
        book.add_person(case.id, REAL_NAME, "social worker", agency="Northshire Police", **lead)
    return db, case.id


@pytest.fixture(scope="module")
def journey(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-journey")
    db, case_id = _journey_site(folder)
    process, base = start_serving(db)
    yield base, case_id, folder
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=30)


class Screens:
    """Screenshots of every screen visited, numbered in the order they were seen."""

    def __init__(self, folder: Path) -> None:
        self.folder = _shots(folder) / "journey"
        self.folder.mkdir(exist_ok=True)
        self.taken: list[str] = []

    def __call__(self, page, name: str) -> None:
        self.taken.append(name)
        _shot(page, self.folder / f"{len(self.taken):02d}-{name}.png")


def _fire(page, case_id: str, trigger: str, dest: str, **fields: str) -> None:
    """Fire ``trigger`` from the case page, filling its fields (``choose_`` picks from a
    list); wait for ``dest`` and its workflow picture."""
    page.goto(f"/cases/{case_id}")
    form = page.locator(f"#t-{trigger} form")
    for name, value in fields.items():
        field = form.get_by_label(name.removeprefix("choose_").replace("_", " "))
        if name.startswith("choose_"):
            field.select_option(value)
        else:
            field.fill(value)
    form.get_by_role("button", name=f"Fire {trigger}").click()
    page.get_by_role("heading", name=f"State: {dest}").wait_for()
    picture = page.locator("figure.workflow img")  # decode() fails for a broken image
    assert picture.evaluate("i => i.decode().then(() => i.naturalWidth)") > 0


def _said(page, text: str, role: str = "status") -> str:
    """The page's message (a status, or an alert for a refusal) containing ``text``."""
    message = page.get_by_role(role).filter(has_text=text).first
    message.wait_for()
    return message.inner_text()


def _submit(page, fields: dict[str, str | bool], button: str, said: str) -> str:
    """Fill the fields by their exact labels (True ticks a box; a list picks its option),
    press ``button`` and wait for the message containing ``said``; the message."""
    for label, value in fields.items():
        field = page.get_by_label(label, exact=True)
        if value is True:
            field.check()
        elif field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(str(value))
        else:
            field.fill(str(value))
    page.get_by_role("button", name=button).click()
    return _said(page, said)


def test_one_case_from_notification_to_closed(journey, browser):
    """Chris, Lee, Sam and Rita, each in their own browser, take one case to closed."""
    base, case_id, folder = journey
    shot = Screens(folder)
    chief_ctx, chris = _signed_in(browser, base, "chris.ode")
    lead_ctx, lee = _signed_in(browser, base, "lee.park")
    inv_ctx, sam = _signed_in(browser, base, "sam.idowu")
    rev_ctx, rita = _signed_in(browser, base, "rita.vale")
    shot(lee, "my-work")

    # Triage and the decision to investigate (the chief), scope (the lead).
    _fire(chris, case_id, "start_triage", "triage")
    shot(chris, "case-triage")
    _fire(
        chris,
        case_id,
        "decide_investigate",
        "scoping",
        choose_classification="serious_harm",
        choose_depth="field",
        reason="Several agencies involved",
    )
    _fire(lee, case_id, "agree_scope", "evidence", terms_of_reference="Information sharing")
    shot(lee, "case-evidence")

    # A refused trigger, in the command line's words: no evidence from the police yet.
    lee.locator("#t-begin_analysis").get_by_role("button", name="Fire begin_analysis").click()
    refusal = _said(lee, "begin_analysis", "alert")
    assert "Northshire Police" in refusal and "evidence" in refusal
    shot(lee, "refused")

    # Evidence (a file uploaded, its digest shown) and a chronology entry citing it.
    sam.goto(f"/cases/{case_id}/evidence")
    sam.get_by_label("File (optional; its SHA-256 is recorded)").set_input_files(
        files=[{"name": "log.txt", "mimeType": "text/plain", "buffer": b"incident log\n"}]
    )
    evidence = {
        "Kind": "agency_report",
        "Description": "Police incident log",
        "How it was obtained": "Supplied by the force's liaison",
        "Agency (optional)": "Northshire Police",
    }
    _submit(sam, evidence, "Register", "registered E1")
    assert hashlib.sha256(b"incident log\n").hexdigest()[:16] in sam.content()
    shot(sam, "evidence")
    sam.get_by_role("link", name="E1", exact=True).click()
    sam.get_by_role("heading", name="Chain of custody").wait_for()
    assert "evidence accessed" in sam.locator("table").nth(1).inner_text()
    shot(sam, "evidence-custody")
    sam.goto(f"/cases/{case_id}/chronology")
    entry = {
        "When (YYYY-MM-DD, optionally HH:MM)": "2026-01-02",
        "What happened": "Call-out; the child was present, not spoken to",
        "People (pseudonyms, separated by ;)": "Social Worker 1",
        "Evidence item (e.g. E1)": "E1",
    }
    _submit(sam, entry, "Add entry", "added C1")
    shot(sam, "chronology")
    _fire(lee, case_id, "begin_analysis", "analysis")

    # Analysis: an act, and a factor picked from the taxonomy.
    sam.goto(f"/cases/{case_id}/analysis")
    act = {
        "When (YYYY-MM-DD)": "2026-01-02",
        "What was done or not done": "Did not speak to the child alone",
        "Chronology entries (e.g. C1, C2)": "C1",
        "Evidence (e.g. E1)": "E1",
    }
    _submit(sam, act, "Record act", "recorded A1")
    factor = {
        "Factor": "ACT.EXCEPTIONAL",  # the taxonomy picker
        "A1: Did not speak to the child alone": True,
        "Evidence (e.g. E1, E2)": "E1",
        "How it bore on the act(s)": "The log records the policy set aside",
    }
    _submit(sam, factor, "Record factor", "recorded CF1")
    shot(sam, "analysis")
    _fire(lee, case_id, "begin_classification", "classification")

    # The classification wizard, one question at a time, to an outcome referred onward.
    sam.goto(f"/cases/{case_id}/analysis")
    sam.get_by_role("link", name="Classify A1 (reason-culpability)").click()
    for step in range(1, len(RECKLESS) + 1):
        sam.get_by_text(f"Question {step}:").wait_for()
        question = sam.locator("input[name=question]").get_attribute("value")
        sam.get_by_label(RECKLESS[question].capitalize(), exact=True).check()
        sam.get_by_label("Rationale").fill(f"From the log ({question})")
        sam.get_by_label("Evidence items (e.g. E1, E3; blank for none)").fill("E1")
        if step == 1:
            shot(sam, "classify-question")
        sam.get_by_role("button", name="Next").click()
    sam.get_by_text("A reviewer must confirm this classification").wait_for()
    shot(sam, "classify-outcome")
    sam.get_by_role("button", name="Save the classification").click()
    _said(sam, "classified A1")

    # Four eyes: the classifier, also a reviewer here, is refused; the reviewer confirms.
    sam.get_by_role("button", name="Confirm A1").click()
    refused = _said(sam, "A1", "alert")
    assert "Sam Idowu classified act A1 and so cannot confirm" in refused
    shot(sam, "confirm-refused")
    rita.goto(f"/cases/{case_id}/analysis")
    rita.get_by_role("button", name="Confirm A1").click()
    _said(rita, "confirmed the classification of A1")
    shot(rita, "confirmed")

    # A finding, then a recommendation drawn from it (issued with the final report).
    sam.goto(f"/cases/{case_id}/findings")
    finding = {
        "Kind": "causal",
        "Finding": "The call-out never reached children's social care",
        "A1: Did not speak to the child alone": True,
        "E1: Police incident log": True,
    }
    _submit(sam, finding, "Record finding", "recorded F1")
    shot(sam, "findings")
    _fire(lee, case_id, "begin_recommendations", "recommendations")
    lee.goto(f"/cases/{case_id}/recommendations")
    recommendation = {
        "It is recommended that…": "Share every call-out within a day",
        "To an agency of the case": "Northshire Police",
        "Findings it follows from (e.g. F1, F2)": "F1",
    }
    said = _submit(lee, recommendation, "Add recommendation", "recorded")
    ref = said.removeprefix("recorded ").strip()
    assert "Draft, not issued" in lee.locator(f"#rec-{ref}").inner_text()  # until the report
    shot(lee, "recommendations")

    # Draft, consultation (the police make no representation), final report.
    _fire(lee, case_id, "write_draft", "draft_report")
    _fire(lee, case_id, "send_for_consultation", "consultation")
    lee.goto(f"/cases/{case_id}/consultation")
    parties = {"Parties (agencies or pseudonyms, separated by ;)": "Northshire Police"}
    _submit(lee, parties, "Record the draft as sent", "sent the draft to Northshire Police")
    _submit(lee, {"The party made none": True}, "Record representation", "recorded")
    shot(lee, "consultation")
    _fire(lee, case_id, "issue_final_report", "final_report")
    _fire(lee, case_id, "track_responses", "response_tracking")

    # The response, its assessment by the reviewer, the staff told; closed.
    lee.goto(f"/cases/{case_id}/recommendations")
    assert "Issued" in lee.locator(f"#rec-{ref}").inner_text()
    response = {f"Response received to {ref}": "Accepted: a daily share is in place"}
    _submit(lee, response, f"Record the response to {ref}", f"recorded the response to {ref}")
    rita.goto(f"/cases/{case_id}/recommendations")
    grade = {f"Grade of the response to {ref}": "adequate", "Assessment": "It answers the risk"}
    _submit(rita, grade, f"Assess the response to {ref}", f"assessed the response to {ref}")
    shot(rita, "assessed")
    lee.goto(f"/cases/{case_id}/feedback")
    attendees = {"Attendees (separated by ;)": "Kit Example; Robin Example"}
    _submit(lee, attendees, "Record feedback session", "recorded the feedback session")
    shot(lee, "feedback")
    _fire(lee, case_id, "close", "closed", reason="All answered and staff told")
    shot(lee, "case-closed")

    # The public report, downloaded by the reviewer: anonymised.
    rita.goto(f"/cases/{case_id}/reports")
    shot(rita, "reports")
    with rita.expect_download() as caught:
        rita.get_by_role("link", name="md (public)").click()
    report = Path(caught.value.path()).read_text(encoding="utf-8")
    assert caught.value.suggested_filename.endswith(".md")
    assert f"**Report:** {case_id}-P" in report  # the public report, with pseudonyms
    assert "Social Worker 1: Did not speak to the child alone" in report
    assert "Northshire Police share every call-out within a day" in report
    assert REAL_NAME not in report

    rita.goto(f"/cases/{case_id}/history?verify=1")
    rita.get_by_text("Audit trail intact").wait_for()
    shot(rita, "history")
    for context in (chief_ctx, lead_ctx, inv_ctx, rev_ctx):
        context.close()
    assert [] == ERRORS, ERRORS
    assert len(list(shot.folder.glob("*.png"))) == len(shot.taken)


SCREENS = [
    "/",
    "/cases",
    "/cases/{case}",
    "/cases/{case}/history",
    "/cases/{case}/chronology",
    "/cases/{case}/evidence",
    "/cases/{case}/evidence/E1",
    "/cases/{case}/reports",
    "/cases/{case}/analysis",
    "/cases/{case}/recommendations",
    "/cases/{case}/consultation",
    "/cases/{case}/findings",
    "/cases/{case}/feedback",
    "/account",
    "/cases/{case}/classify/A1?tree=reason-culpability",
    "/search?q=visit",
    "/learning",
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
    page.goto(f"/cases/{case_id}/chronology")  # the import preview, with row errors
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "p.csv", "mimeType": "text/csv", "buffer": b"when,what\nsoon,x\n"}]
    )
    page.get_by_role("button", name="Preview the import").click()
    page.get_by_text("1 invalid row(s)").wait_for()
    found["chronology import preview"] = _axe(page)
    _shot(page, shots / "chronology-import-preview.png")
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
