"""Finding names, addresses, identifiers and dates in free text, for the anonymiser.

Matching works on a *folded* copy of the text (:func:`fold`: compatibility
decomposition, accents and other combining marks removed, case folded, apostrophe and
dash variants unified); :class:`Folded` maps spans found in the folded copy back to the
original. The regular-expression building blocks, the forms a registered name, address
or identifier may take in text, and :class:`Kind` (one compiled alternation per kind of
identifier) are used by :class:`~aaib_cp.reports.anonymise.Anonymiser`.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable

from aaib_cp.reports.scanning import ANY, Trie, leading, scan

__all__ = [
    "AN",
    "DATES",
    "MASK",
    "MONTH_NUMBER",
    "NAME_END",
    "NAME_START",
    "NAME_START_AFTER",
    "TITLES",
    "TWO_DIGITS",
    "Folded",
    "Kind",
    "Trie",
    "addr_forms",
    "addr_keys",
    "addr_units",
    "fold",
    "id_key",
    "id_keys",
    "id_units",
    "is_glued",
    "name_forms",
    "name_keys",
    "name_units",
]

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


_NON_ASCII = re.compile(r"([^\x00-\x7f]+)")
_table_for("".join(map(chr, range(128))))  # every ASCII character is in the table


def _fold_text(text: str) -> tuple[str, bool]:
    """The folded form of ``text``, and whether every character folded to one.

    In ASCII, folding is lower case with the backtick as an apostrophe: runs of ASCII
    are folded by ``str.lower`` (much faster than a table on a long page), the rest by
    the table.
    """
    if text.isascii():
        return text.lower().replace("`", "'"), True
    parts = _NON_ASCII.split(text)
    others = parts[1::2]
    table = _table_for("".join(others))
    parts[1::2] = [p.translate(table) for p in others]
    parts[0::2] = [p.lower() for p in parts[0::2]]
    same = all(_FOLD_LEN[c] == 1 for c in set("".join(others)))
    return "".join(parts).replace("`", "'"), same


def fold(text: str) -> str:
    """The folded form of ``text``: NFKD, no combining marks, case-folded, unified '-."""
    return _fold_text(text)[0]


class Folded:
    """A folded copy of a text and the map from folded positions back to the original."""

    __slots__ = ("_empty", "_owner", "_same", "folded", "original")

    def __init__(self, original: str) -> None:
        self.original = original
        self.folded, self._same = _fold_text(original)
        self._owner: list[int] | None = None  # the map, made when first needed
        self._empty: list[bool] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span covering folded ``[start, end)``."""
        if self._same:
            return start, end
        if self._owner is None:
            self._owner = [i for i, ch in enumerate(self.original) for _ in range(_FOLD_LEN[ch])]
            self._empty = [_FOLD_LEN[ch] == 0 for ch in self.original]
        assert self._empty is not None
        o_start, o_end = self._owner[start], self._owner[end - 1] + 1
        while o_end < len(self.original) and self._empty[o_end]:
            o_end += 1  # keep combining marks with the letter they belong to
        return o_start, o_end


# --- patterns ------------------------------------------------------------------------

_L = r"[^\W\d_]"  # a letter (after folding, marks are gone)
AN = r"[^\W_]"  # a letter or digit
_UNSPACED = (
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\ua000-\ua4cf\uf900-\ufaff\U00020000-\U0003ffff"
)
_U = f"[{_UNSPACED}]"  # scripts written without spaces between words
_SPACED_LETTER = f"[^\\W\\d_{_UNSPACED}]"
# A name starts where the previous character is not a letter, unless either side is in
# a script written without spaces; likewise at its end.
# Nor right after a letter and an apostrophe: "Hara" is not a name inside "O'Hara".
NAME_START = f"(?:(?<!{_SPACED_LETTER})(?<!{_SPACED_LETTER}')|(?={_U}))"
# The same, checked after the name's first character (:mod:`aaib_cp.reports.scanning`).
NAME_START_AFTER = f"(?:(?<!{_SPACED_LETTER}{ANY})(?<!{_SPACED_LETTER}'{ANY})|(?<={_U}))"
# Nor before an apostrophe and a letter, a possessive aside: "AA" is no name in "AA'A A".
NAME_END = f"(?:(?!{_SPACED_LETTER})(?!'(?!s(?!{_SPACED_LETTER})){_SPACED_LETTER})|(?<={_U}))"
# Between the words of a name: "J. Smith", "Smith, John", "john.smith", "Ŀ" as "L·", but
# not a possessive: "O'Brien's" is not "O'Brien S." (Siobhán O'Brien's initial).
# Only spaces, full stops, commas and middle dots join them, so "Hughes; janet" is two
# mentions and the text between them is kept.
_SEP = rf"(?:[\s.,\u00b7]|'(?!s(?!{_L})))*"
_APOS = r"['\s]?"  # O'Brien, O Brien, OBrien
_HYPH = r"[-\s]?"  # Anne-Marie, Anne Marie, AnneMarie
_ADDR_SEP = r"[^\w\x00']*"
_ID_SEP = r"[\s\-./]*"
MASK = "\x00"

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
    ("row",),
    ("way",),
    ("walk",),
    ("hill",),
    ("rise",),
    ("mews",),
    ("parade", "pde"),
    ("vale",),
    ("wharf",),
    ("yard",),
    ("croft",),
    ("boulevard", "blvd"),
    ("quay",),
    ("chase",),
    ("meadows",),
]
_STREET_CANON = {w: ws[0] for ws in _STREET_WORDS for w in ws}
_STREET_UNIT = {ws[0]: "(?:" + "|".join(ws) + ")" for ws in _STREET_WORDS}
_POSTCODE = re.compile(r"(?<![^\W_])([a-z]{1,2}\d[a-z\d]?)\s*(\d[a-z]{2})(?![^\W_])")
_FLATLIKE = frozenset({"flat", "apartment", "apt", "unit", "room", "suite", "floor"})
# Street names too common to withhold on their own ("High Street" names no one).
_COMMON_STREET_WORDS = frozenset((
    "high", "church", "station", "main", "park", "london", "mill", "new", "victoria",
    "green", "manor", "school", "north", "south", "east", "west", "the", "old",
    "queen", "queens", "king", "kings", "market", "bridge", "chapel", "albert", "york",
))  # fmt: skip
_HOUSE_NUMBER = re.compile(r"\d+[a-z]?")


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
MONTH_NUMBER = (
    {m: i for i, m in enumerate(_MONTHS, 1)}
    | {m[:3]: i for i, m in enumerate(_MONTHS, 1)}
    | {"sept": 9}
)
_MON = Trie.of(MONTH_NUMBER) + r"\.?"
TWO_DIGITS = 100_000
_ORD = r"(?:st|nd|rd|th)?"
DATES = re.compile(
    r"(?=[\dadfjmnos])(?:"  # a quick first-character test before the alternatives
    rf"(?<![\d/.\-])(?P<nd>\d{{1,2}})\s*(?P<s1>[/.\-])\s*(?P<nm>\d{{1,2}})\s*(?P=s1)\s*"
    rf"(?P<ny>\d{{4}}|\d{{2}})(?![\d/])"
    rf"|(?<![\d/.\-])(?P<iy>\d{{4}})(?P<s2>[/.\-])(?P<im>\d{{1,2}})(?P=s2)(?P<id>\d{{1,2}})(?!\d)"
    rf"|(?<!{AN})(?P<wd>\d{{1,2}}){_ORD}(?:\s+of)?[\s,]+(?P<wm>{_MON})[\s,]+(?P<wy>\d{{4}})(?!\d)"
    rf"|(?<!{AN})(?P<mm>{_MON})[\s,]+(?P<md>\d{{1,2}}){_ORD}[\s,]+(?P<my>\d{{4}})(?!\d))"
)


def _name_tokens(folded_name: str) -> list[str]:
    tokens = re.findall(rf"{_L}+(?:['\-]{_L}+)*", folded_name)
    while len(tokens) > 1 and tokens[0] in TITLES:
        tokens = tokens[1:]
    return tokens


def name_forms(folded_name: str, *, single_letters: bool) -> set[str]:
    """Every folded spelling of one name that must be matched, with spaces between words."""
    tokens = _name_tokens(folded_name)
    forms: set[str] = set()
    if not tokens:
        return forms
    keep = 1 if single_letters else 2
    # "OHara" is also written "O'Hara" (the apostrophe unit makes it optional)
    tokens = [
        t[0] + "'" + t[1:] if re.fullmatch(r"[od][^\W\d_]{3,}", t) and "'" not in t else t
        for t in tokens
    ]
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


def name_units(form: str) -> list[str]:
    return [
        _SEP if c == " " else _APOS if c == "'" else _HYPH if c == "-" else re.escape(c)
        for c in form
    ]


def name_keys(text: str) -> tuple[str, str]:
    # Words as written first ("a b" is not "ab"), then letters only ("AnneMarie").
    words = re.findall(r"[^\W\d_]+", text)
    return " ".join(words), "".join(words)


def _addr_tokens(folded: str) -> list[str]:
    return [_STREET_CANON.get(t, t) for t in re.findall(r"[^\W_]+", folded)]


def addr_forms(folded_address: str) -> set[str]:
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
    forms |= _addr_part_forms(folded_address)
    return {f for f in forms if f}


def _addr_part_forms(folded_address: str) -> set[str]:
    """Parts of an address however it was punctuated: "14 elm road", "elm road", "town pc".

    House number with street, the street name where distinctive, and the town with the
    postcode; never the town alone.
    """
    tokens = _addr_tokens(folded_address)
    forms: set[str] = set()
    last_street = -1
    for k, token in enumerate(tokens):
        if token not in _STREET_UNIT or k == 0:
            continue
        j = k
        while (
            j > 0
            and re.fullmatch(_L + "+", tokens[j - 1])
            and tokens[j - 1]
            not in (
                *_STREET_UNIT,
                *_FLATLIKE,
            )
        ):
            j -= 1
        if j == k:
            continue
        last_street = k
        name = tokens[j : k + 1]
        if j > 0 and _HOUSE_NUMBER.fullmatch(tokens[j - 1]):
            forms.add(" ".join([tokens[j - 1], *name]))
        if any(len(w) >= 3 and w not in _COMMON_STREET_WORDS for w in name[:-1]):
            forms.add(" ".join(name))
    for p in range(len(tokens) - 1):
        if _POSTCODE.fullmatch(f"{tokens[p]} {tokens[p + 1]}"):
            town = [t for t in tokens[last_street + 1 : p] if re.fullmatch(_L + "{3,}", t)]
            if town:
                forms.add(" ".join([*town, tokens[p], tokens[p + 1]]))
    return forms


def addr_units(form: str) -> list[str]:
    units: list[str] = []
    for i, token in enumerate(form.split(" ")):
        if i:
            units.append(_ADDR_SEP)
        if token in _STREET_UNIT:
            units.append(_STREET_UNIT[token])
        else:
            units.extend(re.escape(c) for c in token)
    return units


def addr_keys(text: str) -> tuple[str]:
    return ("".join(_addr_tokens(text)),)


def id_units(form: str) -> list[str]:
    units: list[str] = []
    for i, c in enumerate(form):
        if i:
            units.append(_ID_SEP)
        units.append(re.escape(c))
    return units


def id_key(text: str) -> str:
    return re.sub(r"[\W_]", "", text)


def id_keys(text: str) -> tuple[str]:
    return (id_key(text),)


class Kind:
    """One kind of identifier: a compiled pattern and who owns each matched spelling.

    ``start`` is the assertion before a match and the same checked after its first
    character (for the leading twin, :mod:`aaib_cp.reports.scanning`); ``prefix`` holds
    words that may come before a match and are taken with it (titles before a name).
    """

    def __init__(
        self,
        label: str,
        units: Callable[[str], list[str]],
        keys: Callable[[str], tuple[str, ...]],
        start: tuple[str, str],
        end: str,
        prefix: Trie | None = None,
        group: str = "id",
    ) -> None:
        self.label, self._units, self._keys = label, units, keys
        self._start, self._end, self._prefix, self.group = start, end, prefix, group
        self.owners: list[dict[str, set[int]]] = [{} for _ in keys("")]
        self._trie = Trie()
        self.regex: re.Pattern[str] | None = None
        self._twin: re.Pattern[str] | None = None

    def add(self, form: str, owner: int) -> None:
        for owners, key in zip(self.owners, self._keys(form), strict=True):
            owners.setdefault(key, set()).add(owner)
        self._trie.add(self._units(form))

    def compile(self) -> None:
        if self.owners[0]:
            body = self._trie.pattern()
            start, after = self._start
            prefix = f"(?:{self._prefix.pattern()})?" if self._prefix else ""
            self.regex = re.compile(f"{start}{prefix}(?P<{self.group}>{body}){self._end}")
            firsts = (
                [(u, after, f"{r}(?:{body})") for u, r in self._prefix.firsts()]
                if (self._prefix)
                else []
            )
            twin = leading([*firsts, *((u, after, r) for u, r in self._trie.firsts())], self._end)
            self._twin = None if twin is None else re.compile(twin)

    def find(self, folded: str) -> Iterable[tuple[int, int, set[int]]]:
        if self.regex is None:
            return
        for match in scan(self.regex, self._twin, folded):
            for by_key, key in zip(self.owners, self._keys(match[self.group]), strict=True):
                if key in by_key:
                    yield match.start(), match.end(), by_key[key]
                    break


def is_glued(text: str, index: int) -> bool:
    """Whether ``text[index]`` (next to a replaced span) is a letter, digit or mark."""
    if not 0 <= index < len(text):
        return False
    folded = _FOLD[ord(text[index])]
    return not folded or any(c.isalnum() for c in folded)
