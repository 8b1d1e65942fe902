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

from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from aaib_cp.reports.appendices import appendices
from aaib_cp.reports.blocks import (
    PURPOSE,
    Block,
    Document,
    Figure,
    Heading,
    Para,
    Table,
    long_date,
    people,
    recommendation_prose,
    sentence,
    suppressed,
)

__all__ = ["outline", "summary_outline"]


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
    blocks += list(appendices(view))
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
    wanted = {
        ("Synopsis", 2),
        ("Just culture", 3),
        ("Causal and contributory factors", 3),
        ("Safety recommendations", 3),
    }
    taking = False
    for block in document.blocks:
        if isinstance(block, Heading):
            taking = (block.title, block.level) in wanted
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
        involved = f" People involved: {people(e['people'])}." if e["people"] else ""
        yield n.para(sentence(e["text"]) + involved, lead=lead)
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
        yield n.para(sentence(f"{a['person']}: {a['description']}"), lead=f"{a['ref']}{when}.")
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
            yield n.para(sentence(f["description"]) + acts_of, lead=f"{f['code']} {f['label']}.")
        elif f["discloses_conduct"]:
            yield n.para(
                "A factor at the level of individual acts was identified; its detail stays "
                "within the investigation (safe space).",
                lead=f"{f['level']}.",
            )
        else:
            yield n.para(sentence(f["description"]), lead=f"{f['code']} {f['label']}.")
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
        yield n.para(sentence(f["text"]), lead=f"{f['ref']}.")
    yield n.new_sub("Causal and contributory factors")
    if not (findings["causal"] or findings["contributory"]):
        yield n.para("None recorded.")
    for kind in ("causal", "contributory"):
        for f in findings[kind]:
            yield n.para(sentence(f["text"]), lead=f"{f['ref']} ({kind}).")


# -- 4 Safety recommendations ----------------------------------------------------------------


def _recommendations(view: Mapping[str, Any], n: _Numbering) -> Iterator[Block]:
    yield n.new_section("Safety recommendations")
    yield n.new_sub("Safety action already taken")
    if not view["safety_actions"]:
        yield n.para("None reported.")
    for s in view["safety_actions"]:
        when = f" ({long_date(s['date'])})" if s.get("date") else ""
        yield n.para(sentence(s["text"]), lead=f"{s['agency']}{when}.")
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
