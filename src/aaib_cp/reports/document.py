"""The report as a numbered document, in the ICAO Annex 13 final-report format.

:func:`outline` turns a report *view* (what one audience may see, already redacted) into
a :class:`Document`: a title page, the synopsis, 1 Factual information, 2 Analysis,
3 Conclusions, 4 Safety recommendations and the appendices. Every writer (Markdown,
HTML and so PDF, Word) renders the same blocks, so a paragraph has the same number in
every format.

Paragraph numbers depend only on the case's records, never on the audience: what only
the restricted report may show lives in tables and in a restricted appendix after the
others, so a number cited against the draft still points at the same paragraph in the
published report.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

import attrs

__all__ = [
    "Document",
    "Figure",
    "Heading",
    "Para",
    "Table",
    "long_date",
    "outline",
    "recommendation_prose",
    "suppressed",
]

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2})?)?\Z")


def long_date(text: str | None) -> str:
    """``2026-11-29`` -> ``29 November 2026`` (en-GB); other text unchanged."""
    if not text:
        return ""
    match = _ISO.match(text.strip())
    if not match:
        return text
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return text
    return f"{day.day} {day:%B %Y}"


def suppressed(count: int, threshold: int) -> str:
    """A count for publication: ``fewer than 3`` when 0 < count < threshold."""
    return f"fewer than {threshold}" if 0 < count < threshold else str(count)


def recommendation_prose(addressee: str, text: str) -> str:
    """``It is recommended that [addressee] [action]`` from a recommendation's text."""
    action = text.strip()
    first = action.split(" ", 1)[0]
    if first[:1].isupper() and first[1:2].islower():
        action = action[0].lower() + action[1:]
    if action.casefold().startswith("that "):
        action = action[5:]
    if not action.endswith((".", "!", "?")):
        action += "."
    return f"It is recommended that {addressee} {action}"


@attrs.frozen
class Heading:
    """A section (level 2), subsection (3) or appendix heading."""

    title: str
    level: int
    number: str | None = None
    anchor: str = ""


@attrs.frozen
class Para:
    """A paragraph; ``number`` (1.2.3) is how consultees and readers cite it."""

    text: str
    number: str | None = None
    lead: str | None = None

    @property
    def anchor(self) -> str:
        return "p" + self.number.replace(".", "-") if self.number else ""


@attrs.frozen
class Table:
    """A table; the first cell of each row heads it."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    anchor: str = ""
    row_classes: tuple[str, ...] = ()


@attrs.frozen
class Figure:
    """A picture with its text alternative; ``src`` is a ``data:`` URI."""

    src: str
    alt: str
    caption: str
    anchor: str = ""


Block = Heading | Para | Table | Figure


@attrs.frozen
class Document:
    """A report ready for any writer: title page facts and numbered blocks."""

    title: str
    subtitle: str
    reference: str
    report_id: str
    marking: str
    marking_note: str
    draft: bool
    audience: str
    title_page: tuple[tuple[str, str], ...]
    purpose: str
    blocks: tuple[Block, ...]

    def text(self) -> str:
        """Everything a reader of the document sees, as plain text (for the leak check)."""
        lines = [self.title, self.subtitle, self.report_id, self.marking, self.marking_note]
        lines += [f"{k}: {v}" for k, v in self.title_page] + [self.purpose]
        for block in self.blocks:
            if isinstance(block, Heading):
                lines.append(block.title)
            elif isinstance(block, Para):
                lines.append(" ".join(filter(None, (block.number, block.lead, block.text))))
            elif isinstance(block, Table):
                lines.append(block.caption)
                lines += ["\t".join(row) for row in (block.header, *block.rows)]
            else:
                lines += [block.alt, block.caption]
        return "\n".join(lines)


DRAFT_MARK = "DRAFT — not final; do not circulate or rely on it"
PURPOSE = (
    "This investigation was carried out to prevent future harm to children. It is not "
    "conducted to apportion blame or liability, or to hold individuals, organisations or "
    "agencies to account; disciplinary, regulatory and criminal proceedings run separately. "
    "A safety recommendation never creates a presumption of blame or liability."
)


class _Numbering:
    """Hands out 1, 1.1, 1.1.1 in order."""

    def __init__(self) -> None:
        self.section = self.sub = self.count = 0

    def new_section(self, title: str) -> Heading:
        self.section, self.sub, self.count = self.section + 1, 0, 0
        return Heading(title, 2, str(self.section), f"s{self.section}")

    def new_sub(self, title: str) -> Heading:
        self.sub, self.count = self.sub + 1, 0
        number = f"{self.section}.{self.sub}"
        return Heading(title, 3, number, "s" + number.replace(".", "-"))

    def para(self, text: str, lead: str | None = None) -> Para:
        self.count += 1
        return Para(text, f"{self.section}.{self.sub}.{self.count}", lead)


def _sentence(text: str) -> str:
    """``text`` ending with a full stop (or its own closing punctuation)."""
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?", ")", '"')) else text + "."


def _people(names: Sequence[str]) -> str:
    return ", ".join(names)


def outline(view: Mapping[str, Any], *, small_counts: int = 3) -> Document:
    """The numbered document of a view (see :mod:`aaib_cp.reports.render`)."""
    case = view["case"]
    blocks: list[Block] = []
    n = _Numbering()
    if case.get("synopsis"):
        blocks += [Heading("Synopsis", 2, None, "synopsis"), Para(case["synopsis"])]
    blocks += list(_factual(view, n))
    blocks += list(_analysis(view, n, small_counts))
    blocks += list(_conclusions(view, n))
    blocks += list(_recommendations(view, n))
    blocks += list(_appendices(view))
    title_page = [("Reference", case["reference"])]
    title_page += [(d["label"], d["value"]) for d in case["details"] if d["place"] == "title_page"]
    status = "Draft for consultation" if view["draft"] else "Final report"
    title_page.append(("Status", status))
    if case.get("report_date"):
        title_page.append(("Date of this report", long_date(case["report_date"])))
    heading = "Investigation report" + (" (restricted)" if view["restricted"] else "")
    return Document(
        title=heading,
        subtitle=case["title"],
        reference=case["reference"],
        report_id=view["report_id"],
        marking=view["marking"],
        marking_note=view["marking_note"],
        draft=view["draft"],
        audience=view["audience"],
        title_page=tuple(title_page),
        purpose=PURPOSE,
        blocks=tuple(blocks),
    )


def summary_outline(document: Document) -> Document:
    """The executive summary: the synopsis, the causes, the recommendations (same numbers)."""
    keep: list[Block] = []
    wanted = (
        "Synopsis",
        "Just culture",
        "Causal and contributory factors",
        "Safety recommendations",
    )
    taking = False
    for block in document.blocks:
        if isinstance(block, Heading):
            taking = block.title in wanted and block.level <= 3
            if block.level == 2 and block.title.startswith("Appendix"):
                break
            if taking:
                keep.append(attrs.evolve(block, level=2))
        elif taking and not isinstance(block, Figure):
            keep.append(block)
    return attrs.evolve(document, title="Executive summary", blocks=tuple(keep))


# -- 1 Factual information -----------------------------------------------------------------


def _factual(view: Mapping[str, Any], n: _Numbering) -> Iterator[Block]:
    case = view["case"]
    yield n.new_section("Factual information")
    yield n.new_sub("The investigation")
    dates = "; ".join(f"{d['label'].lower()} {long_date(d['date'])}" for d in case["key_dates"])
    yield n.para(f"Key dates: {dates}." if dates else "No key dates are recorded yet.")
    for detail in case["details"]:
        if detail["place"] == "factual":
            yield n.para(detail["value"], lead=f"{detail['label']}.")
    chronology = view["chronology"]
    yield n.new_sub("History of the events")
    episodes = [e for e in chronology if e["key_practice_episode"]]
    agencies = {e["agency"] for e in chronology if e["agency"]}
    yield n.para(
        f"The integrated chronology holds {len(chronology)} entries from {len(agencies)} "
        f"agencies (Appendix A). Its {len(episodes)} key practice episodes are set out below."
        if chronology
        else "No chronology has been recorded."
    )
    for e in episodes:
        lead = long_date(e["when"]) + (f", {e['agency']}" if e["agency"] else "") + "."
        people = f" People involved: {_people(e['people'])}." if e["people"] else ""
        yield n.para(_sentence(e["text"]) + people, lead=lead)
    yield n.new_sub("The people and organisations involved")
    restricted = view["restricted"]
    yield n.para(
        f"{len(view['people'])} people are referred to by pseudonym (Table 1.1)"
        + (", with their real names in this restricted report." if restricted else ".")
        + f" {len(view['agencies'])} agencies were involved (Table 1.2)."
    )
    header = ("Pseudonym", "Real name", "Date of birth", "Address", "Role", "Agency")
    rows = []
    for p in view["people"]:
        extra = (p["real_name"], long_date(p["date_of_birth"]), p["address"]) if restricted else ()
        rows.append(tuple(x or "—" for x in (p["pseudonym"], *extra, p["role"], p["agency"])))
    yield Table(
        "Table 1.1: people" + ("" if restricted else " (pseudonyms)"),
        header if restricted else (header[0], *header[4:]),
        tuple(rows),
        "table-1-1",
    )
    yield Table(
        "Table 1.2: agencies",
        ("Agency", "Kind"),
        tuple((a["name"], a["kind"]) for a in view["agencies"]),
        "table-1-2",
    )
    yield n.new_sub("Records examined")
    yield n.para(
        f"{len(view['evidence'])} records are listed in Table 1.3. Protected material "
        "(witness statements, investigators' notes, drafts, health data) is used for the "
        "safety investigation only: "
        + ("this report lists it with its content withheld." if restricted else "it is not listed.")
    )
    yield Table(
        "Table 1.3: records examined",
        ("Reference", "Kind", "Agency", "Description"),
        tuple(
            (
                e["ref"],
                e["kind"],
                e["agency"] or "—",
                "protected material: withheld" if e["description"] is None else e["description"],
            )
            for e in view["evidence"]
        ),
        "table-1-3",
    )


# -- 2 Analysis ----------------------------------------------------------------------------


def _analysis(view: Mapping[str, Any], n: _Numbering, small: int) -> Iterator[Block]:
    restricted = view["restricted"]
    yield n.new_section("Analysis")
    yield n.new_sub("Acts and omissions")
    acts = view["acts"]
    yield n.para(
        f"{len(acts)} acts or omissions were analysed one at a time."
        if acts
        else "No act or omission was analysed."
    )
    for a in acts:
        when = f" ({long_date(a['date'])})" if a.get("date") else ""
        yield n.para(_sentence(f"{a['person']}: {a['description']}"), lead=f"{a['ref']}{when}.")
    yield n.new_sub("Contributory factors")
    factors = view["factors"]
    yield n.para(
        f"{len(factors)} contributory factors were coded against the human-factors taxonomy"
        " (Appendix D explains the codes)."
        + ("" if restricted else " Factors are not linked to acts or people in this report.")
    )
    for f in factors:
        if restricted:
            acts_of = f" Acts: {', '.join(f['act_refs'])}." if f["act_refs"] else ""
            yield n.para(_sentence(f["description"]) + acts_of, lead=f"{f['code']} {f['label']}.")
        elif f["discloses_conduct"]:
            yield n.para(
                "A factor at the level of individual acts was identified; its detail stays "
                "within the investigation (safe space).",
                lead=f"{f['level']}.",
            )
        else:
            yield n.para(_sentence(f["description"]), lead=f"{f['code']} {f['label']}.")
    yield n.new_sub("Just culture")
    total = view["classification_total"]
    count = suppressed(total, small)
    text = (
        f"{count[0].upper()}{count[1:]} acts or omissions were classified with a just-culture "
        "decision aid. Individual classifications, and the answers behind them, stay within "
        "the investigation (safe space)"
    )
    if restricted:
        text += "; they are set out in Appendix E of this restricted report."
    elif total >= small:
        parts = [f"{suppressed(c['count'], small)} {c['label'].lower()}" for c in view["counts"]]
        text += ". " + "; ".join(parts).capitalize() + "."
    else:
        text += ". So few acts were classified that no breakdown is published."
    yield n.para(text)


# -- 3 Conclusions ---------------------------------------------------------------------------


def _conclusions(view: Mapping[str, Any], n: _Numbering) -> Iterator[Block]:
    findings = view["findings"]
    yield n.new_section("Conclusions")
    yield n.new_sub("Findings")
    if not findings["other"]:
        yield n.para("No other findings.")
    for f in findings["other"]:
        yield n.para(_sentence(f["text"]), lead=f"{f['ref']}.")
    yield n.new_sub("Causal and contributory factors")
    if not (findings["causal"] or findings["contributory"]):
        yield n.para("None recorded.")
    for kind in ("causal", "contributory"):
        for f in findings[kind]:
            yield n.para(_sentence(f["text"]), lead=f"{f['ref']} ({kind}).")


# -- 4 Safety recommendations ----------------------------------------------------------------


def _recommendations(view: Mapping[str, Any], n: _Numbering) -> Iterator[Block]:
    yield n.new_section("Safety recommendations")
    yield n.new_sub("Safety action already taken")
    if not view["safety_actions"]:
        yield n.para("None reported.")
    for s in view["safety_actions"]:
        when = f" ({long_date(s['date'])})" if s.get("date") else ""
        yield n.para(_sentence(s["text"]), lead=f"{s['agency']}{when}.")
    yield n.new_sub("Safety recommendations")
    recs = view["recommendations"]
    if not recs:
        yield n.para("No safety recommendations were made.")
    for r in recs:
        response = f"Response: {r['response_grade']}. Status: {r['status']}."
        if r.get("deadline"):
            response += f" Response due {long_date(r['deadline'])}."
        yield n.para(
            f"{recommendation_prose(r['addressee'], r['text'])} {response}",
            lead=f"Safety Recommendation {r['ref']}:",
        )
    if recs:
        grades = "; ".join(f"{v} {k}" for k, v in view["response_grades"])
        statuses = "; ".join(f"{v} {k}" for k, v in view["response_statuses"])
        yield n.para(f"Responses: {grades}. Status: {statuses}.")


# -- Appendices --------------------------------------------------------------------------------


def _appendices(view: Mapping[str, Any]) -> Iterator[Block]:
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
        people = list(e["people"])
        if restricted:
            people = [
                f"{p} ({r})" if r else p for p, r in zip(people, e["people_real"], strict=False)
            ]
        kpe = " (key practice episode)" if e["key_practice_episode"] else ""
        rows.append(
            (
                long_date(e["when"]) + kpe,
                e["agency"] or "—",
                _people(people) or "—",
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
