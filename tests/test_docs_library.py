"""docs/library.md stays true: every ```python block in it runs and its assertions hold."""

from __future__ import annotations

import re

import pytest

from aaib_cp import Store
from tests.conftest import REPO

LIBRARY = REPO / "docs" / "library.md"
_FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """Each ```python block of ``text`` as (line of its first code line, code)."""
    return [
        (text.count("\n", 0, match.start(1)) + 1, match.group(1)) for match in _FENCE.finditer(text)
    ]


TEXT = LIBRARY.read_text(encoding="utf-8")
BLOCKS = python_blocks(TEXT)


def test_example_section_has_the_main_example():
    """The first ```python block after '## Example' is the end-to-end walk-through."""
    heading = re.search(r"^## Example[ \t]*$", TEXT, flags=re.M)
    assert heading is not None, "docs/library.md needs a '## Example' section"
    first = next((code for line, code in BLOCKS if line > TEXT.count("\n", 0, heading.end())), "")
    for api in ("Store.open", "load_workflow", "open_case", ".fire(", ".status(", ".history("):
        assert api in first, f"the main example does not show {api}"
    assert "assert " in first


def test_there_are_examples():
    """The page has several examples (guards the extraction itself)."""
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize(("line", "code"), BLOCKS, ids=[f"line-{line}" for line, _ in BLOCKS])
def test_python_block_runs(line, code, tmp_path, monkeypatch):
    """The block runs in a fresh namespace, in an empty directory, without error."""
    monkeypatch.chdir(tmp_path)
    # Pad so that a traceback names the line in docs/library.md.
    source = "\n" * (line - 1) + code
    namespace = {"__name__": "__docs_library__"}
    try:
        exec(compile(source, str(LIBRARY), "exec"), namespace)
    finally:
        for value in list(namespace.values()):
            store = getattr(value, "store", value)  # an Engine, or a Store itself
            if isinstance(store, Store):
                store.close()
