"""Zero leaks in every public format, for generated people written about in every way.

Names include HTML tag names ("Mark", "Em", "Del") and ordinary words ("May", "Will");
addresses are registered with any punctuation; the free text names each person in the
forms investigators write: possessive, with a title, initials and surname, upper case,
without diacritics, broken across a line. Every public output — Markdown, HTML, the
text of the PDF and of the Word file, the CSV/JSON export and search — either holds
none of it, or publishing is refused (a name that is also a word of the report's own
wording: the safe side).
"""

from __future__ import annotations

import csv
import io
import json
import os
import unicodedata
from datetime import UTC, date, datetime

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from aaib_cp import Engine
from aaib_cp.db import Store
from aaib_cp.exceptions import AnonymisationError
from aaib_cp.learning.service import Learning
from aaib_cp.reports import visible_text
from aaib_cp.reports.build import Publisher, anonymiser_for
from aaib_cp.reports.formats import docx_text, pdf_text
from aaib_cp.workflow.definition import load_workflow
from tests.conftest import FixedClock
from tests.test_report_cli import _case_to_final_report

#: Examples per run; AAIB_LEAK_EXAMPLES=40 for a longer search (about 60 s).
EXAMPLES = int(os.environ.get("AAIB_LEAK_EXAMPLES", "5"))
TAG_LIKE = ["Mark", "Em", "Del", "Ins", "Abbr", "Main", "Nav", "Caption"]
COMMON = ["May", "Will", "Rose", "Hope", "Grace", "Frank", "Bill", "Case"]
WITH_MARKS = ["Siobhán", "Zoë", "Jean-Luc", "Ólöf", "Renée"]
SURNAMES = ["O'Hara", "Hughes", "Ng", "Müller-Lüdenscheidt", "McAllister", "D'Souza", "Quarrie"]
STREET_TYPES = ["Road", "Street", "Close", "Lane", "Avenue", "Crescent"]
WORD = st.text(st.sampled_from("bcdfghjklmnprstvwz"), min_size=1, max_size=2).flatmap(
    lambda c: st.text(st.sampled_from("aeiouy"), min_size=1, max_size=1).map(lambda v: c + v)
)
INVENTED = st.lists(WORD, min_size=2, max_size=3).map(lambda parts: "".join(parts).capitalize())
FIRST = st.one_of(st.sampled_from(TAG_LIKE + COMMON + WITH_MARKS), INVENTED)
LAST = st.one_of(st.sampled_from(SURNAMES + TAG_LIKE), INVENTED)
# Columns of the export that hold references and pseudonyms, which the export's own
# check skips too.
_NOT_TEXT = frozenset({"case_id", "pseudonym", "person", "people"})
SEPARATOR = st.sampled_from([" ", ", ", "\n", "; ", ",", " ,  "])


def _plain_letters(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@st.composite
def people(draw):
    """Two or three people, each with a name, a date of birth and a punctuated address."""
    out = []
    names: set[str] = set()
    for role in ("child", "parent", "social worker")[: draw(st.integers(2, 3))]:
        first, last = draw(FIRST), draw(LAST)
        name = f"{first} {last}"
        if name.casefold() in names:
            continue
        names.add(name.casefold())
        street = draw(INVENTED.filter(lambda w: len(w) >= 4))
        kind, town = draw(st.sampled_from(STREET_TYPES)), draw(INVENTED)
        number, postcode = draw(st.integers(1, 300)), f"LS{draw(st.integers(1, 29))} 4AB"
        parts = [f"{number} {street} {kind}", town, postcode]
        address = draw(SEPARATOR).join(parts)
        out.append(
            {
                "name": name, "first": first, "last": last, "role": role,
                "dob": draw(st.dates(date(1950, 1, 1), date(2020, 12, 31))),
                "address": address, "number": number, "street": f"{street} {kind}",
                "town_postcode": f"{town} {postcode}",
            }
        )  # fmt: skip
    return out


def _placements(p: dict) -> str:
    """One person written about in every way a chronology or note may."""
    first, last = p["first"], p["last"]
    return " ".join(
        [
            f"{p['name']}'s notes were read.",
            f"Mrs {last} called; Dr. {last} replied.",
            f"{first[0]}. {last} and {first[0]}{last[0]} met.",
            f"{p['name'].upper()} WAS SEEN.",
            f"{_plain_letters(p['name'])} again.",
            f"Seen by {first}\n{last} at home.",
            f"Lives at {p['number']}, {p['street'].upper()}; also {p['number']} {p['street']}.",
            f"{p['street']} is where {p['town_postcode'].replace(' ', ', ', 1)} is.",
        ]
    )


def _outputs(publisher: Publisher, cid: str) -> dict[str, str]:
    """What a reader sees of every public report in every format (refused ones left out)."""
    seen: dict[str, str] = {}
    for audience in ("public", "summary"):
        for fmt in ("md", "html", "docx", "pdf"):
            try:
                content, _ = publisher.render(cid, audience=audience, fmt=fmt)
            except AnonymisationError:
                continue
            if fmt == "pdf":
                seen[f"{audience}.pdf"] = "\n".join(pdf_text(content))
            elif fmt == "docx":
                seen[f"{audience}.docx"] = docx_text(content)
            else:
                text = content.decode("utf-8")
                seen[f"{audience}.{fmt}"] = visible_text(text) if fmt == "html" else text
    return seen


def _export_values(folder) -> dict[str, str]:
    """The values of every CSV and JSON file of the export (column names are its own words)."""
    seen = {}
    for path in sorted(folder.iterdir()):
        if path.suffix == ".json":
            rows = json.loads(path.read_text(encoding="utf-8"))
        else:
            rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        seen[path.name] = "\n".join(
            str(v) for row in rows for k, v in row.items() if k not in _NOT_TEXT and v
        )
    return seen


def _published(registered: list[dict], folder) -> tuple:
    """A case naming ``registered`` everywhere, and what every public output shows of it."""
    text = " ".join(_placements(p) for p in registered)
    store = Store.memory()
    try:
        engine = Engine(store, clock=FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)))
        cid = _case_to_final_report(
            engine, load_workflow("child-protection"), registered, text=text
        )
        anonymiser = anonymiser_for(store, cid)
        seen = _outputs(Publisher(engine), cid)
        learning = Learning(engine)
        try:
            learning.export_public(folder / "out")
        except AnonymisationError:
            pass  # refused whole: nothing written
        else:
            seen.update(_export_values(folder / "out"))
        words = {w for p in registered for w in (p["first"], p["last"])} | {"notes"}
        seen["search"] = "\n".join(
            hit.snippet for w in sorted(words) for hit in learning.search(w, public=True)
        )
    finally:
        store.close()
    return anonymiser, seen


def _forbidden(p: dict) -> list[str]:
    """Plain strings that must never be published (independent of the anonymiser's forms)."""
    return [
        p["name"].casefold(),
        _plain_letters(p["name"]).casefold(),
        f"{p['number']} {p['street']}".casefold(),
        p["street"].casefold(),
        p["town_postcode"].casefold(),
        p["dob"].isoformat(),
    ]


class TestZeroLeaks:
    # Bounded: each example builds a database and prints PDFs; a failure is reported as
    # found, not shrunk (shrinking would print hundreds of PDFs).
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(registered=people())
    def test_every_public_format_export_and_search(self, registered, tmp_path_factory):
        """No registered identifier in md, html, pdf text, docx text, CSV/JSON export, search."""
        anonymiser, seen = _published(registered, tmp_path_factory.mktemp("export"))
        # Published unless someone's name is also a word of the report's own wording.
        assert {"public.md", "public.docx"} & set(seen) or any(
            p["first"] in TAG_LIKE + COMMON or p["last"] in TAG_LIKE for p in registered
        )
        for where, out in seen.items():
            assert [] == [str(leak) for leak in anonymiser.leaks(out)], where
            folded = out.casefold()
            for p in registered:
                assert [] == [f for f in _forbidden(p) if f in folded], where

    def test_ordinary_names_are_published_everywhere_without_a_leak(self, tmp_path):
        """With names that are no word of the report, all eight reports and the export exist."""
        registered = [
            {
                "name": "Siobhán O'Hara", "first": "Siobhán", "last": "O'Hara", "role": "child",
                "dob": date(2019, 6, 30), "address": "14 Larkspur Close Wexbridge LS4 4AB",
                "number": 14, "street": "Larkspur Close", "town_postcode": "Wexbridge LS4 4AB",
            },
            {
                "name": "Desmond Quarrie", "first": "Desmond", "last": "Quarrie",
                "role": "parent", "dob": date(1985, 11, 2),
                "address": "221, Orchard Row, Wexbridge, LS4 4AB", "number": 221,
                "street": "Orchard Row", "town_postcode": "Wexbridge LS4 4AB",
            },
        ]  # fmt: skip
        anonymiser, seen = _published(registered, tmp_path)
        reports = {f"{a}.{f}" for a in ("public", "summary") for f in ("md", "html", "pdf", "docx")}
        assert reports <= set(seen) and "chronology.json" in seen and "Child A" in seen["search"]
        for where, out in seen.items():
            assert [] == anonymiser.leaks(out), where
            assert [] == [f for p in registered for f in _forbidden(p) if f in out.casefold()]
