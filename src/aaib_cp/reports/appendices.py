"""The appendices of a report: chronology, process, consultation, glossary, classifications.

Appendix paragraphs are not numbered; tables and figures are (Table A.1, Figure B.1).
Appendix E, the just-culture classifications, exists only in the restricted report and
comes last, so the other appendices keep their letters in every audience.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from aaib_cp.reports.blocks import Block, Figure, Heading, Para, Table, long_date, people

__all__ = ["appendices"]


def appendices(view: Mapping[str, Any]) -> Iterator[Block]:
    restricted = view["restricted"]
    yield Heading("Appendix A: Chronology", 2, None, "appendix-a")
    if view["timeline_src"]:
        yield Figure(
            view["timeline_src"],
            f"Timeline of the chronology of {view['case']['reference']}: one lane per agency, "
            "entries placed by date, key practice episodes marked. Table A.1 lists the same "
            "entries.",
            "Figure A.1: timeline of the chronology (Table A.1 gives the same entries as text).",
            "timeline",
        )
    rows, classes = [], []
    for e in view["chronology"]:
        names = list(e["people"])
        if restricted:
            real = e["people_real"]
            names = [f"{p} ({r})" if r else p for p, r in zip(names, real, strict=False)]
        kpe = " (key practice episode)" if e["key_practice_episode"] else ""
        rows.append(
            (
                long_date(e["when"]) + kpe,
                e["agency"] or "—",
                people(names) or "—",
                e["text"],
                ", ".join(e["evidence_refs"]) or "—",
            )
        )
        classes.append("kpe" if kpe else "")
    yield Table(
        "Table A.1: chronology (key practice episodes marked in words)",
        ("When", "Agency", "People", "What happened", "Records"),
        tuple(rows),
        "chronology",
        tuple(classes),
    )
    yield Heading("Appendix B: The investigation process", 2, None, "appendix-b")
    steps = view["process"]
    if view["process_src"]:
        yield Figure(
            view["process_src"],
            "The phases of the investigation from first to last, each marked done, current "
            "or to come; Table B.1 gives the same in words.",
            "Figure B.1: the phases of the investigation, with a legend beside them.",
            "process",
        )
    yield Table(
        "Table B.1: the phases of the investigation",
        ("Phase", "What happens", "Progress", "Reached on"),
        tuple(
            (s["name"], s["description"], s["status"], long_date(s["reached_on"]) or "—")
            for s in steps
        ),
        "table-b-1",
    )
    yield Heading("Appendix C: Consultation and feedback", 2, None, "appendix-c")
    consultation = view["consultation"]
    if consultation:
        yield Para(
            "Parties consulted on the draft report: "
            f"{', '.join(consultation['parties']) or 'none'}. Representations cite the draft's "
            "paragraph numbers, which the final report keeps."
        )
        yield Table(
            "Table C.1: representations received, by how each was dealt with",
            ("How it was dealt with", "Number"),
            tuple((k, str(v)) for k, v in consultation["representations"].items()),
            "table-c-1",
        )
        if restricted and consultation["cited"]:
            yield Table(
                "Table C.2: representations by the paragraph of the draft they cite",
                ("Paragraph", "Representation", "Party", "How it was dealt with"),
                tuple(
                    (c["paragraph"], c["ref"], c["party"], c["disposition"])
                    for c in sorted(consultation["cited"], key=_by_paragraph)
                ),
                "table-c-2",
            )
    else:
        yield Para("No consultation recorded yet.")
    for f in view["feedback"]:
        yield Para(
            f"{long_date(f['date'])}: the outcome was presented to {f['attendees']} "
            f"{f['audience']}."
        )
    yield Heading("Appendix D: Glossary", 2, None, "appendix-d")
    yield Table(
        "Table D.1: terms used in this report",
        ("Term", "Meaning"),
        tuple((g["term"], g["meaning"]) for g in view["glossary"]),
        "glossary",
    )
    if restricted:
        yield from _classifications(view["classifications"])


def _by_paragraph(cited: Mapping[str, Any]) -> tuple[tuple[int, ...], str]:
    """Order by paragraph number (2.10 after 2.9), then by representation."""
    return tuple(int(p) for p in cited["paragraph"].split(".")), cited["ref"]


def _classifications(classifications: Sequence[Mapping[str, Any]]) -> Iterator[Block]:
    yield Heading("Appendix E: Just-culture classifications (restricted)", 2, None, "appendix-e")
    if not classifications:
        yield Para("No act has been classified yet.")
    for i, c in enumerate(classifications, 1):
        yield Heading(f"{c['act_ref']}: {c['outcome_label']}", 3, None, f"classification-{i}")
        yield Para(
            f"Decision aid: {c['tree_title']}. Category: {c['category'].replace('_', ' ')}. "
            f"Response: {c['response']}. Marx: {c['marx'].replace('_', ' ')}."
            + (f" NHS guide outcome: {c['nhs_letter']}." if c["nhs_letter"] else "")
            + f" Confirmed by: {c['confirmed_by'] or 'not yet confirmed'}."
        )
        if c["path"]:
            yield Table(
                f"Table E.{i}: questions and answers for {c['act_ref']}",
                ("Question", "Answer", "Rationale"),
                tuple(
                    (a["question"], "yes" if a["answer"] else "no", a["rationale"] or "—")
                    for a in c["path"]
                ),
                f"table-e-{i}",
            )
