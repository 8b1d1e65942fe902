"""Human-factors taxonomies (HFACS adapted to child protection), defined as data.

A taxonomy is a YAML file (shipped ones live in ``aaib_cp/data/taxonomies``)::

    name: hfacs-cp                   # slug; shipped files are named <name>.yaml
    version: 1                       # positive integer, raised on every change
    title: Human factors in child protection (HFACS adapted)
    source: Shappell & Wiegmann ...  # optional citation
    levels:                          # ordered, from the organisation down to the act
      - code: ORG                    # upper-case letters
        label: Organisational influences
        description: One sentence.
        categories:
          - code: ORG.STAFFING       # <level code>.<UPPER_CASE_NAME>
            label: Staffing and vacancies
            description: One sentence.

Codes are stable identifiers stored with coded factors: never rename or reuse one. Every
problem in a file is reported at once, each located ``file:line:col``, in a
:class:`~aaib_cp.exceptions.DefinitionError`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import attrs

from aaib_cp.analysis.definition_files import (
    Checker,
    data_hash,
    did_you_mean,
    read_definition,
    shipped_names,
)
from aaib_cp.exceptions import DefinitionError, InputError
from aaib_cp.workflow.yaml_source import Document

__all__ = [
    "DEFAULT_TAXONOMY",
    "Category",
    "Level",
    "Taxonomy",
    "load_taxonomy",
    "shipped_taxonomies",
]

#: Name of the taxonomy used when none is given.
DEFAULT_TAXONOMY = "hfacs-cp"

_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
_LEVEL_CODE = re.compile(r"[A-Z][A-Z0-9]*")
_CATEGORY_CODE = re.compile(r"[A-Z][A-Z0-9]*\.[A-Z][A-Z0-9_]*")
_TOP_KEYS = ("name", "version", "title", "levels")
_LEVEL_KEYS = ("code", "label", "description", "categories")
_CATEGORY_KEYS = ("code", "label", "description")


@attrs.frozen
class Category:
    """A code for one contributory factor, within a level."""

    code: str
    label: str
    description: str
    level: str


@attrs.frozen
class Level:
    """One HFACS level and its categories, in file order."""

    code: str
    label: str
    description: str
    categories: tuple[Category, ...]


@attrs.frozen
class Taxonomy:
    """A validated taxonomy. Build with :meth:`from_document` or :func:`load_taxonomy`."""

    name: str
    version: int
    title: str
    levels: tuple[Level, ...]
    content_hash: str
    source: str | None = attrs.field(default=None, kw_only=True)
    filename: str = attrs.field(default="<string>", kw_only=True, eq=False)
    _categories: Mapping[str, Category] = attrs.field(init=False, eq=False, repr=False, hash=False)
    _levels: Mapping[str, Level] = attrs.field(init=False, eq=False, repr=False, hash=False)

    def __attrs_post_init__(self) -> None:
        categories = {c.code: c for level in self.levels for c in level.categories}
        object.__setattr__(self, "_categories", MappingProxyType(categories))
        object.__setattr__(self, "_levels", MappingProxyType({lv.code: lv for lv in self.levels}))

    @classmethod
    def from_document(cls, doc: Document, *, content_hash: str | None = None) -> Taxonomy:
        """Validate a loaded YAML document and build the taxonomy.

        ``content_hash`` should be the sha256 of the file's bytes (as
        :func:`load_taxonomy` gives); without it, the sha256 of the data's canonical
        JSON is used. Raises :class:`DefinitionError` listing every problem found.
        """
        checker = Checker(doc)
        taxonomy = _build(checker, doc.data, content_hash or data_hash(doc.data), doc.filename)
        if checker.problems or taxonomy is None:
            raise DefinitionError(sorted(checker.problems, key=lambda p: (p.line, p.column)))
        return taxonomy

    @property
    def codes(self) -> tuple[str, ...]:
        """Every category code, level by level, in file order."""
        return tuple(self._categories)

    def get(self, code: str) -> Category:
        """The category with this code; :class:`InputError` with a suggestion if none."""
        try:
            return self._categories[code]
        except (KeyError, TypeError):
            pass
        if code in self._levels:
            raise InputError(
                f"{self.name}: {code!r} is a level, not a category; choose one of "
                + ", ".join(c.code for c in self._levels[code].categories)
            )
        text = str(code)
        hint = did_you_mean(text, self._categories) or did_you_mean(text.upper(), self._categories)
        raise InputError(f"{self.name}: unknown code {code!r}{hint}")

    def level(self, code: str) -> Level:
        """The level with this code (``"ORG"``); :class:`InputError` if none."""
        try:
            return self._levels[code]
        except (KeyError, TypeError):
            hint = did_you_mean(str(code), self._levels)
            raise InputError(f"{self.name}: unknown level {code!r}{hint}") from None

    def level_of(self, code: str) -> Level:
        """The level a category code (or a level code itself) belongs to."""
        if code in self._levels:
            return self._levels[code]
        return self._levels[self.get(code).level]


def load_taxonomy(path_or_name: str | Path = DEFAULT_TAXONOMY) -> Taxonomy:
    """Load a taxonomy from a file path, or a shipped one by bare name (default ``hfacs-cp``)."""
    doc, digest = read_definition(path_or_name, kind="taxonomies", what="taxonomy")
    return Taxonomy.from_document(doc, content_hash=digest)


def shipped_taxonomies() -> list[str]:
    """Names of the taxonomies shipped with aaib-cp, sorted."""
    return shipped_names("taxonomies")


def _build(checker: Checker, data: Any, digest: str, filename: str) -> Taxonomy | None:
    """Check everything that can be checked and build the taxonomy if nothing is wrong."""
    if not checker.mapping((), data, required=_TOP_KEYS, optional=("source",), what="a taxonomy"):
        return None
    if "name" in data:
        checker.ident(("name",), data["name"], what="name", pattern=_NAME)
    if "version" in data:
        checker.version(("version",), data["version"])
    for key in ("title", "source"):
        if key in data:
            checker.text((key,), data[key], what=key)
    levels = data.get("levels")
    if "levels" not in data:
        return None
    if not isinstance(levels, list) or not levels:
        checker.add(("levels",), "levels must be a non-empty list")
        return None

    seen: dict[str, tuple[int, int]] = {}

    def check_code(path: tuple[str | int, ...], code: Any, pattern: re.Pattern[str]) -> bool:
        if not checker.ident(path, code, what="code", pattern=pattern):
            return False
        if code in seen:
            line, _ = seen[code]
            checker.add(path, f"duplicate code {code!r} (first defined at line {line})")
            return False
        seen[code] = checker.doc.where(path)
        return True

    built: list[Level] = []
    for i, level in enumerate(levels):
        path: tuple[str | int, ...] = ("levels", i)
        if not checker.mapping(path, level, required=_LEVEL_KEYS, what="a level"):
            continue
        level_code = level.get("code")
        level_ok = "code" in level and check_code((*path, "code"), level_code, _LEVEL_CODE)
        for key in ("label", "description"):
            if key in level:
                checker.text((*path, key), level[key], what=key)
        categories = level.get("categories")
        if "categories" not in level:
            continue
        if not isinstance(categories, list) or not categories:
            checker.add((*path, "categories"), "categories must be a non-empty list")
            continue
        items: list[Category] = []
        for j, category in enumerate(categories):
            cpath = (*path, "categories", j)
            if not checker.mapping(cpath, category, required=_CATEGORY_KEYS, what="a category"):
                continue
            for key in ("label", "description"):
                if key in category:
                    checker.text((*cpath, key), category[key], what=key)
            code = category.get("code")
            if "code" not in category or not check_code((*cpath, "code"), code, _CATEGORY_CODE):
                continue
            if level_ok and not code.startswith(f"{level_code}."):
                checker.add(
                    (*cpath, "code"),
                    f"code {code!r} must start with its level code {level_code + '.'!r}",
                )
                continue
            items.append(
                Category(code, category.get("label"), category.get("description"), level_code)
            )
        built.append(Level(level_code, level.get("label"), level.get("description"), tuple(items)))
    if checker.problems:
        return None
    return Taxonomy(
        data["name"],
        data["version"],
        data["title"],
        tuple(built),
        digest,
        source=data.get("source"),
        filename=filename,
    )
