"""Regular expressions that find the same matches faster: each one's first character first.

The anonymiser's patterns start with an assertion about the character *before* a match
("not after a letter"). Python's ``re`` can skip ahead to the next possible first
character of a match only when a pattern starts with a character or a set of them;
a pattern that starts with an assertion is tried at every position of the text, which
for the leak check of a long report is over a million tries per pattern.

So each pattern has a *leading* twin that matches at exactly the same positions: it
first consumes the match's first character (one of a known set), then checks the
assertion shifted back by that character (``(?<!X)`` before the character becomes
``(?<!X[\\s\\S])`` after it), then the rest. :func:`scan` finds each position with the
twin and takes the match itself from the original pattern there, so the matches
(spans and groups) are the original's, found in the original's order.
``tests/test_scanning.py`` checks that the two agree on generated texts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

__all__ = ["ANY", "Trie", "leading", "scan"]

#: Any one character (the one a shifted assertion looks back across).
ANY = r"[\s\S]"


class Trie:
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

    def firsts(self) -> list[tuple[str, str]]:
        """Each first unit and the pattern of what may follow it, in the pattern's order."""
        return [(unit, self._emit(child)) for unit, child in sorted(self.root.items()) if unit]

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


def one_character(unit: str) -> bool:
    """Whether a regex unit is one literal character (as ``re.escape`` gives one)."""
    return (len(unit) == 1 and unit not in "\\.^$*+?{}[]()|") or (
        len(unit) == 2 and unit[0] == "\\" and not unit[1].isalnum()
    )


def leading(alternatives: Iterable[tuple[str, str, str]], end: str = "") -> str | None:
    """The leading twin of ``(?:assertion first rest|...)end`` from ``(first, assertion
    shifted past it, rest)`` triples; None when a first unit is not one character."""
    parts = []
    for first, shifted, rest in alternatives:
        if not one_character(first):
            return None
        parts.append(f"{first}{shifted}{rest}")
    return f"(?:{'|'.join(parts)}){end}" if parts else None


def scan(
    pattern: re.Pattern[str], twin: re.Pattern[str] | None, text: str
) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)``, each position found by its leading ``twin``.

    The patterns here never match an empty text, so the next search starts where the
    last match ended, as ``finditer`` does.
    """
    if twin is None:
        yield from pattern.finditer(text)
        return
    at, search, match = 0, twin.search, pattern.match
    while (hit := search(text, at)) is not None:
        found = match(text, hit.start())
        if found is None or found.end() == found.start():  # never: they match alike
            at = hit.start() + 1
            continue
        yield found
        at = found.end()
