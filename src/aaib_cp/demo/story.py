"""A complete sample investigation, from notification to closed, on fictional people.

Used by ``aaib demo`` and by the tests, so the demo can never silently rot.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aaib_cp.wiring  # noqa: F401  (every phase's tables, facts, guards, effects)
from aaib_cp.exceptions import TransitionRefused
from aaib_cp.workflow.definition import load_workflow
from aaib_cp.workflow.engine import Engine

if TYPE_CHECKING:
    from aaib_cp.recommendations.service import SafetyBook
    from aaib_cp.workflow.identity import Account

__all__ = ["CAST", "demo_cast", "run_demo"]

#: The cast: (login, the role each acts in). Accounts are made by :func:`demo_cast`.
NOTIFIER = ("ana.ruiz", "notifier")
CHIEF = ("chris.ode", "chief_investigator")
LEAD = ("lee.park", "lead_investigator")
INVESTIGATOR = ("sam.idowu", "investigator")
REVIEWER = ("rita.haas", "reviewer")

#: login -> (name, organisation roles granted, agencies declared)
CAST: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "chris.ode": ("Chris Ode", ("administrator", "chief_investigator"), ()),
    "ana.ruiz": ("Ana Ruiz", ("notifier",), ()),
    "lee.park": ("Lee Park", (), ("Eastshire County Council",)),
    "sam.idowu": ("Sam Idowu", (), ()),
    "rita.haas": ("Rita Haas", (), ()),
}

CSC = "Northshire Children's Social Care"
POLICE = "Northshire Police"
HEALTH = "Northshire Community Health"


def demo_cast(engine: Engine) -> dict[str, Account]:
    """The cast's accounts: the administrator first, then the others it adds and grants;
    each declares their affiliations (Lee Park one agency, the others none). Made once
    per database."""
    accounts = engine.accounts
    admin_login = next(iter(CAST))
    if accounts.db.by_login(admin_login) is not None:  # a second sample case, same cast
        return {login: accounts.get(login) for login in CAST}
    name, roles, _ = CAST[admin_login]
    admin = accounts.first_administrator(admin_login, name)
    accounts.register("Eastshire County Council", actor=admin)
    for role in roles:
        if not admin.holds(role):
            admin = accounts.grant(admin_login, role, actor=admin)
    for login, (name, roles, _) in list(CAST.items())[1:]:
        accounts.add(login, name, actor=admin, roles=roles)
    for login, (_, _, agencies) in CAST.items():
        accounts.declare(agencies, actor=accounts.get(login), none=not agencies)
    return {login: accounts.get(login) for login in CAST}


def _as(engine: Engine, who: tuple[str, str]) -> dict[str, Any]:
    """``actor=`` (the account) and ``role=`` keyword arguments for one of the cast."""
    return {"actor": engine.accounts.get(who[0]), "role": who[1]}


SYNOPSIS = (
    "Child A, aged three, was seriously harmed at home in November 2026. In the three months "
    "before, children's social care, community health and the police each saw part of the "
    "picture: a referral, a missed health appointment and a domestic abuse call-out at which "
    "Child A was present. The case had been closed to single-agency support, and the police "
    "notification reached the safeguarding hub after a delay. The investigation found that "
    "information was not joined up across agencies and that high caseloads and thin "
    "supervision shaped the decisions taken. Three safety recommendations are made."
)


def run_demo(engine: Engine, *, say: Callable[[str], None] = print) -> str:
    """Run the sample investigation in ``engine``; returns the case reference."""
    definition = load_workflow("child-protection")
    demo_cast(engine)
    known_on = engine.clock().date() - timedelta(days=2)
    case = engine.open_case(
        definition,
        title="Child A (sample case)",
        known_on=known_on,
        **_as(engine, NOTIFIER),
        reason="Local authority notification",
    )
    say(f"Opened {case.id} in '{case.state}' (incident known on {known_on}).")

    def fire(trigger: str, who: tuple[str, str], **kwargs: Any) -> None:
        event = engine.fire(case.id, trigger, **_as(engine, who), **kwargs)
        say(f"  {trigger:<28} {event.from_state} -> {event.to_state}")

    fire("start_triage", CHIEF)
    fire(
        "decide_investigate",
        CHIEF,
        fields={"classification": "serious_harm", "depth": "field"},
        reason="Several agencies were involved; practice may hold wider lessons.",
    )
    try:
        engine.fire(
            case.id,
            "agree_scope",
            **_as(engine, CHIEF),
            fields={"terms_of_reference": "Multi-agency response, Jan-Mar"},
        )
    except TransitionRefused as refused:
        say(f"  refused, as it should be:    {refused}")
    engine.appoint(case.id, engine.accounts.get(LEAD[0]), LEAD[1], **_as(engine, CHIEF))
    say("  appointed Lee Park as independent lead investigator")
    fire(
        "agree_scope",
        LEAD,
        fields={"terms_of_reference": "How agencies shared information about Child A, Jan-Mar."},
    )
    fire("suspend", LEAD, reason="Criminal proceedings under way; police asked for a pause.")
    fire("resume", LEAD, reason="The police have completed their interviews.")
    engine.appoint(
        case.id, engine.accounts.get(INVESTIGATOR[0]), "investigator", **_as(engine, LEAD)
    )
    say("  appointed Sam Idowu as investigator")
    _gather_evidence(engine, case.id, known_on, say)
    fire("begin_analysis", LEAD)
    _analyse(engine, case.id, say)
    fire("begin_classification", LEAD)
    _classify(engine, case.id, say)
    try:
        engine.fire(case.id, "begin_recommendations", **_as(engine, LEAD))
    except TransitionRefused as refused:
        say(f"  refused, as it should be:    {refused}")
    engine.appoint(case.id, engine.accounts.get(REVIEWER[0]), REVIEWER[1], **_as(engine, LEAD))
    say("  appointed Rita Haas as reviewer")
    _review_and_find(engine, case.id, say)
    fire("begin_recommendations", LEAD)
    safety = _recommend(engine, case.id, say)
    fire("write_draft", LEAD)
    engine.set_field(case.id, "synopsis", SYNOPSIS, **_as(engine, LEAD))
    fire("send_for_consultation", LEAD)
    _consult(engine, case.id, say)
    fire("issue_final_report", LEAD)
    issued = [r.ref for r in safety.recommendations(case.id) if r.issued]
    say(f"  issued with the final report: {', '.join(issued)}")
    fire("track_responses", LEAD)
    _follow_up(engine, case.id, say)
    fire("close", LEAD, reason="All recommendations answered and assessed.")
    final = engine.get(case.id)
    broken = engine.verify(case.id)
    say(f"{case.id} is '{final.state}'. Audit trail: {'intact' if broken is None else broken}.")
    return case.id


def _gather_evidence(
    engine: Engine, case_id: str, known_on: date, say: Callable[[str], None]
) -> None:
    """Agencies, people, evidence and a small chronology (with a gap and a key episode)."""
    from aaib_cp.evidence.service import Casebook

    book = Casebook(engine)
    sam = _as(engine, INVESTIGATOR)
    for name, kind in ((CSC, "social_care"), (POLICE, "police"), (HEALTH, "health")):
        book.add_agency(case_id, name, kind, **sam)
    say(f"  registered agencies: {CSC}, {POLICE}, {HEALTH}")
    people = [
        ("Dana Fictional", "child", None),
        ("Morgan Fictional", "parent", None),
        ("Alex Example", "social worker", CSC),
        ("Robin Example", "team manager", CSC),
        ("Kit Example", "police officer", POLICE),
        ("Jamie Example", "health visitor", HEALTH),
    ]
    names = [book.add_person(case_id, n, r, agency=a, **sam).pseudonym for n, r, a in people]
    say(f"  registered people as {', '.join(names)}")

    def day(n: int) -> str:
        return (known_on - timedelta(days=n)).isoformat()

    with tempfile.TemporaryDirectory() as folder:
        record = Path(folder) / "csc-case-record.txt"
        record.write_text("Fictional case record of Child A (sample data for the demo).\n")
        stored = book.blobs is not None
        e1 = book.add_evidence(
            case_id,
            kind="case_record",
            description="Children's social care case record, review period",
            obtained_how="Requested from the agency under the terms of reference",
            obtained_on=known_on,
            agency=CSC,
            file=record if stored else None,
            **sam,
        )
    e2 = book.add_evidence(
        case_id,
        kind="agency_report",
        description="Police incident log and officer's report",
        obtained_how="Supplied by the agency's review liaison",
        obtained_on=known_on,
        agency=POLICE,
        **sam,
    )
    e3 = book.add_evidence(
        case_id,
        kind="interview",
        description="Conversation with the health visitor",
        obtained_how="Practitioner conversation held by the review team",
        obtained_on=known_on,
        agency=HEALTH,
        **sam,
    )
    say(f"  registered evidence {e1.label} (with file), {e2.label}, {e3.label}")
    try:
        engine.fire(case_id, "begin_analysis", **_as(engine, LEAD))
    except TransitionRefused as refused:
        say(f"  refused, as it should be:    {refused}")
    entries = [
        (day(120), CSC, "Referral received; home visit, child seen", ["Child A", "Social Worker 1"],
         e1.label, False),
        (day(110), HEALTH, "Health visitor review at home", ["Child A", "Health Visitor 1"],
         e3.label, False),
        (day(100), CSC, "Case closed to single-agency support", ["Team Manager 1"], e1.label, True),
        (day(30), POLICE, "Domestic abuse call-out; child present, not spoken to",
         ["Child A", "Police Officer 1", "Parent 1"], e2.label, True),
        (day(25), HEALTH, "Missed health appointment", ["Parent 1"], None, False),
    ]  # fmt: skip
    for when, agency, what, who, item, key in entries:
        book.add_entry(
            case_id,
            when=when,
            agency=agency,
            what=what,
            people=who,
            evidence=item,
            key_episode=key,
            **sam,
        )
    chron = book.chronology(case_id)
    gaps = ", ".join(f"{g.days} days" for g in chron.gaps)
    say(f"  chronology: {len(chron.entries)} entries, gap(s) in contact with the child: {gaps}")


def _recommend(engine: Engine, case_id: str, say: Callable[[str], None]) -> SafetyBook:
    """An urgent recommendation issued at once, another for the final report, a safety action."""
    from aaib_cp.recommendations.service import SafetyBook

    book = SafetyBook(engine)
    lead = _as(engine, LEAD)
    urgent = book.add_recommendation(
        case_id,
        to_agency=CSC,
        priority="urgent",
        text="Review every open case closed to single-agency support after a domestic abuse "
        "call-out, and see each child.",
        findings=["F1"],
        issue=True,
        **lead,
    )
    later = book.add_recommendation(
        case_id,
        to="Department for Education",
        priority="normal",
        text="Require police to share domestic abuse call-outs involving a child with "
        "children's social care within one working day.",
        findings=["F2"],
        **lead,
    )
    say(f"  recommendations: {urgent.ref} (urgent, issued, reply due {urgent.response_due}), "
        f"{later.ref} (for the final report)")  # fmt: skip
    action = book.add_safety_action(
        case_id,
        agency=POLICE,
        text="Officers now speak to every child present at a domestic abuse call-out.",
        **lead,
    )
    say(f"  safety action already taken by {action.organisation} recorded as {action.ref}")
    return book


def _consult(engine: Engine, case_id: str, say: Callable[[str], None]) -> None:
    """The draft goes to two parties; one comments, one has none; the comment is dispositioned."""
    from aaib_cp.recommendations.service import SafetyBook

    book = SafetyBook(engine)
    lead = _as(engine, LEAD)
    parties = book.send_draft(case_id, [CSC, "Parent 1"], **lead)
    say(f"  draft sent to {', '.join(p.label for p in parties)}; comments due {parties[0].due_on}")
    rep = book.represent(
        case_id,
        CSC,
        text="The case closure followed the policy of the time.",
        paragraph="1.2.2",  # the key practice episode of the closure
        **lead,
    )
    book.represent(case_id, "Parent 1", none=True, **lead)
    try:
        engine.fire(case_id, "issue_final_report", **_as(engine, LEAD))
    except TransitionRefused as refused:
        say(f"  refused, as it should be:    {refused}")
    book.dispose(
        case_id,
        rep.ref,
        disposition="partly_accepted",
        reason="The policy is now quoted; the finding about its use stands.",
        **lead,
    )
    say(f"  representation {rep.ref} (on paragraph {rep.paragraph}) partly accepted;"
        " Parent 1 made none")  # fmt: skip


def _follow_up(engine: Engine, case_id: str, say: Callable[[str], None]) -> None:
    """Responses are recorded and assessed; staff hear the outcome."""
    from aaib_cp.recommendations.service import SafetyBook

    book = SafetyBook(engine)
    lead = _as(engine, LEAD)
    reviewer = _as(engine, REVIEWER)
    for rec in book.recommendations(case_id):
        book.respond(case_id, rec.ref, text=f"{rec.addressee} accepts and will act.", **lead)
        graded = book.assess(
            case_id, rec.ref, grade="adequate", text="The action answers the risk.", close=True,
            **reviewer,
        )  # fmt: skip
        say(f"  {graded.ref}: response {graded.grade}, {graded.status}")
    book.add_feedback(
        case_id,
        held_on=engine.clock().date(),
        attendees=["Alex Example", "Robin Example", "Jamie Example"],
        **lead,
    )
    say("  feedback session with staff recorded")


def _analyse(engine: Engine, case_id: str, say: Callable[[str], None]) -> None:
    """Two acts of concern and the contributory factors that bear on them."""
    from aaib_cp.analysis.service import Analysis
    from aaib_cp.evidence.service import Casebook

    analysis = Analysis(engine)
    sam = _as(engine, INVESTIGATOR)
    entries = {e.what: e for e in Casebook(engine).chronology(case_id).entries}
    closed = entries["Case closed to single-agency support"]
    callout = entries["Domestic abuse call-out; child present, not spoken to"]
    a1 = analysis.add_act(
        case_id,
        person="Team Manager 1",
        when=closed.when.text,
        description="Closed the case to single-agency support after one home visit",
        chronology=[closed.ref],
        evidence=["E1"],
        **sam,
    )
    a2 = analysis.add_act(
        case_id,
        person="Police Officer 1",
        when=callout.when.text,
        kind="omission",
        description="Did not speak to Child A alone or notify children's social care",
        chronology=[callout.ref],
        evidence=["E2"],
        **sam,
    )
    f1 = analysis.add_factor(
        case_id,
        code="ORG.CASELOAD",
        acts=[a1.ref],
        evidence=["E1"],
        note="The team held twice its planned caseload; closures were being pushed through",
        **sam,
    )
    f2 = analysis.add_factor(
        case_id,
        code="ACT.EXCEPTIONAL",
        acts=[a2.ref],
        evidence=["E2"],
        note="The officer's log records a decision not to follow the force's child-contact policy",
        **sam,
    )
    say(f"  acts of concern {a1.ref}, {a2.ref}; contributory factors {f1.ref}, {f2.ref}")


def _classify(engine: Engine, case_id: str, say: Callable[[str], None]) -> None:
    """A1: a blameless error (Reason's tree); A2: a possible reckless violation."""
    from aaib_cp.analysis.classification import AnswerGiven
    from aaib_cp.analysis.service import Analysis

    analysis = Analysis(engine)
    sam = _as(engine, INVESTIGATOR)

    def a(answer: bool, why: str, *evidence: str) -> AnswerGiven:
        return AnswerGiven(answer, why, evidence)

    honest = analysis.classify(
        case_id,
        "A1",
        {
            "actions_intended": a(False, "The closure was meant to be reviewed, and was not", "E1"),
            "unauthorised_substance": a(False, "Nothing suggests it"),
            "knowingly_violating": a(False, "Closure followed the local step-down procedure"),
            "substitution_test": a(True, "Peers said they would have closed it too", "E1"),
            "unsafe_acts_history": a(False, "No earlier concerns about this manager"),
        },
        peers="Two team managers in the same service with similar caseloads",
        **sam,
    )
    wrong = analysis.classify(
        case_id,
        "A2",
        {
            "actions_intended": a(True, "The officer chose not to speak to the child", "E2"),
            "consequences_intended": a(False, "No harm to the child was intended"),
            "unauthorised_substance": a(False, "Nothing suggests it"),
            "knowingly_violating": a(True, "The log records the policy was set aside", "E2"),
            "procedures_sound": a(True, "The policy is clear, trained and in routine use", "E2"),
        },
        **sam,
    )
    say(
        f"  classified A1: {honest.outcome['label'].lower()};"
        f" A2: {wrong.outcome['label'].lower()} (needs a reviewer)"
    )


def _review_and_find(engine: Engine, case_id: str, say: Callable[[str], None]) -> None:
    """The reviewer confirms A2; findings are recorded."""
    from aaib_cp.analysis.service import Analysis

    analysis = Analysis(engine)
    analysis.confirm(case_id, "A2", **_as(engine, REVIEWER))
    say("  Rita Haas confirmed the classification of A2 (four eyes)")
    sam = _as(engine, INVESTIGATOR)
    f1 = analysis.add_finding(
        case_id,
        kind="contributory",
        text="Caseload pressure led to early closure without a review of the risks",
        acts=["A1"],
        factors=["CF1"],
        evidence=["E1"],
        **sam,
    )
    f2 = analysis.add_finding(
        case_id,
        kind="causal",
        text="Children's social care did not learn of the call-out, so Child A was not seen",
        acts=["A2"],
        factors=["CF2"],
        evidence=["E2"],
        **sam,
    )
    say(f"  findings {f1.ref} (contributory), {f2.ref} (causal)")
