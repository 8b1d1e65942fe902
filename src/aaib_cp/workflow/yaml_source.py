"""Safe, exact YAML loading that remembers where every value came from.

Every definition file (workflows, taxonomies, decision trees) is read through
:func:`load_yaml_file` or :func:`load_yaml_text`. They use PyYAML's node API with
the safe loader only, and then apply rules of their own:

* YAML 1.2 core scalars: only ``true``/``false`` are booleans, so a state named
  ``no``, ``on`` or ``off`` stays a string; ``null``, ``~`` and empty are ``None``;
  integers and floats by the 1.2 core patterns; everything else is a string.
* Duplicate mapping keys are an error, not a silent overwrite.
* Anchors, aliases and explicit tags are refused (no alias bombs, no object tags).
* Files over ``max_bytes`` and text that is not UTF-8 are refused before parsing.

The result is a :class:`Document`: plain Python data plus a table of positions, so
a validator can report ``file:line:col: transitions[3].dest: message``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from aaib_cp.exceptions import DefinitionError, Problem
from aaib_cp.workflow.safe_files import InputRefused, read_input

# libyaml's parser when PyYAML was built with it (every binary wheel is): it is
# about ten times faster than the pure-Python one, which matters because the
# engine re-reads a case's stored workflow in every fresh process. Both give
# nodes and events with the same line/column marks; the rules below are ours.
_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

__all__ = [
    "Document",
    "PathKey",
    "format_path",
    "load_yaml_bytes",
    "load_yaml_file",
    "load_yaml_text",
    "read_yaml_file",
]

PathKey = tuple[str | int, ...]

DEFAULT_MAX_BYTES = 1_000_000
_MAX_DEPTH = 64

_INT = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
# Tags PyYAML's safe resolver gives plain scalars, plus an explicit ``!!str``.
_SCALAR_TAGS = {
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "bool", "int", "float", "null", "timestamp", "value")
}


def format_path(path: Iterable[str | int]) -> str:
    """Render a path as ``transitions[3].dest``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class Document:
    """Plain data loaded from YAML, with the position of every value and key."""

    __slots__ = ("data", "filename", "key_positions", "positions")

    def __init__(
        self,
        filename: str,
        data: Any,
        positions: Mapping[PathKey, tuple[int, int]],
        key_positions: Mapping[PathKey, tuple[int, int]],
    ) -> None:
        self.filename = filename
        self.data = data
        self.positions = dict(positions)
        self.key_positions = dict(key_positions)

    def where(self, path: PathKey, *, key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of the value at ``path``, or of its key.

        Falls back to the nearest enclosing value that has a position.
        """
        table = self.key_positions if key else self.positions
        if path in table:
            return table[path]
        for cut in range(len(path), -1, -1):
            if path[:cut] in self.positions:
                return self.positions[path[:cut]]
        return (1, 1)

    def problem(self, path: PathKey, message: str, *, key: bool = False) -> Problem:
        """A :class:`Problem` located at ``path``."""
        line, col = self.where(path, key=key)
        return Problem(self.filename, line, col, format_path(path), message)


def read_yaml_file(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of a definition file (a regular file within the bound), or DefinitionError."""
    try:
        return read_input(path, what="file", limit=max_bytes)
    except InputRefused as exc:
        raise DefinitionError([Problem(str(path), 1, 1, "", exc.problem)]) from None


def load_yaml_file(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Load a YAML file safely; raise :class:`DefinitionError` naming file, line and column."""
    raw = read_yaml_file(path, max_bytes=max_bytes)
    return load_yaml_bytes(raw, filename=str(path), max_bytes=max_bytes)


def load_yaml_bytes(
    raw: bytes, *, filename: str = "<string>", max_bytes: int = DEFAULT_MAX_BYTES
) -> Document:
    """Decode UTF-8 bytes (a leading BOM is allowed) and load them as YAML."""
    if len(raw) > max_bytes:
        raise DefinitionError(
            [Problem(filename, 1, 1, "", f"file is larger than {max_bytes} bytes; refused")]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DefinitionError([Problem(filename, line, col, "", "not valid UTF-8 text")]) from None
    return load_yaml_text(text, filename=filename, max_bytes=max_bytes)


def load_yaml_text(
    text: str, *, filename: str = "<string>", max_bytes: int = DEFAULT_MAX_BYTES
) -> Document:
    """Load YAML text safely into a :class:`Document`."""
    if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise DefinitionError(
            [Problem(filename, 1, 1, "", f"file is larger than {max_bytes} bytes; refused")]
        )
    try:
        _refuse_anchors(text, filename)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = exc.problem or exc.context or "invalid YAML"
        raise DefinitionError(
            [Problem(filename, line, col, "", f"invalid YAML: {reason}")]
        ) from None
    except yaml.YAMLError as exc:
        raise DefinitionError([Problem(filename, 1, 1, "", f"invalid YAML: {exc}")]) from None
    builder = _Builder(filename)
    data = builder.build(node, (), 0) if node is not None else None
    if builder.problems:
        raise DefinitionError(builder.problems)
    return Document(filename, data, builder.positions, builder.key_positions)


def _refuse_anchors(text: str, filename: str) -> None:
    """Refuse anchors and aliases before composing, so an alias bomb never expands."""
    problems = []
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent | yaml.NodeEvent) and event.anchor is not None:
            mark = event.start_mark
            kind = "aliases" if isinstance(event, yaml.AliasEvent) else "anchors"
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            problems.append(Problem(filename, line, col, "", f"{kind} are not allowed"))
            if len(problems) >= 20:
                break
    if problems:
        raise DefinitionError(problems)


class _Builder:
    """Turns a PyYAML node graph into plain data, recording positions and problems."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.positions: dict[PathKey, tuple[int, int]] = {}
        self.key_positions: dict[PathKey, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self._seen: set[int] = set()

    def _problem(self, node: yaml.Node, path: PathKey, message: str) -> None:
        mark = node.start_mark
        self.problems.append(
            Problem(self.filename, mark.line + 1, mark.column + 1, format_path(path), message)
        )

    def build(self, node: yaml.Node, path: PathKey, depth: int) -> Any:
        self.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if id(node) in self._seen:
            self._problem(node, path, "anchors and aliases are not allowed")
            return None
        self._seen.add(id(node))
        if depth > _MAX_DEPTH:
            self._problem(node, path, f"nested deeper than {_MAX_DEPTH} levels")
            return None
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        if node.tag not in _COLLECTION_TAGS:
            self._problem(node, path, f"explicit tag {node.tag!r} is not allowed")
            return None
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        self._problem(node, path, "unsupported YAML node")  # pragma: no cover - defensive
        return None

    def _mapping(self, node: yaml.MappingNode, path: PathKey, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(key_node, path, "mapping keys must be plain strings")
                continue
            if key_node.tag == "tag:yaml.org,2002:merge":
                self._problem(key_node, path, "merge keys ('<<') are not allowed")
                continue
            key = key_node.value
            child = (*path, key)
            if key in out:
                first = self.key_positions[child]
                self._problem(
                    key_node,
                    child,
                    f"duplicate key {key!r} (first defined at line {first[0]})",
                )
                continue
            self.key_positions[child] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
            out[key] = self.build(value_node, child, depth + 1)
        return out

    def _scalar(self, node: yaml.ScalarNode, path: PathKey) -> Any:
        if node.tag not in _SCALAR_TAGS:
            self._problem(node, path, f"explicit tag {node.tag!r} is not allowed")
            return None
        if node.style:  # plain is None (pure-Python parser) or "" (libyaml)
            return node.value  # quoted or block scalars are always strings
        return _resolve_plain(node.value)


def _resolve_plain(value: str) -> Any:
    """Resolve a plain scalar by the YAML 1.2 core schema."""
    if value in ("", "~", "null", "Null", "NULL"):
        return None
    if value in ("true", "True", "TRUE"):
        return True
    if value in ("false", "False", "FALSE"):
        return False
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value) and any(ch.isdigit() for ch in value):
        return float(value)
    return value
