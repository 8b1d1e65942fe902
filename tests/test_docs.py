"""The documentation stays true: CLI reference, README commands, CI command."""

from __future__ import annotations

import re

from aaib_cp.cli.reference import render
from tests.conftest import REPO

README = (REPO / "README.md").read_text()
INSTALL_RUN = "python -m pip install . && aaib demo"
INSTALL_TEST = "python -m pip install -e '.[test]' && python -m pytest"


def test_cli_reference_is_current():
    """docs/cli.md is exactly what `python -m aaib_cp.cli.reference` prints."""
    assert render() == (REPO / "docs" / "cli.md").read_text()


def test_readme_starts_with_the_two_commands():
    """The README's first two code blocks are install-and-run and install-and-test."""
    blocks = re.findall(r"```bash\n(.*?)\n```", README, flags=re.S)
    assert [INSTALL_RUN, INSTALL_TEST] == blocks[:2]


def test_ci_runs_the_readme_test_command():
    """.ci/run runs exactly the README's install-and-test command."""
    assert INSTALL_TEST in (REPO / ".ci" / "run").read_text()


def test_docs_linked_from_readme_exist():
    """Every docs/ page the README links to exists."""
    for link in re.findall(r"\]\((docs/[^)#]+)", README):
        assert (REPO / link).exists(), link
