"""What a reader of an HTML page sees: its text, shown attribute values and pictures' text.

:func:`visible_text` feeds the final leak check of every public HTML report, so it must
never see *less* than a reader does. It works with a handful of regular expressions
over the whole page instead of a parser walking it tag by tag (``html.parser`` took a
third of the time of a 10,000-entry report), and it is at least as strict as the
``html.parser`` reading it replaced (``tests/test_visible_text.py`` checks that on
generated pages):

- a tag is removed only when it is well formed (name, attributes separated by white
  space, each value quoted or plain); anything else stays as text, markup and all;
- ``style`` and ``script`` elements are left out only when properly closed (an
  unclosed one stays as text; ``html.parser`` dropped the rest of the page);
- comments, declarations and processing instructions stay as text up to their first
  ``>``, markup and all (a page's source is public too);
- the values of the attributes a reader sees or hears (``alt``, ``title``,
  ``aria-label``, ...) are kept in place; character references are resolved;
- where inline markup splits a word (``Jo<b></b>hn``, ``Jo<!-- -->hn``) the page's text
  is also given once more with that markup removed, as a reader sees it;
- the text of every SVG picture embedded as a ``data:`` URI is read the same way.

Soft hyphens and zero-width characters are left in: the anonymiser's folding drops them.
"""

from __future__ import annotations

import base64
import binascii
import html as html_lib
import re
from collections.abc import Iterable, Iterator
from urllib.parse import unquote

from aaib_cp.reports.scanning import Trie

__all__ = ["SHOWN_ATTRIBUTES", "visible_text"]

#: Attributes whose values a reader sees or hears read out.
SHOWN_ATTRIBUTES = frozenset(
    {
        "alt",
        "title",
        "aria-label",
        "aria-description",
        "aria-roledescription",
        "aria-valuetext",
        "aria-placeholder",
        "placeholder",
        "label",
        "value",
        "summary",
        "abbr",
    }
)
#: Elements that do not break a word: text either side of them reads as one word.
_INLINE = [
    "a",
    "abbr",
    "b",
    "bdi",
    "bdo",
    "big",
    "cite",
    "code",
    "data",
    "del",
    "dfn",
    "em",
    "font",
    "i",
    "ins",
    "kbd",
    "label",
    "mark",
    "nobr",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "time",
    "tt",
    "u",
    "var",
    "wbr",
]


def _anycase(word: str) -> str:
    """``span`` -> ``[sS][pP][aA][nN]`` (faster than a case-insensitive flag here)."""
    return "".join(f"[{c}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


# Start tags as html.parser finds them (its locatestarttagend_tolerant and attrfind_tolerant);
# an end tag ends at its first ">".
_NAME = r"[a-zA-Z][^\t\n\r\f />\x00]*"
_ATTR_VALUE = r"""(?:'[^']*'|"[^"]*"|(?!['"])[^>\s]*)"""
_ATTRS = re.compile(rf"""((?<=['"\s/])[^\s/>][^\s/=>]*)(\s*=+\s*({_ATTR_VALUE}))?(?:\s|/(?!>))*""")
_ATTRIBUTES = (
    rf"""(?:[\s/]*(?:(?<=['"\s/])[^\s/>][^\s/=>]*(?:\s*=+\s*{_ATTR_VALUE}\s*)?"""
    r"""(?:\s|/(?!>))*)*)?\s*"""
)
_START = rf"<{_NAME}{_ATTRIBUTES}/?>"
_TAG = rf"{_START}|</[^>]*>"
_TAG_NAME = re.compile(rf"<{_NAME}(?:\s|/(?!>))*")
_ONE_TAG = re.compile(_TAG)
# style and script, properly opened (not <style/>) and closed: their text is not shown.
_RAW_NAMES = (_anycase("style"), _anycase("script"))
_RAW = rf"<(?:{'|'.join(_RAW_NAMES)})(?=[\t\n\r\f />]){_ATTRIBUTES}(?<!/)>"
_RAW_TEXT = "|".join(
    rf"<{name}(?=[\t\n\r\f />]){_ATTRIBUTES}(?<!/)>.*?</\s*{name}\s*>" for name in _RAW_NAMES
)
# Comments, declarations and processing instructions, up to their first ">": kept as text
# (html.parser reads an unclosed one as text up to there, markup and all).
# A comment or marked section closed later than its first ">" is text up to its end.
_DECLARATION = r"(?P<decl><!--.*?--\s*>|<!\[.*?\]\s*\]\s*>|<!\[.*?\]\s*>|<[!?][^>]*>?)"
# One pass over the page, as a parser reads it: each construct from where the last ended.
# Anything else that opens like a tag is text up to its first ">", markup and all.
MARKUP_AS_READ = (
    rf"{_DECLARATION}|(?P<raw>{_RAW_TEXT})|(?P<tags>(?:(?!{_RAW})(?:{_TAG}))+)"
    r"|(?P<text><[a-zA-Z/][^>]*>?)"
)
# MARKUP_AS_READ with the "<" that each of its alternatives opens with taken first, so that
# re skips from one "<" to the next instead of trying every alternative at every character
# of the text (a third of the time of reading a long report).
_MARKUP = re.compile(
    "<(?:"
    r"(?P<decl>!--.*?--\s*>|!\[.*?\]\s*\]\s*>|!\[.*?\]\s*>|[!?][^>]*>?)"
    "|(?P<raw>"
    + "|".join(
        rf"{name}(?=[\t\n\r\f />]){_ATTRIBUTES}(?<!/)>.*?</\s*{name}\s*>" for name in _RAW_NAMES
    )
    + ")"
    + rf"|(?P<tags>(?!{_RAW[1:]})(?:{_NAME}{_ATTRIBUTES}/?>|/[^>]*>)(?:(?!{_RAW})(?:{_TAG}))*)"
    + r"|(?P<text>[a-zA-Z/][^>]*>?))",
    re.S,
)


def _words_anycase(words: Iterable[str]) -> str:
    """A pattern of any of ``words`` in any case, merged by common prefix (fewer tries)."""
    trie = Trie()
    for word in words:
        trie.add([_anycase(c) for c in word])
    return trie.pattern()


_SHOWN_HINT = re.compile(_words_anycase(sorted(SHOWN_ATTRIBUTES)))

_INLINE_NAMES = _words_anycase(_INLINE)
_INLINE_TAG = rf"<(?:/?(?:{_INLINE_NAMES})(?=[\s/>])[^<>]*>|!--.*?-->)"
_INLINE_RUN = re.compile(f"(?:{_INLINE_TAG})+", re.S)
# A run of inline tags (taken as _INLINE_RUN takes it: atomic, so no shorter or longer
# reading is tried) with a character of a word either side: "<" first, so re skips
# from one "<" to the next.
_GLUED = re.compile(rf"<(?<=[^<>\s]<)(?>{_INLINE_TAG[1:]}(?:{_INLINE_TAG})*)(?=[^<>\s])", re.S)
_WORD_JOINER = "\u2060"  # not text; keeps "&a<b></b>mp;" from becoming an entity
_SVG_URI = re.compile(
    r"""data:image/svg\+xml(?P<params>(?:;[^,;"'\s>]*)*),(?P<body>[^"'\s>)]*)""", re.I
)


_READ: dict[str, str] = {}  # tags with attributes as read: a table repeats its row markup


def _markup(match: re.Match[str]) -> str:
    """Markup -> a line break and the values of its shown attributes; text stays text."""
    if match.lastgroup in ("decl", "text"):
        return match[0]
    tags = match[0]
    if match.lastgroup == "raw" or "=" not in tags:
        return "\n"
    read = _READ.get(tags)
    if read is None:
        if len(_READ) > 4096:
            _READ.clear()
        read = _READ[tags] = _attribute_values(tags)
    return read


def _attribute_values(tags: str) -> str:
    """A line break and the values of the shown attributes of a run of tags."""
    if not _SHOWN_HINT.search(tags):
        return "\n"
    values = [""]
    for tag in _ONE_TAG.finditer(tags):
        start = _TAG_NAME.match(tag[0])
        at = start.end() if start else len(tag[0])
        while attribute := _ATTRS.match(tag[0], at):
            name, value = attribute[1], attribute[3]
            if value and value[0] in "'\"" and value[0] == value[-1]:
                value = value[1:-1]
            if value and name.lower() in SHOWN_ATTRIBUTES:
                values.append(value)
            at = attribute.end()
    return "\n".join([*values, ""])


def _glued(page: str) -> bool:
    """Whether inline markup (or a comment) stands between two characters of a word."""
    return _GLUED.search(page) is not None


def _text(page: str) -> str:
    return html_lib.unescape(_MARKUP.sub(_markup, page))


def visible_text(page: str, *, _depth: int = 0) -> str:
    """The text of an HTML page and its shown attribute values, never its markup.

    Parts are separated by line breaks; where inline markup glues two parts into one
    word, the page's text is given a second time as a reader sees it.
    """
    parts = [_text(page)]
    if _glued(page):
        parts.append(_text(_INLINE_RUN.sub(_WORD_JOINER, page)))
    if _depth < 2:
        parts += [visible_text(svg, _depth=_depth + 1) for svg in _svg_pictures(page)]
    return "\n".join(parts)


# Letters that re's case-insensitive matching takes for ASCII ones ("ſ" for "s").
_CASELESS = ("\u0130", "\u0131", "\u017f", "\u212a")
_SVG_MIME = "data:image/svg+xml"


def _svg_uris(page: str) -> Iterator[re.Match[str]]:
    """``_SVG_URI.finditer(page)``: where the page's lower case keeps every position
    (and no letter re takes for an ASCII one is in it), each is found with ``str.find``
    on the lower case instead of a case-insensitive pattern tried at every character."""
    lower = page.lower()
    if len(lower) != len(page) or any(c in page for c in _CASELESS):
        yield from _SVG_URI.finditer(page)
        return
    at = lower.find(_SVG_MIME)
    while at != -1:
        match = _SVG_URI.match(page, at)
        if match is not None:
            yield match
        at = lower.find(_SVG_MIME, match.end() if match is not None else at + 1)


def _svg_pictures(page: str) -> list[str]:
    """The markup of every SVG picture embedded in ``page`` as a ``data:`` URI."""
    pictures = []
    for match in _svg_uris(page):
        body = html_lib.unescape(match["body"])
        if ";base64" in match["params"].lower():
            try:
                raw = base64.b64decode(unquote(body) + "==", validate=False)
            except (binascii.Error, ValueError):
                raw = body.encode("utf-8")  # not a picture a browser shows: read it as text
            pictures.append(raw.decode("utf-8", errors="replace"))
        else:
            pictures.append(unquote(body))
    return pictures
