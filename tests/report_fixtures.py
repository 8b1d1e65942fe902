"""A rich ReportData for the report tests: real names, protected evidence, classifications."""

from __future__ import annotations

import struct
import zlib

from aaib_cp import load_workflow
from aaib_cp.reports import (
    Act,
    Agency,
    Answer,
    CaseDetail,
    CaseInfo,
    ChronologyEntry,
    Classification,
    Consultation,
    EvidenceSummary,
    Factor,
    FeedbackSession,
    Finding,
    GlossaryTerm,
    KeyDate,
    Person,
    ProcessStep,
    Recommendation,
    ReportData,
    SafetyAction,
)

#: The states of the shipped workflow's published phase: where public outputs exist.
PUBLISHED = load_workflow("child-protection").phase_states("published")
REAL_NAMES = ("Margaret Oyelaran-Pike", "Desmond Quarrie", "Tobias Venn-Hartley")
DATES_OF_BIRTH = ("1979-04-17", "1985-11-02", "2019-06-30")
ADDRESSES = ("14 Larkspur Close, Wexbridge", "Flat 3, 221 Orchard Row, Wexbridge")
PROTECTED_DESCRIPTION = "Witness statement of the duty social worker, interview 2"
OUTCOME_LABELS = (
    "Graded management action, from individual training to discipline",
    "Action singling out the person unlikely to be appropriate; look at the system",
)
RATIONALE = "She had told her manager twice that the caseload was unworkable"
XSS = "<script>alert('x')</script>"
#: A conduct factor's note: only the restricted report may show it.
CONDUCT_NOTE = "Skipped the history check knowingly, as the whole team routinely did"


def png(width: int = 40, height: int = 12) -> bytes:
    """A small, valid, grey PNG (what the chronology timeline would be)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def rich_report(*, state: str = "final_report", draft: bool = False, **changes) -> ReportData:
    """A report with everything a public output must filter out, and everything it must keep."""
    data = ReportData(
        case=CaseInfo(
            reference="CP-2026-0001",
            title="Child B, Wexbridge",
            workflow_name="child-protection",
            workflow_version="1",
            state=state,
            details=(
                CaseDetail(label="Occurrence", value="serious harm"),
                CaseDetail(label="Depth of investigation", value="field"),
                CaseDetail(
                    label="Terms of reference",
                    value="How did agencies share information about Child B?",
                    place="factual",
                ),
            ),
            synopsis="Child B was seriously harmed at home after three referrals. " + XSS,
            key_dates=(
                KeyDate(label="Incident known", date="2026-03-02"),
                KeyDate(label="Final report stage begun", date="2026-11-20"),
            ),
            report_date="2026-11-29",
        ),
        draft=draft,
        people=(
            Person(
                pseudonym="Social worker 1",
                role="social worker",
                agency="Wexbridge Children's Services",
                real_name=REAL_NAMES[0],
                date_of_birth=DATES_OF_BIRTH[0],
                address=ADDRESSES[0],
            ),
            Person(
                pseudonym="Health visitor 1",
                role="health visitor",
                agency="Wexbridge NHS Trust",
                real_name=REAL_NAMES[1],
                date_of_birth=DATES_OF_BIRTH[1],
            ),
            Person(
                pseudonym="Child B",
                role="child",
                real_name=REAL_NAMES[2],
                date_of_birth=DATES_OF_BIRTH[2],
                address=ADDRESSES[1],
            ),
        ),
        agencies=(
            Agency(name="Wexbridge Children's Services", kind="local authority"),
            Agency(name="Wexbridge NHS Trust", kind="health"),
        ),
        chronology=(
            ChronologyEntry(
                when="12 Jan 2026",
                sort_key="2026-01-12",
                agency="Wexbridge NHS Trust",
                people=("Health visitor 1", "Child B"),
                people_real=(REAL_NAMES[1], REAL_NAMES[2]),
                text="Health visitor 1 saw bruising and referred Child B. " + XSS,
                key_practice_episode=True,
                evidence_refs=("E1", "E2"),
            ),
            ChronologyEntry(
                when="3 Jan 2026",
                sort_key="2026-01-03",
                agency="Wexbridge Children's Services",
                people=("Social worker 1",),
                people_real=(REAL_NAMES[0],),
                text="Referral screened; no further action.",
                evidence_refs=("E1",),
            ),
        ),
        evidence=(
            EvidenceSummary(
                ref="E1",
                kind="case record",
                agency="Wexbridge Children's Services",
                description="Children's services case record extract",
            ),
            EvidenceSummary(
                ref="E2",
                kind="witness statement",
                description=PROTECTED_DESCRIPTION,
                protected=True,
            ),
        ),
        acts=(
            Act(
                ref="A1", person="Social worker 1", description="Closed the referral.", date="3 Jan"
            ),
            Act(ref="A2", person="Health visitor 1", description="Did not chase the referral."),
        ),
        factors=(
            Factor(
                code="OI-RM",
                label="Resource management",
                level="organisational influences",
                description="Caseloads above the agreed maximum.",
                act_refs=("A1",),
            ),
            Factor(
                code="ACT.ROUTINE",
                label="Routine violation",
                level="Unsafe acts",
                description=CONDUCT_NOTE,
                act_refs=("A1",),
                discloses_conduct=True,
            ),
        ),
        classifications=(
            Classification(
                act_ref="A1",
                tree_title="A just culture guide",
                outcome_label=OUTCOME_LABELS[0],
                category="wrongdoing",
                response="Graded management action",
                marx="reckless",
                nhs_letter="G",
                confirmed_by="Chris (lead investigator)",
                path=(
                    Answer(question="Was there any intention to cause harm?", answer=False),
                    Answer(
                        question="Did the person knowingly depart from protocols?",
                        answer=True,
                        rationale=RATIONALE,
                    ),
                ),
            ),
            Classification(
                act_ref="A2",
                tree_title="A just culture guide",
                outcome_label=OUTCOME_LABELS[1],
                category="honest_error",
                response="Look at the system",
                marx="human_error",
                nhs_letter="D",
            ),
        ),
        findings=(
            Finding(ref="F1", kind="causal", text="Referrals were screened without history."),
            Finding(ref="F2", kind="contributory", text="Caseloads exceeded the agreed maximum."),
            Finding(ref="F3", kind="other", text="Records were complete. " + XSS),
        ),
        recommendations=(
            Recommendation(
                ref="CP-2026-0001-SR01",
                addressee="Wexbridge Children's Services",
                text="Screen every referral against the child's full history.",
                priority="high",
                deadline="2027-02-18",
            ),
            Recommendation(
                ref="CP-2026-0001-SR02",
                addressee="Wexbridge NHS Trust",
                text="Follow up every referral within 5 working days.",
                status="closed",
                response_grade="adequate",
            ),
        ),
        safety_actions=(
            SafetyAction(
                agency="Wexbridge NHS Trust", text="Added a referral tracker.", date="2026-04-01"
            ),
        ),
        consultation=Consultation(
            parties=("Wexbridge Children's Services", "Wexbridge NHS Trust"),
            representations={"accepted": 3, "appended": 1},
        ),
        feedback=(FeedbackSession(date="2026-12-01", attendees=14),),
        glossary=(GlossaryTerm(term="OI-RM", meaning="Resource management"),),
        process=(
            ProcessStep(
                name="Evidence",
                description="Evidence is gathered.",
                status="done",
                reached_on="2026-03-10",
            ),
            ProcessStep(
                name="Final report",
                description="The report is issued.",
                status="current",
                reached_on="2026-11-20",
            ),
            ProcessStep(name="Closed", description="All done."),
        ),
        timeline_png=png(),
        workflow_png=png(30, 30),
    )
    return data if not changes else __import__("attrs").evolve(data, **changes)
