"""Discoverability: aaib tree show|list, aaib workflow list, shipped names wherever a path is."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from aaib_cp.analysis import load_tree, shipped_trees
from aaib_cp.cli import cli
from aaib_cp.workflow.definition import load_workflow, shipped_workflows
from tests.conftest import REPO
from tests.people import cli_args


def run(*args: str, db: str | None = None):
    full, env = cli_args(db, list(args)) if db else (list(args), {})
    return CliRunner().invoke(cli, [*(["--db", db] if db else []), *full], env=env)


def aaib(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AAIB_", "COLUMNS"))}
    return subprocess.run(
        [sys.executable, "-m", "aaib_cp", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


class TestTreeShow:
    @pytest.mark.parametrize(("short", "name"), [("reason", "reason-culpability"),
                                                 ("nhs", "nhs-just-culture")])  # fmt: skip
    def test_every_question_and_outcome(self, short, name):
        """Each question's id, text and help, and each outcome, appear in the listing."""
        tree = load_tree(name)
        result = run("tree", "show", short)
        assert 0 == result.exit_code, result.output
        for q in tree.questions:
            assert f"  {q.id}: {' '.join(q.text.split())}" in result.output
            if q.help:
                assert f"help: {' '.join(q.help.split())}" in result.output
        for o in tree.outcomes:
            assert re.search(rf"^{o.culpability}\s+{o.id}\s", result.output, flags=re.M)
        assert "higher is more culpable" in result.output

    def test_json_and_direction(self):
        """--json gives the questions, the outcomes most culpable first, and the scale."""
        data = json.loads(run("tree", "show", "reason", "--json").output)
        tree = load_tree("reason-culpability")
        assert [q.id for q in tree.questions] == [q["id"] for q in data["questions"]]
        ranks = [o["culpability"] for o in data["outcomes"]]
        assert sorted(ranks, reverse=True) == ranks
        assert {"least_culpable": 0, "most_culpable": 8, "least": "blameless_error",
                "most": "sabotage"}.items() <= data["scale"].items()  # fmt: skip

    def test_unknown_tree_lists_the_shipped_ones(self):
        """An unknown tree name is one line naming the shipped trees; exit 1."""
        result = run("tree", "show", "nosuch")
        assert 1 == result.exit_code
        assert all(name in result.output for name in shipped_trees())
        assert 1 == len(result.output.strip().splitlines())

    def test_list(self):
        """tree list names every shipped tree (text and JSON)."""
        assert shipped_trees() == [
            t["name"] for t in json.loads(run("tree", "list", "--json").output)
        ]
        assert all(n in run("tree", "list").output for n in shipped_trees())


def test_analysis_doc_names_every_question_of_reasons_tree():
    """docs/analysis.md names all of Reason's question ids and which way culpability runs."""
    text = (REPO / "docs" / "analysis.md").read_text()
    for tree_name in shipped_trees():
        for q in load_tree(tree_name).questions:
            assert f"`{q.id}`" in text, q.id
    assert "higher is more culpable" in text


class TestWorkflowList:
    def test_text_and_json(self):
        """workflow list gives each shipped workflow's name, version and description."""
        listed = json.loads(run("workflow", "list", "--json").output)
        assert shipped_workflows() == [w["name"] for w in listed]
        for w in listed:
            definition = load_workflow(w["name"])
            assert (definition.version, " ".join(definition.description.split())) == (
                w["version"],
                w["description"],
            )
        text = run("workflow", "list").output
        for name in shipped_workflows():
            assert f"{name} (version " in text

    @pytest.mark.parametrize("command", ["show", "validate", "check"])
    def test_unknown_name_lists_shipped_names(self, command):
        """A workflow name that is neither a file nor shipped: exit 1, the shipped names listed."""
        result = run("workflow", command, "nosuch")
        assert 1 == result.exit_code
        assert "no shipped workflow is called 'nosuch' (shipped: " in result.output
        assert all(name in result.output for name in shipped_workflows())
        assert "Traceback" not in result.output

    def test_shipped_names_wherever_a_path_is(self, tmp_path):
        """notify --workflow, init --workflow, and workflow validate|show take a shipped name."""
        db = str(tmp_path / "a.db")
        assert 0 == run("init", "--workflow", "rapid-review", db=db).exit_code
        assert "valid" in run("workflow", "validate", "aviation-accident").output
        assert run("workflow", "show", "rapid-review").output.strip()
        result = run("--actor", "Ana", "--role", "notifier", "notify", "--title", "T",
                     "--known-on", "2026-01-05", "--workflow", "rapid-review", db=db)  # fmt: skip
        assert 0 == result.exit_code, result.output


def test_workflow_list_in_a_real_process(tmp_path):
    """workflow list and workflow show nosuch, in a real process from an empty folder."""
    listed = aaib("workflow", "list", cwd=tmp_path)
    assert 0 == listed.returncode
    assert "child-protection (version 1)" in listed.stdout
    missing = aaib("workflow", "show", "nosuch", cwd=tmp_path)
    assert 1 == missing.returncode
    assert "(shipped: aviation-accident, child-protection, rapid-review)" in missing.stderr
    tree = aaib("tree", "show", "nhs", "--json", cwd=tmp_path)
    assert "nhs-just-culture" == json.loads(tree.stdout)["name"]


def test_three_line_example_runs_outside_the_repository(tmp_path):
    """The pytest file of docs/testing-workflows.md passes when run from an empty folder."""
    example = (REPO / "tests" / "test_workflows_example.py").read_text()
    (tmp_path / "test_my_workflow.py").write_text(example)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
         str(tmp_path), "test_my_workflow.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert 0 == result.returncode, result.stdout + result.stderr
    assert "1 passed" in result.stdout
