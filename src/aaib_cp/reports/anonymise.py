"""Anonymisation of free text: real names, dates of birth, addresses and other identifiers.

Build one :class:`Anonymiser` per report from every :class:`Identity` registered on any
case, then call :meth:`Anonymiser.redact` on each piece of free text and
:meth:`Anonymiser.check` on the final rendered output::

    anonymiser = Anonymiser([Identity("Social Worker 1", "Siobhán O'Brien")])
    anonymiser.redact("Ms O'BRIEN's visit")       # "Social Worker 1's visit"
    anonymiser.check(rendered, where="public report")   # raises if anything is left

Matching works on a *folded* copy of the text (compatibility decomposition, accents and
other combining marks removed, case folded, apostrophe and dash variants unified), so
"JOSÉ", "jose" and a decomposed "José" all match "José". Spans found in the folded copy
are mapped back to the original text, which is otherwise left exactly as it was.
The rules and their trade-offs are described in docs/anonymisation.md.

This module imports nothing from SQLite or click.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import date

import attrs

from aaib_cp.exceptions import AnonymisationError, InputError

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

#: Titles removed together with the name they precede (folded spelling).
_TITLE_WORDS = """
    mr mrs ms miss mx master dr doctor prof professor sir dame lady lord rev revd reverend
    fr pc dc ds di dci dsi dcs det sgt sergeant insp inspector supt cllr councillor
    judge hhj nurse sister baby
"""
TITLES = frozenset(_TITLE_WORDS.split())

# --- folding -------------------------------------------------------------------------

_APOSTROPHES = frozenset("'\u2018\u2019\u201b\u02bc\u02bb\u02bd\u0060\u00b4\u2032\u02b9\uff07")
# Letters that have no decomposition but which people type without their stroke.
_BASE_LETTER = {
    "ı": "i",
    "ł": "l",
    "ø": "o",
    "đ": "d",
    "ð": "d",
    "ħ": "h",
    "ŀ": "l",
    "þ": "th",
    "æ": "ae",
    "œ": "oe",
    "ß": "ss",
    "ŧ": "t",
    "ƀ": "b",
    "ɨ": "i",
}


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))


def _fold_char(ch: str) -> str:
    if ch in _APOSTROPHES:
        return "'"
    if ch.casefold() in _BASE_LETTER:
        return _BASE_LETTER[ch.casefold()]
    category = unicodedata.category(ch)
    if category == "Pd":
        return "-"
    if category == "Cf":
        return ""  # soft hyphens and zero-width characters pasted inside a name
    # upper() first makes "ı" fold like "I", and "ᾳ" (and a combining iota) like "ΑΙ".
    once = _plain(_plain(ch.upper()).upper().casefold())
    out = []
    for c in once:
        if c in _APOSTROPHES:
            out.append("'")
        elif unicodedata.category(c) == "Pd":
            out.append("-")
        else:
            out.append(_BASE_LETTER.get(c, c))
    return "".join(out)


_FOLD: dict[int, str] = {}
_FOLD_LEN: dict[str, int] = {}


def _table_for(text: str) -> dict[int, str]:
    for ch in set(text):
        if ord(ch) not in _FOLD:
            folded = _fold_char(ch)
            _FOLD[ord(ch)] = folded
            _FOLD_LEN[ch] = len(folded)
    return _FOLD


def fold(text: str) -> str:
    """The folded form of ``text``: NFKD, no combining marks, case-folded, unified '-."""
    return text.translate(_table_for(text))


class _Folded:
    """A folded copy of a text and the map from folded positions back to the original."""

    __slots__ = ("_empty", "_owner", "folded", "original")

    def __init__(self, original: str) -> None:
        self.original = original
        self.folded = original.translate(_table_for(original))
        self._owner: list[int] | None = None
        self._empty: list[bool] | None = None
        if len(self.folded) != len(original) or any(_FOLD_LEN[c] != 1 for c in set(original)):
            owner: list[int] = []
            for i, ch in enumerate(original):
                owner.extend([i] * _FOLD_LEN[ch])
            self._owner = owner
            self._empty = [_FOLD_LEN[ch] == 0 for ch in original]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span covering folded ``[start, end)``."""
        if self._owner is None:
            return start, end
        assert self._empty is not None
        o_start, o_end = self._owner[start], self._owner[end - 1] + 1
        while o_end < len(self.original) and self._empty[o_end]:
            o_end += 1  # keep combining marks with the letter they belong to
        return o_start, o_end


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


# --- patterns ------------------------------------------------------------------------

_L = r"[^\W\d_]"  # a letter (after folding, marks are gone)
_AN = r"[^\W_]"  # a letter or digit
_UNSPACED = (
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\ua000-\ua4cf\uf900-\ufaff\U00020000-\U0003ffff"
)
_U = f"[{_UNSPACED}]"  # scripts written without spaces between words
_SPACED_LETTER = f"[^\\W\\d_{_UNSPACED}]"
# A name starts where the previous character is not a letter, unless either side is in
# a script written without spaces; likewise at its end.
_NAME_START = f"(?:(?<!{_SPACED_LETTER})|(?={_U}))"
_NAME_END = f"(?:(?!{_SPACED_LETTER})|(?<={_U}))"
# Between the words of a name: "J. Smith", "Smith, John", "john.smith", "Ŀ" as "L·", but
# not a possessive: "O'Brien's" is not "O'Brien S." (Siobhán O'Brien's initial).
_SEP = rf"(?:[^\w\x00']|'(?!s(?!{_L})))*"
_APOS = r"['\s]?"  # O'Brien, O Brien, OBrien
_HYPH = r"[-\s]?"  # Anne-Marie, Anne Marie, AnneMarie
_ADDR_SEP = r"[^\w\x00']*"
_ID_SEP = r"[\s\-./]*"
_MASK = "\x00"

_STREET_WORDS = [
    ("road", "rd"),
    ("street", "st"),
    ("avenue", "ave", "av"),
    ("lane", "ln"),
    ("drive", "dr"),
    ("close", "cl"),
    ("court", "ct"),
    ("crescent", "cres"),
    ("place", "pl"),
    ("gardens", "gdns"),
    ("terrace", "terr", "tce"),
    ("square", "sq"),
    ("grove", "gr"),
    ("park", "pk"),
    ("mount", "mt"),
    ("house", "ho"),
]
_STREET_CANON = {w: ws[0] for ws in _STREET_WORDS for w in ws}
_STREET_UNIT = {ws[0]: "(?:" + "|".join(ws) + ")" for ws in _STREET_WORDS}
_POSTCODE = re.compile(r"(?<![^\W_])([a-z]{1,2}\d[a-z\d]?)\s*(\d[a-z]{2})(?![^\W_])")
_FLATLIKE = frozenset({"flat", "apartment", "apt", "unit", "room", "suite", "floor"})


class _Trie:
    """Regex units merged by common prefix, so one pattern serves hundreds of forms."""

    def __init__(self) -> None:
        self.root: dict[str, dict] = {}

    def add(self, units: Sequence[str]) -> None:
        node = self.root
        for unit in units:
            node = node.setdefault(unit, {})
        node[""] = {}

    def pattern(self) -> str:
        return self._emit(self.root)

    @classmethod
    def of(cls, words: Iterable[str]) -> str:
        """A pattern matching any of ``words`` literally."""
        trie = cls()
        for word in words:
            trie.add([re.escape(c) for c in word])
        return trie.pattern()

    def _emit(self, node: dict[str, dict]) -> str:
        alternatives = [unit + self._emit(child) for unit, child in sorted(node.items()) if unit]
        if not alternatives:
            return ""
        body = "(?:" + "|".join(alternatives) + ")"
        return body + "?" if "" in node else body


_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_MONTH_NUMBER = (
    {m: i for i, m in enumerate(_MONTHS, 1)}
    | {m[:3]: i for i, m in enumerate(_MONTHS, 1)}
    | {"sept": 9}
)
_MON = _Trie.of(_MONTH_NUMBER) + r"\.?"
_TWO_DIGITS = 100_000
_ORD = r"(?:st|nd|rd|th)?"
_DATES = re.compile(
    r"(?=[\dadfjmnos])(?:"  # a quick first-character test before the alternatives
    rf"(?<![\d/.\-])(?P<nd>\d{{1,2}})\s*(?P<s1>[/.\-])\s*(?P<nm>\d{{1,2}})\s*(?P=s1)\s*"
    rf"(?P<ny>\d{{4}}|\d{{2}})(?![\d/])"
    rf"|(?<![\d/.\-])(?P<iy>\d{{4}})(?P<s2>[/.\-])(?P<im>\d{{1,2}})(?P=s2)(?P<id>\d{{1,2}})(?!\d)"
    rf"|(?<!{_AN})(?P<wd>\d{{1,2}}){_ORD}(?:\s+of)?[\s,]+(?P<wm>{_MON})[\s,]+(?P<wy>\d{{4}})(?!\d)"
    rf"|(?<!{_AN})(?P<mm>{_MON})[\s,]+(?P<md>\d{{1,2}}){_ORD}[\s,]+(?P<my>\d{{4}})(?!\d))"
)


def _name_tokens(folded_name: str) -> list[str]:
    tokens = re.findall(rf"{_L}+(?:['\-]{_L}+)*", folded_name)
    while len(tokens) > 1 and tokens[0] in TITLES:
        tokens = tokens[1:]
    return tokens


def _name_forms(folded_name: str, *, single_letters: bool) -> set[str]:
    """Every folded spelling of one name that must be matched, with spaces between words."""
    tokens = _name_tokens(folded_name)
    forms: set[str] = set()
    if not tokens:
        return forms
    keep = 1 if single_letters else 2
    for token in tokens:
        if len(token) >= keep or len(tokens) == 1:
            forms.add(token)
        pieces = re.split(r"['\-]", token)
        if len(pieces) > 1:
            forms.update(p for p in pieces if len(p) >= keep)
    if len(tokens) > 1:
        last = tokens[-1]
        earlier = tokens[:-1][:6]
        for size in range(1, len(earlier) + 1):
            for chosen in itertools.combinations(earlier, size):
                for variant in itertools.product(*[(t, t[0]) for t in chosen]):
                    forms.add(" ".join((*variant, last)))
                forms.add(" ".join((last, *chosen)))
                forms.add(" ".join((last, *(t[0] for t in chosen))))
                if size >= 2:
                    forms.add(" ".join(chosen))
    return forms


def _name_units(form: str) -> list[str]:
    return [
        _SEP if c == " " else _APOS if c == "'" else _HYPH if c == "-" else re.escape(c)
        for c in form
    ]


def _name_keys(text: str) -> tuple[str, str]:
    # Words as written first ("a b" is not "ab"), then letters only ("AnneMarie").
    words = re.findall(r"[^\W\d_]+", text)
    return " ".join(words), "".join(words)


def _addr_tokens(folded: str) -> list[str]:
    return [_STREET_CANON.get(t, t) for t in re.findall(r"[^\W_]+", folded)]


def _addr_forms(folded_address: str) -> set[str]:
    """The full address, each leading run of its lines, street-like lines and the postcode."""
    forms: set[str] = set()
    lines = [ln for ln in re.split(r"[,;\n]+", folded_address) if re.search(r"[^\W_]", ln)]
    for i in range(1, len(lines) + 1):
        forms.add(" ".join(_addr_tokens(" ".join(lines[:i]))))
    for ln in lines:
        tokens = _addr_tokens(ln)
        words = [t for t in tokens if re.fullmatch(_L + "{3,}", t) and t not in _FLATLIKE]
        if words and any(re.search(r"\d", t) for t in tokens):
            forms.add(" ".join(tokens))
    for match in _POSTCODE.finditer(folded_address):
        forms.add(f"{match[1]} {match[2]}")
    return {f for f in forms if f}


def _addr_units(form: str) -> list[str]:
    units: list[str] = []
    for i, token in enumerate(form.split(" ")):
        if i:
            units.append(_ADDR_SEP)
        if token in _STREET_UNIT:
            units.append(_STREET_UNIT[token])
        else:
            units.extend(re.escape(c) for c in token)
    return units


def _addr_keys(text: str) -> tuple[str]:
    return ("".join(_addr_tokens(text)),)


def _id_units(form: str) -> list[str]:
    units: list[str] = []
    for i, c in enumerate(form):
        if i:
            units.append(_ID_SEP)
        units.append(re.escape(c))
    return units


def _id_key(text: str) -> str:
    return re.sub(r"[\W_]", "", text)


def _id_keys(text: str) -> tuple[str]:
    return (_id_key(text),)


class _Kind:
    """One kind of identifier: a compiled pattern and who owns each matched spelling."""

    def __init__(
        self,
        label: str,
        units: Callable[[str], list[str]],
        keys: Callable[[str], tuple[str, ...]],
        start: str,
        end: str,
        prefix: str = "",
        group: str = "id",
    ) -> None:
        self.label, self._units, self._keys = label, units, keys
        self._start, self._end, self._prefix, self.group = start, end, prefix, group
        self.owners: list[dict[str, set[int]]] = [{} for _ in keys("")]
        self._trie = _Trie()
        self.regex: re.Pattern[str] | None = None

    def add(self, form: str, owner: int) -> None:
        for owners, key in zip(self.owners, self._keys(form), strict=True):
            owners.setdefault(key, set()).add(owner)
        self._trie.add(self._units(form))

    def compile(self) -> None:
        if self.owners[0]:
            body = self._trie.pattern()
            self.regex = re.compile(
                f"{self._start}{self._prefix}(?P<{self.group}>{body}){self._end}"
            )

    def find(self, folded: str) -> Iterable[tuple[int, int, set[int]]]:
        if self.regex is None:
            return
        for match in self.regex.finditer(folded):
            for by_key, key in zip(self.owners, self._keys(match[self.group]), strict=True):
                if key in by_key:
                    yield match.start(), match.end(), by_key[key]
                    break


def _glued(text: str, index: int) -> bool:
    """Whether ``text[index]`` (next to a replaced span) is a letter, digit or mark."""
    if not 0 <= index < len(text):
        return False
    folded = _FOLD[ord(text[index])]
    return not folded or any(c.isalnum() for c in folded)


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
        self._names = _Kind(
            "real name",
            _name_units,
            _name_keys,
            _NAME_START,
            _NAME_END,
            self._title_prefix(),
            "name",
        )
        self._addresses = _Kind("address", _addr_units, _addr_keys, f"(?<!{_AN})", f"(?!{_AN})")
        self._others = _Kind("identifier", _id_units, _id_keys, f"(?<!{_AN})", f"(?!{_AN})")
        self._dobs: dict[tuple[int, int, int], set[int]] = {}
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
        self._protect = self._protect_pattern(protected)

    @staticmethod
    def _title_prefix() -> str:
        trie = _Trie()
        for title in TITLES:
            trie.add([*title, r"(?:\.\s*|\s+)"])
        return f"(?:{trie.pattern()})?"

    def _register(
        self, owner: int, identity: Identity, pseudonym: str, *, single_letters: bool
    ) -> None:
        names = (identity.real_name, *identity.aliases)
        for n, name in enumerate(names):
            what = "real name" if n == 0 else f"alias {n}"
            forms = (
                _name_forms(fold(name), single_letters=single_letters)
                if isinstance(name, str)
                else set()
            )
            if not forms:
                raise InputError(f"the {what} of {pseudonym} has no letters to match")
            for form in forms:
                self._names.add(form, owner)
        if identity.date_of_birth is not None:
            dob = identity.date_of_birth
            for year in (dob.year, _TWO_DIGITS + dob.year % 100):
                self._dobs.setdefault((year, dob.month, dob.day), set()).add(owner)
        if identity.address is not None:
            forms = _addr_forms(fold(identity.address))
            if not forms:
                raise InputError(f"the address of {pseudonym} has no letters or digits")
            for form in forms:
                self._addresses.add(form, owner)
        for n, other in enumerate(identity.other, 1):
            form = _id_key(fold(other))
            if len(form) < 3:
                raise InputError(
                    f"identifier {n} of {pseudonym} needs at least 3 letters "
                    "or digits, or it would hide ordinary numbers"
                )
            self._others.add(form, owner)

    @staticmethod
    def _protect_pattern(protected: set[str]) -> re.Pattern[str]:
        trie = _Trie()
        for text in protected:
            folded = " ".join(fold(text).split())
            units = [r"\s+" if c == " " else re.escape(c) for c in folded]
            if re.match(_AN, folded):
                units.insert(0, f"(?<!{_AN})")
            if re.search(_AN + "$", folded):
                units.append(f"(?!{_AN})")
            trie.add(units)
        return re.compile(trie.pattern())

    # -- scanning --

    def _spans(self, text: str) -> list[tuple[int, int, str, list[int]]]:
        """Non-overlapping original spans ``(start, end, kind label, owners)``, in order."""
        source = _Folded(text)
        folded = self._protect.sub(lambda m: _MASK * len(m[0]), source.folded)
        found: list[tuple[int, int, str, list[int]]] = []
        for kind in (self._addresses, self._others, self._names):
            for start, end, owners in kind.find(folded):
                found.append((start, end, kind.label, sorted(owners)))
        if self._dobs:
            for match in _DATES.finditer(folded):
                owners = self._dobs.get(self._date_of(match), set())
                if owners:
                    found.append((match.start(), match.end(), "date of birth", sorted(owners)))
        spans = sorted((*source.span(s, e), label, o) for s, e, label, o in found)
        merged: list[tuple[int, int, str, list[int]]] = []
        for span in spans:
            if merged and span[0] < merged[-1][1]:
                s, e, label, owners = merged[-1]
                if span[2] != label:
                    label = f"{label} & {span[2]}"
                merged[-1] = (s, max(e, span[1]), label, sorted({*owners, *span[3]}))
            else:
                merged.append(span)
        return merged

    @staticmethod
    def _date_of(match: re.Match[str]) -> tuple[int, int, int]:
        if match["nd"]:
            day, month, year = int(match["nd"]), int(match["nm"]), match["ny"]
        elif match["iy"]:
            day, month, year = int(match["id"]), int(match["im"]), match["iy"]
        elif match["wd"]:
            day, month, year = int(match["wd"]), _MONTH_NUMBER[match["wm"].rstrip(".")], match["wy"]
        else:
            day, month, year = int(match["md"]), _MONTH_NUMBER[match["mm"].rstrip(".")], match["my"]
        # a two-digit year is kept apart from four-digit ones: 19 may be 1919 or 2019
        return (int(year) if len(year) == 4 else _TWO_DIGITS + int(year)), month, day

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
                if _glued(text, start - 1):
                    glued = True
                    replacement = " " + replacement if replacement[0].isalnum() else replacement
                if _glued(text, end):
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
