"""Canonical names: one spelling for every comparison and lookup of a person or agency.

Two spellings are the same name when their canonical forms are equal. The canonical
form is built in this order:

1. Unicode NFKC, so full-width letters and ligatures become ordinary letters and a
   no-break space becomes a space;
2. format characters removed (zero-width spaces and joiners, bidirectional marks such
   as U+200E, soft hyphens: Unicode category ``Cf``);
3. the confusable skeleton of UTS #39: each character that Unicode's confusables data
   says looks like an ASCII letter or digit (Cyrillic ``а`` or ``і``, Greek ``ο``) is
   replaced by it (the data ships in the ``confusable_homoglyphs`` package);
4. accents removed (NFD, combining marks dropped), so a combining accent is not a
   different name;
5. case folded and runs of whitespace collapsed to one space, ends trimmed.

Agency names are further stripped of punctuation (full stops, apostrophes straight or
curly, commas, hyphens), so "Northshire Police." is "Northshire Police".
"""

from __future__ import annotations

import functools
import re
import unicodedata

__all__ = ["agency_key", "canonical", "looks_like_same_person", "same_name"]

_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]|_")


@functools.cache
def _ascii_lookalike(ch: str) -> str:
    """The ASCII letter or digit ``ch`` is confusable with (UTS #39 data), or ``ch``."""
    if ch.isascii():
        return ch
    from confusable_homoglyphs import confusables

    for candidate in confusables.confusables_data.get(ch, ()):
        glyph = candidate.get("c", "")
        if len(glyph) == 1 and glyph.isascii() and glyph.isalnum():
            return glyph
    return ch


def canonical(text: str) -> str:
    """The canonical form of a person's or account's name (see the module docstring)."""
    folded = unicodedata.normalize("NFKC", text)
    visible = "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")
    skeleton = "".join(_ascii_lookalike(ch) for ch in visible)
    decomposed = unicodedata.normalize("NFD", skeleton)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACE.sub(" ", unicodedata.normalize("NFC", bare).casefold()).strip()


def agency_key(text: str) -> str:
    """The canonical form of an agency's name: :func:`canonical` without punctuation."""
    return _SPACE.sub(" ", _PUNCT.sub(" ", canonical(text))).strip()


def same_name(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are spellings of the same name."""
    return canonical(a) == canonical(b)


def looks_like_same_person(a: str, b: str) -> bool:
    """True when one name could be the other written with initials ("S. Idowu", "Sam Idowu").

    Both must have the same last word; every earlier word of the shorter form must be the
    initial (or the whole) of the matching word of the longer.
    """
    first = agency_key(a).split()
    second = agency_key(b).split()
    if not first or not second or first[-1] != second[-1] or first == second:
        return False
    if len(first) != len(second):
        return False
    pairs = zip(first, second, strict=True)
    return all(x == y or (x[0] == y[0] and min(len(x), len(y)) == 1) for x, y in pairs)
