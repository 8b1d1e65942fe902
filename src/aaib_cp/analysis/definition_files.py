"""Reading and checking the YAML files of decision trees and taxonomies (not public API)."""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from aaib_cp.exceptions import InputError, Problem
from aaib_cp.workflow.yaml_source import (
    Document,
    PathKey,
    load_yaml_bytes,
    read_yaml_file,
)

__all__ = [
    "Checker",
    "data_hash",
    "did_you_mean",
    "read_definition",
    "shipped_names",
]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ``"; did you mean 'x'?"`` suffix, or ``""`` when nothing is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def data_hash(data: Any) -> str:
    """sha256 of the canonical JSON form of ``data`` (used when no file bytes exist)."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _shipped_dir(kind: str) -> Any:
    return resources.files("aaib_cp") / "data" / kind


def shipped_names(kind: str) -> list[str]:
    """Sorted names (file stems) of the ``*.yaml`` files shipped in ``data/<kind>``."""
    folder = _shipped_dir(kind)
    return sorted(
        entry.name[: -len(".yaml")]
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml") and entry.is_file()
    )


def _is_bare_name(value: str) -> bool:
    return not any(sep in value for sep in ("/", "\\")) and not value.endswith((".yaml", ".yml"))


def read_definition(path_or_name: str | Path, *, kind: str, what: str) -> tuple[Document, str]:
    """Load a definition file, or a shipped one by bare name; return it and its sha256.

    A :class:`~pathlib.Path`, or a string containing a path separator or ending in
    ``.yaml``/``.yml``, is a file path; any other string names a shipped file in
    ``aaib_cp/data/<kind>``. An unknown bare name raises :class:`InputError`.
    """
    if isinstance(path_or_name, str) and _is_bare_name(path_or_name):
        names = shipped_names(kind)
        if path_or_name not in names:
            raise InputError(
                f"no shipped {what} named {path_or_name!r}"
                f"{did_you_mean(path_or_name, names)} (shipped: {', '.join(names) or 'none'})"
            )
        entry = _shipped_dir(kind) / f"{path_or_name}.yaml"
        raw = entry.read_bytes()
        return load_yaml_bytes(raw, filename=str(entry)), hashlib.sha256(raw).hexdigest()
    path = Path(path_or_name)
    raw = read_yaml_file(path)
    # Parse and hash exactly the same bytes.
    return load_yaml_bytes(raw, filename=str(path)), hashlib.sha256(raw).hexdigest()


class Checker:
    """Collects located problems while a definition document is validated."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[Problem] = []

    def add(self, path: PathKey, message: str, *, key: bool = False) -> None:
        """Record a problem at ``path`` (at its key when ``key`` is true)."""
        self.problems.append(self.doc.problem(path, message, key=key))

    def mapping(
        self,
        path: PathKey,
        value: Any,
        *,
        required: Iterable[str],
        optional: Iterable[str] = (),
        what: str,
    ) -> bool:
        """Check ``value`` is a mapping with the required keys and no unknown ones."""
        if not isinstance(value, dict):
            self.add(path, f"{what} must be a mapping, not {type_name(value)}")
            return False
        required = list(required)
        allowed = [*required, *optional]
        for key in value:
            if key not in allowed:
                self.add(
                    (*path, key),
                    f"unknown key {key!r}{did_you_mean(key, allowed)}"
                    f" (allowed: {', '.join(allowed)})",
                    key=True,
                )
        for key in required:
            if key not in value:
                self.add(path, f"{what} is missing required key {key!r}")
        return True

    def text(self, path: PathKey, value: Any, *, what: str) -> bool:
        """Check ``value`` is a non-blank string."""
        if not isinstance(value, str):
            self.add(path, f"{what} must be text, not {type_name(value)}")
            return False
        if not value.strip():
            self.add(path, f"{what} must not be blank")
            return False
        return True

    def ident(
        self, path: PathKey, value: Any, *, what: str, pattern: Any, key: bool = False
    ) -> bool:
        """Check ``value`` is a string matching ``pattern`` (a compiled regex).

        ``key`` locates the problem at the mapping key (for ids that are keys).
        """
        if not isinstance(value, str) or not pattern.fullmatch(value):
            self.add(path, f"{what} must match {pattern.pattern}, not {value!r}", key=key)
            return False
        return True

    def version(self, path: PathKey, value: Any) -> bool:
        """Check ``value`` is a positive integer."""
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.add(path, f"version must be a positive integer, not {value!r}")
            return False
        return True

    def choice(self, path: PathKey, value: Any, choices: Iterable[str], *, what: str) -> bool:
        """Check ``value`` is one of ``choices``."""
        choices = list(choices)
        if value not in choices or not isinstance(value, str):
            hint = did_you_mean(value, choices) if isinstance(value, str) else ""
            self.add(path, f"{what} must be one of {', '.join(choices)}, not {value!r}{hint}")
            return False
        return True


def type_name(value: Any) -> str:
    """A readable name for the YAML type of ``value``."""
    if value is None:
        return "nothing (null)"
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a mapping",
    }.get(type(value), type(value).__name__)
