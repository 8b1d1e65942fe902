"""`aaib report`: building reports from the database, the anonymisation guarantee, the file."""

from __future__ import annotations

import hashlib
import html
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime

import attrs
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aaib_cp import Engine
from aaib_cp.analysis.service import Analysis
from aaib_cp.cli import cli
from aaib_cp.db import Store
from aaib_cp.demo import run_demo
from aaib_cp.evidence.service import Casebook
from aaib_cp.exceptions import AnonymisationError, InputError, RoleRefused
from aaib_cp.recommendations.service import SafetyBook
from aaib_cp.reports import render, visible_text
from aaib_cp.reports.anonymise import Anonymiser
from aaib_cp.reports.build import Publisher, anonymiser_for, build_report_data, without_data_uris
from aaib_cp.workflow.definition import load_workflow
from tests.conftest import FixedClock
from tests.journeys import BLAMELESS, answers
from tests.people import acct, as_role, cli_args, signed_in
from tests.records_helpers import CHIEF, LEAD
from tests.report_fixtures import png
from tests.safety_helpers import case_at
from tests.test_anonymise import NAME

AGENCY = "Northshire Children's Services"
PUBLIC = ("public", "summary")
FORMATS = ("md", "html")


def _plain(text: str) -> str:
    """Rendered text as a reader sees it: entities decoded, Markdown escapes removed."""
    return html.unescape(re.sub(r"\\(.)", r"\1", without_data_uris(text)))


@st.composite
def registered_people(draw):
    """One to three people with arbitrary names, each with a date of birth and an address."""
    names = draw(st.lists(NAME, min_size=1, max_size=3, unique_by=str.casefold))
    people = []
    for i, name in enumerate(names):
        dob = draw(st.dates(date(1950, 1, 1), date(2020, 12, 31)))
        street = draw(st.text(st.characters(categories=["Ll"]), min_size=3, max_size=8))
        postcode = f"{draw(st.sampled_from(['LS', 'SW', 'M']))}{draw(st.integers(1, 99))} 4AB"
        address = f"{draw(st.integers(1, 300))} {street} Road, Leeds, {postcode}"
        role = ("child", "parent", "social worker")[i]
        people.append({"name": name, "role": role, "dob": dob, "address": address})
    return people


def _mention(people) -> str:
    """Free text naming everyone in several forms, with their dates of birth and addresses."""
    parts = []
    for p in people:
        parts.append(
            f"{p['name']} ({p['name'].upper()}), born {p['dob'].isoformat()} "
            f"or {p['dob'].day} {p['dob']:%B %Y}, of {p['address']}; {p['name']}'s view."
        )
    return " ".join(parts)


def _case_to_final_report(engine: Engine, workflow, people, text: str | None = None) -> str:
    """A case with every free-text field naming ``people``, brought to final_report."""
    text = text or _mention(people)
    case = engine.open_case(
        workflow, title=f"Review: {people[0]['name']}", known_on=date(2026, 2, 25),
        **as_role("Ana", "notifier"),
    )  # fmt: skip
    cid = case.id
    engine.fire(cid, "start_triage", **CHIEF)
    fields = {"classification": "serious_harm", "depth": "field"}
    engine.fire(cid, "decide_investigate", reason="why", fields=fields, **CHIEF)
    engine.appoint(cid, acct("Lee"), "lead_investigator", **CHIEF)
    engine.fire(cid, "agree_scope", fields={"terms_of_reference": text}, **LEAD)
    engine.appoint(cid, acct("Sam"), "investigator", **LEAD)
    engine.appoint(cid, acct("Rita"), "reviewer", **LEAD)
    book = Casebook(engine)
    book.add_agency(cid, AGENCY, "social_care", **LEAD)
    pseudonyms = [
        book.add_person(
            cid, p["name"], p["role"], date_of_birth=p["dob"], address=p["address"], **LEAD
        ).pseudonym
        for p in people
    ]
    item = book.add_evidence(
        cid, kind="case_record", description=text, obtained_how=text,
        obtained_on=date(2026, 2, 26), agency=AGENCY, **LEAD,
    )  # fmt: skip
    book.add_entry(
        cid, when="2026-01-10", agency=AGENCY, what=text, people=pseudonyms,
        evidence=item.ref, key_episode=True, **LEAD,
    )  # fmt: skip
    engine.fire(cid, "begin_analysis", **LEAD)
    analysis = Analysis(engine)
    act = analysis.add_act(
        cid, person=pseudonyms[-1], when="2026-01-10", description=text,
        chronology=["C1"], evidence=["E1"], **LEAD,
    )  # fmt: skip
    analysis.add_factor(
        cid, code="ORG.CASELOAD", acts=[act.ref], evidence=["E1"], note=text, **LEAD
    )
    engine.fire(cid, "begin_classification", **LEAD)
    analysis.classify(cid, act.ref, answers(BLAMELESS), peers=text, **LEAD)
    analysis.add_finding(cid, kind="causal", text=text, acts=[act.ref], evidence=["E1"], **LEAD)
    engine.fire(cid, "begin_recommendations", **LEAD)
    safety = SafetyBook(engine)
    safety.add_recommendation(cid, text=text, to_agency=AGENCY, **LEAD)
    safety.add_safety_action(cid, agency=AGENCY, text=text, **LEAD)
    engine.fire(cid, "write_draft", **LEAD)
    engine.set_field(cid, "synopsis", text, **LEAD)
    engine.fire(cid, "send_for_consultation", **LEAD)
    safety.send_draft(cid, [AGENCY], **LEAD)
    rep = safety.represent(cid, AGENCY, text=text, **LEAD)
    safety.dispose(cid, rep.ref, disposition="accepted", reason=text, **LEAD)
    engine.fire(cid, "issue_final_report", **LEAD)
    assert "final_report" == engine.get(cid).state
    return cid


class TestAnonymisationGuarantee:
    # Bounded: each example builds a database and renders six reports.
    @settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(people=registered_people())
    def test_public_outputs_never_contain_a_registered_identifier(self, people):
        """Names, dates of birth and addresses in any free-text field never reach public outputs."""
        store = Store.memory()
        try:
            clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
            engine = Engine(store, clock=clock)
            cid = _case_to_final_report(engine, load_workflow("child-protection"), people)
            publisher = Publisher(engine)
            anonymiser = anonymiser_for(store, cid)
            pseudonyms = " ".join(p.pseudonym for p in Casebook(engine).people(cid)).casefold()
            bare = build_report_data(engine, cid, audience="public", pictures=False)
            # Pictures are drawn in HTML only, as the publisher does.
            with_pictures = attrs.evolve(bare, timeline_png=png(), workflow_png=png())
            for audience in PUBLIC:
                for fmt in FORMATS:
                    # What the template writes itself: a name that is an ordinary word there
                    # ("May", "the") must make publishing fail, never pass unnoticed.
                    static = render(
                        with_pictures if fmt == "html" else bare, audience=audience, fmt=fmt,
                        public_states=("final_report",), redact=lambda _s: "0",
                    )  # fmt: skip
                    # The check reads what a reader sees: never markup or CSS.
                    if fmt == "html":
                        static = visible_text(static)
                    if anonymiser.leaks(without_data_uris(static)):
                        with pytest.raises(AnonymisationError):
                            publisher.render(cid, audience=audience, fmt=fmt)
                        continue
                    content, _ = publisher.render(cid, audience=audience, fmt=fmt)
                    out = content.decode("utf-8")
                    if fmt == "html":
                        out = visible_text(out)
                    assert [] == anonymiser.leaks(without_data_uris(out))
                    seen = _plain(out).casefold()
                    fixed = _plain(static).casefold() + " " + pseudonyms
                    for p in people:
                        name = p["name"].casefold()
                        assert name in fixed or name not in seen, (audience, fmt)
                        assert p["dob"].isoformat() not in seen
                        assert p["address"].casefold() not in seen
            content, _ = publisher.render(cid, audience="restricted", fmt="md")
            restricted = content.decode("utf-8")
            for p in people:
                assert p["name"].casefold() in _plain(restricted).casefold()
                assert p["dob"].isoformat() in restricted
        finally:
            store.close()


@pytest.fixture
def demo_db(tmp_path):
    """A database holding the demo case (closed), and its reference."""
    path = tmp_path / "demo.db"
    store = Store.open(path, create=True)
    case_id = run_demo(Engine(store), say=lambda _s: None)
    store.close()
    return path, case_id


def _invoke(path, *args):
    full, env = cli_args(path, ["--db", str(path), *args])
    return CliRunner().invoke(cli, full, env=env)


DEMO_NAMES = ("Dana Fictional", "Morgan Fictional", "Alex Example", "Kit Example")


class TestReportCommand:
    def test_public_html_of_the_demo_has_pseudonyms_only(self, demo_db, tmp_path):
        """The demo's public report names Child A and Social Worker 1, never a real name."""
        path, cid = demo_db
        out = tmp_path / "public.html"
        result = _invoke(path, "--actor", "Anyone", "report", cid, "--audience", "public",
                         "-o", str(out))  # fmt: skip
        assert 0 == result.exit_code, result.output
        text = out.read_text(encoding="utf-8")
        assert "Child A" in text and "Social Worker 1" in text
        assert [] == [n for n in DEMO_NAMES if n in text]
        assert 'id="timeline"' in text

    def test_report_is_an_audit_event_with_its_hash(self, demo_db, tmp_path):
        """report_generated records the audience, format and SHA-256 of the file written."""
        path, cid = demo_db
        out = tmp_path / "summary.md"
        result = _invoke(path, "--actor", "Anyone", "report", cid, "--audience", "summary",
                         "-o", str(out), "--json")  # fmt: skip
        assert 0 == result.exit_code, result.output
        with Store.open(path) as store:
            event = store.events(cid)[-1]
        digest = hashlib.sha256(out.read_bytes()).hexdigest()
        assert ("report_generated", "Anyone") == (event.kind, event.actor)
        assert {"audience": "summary", "format": "md", "sha256": digest} == {
            k: event.detail[k] for k in ("audience", "format", "sha256")
        }

    def test_public_report_refused_before_final_report(self, engine, workflow, tmp_path):
        """Before final_report a public report is refused in one line and nothing is written."""
        cid = case_at(engine, workflow, "draft_report")
        with pytest.raises(InputError, match="public outputs exist only from final_report"):
            Publisher(engine).write(cid, tmp_path / "r.html", audience="public", actor=acct("X"))
        assert [] == list(tmp_path.iterdir())

    def test_cli_refusal_exits_1_and_writes_nothing(self, tmp_path):
        """The CLI turns the refusal into 'Error: ...' and exit 1, with no file left behind."""
        db = tmp_path / "a.db"
        store = Store.open(db, create=True)
        engine = Engine(store, clock=FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)))
        cid = case_at(engine, load_workflow("child-protection"), "consultation")
        store.close()
        out = tmp_path / "out" / "r.md"
        out.parent.mkdir()
        result = _invoke(db, "--actor", "X", "report", cid, "--audience", "summary",
                         "-o", str(out))  # fmt: skip
        assert 1 == result.exit_code
        assert 1 == len(result.output.strip().splitlines())
        assert "Error: summary report: public outputs exist only from final_report" in (
            result.output
        )
        assert [] == list(out.parent.iterdir())

    def test_restricted_draft_is_watermarked(self, engine, workflow, tmp_path):
        """A restricted report before final_report is marked DRAFT in Markdown and HTML."""
        cid = case_at(engine, workflow, "draft_report")
        publisher = Publisher(engine)
        for fmt in FORMATS:
            written = publisher.write(cid, tmp_path / f"r.{fmt}", audience="restricted", **LEAD)
            text = written.path.read_text(encoding="utf-8")
            assert written.draft
            assert "DRAFT" in text and "OFFICIAL-SENSITIVE" in text
        assert 'class="watermark"' in (tmp_path / "r.html").read_text(encoding="utf-8")

    def test_a_leak_fails_publishing_and_writes_nothing(
        self, engine, workflow, tmp_path, monkeypatch
    ):
        """If redaction misses an identifier, the final check refuses and no file appears."""
        cid = case_at(engine, workflow, "final_report")
        Casebook(engine).add_entry(
            cid, when="2026-01-11", agency=AGENCY, what="Amy Example was seen at school", **LEAD
        )
        text = "Nobody asked Amy Example what life at home was like"
        Analysis(engine).add_finding(cid, kind="causal", text=text, **LEAD)
        monkeypatch.setattr(Anonymiser, "redact", lambda self, text: text)
        for audience in PUBLIC:
            with pytest.raises(AnonymisationError) as caught:
                Publisher(engine).write(
                    cid, tmp_path / "r.html", audience=audience, actor=acct("X")
                )
            assert re.fullmatch(
                rf"{audience} report of {cid}: the real name of Child A appears at line \d+, "
                r"column \d+( \(and \d+ more\))?; nothing was published",
                str(caught.value),
            ), str(caught.value)
        assert [] == list(tmp_path.iterdir())
        assert "report_generated" not in [e.kind for e in engine.history(cid)]

    def test_restricted_needs_an_appointed_case_role(self, engine, workflow, tmp_path):
        """An organisation role or someone unappointed is refused (audited); read_only may read."""
        cid = case_at(engine, workflow, "final_report")
        publisher = Publisher(engine)
        out = tmp_path / "r.md"
        for who in (CHIEF, as_role("Nobody", "investigator")):
            with pytest.raises(RoleRefused):
                publisher.write(cid, out, audience="restricted", **who)
            assert "refused" == engine.history(cid)[-1].kind
        assert not out.exists()
        engine.appoint(cid, acct("Olive"), "read_only", **LEAD)
        written = publisher.write(cid, out, audience="restricted", **as_role("Olive", "read_only"))
        assert "Amy Example" in written.path.read_text(encoding="utf-8")
        assert ("report_generated", "Olive") == (
            engine.history(cid)[-1].kind,
            engine.history(cid)[-1].actor,
        )

    def test_public_timeline_lanes_are_anonymised(self, engine, workflow):
        """An agency named after a registered person is drawn under the redacted name."""
        cid = case_at(engine, workflow, "final_report")
        book = Casebook(engine)
        book.add_agency(cid, "Amy Example Surgery", "health", **LEAD)
        book.add_entry(cid, when="2026-01-12", agency="Amy Example Surgery", what="Seen", **LEAD)
        data = build_report_data(engine, cid, audience="public")
        assert data.timeline_png is None
        labels = visible_text(data.timeline_svg.decode("utf-8"))
        assert "Child A Surgery" in labels
        assert "Amy" not in labels
        restricted = build_report_data(engine, cid, audience="restricted")
        assert "Amy Example Surgery" in visible_text(restricted.timeline_svg.decode("utf-8"))


class TestSubprocessAndDemo:
    def test_python_m_aaib_cp_report(self, demo_db, tmp_path):
        """A real process writes the public Markdown report and prints where it is."""
        path, cid = demo_db
        out = tmp_path / "public.md"
        done = subprocess.run(
            [sys.executable, "-m", "aaib_cp", "--db", str(path),
             "report", cid, "--audience", "public", "-o", str(out)],
            capture_output=True, text=True, timeout=120,
            env={**os.environ, **signed_in(path, "Reader")},
        )  # fmt: skip
        assert 0 == done.returncode, done.stderr
        assert f"{cid}: public report written to {out}" in done.stdout
        assert "## 4 Safety recommendations" in out.read_text(encoding="utf-8")

    def test_demo_writes_its_public_report(self, tmp_path):
        """aaib demo ends by writing the public HTML next to the database and saying where."""
        db = tmp_path / "aaib-demo.db"
        result = CliRunner().invoke(cli, ["demo", "--db", str(db)])
        assert 0 == result.exit_code, result.output
        report = tmp_path / "aaib-demo-report.html"
        assert f"Public report: {report.resolve()}" in result.output
        text = report.read_text(encoding="utf-8")
        assert "Child A" in text
        assert [] == [n for n in DEMO_NAMES if n in text]
