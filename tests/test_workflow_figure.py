"""The workflow picture (SVG and PNG) drawn with matplotlib, from the library and the CLI."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from aaib_cp.cli import cli
from aaib_cp.exceptions import InputError
from aaib_cp.workflow.diagrams import layers, workflow_figure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _texts(svg: bytes) -> set[str]:
    root = ET.fromstring(svg)
    return {"".join(el.itertext()).strip() for el in root.iter("{http://www.w3.org/2000/svg}text")}


@pytest.fixture(scope="module")
def svg() -> bytes:
    from aaib_cp.workflow.definition import load_workflow

    return workflow_figure(load_workflow("child-protection"), current="analysis", fmt="svg")


class TestWorkflowFigure:
    def test_svg_parses_and_names_every_state(self, workflow, svg):
        """The SVG is well-formed XML with every state name as text."""
        texts = _texts(svg)
        assert set() == set(workflow.states) - texts

    def test_svg_labels_arrows_with_triggers(self, svg):
        """Ordinary transitions are labelled with their trigger."""
        texts = _texts(svg)
        assert {"start_triage", "issue_final_report", "close"} <= texts

    def test_many_source_transitions_are_a_note(self, svg):
        """suspend and discontinue appear once, in the note, not as dozens of arrow labels."""
        assert 1 == svg.decode().count("suspend: from any open state")
        assert 1 == svg.decode().count("discontinue: from any open state")

    def test_current_state_is_named_in_the_legend(self, svg):
        """The highlighted state is named in the legend."""
        assert "Filled: current state (analysis)." in svg.decode()

    def test_png_has_signature(self, workflow):
        """The PNG starts with the PNG signature."""
        assert PNG_SIGNATURE == workflow_figure(workflow, fmt="png")[:8]

    def test_svg_is_deterministic(self, workflow, svg):
        """Drawing twice gives the same bytes (no date, fixed ids)."""
        assert svg == workflow_figure(workflow, current="analysis", fmt="svg")

    def test_layers_follow_the_main_flow(self, workflow):
        """Depth counts ordinary transitions from the initial state; suspended is off the flow."""
        depth = layers(workflow)
        assert (0, 1, 2) == (depth["notification"], depth["triage"], depth["scoping"])
        assert "suspended" not in depth

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [({"fmt": "gif"}, "expected 'svg' or 'png'"), ({"current": "nowhere"}, "'nowhere'")],
    )
    def test_bad_arguments_are_refused(self, workflow, kwargs, message):
        """An unknown format or state is an InputError naming it."""
        with pytest.raises(InputError, match=message):
            workflow_figure(workflow, **kwargs)


class TestWorkflowShowPicture:
    def test_cli_writes_png(self, tmp_path):
        """`aaib workflow show --format png -o FILE` writes a PNG."""
        out = tmp_path / "wf.png"
        result = CliRunner().invoke(
            cli, ["workflow", "show", "child-protection", "--format", "png", "-o", str(out)]
        )
        assert 0 == result.exit_code, result.output
        assert PNG_SIGNATURE == out.read_bytes()[:8]

    def test_cli_current_needs_a_picture(self):
        """--current with a text format is a usage error."""
        result = CliRunner().invoke(
            cli, ["workflow", "show", "child-protection", "--current", "triage"]
        )
        assert 2 == result.exit_code

    def test_subprocess_svg_to_stdout(self):
        """A real process prints an SVG naming the highlighted state's legend."""
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "aaib_cp",
                "workflow",
                "show",
                "child-protection",
                "--format",
                "svg",
                "--current",
                "triage",
            ],
            capture_output=True,
        )
        assert 0 == result.returncode, result.stderr
        assert "triage" in _texts(result.stdout)
