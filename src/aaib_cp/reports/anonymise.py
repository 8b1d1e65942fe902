"""Anonymisation of free text: real names, dates of birth, addresses and other identifiers.

Build one :class:`Anonymiser` per report from every :class:`Identity` registered on any
case, then call :meth:`Anonymiser.redact` on each piece of free text and
:meth:`Anonymiser.check` on the final rendered output::

    anonymiser = Anonymiser([Identity("Social Worker 1", "Siobhán O'Brien")])
    anonymiser.redact("Ms O'BRIEN's visit")       # "Social Worker 1's visit"
    anonymiser.check(rendered, where="public report")   # raises if anything is left

Matching works on a *folded* copy of the text (see :mod:`aaib_cp.reports.text_matching`:
compatibility decomposition, accents and other combining marks removed, case folded,
apostrophe and dash variants unified), so "JOSÉ", "jose" and a decomposed "José" all
match "José". Spans found in the folded copy are mapped back to the original text,
which is otherwise left exactly as it was.
The rules and their trade-offs are described in docs/anonymisation.md.

This module imports nothing from SQLite or click.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from datetime import date

import attrs

from aaib_cp.exceptions import AnonymisationError, InputError
from aaib_cp.reports.scanning import ANY, leading, scan
from aaib_cp.reports.text_matching import (
    AN,
    DATES,
    MASK,
    MONTH_NUMBER,
    NAME_END,
    NAME_START,
    NAME_START_AFTER,
    TITLES,
    TWO_DIGITS,
    Folded,
    Kind,
    Trie,
    addr_forms,
    addr_keys,
    addr_units,
    fold,
    id_key,
    id_keys,
    id_units,
    is_glued,
    name_forms,
    name_keys,
    name_units,
)

__all__ = [
    "ADDRESS_MARKER",
    "DOB_MARKER",
    "IDENTIFIER_MARKER",
    "NAME_MARKER",
    "TITLES",
    "Anonymiser",
    "Identity",
    "Leak",
    "fold",
]

NAME_MARKER = "[name withheld]"
DOB_MARKER = "[date of birth withheld]"
ADDRESS_MARKER = "[address withheld]"
IDENTIFIER_MARKER = "[identifier withheld]"
_MARKERS = (NAME_MARKER, DOB_MARKER, ADDRESS_MARKER, IDENTIFIER_MARKER)
SEPARATOR = MASK  # what joins the texts :meth:`Anonymiser.redact_all` scans together


# --- identities ----------------------------------------------------------------------


def _strings(value: str | Iterable[str]) -> tuple[str, ...]:
    """A tuple of strings; one string stays whole (not split into its characters)."""
    return (value,) if isinstance(value, str) else tuple(value)


@attrs.frozen
class Identity:
    """A person registered on a case: the pseudonym to publish and what must not be."""

    pseudonym: str
    real_name: str
    aliases: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    date_of_birth: date | None = None
    address: str | None = None
    other: tuple[str, ...] = attrs.field(default=(), converter=_strings)


@attrs.frozen
class Leak:
    """A registered identifier still present in a text; its ``str`` never shows the identifier."""

    identifier_kind: str
    pseudonym: str
    position: int
    line: int
    column: int

    def __str__(self) -> str:
        return (
            f"the {self.identifier_kind} of {self.pseudonym} appears at line {self.line}, "
            f"column {self.column}"
        )


# --- the anonymiser ------------------------------------------------------------------


class Anonymiser:
    """Replaces registered identifiers in text, and finds any that remain.

    ``identities`` are the people of the case being published: their names are replaced
    by their pseudonyms. ``also_withhold`` are people registered on other cases: their
    identifiers are replaced by neutral markers. A name part shared by people with
    different pseudonyms becomes ``[name withheld]``. Single letters (initials) are
    matched only inside longer forms ("J. Smith") unless ``single_letters`` is true.
    """

    def __init__(
        self,
        identities: Sequence[Identity],
        *,
        also_withhold: Sequence[Identity] = (),
        single_letters: bool = False,
    ) -> None:
        self._labels: list[str] = []  # the replacement for each owner's name
        self._whose: list[str] = []  # how leaks name each owner
        self._names = Kind(
            "real name",
            name_units,
            name_keys,
            (NAME_START, NAME_START_AFTER),
            NAME_END,
            self._title_prefix(),
            "name",
        )
        not_after = (f"(?<!{AN})", f"(?<!{AN}{ANY})")
        self._addresses = Kind("address", addr_units, addr_keys, not_after, f"(?!{AN})")
        self._others = Kind("identifier", id_units, id_keys, not_after, f"(?!{AN})")
        self._dobs: dict[tuple[int, int, int], set[int]] = {}
        self._days: dict[str, tuple[int, int, int]] = {}  # each date text read
        protected = set(_MARKERS)
        everyone = [(i, False) for i in identities] + [(i, True) for i in also_withhold]
        for owner, (identity, withheld) in enumerate(everyone):
            if not isinstance(identity, Identity):
                raise InputError(
                    f"identity {owner + 1}: must be an Identity (got {type(identity).__name__})"
                )
            pseudonym = identity.pseudonym.strip() if isinstance(identity.pseudonym, str) else ""
            if not pseudonym:
                raise InputError(f"identity {owner + 1}: the pseudonym must not be empty")
            self._labels.append(NAME_MARKER if withheld else pseudonym)
            self._whose.append(f"{pseudonym} (another case)" if withheld else pseudonym)
            if not withheld:
                protected.add(pseudonym)
            self._register(owner, identity, pseudonym, single_letters=single_letters)
        for kind in (self._names, self._addresses, self._others):
            kind.compile()
        self._protect, self._protect_twin = self._protect_pattern(protected)

    @staticmethod
    def _title_prefix() -> Trie:
        trie = Trie()
        for title in TITLES:
            trie.add([*title, r"(?:\.\s*|\s+)"])
        return trie

    def _register(
        self, owner: int, identity: Identity, pseudonym: str, *, single_letters: bool
    ) -> None:
        names = (identity.real_name, *identity.aliases)
        for n, name in enumerate(names):
            what = "real name" if n == 0 else f"alias {n}"
            forms = (
                name_forms(fold(name), single_letters=single_letters)
                if isinstance(name, str)
                else set()
            )
            if not forms:
                raise InputError(f"the {what} of {pseudonym} has no letters to match")
            for form in forms:
                self._names.add(form, owner)
        if identity.date_of_birth is not None:
            dob = identity.date_of_birth
            for year in (dob.year, TWO_DIGITS + dob.year % 100):
                self._dobs.setdefault((year, dob.month, dob.day), set()).add(owner)
        if identity.address is not None:
            forms = addr_forms(fold(identity.address))
            if not forms:
                raise InputError(f"the address of {pseudonym} has no letters or digits")
            for form in forms:
                self._addresses.add(form, owner)
        for n, other in enumerate(identity.other, 1):
            form = id_key(fold(other))
            if len(form) < 3:
                raise InputError(
                    f"identifier {n} of {pseudonym} needs at least 3 letters "
                    "or digits, or it would hide ordinary numbers"
                )
            self._others.add(form, owner)

    @staticmethod
    def _protect_pattern(protected: set[str]) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
        """The pattern of the pseudonyms and markers a scan masks, and its leading twin."""
        trie = Trie()
        for text in protected:
            folded = " ".join(fold(text).split())
            units = [r"\s+" if c == " " else re.escape(c) for c in folded]
            if re.match(AN, folded):
                units.insert(0, f"(?<!{AN})")
            if re.search(AN + "$", folded):
                units.append(f"(?!{AN})")
            trie.add(units)
        firsts: list[tuple[str, str, str]] = []
        for unit, rest in trie.firsts():
            if unit == f"(?<!{AN})":  # each first character of what follows, then the check
                below = Trie()
                below.root = trie.root[unit]
                firsts += [(c, f"(?<!{AN}{ANY})", r) for c, r in below.firsts()]
            else:
                firsts.append((unit, "", rest))
        twin = leading(firsts)
        return re.compile(trie.pattern()), None if twin is None else re.compile(twin)

    # -- scanning --

    def _spans(self, text: str) -> list[tuple[int, int, str, list[int]]]:
        """Non-overlapping original spans ``(start, end, kind label, owners)``, in order."""
        source = Folded(text)
        found = self._found(source.folded)
        spans = sorted((*source.span(s, e), label, o) for s, e, label, o in found)
        merged: list[tuple[int, int, str, list[int]]] = []
        for span in spans:
            if merged and span[0] < merged[-1][1]:
                s, e, label, before = merged[-1]
                if span[2] != label:
                    label = f"{label} & {span[2]}"
                merged[-1] = (s, max(e, span[1]), label, sorted({*before, *span[3]}))
            else:
                merged.append(span)
        return merged

    def _found(self, folded: str) -> list[tuple[int, int, str, list[int]]]:
        """Every identifier in a folded text: folded spans, possibly overlapping."""
        pieces, at = [], 0
        for match in scan(self._protect, self._protect_twin, folded):
            pieces += [folded[at : match.start()], MASK * (match.end() - match.start())]
            at = match.end()
        folded = "".join(pieces) + folded[at:] if pieces else folded
        found: list[tuple[int, int, str, list[int]]] = []
        for kind in (self._addresses, self._others, self._names):
            for start, end, owners in kind.find(folded):
                found.append((start, end, kind.label, sorted(owners)))
        if self._dobs:
            # a date's day, month and year follow from its text alone (the four forms
            # cannot spell the same text): a long report repeats its dates
            days = self._days
            for match in DATES.finditer(folded):
                day = days.get(match[0])
                if day is None:
                    if len(days) > 50_000:
                        days.clear()
                    day = days[match[0]] = self._date_of(match)
                owners = self._dobs.get(day, set())
                if owners:
                    found.append((match.start(), match.end(), "date of birth", sorted(owners)))
        return found

    @staticmethod
    def _date_of(match: re.Match[str]) -> tuple[int, int, int]:
        if match["nd"]:
            day, month, year = int(match["nd"]), int(match["nm"]), match["ny"]
        elif match["iy"]:
            day, month, year = int(match["id"]), int(match["im"]), match["iy"]
        elif match["wd"]:
            day, month, year = int(match["wd"]), MONTH_NUMBER[match["wm"].rstrip(".")], match["wy"]
        else:
            day, month, year = int(match["md"]), MONTH_NUMBER[match["mm"].rstrip(".")], match["my"]
        # a two-digit year is kept apart from four-digit ones: 19 may be 1919 or 2019
        return (int(year) if len(year) == 4 else TWO_DIGITS + int(year)), month, day

    def _replacement(self, label: str, owners: list[int]) -> str:
        kinds = label.split(" & ")
        out = []
        for kind in kinds:
            if kind == "real name":
                names = {self._labels[o] for o in owners}
                out.append(names.pop() if len(names) == 1 else NAME_MARKER)
            elif kind == "date of birth":
                out.append(DOB_MARKER)
            elif kind == "address":
                out.append(ADDRESS_MARKER)
            else:
                out.append(IDENTIFIER_MARKER)
        return " ".join(dict.fromkeys(out))

    # -- public API --

    def redact(self, text: str) -> str:
        """``text`` with every registered identifier replaced (names by pseudonyms)."""
        for _ in range(8):
            spans = self._spans(text)
            if not spans:
                return text
            pieces, at, glued = [], 0, False
            for start, end, label, owners in spans:
                replacement = self._replacement(label, owners)
                # "Smith2" becomes "Social Worker 1 2", not "Social Worker 12"
                if is_glued(text, start - 1):
                    glued = True
                    replacement = " " + replacement if replacement[0].isalnum() else replacement
                if is_glued(text, end):
                    glued = True
                    replacement = replacement + " " if replacement[-1].isalnum() else replacement
                pieces.append(text[at:start])
                pieces.append(replacement)
                at = end
            pieces.append(text[at:])
            text = "".join(pieces)
            if not glued:
                # Every match starts and ends with a letter or digit, and no pattern
                # crosses a (masked) replacement, so when each replaced span had a space
                # or punctuation on both sides, a second pass would find nothing new.
                return text
        raise AnonymisationError("redaction did not settle after 8 passes")  # pragma: no cover

    def redact_all(self, texts: Iterable[str]) -> dict[str, str]:
        """Each distinct text of ``texts`` and what :meth:`redact` makes of it.

        The texts are scanned together, joined by a NUL character: no pattern matches
        one or looks past one differently from the end of a text (NUL is neither a
        letter, a digit, white space nor punctuation, and is the mask of a pseudonym),
        so a text holds an identifier alone exactly when it holds one joined. Only
        those texts are then redacted one by one; the rest come back unchanged.
        """
        distinct = list(dict.fromkeys(texts))
        result = dict(zip(distinct, distinct, strict=True))
        if any(SEPARATOR in t for t in distinct):
            return {t: self.redact(t) for t in distinct}
        folded = fold(SEPARATOR.join(distinct))
        ends = [m.start() for m in re.finditer(SEPARATOR, folded)]
        for i in {bisect.bisect_left(ends, start) for start, *_ in self._found(folded)}:
            result[distinct[i]] = self.redact(distinct[i])
        return result

    def leaks(self, text: str) -> list[Leak]:
        """Every registered identifier still present in ``text``, in order of position."""
        leaks, line, line_start, counted = [], 1, 0, 0
        for start, _end, label, owners in self._spans(text):
            newlines = text.count("\n", counted, start)
            if newlines:
                line += newlines
                line_start = text.rfind("\n", counted, start) + 1
            counted = start
            column = start - line_start + 1
            whose = " or ".join(dict.fromkeys(self._whose[o] for o in owners))
            leaks.append(Leak(label.split(" & ")[0], whose, start, line, column))
        return leaks

    def check(self, text: str, *, where: str) -> None:
        """Raise :class:`AnonymisationError` (one line, no identifier) if anything leaks."""
        found = self.leaks(text)
        if found:
            more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            raise AnonymisationError(f"{where}: {found[0]}{more}; nothing was published")
