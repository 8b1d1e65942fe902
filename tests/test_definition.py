"""Workflow definitions: validation reports every problem, located, with suggestions."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from aaib_cp import DefinitionError, load_workflow
from aaib_cp.workflow.definition import shipped_workflows, workflow_from_text
from aaib_cp.workflow.guards import default_registry

MINIMAL = textwrap.dedent(
    """\
    name: mini
    version: 1
    initial: open
    terminal: [done]
    roles: [lead]
    states:
      open: {description: Open}
      analysis: {description: Analysis}
      done: {description: Done}
    transitions:
      - trigger: analyse
        source: open
        dest: analysis
        roles: [lead]
      - trigger: finish
        source: analysis
        dest: done
        roles: [lead]
    """
)


def problems(text: str) -> list[str]:
    with pytest.raises(DefinitionError) as info:
        workflow_from_text(text, filename="w.yaml")
    return [str(p) for p in info.value.problems]


class TestShipped:
    def test_every_shipped_workflow_loads(self):
        """Each shipped workflow validates."""
        for name in shipped_workflows():
            assert name == load_workflow(name).name

    def test_child_protection_shape(self, workflow):
        """The shipped workflow runs notification to closed and can suspend and discontinue."""
        assert "notification" == workflow.initial
        assert {"closed", "not_investigated", "discontinued"} == set(workflow.terminal)
        for state in workflow.open_states:
            if state != "discontinued":
                assert workflow.transition(state, "discontinue") is not None
        assert workflow.transition("suspended", "resume").returns

    def test_hash_ignores_formatting(self):
        """The content hash depends on content, not comments or layout."""
        a = workflow_from_text(MINIMAL)
        b = workflow_from_text("# a comment\n" + MINIMAL.replace("[lead]", "[ lead ]"))
        assert a.content_hash == b.content_hash


class TestProblems:
    def test_unknown_dest_with_suggestion(self):
        """A misspelt state names file, line, column, path and a suggestion."""
        text = MINIMAL.replace("dest: analysis", "dest: analysys")
        assert [
            "w.yaml:13:11: transitions[0].dest: unknown state 'analysys' (did you mean 'analysis'?)"
        ] == problems(text)

    def test_every_problem_reported_at_once(self):
        """Several mistakes are all listed, not just the first."""
        text = (
            MINIMAL.replace("dest: analysis", "dest: analysys")
            .replace("roles: [lead]\n  - trigger: finish", "roles: [leed]\n  - trigger: finish")
            .replace("version: 1", "version: 1\ncolour: red")
        )
        found = problems(text)
        assert 3 == len(found), found
        assert any("unknown key 'colour'" in p for p in found)
        assert any("unknown role 'leed' (did you mean 'lead'?)" in p for p in found)

    def test_unknown_guard(self):
        """A guard that is not registered is an error with a suggestion."""
        text = MINIMAL.replace("dest: done\n", "dest: done\n    guards: [team_has_rol]\n")
        (found,) = problems(text)
        assert "unknown guard 'team_has_rol' (did you mean 'team_has_role'?)" in found

    def test_guard_parameter_type(self):
        """A guard's parameter is type-checked."""
        text = MINIMAL.replace("dest: done\n", "dest: done\n    guards: [{team_at_least: many}]\n")
        (found,) = problems(text)
        assert "needs a parameter of type int" in found

    def test_duplicate_trigger_from_same_source(self):
        """Two transitions with one trigger from one state are ambiguous."""
        text = (
            MINIMAL + "  - trigger: analyse\n    source: open\n    dest: done\n    roles: [lead]\n"
        )
        (found,) = problems(text)
        assert "duplicate trigger 'analyse' from state 'open'" in found

    def test_unreachable_state(self):
        """A state nothing leads to is reported."""
        text = MINIMAL.replace("  done: {description: Done}", "  done: {}\n  limbo: {}") + (
            "  - trigger: out\n    source: limbo\n    dest: done\n    roles: [lead]\n"
        )
        (found,) = problems(text)
        assert "state 'limbo' is unreachable from 'open'" in found

    def test_state_with_no_way_out(self):
        """A non-terminal dead end is reported."""
        text = MINIMAL.replace("dest: done", "dest: stuck").replace(
            "  done: {description: Done}", "  done: {}\n  stuck: {}"
        )
        found = problems(text)
        assert any("non-terminal state 'stuck' has no way out" in p for p in found)

    def test_terminal_state_with_way_out(self):
        """A terminal state must not be a source."""
        text = (
            MINIMAL + "  - trigger: reopen\n    source: done\n    dest: open\n    roles: [lead]\n"
        )
        (found,) = problems(text)
        assert "terminal state 'done' must have no way out" in found

    def test_cycle_without_exit(self):
        """States that cannot reach any terminal state are reported."""
        text = MINIMAL.replace(
            "  - trigger: finish\n    source: analysis\n    dest: done",
            "  - trigger: back\n    source: analysis\n    dest: open",
        )
        found = problems(text)
        assert any("no terminal state can be reached from 'open'" in p for p in found)

    @pytest.mark.parametrize("name", ["no", "on", "off"])
    def test_norway_state_names(self, name):
        """States named no, on or off are states, not booleans."""
        text = MINIMAL.replace("analysis", name)
        definition = workflow_from_text(text)
        assert name in definition.states

    def test_dotted_callback_is_never_imported(self, tmp_path):
        """A dotted name such as os.system in any field is rejected and never imported."""
        marker = tmp_path / "pwned"
        payload = f"os.system(touch {marker})"
        text = (
            MINIMAL.replace("dest: done\n", f"dest: done\n    guards: [{payload}, os.system]\n")
            .replace("trigger: analyse", "trigger: os.system")
            .replace("open: {description: Open}", "open: {on_enter: os.system}")
        )
        found = problems(text)
        assert any("trigger name 'os.system'" in p for p in found)
        assert any("unknown guard 'os.system'" in p for p in found)
        assert any("unknown key 'on_enter'" in p for p in found)
        assert not marker.exists()

    def test_wrong_types(self):
        """Wrong types are named with what was expected and what was got."""
        text = MINIMAL.replace("roles: [lead]\n", "roles: 7\n", 1)
        found = problems(text)
        assert any("roles: must be a list or a mapping" in p for p in found)

    def test_deadline_problems_are_located(self):
        """A bad deadline names its key."""
        text = MINIMAL.replace(
            "open: {description: Open}", "open: {deadline: {working_day: 5, from: entered}}"
        )
        found = problems(text)
        assert any("states.open.deadline.working_day: unknown key" in p for p in found)

    def test_previous_needs_one_source(self):
        """A $previous transition must leave exactly one state."""
        text = (
            MINIMAL + "  - trigger: back\n    source: [open, analysis]\n"
            "    dest: $previous\n    roles: [lead]\n"
        )
        found = problems(text)
        assert any("needs exactly one source state" in p for p in found)

    def test_previous_return_reaches_no_new_state(self):
        """A suspend/resume pair does not make a state with no way in reachable."""
        text = MINIMAL.replace(
            "  done: {description: Done}", "  done: {}\n  limbo: {}\n  paused: {}"
        ) + (
            "  - trigger: out\n    source: limbo\n    dest: done\n    roles: [lead]\n"
            "  - trigger: suspend\n    source: '*'\n    dest: paused\n    roles: [lead]\n"
            "  - trigger: resume\n    source: paused\n    dest: $previous\n    roles: [lead]\n"
        )
        assert ["w.yaml:10:3: states.limbo: state 'limbo' is unreachable from 'open'"] == problems(
            text
        )

    def test_previous_return_to_reached_states_is_fine(self):
        """A pause state reached from reachable states validates, its return a way out."""
        text = MINIMAL.replace("  done: {description: Done}", "  done: {}\n  paused: {}") + (
            "  - trigger: suspend\n    source: '*'\n    dest: paused\n    roles: [lead]\n"
            "  - trigger: resume\n    source: paused\n    dest: $previous\n    roles: [lead]\n"
        )
        definition = workflow_from_text(text)
        assert ("open", "analysis") == definition.possible_dests(
            definition.transition("paused", "resume"), "paused"
        )

    def test_field_in_value_must_be_a_choice(self):
        """A field_in value that is not one of the field's choices is located and suggested."""
        text = MINIMAL.replace(
            "roles: [lead]\n",
            "roles: [lead]\nfields:\n  depth: {type: choice, choices: [formal, field]}\n",
            1,
        ).replace("dest: done\n", "dest: done\n    guards: [{field_in: {depth: [formal, fild]}}]\n")
        assert [
            "w.yaml:20:42: transitions[1].guards[0].field_in.depth[1]: 'fild' is not a choice of "
            "field 'depth' (did you mean 'field'?); one of formal, field"
        ] == problems(text)

    def test_field_in_single_value_must_be_a_choice(self):
        """A single field_in value is checked too, in invariants as in transitions."""
        text = (
            MINIMAL.replace(
                "roles: [lead]\n",
                "roles: [lead]\nfields:\n  depth: {type: choice, choices: [formal]}\n",
                1,
            )
            + "invariants:\n  deep:\n    in: [done]\n    holds: [{field_in: {depth: nonsense}}]\n"
        )
        (found,) = problems(text)
        assert (
            "invariants.deep.holds[0].field_in.depth: 'nonsense' is not a choice of field" in found
        )
        assert found.endswith("; one of formal")


class TestRegistry:
    def test_extended_registry(self):
        """A library user's guard becomes usable in YAML once registered."""
        registry = default_registry().copy()

        @registry.register("title_mentions", param=str, describe="title mentions {param}")
        def title_mentions(view, param):
            return None if param in view.case.title else "no"

        text = MINIMAL.replace("dest: done\n", "dest: done\n    guards: [{title_mentions: A}]\n")
        definition = workflow_from_text(text, guards=registry)
        assert "title_mentions" == definition.transitions[1].guards[0].name
        assert "title_mentions" not in default_registry()


def test_schema_accepts_shipped_and_rejects_broken():
    """The published JSON Schema accepts the shipped workflows and rejects a broken one."""
    jsonschema = pytest.importorskip("jsonschema")
    import json

    from aaib_cp.workflow.definition import shipped_workflow_path
    from aaib_cp.workflow.yaml_source import load_yaml_file
    from tests.conftest import REPO

    schema = json.loads((REPO / "workflows" / "workflow.schema.json").read_text())
    for name in shipped_workflows():
        jsonschema.validate(load_yaml_file(shipped_workflow_path(name)).data, schema)
    broken = load_yaml_file(shipped_workflow_path("child-protection")).data
    broken["transitions"][0]["colour"] = "red"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_validate_cli_subprocess(tmp_path):
    """`aaib workflow validate` on a broken file prints each problem and exits 1."""
    bad = tmp_path / "x.yaml"
    bad.write_text(
        MINIMAL.replace("dest: analysis", "dest: analysys").replace("[lead]", "[leed]", 1)
    )
    result = subprocess.run(
        [sys.executable, "-m", "aaib_cp", "workflow", "validate", str(bad)],
        capture_output=True,
        text=True,
    )
    assert 1 == result.returncode
    lines = result.stderr.strip().splitlines()
    assert f"{bad}:13:11: transitions[0].dest: unknown state 'analysys'" in lines[0]
    assert "3 problem(s) found." == lines[-1]
    assert "Traceback" not in result.stderr
